"""Shape ops: reshape, transpose, broadcast, indexing, joining and splitting, pad, repeat, tile.

Their backward passes only move gradients around; the only one that adds is indexing with
integer arrays, where repeated indices accumulate (`np.add.at`).
"""

import numpy as np

from ember import backend
from ember.autograd import Function, unbroadcast
from ember.tensor import Tensor


def _as_tensor(x, op="op", arg="x"):
    from ember.ops.dtypes import as_tensor  # noqa: PLC0415  (dtypes needs elementwise)

    return x if isinstance(x, Tensor) else as_tensor(x, op, arg)


class Reshape(Function):
    """y = x viewed with a new shape;  gx = gy reshaped back."""

    def forward(self, x, shape):
        self.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                f"into shape {tuple(shape) if not isinstance(shape, int) else (shape,)}"
            ) from None

    def backward(self, gy):
        return gy.reshape(self.shape), None


class Transpose(Function):
    """y = x with axes permuted;  gx = gy with the inverse permutation."""

    def forward(self, x, axes):
        if axes is not None and (any(not -x.ndim <= a < x.ndim for a in axes)
                                 or sorted(a % x.ndim for a in axes) != list(range(x.ndim))):
            raise ValueError(f"transpose: axes {tuple(axes)} are not a permutation of the "
                             f"{x.ndim} axes of a tensor of shape {x.shape}")
        self.axes = axes
        return np.transpose(x, axes)

    def backward(self, gy):
        if self.axes is None:
            return np.transpose(gy), None
        return np.transpose(gy, np.argsort([a % gy.ndim for a in self.axes])), None


class BroadcastTo(Function):
    """y = x broadcast to `shape`;  gx = gy summed over the broadcast axes."""

    def forward(self, x, shape):
        self.shape = x.shape
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to "
                             f"{tuple(shape)}") from None

    def backward(self, gy):
        return unbroadcast(gy, self.shape), None


def _index_key(key):
    """Tensors inside an index become arrays; say whether integer-array indexing is used."""
    items = key if isinstance(key, tuple) else (key,)
    out = []
    advanced = False
    for k in items:
        if isinstance(k, Tensor):
            k = k.data
        if isinstance(k, list):
            k = np.asarray(k)
        if backend.is_array(k) and k.dtype.kind in "iu":  # host or device index arrays
            advanced = True
        out.append(k)
    return (tuple(out) if isinstance(key, tuple) else out[0]), advanced


class GetItem(Function):
    """y = x[key] (slices, ellipsis, newaxis, integer arrays, boolean masks);
    gx = zeros with gy written (or, for integer arrays, added) at the indexed places."""

    def forward(self, x, key):
        self.key, self.advanced = _index_key(key)
        if type(x) is not np.ndarray:  # index arrays go to the device of x
            self.key = backend.device_key(self.key, backend.array_module(x))
        self.shape = x.shape
        try:
            return x[self.key]
        except IndexError as e:
            raise IndexError(f"getitem: {e} (tensor of shape {x.shape})") from None

    def backward(self, gy):
        gx = backend.array_module(gy).zeros(self.shape, dtype=gy.dtype)
        if self.advanced:
            backend.scatter_add(gx, self.key, gy)
        else:
            gx[self.key] = gy
        return gx, None


class Concat(Function):
    """y = the inputs joined along `axis`;  each gx is its slice of gy."""

    def forward(self, *xs, axis):
        self.axis = axis
        self.sizes = [x.shape[axis] for x in xs]
        try:
            return np.concatenate(xs, axis=axis)
        except ValueError:
            shapes = ", ".join(str(x.shape) for x in xs)
            raise ValueError(f"concat: tensors must have the same shape except on axis "
                             f"{axis}; received shapes {shapes}") from None

    def backward(self, gy):
        return tuple(np.split(gy, np.cumsum(self.sizes)[:-1], axis=self.axis))


class Pad(Function):
    """y = x padded;  constant mode: gx = the interior of gy; edge mode: each padded cell's
    gradient is also added to the edge value it copies."""

    def forward(self, x, pad_width, mode, constant_values):
        self.pads = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
        if (self.pads < 0).any():
            raise ValueError(f"pad: pad widths must be >= 0; received {pad_width}")
        self.mode = mode
        self.shape = x.shape
        if mode == "constant":
            return np.pad(x, self.pads, mode="constant", constant_values=constant_values)
        return np.pad(x, self.pads, mode=mode)

    def backward(self, gy):
        g = gy
        for axis, (before, after) in enumerate(self.pads):
            n = self.shape[axis]
            inner = [slice(None)] * g.ndim
            inner[axis] = slice(before, before + n)
            core = g[tuple(inner)]
            if self.mode == "edge" and (before or after) and n:
                core = core.copy()
                lo = [slice(None)] * g.ndim
                lo[axis] = slice(0, before)
                hi = [slice(None)] * g.ndim
                hi[axis] = slice(before + n, None)
                first = [slice(None)] * g.ndim
                first[axis] = slice(0, 1)
                last = [slice(None)] * g.ndim
                last[axis] = slice(n - 1, n)
                core[tuple(first)] += g[tuple(lo)].sum(axis=axis, keepdims=True)
                core[tuple(last)] += g[tuple(hi)].sum(axis=axis, keepdims=True)
            g = core
        return g, None, None, None


