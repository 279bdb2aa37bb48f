"""The `Loss` base class and Keras 3's reduction rules.

A loss call is three steps, as in Keras:

1. `call(y_true, y_pred)` gives the per-sample loss (for regression losses the mean over the
   last axis, so shape `y_pred.shape[:-1]`);
2. a `sample_weight` (and a mask, from `y_pred._keras_mask` or the loss itself) multiplies it,
   after `squeeze_or_expand_to_same_rank` lines the two up;
3. the reduction: `"sum_over_batch_size"` (default; `"mean"` is an alias) sums and divides by
   the number of elements of the per-sample loss, `"sum"` sums, `"mean_with_sample_weight"`
   divides the sum by the sum of the weights, `None`/`"none"` returns the per-sample values.

Everything here composes ember ops, so gradients flow to `y_pred` (and to `y_true` or
`sample_weight` when they are tensors that require gradients).
"""

import re

import numpy as np

from ember import backend, config, ops
from ember.tensor import Tensor, to_array

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def to_snake_case(name):
    """`"KLDivergence"` -> `"kl_divergence"` (Keras' rule for default names)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def standardize_reduction(reduction):
    """Check `reduction` against Keras' allowed values and return it.

    >>> from ember.losses import standardize_reduction
    >>> standardize_reduction("mean")
    'mean'
    """
    if reduction not in REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`. Expected one of "
            f"{list(REDUCTIONS)}. Received: reduction={reduction!r}"
        )
    return reduction


def _numeric(value, arg, where):
    arr = value.data if isinstance(value, Tensor) else backend.as_array(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: `{arg}` must hold numbers; received data of dtype {arr.dtype}")
    return arr


def as_output(y_pred, where):
    """`y_pred` as a float Tensor. Tensors keep their graph and float dtype; arrays follow
    ember's rule (float64 becomes float32); integer or bool predictions become floatx()."""
    if isinstance(y_pred, Tensor):
        _numeric(y_pred, "y_pred", where)
        return y_pred if y_pred.dtype.kind == "f" else ops.cast(y_pred, config.floatx())
    arr = _numeric(y_pred, "y_pred", where)
    return Tensor(arr if arr.dtype.kind == "f" else arr.astype(config.floatx()))


def as_target(y_true, like, where):
    """`y_true` in the dtype of `like` (the prediction). A Tensor stays in the graph."""
    if isinstance(y_true, Tensor):
        _numeric(y_true, "y_true", where)
        return y_true if y_true.dtype == like.dtype else ops.cast(y_true, like.dtype)
    arr = _numeric(y_true, "y_true", where)
    return Tensor._wrap(backend.asarray(arr, like=like.data).astype(like.dtype, copy=False))


def _expand(x):
    return ops.expand_dims(x, -1) if isinstance(x, Tensor) else np.expand_dims(x, -1)


def _squeeze(x):
    return ops.squeeze(x, -1) if isinstance(x, Tensor) else np.squeeze(x, -1)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Line up two ranks that differ by one through a trailing axis of length 1 (Keras' rule).

    If one has one more axis and that last axis has length 1, it is squeezed away; except that
    a rank-1 partner is expanded instead when `expand_rank_1` (so `(N,)` against `(N, 1)`
    becomes `(N, 1)` and `(N, 1)`). Anything else is returned unchanged. Works on Tensors and
    ndarrays.

    >>> import numpy as np
    >>> from ember.losses import squeeze_or_expand_to_same_rank
    >>> a, b = squeeze_or_expand_to_same_rank(np.zeros(4), np.zeros((4, 1)))
    >>> a.shape, b.shape
    ((4, 1), (4, 1))
    """
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = _expand(x2)
        else:
            x1 = _squeeze(x1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = _expand(x1)
        else:
            x2 = _squeeze(x2)
    return x1, x2


def check_rank(y_true, y_pred, where):
    if len(y_pred.shape) < 1 or len(y_true.shape) < 1:
        raise ValueError(
            f"{where}: Arguments `target` and `output` must be at least rank 1. Received: "
            f"target.shape={tuple(y_true.shape)}, output.shape={tuple(y_pred.shape)}"
        )


def check_same_shape(y_true, y_pred, where):
    """Keras' shape check; `target` is `y_true`, `output` is `y_pred`."""
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            f"{where}: Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={tuple(y_true.shape)}, output.shape={tuple(y_pred.shape)}"
        )


def prepare(y_true, y_pred, where):
    """Convert, squeeze or expand to the same rank (Keras), then insist on equal shapes.

    Returns `(y_true, y_pred)` as Tensors of y_pred's float dtype. No silent broadcasting: a
    `(N, 3)` target against a `(N, 1)` output is an error, not a `(N, 3)` loss.
    """
    y_pred = as_output(y_pred, where)
    y_true = as_target(y_true, y_pred, where)
    check_rank(y_true, y_pred, where)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_same_shape(y_true, y_pred, where)
    return y_true, y_pred


