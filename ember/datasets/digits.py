"""The UCI optical handwritten digits, shipped with ember (1,797 images of 8x8, 10 classes).

The offline default of the `ember train` main job and of the examples. The file is checked
against its pinned SHA-256 and its shape and value ranges before any array is returned.

>>> from ember.datasets import digits
>>> (x_train, y_train), (x_test, y_test) = digits.load_data()
>>> x_train.shape, x_train.dtype, y_train.shape, x_test.shape
((1437, 8, 8), dtype('uint8'), (1437,), (360, 8, 8))
>>> int(x_train.max()), sorted(set(y_test.tolist())) == list(range(10))
(16, True)
"""

import gzip
import hashlib
import io
from pathlib import Path

import numpy as np

from ember.datasets.errors import DatasetCorruptError

PATH = Path(__file__).parent / "data" / "digits.csv.gz"
SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
NUM_EXAMPLES = 1797
NUM_TEST = 360
_SPLIT_SEED = 1337  # the fixed split; changing it changes every reported digits figure


def _read(path):
    raw = Path(path).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256:
        raise DatasetCorruptError(path, f"SHA-256 mismatch: expected {SHA256}, received {digest}")
    try:
        text = gzip.decompress(raw).decode("ascii")
        table = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.int64)
    except (OSError, EOFError, ValueError, UnicodeDecodeError) as e:
        raise DatasetCorruptError(path, f"cannot be parsed as gzipped CSV ({e})") from None
    if table.shape != (NUM_EXAMPLES, 65):
        raise DatasetCorruptError(path, f"expected a table of shape ({NUM_EXAMPLES}, 65), "
                                        f"received {table.shape}")
    x, y = table[:, :64], table[:, 64]
    if x.min() < 0 or x.max() > 16 or y.min() < 0 or y.max() > 9:
        raise DatasetCorruptError(path, "pixel values must be in 0..16 and labels in 0..9")
    return x.reshape(-1, 8, 8).astype(np.uint8), y.astype(np.uint8)


def load_data(path=None):
    """Load the digits with a fixed train/test split of 1,437/360 images.

    Args:
        path: an alternative copy of `digits.csv.gz` (it must match the pinned hash).

    Returns:
        `((x_train, y_train), (x_test, y_test))`: uint8 images (N, 8, 8) with values 0..16 and
        uint8 labels (N,).
    """
    x, y = _read(path or PATH)
    order = np.random.default_rng(_SPLIT_SEED).permutation(len(x))
    x, y = x[order], y[order]
    n = len(x) - NUM_TEST
    return (x[:n], y[:n]), (x[n:], y[n:])
