"""The bundled digits: shapes, split, and corrupted copies refused before any array is returned."""

import gzip

import numpy as np
import pytest

from ember.datasets import DatasetCorruptError, digits
from ember.utils import normalize, to_categorical


def test_load_data_shapes_dtypes_and_fixed_split():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert x_train.max() == 16 and x_train.min() == 0
    assert sorted(np.unique(y_train)) == list(range(10))
    (x2, y2), _ = digits.load_data()
    np.testing.assert_array_equal(x_train, x2)
    np.testing.assert_array_equal(y_train, y2)


def test_a_modified_copy_is_refused_by_hash(tmp_path):
    raw = bytearray(digits.PATH.read_bytes())
    raw[100] ^= 0x01
    bad = tmp_path / "digits.csv.gz"
    bad.write_bytes(bytes(raw))
    with pytest.raises(DatasetCorruptError, match="SHA-256 mismatch") as info:
        digits.load_data(path=bad)
    assert str(bad) in str(info.value)


def test_a_truncated_copy_is_refused(tmp_path):
    bad = tmp_path / "digits.csv.gz"
    bad.write_bytes(digits.PATH.read_bytes()[:1000])
    with pytest.raises(DatasetCorruptError):
        digits.load_data(path=bad)


def test_parser_checks_shape_and_ranges(tmp_path, monkeypatch):
    rows = "\n".join(",".join(["17"] * 64 + ["3"]) for _ in range(digits.NUM_EXAMPLES))
    bad = tmp_path / "digits.csv.gz"
    bad.write_bytes(gzip.compress(rows.encode()))
    import hashlib

    monkeypatch.setattr(digits, "SHA256", hashlib.sha256(bad.read_bytes()).hexdigest())
    with pytest.raises(DatasetCorruptError, match="0..16"):
        digits.load_data(path=bad)
    short = tmp_path / "short.csv.gz"
    short.write_bytes(gzip.compress(b"1,2,3\n4,5,6\n"))
    monkeypatch.setattr(digits, "SHA256", hashlib.sha256(short.read_bytes()).hexdigest())
    with pytest.raises(DatasetCorruptError, match="shape"):
        digits.load_data(path=short)


def test_to_categorical():
    out = to_categorical(np.array([[1], [0], [2]]))
    np.testing.assert_array_equal(out, np.eye(3, dtype=np.float32)[[1, 0, 2]])
    assert out.dtype == np.float32
    with pytest.raises(ValueError, match="out of range"):
        to_categorical([0, 5], num_classes=3)
    with pytest.raises(ValueError, match=">= 0"):
        to_categorical([-1, 0])
    with pytest.raises(TypeError, match="integers"):
        to_categorical(np.array(["a"]))


def test_normalize():
    out = normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])
    assert out.dtype == np.float32
    np.testing.assert_allclose(normalize([[1.0, -3.0]], order=1), [[0.25, -0.75]])
