"""Safe extraction of tar and zip archives (the classic attack surface of dataset loaders).

Every member is checked before a single byte is written: its name must be relative, free of
`..` parts and contained in the target folder (by `realpath`), it must be a regular file or a
folder (symlinks, hard links, devices and FIFOs are refused), it must be one of the expected
`members` when those are given, and the total size must stay under `max_bytes` (zip members
above 1 MiB also under 100x their compressed size). The files are then written into a fresh staging
folder next to the target (tar: `extract(..., filter="data")`), which is renamed into place, so
a refused or interrupted extraction leaves nothing behind.

>>> import io, os, tarfile, tempfile
>>> root = tempfile.mkdtemp()
>>> with tarfile.open(os.path.join(root, "a.tar"), "w") as tar:
...     info = tarfile.TarInfo("data/x.txt"); info.size = 2
...     tar.addfile(info, io.BytesIO(b"hi"))
>>> out = extract_archive(os.path.join(root, "a.tar"), os.path.join(root, "a"))
>>> open(os.path.join(out, "data", "x.txt")).read()
'hi'
"""

import contextlib
import lzma
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib

#: What the tar/zip/gzip/bz2/xz readers raise for damaged or lying data (an OSError without an
#: errno is a format error, e.g. gzip's BadGzipFile; one with an errno is the system's).
_FORMAT_ERRORS = (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError,
                  NotImplementedError, MemoryError, OverflowError)

__all__ = ["ArchiveError", "archive_root_name", "extract_archive", "safe_members"]

_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


class ArchiveError(ValueError):
    """An archive was refused; names the archive, the member and the reason."""

    def __init__(self, archive, member, reason):
        super().__init__(f"{archive}: member {member!r} refused: {reason}" if member is not None
                         else f"{archive}: refused: {reason}")
        self.archive, self.member, self.reason = str(archive), member, reason


def archive_root_name(path):
    """The archive's file name without its archive suffix: `a.tar.gz` -> `a`."""
    name = os.path.basename(path)
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name[:-len(suffix)]
    return name + "_extracted"


def _allowed(name, members):
    if members is None:
        return True
    if callable(members):
        return bool(members(name))
    return name in members


def _check_name(archive, name, target):
    """The member's destination inside `target`, or ArchiveError."""
    if not name or "\x00" in name:
        raise ArchiveError(archive, name, "empty name or NUL byte")
    if name.startswith(("/", "\\")) or os.path.isabs(name) or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError(archive, name, "absolute path")
    parts = name.replace("\\", "/").split("/")
    if ".." in parts:
        raise ArchiveError(archive, name, "'..' in the path (outside the target folder)")
    root = os.path.realpath(target)
    dest = os.path.realpath(os.path.join(root, *[p for p in parts if p not in ("", ".")]))
    if dest != root and not dest.startswith(root + os.sep):
        raise ArchiveError(archive, name, f"resolves to {dest}, outside {root}")
    return dest


def safe_members(archive, entries, target, members=None, max_bytes=2**33):
    """Check `(name, kind, size, compressed)` entries; return [(name, is_dir)] to extract.

    `kind` is "file", "dir" or anything else (refused). Raises ArchiveError on the first bad
    entry; none of the archive is extracted then.
    """
    chosen, total, seen = [], 0, set()
    for name, kind, size, compressed in entries:
        _check_name(archive, name, target)
        clean = name.rstrip("/")
        if kind == "dir":
            if members is None:
                chosen.append((clean, True))
            continue
        if kind != "file":
            raise ArchiveError(archive, name, f"{kind} members are not allowed (regular files "
                                              "only)")
        if not _allowed(clean, members):
            raise ArchiveError(archive, name, "not one of the expected members")
        if clean in seen:
            raise ArchiveError(archive, name, "appears twice")
        seen.add(clean)
        total += size
        if total > max_bytes:
            raise ArchiveError(archive, name, f"the archive expands past {max_bytes} bytes")
        if compressed is not None and size > 100 * max(compressed, 1) and size > 2**20:
            raise ArchiveError(archive, name, f"declares {size} bytes from {compressed} "
                                              "compressed (a zip bomb?)")
        chosen.append((clean, False))
    if isinstance(members, set | frozenset | list | tuple):
        missing = sorted(set(members) - seen)
        if missing:
            raise ArchiveError(archive, missing[0], "expected member is missing")
    return chosen


def _tar_kind(info):
    if info.isreg():
        return "file"
    if info.isdir():
        return "dir"
    if info.issym():
        return "symlink"
    if info.islnk():
        return "hard link"
    return "special file"


def _zip_kind(info):
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "symlink"
    if info.is_dir():
        return "dir"
    if mode and not stat.S_ISREG(mode):
        return "special file"
    return "file"


