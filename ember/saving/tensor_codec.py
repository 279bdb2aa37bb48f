"""Named arrays in the safetensors layout, written and read by ember's own code.

Layout (https://github.com/huggingface/safetensors):

    [8 bytes: n, little-endian u64][n bytes: JSON header][byte buffer]

The header maps each tensor name to `{"dtype": "F32", "shape": [2, 3], "data_offsets": [b, e]}`
(offsets relative to the start of the buffer) and may hold `"__metadata__": {str: str}`. The
writer pads the header with spaces to a multiple of 8 bytes and stores tensors back to back,
little-endian, C order.

The reader trusts nothing: it caps the header size, allows only the dtypes below, checks every
shape with an overflow-safe product, and requires the offsets to tile the buffer exactly (in
bounds, no holes, no overlaps) -- all before allocating a single array. Arrays come back as
fresh, writable copies.

>>> import numpy as np
>>> blob = encode_tensors({"w": np.arange(6, dtype=np.float32).reshape(2, 3)})
>>> decode_tensors(blob, "example")["w"]
array([[0., 1., 2.],
       [3., 4., 5.]], dtype=float32)
"""

import io
import json
import struct

import numpy as np

from ember import backend
from ember.saving.errors import FileFormatError, TooLargeError

#: safetensors dtype codes -> NumPy dtypes (little-endian). Nothing else is ever read.
DTYPES = {
    "BOOL": np.dtype("?"), "U8": np.dtype("u1"), "I8": np.dtype("i1"),
    "U16": np.dtype("<u2"), "I16": np.dtype("<i2"), "F16": np.dtype("<f2"),
    "U32": np.dtype("<u4"), "I32": np.dtype("<i4"), "F32": np.dtype("<f4"),
    "U64": np.dtype("<u8"), "I64": np.dtype("<i8"), "F64": np.dtype("<f8"),
}
_CODES = {(dt.kind, dt.itemsize): code for code, dt in DTYPES.items()}

#: The largest JSON header accepted (safetensors' own limit is 100 MB).
MAX_HEADER_BYTES = 100 * 2**20
#: The most tensors one blob may declare (a model with this many weights is not plausible;
#: a header of a million empty tensors would cost seconds and gigabytes to parse).
MAX_TENSORS = 200_000
MAX_RANK = 32
MAX_NAME_CHARS = 1024


def dtype_code(dtype):
    """The safetensors code of a NumPy dtype, or TypeError for anything not allowed.

    >>> dtype_code(np.float32), dtype_code(np.int64)
    ('F32', 'I64')
    """
    dt = np.dtype(dtype)
    code = _CODES.get((dt.kind, dt.itemsize))
    if code is None:
        raise TypeError(f"cannot store an array of dtype {dt}: allowed dtypes are bool, "
                        "(u)int8/16/32/64 and float16/32/64")
    return code


