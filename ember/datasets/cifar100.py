"""CIFAR-100 from the binary version (`cifar-100-binary.tar.gz`), as Keras returns it.

Records of 3,074 bytes: coarse label (0..19), fine label (0..99), 3,072 pixels; `train.bin`
holds exactly 50,000 records and `test.bin` 10,000. SHA-256 pinned from tensorflow/datasets'
url_checksums/cifar100.txt. Labels come back as Keras gives them: int64 (N, 1).

>>> sorted(COUNTS.items())
[('cifar-100-binary/test.bin', 10000), ('cifar-100-binary/train.bin', 50000)]
"""

from ember.datasets._files import locate
from ember.datasets.cifar import parse_records, read_members

ARCHIVE = {"fname": "cifar-100-binary.tar.gz",
           "sha256": "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec",
           "origins": ["https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"]}
TRAIN, TEST = "cifar-100-binary/train.bin", "cifar-100-binary/test.bin"
COUNTS = {TRAIN: 50000, TEST: 10000}


def load_archive(archive, label_mode="fine"):
    """`((x_train, y_train), (x_test, y_test))` from a (verified) binary archive."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f"cifar100.load_data: `label_mode` must be 'fine' or 'coarse'; "
                         f"received label_mode={label_mode!r}")
    raw = read_members(archive, set(COUNTS))
    out = []
    for name in (TRAIN, TEST):
        x, (coarse, fine) = parse_records(raw[name], f"{archive}:{name}", 2, COUNTS[name],
                                          (19, 99))
        y = fine if label_mode == "fine" else coarse
        out.append((x, y.astype("int64").reshape(-1, 1)))
    return tuple(out)


def load_data(label_mode="fine", path=None, *, data_dir=None):
    """Load CIFAR-100.

    Args:
        label_mode: "fine" (100 classes) or "coarse" (20 superclasses).
        path: a folder holding `cifar-100-binary.tar.gz`; None: the cache.
        data_dir: the same as `path`.

    Returns:
        `((x_train, y_train), (x_test, y_test))`: uint8 (50000, 32, 32, 3), int64 (50000, 1),
        uint8 (10000, 32, 32, 3), int64 (10000, 1).
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f"cifar100.load_data: `label_mode` must be 'fine' or 'coarse'; "
                         f"received label_mode={label_mode!r}")
    archive = locate(ARCHIVE, path if path is not None else data_dir, "cifar100")
    return load_archive(archive, label_mode)
