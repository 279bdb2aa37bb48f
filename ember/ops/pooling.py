"""Pooling, channels-last: max and average pooling (1-D and 2-D) and the global poolings.

Windows of `pool_size` slide by `strides` (defaulting to `pool_size`) over the input, padded
for "same" as TensorFlow does (output ceil(n / s), extra cell at the bottom/right); padded cells
never win a max and are not counted by the average (Keras/TensorFlow semantics).

Both pools run as a loop over the window's taps: tap (i, j) reads one strided
(N, Ho, Wo, C) view of the input, so each step is one vectorised ufunc call and nothing is
copied into a patch matrix. The max pool keeps, per output, the index of its winning tap (one
byte), not the input.

Ties in a max window: the gradient goes to ONE element, the first maximum in row-major order
of the window (top row first, left to right), as PyTorch and TensorFlow do; the others get 0.
The global poolings are reductions (`ember.ops.mean`/`ember.ops.max`), as in Keras; the global
max therefore shares a tie's gradient equally between the tied elements, like
TensorFlow's reduce_max.
"""

import numpy as np

from ember.autograd import Function
from ember.backend import array_module
from ember.ops.conv_geometry import int_tuple, output_length, same_pads
from ember.ops.convolution import as_tensor, check_rank
from ember.ops.reduce import max as reduce_max
from ember.ops.reduce import mean
from ember.ops.shaping import reshape


class PoolGeometry:
    """Sizes of a 2-D pooling, with `pads` = (top, bottom, left, right)."""

    __slots__ = ("N", "H", "W", "C", "ph", "pw", "sh", "sw", "pads", "Ho", "Wo", "Hp", "Wp",
                 "op")

    def __init__(self, shape, pool, strides, padding, op):
        self.N, self.H, self.W, self.C = shape
        self.ph, self.pw = pool
        self.sh, self.sw = strides
        self.op = op
        if padding == "same":
            (top, bottom), (left, right) = (same_pads(n, k, s) for n, k, s in
                                            zip((self.H, self.W), pool, strides))
        else:
            top = bottom = left = right = 0
        self.pads = (top, bottom, left, right)
        self.Ho = output_length(self.H, self.ph, self.sh, 1, top, bottom, op, "height")
        self.Wo = output_length(self.W, self.pw, self.sw, 1, left, right, op, "width")
        self.Hp = (self.Ho - 1) * self.sh + self.ph
        self.Wp = (self.Wo - 1) * self.sw + self.pw

    @property
    def tiled(self):
        """Windows that never overlap (stride >= window): each cell belongs to one window."""
        return self.sh >= self.ph and self.sw >= self.pw

    @property
    def in_place(self):
        """No cell of padding is read: windows can be read from x itself."""
        top, _, left, _ = self.pads
        return top == 0 and left == 0 and self.Hp <= self.H and self.Wp <= self.W

    def padded(self, x, fill):
        """x inside a (N, Hp, Wp, C) buffer filled with `fill` (x itself when unpadded)."""
        if self.in_place:
            return x
        top, _, left, _ = self.pads
        xp = array_module(x).full((x.shape[0], self.Hp, self.Wp, self.C), fill, x.dtype)
        h = min(self.H, self.Hp - top)
        w = min(self.W, self.Wp - left)
        xp[:, top:top + h, left:left + w] = x[:, :h, :w]
        return xp

    def unpad(self, gp):
        """The gradient of x from the gradient of its padded buffer."""
        if self.in_place and gp.shape[1:3] == (self.H, self.W):
            return gp
        top, _, left, _ = self.pads
        gx = array_module(gp).zeros((gp.shape[0], self.H, self.W, self.C), gp.dtype)
        h = min(self.H, gp.shape[1] - top)
        w = min(self.W, gp.shape[2] - left)
        gx[:, :h, :w] = gp[:, top:top + h, left:left + w]
        return gx

    @property
    def exact_tiling(self):
        """Windows side by side covering x exactly: every cell in exactly one window."""
        return ((self.sh, self.sw) == (self.ph, self.pw) and self.in_place
                and (self.Ho * self.ph, self.Wo * self.pw) == (self.H, self.W))

    def grad_buffer(self, n, dtype, mod=np):
        """The gradient buffer for the cells the windows read (x's shape when read in place):
        zeros, or uninitialised when the windows tile x exactly (every cell gets written)."""
        make = mod.empty if self.exact_tiling else mod.zeros
        if self.in_place:
            return make((n, self.H, self.W, self.C), dtype)
        return make((n, self.Hp, self.Wp, self.C), dtype)

    def taps(self):
        """Row-major (i, j) positions in the window."""
        return [(i, j) for i in range(self.ph) for j in range(self.pw)]

    def view(self, xp, i, j):
        """The (N, Ho, Wo, C) cells tap (i, j) of every window reads (a strided view)."""
        return xp[:, i: i + self.sh * (self.Ho - 1) + 1: self.sh,
                  j: j + self.sw * (self.Wo - 1) + 1: self.sw]

    def counts(self, dtype, mod=np):
        """Real (unpadded) cells per window, (Ho, Wo, 1); separable in rows and columns."""
        top, _, left, _ = self.pads
        rows = [min(o * self.sh - top + self.ph, self.H) - max(o * self.sh - top, 0)
                for o in range(self.Ho)]
        cols = [min(o * self.sw - left + self.pw, self.W) - max(o * self.sw - left, 0)
                for o in range(self.Wo)]
        return (mod.asarray(rows, dtype)[:, None] * mod.asarray(cols, dtype)[None, :])[..., None]


