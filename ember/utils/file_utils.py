"""`get_file`: download once into ember's cache, verify, and (optionally) extract safely.

The file lands in `$EMBER_HOME/<cache_subdir>/<fname>` (`~/.ember` when `EMBER_HOME` is not
set). Each origin (mirrors in turn) is tried with retries and exponential back-off; the bytes go
to a temporary file in the cache folder, are checked against the pinned hash (SHA-256, or MD5
where only that is published, chosen by the hash's length), and only then moved into place
with `os.replace`, so a cache entry is either absent or complete and verified. A cross-process
lock (`fcntl.flock` on `<fname>.lock`) makes two concurrent downloads leave one good copy.
A cached file whose hash is wrong is fetched again once; if the fresh copy is wrong too the
error names the file, the expected and the received hash. Offline, the error says which file
is missing, where it comes from and where to put it by hand.

>>> import os, tempfile
>>> home = tempfile.mkdtemp()
>>> with open(os.path.join(home, "hello.txt"), "wb") as f:
...     _ = f.write(b"hello")
>>> get_file("hello.txt", origin="http://127.0.0.1:9/unused", cache_dir=home, cache_subdir="",
...          file_hash=hash_file(os.path.join(home, "hello.txt"))) == os.path.join(home,
...          "hello.txt")
True
"""

import contextlib
import hashlib
import os
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPException

from ember.datasets.errors import DatasetCorruptError
from ember.utils.archive import ArchiveError, archive_root_name, extract_archive

try:  # the cross-process lock; without fcntl (Windows) downloads are not locked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

__all__ = ["ArchiveError", "DownloadError", "ember_home", "extract_archive", "get_file",
           "hash_file"]

_CHUNK = 1 << 16
_NETWORK_ERRORS = (urllib.error.URLError, HTTPException, OSError, TimeoutError)


class DownloadError(FileNotFoundError):
    """A file is not cached and could not be fetched from any origin; the message says where
    to place it by hand."""


def ember_home():
    """`$EMBER_HOME`, or `~/.ember`."""
    return os.environ.get("EMBER_HOME") or os.path.join(os.path.expanduser("~"), ".ember")


def _algorithm(file_hash, hash_algorithm):
    if hash_algorithm not in ("auto", "sha256", "md5"):
        raise ValueError(f"get_file: `hash_algorithm` must be 'auto', 'sha256' or 'md5'; "
                         f"received {hash_algorithm!r}")
    if hash_algorithm != "auto":
        return hash_algorithm
    return "md5" if file_hash is not None and len(file_hash) == 32 else "sha256"


