"""Reductions with `axis` (int, tuple or None) and `keepdims`.

The backward of a reduction expands the output gradient back over the reduced axes.
Ties in `max`/`min` share the gradient equally (as TensorFlow and `torch.amax` do).
"""

import builtins

import numpy as np

from ember import backend
from ember.autograd import Function
from ember.ops.dtypes import as_tensor, float_tensor
from ember.tensor import Tensor


def normalize_axes(axis, ndim, op="reduce"):
    """`axis` as a sorted tuple of non-negative axes (None: all axes)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        # builtins.max: this module's own `max` is the reduction op
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor of rank {ndim}")
        if ndim:  # axis 0 of a 0-d tensor reduces nothing (as PyTorch)
            out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(out))


def _expand(g, shape, axes, keepdims):
    """Broadcast a reduced gradient back to the input's shape."""
    if not keepdims and axes:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


class _Reduce(Function):
    def setup(self, x, axis, keepdims, op):
        self.axes = normalize_axes(axis, x.ndim, op)
        self.keepdims = keepdims
        self.shape = x.shape
        self.count = int(np.prod([x.shape[a] for a in self.axes])) if self.axes else 1


class Sum(_Reduce):
    """y = sum(x, axes);  gx = gy broadcast over the reduced axes."""

    def forward(self, x, axis, keepdims):
        self.setup(x, axis, keepdims, "sum")
        # dtype: NumPy would widen int32 sums to int64
        return np.sum(x, axis=self.axes, keepdims=keepdims, dtype=x.dtype)

    def backward(self, gy):
        return _expand(gy, self.shape, self.axes, self.keepdims), None, None


class Mean(_Reduce):
    """y = sum(x, axes) / n;  gx = gy / n broadcast over the reduced axes."""

    def forward(self, x, axis, keepdims):
        self.setup(x, axis, keepdims, "mean")
        return np.mean(x, axis=self.axes, keepdims=keepdims)

    def backward(self, gy):
        return _expand(gy / self.count, self.shape, self.axes, self.keepdims), None, None


class _Extreme(_Reduce):
    """max/min: the gradient goes to the elements equal to the result, shared among ties."""

    fn = None

    def forward(self, x, axis, keepdims):
        self.setup(x, axis, keepdims, self.fn.__name__)
        if self.count == 0:
            raise ValueError(f"{self.fn.__name__}: cannot reduce an empty axis of shape {x.shape}")
        y = self.fn(x, axis=self.axes, keepdims=True)
        self.save_for_backward(x, y)
        return y if keepdims else np.squeeze(y, axis=self.axes)

    def backward(self, gy):
        x, y = self.saved
        mask = x == y
        share = mask / mask.sum(axis=self.axes, keepdims=True)
        g = gy if self.keepdims else np.expand_dims(gy, self.axes)
        return (g * share).astype(gy.dtype, copy=False), None, None


class Max(_Extreme):
    fn = staticmethod(np.max)


class Min(_Extreme):
    fn = staticmethod(np.min)


class Var(_Reduce):
    """v = sum((x - mean) ** 2) / (n - ddof) (two-pass);  gx = gy * 2 (x - mean) / (n - ddof)."""

    def forward(self, x, axis, keepdims, ddof):
        self.setup(x, axis, keepdims, "var")
        d = x - np.mean(x, axis=self.axes, keepdims=True)
        self.denom = self.count - ddof
        self.save_for_backward(d)
        return np.sum(d * d, axis=self.axes, keepdims=keepdims) / self.denom

    def backward(self, gy):
        (d,) = self.saved
        g = gy if self.keepdims or not self.axes else np.expand_dims(gy, self.axes)
        return g * d * (2.0 / self.denom), None, None, None