def _pool_geometry(x, pool_size, strides, padding, op):
    check_rank(x, 4, op)
    pool = int_tuple(pool_size, 2, "pool_size", op)
    strides = pool if strides is None else int_tuple(strides, 2, "strides", op)
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same'; received {padding!r}")
    return PoolGeometry(x.shape, pool, strides, padding.lower(), op)


class MaxPool2D(Function):
    """y[n, ho, wo, c] = max over the window of xp (padded cells are -inf).

    gx = gy routed to the window's first maximum in row-major order (one cell per window;
    overlapping windows add), 0 elsewhere. Only the winning tap's index is kept.
    """

    def forward(self, x, geo):
        xp = geo.padded(x, -np.inf)
        taps = geo.taps()
        shape = (x.shape[0], geo.Ho, geo.Wo, geo.C)
        itype = np.uint8 if len(taps) < 256 else np.int32
        mod = array_module(x)
        idx = mod.zeros(shape, itype)
        y = geo.view(xp, *taps[0]).copy()
        win = mod.empty(shape, np.bool_)
        step = mod.empty(shape, itype)
        for t, (i, j) in enumerate(taps[1:], start=1):
            v = geo.view(xp, i, j)
            mod.greater(v, y, out=win)  # strict: an equal later value never takes over
            mod.maximum(y, v, out=y)  # (propagates NaN, as PyTorch does)
            # idx = t where this tap wins. Taps come in increasing t, so a max does it
            # without a branchy masked store (several times faster on random masks).
            mod.multiply(win, itype(t), out=step)
            mod.maximum(idx, step, out=idx)
        self.geo = geo
        self.save_for_backward(idx)
        return y

    def backward(self, gy):
        (idx,) = self.saved
        geo = self.geo
        mod = array_module(gy)
        gp = geo.grad_buffer(gy.shape[0], gy.dtype, mod)
        hit = mod.empty(idx.shape, np.bool_)
        part = None if geo.tiled else mod.empty(gy.shape, gy.dtype)
        for t, (i, j) in enumerate(geo.taps()):
            mod.equal(idx, t, out=hit)
            dst = geo.view(gp, i, j)
            # gy * mask rather than a masked copy (branch-free, several times faster); a
            # non-finite gy would spread as NaN over its window, which is moot for training.
            if geo.tiled:  # each cell in one window: plain writes
                mod.multiply(gy, hit, out=dst)
            else:
                mod.multiply(gy, hit, out=part)
                mod.add(dst, part, out=dst)
        return geo.unpad(gp), None


class AvgPool2D(Function):
    """y = sum over the window of x / (number of real cells in the window).

    gx = gy / count spread evenly over the window's real cells (overlapping windows add).
    """

    def forward(self, x, geo):
        xp = geo.padded(x, 0)
        taps = geo.taps()
        mod = array_module(x)
        y = geo.view(xp, *taps[0]).copy()
        for i, j in taps[1:]:
            mod.add(y, geo.view(xp, i, j), out=y)
        if any(geo.pads):
            self.scale = 1 / geo.counts(y.dtype, mod)
        else:
            self.scale = y.dtype.type(1 / (geo.ph * geo.pw))
        y *= self.scale
        self.geo = geo
        return y

    def backward(self, gy):
        geo = self.geo
        g = gy * self.scale
        mod = array_module(gy)
        if geo.exact_tiling:
            # Exact tiling: one broadcast write fills every cell of x.
            gx = mod.empty((gy.shape[0], geo.H, geo.W, geo.C), gy.dtype)
            gx.reshape(gy.shape[0], geo.Ho, geo.ph, geo.Wo, geo.pw, geo.C)[...] = \
                g[:, :, None, :, None, :]
            return gx, None
        gp = geo.grad_buffer(gy.shape[0], gy.dtype, mod)
        for i, j in geo.taps():
            dst = geo.view(gp, i, j)
            if geo.tiled:
                dst[...] = g
            else:
                mod.add(dst, g, out=dst)
        return geo.unpad(gp), None


