"""Reductions and scans of Keras' `keras.ops.numpy` beyond sum/mean/max/min/var: prod,
cumulative sums and products, all/any, average, ptp, median/quantile/percentile and the
NaN-ignoring family (nansum, nanmean, ...).

Order statistics (median, quantile) are compositions of the differentiable `sort` and
gathering: the gradient reaches the one or two values interpolated. NaN-ignoring reductions
give NaN entries no gradient.
"""

import builtins

import numpy as np

from ember.autograd import Function
from ember.backend import array_module, as_array, to_host
from ember.ops.dtypes import as_tensor, float_tensor
from ember.ops.elementwise import add, div, mul, sqrt, sub, where
from ember.ops.indexing import sort, take_along_axis
from ember.ops.reduce import _sum_dtype, normalize_axes
from ember.ops.reduce import max as _max
from ember.ops.reduce import min as _min
from ember.ops.reduce import sum as _sum
from ember.ops.shaping import reshape, transpose
from ember.tensor import Tensor


def _to_last(x, axes):
    """x with `axes` moved last and merged into one: (kept..., n)."""
    rest = [a for a in range(x.ndim) if a not in axes]
    n = int(np.prod([x.shape[a] for a in axes]))
    return np.transpose(x, rest + list(axes)).reshape([x.shape[a] for a in rest] + [n])


class Prod(Function):
    """y = prod(x over axes);  gx = gy * (product of the other elements), computed from
    exclusive prefix and suffix products (exact when x has zeros)."""

    def forward(self, x, axis, keepdims):
        self.axes = normalize_axes(axis, x.ndim, "prod")
        self.keepdims, self.shape = keepdims, x.shape
        self.save_for_backward(x)
        return np.prod(x, axis=self.axes, keepdims=keepdims, dtype=x.dtype)

    def backward(self, gy):
        (x,) = self.saved
        axes = self.axes
        rest = [a for a in range(x.ndim) if a not in axes]
        flat = _to_last(x, axes)
        ones = np.ones_like(flat[..., :1])
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = (left * right).reshape([x.shape[a] for a in rest + list(axes)])
        others = np.transpose(others, np.argsort(rest + list(axes)))
        g = gy if self.keepdims or not axes else np.expand_dims(gy, axes)
        return (g * others).astype(gy.dtype, copy=False), None, None


class Cumsum(Function):
    """y_i = sum_{j <= i} x_j along `axis` (flattened when None);  gx_j = sum_{i >= j} gy_i."""

    def forward(self, x, axis):
        self.shape, self.axis = x.shape, axis
        return np.cumsum(x, axis=axis, dtype=x.dtype)

    def backward(self, gy):
        ax = 0 if self.axis is None else self.axis
        g = np.flip(np.cumsum(np.flip(gy, ax), axis=ax), ax)
        return g.reshape(self.shape), None


class Cumprod(Function):
    """y_i = prod_{j <= i} x_j;  gx_j = sum_{i >= j} gy_i y_i / x_j, or, where x has zeros,
    sum_{i >= j} gy_i prod_{k <= i, k != j} x_k (one cumulative product per position)."""

    def forward(self, x, axis):
        self.shape, self.axis = x.shape, axis
        xf = x.reshape(-1) if axis is None else x
        y = np.cumprod(xf, axis=0 if axis is None else axis, dtype=x.dtype)
        self.save_for_backward(xf, y)
        return y

    def backward(self, gy):
        xf, y = self.saved
        ax = 0 if self.axis is None else self.axis % xf.ndim
        if np.all(xf != 0):
            g = np.flip(np.cumsum(np.flip(gy * y, ax), axis=ax), ax) / xf
            return g.reshape(self.shape), None
        g = np.zeros_like(xf)
        for j in range(xf.shape[ax]):
            xj = np.moveaxis(xf.copy(), ax, 0)
            xj[j] = 1
            cp = np.moveaxis(np.cumprod(xj, axis=0), 0, ax)
            part = np.moveaxis(gy * cp, ax, 0)[j:].sum(axis=0)
            np.moveaxis(g, ax, 0)[j] = part
        return g.reshape(self.shape), None


