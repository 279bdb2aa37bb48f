"""Regression, hinge and divergence losses as functions (Keras 3 formulas), one value per sample.

Each takes `(y_true, y_pred)` of the same shape (after Keras' squeeze-or-expand of a trailing
axis of length 1; see `prepare`) and returns the loss reduced over the last axis, shape
`y_pred.shape[:-1]`. All are compositions of ember ops, so they are differentiable in y_pred.
"""

import math

import numpy as np

from ember import config, ops
from ember.losses.loss import prepare


def mean_squared_error(y_true, y_pred):
    """loss = mean((y_true - y_pred) ** 2, axis=-1).

    >>> from ember.losses import mean_squared_error
    >>> mean_squared_error([[0.0, 1.0]], [[1.0, 3.0]]).numpy()
    array([2.5], dtype=float32)
    """
    y_true, y_pred = prepare(y_true, y_pred, "mean_squared_error")
    d = y_true - y_pred
    return ops.mean(d * d, axis=-1)


def mean_absolute_error(y_true, y_pred):
    """loss = mean(|y_true - y_pred|, axis=-1).

    >>> from ember.losses import mean_absolute_error
    >>> mean_absolute_error([[0.0, 1.0]], [[1.0, 3.0]]).numpy()
    array([1.5], dtype=float32)
    """
    y_true, y_pred = prepare(y_true, y_pred, "mean_absolute_error")
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """loss = 100 * mean(|(y_true - y_pred) / max(|y_true|, epsilon)|, axis=-1).

    >>> from ember.losses import mean_absolute_percentage_error
    >>> mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 5.0]]).numpy()
    array([37.5], dtype=float32)
    """
    y_true, y_pred = prepare(y_true, y_pred, "mean_absolute_percentage_error")
    scale = ops.maximum(ops.abs(y_true), config.epsilon())
    return 100.0 * ops.mean(ops.abs((y_true - y_pred) / scale), axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """loss = mean((log(1 + max(y_pred, eps)) - log(1 + max(y_true, eps))) ** 2, axis=-1).

    Values below `epsilon()` (zero and negatives) are raised to it, as Keras.

    >>> from ember.losses import mean_squared_logarithmic_error
    >>> round(float(mean_squared_logarithmic_error([[0.0]], [[1.718281828]])[0]), 4)
    1.0
    """
    y_true, y_pred = prepare(y_true, y_pred, "mean_squared_logarithmic_error")
    eps = config.epsilon()
    d = ops.log1p(ops.maximum(y_pred, eps)) - ops.log1p(ops.maximum(y_true, eps))
    return ops.mean(d * d, axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """loss = mean(0.5 e^2 if |e| <= delta else delta |e| - 0.5 delta^2, axis=-1).

    e = y_pred - y_true; the loss is quadratic near 0 and linear beyond `delta`.

    >>> from ember.losses import huber
    >>> huber([[0.0, 0.0]], [[0.5, 3.0]]).numpy()
    array([1.3125], dtype=float32)
    """
    delta = _positive(delta, "delta", "huber")
    y_true, y_pred = prepare(y_true, y_pred, "huber")
    err = y_pred - y_true
    abs_err = ops.abs(err)
    quadratic = 0.5 * err * err
    linear = delta * abs_err - 0.5 * delta * delta
    return ops.mean(ops.where(abs_err.data <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """loss = mean(log(cosh(y_pred - y_true)), axis=-1), computed as x + softplus(-2x) - log 2
    so that it never overflows.

    >>> from ember.losses import log_cosh
    >>> round(float(log_cosh([[0.0]], [[1.0]])[0]), 6)
    0.433781
    """
    y_true, y_pred = prepare(y_true, y_pred, "log_cosh")
    x = y_pred - y_true
    return ops.mean(x + ops.softplus(-2.0 * x) - math.log(2.0), axis=-1)


def kl_divergence(y_true, y_pred):
    """loss = sum(y_true * log(y_true / y_pred), axis=-1), both clipped to [epsilon, 1].

    >>> from ember.losses import kl_divergence
    >>> round(float(kl_divergence([[0.5, 0.5]], [[0.25, 0.75]])[0]), 6)
    0.143841
    """
    y_true, y_pred = prepare(y_true, y_pred, "kl_divergence")
    eps = config.epsilon()
    t = ops.clip(y_true, eps, 1.0)
    p = ops.clip(y_pred, eps, 1.0)
    return ops.sum(t * ops.log(t / p), axis=-1)


def poisson(y_true, y_pred):
    """loss = mean(y_pred - y_true * log(y_pred + epsilon), axis=-1).

    >>> from ember.losses import poisson
    >>> round(float(poisson([[1.0]], [[1.0]])[0]), 5)
    1.0
    """
    y_true, y_pred = prepare(y_true, y_pred, "poisson")
    return ops.mean(y_pred - y_true * ops.log(y_pred + config.epsilon()), axis=-1)


def convert_binary_labels_to_hinge(y_true):
    """Labels that are all 0 or 1 become -1 or 1; other labels are left as they are."""
    data = y_true.data
    if np.all((data == 0) | (data == 1)):
        return 2.0 * y_true - 1.0
    return y_true


def hinge(y_true, y_pred):
    """loss = mean(max(1 - y_true * y_pred, 0), axis=-1); 0/1 labels become -1/1.

    >>> from ember.losses import hinge
    >>> hinge([[1.0, 0.0]], [[0.5, 0.5]]).numpy()
    array([1.], dtype=float32)
    """
    y_true, y_pred = prepare(y_true, y_pred, "hinge")
    y_true = convert_binary_labels_to_hinge(y_true)
    return ops.mean(ops.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """loss = mean(max(1 - y_true * y_pred, 0) ** 2, axis=-1); 0/1 labels become -1/1.

    >>> from ember.losses import squared_hinge
    >>> squared_hinge([[1.0, 0.0]], [[0.5, 0.5]]).numpy()
    array([1.25], dtype=float32)
    """
    y_true, y_pred = prepare(y_true, y_pred, "squared_hinge")
    y_true = convert_binary_labels_to_hinge(y_true)
    m = ops.maximum(1.0 - y_true * y_pred, 0.0)
    return ops.mean(m * m, axis=-1)


def categorical_hinge(y_true, y_pred):
    """loss = max(neg - pos + 1, 0), pos = sum(y_true * y_pred), neg = max((1 - y_true) * y_pred).

    >>> from ember.losses import categorical_hinge
    >>> categorical_hinge([[0.0, 1.0, 0.0]], [[0.3, 0.5, 0.2]]).numpy()
    array([0.8], dtype=float32)
    """
    y_true, y_pred = prepare(y_true, y_pred, "categorical_hinge")
    pos = ops.sum(y_true * y_pred, axis=-1)
    neg = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(neg - pos + 1.0, 0.0)


def l2_normalize(x, axis=-1):
    """x / max(||x||_2, epsilon) along `axis` (Keras' `normalize`; zero vectors stay 0)."""
    eps = config.epsilon()
    return x / ops.sqrt(ops.maximum(ops.sum(x * x, axis=axis, keepdims=True), eps * eps))


def cosine_similarity(y_true, y_pred, axis=-1):
    """loss = -sum(l2_normalize(y_true) * l2_normalize(y_pred), axis): -1 when aligned.

    >>> from ember.losses import cosine_similarity
    >>> cosine_similarity([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [2.0, 2.0]]).numpy().round(4)
    array([-0., -1.], dtype=float32)
    """
    y_true, y_pred = prepare(y_true, y_pred, "cosine_similarity")
    return -ops.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


def _positive(value, arg, where):
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise TypeError(f"{where}: `{arg}` must be a number; received {value!r}")
    if not value > 0:
        raise ValueError(f"{where}: `{arg}` must be > 0; received {arg}={value!r}")
    return float(value)


__all__ = [
    "categorical_hinge", "convert_binary_labels_to_hinge", "cosine_similarity", "hinge", "huber",
    "kl_divergence", "l2_normalize", "log_cosh", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "poisson", "squared_hinge",
]
