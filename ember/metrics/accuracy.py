"""Accuracy metrics (Keras 3 names, defaults and shape rules), computed on NumPy values.

The functions return one float32 value per sample; the classes average them over every batch
seen (`MeanMetricWrapper`), with sample weights.
"""

import numpy as np

from ember.losses.crossentropy import check_label_range, integer_labels
from ember.losses.loss import squeeze_or_expand_to_same_rank
from ember.metrics.base import MeanMetricWrapper, as_numpy


def _pair(y_true, y_pred, where):
    t = as_numpy(y_true, "y_true", where)
    p = as_numpy(y_pred, "y_pred", where)
    t, p = squeeze_or_expand_to_same_rank(t, p)
    if t.shape != p.shape:
        raise ValueError(f"{where}: y_true and y_pred must have the same shape; received "
                         f"y_true.shape={t.shape}, y_pred.shape={p.shape}")
    return t, p


def accuracy(y_true, y_pred):
    """How often `y_pred` equals `y_true` exactly: `mean(y_true == y_pred, axis=-1)`.

    >>> from ember.metrics import accuracy
    >>> accuracy([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    array([0., 1., 1., 1.], dtype=float32)
    """
    t, p = _pair(y_true, y_pred, "accuracy")
    return np.mean(t == p, axis=-1, dtype=np.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """How often `y_pred > threshold` matches the 0/1 labels: mean over the last axis.

    >>> from ember.metrics import binary_accuracy
    >>> binary_accuracy([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    array([1., 1., 1., 0.], dtype=float32)
    """
    t, p = _pair(y_true, y_pred, "binary_accuracy")
    return np.mean(t == (p > threshold).astype(t.dtype), axis=-1, dtype=np.float32)


def _one_hot_pair(y_true, y_pred, where, sparse_name):
    t = as_numpy(y_true, "y_true", where)
    p = as_numpy(y_pred, "y_pred", where)
    if t.shape != p.shape or p.ndim < 1:
        raise ValueError(
            f"{where}: y_true must be one-hot with y_pred's shape; received "
            f"y_true.shape={t.shape}, y_pred.shape={p.shape}. For integer labels use "
            f"{sparse_name}."
        )
    return np.argmax(t, axis=-1), p


def _sparse_pair(y_true, y_pred, where):
    p = as_numpy(y_pred, "y_pred", where)
    labels = integer_labels(y_true, where)
    if p.ndim < 1:
        raise ValueError(f"{where}: y_pred must be at least rank 1; received shape {p.shape}")
    if labels.ndim == p.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != p.shape[:-1]:
        raise ValueError(f"{where}: integer labels y_true must have the shape of y_pred "
                         f"without its last axis; received y_true.shape={labels.shape}, "
                         f"y_pred.shape={p.shape}")
    return labels, p


def categorical_accuracy(y_true, y_pred):
    """How often `argmax(y_pred)` equals `argmax(y_true)` (one-hot labels), per sample.

    >>> from ember.metrics import categorical_accuracy
    >>> categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    array([0., 1.], dtype=float32)
    """
    t, p = _one_hot_pair(y_true, y_pred, "categorical_accuracy", "sparse_categorical_accuracy")
    return (t == np.argmax(p, axis=-1)).astype(np.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    """How often `argmax(y_pred)` equals the integer label, per sample.

    >>> from ember.metrics import sparse_categorical_accuracy
    >>> sparse_categorical_accuracy([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    array([0., 1.], dtype=float32)
    """
    t, p = _sparse_pair(y_true, y_pred, "sparse_categorical_accuracy")
    return (t == np.argmax(p, axis=-1)).astype(np.float32)


def in_top_k(labels, predictions, k):
    """Whether each label's score is among the `k` largest of its row (ties count as in).

    >>> import numpy as np
    >>> from ember.metrics.accuracy import in_top_k
    >>> in_top_k(np.array([0, 2]), np.array([[0.5, 0.5, 0.1], [0.3, 0.2, 0.1]]), 1)
    array([ True, False])
    """
    score = np.take_along_axis(predictions, labels[..., None], axis=-1)
    return np.sum(predictions > score, axis=-1) < k


def _check_k(k, where):
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"{where}: `k` must be a positive integer; received k={k!r}")
    return int(k)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether the one-hot label is among the `k` highest predictions, per sample.

    >>> from ember.metrics import top_k_categorical_accuracy
    >>> top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
    ...                            k=1)
    array([0., 1.], dtype=float32)
    """
    where = "top_k_categorical_accuracy"
    k = _check_k(k, where)
    t, p = _one_hot_pair(y_true, y_pred, where, "sparse_top_k_categorical_accuracy")
    return in_top_k(t, p, k).astype(np.float32)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether the integer label is among the `k` highest predictions, per sample.

    >>> from ember.metrics import sparse_top_k_categorical_accuracy
    >>> sparse_top_k_categorical_accuracy([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=2)
    array([1., 1.], dtype=float32)
    """
    where = "sparse_top_k_categorical_accuracy"
    k = _check_k(k, where)
    t, p = _sparse_pair(y_true, y_pred, where)
    check_label_range(t, p.shape[-1], where)
    return in_top_k(t, p, k).astype(np.float32)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly (name "accuracy").

    >>> import ember
    >>> m = ember.metrics.Accuracy()
    >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    >>> float(m.result())
    0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` matches binary labels (name "binary_accuracy").

    Args:
        name, dtype: see `Metric`.
        threshold: in (0, 1). Defaults to 0.5.

    >>> import ember
    >>> m = ember.metrics.BinaryAccuracy()
    >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]],
    ...                sample_weight=[1, 0, 0, 1])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if threshold is not None and not 0 < threshold < 1:
            raise ValueError("Invalid value for argument `threshold`. Expected a value in "
                             f"interval (0, 1). Received: threshold={threshold!r}")
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of predictions matches one-hot labels ("categorical_accuracy").

    >>> import ember
    >>> m = ember.metrics.CategoricalAccuracy()
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
    ...                sample_weight=[0.7, 0.3])
    >>> round(float(m.result()), 6)
    0.3
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of predictions matches integer labels.

    >>> import ember
    >>> m = ember.metrics.SparseCategoricalAccuracy()
    >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is in the top `k` predictions (k defaults to 5).

    >>> import ember
    >>> m = ember.metrics.TopKCategoricalAccuracy(k=1)
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype,
                         k=_check_k(k, name))
        self.k = k

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is in the top `k` predictions (k defaults to 5).

    >>> import ember
    >>> m = ember.metrics.SparseTopKCategoricalAccuracy(k=1)
    >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype,
                         k=_check_k(k, name))
        self.k = k

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}
