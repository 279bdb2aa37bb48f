"""The datasets of `ember train --dataset NAME`, as float32 inputs in [0, 1] and int64 labels.

>>> (x, y), (xt, yt) = load_for_training("digits")
>>> x.dtype, float(x.max()), y.dtype, x.shape[1:]
(dtype('float32'), 1.0, dtype('int64'), (8, 8))
"""

import numpy as np

NAMES = ("digits", "mnist", "fashion_mnist", "cifar10")


def load_for_training(name, data_dir=None):
    """`((x_train, y_train), (x_test, y_test))` of dataset `name`, scaled for training.

    Args:
        name: "digits" (bundled, offline), "mnist", "fashion_mnist" or "cifar10".
        data_dir: a folder holding the original files (nothing is downloaded); None uses the
            cache under `$EMBER_HOME` (downloading once). Not used for "digits".

    Raises:
        ValueError: an unknown name, or a corrupted file (DatasetCorruptError).
        FileNotFoundError: the files are not in `data_dir`, or cannot be downloaded
            (DownloadError); the message says where to put them.
    """
    from ember import datasets  # noqa: PLC0415

    if name not in NAMES:
        raise ValueError(f"--dataset must be one of {', '.join(NAMES)}; received {name!r}")
    if name == "digits":
        (x, y), (xt, yt) = datasets.digits.load_data()
        scale = np.float32(1 / 16)
    else:
        (x, y), (xt, yt) = getattr(datasets, name).load_data(path=data_dir)
        scale = np.float32(1 / 255)
    return ((x * scale, y.reshape(-1).astype(np.int64)),
            (xt * scale, yt.reshape(-1).astype(np.int64)))
