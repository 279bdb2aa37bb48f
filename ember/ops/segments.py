"""Keras' `ops.math` reductions by segment and selections: `segment_sum/max/min/prod`,
`top_k`, `in_top_k`, `extract_sequences`, `cdist`, `rsqrt`.

`SegmentReduce` is a primitive (one scatter per reduction); the others compose ember ops.
"""

import numpy as np

from ember.autograd import Function
from ember.backend import array_module, scatter_add
from ember.ops.elementwise import sqrt, where
from ember.ops.reduce import sum
from ember.ops.shaping import expand_dims, getitem, reshape, stack
from ember.ops.tensor_args import float_tensor, tensor
from ember.tensor import Tensor

_UFUNC = {"sum": np.add, "max": np.maximum, "min": np.minimum, "prod": np.multiply}
_START = {"sum": 0.0, "max": -np.inf, "min": np.inf, "prod": 1.0}


class SegmentReduce(Function):
    """y[j] = reduce over {i : ids[i] = j} of data[i] (ids outside [0, num_segments) dropped;
    an empty segment holds the reduction's identity: 0, -inf, inf, 1).
    sum: g data[i] = gy[ids[i]];  max/min: gy[ids[i]] shared evenly among the elements that
    equal the extreme;  prod: gy[ids[i]] * y[ids[i]] / data[i] (data without zeros)."""

    def forward(self, data, ids, num_segments, kind):
        self.kind, self.keep = kind, (ids >= 0) & (ids < num_segments)
        self.ids = np.where(self.keep, ids, 0)
        start = _START[kind]
        if data.dtype.kind in "iub" and np.isinf(start):
            info = np.iinfo(data.dtype)
            start = info.min if start < 0 else info.max
        y = np.full_like(data, start, shape=(num_segments,) + data.shape[1:])
        ids, values = self.ids[self.keep], data[self.keep]
        if kind == "sum":
            scatter_add(y, ids, values)
        elif ids.shape[0]:
            # no `ufunc.at` on a device: sort the rows by segment, reduce each run of equal ids
            # (`reduceat` at the run starts) and write the results to their segments
            xp = array_module(data)
            order = xp.argsort(ids)
            ids, values = ids[order], values[order]
            first = xp.concatenate([xp.ones(1, dtype=bool), ids[1:] != ids[:-1]])
            starts = xp.flatnonzero(first)
            ufunc = getattr(xp, _UFUNC[kind].__name__)  # the module's ufunc (cupy.maximum, ...)
            y[ids[starts]] = ufunc.reduceat(values, starts, axis=0)
        self.save_for_backward(data, y)
        return y

    def backward(self, gy):
        data, y = self.saved
        keep = self.keep.reshape((-1,) + (1,) * (data.ndim - 1))
        g = gy[self.ids]
        if self.kind == "prod":
            with np.errstate(divide="ignore", invalid="ignore"):
                g = g * y[self.ids] / data
        elif self.kind in ("max", "min"):
            hit = (data == y[self.ids]) & keep
            count = np.zeros_like(y)
            scatter_add(count, self.ids[self.keep], hit[self.keep].astype(y.dtype))
            g = np.where(hit, g / np.maximum(count[self.ids], 1), 0)
        return np.where(keep, g, 0).astype(data.dtype, copy=False), None, None, None


def _segment(kind, data, segment_ids, num_segments):
    data = tensor(data)
    ids = tensor(segment_ids).data.astype(np.int64).reshape(-1)
    if data.ndim == 0 or ids.shape[0] != data.shape[0]:
        raise ValueError(f"segment_{kind}: segment_ids must be 1-D of length data.shape[0]; "
                         f"received {ids.shape} for data of shape {data.shape}")
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.size else 0
    return SegmentReduce.apply(data, ids, int(num_segments), kind)