class LogSumExp(_Reduce):
    """y = m + log(sum(exp(x - m))) with m = max(x) (never overflows);  gx = gy * exp(x - y)."""

    def forward(self, x, axis, keepdims):
        self.setup(x, axis, keepdims, "logsumexp")
        m = np.max(x, axis=self.axes, keepdims=True) if x.size else np.zeros_like(
            np.sum(x, axis=self.axes, keepdims=True))
        m = np.where(np.isfinite(m), m, 0)
        y = np.log(np.sum(np.exp(x - m), axis=self.axes, keepdims=True)) + m
        self.save_for_backward(x, y)
        return y if keepdims else np.squeeze(y, axis=self.axes)

    def backward(self, gy):
        x, y = self.saved
        g = gy if self.keepdims else np.expand_dims(gy, self.axes)
        return g * np.exp(x - y), None, None


def _sum_dtype(x):
    """Keras' accumulator for sums: bool and small integers widen to (u)int32."""
    if x.dtype.kind == "b" or x.dtype in (np.int8, np.int16, np.uint8, np.uint16):
        return "int32"
    return None


def sum(x, axis=None, keepdims=False):  # noqa: A001
    """Sum over `axis` (all axes when None); bool and small integers sum in (u)int32.

    >>> import ember
    >>> int(ember.ops.sum(ember.tensor([True, True, False])))
    2
    """
    x = as_tensor(x, "sum")
    dt = _sum_dtype(x)
    if dt is not None:
        x = x.astype(dt)
    return Sum.apply(x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over `axis` (integer and bool inputs give floatx)."""
    return Mean.apply(float_tensor(x, "mean"), axis, keepdims)


def _with_initial(fn, x, axis, keepdims, initial, name):
    from ember.ops.elementwise import maximum, minimum  # noqa: PLC0415

    x = as_tensor(x, name)
    if initial is None:
        return fn.apply(x, axis, keepdims)
    axes = normalize_axes(axis, x.ndim, name)
    if x.size == 0 or any(x.shape[a] == 0 for a in axes):
        shape = np.sum(np.zeros(x.shape, dtype=np.bool_), axis=axes, keepdims=keepdims).shape
        return Tensor._wrap(np.full(shape, initial, dtype=x.dtype))
    pick = maximum if fn is Max else minimum
    return pick(fn.apply(x, axis, keepdims), initial)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Largest value over `axis`, at least `initial` when given; ties share the gradient
    equally."""
    return _with_initial(Max, x, axis, keepdims, initial, "max")


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Smallest value over `axis`, at most `initial` when given; ties share the gradient
    equally."""
    return _with_initial(Min, x, axis, keepdims, initial, "min")


def var(x, axis=None, keepdims=False, ddof=0):
    """Variance over `axis` (population variance, ddof=0, as Keras and NumPy)."""
    return Var.apply(float_tensor(x, "var"), axis, keepdims, ddof)


def std(x, axis=None, keepdims=False, ddof=0):
    """Standard deviation: sqrt(var(x))."""
    from ember.ops.elementwise import sqrt  # noqa: PLC0415

    return sqrt(var(float_tensor(x, "std"), axis, keepdims, ddof))


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over `axis`, stable for large inputs.

    >>> import ember
    >>> float(ember.ops.logsumexp(ember.tensor([1e4, 1e4])))
    10000.693359375
    """
    return LogSumExp.apply(float_tensor(x, "logsumexp"), axis, keepdims)


def _arg(fn, x, axis, keepdims, name):
    a = as_tensor(x, name).data
    if a.size == 0:
        raise ValueError(f"{name}: received an empty tensor of shape {a.shape}")
    out = fn(a, axis=axis, keepdims=keepdims)
    # NumPy gives a scalar for axis=None; keep an int32 array of the input's module
    if not backend.is_array(out):
        return Tensor._wrap(backend.array_module(a).asarray(out, dtype=np.int32))
    return Tensor._wrap(out.astype(np.int32))


def argmax(x, axis=None, keepdims=False):
    """Index (int32, as Keras) of the largest value, the first one on ties; not
    differentiable."""
    return _arg(np.argmax, x, axis, keepdims, "argmax")


def argmin(x, axis=None, keepdims=False):
    """Index (int32, as Keras) of the smallest value, the first one on ties; not
    differentiable."""
    return _arg(np.argmin, x, axis, keepdims, "argmin")