def _plan_tar(path, target, members, max_bytes):
    with tarfile.open(path, "r:*") as tar:
        return safe_members(path, [(i.name, _tar_kind(i), i.size, None) for i in tar],
                            target, members, max_bytes)


def _plan_zip(path, target, members, max_bytes):
    with zipfile.ZipFile(path) as zf:
        return safe_members(path, [(i.filename, _zip_kind(i), i.file_size, i.compress_size)
                                   for i in zf.infolist()], target, members, max_bytes)


def _extract_tar(path, staging, chosen):
    with tarfile.open(path, "r:*") as tar:
        infos = tar.getmembers()
        wanted = {name for name, _ in chosen}
        for info in infos:
            if info.name.rstrip("/") not in wanted:
                continue
            if hasattr(tarfile, "data_filter"):
                tar.extract(info, staging, filter="data")
            else:  # pragma: no cover  (Python without PEP 706)
                _copy_member(tar.extractfile(info), staging, info.name, info.isdir())


def _extract_zip(path, staging, chosen):
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        by_name = {i.filename.rstrip("/"): i for i in infos}
        for name, is_dir in chosen:
            info = by_name[name]
            with (contextlib.nullcontext() if is_dir else zf.open(info)) as src:
                _copy_member(src, staging, name, is_dir, limit=info.file_size)


def _copy_member(src, staging, name, is_dir, limit=None):
    dest = os.path.join(staging, *name.split("/"))
    if is_dir:
        os.makedirs(dest, exist_ok=True)
        return
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    written = 0
    with open(dest, "xb") as out:
        for chunk in iter(lambda: src.read(1 << 16), b""):
            written += len(chunk)
            if limit is not None and written > limit:
                raise ArchiveError(staging, name, "holds more bytes than it declares")
            out.write(chunk)


@contextlib.contextmanager
def _damaged_as_archive_error(path):
    """The readers' own exceptions for a damaged archive, as an ArchiveError naming it."""
    try:
        yield
    except ArchiveError:
        raise
    except _FORMAT_ERRORS as e:
        raise ArchiveError(path, None, f"damaged or truncated archive ({type(e).__name__}: "
                                       f"{e})") from None
    except OSError as e:
        if e.errno is not None:
            raise  # the system's (disk full, permissions): not the archive's fault
        raise ArchiveError(path, None, f"damaged or truncated archive ({type(e).__name__}: "
                                       f"{e})") from None


def _formats(archive_format):
    if archive_format in ("auto", None):
        return ("tar", "zip") if archive_format == "auto" else ()
    formats = (archive_format,) if isinstance(archive_format, str) else tuple(archive_format)
    if not set(formats) <= {"tar", "zip"}:
        raise ValueError(f"extract_archive: `archive_format` must be 'auto', 'tar', 'zip' or a "
                         f"list of them; received archive_format={archive_format!r}")
    return formats


def extract_archive(path, target, members=None, max_bytes=2**33, marker=None,
                    archive_format="auto"):
    """Extract the tar or zip archive at `path` into the folder `target`, safely.

    Args:
        path: a .tar, .tar.gz, .tgz, .tar.bz2, .tar.xz or .zip file.
        target: the destination folder (replaced as a whole when the extraction succeeds).
        members: the member names allowed (a set/list: all must be present; or a predicate).
            None allows every regular file.
        max_bytes: the largest total uncompressed size accepted.
        marker: optional `(file, text)` written into the staging folder before it is moved.
        archive_format: "auto" (tar or zip, as Keras), "tar", "zip" or a list of them.

    Returns:
        `target`.

    Raises:
        ArchiveError: a member is outside the target, a link or special file, unexpected,
            or the archive is too large; nothing has been written.
        ValueError: `path` is neither a tar nor a zip archive.
    """
    target = os.path.abspath(target)
    parent = os.path.dirname(target)
    formats = _formats(archive_format)
    with _damaged_as_archive_error(path):
        is_zip = "zip" in formats and zipfile.is_zipfile(path)
        is_tar = not is_zip and "tar" in formats and tarfile.is_tarfile(path)
    if not is_zip and not is_tar:
        raise ValueError(f"{path}: not an archive of the format(s) {list(formats)} "
                         f"(archive_format={archive_format!r})")
    with _damaged_as_archive_error(path):
        chosen = (_plan_zip if is_zip else _plan_tar)(path, target, members, max_bytes)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(target)}.")
    try:
        with _damaged_as_archive_error(path):
            (_extract_zip if is_zip else _extract_tar)(path, staging, chosen)
        if marker is not None:
            rel = os.path.relpath(marker[0], target)
            with open(os.path.join(staging, rel), "w", encoding="ascii") as f:
                f.write(marker[1])
        if os.path.lexists(target):
            old = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(target)}.old.")
            os.replace(target, os.path.join(old, "x"))
            shutil.rmtree(old, ignore_errors=True)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