def _scan_input(x, op, dtype):
    """Keras' accumulator dtypes: prod widens bool and small integers to int32 (as sum);
    cumsum/cumprod keep integer dtypes and count bools in int32."""
    x = as_tensor(x, op)
    if dtype is not None:
        return x.astype(np.dtype(dtype).name)
    dt = _sum_dtype(x) if op == "prod" else ("int32" if x.dtype.kind == "b" else None)
    return x.astype(dt) if dt is not None else x


def prod(x, axis=None, keepdims=False, dtype=None):
    """Product over `axis`; exact gradient also where x has zeros.

    >>> import ember
    >>> float(ember.ops.prod(ember.tensor([2.0, 3.0, 4.0])))
    24.0
    """
    return Prod.apply(_scan_input(x, "prod", dtype), axis, keepdims)


def cumsum(x, axis=None, dtype=None):
    """Running sum along `axis` (over the flattened tensor when None).

    >>> import ember
    >>> ember.ops.cumsum(ember.tensor([1.0, 2.0, 3.0])).numpy()
    array([1., 3., 6.], dtype=float32)
    """
    return Cumsum.apply(_scan_input(x, "cumsum", dtype), axis)


def cumprod(x, axis=None, dtype=None):
    """Running product along `axis` (over the flattened tensor when None)."""
    return Cumprod.apply(_scan_input(x, "cumprod", dtype), axis)


def all(x, axis=None, keepdims=False):  # noqa: A001
    """True where every element over `axis` is nonzero (bool; not differentiated)."""
    return Tensor._wrap(as_array(np.all(as_tensor(x, "all").data, axis=axis,
                                          keepdims=keepdims)))


def any(x, axis=None, keepdims=False):  # noqa: A001
    """True where some element over `axis` is nonzero (bool; not differentiated)."""
    return Tensor._wrap(as_array(np.any(as_tensor(x, "any").data, axis=axis,
                                          keepdims=keepdims)))


def amax(x, axis=None, keepdims=False):
    """Alias of `max`."""
    return _max(as_tensor(x, "amax"), axis, keepdims)


def amin(x, axis=None, keepdims=False):
    """Alias of `min`."""
    return _min(as_tensor(x, "amin"), axis, keepdims)


def ptp(x, axis=None, keepdims=False):
    """Range (max - min) over `axis`."""
    x = as_tensor(x, "ptp")
    return sub(_max(x, axis, keepdims), _min(x, axis, keepdims))


def count_nonzero(x, axis=None):
    """How many elements over `axis` are nonzero (int32; not differentiated)."""
    a = as_tensor(x, "count_nonzero").data
    return Tensor._wrap(as_array(np.count_nonzero(a, axis=axis)).astype(np.int32))


def average(x, axis=None, weights=None):
    """Weighted mean sum(x w) / sum(w) over `axis`; 1-D `weights` run along `axis`.

    >>> import ember
    >>> float(ember.ops.average(ember.tensor([1.0, 3.0]), weights=ember.tensor([3.0, 1.0])))
    1.5
    """
    from ember.ops.reduce import mean  # noqa: PLC0415

    x = float_tensor(x, "average")
    if weights is None:
        return mean(x, axis)
    w = float_tensor(weights, "average", "weights")
    if w.shape != x.shape:
        if axis is None or w.ndim != 1 or not isinstance(axis, int):
            raise ValueError(f"average: weights of shape {w.shape} need x's shape {x.shape}, "
                             "or one axis and 1-D weights along it")
        w = reshape(w, [x.shape[a] if a == axis % x.ndim else 1 for a in range(x.ndim)])
    ones = Tensor._wrap(np.ones_like(x.data, dtype=w.dtype))
    return div(_sum(mul(x, w), axis), _sum(mul(w, ones), axis))