def write_tensors(stream, tensors, metadata=None):
    """Write `tensors` (name -> array) to the binary `stream` in the safetensors layout.

    Args:
        stream: a writable binary file object.
        tensors: dict of name -> array-like; names are non-empty strings.
        metadata: optional dict of str -> str stored as `__metadata__`.

    Returns:
        The number of bytes written.
    """
    arrays, header, offset = [], {}, 0
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("metadata: expected a dict of str -> str")
        header["__metadata__"] = dict(metadata)
    for name, value in tensors.items():
        if not isinstance(name, str) or not name or name == "__metadata__":
            raise ValueError(f"tensor names must be non-empty strings (not '__metadata__'); "
                             f"received {name!r}")
        arr = backend.to_host(value)  # a tensor on a GPU is written from a host copy
        try:
            code = dtype_code(arr.dtype)
        except TypeError as e:
            raise TypeError(f"tensor {name!r}: {e}") from None
        arr = np.asarray(arr, dtype=DTYPES[code], order="C")  # keeps 0-d arrays 0-d
        header[name] = {"dtype": code, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
        arrays.append(arr)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    stream.write(struct.pack("<Q", len(text)))
    stream.write(text)
    for arr in arrays:
        stream.write(memoryview(arr.reshape(-1)).cast("B"))
    return 8 + len(text) + offset


def encode_tensors(tensors, metadata=None):
    """`write_tensors` into bytes."""
    buf = io.BytesIO()
    write_tensors(buf, tensors, metadata)
    return buf.getvalue()


def parse_json(raw, source, what, max_bytes=None):
    """Decode UTF-8 JSON text strictly: duplicate keys, NaN/Infinity and deep nesting refused.

    Raises:
        FileFormatError: naming `source` and `what` (for example "config.json").
    """
    if max_bytes is not None and len(raw) > max_bytes:
        raise FileFormatError(source, f"{what} is {len(raw)} bytes; at most {max_bytes} "
                                      "are accepted")
    try:
        text = raw.decode("utf-8")
        return json.loads(text, object_pairs_hook=_no_duplicates,
                          parse_constant=_no_constants)
    except UnicodeDecodeError as e:
        raise FileFormatError(source, f"{what} is not UTF-8 text ({e.reason} at byte "
                                      f"{e.start})") from None
    except RecursionError:
        raise FileFormatError(source, f"{what} is nested too deeply to be a valid file") from None
    except ValueError as e:  # json.JSONDecodeError and the hooks below
        raise FileFormatError(source, f"{what} is not valid JSON: {e}") from None


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constants(name):
    raise ValueError(f"the constant {name} is not allowed")


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def decode_tensors(data, source="<bytes>"):
    """Validate and read a safetensors blob into a dict of name -> ndarray (copies).

    Args:
        data: the bytes (or a bytes-like object) of the whole blob.
        source: how errors name the blob (a file and member name).

    Raises:
        FileFormatError: for any truncation, malformed header, disallowed dtype, overflowing
            shape or offsets that do not tile the buffer exactly.
    """
    data = memoryview(data).cast("B")
    if len(data) < 8:
        raise FileFormatError(source, f"truncated: {len(data)} bytes, expected at least the "
                                      "8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER_BYTES:
        raise FileFormatError(source, f"header length {n} exceeds the {MAX_HEADER_BYTES}-byte "
                                      "limit")
    if 8 + n > len(data):
        raise FileFormatError(source, f"header length {n} runs past the end of the data "
                                      f"({len(data)} bytes): the file is truncated or corrupt")
    raw = bytes(data[8:8 + n])
    declared = raw.count(b'"data_offsets"')  # an upper bound on the entries, before parsing
    if declared > MAX_TENSORS:
        raise TooLargeError(source, f"the tensor header declares about {declared} tensors; at "
                                    f"most {MAX_TENSORS} are accepted (refused before parsing)")
    header = parse_json(raw, source, "the tensor header")
    if not isinstance(header, dict):
        raise FileFormatError(source, "the tensor header must be a JSON object; received "
                                      f"{type(header).__name__}")
    buffer = data[8 + n:]
    entries = []
    for name, entry in header.items():
        if name == "__metadata__":
            if not isinstance(entry, dict) or not all(isinstance(v, str)
                                                      for v in entry.values()):
                raise FileFormatError(source, "__metadata__ must map strings to strings")
            continue
        entries.append(_check_entry(name, entry, len(buffer), source))
    _check_tiling(entries, len(buffer), source)
    out = {}
    for name, dtype, shape, begin, end in entries:
        count = (end - begin) // dtype.itemsize
        arr = np.frombuffer(buffer, dtype=dtype, count=count, offset=begin).reshape(shape)
        out[name] = arr.astype(dtype.newbyteorder("="), copy=True)
    return out


def _check_entry(name, entry, buffer_len, source):
    where = f"tensor {name[:MAX_NAME_CHARS]!r}"
    if not name or len(name) > MAX_NAME_CHARS:
        raise FileFormatError(source, f"tensor names must have 1 to {MAX_NAME_CHARS} "
                                      f"characters; received {len(name)}")
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise FileFormatError(source, f"{where}: expected exactly the keys dtype, shape, "
                                      f"data_offsets; received {keys}")
    code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if not isinstance(code, str) or code not in DTYPES:
        raise FileFormatError(source, f"{where}: dtype {code!r} is not allowed; expected one "
                                      f"of {sorted(DTYPES)}")
    if (not isinstance(shape, list) or len(shape) > MAX_RANK
            or not all(_is_int(d) and d >= 0 for d in shape)):
        raise FileFormatError(source, f"{where}: shape must be a list of at most {MAX_RANK} "
                                      f"non-negative integers; received {str(shape)[:200]}")
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(_is_int(o) for o in offsets) or not 0 <= offsets[0] <= offsets[1]):
        raise FileFormatError(source, f"{where}: data_offsets must be [begin, end] with "
                                      f"0 <= begin <= end; received {str(offsets)[:200]}")
    dtype = DTYPES[code]
    nbytes = 0 if 0 in shape else dtype.itemsize
    for d in shape:
        nbytes *= d
        if nbytes > buffer_len or d >= 2**63:  # checked at each step: no huge products
            raise FileFormatError(source, f"{where}: shape {str(shape)[:200]} of {code} needs "
                                          f"more than the {buffer_len} bytes of the buffer")
    begin, end = offsets
    if end - begin != nbytes:
        raise FileFormatError(source, f"{where}: shape {shape} of {code} needs {nbytes} "
                                      f"bytes but data_offsets {offsets} span {end - begin}")
    if end > buffer_len:
        raise FileFormatError(source, f"{where}: data_offsets {offsets} run past the end of "
                                      f"the {buffer_len}-byte buffer")
    return name, dtype, tuple(shape), begin, end


def _check_tiling(entries, buffer_len, source):
    position = 0
    for name, _, _, begin, end in sorted(entries, key=lambda e: (e[3], e[4])):
        if begin != position:
            what = "overlaps the previous tensor" if begin < position else "leaves a hole"
            raise FileFormatError(source, f"tensor {name!r}: data_offsets start at {begin} but "
                                          f"the previous tensor ends at {position}: it {what}")
        position = end
    if position != buffer_len:
        raise FileFormatError(source, f"the tensors cover {position} bytes but the buffer holds "
                                      f"{buffer_len}: unaccounted trailing bytes")
