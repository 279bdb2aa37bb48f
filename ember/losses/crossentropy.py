"""Cross-entropy losses as functions (Keras 3 semantics), one value per sample.

Two paths, as Keras' NumPy backend:

- `from_logits=True`: the fused, stable primitives of `ember.ops.cross_entropy` (log-sum-exp
  for softmax, `max(z, 0) - z t + log1p(exp(-|z|))` for sigmoid): finite loss and gradient at
  any logit.
- probabilities: clipped to `[epsilon, 1 - epsilon]` (`ember.config.epsilon()`, 1e-7) before the
  log; categorical outputs are first renormalised by their sum.

Misuse is reported: `from_logits=True` on a tensor that a softmax or sigmoid op produced warns
with Keras' wording (found through the graph, so only for tensors recorded in it);
`from_logits=False` on values outside [0, 1] warns too; integer labels given to
`categorical_crossentropy` raise a ValueError that points to the sparse loss.
"""

import sys
import warnings

import numpy as np

from ember import backend, config, ops
from ember.losses.loss import (
    as_output,
    as_target,
    check_rank,
    check_same_shape,
    prepare,
    squeeze_or_expand_to_same_rank,
)
from ember.ops.activations import Sigmoid
from ember.ops.cross_entropy import Softmax
from ember.tensor import Tensor