def _weights(sample_weight, values, where):
    if isinstance(sample_weight, Tensor):
        _numeric(sample_weight, "sample_weight", where)
        if sample_weight.dtype != values.dtype:
            return ops.cast(sample_weight, values.dtype)
        return sample_weight
    arr = _numeric(sample_weight, "sample_weight", where)
    return arr.astype(values.dtype, copy=False)


def apply_mask(sample_weight, mask, dtype, reduction):
    """Fold a boolean mask into the sample weights (Keras' `apply_mask`).

    For the mean reductions the kept entries are scaled by `total / kept`, so the mean is
    taken over the kept entries only.
    """
    if mask is None:
        return sample_weight
    m = to_array(mask).astype(dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        kept = float(m.sum())
        m = m * (m.size / kept if kept else 0.0)
    if sample_weight is None:
        return m
    m, sample_weight = squeeze_or_expand_to_same_rank(m, sample_weight)
    return sample_weight * m


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Sum, or sum and divide, as `reduction` says (see the module docstring).

    A 0-d loss is returned as is. An empty loss reduces to 0 (Keras returns the empty array
    itself for shape (0,); a scalar is what a training loop can use).
    """
    if reduction is None or reduction == "none" or values.ndim == 0:
        return values
    loss = ops.sum(values)
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        if isinstance(sample_weight, Tensor):
            total = ops.sum(sample_weight)  # stays in the graph (weights may be trained)
        else:
            total = float(np.sum(sample_weight))
        return loss / total if float(to_array(total)) != 0 else loss * 0.0  # divide_no_nan
    return loss / values.size if values.size else loss


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", where="loss"):
    """Weight the per-sample loss `values` by `sample_weight` and `mask`, then reduce.

    A weight array of lower rank than the loss is aligned with its leading (batch) axes.

    >>> import ember
    >>> from ember.losses import reduce_weighted_values
    >>> float(reduce_weighted_values(ember.tensor([1.0, 3.0]), [1.0, 0.5], reduction="sum"))
    2.5
    """
    reduction = standardize_reduction(reduction)
    if not isinstance(values, Tensor):
        values = Tensor(values)
    if sample_weight is not None:
        sample_weight = _weights(sample_weight, values, where)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        if 0 < sample_weight.ndim < values.ndim:
            # One weight per sample of a (N, T, ...) loss: align on the leading axes (NumPy
            # would align (N,) with the last axis, silently wrong when T == N).
            extra = (1,) * (values.ndim - sample_weight.ndim)
            sample_weight = (ops.reshape(sample_weight, sample_weight.shape + extra)
                             if isinstance(sample_weight, Tensor)
                             else sample_weight.reshape(sample_weight.shape + extra))
        try:
            ok = np.broadcast_shapes(values.shape, sample_weight.shape) == tuple(values.shape)
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(
                f"{where}: `sample_weight` of shape {tuple(sample_weight.shape)} cannot be "
                f"broadcast to the per-sample loss of shape {tuple(values.shape)}; expected "
                "one weight per sample (shape (batch,)), a scalar, or the loss's own shape"
            )
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


class Loss:
    """Base class of ember's losses (Keras 3 API).

    Subclasses implement `call(y_true, y_pred)` returning the per-sample loss as a Tensor,
    built from ember ops; `__call__` applies sample weights, masks and the reduction.

    Args:
        name: the loss's name. Defaults to the snake-case class name.
        reduction: `"sum_over_batch_size"` (default), `"sum"`, `"mean"` (an alias of the
            default), `"mean_with_sample_weight"`, or `None`/`"none"` for no reduction.
        dtype: a float dtype to compute in; None (default) keeps y_pred's float dtype.

    >>> import ember
    >>> class L1(ember.losses.Loss):
    ...     def call(self, y_true, y_pred):
    ...         return ember.ops.mean(ember.ops.abs(y_pred - y_true), axis=-1)
    >>> float(L1()([[0.0, 1.0]], ember.tensor([[1.0, 3.0]])))
    1.5
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        if dtype is not None and np.dtype(dtype).kind != "f":
            raise ValueError(f"{type(self).__name__}: `dtype` must be a float dtype; "
                             f"received dtype={dtype!r}")
        self.dtype = None if dtype is None else np.dtype(dtype).name

    def __call__(self, y_true, y_pred, sample_weight=None):
        in_mask = getattr(y_pred, "_keras_mask", None)
        if self.dtype is not None:
            y_pred = ops.cast(as_output(y_pred, self.name), self.dtype)
        values = self.call(y_true, y_pred)
        out_mask = getattr(values, "_keras_mask", None)
        if in_mask is not None and out_mask is not None:
            mask = np.logical_and(to_array(in_mask), to_array(out_mask))
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduce_weighted_values(values, sample_weight, mask, self.reduction, self.name)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self):
        config = {"name": self.name, "reduction": self.reduction}
        if self.dtype is not None:
            config["dtype"] = self.dtype
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"
