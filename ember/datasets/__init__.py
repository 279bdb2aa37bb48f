"""Datasets, Keras style: `load_data()` returns `((x_train, y_train), (x_test, y_test))`.

`digits` is bundled (offline); `mnist`, `fashion_mnist`, `cifar10`, `cifar100` and `imdb` are
downloaded once into `$EMBER_HOME/datasets` (default `~/.ember`), or read from a local folder
with `load_data(path=...)`; every file is checked against a pinned SHA-256 and parsed without
pickle, each format invariant checked before an array is returned.
"""

from ember.datasets import cifar10, cifar100, digits, fashion_mnist, imdb, mnist
from ember.datasets.errors import DatasetCorruptError

__all__ = ["DatasetCorruptError", "cifar10", "cifar100", "digits", "fashion_mnist", "imdb",
           "mnist"]