def segment_sum(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002  (Keras' name)
    """Sum of the rows of `data` that share a segment id (Keras' `ops.segment_sum`).

    >>> import ember
    >>> ember.ops.segment_sum(ember.tensor([1.0, 2.0, 3.0]), ember.tensor([0, 0, 1])).numpy()
    array([3., 3.], dtype=float32)
    """
    return _segment("sum", data, segment_ids, num_segments)


def segment_max(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002  (Keras' name)
    """Maximum of the rows sharing a segment id (-inf for an empty segment).

    >>> import ember
    >>> ember.ops.segment_max(ember.tensor([1.0, 2.0, 3.0]), ember.tensor([0, 0, 1])).numpy()
    array([2., 3.], dtype=float32)
    """
    return _segment("max", data, segment_ids, num_segments)


def segment_min(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002  (Keras' name)
    """Minimum of the rows sharing a segment id (inf for an empty segment).

    >>> import ember
    >>> ember.ops.segment_min(ember.tensor([1.0, 2.0, 3.0]), ember.tensor([0, 0, 1])).numpy()
    array([1., 3.], dtype=float32)
    """
    return _segment("min", data, segment_ids, num_segments)


def segment_prod(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002  (Keras' name)
    """Product of the rows sharing a segment id (1 for an empty segment).

    >>> import ember
    >>> ember.ops.segment_prod(ember.tensor([1.0, 2.0, 3.0]), ember.tensor([0, 0, 1])).numpy()
    array([2., 3.], dtype=float32)
    """
    return _segment("prod", data, segment_ids, num_segments)


def top_k(x, k, sorted=True):  # noqa: A002  (Keras' name)
    """The `k` largest values along the last axis and their indices (int32); the values are
    differentiable (the gradient goes to the chosen positions). Ties: lower index first.

    >>> import ember
    >>> v, i = ember.ops.top_k(ember.tensor([1.0, 3.0, 2.0]), 2)
    >>> v.numpy(), i.numpy()
    (array([3., 2.], dtype=float32), array([1, 2], dtype=int32))
    """
    x = tensor(x)
    if x.ndim == 0 or not 0 <= k <= x.shape[-1]:
        raise ValueError(f"top_k: k must be in [0, {x.shape[-1] if x.ndim else 0}] for x of "
                         f"shape {x.shape}; received k={k}")
    idx = np.argsort(-x.data, axis=-1, kind="stable")[..., :k]
    if not sorted:
        idx = np.sort(idx, axis=-1)
    rows = np.indices(idx.shape[:-1] + (1,), sparse=True)[:-1]
    values = getitem(x, (*rows, idx))
    return values, Tensor._wrap(idx.astype(np.int32))


def in_top_k(targets, predictions, k):
    """Whether each target's prediction is among the `k` largest of its row (ties count in).

    >>> import ember
    >>> ember.ops.in_top_k(ember.tensor([1, 0]), ember.tensor([[0.1, 0.9], [0.1, 0.9]]),
    ...                    1).numpy()
    array([ True, False])
    """
    p = tensor(predictions).data
    t = tensor(targets).data.astype(np.int64)
    if k < 1 or p.shape[-1] == 0:
        return Tensor._wrap(np.zeros_like(t, dtype=bool))
    kth = -np.partition(-p, min(k, p.shape[-1]) - 1, axis=-1)[..., min(k, p.shape[-1]) - 1]
    target_values = np.take_along_axis(p, t[..., None], axis=-1)[..., 0]
    return Tensor._wrap(target_values >= kth)


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of length `sequence_length` every `sequence_stride` along the last axis:
    (..., n) -> (..., 1 + (n - L) // stride, L) (Keras' `ops.extract_sequences`).

    >>> import ember
    >>> ember.ops.extract_sequences(ember.tensor([1.0, 2.0, 3.0, 4.0]), 2, 2).numpy()
    array([[1., 2.],
           [3., 4.]], dtype=float32)
    """
    x = tensor(x)
    n, size, step = x.shape[-1], int(sequence_length), int(sequence_stride)
    count = max((n - size) // step + 1, 0)
    if count == 0:
        return reshape(getitem(x, (Ellipsis, slice(0, 0))), x.shape[:-1] + (0, size))
    frames = [getitem(x, (Ellipsis, slice(i * step, i * step + size))) for i in range(count)]
    return stack(frames, axis=-2)


def cdist(x, y):
    """Euclidean distances between the rows of `x` (..., P, M) and `y` (..., R, M):
    (..., P, R) (Keras' `ops.cdist`).

    >>> import ember
    >>> ember.ops.cdist(ember.tensor([[0.0, 0.0]]), ember.tensor([[3.0, 4.0]])).numpy()
    array([[5.]], dtype=float32)
    """
    x, y = float_tensor(x), float_tensor(y)
    d = expand_dims(x, -2) - expand_dims(y, -3)
    sq = sum(d * d, axis=-1)
    pos = sq.data > 0  # a zero distance: value 0 and gradient 0 (as torch.cdist), no 0 / 0
    return where(pos, sqrt(where(pos, sq, 1.0)), 0.0)


def rsqrt(x):
    """1 / sqrt(x).

    >>> import ember
    >>> ember.ops.rsqrt(ember.tensor([4.0])).numpy()
    array([0.5], dtype=float32)
    """
    return 1.0 / sqrt(float_tensor(x))
