"""MNIST handwritten digits from the original IDX files (LeCun et al.), as Keras returns it.

`load_data()` gives `((x_train, y_train), (x_test, y_test))`: uint8 images (60000, 28, 28) and
(10000, 28, 28) with values 0..255, uint8 labels (N,) in 0..9. The four gzipped IDX files are
downloaded once into `$EMBER_HOME/datasets` (or read from `path=`), checked against the
SHA-256 pinned below (from tensorflow/datasets' url_checksums/mnist.txt), then parsed with
every IDX invariant checked (`ember.datasets.idx`).

>>> sorted(FILES)
['counts', 'test_images', 'test_labels', 'train_images', 'train_labels']
"""

from ember.datasets.idx import load_idx_dataset

_MIRRORS = ["https://storage.googleapis.com/cvdf-datasets/mnist/",
            "https://ossci-datasets.s3.amazonaws.com/mnist/"]


def _spec(fname, sha256):
    return {"fname": fname, "sha256": sha256, "origins": [m + fname for m in _MIRRORS]}


FILES = {
    "train_images": _spec("train-images-idx3-ubyte.gz",
                          "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train_labels": _spec("train-labels-idx1-ubyte.gz",
                          "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "test_images": _spec("t10k-images-idx3-ubyte.gz",
                         "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "test_labels": _spec("t10k-labels-idx1-ubyte.gz",
                         "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    "counts": (60000, 10000),
}


def load_data(path=None, *, data_dir=None):
    """Load MNIST.

    Args:
        path: a folder holding the four original `.gz` files (nothing is downloaded then);
            None uses (and fills) the cache.
        data_dir: the same as `path` (the CLI's `--data-dir`).

    Returns:
        `((x_train, y_train), (x_test, y_test))` as Keras: uint8 (60000, 28, 28), uint8
        (60000,), uint8 (10000, 28, 28), uint8 (10000,).

    Raises:
        DatasetCorruptError: a file has the wrong hash or breaks the IDX format.
        FileNotFoundError / DownloadError: the files are not there and cannot be fetched.
    """
    return load_idx_dataset(FILES, path if path is not None else data_dir, "mnist")
