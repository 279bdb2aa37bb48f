"""Gathering, sorting and searching: take, take_along_axis, sort/argsort, searchsorted,
unique, bincount, histogram, nonzero, select and friends.

Gathers are differentiable (repeated indices accumulate their gradients); everything that
returns indices, counts or booleans is not differentiated (the docstrings say so).
"""

import numpy as np

from ember.autograd import Function
from ember.backend import array_module, as_array, scatter_add
from ember.ops.dtypes import as_tensor, promote
from ember.ops.elementwise import where
from ember.ops.shaping import getitem
from ember.tensor import Tensor


def _indices(indices, op, arg="indices"):
    ind = as_array(indices.data if isinstance(indices, Tensor) else indices)
    if ind.dtype.kind not in "iu" and not (ind.dtype.kind == "f" and ind.size == 0):
        raise TypeError(f"{op}: {arg} must be integers; received dtype {ind.dtype}")
    return ind.astype(np.int64, copy=False)


class Take(Function):
    """y = x taken at integer `indices` along `axis` (negative indices count from the end);
    gx = gy added back at those places."""

    def forward(self, x, indices, axis):
        self.shape, self.axis = x.shape, axis
        xs = x.reshape(-1) if axis is None else x
        ax = 0 if axis is None else axis % x.ndim
        n = xs.shape[ax]
        if indices.size and (indices.min() < -n or indices.max() >= n):
            raise IndexError(f"take: indices out of range for axis of length {n} (tensor of "
                             f"shape {x.shape})")
        self.ind, self.ax, self.flat_shape = indices % max(n, 1), ax, xs.shape
        return np.take(xs, self.ind, axis=ax)

    def backward(self, gy):
        g = array_module(gy).zeros(self.flat_shape, dtype=gy.dtype)
        ax = self.ax
        # move the indexed axis first: add.at over the index positions
        gm = np.moveaxis(g, ax, 0)
        gym = np.moveaxis(gy, tuple(range(ax, ax + self.ind.ndim)), tuple(range(self.ind.ndim)))
        scatter_add(gm, self.ind, gym)
        return g.reshape(self.shape), None, None


class TakeAlongAxis(Function):
    """y = x gathered along `axis` at `indices` (broadcast against x);  gx = gy added back."""

    def forward(self, x, indices, axis):
        self.shape = x.shape
        n = x.shape[axis]
        if indices.size and (indices.min() < -n or indices.max() >= n):
            raise IndexError(f"take_along_axis: indices out of range for axis {axis} of "
                             f"length {n}")
        shape = list(np.broadcast_shapes(
            tuple(1 if a == axis % x.ndim else s for a, s in enumerate(x.shape)),
            tuple(1 if a == axis % x.ndim else s for a, s in enumerate(indices.shape))))
        self.full = list(shape)
        shape[axis % x.ndim] = x.shape[axis]
        xb = np.broadcast_to(x, shape)
        ishape = list(self.full)
        ishape[axis % x.ndim] = indices.shape[axis]
        self.ind = np.broadcast_to(indices % max(n, 1), ishape)
        self.axis, self.bshape = axis, tuple(shape)
        return np.take_along_axis(xb, self.ind, axis=axis)

    def backward(self, gy):
        from ember.autograd import unbroadcast  # noqa: PLC0415

        g = array_module(gy).zeros(self.bshape, dtype=gy.dtype)
        idx = list(np.ix_(*[np.arange(n) for n in gy.shape]))
        idx[self.axis % gy.ndim] = self.ind
        scatter_add(g, tuple(idx), gy)
        return unbroadcast(g, self.shape), None, None


def take(x, indices, axis=None):
    """Elements of `x` at `indices` along `axis` (of the flattened tensor when None).

    >>> import ember
    >>> ember.ops.take(ember.tensor([[1.0, 2.0], [3.0, 4.0]]), [1, 0], axis=1).numpy()
    array([[2., 1.],
           [4., 3.]], dtype=float32)
    """
    x = as_tensor(x, "take")
    return Take.apply(x, _indices(indices, "take"), axis)