class Repeat(Function):
    """y = each element repeated along `axis`;  gx = the sum of its copies' gradients."""

    def forward(self, x, repeats, axis):
        self.shape = x.shape
        self.axis = axis
        self.repeats = repeats
        try:
            return np.repeat(x, repeats, axis=axis)
        except ValueError:
            raise ValueError(f"repeat: cannot repeat a tensor of shape {x.shape} by repeats "
                             f"{repeats} along axis {axis}") from None

    def backward(self, gy):
        axis = self.axis
        shape = (int(np.prod(self.shape)),) if axis is None else self.shape
        axis = 0 if axis is None else axis % len(shape)
        n = shape[axis]
        if np.ndim(self.repeats) == 0:
            r = int(self.repeats)
            g = gy.reshape(shape[:axis] + (n, r) + shape[axis + 1:]).sum(axis=axis + 1)
        else:
            xp = backend.array_module(gy)
            owner = np.repeat(np.arange(n), np.broadcast_to(self.repeats, (n,)))
            g = xp.zeros(shape, dtype=gy.dtype)
            backend.scatter_add(xp.moveaxis(g, axis, 0), owner, xp.moveaxis(gy, axis, 0))
        return g.reshape(self.shape), None, None


class Tile(Function):
    """y = x tiled `reps` times per axis;  gx = the sum of the tiles' gradients."""

    def forward(self, x, reps):
        reps = (reps,) if isinstance(reps, int | np.integer) else tuple(reps)
        d = max(len(reps), x.ndim)
        self.xshape = (1,) * (d - x.ndim) + x.shape
        self.reps = (1,) * (d - len(reps)) + reps
        self.shape = x.shape
        if any(r < 0 for r in reps):
            raise ValueError(f"tile: reps must be >= 0; received {reps} for a tensor of shape "
                             f"{x.shape}")
        return np.tile(x, reps)

    def backward(self, gy):
        inter = []
        for r, n in zip(self.reps, self.xshape):
            inter += [r, n]
        g = gy.reshape(inter).sum(axis=tuple(range(0, len(inter), 2)))
        return g.reshape(self.shape), None


def reshape(x, newshape):
    """The same values in a new shape (one axis may be -1)."""
    shape = newshape
    x = x if isinstance(x, Tensor) else _as_tensor(x, "reshape")
    return Reshape.apply(x, tuple(int(n) for n in shape)
                         if not isinstance(shape, int | np.integer) else shape)


def transpose(x, axes=None):
    """Permute the axes (reverse them when `axes` is None)."""
    x = x if isinstance(x, Tensor) else _as_tensor(x, "transpose")
    return Transpose.apply(x, None if axes is None else tuple(int(a) for a in axes))


def permute(x, axes):
    """Permute the axes (PyTorch's name for `transpose` with explicit axes)."""
    return transpose(x, axes)


def swapaxes(x, axis1, axis2):
    """Exchange two axes."""
    x = _as_tensor(x, "swapaxes")
    for a in (axis1, axis2):
        if not -x.ndim <= a < x.ndim:
            raise ValueError(f"swapaxes: axis {a} is out of range for a tensor of shape "
                             f"{x.shape}")
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, axes)


def squeeze(x, axis=None):
    """Remove axes of length 1 (all of them when `axis` is None; an int or a tuple)."""
    x = _as_tensor(x, "squeeze")
    axis = tuple(axis) if isinstance(axis, list) else axis
    try:
        shape = np.squeeze(np.empty(x.shape, dtype=np.bool_), axis=axis).shape
    except ValueError:
        raise ValueError(f"squeeze: cannot squeeze axis {axis} of a tensor of shape "
                         f"{x.shape}: its length is not 1") from None
    return reshape(x, shape)


def expand_dims(x, axis):
    """Insert axes of length 1 at `axis` (an int or a tuple)."""
    x = _as_tensor(x, "expand_dims")
    axis = tuple(axis) if isinstance(axis, list) else axis
    try:
        shape = np.expand_dims(np.empty(x.shape, dtype=np.bool_), axis).shape
    except ValueError:  # numpy's AxisError
        raise ValueError(f"expand_dims: axis {axis} is out of range for a tensor of shape "
                         f"{x.shape}") from None
    return reshape(x, shape)


