"""Shape manipulation of Keras' `keras.ops.numpy` beyond reshape/transpose/concat: stacking
and splitting families, moveaxis, flips and rotations, roll, diagonals, triangles, meshgrid.

All of them are compositions of the indexing and joining primitives (their gradients come from
GetItem, Concat and Reshape) except `roll`, a primitive of its own.
"""

import builtins

import numpy as np

from ember.autograd import Function
from ember.backend import array_module
from ember.ops.dtypes import as_tensor, promote
from ember.ops.elementwise import where
from ember.ops.shaping import broadcast_to, concat, getitem, reshape, split, transpose
from ember.tensor import Tensor


class Roll(Function):
    """y = x shifted cyclically by `shift` along `axis` (flattened when None);
    gx = gy shifted back."""

    def forward(self, x, shift, axis):
        self.shift, self.axis = shift, axis
        return np.roll(x, shift, axis)

    def backward(self, gy):
        back = tuple(-int(s) for s in self.shift) if np.ndim(self.shift) else -self.shift
        return np.roll(gy, back, self.axis), None, None


def _tensors(xs, op):
    if isinstance(xs, Tensor | np.ndarray):
        xs = list(xs)
    return promote(op, *xs, names=[f"xs[{i}]" for i in range(len(xs))]) if xs else []


def concatenate(xs, axis=0):
    """Join tensors along an existing axis (all of them flattened when axis is None).

    >>> import ember
    >>> ember.ops.concatenate([ember.ops.ones((1, 2)), ember.ops.zeros((1, 2))]).shape
    (2, 2)
    """
    xs = _tensors(xs, "concatenate")
    if axis is None:
        xs = [reshape(x, (-1,)) for x in xs]
        axis = 0
    return concat(xs, axis)


def append(x1, x2, axis=None):
    """x2 joined after x1 along `axis` (both flattened when None)."""
    return concatenate(promote("append", x1, x2), axis)


def _atleast(x, n):
    if n == 2 and x.ndim < 2:
        return reshape(x, (1, -1) if x.ndim else (1, 1))
    if n == 3 and x.ndim < 3:
        return reshape(x, (1, -1, 1) if x.ndim < 2 else x.shape + (1,)) if x.ndim else \
            reshape(x, (1, 1, 1))
    return x


def hstack(xs):
    """Join along axis 1 (axis 0 for 1-D tensors)."""
    xs = _tensors(xs, "hstack")
    return concat(xs, 0 if xs and xs[0].ndim <= 1 else 1)


def vstack(xs):
    """Join along axis 0, 1-D tensors as rows."""
    return concat([_atleast(x, 2) for x in _tensors(xs, "vstack")], 0)


def dstack(xs):
    """Join along axis 2, lower-rank tensors lifted to (1, n, 1) / (m, n, 1)."""
    return concat([_atleast(x, 3) for x in _tensors(xs, "dstack")], 2)


def array_split(x, indices_or_sections, axis=0):
    """Split into sections that may differ by one in length (the first ones longer)."""
    x = as_tensor(x, "array_split")
    if isinstance(indices_or_sections, int | np.integer):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError(f"array_split: the number of sections must be > 0; received {k}")
        n = x.shape[axis]
        q, r = divmod(n, k)
        bounds = np.cumsum([q + 1] * r + [q] * (k - r))[:-1]
        return split(x, [int(b) for b in bounds], axis)
    return split(x, indices_or_sections, axis)


def hsplit(x, indices_or_sections):
    """`split` along axis 1 (axis 0 for 1-D tensors)."""
    x = as_tensor(x, "hsplit")
    return split(x, indices_or_sections, 0 if x.ndim == 1 else 1)


def vsplit(x, indices_or_sections):
    """`split` along axis 0."""
    return split(as_tensor(x, "vsplit"), indices_or_sections, 0)


def dsplit(x, indices_or_sections):
    """`split` along axis 2."""
    return split(as_tensor(x, "dsplit"), indices_or_sections, 2)


def moveaxis(x, source, destination):
    """Move axes to new positions, the others keeping their order."""
    x = as_tensor(x, "moveaxis")
    return transpose(x, _moved_axes(x.ndim, source, destination))


def _moved_axes(ndim, source, destination):
    src = [s % ndim for s in np.atleast_1d(source)]
    dst = [d % ndim for d in np.atleast_1d(destination)]
    rest = [a for a in range(ndim) if a not in src]
    order = [None] * ndim
    for s, d in zip(src, dst):
        order[d] = s
    it = iter(rest)
    return [next(it) if o is None else o for o in order]


def ravel(x):
    """All values as one axis."""
    return reshape(as_tensor(x, "ravel"), (-1,))