# ------------------------------------------------------------------------------------ public
def max_pool2d(x, pool_size=(2, 2), strides=None, padding="valid"):
    """Max pooling of channels-last images (Keras' MaxPooling2D).

    y[n, ho, wo, c] = max_{i<ph, j<pw} xp[n, ho*sh + i, wo*sw + j, c]; output size as a
    convolution's with kernel = pool_size ("same": ceil(n / s), padded cells never win).
    Gradient: to the first maximum of each window in row-major order (ties: one element gets
    it all, as in PyTorch and TensorFlow).

    Args:
        x: (N, H, W, C).
        pool_size: int or (ph, pw). Defaults to (2, 2).
        strides: int, pair or None (= pool_size). Defaults to None.
        padding: "valid" or "same". Defaults to "valid".

    >>> import numpy as np, ember
    >>> x = ember.tensor(np.arange(16.0).reshape(1, 4, 4, 1))
    >>> from ember.ops.pooling import max_pool2d
    >>> max_pool2d(x).numpy()[0, ..., 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    """
    x = as_tensor(x)
    return MaxPool2D.apply(x, _pool_geometry(x, pool_size, strides, padding, "max_pool2d"))


def avg_pool2d(x, pool_size=(2, 2), strides=None, padding="valid"):
    """Average pooling of channels-last images (Keras' AveragePooling2D).

    y = the mean of each window's real cells: with "same" padding the padded cells are not
    counted (a corner window of 2x2 real cells out of 3x3 divides by 4), as Keras/TensorFlow.
    Gradient: gy / count to each real cell of the window.

    Args:
        x: (N, H, W, C).
        pool_size: int or (ph, pw). Defaults to (2, 2).
        strides: int, pair or None (= pool_size). Defaults to None.
        padding: "valid" or "same". Defaults to "valid".

    >>> import numpy as np, ember
    >>> x = ember.tensor(np.arange(16.0).reshape(1, 4, 4, 1))
    >>> from ember.ops.pooling import avg_pool2d
    >>> avg_pool2d(x).numpy()[0, ..., 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    x = as_tensor(x)
    return AvgPool2D.apply(x, _pool_geometry(x, pool_size, strides, padding, "avg_pool2d"))


def _pool1d(cls, x, pool_size, strides, padding, op):
    x = as_tensor(x)
    check_rank(x, 3, op)
    (p,) = int_tuple(pool_size, 1, "pool_size", op)
    (s,) = (p,) if strides is None else int_tuple(strides, 1, "strides", op)
    x4 = reshape(x, (x.shape[0], 1) + x.shape[1:])
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same'; received {padding!r}")
    geo = PoolGeometry(x4.shape, (1, p), (1, s), padding.lower(), op)
    y = cls.apply(x4, geo)
    return reshape(y, (y.shape[0],) + y.shape[2:])


def max_pool1d(x, pool_size=2, strides=None, padding="valid"):
    """Max pooling of channels-last sequences (N, L, C) (Keras' MaxPooling1D); ties as in
    `max_pool2d`.

    >>> import ember
    >>> from ember.ops.pooling import max_pool1d
    >>> max_pool1d(ember.tensor([[[1.0], [3.0], [2.0], [0.0]]])).numpy()[0, :, 0]
    array([3., 2.], dtype=float32)
    """
    return _pool1d(MaxPool2D, x, pool_size, strides, padding, "max_pool1d")


def avg_pool1d(x, pool_size=2, strides=None, padding="valid"):
    """Average pooling of channels-last sequences (N, L, C) (Keras' AveragePooling1D).

    >>> import ember
    >>> from ember.ops.pooling import avg_pool1d
    >>> avg_pool1d(ember.tensor([[[1.0], [3.0], [2.0], [0.0]]])).numpy()[0, :, 0]
    array([2., 1.], dtype=float32)
    """
    return _pool1d(AvgPool2D, x, pool_size, strides, padding, "avg_pool1d")


def _global(x, rank, op):
    x = as_tensor(x)
    check_rank(x, rank, op)
    return x, tuple(range(1, rank - 1))


def global_avg_pool2d(x, keepdims=False):
    """Mean over height and width: (N, H, W, C) -> (N, C), or (N, 1, 1, C) with keepdims
    (Keras' GlobalAveragePooling2D). Gradient: gy / (H*W) to every cell."""
    x, axes = _global(x, 4, "global_avg_pool2d")
    return mean(x, axis=axes, keepdims=keepdims)


def global_max_pool2d(x, keepdims=False):
    """Max over height and width: (N, H, W, C) -> (N, C), or (N, 1, 1, C) with keepdims
    (Keras' GlobalMaxPooling2D, a reduce-max: tied maxima share the gradient equally)."""
    x, axes = _global(x, 4, "global_max_pool2d")
    return reduce_max(x, axis=axes, keepdims=keepdims)


def global_avg_pool1d(x, keepdims=False):
    """Mean over the steps: (N, L, C) -> (N, C), or (N, 1, C) with keepdims."""
    x, axes = _global(x, 3, "global_avg_pool1d")
    return mean(x, axis=axes, keepdims=keepdims)


def global_max_pool1d(x, keepdims=False):
    """Max over the steps: (N, L, C) -> (N, C), or (N, 1, C) with keepdims (ties share)."""
    x, axes = _global(x, 3, "global_max_pool1d")
    return reduce_max(x, axis=axes, keepdims=keepdims)
