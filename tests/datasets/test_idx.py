"""MNIST / Fashion-MNIST: IDX parsing on fixture files, valid and corrupted."""

import gzip

import numpy as np
import pytest

from ember.datasets import fashion_mnist, mnist
from ember.datasets.errors import DatasetCorruptError
from ember.datasets.idx import parse_idx, read_maybe_gzip


@pytest.mark.parametrize("module", [mnist, fashion_mnist])
def test_load_data_from_local_folder(module, mnist_dir, monkeypatch):
    folder, files, data = mnist_dir
    monkeypatch.setattr(module, "FILES", files)
    (x_train, y_train), (x_test, y_test) = module.load_data(path=folder)
    assert x_train.shape == (5, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (5,) and y_train.dtype == np.uint8
    assert x_test.shape == (3, 28, 28) and y_test.dtype == np.uint8
    np.testing.assert_array_equal(x_train, data["train_images"])
    np.testing.assert_array_equal(y_test, data["test_labels"])
    (x2, _), _ = module.load_data(data_dir=folder)
    np.testing.assert_array_equal(x2, x_train)


def test_pinned_hashes_and_counts_are_the_published_ones():
    assert mnist.FILES["counts"] == (60000, 10000) == fashion_mnist.FILES["counts"]
    for module in (mnist, fashion_mnist):
        for key, spec in module.FILES.items():
            if key != "counts":
                assert len(spec["sha256"]) == 64 and int(spec["sha256"], 16) >= 0
                assert all(url.endswith(spec["fname"]) for url in spec["origins"])
    assert mnist.FILES["train_images"]["sha256"].startswith("440fcabf73cc546f")


@pytest.mark.parametrize("key", ["train_images", "train_labels", "test_images", "test_labels"])
def test_any_bit_flip_or_truncation_caught_by_hash(mnist_dir, monkeypatch, key):
    folder, files, _ = mnist_dir
    monkeypatch.setattr(mnist, "FILES", files)
    path = folder / files[key]["fname"]
    good = path.read_bytes()
    rng = np.random.default_rng(1)
    cuts = sorted({0, 1, 2, 10, 20, len(good) // 3, len(good) // 2, len(good) - 8,
                   len(good) - 2, len(good) - 1})
    variants = [good[:n] for n in cuts] + [good + b"\0"]
    for pos in rng.integers(0, len(good), 10):
        flipped = bytearray(good)
        flipped[pos] ^= 1 << int(rng.integers(8))
        variants.append(bytes(flipped))
    assert len(variants) >= 20
    for bad in variants:
        path.write_bytes(bad)
        with pytest.raises(DatasetCorruptError, match=f"{files[key]['fname']}: SHA-256"):
            mnist.load_data(path=folder)


def test_missing_file_says_where_to_put_it(mnist_dir, monkeypatch):
    folder, files, _ = mnist_dir
    monkeypatch.setattr(mnist, "FILES", files)
    (folder / files["test_labels"]["fname"]).unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte.gz is not in .*"
                                                "http://127.0.0.1:9/t10k-labels"):
        mnist.load_data(path=folder)


# --------------------------------------------------------------- the parser on its own
def images(n=4):
    return np.random.default_rng(2).integers(0, 256, (n, 28, 28))


def test_parser_valid(fx):
    raw = fx.idx_bytes(images())
    x = parse_idx(raw, "img", (4, 28, 28))
    np.testing.assert_array_equal(x, images())
    assert x.flags.writeable


@pytest.mark.parametrize("cut", [0, 3, 4, 7, 15, 16, 17, 100, 3 * 784 + 16, 4 * 784 + 15])
def test_truncated_at_many_offsets(fx, cut):
    raw = fx.idx_bytes(images())[:cut]
    with pytest.raises(DatasetCorruptError, match="img: .*(short|truncated|wrong)"):
        parse_idx(raw, "img", (None, 28, 28))


def test_trailing_bytes(fx):
    with pytest.raises(DatasetCorruptError, match="exactly 3152 bytes, the file has 3153"):
        parse_idx(fx.idx_bytes(images()) + b"\0", "img", (None, 28, 28))


@pytest.mark.parametrize("byte", range(16))
def test_every_header_bit_flip_caught(fx, byte):
    for bit in range(8):
        raw = bytearray(fx.idx_bytes(images()))
        raw[byte] ^= 1 << bit
        with pytest.raises(DatasetCorruptError):
            parse_idx(bytes(raw), "img", (4, 28, 28))


@pytest.mark.parametrize("magic, expected", [((0, 0, 8, 1), "0x00000803"),
                                             ((0, 0, 9, 3), "0x00000803"),
                                             ((1, 0, 8, 3), "0x00000803")])
def test_wrong_magic(fx, magic, expected):
    raw = bytes(magic) + fx.idx_bytes(images())[4:]
    with pytest.raises(DatasetCorruptError, match=f"wrong IDX magic number: expected {expected}"):
        parse_idx(raw, "img", (None, 28, 28))


def test_wrong_dimensions_and_count(fx):
    raw = fx.idx_bytes(np.zeros((2, 27, 28)))
    with pytest.raises(DatasetCorruptError, match=r"wrong dimensions.*\(2, 27, 28\)"):
        parse_idx(raw, "img", (None, 28, 28))
    with pytest.raises(DatasetCorruptError, match="wrong dimensions"):
        parse_idx(fx.idx_bytes(images()), "img", (60000, 28, 28))


def test_label_out_of_range(fx):
    with pytest.raises(DatasetCorruptError, match="label 10 at index 2 outside 0..9"):
        parse_idx(fx.idx_bytes([1, 2, 10, 11]), "lab", (None,), max_label=9)


def test_truncated_gzip_caught(fx, tmp_path):
    blob = gzip.compress(fx.idx_bytes(images()))
    for cut in (5, 20, len(blob) // 2, len(blob) - 4):
        path = tmp_path / f"cut{cut}.gz"
        path.write_bytes(blob[:cut])
        with pytest.raises(DatasetCorruptError, match="decompressed|wrong size|short"):
            parse_idx(read_maybe_gzip(path), path, (4, 28, 28))


def test_decompression_bomb_capped(tmp_path):
    path = tmp_path / "bomb.gz"
    path.write_bytes(gzip.compress(bytes(2**20)))
    with pytest.raises(DatasetCorruptError, match="larger than 1000 bytes"):
        read_maybe_gzip(path, max_bytes=1000)


def test_load_data_downloads_into_the_cache_through_mirrors(mnist_dir, monkeypatch, tmp_path):
    folder, files, data = mnist_dir
    mirrored = {k: v if k == "counts" else dict(v, origins=[
        (tmp_path / "nowhere" / v["fname"]).as_uri(), (folder / v["fname"]).as_uri()])
        for k, v in files.items()}
    monkeypatch.setattr(mnist, "FILES", mirrored)
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("ember.utils.file_utils.time.sleep", lambda s: None)
    (x, y), _ = mnist.load_data()
    np.testing.assert_array_equal(x, data["train_images"])
    cached = tmp_path / "home" / "datasets" / "mnist" / "train-images-idx3-ubyte.gz"
    assert cached.read_bytes() == (folder / "train-images-idx3-ubyte.gz").read_bytes()
    (folder / "train-images-idx3-ubyte.gz").unlink()  # the origin is gone: the cache serves
    (x2, _), _ = mnist.load_data()
    np.testing.assert_array_equal(x2, x)
