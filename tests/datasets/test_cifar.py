"""CIFAR-10/100 binary parsing on fixture archives, valid and corrupted."""

import numpy as np
import pytest

from ember.datasets import cifar10, cifar100
from ember.datasets.cifar import parse_records
from ember.datasets.errors import DatasetCorruptError

N = 6  # records per fixture batch (the real files hold 10,000)


def images(seed, n=N):
    return np.random.default_rng(seed).integers(0, 256, (n, 32, 32, 3))


@pytest.fixture
def cifar10_dir(tmp_path, fx, monkeypatch):
    monkeypatch.setattr(cifar10, "RECORDS_PER_BATCH", N)
    members, expected = {}, []
    for i, name in enumerate(cifar10.BATCHES):
        labels = [(i + j) % 10 for j in range(N)]
        members[name] = fx.cifar_records(labels, images(i))
        expected.append((images(i), labels))
    members["cifar-10-batches-bin/batches.meta.txt"] = b"airplane\n"
    path = fx.tar_gz(tmp_path / "cifar-10-binary.tar.gz", members)
    monkeypatch.setattr(cifar10, "ARCHIVE", dict(cifar10.ARCHIVE, sha256=fx.sha(path)))
    return tmp_path, members, expected


def test_cifar10_shapes_dtypes_and_values(cifar10_dir):
    folder, _, expected = cifar10_dir
    (x_train, y_train), (x_test, y_test) = cifar10.load_data(path=folder)
    assert x_train.shape == (5 * N, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (5 * N, 1) and y_train.dtype == np.uint8
    assert x_test.shape == (N, 32, 32, 3) and y_test.shape == (N, 1)
    np.testing.assert_array_equal(x_train[:N], expected[0][0])  # channels-last, R G B planes
    np.testing.assert_array_equal(x_test, expected[5][0])
    assert y_train[N:2 * N, 0].tolist() == expected[1][1]


def test_cifar10_archive_corruption_caught_by_hash(cifar10_dir):
    folder, _, _ = cifar10_dir
    path = folder / "cifar-10-binary.tar.gz"
    good = path.read_bytes()
    rng = np.random.default_rng(3)
    cuts = [0, 1, 10, 100, 1000, len(good) // 4, len(good) // 2, len(good) - 100,
            len(good) - 10, len(good) - 1]
    flips = []
    for pos in rng.integers(0, len(good), 10):
        b = bytearray(good)
        b[pos] ^= 1 << int(rng.integers(8))
        flips.append(bytes(b))
    for variant in [good[:n] for n in cuts] + flips:
        path.write_bytes(variant)
        with pytest.raises(DatasetCorruptError, match="SHA-256 mismatch"):
            cifar10.load_data(path=folder)


def test_cifar10_wrong_batch_size_caught_after_hash(cifar10_dir, fx, monkeypatch):
    folder, members, _ = cifar10_dir
    name = cifar10.BATCHES[2]
    path = fx.tar_gz(folder / "cifar-10-binary.tar.gz", dict(members, **{name: members[name][:-7]}))
    monkeypatch.setattr(cifar10, "ARCHIVE", dict(cifar10.ARCHIVE, sha256=fx.sha(path)))
    with pytest.raises(DatasetCorruptError, match=f"data_batch_3.bin: wrong size: expected "
                                                  f"exactly {N} records of 3073 bytes"):
        cifar10.load_data(path=folder)


def test_cifar10_missing_batch_and_link_member(cifar10_dir, fx, monkeypatch, tmp_path):
    folder, members, _ = cifar10_dir
    less = {k: v for k, v in members.items() if not k.endswith("test_batch.bin")}
    path = fx.tar_gz(folder / "cifar-10-binary.tar.gz", less)
    with pytest.raises(DatasetCorruptError, match="test_batch.bin is missing"):
        cifar10.load_archive(path)


def test_the_real_record_count_is_enforced():
    assert cifar10.RECORDS_PER_BATCH == 10000
    assert cifar10.ARCHIVE["sha256"].startswith("c4a38c50a1bc5f3a")
    with pytest.raises(DatasetCorruptError, match="10000 records of 3073 bytes = 30730000"):
        parse_records(bytes(3073 * 9999), "b.bin", 1, 10000, (9,))


@pytest.mark.parametrize("cut", [0, 1, 2, 100, 3072, 3073, 3074, 3073 * 3, 3073 * N - 2,
                                 3073 * N - 1])
def test_truncated_records(cut):
    raw = bytes(3073 * N)[:cut]
    with pytest.raises(DatasetCorruptError, match="wrong size"):
        parse_records(raw, "b.bin", 1, N, (9,))


def test_label_range(fx):
    raw = fx.cifar_records([1, 10, 2], images(0, 3))
    with pytest.raises(DatasetCorruptError, match="label 10 of record 1 is outside 0..9"):
        parse_records(raw, "b.bin", 1, 3, (9,))
    raw = fx.cifar_records([5, 100, 2], images(0, 3), extra_label=[0, 1, 2])
    with pytest.raises(DatasetCorruptError, match="label 100 of record 1 is outside 0..99"):
        parse_records(raw, "t.bin", 2, 3, (19, 99))
    raw = fx.cifar_records([5, 9, 2], images(0, 3), extra_label=[0, 20, 2])
    with pytest.raises(DatasetCorruptError, match="label 20 of record 1 is outside 0..19"):
        parse_records(raw, "t.bin", 2, 3, (19, 99))


@pytest.fixture
def cifar100_dir(tmp_path, fx, monkeypatch):
    monkeypatch.setattr(cifar100, "COUNTS", {cifar100.TRAIN: 5, cifar100.TEST: 3})
    fine_tr, coarse_tr = [0, 99, 50, 7, 3], [0, 19, 10, 1, 2]
    members = {cifar100.TRAIN: fx.cifar_records(fine_tr, images(1, 5), extra_label=coarse_tr),
               cifar100.TEST: fx.cifar_records([1, 2, 3], images(2, 3), extra_label=[4, 5, 6])}
    path = fx.tar_gz(tmp_path / "cifar-100-binary.tar.gz", members)
    monkeypatch.setattr(cifar100, "ARCHIVE", dict(cifar100.ARCHIVE, sha256=fx.sha(path)))
    return tmp_path, fine_tr, coarse_tr


def test_cifar100_label_modes(cifar100_dir):
    folder, fine, coarse = cifar100_dir
    (x, y), (xt, yt) = cifar100.load_data(path=folder)
    assert x.shape == (5, 32, 32, 3) and x.dtype == np.uint8
    assert y.shape == (5, 1) and y.dtype == np.int64 and y[:, 0].tolist() == fine
    np.testing.assert_array_equal(x, images(1, 5))
    (_, yc), (_, ytc) = cifar100.load_data(label_mode="coarse", path=folder)
    assert yc[:, 0].tolist() == coarse and ytc[:, 0].tolist() == [4, 5, 6]
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium", path=folder)
