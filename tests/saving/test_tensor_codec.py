"""The safetensors-layout codec: round trips, and every malformed header refused before
allocation."""

import json
import struct
import tracemalloc

import numpy as np
import pytest

from ember.saving.errors import FileFormatError
from ember.saving.tensor_codec import MAX_HEADER_BYTES, decode_tensors, encode_tensors


def raw_blob(header, buffer=b"", pad=True):
    """A blob with an arbitrary (possibly malicious) header."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + buffer


def refused(blob, *words):
    with pytest.raises(FileFormatError) as info:
        decode_tensors(blob, "blob.bin")
    message = str(info.value)
    assert message.startswith("blob.bin: ")
    for word in words:
        assert word in message, message
    return message


@pytest.mark.parametrize("dtype", ["float32", "float16", "float64", "int8", "int16", "int32",
                                   "int64", "uint8", "uint16", "uint32", "uint64", "bool"])
def test_round_trip_keeps_dtype_shape_and_values(dtype, rng):
    arr = (rng.standard_normal((3, 4)) * 50).astype(dtype)
    out = decode_tensors(encode_tensors({"a": arr}))["a"]
    assert out.dtype == np.dtype(dtype) and out.shape == (3, 4)
    assert np.array_equal(out, arr)
    assert out.flags.writeable and out.flags.c_contiguous


def test_round_trip_of_special_shapes_and_layouts():
    tensors = {"scalar": np.float32(2.5), "empty": np.zeros((3, 0), np.float32),
               "strided": np.arange(12, dtype=np.float32).reshape(3, 4).T,
               "big_endian": np.arange(5, dtype=">i4"), "none": np.zeros(0, np.int64)}
    blob = encode_tensors(tensors, metadata={"who": "test"})
    (n,) = struct.unpack("<Q", blob[:8])
    assert n % 8 == 0
    out = decode_tensors(blob)
    assert out["scalar"].shape == () and out["scalar"] == np.float32(2.5)
    for name, value in tensors.items():
        assert np.array_equal(out[name], value), name
        assert out[name].shape == np.shape(value)
    assert out["big_endian"].dtype == np.dtype("int32")


def test_writer_refuses_object_and_complex_arrays():
    with pytest.raises(TypeError, match="'bad'.*object"):
        encode_tensors({"bad": np.array([{}], dtype=object)})
    with pytest.raises(TypeError, match="complex"):
        encode_tensors({"c": np.zeros(2, np.complex64)})
    with pytest.raises(ValueError, match="names"):
        encode_tensors({"": np.zeros(2)})


def test_truncation_at_every_offset_is_refused():
    blob = encode_tensors({"w": np.arange(6, dtype=np.float32), "b": np.ones(2, np.float64)})
    for cut in range(len(blob)):
        refused(blob[:cut])


def test_header_length_limits():
    refused(b"\x01\x02", "truncated")
    refused(struct.pack("<Q", MAX_HEADER_BYTES + 1) + b"{}", "exceeds")
    refused(struct.pack("<Q", 2**64 - 1), "exceeds")
    refused(struct.pack("<Q", 64) + b"{}", "runs past the end")


@pytest.mark.parametrize("header, words", [
    (b"\xff\xfe{}      ", ("UTF-8",)),
    (b"not json", ("not valid JSON",)),
    (b"[1, 2]  ", ("JSON object",)),
    (b'{"a": 1, "a": 2}', ("duplicate key",)),
    (b'{"a": NaN}', ("NaN",)),
    (b"[" * 100_000 + b"]" * 100_000, ("nested too deeply",)),
])
def test_malformed_headers(header, words):
    refused(raw_blob(header), *words)


def entry(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


@pytest.mark.parametrize("bad, buffer, words", [
    ({"dtype": "O", "shape": [1], "data_offsets": [0, 8]}, 8, ("dtype 'O' is not allowed",)),
    (entry(dtype="object"), 8, ("not allowed",)),
    (entry(dtype="BF16"), 8, ("not allowed",)),
    (entry(dtype=["F32"]), 8, ("not allowed",)),
    (entry(shape=(-1,)), 8, ("non-negative",)),
    ({"dtype": "F32", "shape": [True, 2], "data_offsets": [0, 8]}, 8, ("non-negative",)),
    ({"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}, 8, ("shape",)),
    (entry(shape=(1,) * 40, offsets=(0, 4)), 4, ("at most 32",)),
    (entry(shape=(2**62, 2**62, 16), offsets=(0, 8)), 8, ("needs more than",)),
    (entry(shape=(2**64, 1), offsets=(0, 8)), 8, ("needs more than",)),
    (entry(shape=(3,)), 12, ("needs 12 bytes", "span 8")),
    (entry(offsets=(8, 0)), 8, ("0 <= begin <= end",)),
    (entry(offsets=(-8, 0)), 8, ("0 <= begin <= end",)),
    (entry(offsets=(0, 8, 9)), 8, ("data_offsets",)),
    (entry(offsets=(0.0, 8.0)), 8, ("data_offsets",)),
    (entry(offsets=(8, 16)), 8, ("run past the end",)),
    (entry(offsets=(4, 12)), 12, ("leaves a hole",)),
    (entry(), 12, ("trailing bytes",)),
    ({"dtype": "F32", "shape": [2]}, 8, ("expected exactly the keys",)),
    ({**entry(), "extra": 1}, 8, ("expected exactly the keys",)),
    ([1, 2], 8, ("expected exactly the keys",)),
])
def test_bad_entries_are_refused(bad, buffer, words):
    refused(raw_blob({"w": bad}, b"\0" * buffer), *words)


def test_overlapping_and_duplicate_offsets():
    header = {"a": entry(offsets=(0, 8)), "b": entry(offsets=(4, 12))}
    refused(raw_blob(header, b"\0" * 12), "overlaps")
    header = {"a": entry(offsets=(0, 8)), "b": entry(offsets=(0, 8))}
    refused(raw_blob(header, b"\0" * 16), "overlaps")


def test_metadata_must_be_strings_and_name_limits():
    refused(raw_blob({"__metadata__": {"a": 1}}), "__metadata__")
    refused(raw_blob({"": entry(shape=(0,), offsets=(0, 0))}), "names")
    refused(raw_blob({"x" * 2000: entry(shape=(0,), offsets=(0, 0))}), "names")


def test_absurd_shapes_allocate_nothing():
    # a header promising ~10^40 bytes, and one promising 4 GiB, over an 8-byte buffer
    tracemalloc.start()
    try:
        for shape in [(10**20, 10**20), (2**30,)]:
            refused(raw_blob({"w": entry(shape=shape, offsets=(0, 8))}, b"\0" * 8))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_decoded_arrays_do_not_alias_the_input():
    data = bytearray(encode_tensors({"w": np.ones(4, np.float32)}))
    out = decode_tensors(data)["w"]
    data[-4:] = b"\0\0\0\0"
    assert np.array_equal(out, np.ones(4, np.float32))
