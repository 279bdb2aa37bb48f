"""Keras' core ops on tensors: conversion, dtype and shape queries, slicing, scattering,
unstacking, stop_gradient and einops-style `rearrange`.

`convert_to_tensor` is the one conversion door (`ember.ops.dtypes.as_tensor`): None, strings
and object arrays fail there with the op and argument named.
"""

import builtins
import re

import numpy as np

from ember.autograd import Function
from ember.backend import array_module, as_array, device_key, scatter_add, to_host
from ember.ops.dtypes import as_tensor, standardize_dtype
from ember.ops.elementwise import cast as _cast
from ember.ops.shaping import getitem, reshape, transpose
from ember.tensor import Tensor


class Scatter(Function):
    """y = zeros(shape) with values added at the index tuples (duplicates sum);
    gvalues = gy gathered at the indices."""

    def forward(self, values, idx, shape):
        xp = array_module(values)
        self.idx = idx = device_key(idx, xp)  # host index arrays go to the values' device
        y = xp.zeros(shape, dtype=values.dtype)
        scatter_add(y, idx, values)
        return y

    def backward(self, gy):
        return gy[self.idx], None, None


class ScatterUpdate(Function):
    """y = x with updates written at the index tuples (the last write of a duplicate wins);
    gx = gy with the written places zeroed, gupdates = gy at the indices (each duplicate gets
    the gradient only where it won)."""

    def forward(self, x, updates, idx, reduction):
        idx = device_key(idx, array_module(x))  # host index arrays go to x's device
        self.idx, self.reduction = idx, reduction
        y = x.copy()
        updates = np.broadcast_to(updates, y[idx].shape)
        self.ushape = updates.shape
        if reduction is None:
            y[idx] = updates
        else:
            scatter_add(y, idx, updates)
        return y

    def backward(self, gy):
        gu = gy[self.idx]
        if self.reduction is None:
            gx = array_module(gy).array(gy, copy=True)  # gy may be a NumPy scalar (0-d)
            gx[self.idx] = 0
            # duplicates: only the last write of each position reaches the output
            if self.idx and np.ndim(self.idx[0]) == 1:
                rows = np.stack(self.idx, axis=-1)  # (N, k) index tuples
                if len(np.unique(rows, axis=0)) != len(rows):
                    last = np.zeros_like(rows[:, 0], dtype=bool)
                    _, pos = np.unique(rows[::-1], axis=0, return_index=True)
                    last[len(rows) - 1 - pos] = True
                    gu = gu * last.reshape((-1,) + (1,) * (gu.ndim - 1))
        else:
            gx = gy
        return gx, gu, None, None


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """`x` as a Tensor (a Tensor passes through unless `dtype` asks for a cast).

    float64 NumPy data becomes float32 (`floatx()`) unless `dtype` is given; integer and bool
    data keep their dtype. `sparse`/`ragged` are accepted for Keras compatibility (ember tensors
    are dense; True raises).

    >>> import ember
    >>> ember.ops.convert_to_tensor([1.0, 2.0]).dtype
    dtype('float32')
    """
    if sparse or ragged:
        raise ValueError("convert_to_tensor: ember tensors are dense; sparse=True and "
                         f"ragged=True are not supported (received sparse={sparse}, "
                         f"ragged={ragged})")
    return as_tensor(x, "convert_to_tensor", "x",
                     None if dtype is None else standardize_dtype(dtype))


def convert_to_numpy(x):
    """The values of `x` as a NumPy array (a copy for tensors).

    >>> import ember
    >>> ember.ops.convert_to_numpy(ember.ops.ones((2,)))
    array([1., 1.], dtype=float32)
    """
    if isinstance(x, Tensor):
        return x.numpy()
    return to_host(as_tensor(x, "convert_to_numpy").data)  # the explicit device -> host copy


def is_tensor(x):
    """True for ember Tensors (and Variables), False for NumPy arrays and Python values.

    >>> import ember, numpy as np
    >>> ember.ops.is_tensor(ember.ops.ones(2)), ember.ops.is_tensor(np.ones(2))
    (True, False)
    """
    return isinstance(x, Tensor)


def dtype(x):
    """The dtype of `x` as Keras' standardized name (a string such as "float32").

    >>> import ember
    >>> ember.ops.dtype(ember.ops.ones(2))
    'float32'
    """
    return as_tensor(x, "dtype").dtype.name


