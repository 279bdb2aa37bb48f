"""Fixture writers for the dataset parser tests: small valid IDX / CIFAR / IMDB files."""

import gzip
import hashlib
import io
import struct
import tarfile

import numpy as np
import pytest


def idx_bytes(array):
    array = np.asarray(array, dtype=np.uint8)
    return bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + \
        array.tobytes()


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture
def mnist_dir(tmp_path):
    """A folder with four small gzipped IDX files (5 train, 3 test) and their data."""
    rng = np.random.default_rng(0)
    data = {"train_images": rng.integers(0, 256, (5, 28, 28)), "train_labels": [0, 9, 3, 3, 1],
            "test_images": rng.integers(0, 256, (3, 28, 28)), "test_labels": [7, 0, 2]}
    names = {"train_images": "train-images-idx3-ubyte.gz",
             "train_labels": "train-labels-idx1-ubyte.gz",
             "test_images": "t10k-images-idx3-ubyte.gz", "test_labels": "t10k-labels-idx1-ubyte.gz"}
    files = {"counts": (5, 3)}
    for key, fname in names.items():
        (tmp_path / fname).write_bytes(gzip.compress(idx_bytes(data[key]), mtime=0))
        files[key] = {"fname": fname, "sha256": sha(tmp_path / fname),
                      "origins": ["http://127.0.0.1:9/" + fname]}
    return tmp_path, files, {k: np.asarray(v, dtype=np.uint8) for k, v in data.items()}


def cifar_records(labels, images, extra_label=None):
    """Raw CIFAR records: [label(s)] + CHW pixels, from channels-last `images`."""
    out = io.BytesIO()
    for i, (label, img) in enumerate(zip(labels, images)):
        head = [label] if extra_label is None else [extra_label[i], label]
        out.write(bytes(head) + np.asarray(img, np.uint8).transpose(2, 0, 1).tobytes())
    return out.getvalue()


def tar_gz(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return path


@pytest.fixture
def fx():
    """The writers above, for the tests (importlib mode cannot import conftest)."""
    import types

    return types.SimpleNamespace(idx_bytes=idx_bytes, cifar_records=cifar_records,
                                 tar_gz=tar_gz, sha=sha)
