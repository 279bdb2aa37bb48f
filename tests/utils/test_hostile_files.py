"""Hostile or damaged files end in ember's errors, naming the file, and costly ones are
refused before the work starts (issue 18: readers)."""

import gzip
import io
import os
import struct
import tarfile
import threading
import zipfile

import numpy as np
import pytest

import ember
from ember.applications.weights_io import read_state_dict
from ember.data import TableTransformer, read_csv
from ember.data.dataset import load_npy
from ember.datasets.errors import DatasetCorruptError
from ember.datasets.idx import parse_idx
from ember.saving.errors import FileFormatError, TooLargeError
from ember.saving.tensor_codec import decode_tensors
from ember.utils.archive import ArchiveError, extract_archive
from ember.utils.npy_io import read_npz


def refused(error, path, call, *words):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert type(info.value) is not ValueError or error is ValueError
    for word in (str(path), *words):
        assert word in message, message
    return info.value


# ---------------------------------------------------------------- archives
def test_tar_member_declaring_a_terabyte(tmp_path):
    info = tarfile.TarInfo("data/huge.bin")
    info.size = 2**40
    path = tmp_path / "huge.tar"
    path.write_bytes(info.tobuf(tarfile.GNU_FORMAT) + b"\0" * 4096)
    refused(ArchiveError, path, lambda: extract_archive(path, tmp_path / "out",
                                                        max_bytes=2**50))
    assert os.listdir(tmp_path) == ["huge.tar"]