def take_along_axis(x, indices, axis=None):
    """x gathered at `indices` along `axis`, index arrays matching x's other axes (as
    np.take_along_axis); the flattened tensor when axis is None."""
    x = as_tensor(x, "take_along_axis")
    ind = _indices(indices, "take_along_axis")
    if axis is None:
        from ember.ops.shaping import reshape  # noqa: PLC0415

        x, axis = reshape(x, (-1,)), 0
        ind = ind.reshape(-1)
    if ind.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices of rank {ind.ndim} need x's rank {x.ndim}")
    return TakeAlongAxis.apply(x, ind, axis)


def argsort(x, axis=-1):
    """Indices (int32) that sort x along `axis` (stable; NaN last); not differentiated."""
    a = as_tensor(x, "argsort").data
    if a.ndim == 0:
        return Tensor._wrap(np.zeros_like(a, dtype=np.int32))
    return Tensor._wrap(np.argsort(a, axis=axis, kind="stable").astype(np.int32))


def sort(x, axis=-1):
    """x sorted along `axis` (NaN last); the gradient returns to each value's old place.

    >>> import ember
    >>> ember.ops.sort(ember.tensor([3.0, 1.0, 2.0])).numpy()
    array([1., 2., 3.], dtype=float32)
    """
    x = as_tensor(x, "sort")
    if x.ndim == 0:
        return take_along_axis(x, np.zeros_like(x.data, dtype=np.int64), None).reshape(())
    return take_along_axis(x, argsort(x, axis).data, axis)


def argpartition(x, kth, axis=-1):
    """Indices (int32) that partition x around its `kth` smallest value along `axis`: that
    element lands at position kth, smaller ones before it, larger ones after (this partition
    is the stable sort's); not differentiated."""
    a = as_tensor(x, "argpartition").data
    n = a.shape[axis]
    if not -n <= kth < n:
        raise ValueError(f"argpartition: kth={kth} is out of range for an axis of length {n}")
    return Tensor._wrap(np.argsort(a, axis=axis, kind="stable").astype(np.int32))


def searchsorted(sorted_sequence, values, side="left"):
    """Insertion points (int32) of `values` in the 1-D `sorted_sequence`; not differentiated."""
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right'; received {side!r}")
    s = as_tensor(sorted_sequence, "searchsorted", "sorted_sequence").data
    if s.ndim != 1:
        raise ValueError(f"searchsorted: sorted_sequence must be 1-D; received shape {s.shape}")
    v = as_tensor(values, "searchsorted", "values").data
    return Tensor._wrap(as_array(np.searchsorted(s, v, side=side)).astype(np.int32))


def digitize(x, bins):
    """Index (int32) of the bin of each value: bins[i-1] <= x < bins[i]; not differentiated."""
    a = as_tensor(x, "digitize").data
    b = as_tensor(bins, "digitize", "bins").data
    return Tensor._wrap(as_array(np.digitize(a, b)).astype(np.int32))


def unique(x, sorted=True, return_index=False, return_inverse=False,  # noqa: A002
           return_counts=False, axis=None, size=None, fill_value=None):
    """The distinct values of x (sorted), optionally with first indices, the inverse map and
    counts (int32); `size` pads (with `fill_value`, default the smallest value) or truncates
    to a fixed length. Not differentiated."""
    a = as_tensor(x, "unique").data
    res = np.unique(a, return_index=True, return_inverse=True, return_counts=True, axis=axis)
    vals, idx, inv, counts = res
    if not sorted:
        order = np.argsort(idx, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        vals, idx, counts = np.take(vals, order, axis=axis or 0), idx[order], counts[order]
        inv = rank[inv]
    if size is not None:
        k = vals.shape[axis or 0]
        if k >= size:
            vals, idx, counts = (np.take(vals, np.arange(size), axis=axis or 0), idx[:size],
                                 counts[:size])
        else:
            fill = vals.min() if fill_value is None and vals.size else (fill_value or 0)
            pad = [(0, 0)] * vals.ndim
            pad[axis or 0] = (0, size - k)
            vals = np.pad(vals, pad, constant_values=fill)
            idx = np.pad(idx, (0, size - k))
            counts = np.pad(counts, (0, size - k))
    out = [Tensor._wrap(vals)]
    if return_index:
        out.append(Tensor._wrap(idx.astype(np.int32)))
    if return_inverse:
        out.append(Tensor._wrap(inv.reshape(a.shape if axis is None else -1).astype(np.int32)))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int32)))
    return out[0] if len(out) == 1 else tuple(out)


