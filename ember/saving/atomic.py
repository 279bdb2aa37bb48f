"""Atomic file writes: readers see the old file or the new one, never a partial one.

The bytes go to a temporary file in the destination's own folder (so the rename stays on one
file system), are flushed and fsync'ed, and then `os.replace` swaps the file in; finally the
folder itself is fsync'ed so the rename survives a power cut. If anything fails -- an error,
Ctrl-C -- the temporary file is removed and the old file is untouched. A process killed
outright (SIGKILL) may leave a hidden `.<name>.<pid>-<random>.tmp` file behind, never a damaged
destination. Every write removes such leftovers of its own destination first
(`cleanup_temp_files`), so kills never pile up: at most the one in-flight temporary exists.

A leftover counts as stale only when it matches the naming scheme for exactly that
destination, its writer's pid is no longer alive, and (where `fcntl` exists) nobody holds the
`flock` every writer keeps on its temporary while writing. Files of other destinations, files
not named by this scheme, and the temporaries of live writers are never touched.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "hello.txt")
>>> atomic_write_bytes(path, b"hello")
>>> open(path, "rb").read(), os.listdir(folder)
(b'hello', ['hello.txt'])
"""

import contextlib
import os
import re
import secrets

try:
    import fcntl
except ImportError:  # Windows: the pid check alone decides
    fcntl = None

_TMP_SUFFIX = ".tmp"
_TMP_MIDDLE = re.compile(r"(\d{1,10})-[0-9a-f]{12}")


def _temp_name(path):
    folder, base = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{base}.{os.getpid()}-{secrets.token_hex(6)}{_TMP_SUFFIX}")


def _pid_alive(pid):
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # exists (another user's) or cannot tell: keep the file
    return True


def _unlocked(file_path):
    """True when no process holds the writer's flock on `file_path` (always True without
    fcntl). A file that cannot be opened counts as locked: it is left alone."""
    if fcntl is None:
        return True
    try:
        fd = os.open(file_path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)  # closing drops the probe's own lock
    return True


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
    cleanup_temp_files(path)  # leftovers of writers killed earlier
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        if fcntl is not None:  # released by the kernel however this process ends
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
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
    """Remove temporary files that killed `atomic_writer(path)` calls left behind.

    Only files named `.<basename of path>.<pid>-<12 hex digits>.tmp` in the same folder count,
    and of those only the ones whose writing process is gone (its pid is not alive and its
    flock is free). `atomic_writer` calls this before every write.

    Returns:
        The number of files removed.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> stale = os.path.join(folder, ".w.ember.999999999-0123456789ab.tmp")  # no such pid
    >>> mine = os.path.join(folder, f".w.ember.{os.getpid()}-0123456789ab.tmp")  # alive
    >>> for name in (stale, mine, os.path.join(folder, "other.tmp")):
    ...     open(name, "wb").close()
    >>> cleanup_temp_files(os.path.join(folder, "w.ember"))
    1
    >>> sorted(os.listdir(folder)) == sorted([os.path.basename(mine), "other.tmp"])
    True
    """
    folder, base = os.path.split(os.path.abspath(os.fspath(path)))
    prefix, removed = f".{base}.", 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        if not (name.startswith(prefix) and name.endswith(_TMP_SUFFIX)):
            continue
        match = _TMP_MIDDLE.fullmatch(name[len(prefix):-len(_TMP_SUFFIX)])
        if match is None or _pid_alive(int(match.group(1))):
            continue
        full = os.path.join(folder, name)
        if not os.path.isfile(full) or os.path.islink(full) or not _unlocked(full):
            continue
        with contextlib.suppress(OSError):
            os.remove(full)
            removed += 1
    return removed
