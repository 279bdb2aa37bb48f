"""Keras' `ops.unfold` / `ops.fold` (PyTorch's Unfold/Fold on NCHW images): each is the
other's adjoint, so each primitive's backward is the other's forward.

unfold: (N, C, H, W) -> (N, C kh kw, L), column l holding the block at output position l;
fold: (N, C kh kw, L) -> (N, C, oh, ow), summing overlapping blocks.
"""

import numpy as np

from ember.autograd import Function
from ember.ops.tensor_args import float_tensor


def _pair(v, name):
    v = (v, v) if isinstance(v, int) else tuple(v)
    if len(v) != 2:
        raise ValueError(f"fold/unfold: {name} must be an int or a pair; received {v!r}")
    return v


class _Blocks:
    def __init__(self, hw, kernel_size, dilation, padding, stride):
        self.k = _pair(kernel_size, "kernel_size")
        self.d = _pair(dilation, "dilation")
        self.p = _pair(padding, "padding")
        self.s = _pair(stride, "stride")
        self.hp, self.wp = hw[0] + 2 * self.p[0], hw[1] + 2 * self.p[1]
        self.oh = (self.hp - self.d[0] * (self.k[0] - 1) - 1) // self.s[0] + 1
        self.ow = (self.wp - self.d[1] * (self.k[1] - 1) - 1) // self.s[1] + 1
        if self.oh < 1 or self.ow < 1:
            raise ValueError(f"fold/unfold: kernel {self.k} with dilation {self.d} does not "
                             f"fit the padded size {(self.hp, self.wp)}")

    def taps(self):
        for i in range(self.k[0]):
            for j in range(self.k[1]):
                r0, c0 = i * self.d[0], j * self.d[1]
                yield i, j, (slice(r0, r0 + self.s[0] * (self.oh - 1) + 1, self.s[0]),
                             slice(c0, c0 + self.s[1] * (self.ow - 1) + 1, self.s[1]))

    def unfold(self, x):  # (N, C, H, W) -> (N, C kh kw, L)
        n, c = x.shape[:2]
        (ph, pw) = self.p
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        out = np.empty_like(x, shape=(n, c, self.k[0], self.k[1], self.oh, self.ow))
        for i, j, (rs, cs) in self.taps():
            out[:, :, i, j] = xp[:, :, rs, cs]
        return out.reshape(n, c * self.k[0] * self.k[1], self.oh * self.ow)

    def fold(self, cols, c):  # (N, C kh kw, L) -> (N, C, H, W)
        n = cols.shape[0]
        blocks = cols.reshape(n, c, self.k[0], self.k[1], self.oh, self.ow)
        out = np.zeros_like(cols, shape=(n, c, self.hp, self.wp))
        for i, j, (rs, cs) in self.taps():
            out[:, :, rs, cs] += blocks[:, :, i, j]
        (ph, pw) = self.p
        return out[:, :, ph:self.hp - ph, pw:self.wp - pw]


class Unfold(Function):
    """cols = unfold(x);  gx = fold(gcols) (the adjoint: overlapping blocks add)."""

    def forward(self, x, blocks):
        self.blocks, self.c = blocks, x.shape[1]
        return blocks.unfold(x)

    def backward(self, gy):
        return self.blocks.fold(gy, self.c), None


class Fold(Function):
    """y = fold(cols);  gcols = unfold(gy)."""

    def forward(self, cols, blocks, c):
        self.blocks = blocks
        return blocks.fold(cols, c)

    def backward(self, gy):
        return self.blocks.unfold(gy), None, None


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of an NCHW image as columns, Keras' `ops.unfold`.

    >>> import ember
    >>> ember.ops.unfold(ember.ones((1, 2, 4, 4)), 2).shape
    (1, 8, 9)
    """
    x = float_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"unfold: x must be (N, C, H, W); received shape {x.shape}")
    return Unfold.apply(x, _Blocks(x.shape[2:], kernel_size, dilation, padding, stride))


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum columns of blocks back into an NCHW image, Keras' `ops.fold`.

    >>> import ember
    >>> ember.ops.fold(ember.ones((1, 8, 9)), 4, 2).numpy()[0, 0]
    array([[1., 2., 2., 1.],
           [2., 4., 4., 2.],
           [2., 4., 4., 2.],
           [1., 2., 2., 1.]], dtype=float32)
    """
    x = float_tensor(x)
    blocks = _Blocks(_pair(output_size, "output_size"), kernel_size, dilation, padding, stride)
    kk = blocks.k[0] * blocks.k[1]
    if x.ndim != 3 or x.shape[1] % kk or x.shape[2] != blocks.oh * blocks.ow:
        raise ValueError(f"fold: x must be (N, C * {kk}, {blocks.oh * blocks.ow}); received "
                         f"shape {x.shape}")
    return Fold.apply(x, blocks, x.shape[1] // kk)