def unravel_index(indices, shape):
    """Flat indices as a tuple of coordinate tensors (int32) for `shape`; not differentiated."""
    ind = _indices(indices, "unravel_index")
    xp = array_module(ind)  # 0-d coordinates are NumPy scalars: made arrays of ind's module
    return tuple(Tensor._wrap(xp.asarray(c).astype(np.int32))
                 for c in np.unravel_index(ind, tuple(int(n) for n in shape)))


def bincount(x, weights=None, minlength=0, sparse=False):
    """How often each non-negative integer occurs in x (1-D; or per row of a 2-D x), or the
    sums of `weights` per value; not differentiated."""
    if sparse:
        raise ValueError("bincount: ember tensors are dense; sparse=True is not supported")
    a = _indices(x, "bincount", "x")
    if a.size and a.min() < 0:
        raise ValueError("bincount: x must hold non-negative integers")
    w = None if weights is None else as_tensor(weights, "bincount", "weights").data
    length = max(int(a.max()) + 1 if a.size else 0, int(minlength))
    if a.ndim == 1:
        out = np.bincount(a, w, minlength=length)[:length]
        counts = out if w is not None else out.astype(np.int32)
        return Tensor._wrap(counts.astype(w.dtype) if w is not None else counts)
    if a.ndim != 2:
        raise ValueError(f"bincount: x must be 1-D or 2-D; received shape {a.shape}")
    rows = [np.bincount(r, None if w is None else w[i], minlength=length)
            for i, r in enumerate(a)]
    out = np.stack(rows) if rows else array_module(a).zeros((0, length))
    return Tensor._wrap(out.astype(w.dtype) if w is not None else out.astype(np.int32))


def histogram(x, bins=10, range=None):  # noqa: A002
    """Counts (int32) of the values of 1-D x in `bins` equal bins over `range` (min, max by
    default), and the bin edges; not differentiated."""
    a = as_tensor(x, "histogram").data
    if a.ndim != 1:
        raise ValueError(f"histogram: x must be 1-D; received shape {a.shape}")
    counts, edges = np.histogram(a, bins=bins, range=range)
    dt = a.dtype if a.dtype.kind == "f" else np.dtype("float32")
    return Tensor._wrap(counts.astype(np.int32)), Tensor._wrap(edges.astype(dt))


def isin(x1, x2, assume_unique=False, invert=False):
    """True where an element of x1 occurs in x2 (bool; not differentiated)."""
    a, b = promote("isin", x1, x2)
    return Tensor._wrap(np.isin(a.data, b.data, assume_unique=assume_unique, invert=invert))


def nonzero(x):
    """A tuple with, per axis, the indices (int32) of the nonzero elements; not
    differentiated."""
    a = as_tensor(x, "nonzero").data
    return tuple(Tensor._wrap(i.astype(np.int32)) for i in np.nonzero(np.atleast_1d(a)))


def select(condlist, choicelist, default=0):
    """From the first true condition of `condlist`, the matching value of `choicelist`
    (`default` where none holds); differentiable in the choices.

    >>> import ember, numpy as np
    >>> x = np.array([-1.0, 0.0, 2.0])
    >>> ember.ops.select([x < 0, x > 0], [x * 10, x], -5.0).numpy()
    array([-10.,  -5.,   2.], dtype=float32)
    """
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist ({len(condlist)}) and choicelist "
                         f"({len(choicelist)}) must have the same length")
    if not condlist:
        raise ValueError("select: condlist must not be empty")
    choices = promote("select", *choicelist, default,
                      names=[f"choicelist[{i}]" for i in range(len(choicelist))] + ["default"])
    out = choices[-1]
    for cond, choice in zip(reversed(condlist), reversed(choices[:-1])):
        c = as_tensor(cond, "select", "condlist").data.astype(bool)
        out = where(c, choice, out)
    return out


def get_item(x, key):
    """x[key] (Keras' functional indexing)."""
    return getitem(as_tensor(x, "get_item"), key)
