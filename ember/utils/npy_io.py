"""`.npy` and `.npz` files read with every declared size checked before memory is taken.

`np.load` trusts a file's header: an `.npy` declaring an 8 TB shape makes it allocate 8 TB (a
`MemoryError`, or pages committed lazily and the process killed), and a zip member whose
header lies about its size makes `zipfile` pre-allocate the declared bytes. Here the header is
parsed first (no pickle: object dtypes are refused), the byte count it implies is computed in
Python integers (no overflow), compared with the bytes the file really holds and with
`max_bytes`, and only then is the array allocated and filled in bounded chunks. Every refusal
is a `FileFormatError` naming the file (and the member).

>>> import io, os, tempfile
>>> import numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
>>> np.savez(path, w=np.arange(3.0))
>>> read_npz(path)["w"]
array([0., 1., 2.])
"""

import math
import os
import stat
import zipfile

import numpy as np

from ember.saving.errors import FileFormatError, TooLargeError

__all__ = ["check_npy", "read_npy", "read_npz"]

MAX_BYTES = 2**34  # 16 GiB: larger arrays are refused unless the caller raises the cap
_CHUNK = 1 << 20
_DEFLATE_MAX_RATIO = 1032  # deflate cannot expand more than this


def _header(stream, source):
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except (ValueError, OSError, EOFError, SyntaxError) as e:
        raise FileFormatError(source, f"not a valid .npy header ({e})") from None
    if dtype.hasobject:
        raise FileFormatError(source, f"holds an object array (dtype {dtype}): it cannot be "
                                      "loaded without pickle, which ember never uses")
    return shape, fortran, dtype


def _read_array(stream, source, available, max_bytes):
    """Parse a .npy from `stream`; `available` is the most bytes the data can have."""
    shape, fortran, dtype = _header(stream, source)
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    if nbytes > max_bytes:
        raise TooLargeError(source, f"declares shape {shape} of {dtype} = {nbytes} bytes, "
                                      f"more than the {max_bytes} accepted (max_bytes)")
    if available is not None and nbytes > available:
        raise TooLargeError(source, f"declares shape {shape} of {dtype} = {nbytes} bytes, but "
                                      f"holds at most {available}")
    out = np.empty(count, dtype=dtype)
    view = memoryview(out.reshape(-1).view(np.uint8)) if nbytes else memoryview(b"")
    done = 0
    while done < nbytes:
        chunk = stream.read(min(_CHUNK, nbytes - done))
        if not chunk:
            raise FileFormatError(source, f"truncated: the header declares {nbytes} bytes of "
                                          f"data, the file holds {done}")
        view[done:done + len(chunk)] = chunk
        done += len(chunk)
    order = "F" if fortran else "C"
    return out.reshape(shape[::-1]).transpose() if fortran and len(shape) > 1 else \
        out.reshape(shape, order=order)


def _regular_file(path):
    path = os.fspath(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} does not exist") from None
    if not stat.S_ISREG(mode):
        raise FileFormatError(path, "not a regular file (a FIFO, device or folder is refused)")
    return path


def check_npy(path):
    """Check an `.npy` file's header against its size without reading the data (before a
    memory map, say); return `(shape, dtype)`."""
    path = _regular_file(path)
    with open(path, "rb") as f:
        shape, _, dtype = _header(f, path)
        available = os.fstat(f.fileno()).st_size - f.tell()
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes != available:
        raise TooLargeError(path, f"declares shape {shape} of {dtype} = {nbytes} bytes, but "
                                    f"holds {available}")
    return shape, dtype


def read_npy(path, max_bytes=MAX_BYTES):
    """The array of an `.npy` file (never unpickles; sizes checked before allocating)."""
    path = _regular_file(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        array = _read_array(f, path, size, max_bytes)
        if f.read(1):
            raise FileFormatError(path, "holds bytes after the array its header declares")
    return array


def read_npz(path, max_bytes=MAX_BYTES):
    """`{name: array}` of an `.npz` file (never unpickles; sizes checked before allocating).

    Raises:
        FileFormatError: not a zip, a member that is not a valid `.npy`, an object array,
            a declared size beyond `max_bytes` or beyond what the member can hold.
    """
    path = _regular_file(path)
    out, total = {}, 0
    try:
        with zipfile.ZipFile(path) as zf:
            archive_size = os.path.getsize(path)
            for info in zf.infolist():
                source = f"{path} (member {info.filename!r})"
                if info.compress_size > archive_size:
                    raise TooLargeError(source, f"declares {info.compress_size} compressed "
                                                  f"bytes in a {archive_size}-byte file")
                ratio = 1 if info.compress_type == zipfile.ZIP_STORED else _DEFLATE_MAX_RATIO
                available = info.compress_size * ratio
                with zf.open(info) as stream:
                    array = _read_array(stream, source, available, max_bytes - total)
                total += array.nbytes
                name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
                out[name] = array
    except zipfile.BadZipFile as e:
        raise FileFormatError(path, f"not a valid .npz (zip) file ({e})") from None
    except (EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as e:
        if isinstance(e, FileFormatError | FileNotFoundError) or (
                isinstance(e, OSError) and e.errno is not None):
            raise
        raise FileFormatError(path, f"damaged .npz file ({type(e).__name__}: {e})") from None
    return out