def shape(x):
    """The shape of `x` as a tuple of Python ints.

    >>> import ember
    >>> ember.ops.shape(ember.ops.zeros((2, 3)))
    (2, 3)
    """
    return tuple(int(n) for n in as_tensor(x, "shape").shape)


def cast(x, dtype):
    """Convert `x` to `dtype`; the gradient flows back between float dtypes (integer and bool
    results are not differentiated).

    >>> import ember
    >>> ember.ops.cast(ember.ops.ones(2), "int32").dtype
    dtype('int32')
    """
    return _cast(as_tensor(x, "cast"), standardize_dtype(dtype))


def saturate_cast(x, dtype):
    """Cast with the values first clipped to the range of `dtype` (no wrap-around).

    >>> import ember
    >>> ember.ops.saturate_cast(ember.tensor([-1.0, 300.0]), "uint8").numpy()
    array([  0, 255], dtype=uint8)
    """
    from ember.ops.elementwise import clip  # noqa: PLC0415

    x = as_tensor(x, "saturate_cast")
    dt = standardize_dtype(dtype)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lo, hi = info.min, info.max
        if x.dtype.kind == "f":  # the float nearest the bound that still fits
            # Python comparisons: NumPy would round the int bound to x's dtype first
            flo, fhi = np.asarray(lo, x.dtype), np.asarray(hi, x.dtype)
            lo = np.nextafter(flo, np.zeros_like(flo)) if float(flo) < lo else flo
            hi = np.nextafter(fhi, np.zeros_like(fhi)) if float(fhi) > hi else fhi
        elif x.dtype.kind in "iu":
            src = np.iinfo(x.dtype)
            lo, hi = builtins.max(lo, src.min), builtins.min(hi, src.max)
        x = clip(x, lo, hi)
    elif dt.kind == "f" and x.dtype.kind == "f" and dt.itemsize < x.dtype.itemsize:
        info = np.finfo(dt)
        x = clip(x, float(info.min), float(info.max))
    return cast(x, dt)


def _starts(start_indices, ndim, op):
    # slice bounds are Python ints: device start indices are read on the host (unavoidable)
    s = to_host(start_indices.data if isinstance(start_indices, Tensor) else start_indices)
    if s.shape != (ndim,):
        raise ValueError(f"{op}: start_indices must hold one index per axis ({ndim}); "
                         f"received {s.tolist()}")
    return [int(i) for i in s]


def slice(inputs, start_indices, shape):  # noqa: A001  (Keras' name)
    """The block of `inputs` of size `shape` starting at `start_indices`.

    >>> import ember, numpy as np
    >>> ember.ops.slice(np.arange(12.0).reshape(3, 4), (1, 1), (2, 2)).numpy()
    array([[ 5.,  6.],
           [ 9., 10.]], dtype=float32)
    """
    x = as_tensor(inputs, "slice", "inputs")
    starts = _starts(start_indices, x.ndim, "slice")
    sizes = [int(n) for n in shape]
    key = tuple(builtins.slice(s, s + (n if n >= 0 else d - s))
                for s, n, d in zip(starts, sizes, x.shape))
    return getitem(x, key)


def slice_update(inputs, start_indices, updates):
    """`inputs` with the block starting at `start_indices` replaced by `updates`.

    >>> import ember, numpy as np
    >>> ember.ops.slice_update(np.zeros((2, 3)), (0, 1), np.ones((1, 2))).numpy()
    array([[0., 1., 1.],
           [0., 0., 0.]], dtype=float32)
    """
    x = as_tensor(inputs, "slice_update", "inputs")
    u = as_tensor(updates, "slice_update", "updates", dtype=x.dtype)
    starts = _starts(start_indices, x.ndim, "slice_update")
    key = tuple(builtins.slice(s, s + n) for s, n in zip(starts, u.shape))
    idx = np.ix_(*[np.arange(x.shape[a])[k] for a, k in enumerate(key)]) if x.ndim else ()
    return ScatterUpdate.apply(x, u, idx, None)


def _index_tuples(indices, op):
    ind = as_array(indices.data if isinstance(indices, Tensor) else indices)
    if ind.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers; received dtype {ind.dtype}")
    if ind.ndim < 1:
        raise ValueError(f"{op}: indices must have shape (..., k); received shape {ind.shape}")
    return tuple(ind[..., j] for j in range(ind.shape[-1]))