def test_truncated_tar_gz(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = np.random.default_rng(0).bytes(200_000)
        info = tarfile.TarInfo("x.bin")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    path = tmp_path / "cut.tar.gz"
    path.write_bytes(buffer.getvalue()[:len(buffer.getvalue()) // 2])
    refused(ArchiveError, path, lambda: extract_archive(path, tmp_path / "out"), "truncated")
    assert os.listdir(tmp_path) == ["cut.tar.gz"]


def _zip_bytes(name, data):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        info = zipfile.ZipInfo(name)
        info.external_attr = 0o100644 << 16  # a regular file
        zf.writestr(info, data)
    return bytearray(buffer.getvalue())


def test_zip_with_a_lying_crc(tmp_path):
    raw = _zip_bytes("a.txt", b"hello world")
    raw[raw.index(b"hello")] ^= 1  # the data no longer matches the recorded CRC-32
    path = tmp_path / "crc.zip"
    path.write_bytes(bytes(raw))
    refused(ArchiveError, path, lambda: extract_archive(path, tmp_path / "out"), "CRC")


def test_zip_member_declaring_4_gib(tmp_path):
    raw = _zip_bytes("a.bin", b"x" * 1000)
    central = raw.index(b"PK\x01\x02")
    size = 2**32 - 16  # the most a zip32 header can declare; zipfile would pre-allocate it
    struct.pack_into("<II", raw, central + 20, size, size)  # compressed, uncompressed
    struct.pack_into("<II", raw, 18, size, size)  # and in the local header
    path = tmp_path / "big.zip"
    path.write_bytes(bytes(raw))
    refused(ArchiveError, path, lambda: extract_archive(path, tmp_path / "out",
                                                        max_bytes=2**40))
    assert os.listdir(tmp_path) == ["big.zip"]


# ---------------------------------------------------------------- CSV and TableTransformer
def test_csv_field_of_a_megabyte(tmp_path):
    path = tmp_path / "big_field.csv"
    path.write_text('a,b\n1,"' + "x" * 2**20 + '"\n')
    refused(FileFormatError, path, lambda: read_csv(path), "line")


def test_csv_not_utf8(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name,city\nJosé,Zürich\n".encode("latin-1"))
    refused(FileFormatError, path, lambda: read_csv(path), "utf-8", "encoding=")
    assert read_csv(path, encoding="latin-1").columns["city"] == ["Zürich"]


def test_csv_id_column_too_costly_to_one_hot(tmp_path):
    path = tmp_path / "ids.csv"
    rows = "\n".join(f"id{i},{i % 2}" for i in range(150_000))
    path.write_text("id,label\n" + rows + "\n")
    table = read_csv(path)
    transformer = TableTransformer(target="label", categorical=["label"]).fit(table)
    error = refused(TooLargeError, path, lambda: transformer.transform(table), "'id'",
                    "150000 one-hot")
    assert "drop=" in str(error)
    x, _ = TableTransformer(target="label", categorical=["label"], drop=["id"]).fit_transform(
        table)
    assert x.shape == (150_000, 0)


@pytest.mark.parametrize("text, words", [
    ("[" * 100_000 + "]" * 100_000, ("nested too deeply",)),
    ("{}", ("'target' is missing",)),
    ('{"target": null, "missing": "error", "handle_unknown": "ignore", "encoders": '
     '{"a": {"kind": "numeric"}}}', ("column 'a'",)),
    (b"\xff\xfe{}", ("not UTF-8",)),
])
def test_table_transformer_json(tmp_path, text, words):
    path = tmp_path / "transformer.json"
    refused(FileFormatError, path, lambda: TableTransformer.from_json(text, source=str(path)),
            *words)


def test_table_transformer_json_round_trip():
    table = read_csv(io.StringIO("size,color,price\n1,red,10\n3,blue,30\n"))
    tf = TableTransformer(target="price").fit(table)
    again = TableTransformer.from_json(tf.to_json())
    assert np.array_equal(again.transform(table)[0], tf.transform(table)[0])


# ---------------------------------------------------------------- .npy, .npz, IDX
def _npy_header(shape, dtype="<f4"):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False,
                                                  "shape": shape})
    return buffer.getvalue()


@pytest.mark.parametrize("mmap", [False, True])
def test_npy_declaring_8_tb(tmp_path, mmap):
    path = tmp_path / "huge.npy"
    path.write_bytes(_npy_header((2**41,)) + b"\0" * 64)
    refused(TooLargeError, path, lambda: load_npy(path, mmap=mmap), "8796093022208 bytes")


def test_npz_member_declaring_8_tb(tmp_path):
    path = tmp_path / "huge.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("w.npy", _npy_header((2**41,)) + b"\0" * 64)
    refused(TooLargeError, path, lambda: read_state_dict(path), "w.npy", "bytes")


def test_npz_with_an_object_array_in_read_state_dict(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, w=np.array([{"a": 1}, None], dtype=object))
    refused(FileFormatError, path, lambda: read_state_dict(path), "object array", "pickle")


def test_npz_truncated_data(tmp_path):
    path = tmp_path / "short.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("w.npy", _npy_header((100,)) + b"\0" * 40)
    refused(TooLargeError, path, lambda: read_npz(path), "holds at most")


def test_npz_still_reads_what_numpy_writes(tmp_path):
    arrays = {"a": np.arange(12, dtype=np.float32).reshape(3, 4),
              "b": np.asfortranarray(np.arange(6.0).reshape(2, 3)), "c": np.int64(7)}
    np.savez_compressed(tmp_path / "ok.npz", **arrays)
    out = read_state_dict(tmp_path / "ok.npz")
    assert sorted(out) == ["a", "b", "c"]
    assert all(np.array_equal(out[k], arrays[k]) and out[k].dtype == np.asarray(arrays[k]).dtype
               for k in arrays)


def test_idx_dimensions_whose_product_overflows(tmp_path):
    dims = (2**16, 2**16, 2**16, 2**16)  # the product is 2**64: 0 in int64 arithmetic
    raw = bytes([0, 0, 8, 4]) + struct.pack(">4I", *dims)
    path = tmp_path / "overflow-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(raw))
    refused(DatasetCorruptError, path, lambda: parse_idx(raw, str(path), (None,) * 4),
            "18446744073709551636 bytes")  # 2**64 + the header


# ---------------------------------------------------------------- model files
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_load_model_on_a_fifo_does_not_block(tmp_path):
    path = tmp_path / "model.ember"
    os.mkfifo(path)
    outcome = []

    def load():
        try:
            ember.models.load_model(path)
        except Exception as e:  # noqa: BLE001  (checked below)
            outcome.append(e)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(timeout=20)
    if thread.is_alive():  # unblock it before failing
        with open(os.open(path, os.O_WRONLY | os.O_NONBLOCK), "wb", closefd=True):
            pass
        pytest.fail("load_model blocked on a FIFO")
    assert isinstance(outcome[0], FileFormatError), outcome
    assert str(path) in str(outcome[0]) and "FIFO" in str(outcome[0])


def test_a_header_of_a_million_empty_tensors(tmp_path):
    entry = '"t%d":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}'
    header = ("{" + ",".join(entry % i for i in range(1_000_000)) + "}").encode()
    blob = struct.pack("<Q", len(header)) + header
    source = f"{tmp_path / 'm.ember'} (model.weights.safetensors)"
    refused(TooLargeError, source, lambda: decode_tensors(blob, source), "1000000 tensors")