def broadcast_to(x, shape):
    """Broadcast to `shape` (a read-only view); the gradient is summed back."""
    return BroadcastTo.apply(_as_tensor(x, "broadcast_to"), tuple(int(n) for n in shape))


def flatten(x):
    """All values as one axis."""
    return reshape(x, (-1,))


def getitem(x, key):
    """x[key] with NumPy indexing; repeated integer indices accumulate their gradients."""
    return GetItem.apply(x, key)


def _promoted(tensors, op):
    from ember.ops.dtypes import promote  # noqa: PLC0415

    tensors = list(tensors)
    if all(isinstance(t, Tensor) for t in tensors) and len({t.dtype for t in tensors}) <= 1:
        return tensors
    return promote(op, *tensors, names=[f"xs[{i}]" for i in range(len(tensors))])


def concat(tensors, axis=0):
    """Join tensors along an existing axis (ember's name for Keras' `concatenate`)."""
    tensors = _promoted(tensors, "concat")
    if not tensors:
        raise ValueError("concat: received an empty list of tensors")
    return Concat.apply(*tensors, axis=axis)


def stack(x, axis=0):
    """Join tensors of one shape along a new axis."""
    tensors = _promoted(x, "stack")
    if not tensors:
        raise ValueError("stack: received an empty list of tensors")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors must have the same shape; received "
                         f"{', '.join(str(t.shape) for t in tensors)}")
    return concat([expand_dims(t, axis) for t in tensors], axis=axis)


def split(x, indices_or_sections, axis=0):
    """Split into equal sections (an int) or at the given indices (a list), as NumPy."""
    x = _as_tensor(x, "split")
    n = x.shape[axis]
    if isinstance(indices_or_sections, int | np.integer):
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            raise ValueError(f"split: axis {axis} of length {n} cannot be split into {k} "
                             "equal sections")
        bounds = [i * (n // k) for i in range(k + 1)]
    else:
        bounds = [0, *[int(i) for i in indices_or_sections], n]
    lead = (slice(None),) * (axis % x.ndim)
    return [getitem(x, (*lead, slice(a, b))) for a, b in zip(bounds[:-1], bounds[1:])]


_GATHER_MODES = ("reflect", "symmetric", "wrap")


def _pad_index(n, before, after, mode):
    """Source positions of a padded axis for the gather modes."""
    i = np.arange(-before, n + after)
    if mode == "wrap":
        return i % n
    if mode == "reflect":  # mirror without repeating the edge: period 2n - 2
        p = 2 * n - 2
        if p == 0:
            return np.zeros_like(i)
        i = i % p
        return np.where(i < n, i, p - i)
    p = 2 * n  # symmetric: mirror repeating the edge
    i = i % p
    return np.where(i < n, i, p - 1 - i)


def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad x: "constant" (with `constant_values`, 0 by default), "edge", "reflect",
    "symmetric" or "wrap", as np.pad.

    >>> import ember, numpy as np
    >>> ember.ops.pad(np.array([1.0, 2.0, 3.0]), (2, 1), mode="reflect").numpy()
    array([3., 2., 1., 2., 3., 2.], dtype=float32)
    """
    x = _as_tensor(x, "pad")
    if mode in _GATHER_MODES:
        pads = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
        if (pads < 0).any():
            raise ValueError(f"pad: pad widths must be >= 0; received {pad_width}")
        out = x
        for axis, (before, after) in enumerate(pads):
            if before or after:
                if x.shape[axis] == 0:
                    raise ValueError(f"pad: cannot {mode}-pad the empty axis {axis} of shape "
                                     f"{x.shape}")
                idx = _pad_index(x.shape[axis], int(before), int(after), mode)
                out = getitem(out, (slice(None),) * axis + (idx,))
        return out
    if mode not in ("constant", "edge"):
        raise ValueError("pad: mode must be 'constant', 'edge', 'reflect', 'symmetric' or "
                         f"'wrap'; received {mode!r}")
    if constant_values is not None and mode != "constant":
        raise ValueError(f"pad: constant_values is only for mode='constant'; received mode "
                         f"{mode!r}")
    return Pad.apply(x, pad_width, mode, 0 if constant_values is None else constant_values)


def repeat(x, repeats, axis=None):
    """Repeat each element `repeats` times along `axis` (flattened when None), as np.repeat."""
    if isinstance(repeats, Tensor):
        repeats = repeats.data
    return Repeat.apply(_as_tensor(x, "repeat"), repeats, axis)


def tile(x, repeats):
    """Repeat the whole tensor `repeats` times along each axis, as np.tile."""
    return Tile.apply(_as_tensor(x, "tile"), repeats)
