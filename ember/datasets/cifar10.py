"""CIFAR-10 from the binary version (`cifar-10-binary.tar.gz`), as Keras returns it.

`load_data()`: uint8 images (50000, 32, 32, 3) and (10000, 32, 32, 3); uint8 labels (N, 1)
in 0..9. The archive's SHA-256 is pinned from tensorflow/datasets'
url_checksums/cifar10.txt; the batches are read from the verified archive in memory (no
pickle, nothing extracted) and each must be exactly 10,000 records of 3,073 bytes.

>>> len(BATCHES), CLASS_NAMES[0]
(6, 'airplane')
"""

import numpy as np

from ember.datasets._files import locate
from ember.datasets.cifar import parse_records, read_members

ARCHIVE = {"fname": "cifar-10-binary.tar.gz",
           "sha256": "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
           "origins": ["https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"]}
BATCHES = [f"cifar-10-batches-bin/data_batch_{i}.bin" for i in range(1, 6)] + [
    "cifar-10-batches-bin/test_batch.bin"]
RECORDS_PER_BATCH = 10000
CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
               "truck"]


def load_archive(archive):
    """`((x_train, y_train), (x_test, y_test))` from a (verified) binary archive."""
    raw = read_members(archive, set(BATCHES))
    parts = [parse_records(raw[name], f"{archive}:{name}", 1, RECORDS_PER_BATCH, (9,))
             for name in BATCHES]
    x_train = np.concatenate([x for x, _ in parts[:5]])
    y_train = np.concatenate([y for _, (y,) in parts[:5]]).reshape(-1, 1)
    x_test, (y_test,) = parts[5]
    return (x_train, y_train), (x_test, y_test.reshape(-1, 1))


def load_data(path=None, *, data_dir=None):
    """Load CIFAR-10.

    Args:
        path: a folder holding `cifar-10-binary.tar.gz` (nothing downloaded); None: cache.
        data_dir: the same as `path`.

    Returns:
        `((x_train, y_train), (x_test, y_test))`: uint8 (50000, 32, 32, 3), uint8 (50000, 1),
        uint8 (10000, 32, 32, 3), uint8 (10000, 1).
    """
    return load_archive(locate(ARCHIVE, path if path is not None else data_dir, "cifar10"))