def scatter(indices, values, shape):
    """A tensor of zeros of `shape` with `values` added at `indices` (index tuples along the
    last axis of `indices`; duplicates are summed, as Keras).

    >>> import ember, numpy as np
    >>> ember.ops.scatter(np.array([[0], [2], [0]]), np.array([1.0, 2.0, 3.0]), (4,)).numpy()
    array([4., 0., 2., 0.], dtype=float32)
    """
    v = as_tensor(values, "scatter", "values")
    idx = _index_tuples(indices, "scatter")
    return Scatter.apply(v, idx, tuple(int(n) for n in shape))


def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written at `indices` (index tuples along the last axis).

    Args:
        reduction: None replaces the values; "add" adds to them (duplicates accumulate).

    >>> import ember, numpy as np
    >>> ember.ops.scatter_update(np.zeros(3), np.array([[1]]), np.array([5.0])).numpy()
    array([0., 5., 0.], dtype=float32)
    """
    if reduction not in (None, "add"):
        raise ValueError(f"scatter_update: reduction must be None or 'add'; received "
                         f"{reduction!r}")
    x = as_tensor(inputs, "scatter_update", "inputs")
    u = as_tensor(updates, "scatter_update", "updates", dtype=x.dtype)
    return ScatterUpdate.apply(x, u, _index_tuples(indices, "scatter_update"), reduction)


def stop_gradient(variable):
    """The same values, cut from the graph: no gradient flows through the result.

    >>> import ember
    >>> ember.ops.stop_gradient(ember.Variable([1.0])).requires_grad
    False
    """
    return as_tensor(variable, "stop_gradient", "variable").detach()


def unstack(x, num=None, axis=0):
    """The slices of `x` along `axis`, as a list.

    >>> import ember
    >>> [t.shape for t in ember.ops.unstack(ember.ops.zeros((2, 3)), axis=1)]
    [(2,), (2,), (2,)]
    """
    x = as_tensor(x, "unstack")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"unstack: axis {axis} is out of range for a tensor of shape {x.shape}")
    n = x.shape[axis]
    if num is not None and num != n:
        raise ValueError(f"unstack: num={num} does not match axis {axis} of shape {x.shape}")
    lead = (builtins.slice(None),) * (axis % x.ndim)
    return [getitem(x, (*lead, i)) for i in range(n)]


def _groups(side):
    return [g.strip("()").split() if g.startswith("(") else [g]
            for g in re.findall(r"\w+|\(.*?\)", side)]


def rearrange(tensor, pattern, **axes_lengths):
    """Move, merge and split axes with an einops pattern such as "b h w c -> b (h w) c".

    Args:
        tensor: the input.
        pattern: "input axes -> output axes"; parentheses group axes that are merged (output)
            or split (input, with the sizes given in `axes_lengths`).
        **axes_lengths: sizes of split axes.

    >>> import ember
    >>> ember.ops.rearrange(ember.ops.zeros((2, 6, 3)), "b (h w) c -> b c h w", h=2).shape
    (2, 3, 2, 3)
    """
    x = as_tensor(tensor, "rearrange", "tensor")
    try:
        left, right = re.split(r"\s*->\s*", pattern)
    except ValueError:
        raise ValueError(f"rearrange: pattern must contain one '->'; received {pattern!r}") \
            from None
    ins, outs = _groups(left), _groups(right)
    if len(ins) != x.ndim:
        raise ValueError(f"rearrange: pattern {pattern!r} names {len(ins)} axes; the tensor has "
                         f"shape {x.shape}")
    sizes = dict(axes_lengths)
    for group, n in zip(ins, x.shape):
        unknown = [a for a in group if a not in sizes]
        known = int(np.prod([sizes[a] for a in group if a in sizes]))
        if len(unknown) > 1:
            raise ValueError(f"rearrange: cannot infer the sizes of {unknown} in {pattern!r}")
        if unknown:
            sizes[unknown[0]] = n // known if known else 0
        if int(np.prod([sizes[a] for a in group])) != n:
            raise ValueError(f"rearrange: axes {group} of sizes {[sizes[a] for a in group]} do "
                             f"not multiply to {n} in {pattern!r}")
    flat_in = [a for g in ins for a in g]
    flat_out = [a for g in outs for a in g]
    if sorted(flat_in) != sorted(flat_out):
        raise ValueError(f"rearrange: the two sides of {pattern!r} must name the same axes")
    y = reshape(x, [sizes[a] for a in flat_in])
    y = transpose(y, [flat_in.index(a) for a in flat_out])
    return reshape(y, [int(np.prod([sizes[a] for a in g])) for g in outs])
