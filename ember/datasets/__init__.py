"""Datasets, Keras style: `load_data()` returns `((x_train, y_train), (x_test, y_test))`."""

from ember.datasets import digits
from ember.datasets.errors import DatasetCorruptError