def _warn(message, category=UserWarning):
    """Warn at the first caller outside ember (the user's line), so the default filter shows
    it once per call site instead of once per batch."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("ember."):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


def check_logits(y_pred, from_logits, where):
    """Warn when `from_logits` contradicts what `y_pred` is (see the module docstring)."""
    if from_logits:
        ctx = getattr(y_pred, "_ctx", None)
        kind = "Softmax" if isinstance(ctx, Softmax) else (
            "Sigmoid" if isinstance(ctx, Sigmoid) else None)
        if kind is not None:
            _warn(f"`{where}` received `from_logits=True`, but the `output` argument was "
                  f"produced by a {kind} activation and thus does not represent logits. "
                  "Was this intended?")
        return
    data = y_pred.data
    if data.size and (data.min() < 0 or data.max() > 1):
        _warn(f"`{where}` received `from_logits=False`, but `y_pred` has values outside "
              f"[0, 1] (min {float(data.min()):.4g}, max {float(data.max()):.4g}), so it does "
              "not hold probabilities. Pass `from_logits=True` if y_pred holds logits.")


def _smoothing(label_smoothing, where):
    ls = float(label_smoothing)
    if not 0.0 <= ls <= 1.0:
        raise ValueError(f"{where}: `label_smoothing` must be in [0, 1]; received "
                         f"label_smoothing={label_smoothing!r}")
    return ls


def _axis(axis, where):
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer):
        raise ValueError(f"{where}: `axis` must be of type `int`. Received: axis={axis!r} of "
                         f"type {type(axis)}")
    return int(axis)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """loss = mean(-(t log p + (1 - t) log(1 - p)), axis), p = sigmoid(y_pred) if from_logits.

    Args:
        y_true: targets in [0, 1], of y_pred's shape (a trailing axis of length 1 is matched
            as Keras does: `(N,)` against `(N, 1)` is fine).
        y_pred: probabilities, or logits when `from_logits=True` (the stable path).
        from_logits: whether y_pred holds logits. Defaults to False.
        label_smoothing: squeeze the targets towards 0.5: `t (1 - s) + s / 2`. Defaults to 0.
        axis: the axis the mean is taken over. Defaults to -1.

    Returns:
        The loss per sample, shape `y_pred.shape` without `axis`.

    >>> from ember.losses import binary_crossentropy
    >>> binary_crossentropy([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]]).numpy().round(4)
    array([0.9163, 0.7136], dtype=float32)
    """
    where = "binary_crossentropy"
    ls = _smoothing(label_smoothing, where)
    axis = _axis(axis, where)
    y_true, y_pred = prepare(y_true, y_pred, where)
    check_logits(y_pred, from_logits, where)
    if ls:
        y_true = y_true * (1.0 - ls) + 0.5 * ls
    if from_logits:
        bce = ops.sigmoid_binary_cross_entropy(y_true, y_pred)
    else:
        eps = config.epsilon()
        p = ops.clip(y_pred, eps, 1.0 - eps)
        bce = -(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p))
    return ops.mean(bce, axis=axis)


def _reject_integer_labels(y_true, y_pred, where):
    if y_pred.shape[-1] > 1 and (y_true.ndim < y_pred.ndim or y_true.shape[-1] == 1):
        raise ValueError(
            f"{where}: y_true of shape {tuple(y_true.shape)} looks like integer class labels, "
            f"but categorical crossentropy expects one-hot targets of y_pred's shape "
            f"{tuple(y_pred.shape)}. Use sparse_categorical_crossentropy "
            "(SparseCategoricalCrossentropy) for integer labels, or one-hot encode them with "
            "ember.utils.to_categorical."
        )


def _renormalise(y_pred, axis):
    """y_pred / sum(y_pred, axis); an all-zero row is divided by 1 (Keras would give NaN)."""
    s = ops.sum(y_pred, axis=axis, keepdims=True)
    return y_pred / ops.where(s.data == 0, 1.0, s)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """loss = -sum(y_true * log p, axis), p = softmax(y_pred) or y_pred / sum(y_pred).

    Args:
        y_true: one-hot (or probability) targets of y_pred's shape.
        y_pred: probabilities (renormalised by their sum, then clipped to [eps, 1 - eps]) or,
            with `from_logits=True`, logits (fused log-softmax cross-entropy).
        from_logits: whether y_pred holds logits. Defaults to False.
        label_smoothing: `t (1 - s) + s / num_classes`. Defaults to 0.
        axis: the class axis. Defaults to -1.

    Raises:
        ValueError: shapes differ, or y_true looks like integer labels (use the sparse loss).

    >>> from ember.losses import categorical_crossentropy
    >>> categorical_crossentropy([[0, 1, 0], [0, 0, 1]],
    ...                          [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]).numpy()
    array([0.05129331, 2.3025851 ], dtype=float32)
    """
    where = "categorical_crossentropy"
    axis = _axis(axis, where)
    ls = _smoothing(label_smoothing, where)
    y_pred = as_output(y_pred, where)
    y_true = as_target(y_true, y_pred, where)
    check_rank(y_true, y_pred, where)
    _reject_integer_labels(y_true, y_pred, where)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_same_shape(y_true, y_pred, where)
    if y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {where}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=2)
    check_logits(y_pred, from_logits, where)
    if ls:
        y_true = y_true * (1.0 - ls) + ls / y_true.shape[-1]
    if from_logits:
        if axis in (-1, y_pred.ndim - 1):
            return ops.softmax_cross_entropy(y_true, y_pred)
        return -ops.sum(y_true * ops.log_softmax(y_pred, axis), axis=axis)
    eps = config.epsilon()
    p = ops.clip(_renormalise(y_pred, axis), eps, 1.0 - eps)
    return -ops.sum(y_true * ops.log(p), axis=axis)


def integer_labels(y_true, where):
    arr = y_true.data if isinstance(y_true, Tensor) else backend.as_array(y_true)
    if arr.dtype.kind in "biu":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "f":
        bad = arr[~np.isfinite(arr) | (arr != np.round(arr))] if arr.size else arr
        if bad.size:
            raise ValueError(f"{where}: labels `y_true` must be integer class indices; "
                             f"received non-integer values {np.unique(bad)[:10].tolist()}")
        return arr.astype(np.int64)
    raise TypeError(f"{where}: labels `y_true` must be integers; received dtype {arr.dtype}")


def check_label_range(labels, num_classes, where, valid=None):
    """ValueError listing the labels outside [0, num_classes) (ignoring `~valid` entries)."""
    out = (labels < 0) | (labels >= num_classes)
    if valid is not None:
        out &= valid
    if out.any():
        bad = np.unique(labels[out])
        more = f" and {bad.size - 10} more" if bad.size > 10 else ""
        raise ValueError(
            f"{where}: labels `y_true` must be in [0, {num_classes}) (y_pred has "
            f"{num_classes} classes on its last axis); received out-of-range values "
            f"{bad[:10].tolist()}{more}"
        )


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """loss = -log p[label], p = softmax(y_pred) or y_pred / sum(y_pred) (clipped).

    Args:
        y_true: integer class labels of shape `y_pred.shape[:-1]` (a trailing axis of length 1
            is dropped). Integer-valued floats are accepted; labels must be in
            `[0, num_classes)` (checked first; the error lists the offending values).
        y_pred: probabilities or, with `from_logits=True`, logits; classes on the last axis.
        from_logits: whether y_pred holds logits. Defaults to False.
        ignore_class: a label value to skip (e.g. -1 or 255 for "void"): its entries get loss 0
            and are masked out of the mean reduction. Defaults to None.
        axis: only -1 (the last axis) is supported, as Keras.

    >>> from ember.losses import sparse_categorical_crossentropy
    >>> sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]).numpy()
    array([0.05129331, 2.3025851 ], dtype=float32)
    """
    where = "sparse_categorical_crossentropy"
    y_pred = as_output(y_pred, where)
    if y_pred.ndim < 1:
        raise ValueError(f"{where}: Argument `output` must be at least rank 1. Received: "
                         f"output.shape={tuple(y_pred.shape)}")
    if _axis(axis, where) not in (-1, y_pred.ndim - 1):
        raise ValueError(f"{where}: Only axis=-1 is currently supported. Received: axis={axis}")
    labels = integer_labels(y_true, where)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError(
            f"{where}: Arguments `target` and `output` must have the same shape up until the "
            f"last dimension: target.shape={labels.shape}, output.shape={tuple(y_pred.shape)}"
        )
    n_classes = y_pred.shape[-1]
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = np.where(valid, labels, 0)
    check_label_range(labels, n_classes, where, valid)
    check_logits(y_pred, from_logits, where)
    if from_logits:
        res = ops.sparse_softmax_cross_entropy(labels, y_pred)
    else:
        eps = config.epsilon()
        flat = ops.reshape(_renormalise(y_pred, -1), (-1, n_classes))
        picked = ops.getitem(flat, (np.arange(labels.size), labels.reshape(-1)))
        res = -ops.reshape(ops.log(ops.clip(picked, eps, 1.0 - eps)), labels.shape)
    if valid is not None:
        res = ops.where(valid, res, 0.0)
        res._keras_mask = valid
    return res