def hash_file(path, algorithm="sha256"):
    """The hex digest of a file, read in chunks.

    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "x")
    >>> _ = open(p, "wb").write(b"abc")
    >>> hash_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def file_lock(path):
    """An exclusive cross-process lock held on `path` (created if needed)."""
    with open(path, "a+b") as f:
        if fcntl is not None:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)


class _Progress:
    """tqdm when installed, else a plain `\\r` line on stderr; silent when disabled."""

    def __init__(self, name, total, enabled):
        self.name, self.total, self.done, self.bar = name, total, 0, None
        self.enabled = enabled
        self._last = 0.0
        if enabled:
            try:
                from tqdm import tqdm  # noqa: PLC0415  (optional)
                self.bar = tqdm(total=total, unit="B", unit_scale=True, desc=name)
            except ImportError:
                self.bar = None

    def update(self, n):
        self.done += n
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.monotonic()
        if now - self._last < 0.2 and self.done != self.total:
            return
        self._last = now
        if self.total:
            pct = 100.0 * self.done / self.total
            sys.stderr.write(f"\rDownloading {self.name}: {pct:5.1f}% "
                             f"({self.done / 1e6:.1f}/{self.total / 1e6:.1f} MB)")
        else:
            sys.stderr.write(f"\rDownloading {self.name}: {self.done / 1e6:.1f} MB")
        sys.stderr.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            sys.stderr.write("\n")


def _fetch(url, dest_dir, fname, timeout, progress):
    """Stream `url` into a new temporary file in `dest_dir`; return its path. A short body
    (fewer bytes than Content-Length) is an error; the temporary file is removed on failure."""
    fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=f".{fname}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            request = urllib.request.Request(url, headers={"User-Agent": "ember"})
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                bar = _Progress(fname, total, progress)
                received = 0
                try:
                    while True:
                        chunk = response.read(_CHUNK)
                        if not chunk:
                            break
                        out.write(chunk)
                        received += len(chunk)
                        bar.update(len(chunk))
                finally:
                    bar.close()
                if total is not None and received != total:
                    raise DownloadError(f"{url}: the transfer stopped after {received} of "
                                        f"{total} bytes")
            out.flush()
            os.fsync(out.fileno())
        return tmp
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def _fsync_dir(path):
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _check_fname(fname):
    if not fname or fname in (".", "..") or os.path.basename(fname) != fname or "\\" in fname:
        raise ValueError(f"get_file: `fname` must be a plain file name (no folders); received "
                         f"fname={fname!r}")


def _download(urls, path, file_hash, algorithm, retries, backoff, timeout, progress):
    """Try each url in turn, `retries` rounds with back-off; return the hash-checked temporary
    file's final path. Raises DatasetCorruptError when every copy had the wrong hash,
    DownloadError when none could be fetched."""
    folder, fname = os.path.split(path)
    errors, bad_hash = [], None
    for attempt in range(retries):
        for url in urls:
            try:
                tmp = _fetch(url, folder, fname, timeout, progress)
            except _NETWORK_ERRORS as e:
                errors.append(f"{url}: {e}")
                continue
            if file_hash is not None:
                got = hash_file(tmp, algorithm)
                if got != file_hash.lower():
                    os.remove(tmp)
                    bad_hash = (url, got)
                    errors.append(f"{url}: {algorithm} mismatch (received {got})")
                    continue
            os.replace(tmp, path)
            _fsync_dir(folder)
            return path
        if bad_hash is not None:
            break  # a server that sends wrong bytes will send them again
        if attempt + 1 < retries:
            time.sleep(backoff * (2 ** attempt))
    if bad_hash is not None:
        raise DatasetCorruptError(path, f"Incomplete or corrupted file detected: the "
                                        f"{algorithm} hash does not match; expected "
                                        f"{file_hash.lower()}, received {bad_hash[1]} "
                                        f"(from {bad_hash[0]})")
    hint = f" ({algorithm} {file_hash})" if file_hash else ""
    raise DownloadError(
        f"Could not download {fname} from {', '.join(urls)} after {retries} attempt(s) "
        f"(last error: {errors[-1] if errors else 'none'}). If you are offline, download it "
        f"by hand from one of these addresses and place it at {path}{hint}, or pass "
        f"path=/--data-dir with a folder that holds it.")


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False, *, members=None,
             retries=3, backoff=0.5, timeout=30.0, progress=None, max_extract_bytes=2**33):
    # Keras' positional order, then ember's own options (keyword-only).
    """Return the local path of a verified copy of a file, downloading it if needed.

    Args:
        fname: the file name in the cache. Defaults to the last part of the first origin.
        origin: the URL, or a list of URLs (mirrors, tried in turn).
        file_hash: the expected hex digest (64 hex digits: SHA-256, 32: MD5). None skips the
            check (not recommended).
        cache_dir: the cache root. Defaults to `$EMBER_HOME` or `~/.ember` (or
            `<tmp>/.ember` when the home folder is not writable, as Keras).
        cache_subdir: the folder under `cache_dir`. Defaults to "datasets".
        extract: extract the archive (tar, tar.gz, zip) next to it and return the folder.
        hash_algorithm: "auto" (by the hash's length), "sha256" or "md5".
        members: the archive member names allowed (a set, or a predicate on the name); None
            allows any regular file (still contained in the target folder).
        retries: rounds over the mirrors. Defaults to 3.
        backoff: seconds before the second round, doubled each round. Defaults to 0.5.
        timeout: socket timeout in seconds. Defaults to 30.
        progress: show a progress bar (tqdm when installed). Defaults to when stderr is a tty.
        force_download: fetch again even when a verified copy is cached.
        max_extract_bytes: refuse archives that expand past this (zip/tar bombs).
        untar, md5_hash: Keras' legacy spellings of `extract=True` and an MD5 `file_hash`.
        archive_format: with `extract`: "auto" (tar or zip), "tar", "zip" or a list of them.

    Returns:
        The path of the file, or of the extracted folder with `extract=True`.

    Raises:
        DownloadError: no origin answered; the message says where to place the file by hand.
        DatasetCorruptError: the downloaded file's hash is wrong (after one refetch of a bad
            cached copy); names the file and both hashes.
        ArchiveError: the archive holds a member that is not allowed (see
            `ember.utils.archive.extract_archive`).
    """
    extract = extract or untar
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    urls = [origin] if isinstance(origin, str) else list(origin or [])
    if fname is None:
        if not urls:
            raise ValueError("get_file: give `fname` or `origin`")
        fname = os.path.basename(urllib.parse.urlparse(urls[0]).path)
    _check_fname(fname)
    for url in urls:
        if urllib.parse.urlparse(url).scheme not in ("http", "https", "file"):
            raise ValueError(f"get_file: origin must be an http(s) or file URL; received {url!r}")
    algorithm = _algorithm(file_hash, hash_algorithm)
    if progress is None:
        progress = sys.stderr.isatty()
    folder = os.path.join(cache_dir or ember_home(), cache_subdir)
    try:
        os.makedirs(folder, exist_ok=True)
    except PermissionError:
        if cache_dir is not None or os.environ.get("EMBER_HOME"):
            raise
        folder = os.path.join(tempfile.gettempdir(), ".ember", cache_subdir)  # as Keras
        os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, fname)
    with file_lock(path + ".lock"):
        if os.path.exists(path) and not force_download:
            if file_hash is None or hash_file(path, algorithm) == file_hash.lower():
                return _maybe_extract(path, extract, file_hash, members, max_extract_bytes,
                                      archive_format)
            os.remove(path)  # a bad cached copy: fetched again once, below
        if not urls:
            raise DownloadError(f"{fname} is not in the cache ({path}) and no origin was given")
        _download(urls, path, file_hash, algorithm, retries, backoff, timeout, progress)
        return _maybe_extract(path, extract, file_hash, members, max_extract_bytes,
                              archive_format)


def _maybe_extract(path, extract, file_hash, members, max_bytes, archive_format="auto"):
    if not extract:
        return path
    target = os.path.join(os.path.dirname(path), archive_root_name(path))
    marker = os.path.join(target, ".ember-extracted")
    stamp = file_hash or hash_file(path)
    if os.path.isfile(marker):
        with open(marker, encoding="ascii", errors="replace") as f:
            if f.read().strip() == stamp:
                return target
    extract_archive(path, target, members=members, max_bytes=max_bytes, marker=(marker, stamp),
                    archive_format=archive_format)
    return target
