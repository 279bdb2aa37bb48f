"""Atomic file writes: readers see the old file or the new one, never a partial one.

The bytes go to a temporary file in the destination's own folder (so the rename stays on one
file system), are flushed and fsync'ed, and then `os.replace` swaps the file in; finally the
folder itself is fsync'ed so the rename survives a power cut. If anything fails -- an error,
Ctrl-C -- the temporary file is removed and the old file is untouched. A process killed
outright (SIGKILL) may leave a hidden `.<name>.<random>.tmp` file behind, never a damaged
destination; `cleanup_temp_files` removes such leftovers.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "hello.txt")
>>> atomic_write_bytes(path, b"hello")
>>> open(path, "rb").read(), os.listdir(folder)
(b'hello', ['hello.txt'])
"""

import contextlib
import os
import secrets

_TMP_SUFFIX = ".tmp"


def _temp_name(path):
    folder, base = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{base}.{secrets.token_hex(6)}{_TMP_SUFFIX}")


def fsync_directory(folder):
    """fsync a folder so a rename inside it is durable (a no-op where unsupported)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:  # Windows cannot open folders; its os.replace is durable enough
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path):
    """A context manager yielding a binary file; on a clean exit it replaces `path`.

    Args:
        path: the destination. Its folder must exist.

    Raises:
        FileNotFoundError: when the folder does not exist (naming it).
        IsADirectoryError: when `path` is an existing folder.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path!r}: the folder {folder!r} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot write {path!r}: it is an existing folder; expected a "
                                "file path")
    tmp = _temp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    fsync_directory(folder)


def atomic_write_bytes(path, data):
    """Write `data` (bytes) to `path` atomically."""
    with atomic_writer(path) as f:
        f.write(data)


def cleanup_temp_files(path):
    """Remove temporary files that an interrupted `atomic_writer(path)` left behind.

    Returns:
        The number of files removed.
    """
    folder, base = os.path.split(os.path.abspath(os.fspath(path)))
    prefix, removed = f".{base}.", 0
    with contextlib.suppress(FileNotFoundError):
        for name in os.listdir(folder):
            middle = name[len(prefix):-len(_TMP_SUFFIX)]
            if (name.startswith(prefix) and name.endswith(_TMP_SUFFIX) and len(middle) == 12
                    and all(c in "0123456789abcdef" for c in middle)):
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(folder, name))
                    removed += 1
    return removed