# ------------------------------------------------------------------------- order statistics
_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _host_q(q):
    """The quantiles q on the host, in float64 (on purpose): they set the loop over quantiles,
    so device values are read back (a few numbers)."""
    return to_host(q.data if isinstance(q, Tensor) else q).astype(np.float64)


def _quantile(x, q, axis, method, keepdims, op, ignore_nan):
    if method not in _METHODS:
        raise ValueError(f"{op}: method must be one of {_METHODS}; received {method!r}")
    x = float_tensor(x, op)
    # float64 on purpose; q is read on the host (it sets the loop over quantiles)
    qa = _host_q(q)
    if np.any((qa < 0) | (qa > 1)):
        raise ValueError(f"{op}: q must lie in [0, 1] (percentiles in [0, 100]); received {q}")
    axes = normalize_axes(axis, x.ndim, op)
    rest = [a for a in range(x.ndim) if a not in axes]
    kept_shape = [x.shape[a] for a in rest]
    n_red = int(np.prod([x.shape[a] for a in axes]))
    xt = reshape(transpose(x, rest + list(axes)), kept_shape + [n_red])  # (..., n)
    n = xt.shape[-1]
    s = sort(xt, axis=-1)  # NaN last
    if ignore_nan:
        count = np.sum(~np.isnan(xt.data), axis=-1, keepdims=True)  # (..., 1)
    else:
        count = array_module(xt.data).full(kept_shape + [1], n)
    outs = []
    for qv in qa.reshape(-1):
        pos = qv * (count - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.ceil(pos).astype(np.int64)
        if method == "lower":
            hi = lo
        elif method == "higher":
            lo = hi
        elif method == "nearest":
            lo = hi = np.round(pos).astype(np.int64)
        lo_c, hi_c = np.clip(lo, 0, builtins.max(n - 1, 0)), np.clip(hi, 0, builtins.max(n - 1, 0))
        a = take_along_axis(s, lo_c, axis=-1)
        b = take_along_axis(s, hi_c, axis=-1)
        if method == "midpoint":
            frac = np.where(hi_c > lo_c, 0.5, 0.0)
        else:
            frac = pos - lo
        frac = frac.astype(x.dtype)
        v = add(mul(a, Tensor._wrap(1 - frac)), mul(b, Tensor._wrap(frac)))
        if ignore_nan:
            v = where(count == 0, np.nan, v)
        v = reshape(v, kept_shape)
        if keepdims:
            v = reshape(v, [1 if a in axes else x.shape[a] for a in range(x.ndim)])
        outs.append(v)
    if qa.ndim == 0:
        return outs[0]
    from ember.ops.shaping import stack  # noqa: PLC0415

    return reshape(stack(outs), qa.shape + outs[0].shape)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th quantiles (q in [0, 1], a number or a 1-D tensor) over `axis`.

    Args:
        method: "linear" (interpolate), "lower", "higher", "midpoint" or "nearest".

    >>> import ember
    >>> float(ember.ops.quantile(ember.tensor([1.0, 2.0, 3.0, 4.0]), 0.5))
    2.5
    """
    return _quantile(x, q, axis, method, keepdims, "quantile", False)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th percentiles (q in [0, 100]) over `axis`; see `quantile`."""
    return _quantile(x, _host_q(q) / 100, axis, method, keepdims,
                     "percentile", False)


def median(x, axis=None, keepdims=False):
    """The median over `axis` (the mean of the two middle values for even counts)."""
    return _quantile(x, 0.5, axis, "linear", keepdims, "median", False)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """`quantile` ignoring NaN (NaN where every value is NaN)."""
    return _quantile(x, q, axis, method, keepdims, "nanquantile", True)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """`percentile` ignoring NaN."""
    return _quantile(x, _host_q(q) / 100, axis, method, keepdims,
                     "nanpercentile", True)


def nanmedian(x, axis=None, keepdims=False):
    """`median` ignoring NaN."""
    return _quantile(x, 0.5, axis, "linear", keepdims, "nanmedian", True)


# ------------------------------------------------------------------------- NaN-ignoring family
def _fill_nan(x, value, op):
    x = as_tensor(x, op)
    if x.dtype.kind != "f":
        return x, None
    nan = np.isnan(x.data)
    return where(nan, value, x), nan


def nansum(x, axis=None, keepdims=False):
    """Sum over `axis` treating NaN as 0."""
    return _sum(_fill_nan(x, 0.0, "nansum")[0], axis, keepdims)


def nanprod(x, axis=None, keepdims=False):
    """Product over `axis` treating NaN as 1."""
    return prod(_fill_nan(x, 1.0, "nanprod")[0], axis, keepdims)


def nancumsum(x, axis=None, dtype=None):
    """Running sum treating NaN as 0."""
    return cumsum(_fill_nan(x, 0.0, "nancumsum")[0], axis, dtype)


def nancumprod(x, axis=None, dtype=None):
    """Running product treating NaN as 1."""
    return cumprod(_fill_nan(x, 1.0, "nancumprod")[0], axis, dtype)


def _nan_count(x, nan, axis, keepdims):
    valid = np.ones_like(x.data, dtype=bool) if nan is None else ~nan
    return np.sum(valid, axis=axis, keepdims=keepdims)


def nanmean(x, axis=None, keepdims=False):
    """Mean of the non-NaN values over `axis` (NaN where there are none)."""
    filled, nan = _fill_nan(float_tensor(x, "nanmean"), 0.0, "nanmean")
    count = _nan_count(filled, nan, axis, keepdims).astype(filled.dtype)
    return div(_sum(filled, axis, keepdims), Tensor._wrap(as_array(count)))


def nanvar(x, axis=None, keepdims=False):
    """Variance of the non-NaN values over `axis`."""
    x = float_tensor(x, "nanvar")
    m = nanmean(x, axis, keepdims=True)
    filled, nan = _fill_nan(x, 0.0, "nanvar")
    d = sub(filled, m)
    if nan is not None:
        d = where(nan, 0.0, d)
    count = _nan_count(filled, nan, axis, keepdims).astype(x.dtype)
    return div(_sum(mul(d, d), axis, keepdims), Tensor._wrap(as_array(count)))


def nanstd(x, axis=None, keepdims=False):
    """Standard deviation of the non-NaN values over `axis`."""
    return sqrt(nanvar(float_tensor(x, "nanstd"), axis, keepdims))


def _nan_extreme(fn, fill, x, axis, keepdims, op):
    filled, nan = _fill_nan(x, fill, op)
    out = fn(filled, axis, keepdims)
    if nan is None:
        return out
    none = np.all(nan, axis=axis, keepdims=keepdims)
    return where(none, np.nan, out)  # no host test of `none`: it stays on the device


def nanmax(x, axis=None, keepdims=False):
    """Largest non-NaN value over `axis` (NaN where all are NaN)."""
    return _nan_extreme(_max, -np.inf, x, axis, keepdims, "nanmax")


def nanmin(x, axis=None, keepdims=False):
    """Smallest non-NaN value over `axis` (NaN where all are NaN)."""
    return _nan_extreme(_min, np.inf, x, axis, keepdims, "nanmin")


def _nanarg(fn, fill, x, axis, keepdims, op):
    a = as_tensor(x, op).data
    if a.dtype.kind == "f":
        a = np.where(np.isnan(a), fill, a)
    return Tensor._wrap(as_array(fn(a, axis=axis, keepdims=keepdims)).astype(np.int32))


def nanargmax(x, axis=None, keepdims=False):
    """Index (int32) of the largest non-NaN value; not differentiated."""
    return _nanarg(np.argmax, -np.inf, x, axis, keepdims, "nanargmax")


def nanargmin(x, axis=None, keepdims=False):
    """Index (int32) of the smallest non-NaN value; not differentiated."""
    return _nanarg(np.argmin, np.inf, x, axis, keepdims, "nanargmin")