def flip(x, axis=None):
    """Reverse the order of the elements along `axis` (every axis when None)."""
    x = as_tensor(x, "flip")
    axes = range(x.ndim) if axis is None else [a % x.ndim for a in np.atleast_1d(axis)]
    key = tuple(builtins.slice(None, None, -1) if a in axes else builtins.slice(None)
                for a in range(x.ndim))
    return getitem(x, key)


def fliplr(x):
    """Reverse axis 1."""
    return flip(as_tensor(x, "fliplr"), 1)


def flipud(x):
    """Reverse axis 0."""
    return flip(as_tensor(x, "flipud"), 0)


def rot90(array, k=1, axes=(0, 1)):
    """Rotate by 90 degrees k times in the plane of `axes` (from the first towards the
    second)."""
    x = as_tensor(array, "rot90")
    a0, a1 = (a % x.ndim for a in axes)
    k %= 4
    if k == 0:
        return x
    if k == 2:
        return flip(x, (a0, a1))
    perm = list(range(x.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    return transpose(flip(x, a1), perm) if k == 1 else flip(transpose(x, perm), a1)


def roll(x, shift, axis=None):
    """Shift elements cyclically along `axis` (the flattened tensor when None)."""
    return Roll.apply(as_tensor(x, "roll"), shift, axis)


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal of the (axis1, axis2) planes, as the last axis (NumPy's layout)."""
    x = as_tensor(x, "diagonal")
    a1, a2 = axis1 % x.ndim, axis2 % x.ndim
    rest = [a for a in range(x.ndim) if a not in (a1, a2)]
    xt = transpose(x, rest + [a1, a2])
    n1, n2 = x.shape[a1], x.shape[a2]
    i = np.arange(builtins.max(0, -offset), builtins.min(n1, n2 - offset))
    return getitem(xt, (Ellipsis, i, i + offset))


def trace(x, offset=0, axis1=0, axis2=1):
    """Sum of the diagonal of the (axis1, axis2) planes."""
    from ember.ops.reduce import sum as _sum  # noqa: PLC0415

    x = as_tensor(x, "trace")
    return _sum(diagonal(x, offset, axis1, axis2), -1)


def diag(x, k=0):
    """A 1-D x as the k-th diagonal of a square matrix, or the k-th diagonal of a 2-D x."""
    from ember.ops.basics import scatter  # noqa: PLC0415

    x = as_tensor(x, "diag")
    if x.ndim == 2:
        return diagonal(x, k)
    if x.ndim != 1:
        raise ValueError(f"diag: x must be 1-D or 2-D; received shape {x.shape}")
    n = x.shape[0] + builtins.abs(k)
    i = np.arange(x.shape[0])
    rows, cols = (i, i + k) if k >= 0 else (i - k, i)
    return scatter(np.stack([rows, cols], axis=-1), x, (n, n))


def diagflat(x, k=0):
    """The flattened x on the k-th diagonal of a square matrix."""
    return diag(ravel(as_tensor(x, "diagflat")), k)


def _tri_mask(x, k, lower):
    n, m = x.shape[-2], x.shape[-1]
    mask = np.tri(n, m, k, dtype=bool)
    return mask if lower else ~np.tri(n, m, k - 1, dtype=bool)


def tril(x, k=0):
    """x with the elements above the k-th diagonal (of the last two axes) set to 0."""
    x = as_tensor(x, "tril")
    return where(_tri_mask(x, k, True), x, np.zeros((), x.dtype))


def triu(x, k=0):
    """x with the elements below the k-th diagonal (of the last two axes) set to 0."""
    x = as_tensor(x, "triu")
    return where(_tri_mask(x, k, False), x, np.zeros((), x.dtype))


def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D tensors ("xy": Cartesian, the first two axes swapped;
    "ij": matrix indexing)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij'; received {indexing!r}")
    xs = [ravel(as_tensor(v, "meshgrid", f"x[{i}]")) for i, v in enumerate(x)]
    shape = [v.shape[0] for v in xs]
    if indexing == "xy" and len(xs) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, v in enumerate(xs):
        pos = i
        if indexing == "xy" and len(xs) >= 2 and i < 2:
            pos = 1 - i
        view = [1] * len(xs)
        view[pos] = v.shape[0]
        out.append(broadcast_to(reshape(v, view), shape))
    return out


def size(x):
    """The number of elements of x (a Python int)."""
    return int(as_tensor(x, "size").size)


def ndim(x):
    """The number of axes of x (a Python int)."""
    return int(as_tensor(x, "ndim").ndim)


def view(x, dtype=None):
    """The bytes of x reinterpreted as `dtype` (the last axis rescaled as needed); not
    differentiated."""
    x = as_tensor(x, "view")
    if dtype is None:
        return x
    return Tensor._wrap(array_module(x.data).ascontiguousarray(x.data).view(np.dtype(dtype)))
