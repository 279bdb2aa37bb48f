"""The affine (projective) image sampler behind RandomRotation, RandomZoom and
RandomTranslation, channels-last (N, H, W, C), vectorised over the batch and the pixels.

Each image n has a transform of 8 numbers (a0, a1, a2, b0, b1, b2, c0, c1), Keras'
(and TensorFlow's `ImageProjectiveTransformV3`) convention: it maps an *output* pixel (x, y)
(x the column, y the row) back to the *input* point it reads,

    k = c0 x + c1 y + 1,   x_in = (a0 x + a1 y + a2) / k,   y_in = (b0 x + b1 y + b2) / k,

so a layer describes the inverse of the motion it wants to show. "bilinear" mixes the four
pixels around (y_in, x_in) with weights (1 - ty)(1 - tx), (1 - ty) tx, ty (1 - tx), ty tx;
"nearest" reads the pixel at floor(coordinate + 0.5). Each neighbour's integer index that falls
outside the image is mapped back in by the fill mode (as Keras' NumPy and JAX backends do,
index by index):

- "reflect"  (d c b a | a b c d | d c b a): about the edge of the last pixel;
- "wrap"     (a b c d | a b c d | a b c d): to the opposite edge;
- "nearest"  (a a a a | a b c d | d d d d): the edge pixel;
- "constant" (k k k k | a b c d | k k k k): the neighbour reads `fill_value`.

The sampler is linear in the image, so it is a `Function` whose backward scatters each
output gradient to the input pixels it read, with the same weights (gradients w.r.t. the
transform are not computed: the transforms are random draws, not weights).
"""

import numpy as np

from ember import backend
from ember.autograd import Function
from ember.tensor import Tensor

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def fix_index(i, n, fill_mode):
    """Integer indices `i` mapped into [0, n) by `fill_mode` ("constant" clips; its outside
    neighbours are masked by the caller).

    >>> from ember.layers.preprocessing.affine import fix_index
    >>> import numpy as np
    >>> fix_index(np.arange(-3, 7), 4, "reflect").tolist()
    [2, 1, 0, 0, 1, 2, 3, 3, 2, 1]
    >>> fix_index(np.arange(-3, 7), 4, "wrap").tolist()
    [1, 2, 3, 0, 1, 2, 3, 0, 1, 2]
    """
    if fill_mode == "wrap":
        return np.mod(i, n)
    if fill_mode != "reflect":
        return np.clip(i, 0, n - 1)
    # period 2n, mirrored about n - 1/2; `i ^ (i >> bits-1)` is -1 - i for negative i
    within = i.size and -n <= i.min() and i.max() < 2 * n
    k = i ^ (i >> (8 * i.dtype.itemsize - 1)) if within else np.mod(i, 2 * n)
    return np.minimum(k, 2 * n - 1 - k)


def _taps(transforms, shape, interpolation, fill_mode, dtype):
    """The pixels each output reads: (flat input indices over N*H*W, weights) per tap, each
    (N, H, W), plus the weight each output gives `fill_value` (None when nothing is
    filled)."""
    n, h, w = shape
    # float32 positions (1e-4 pixel at 1000 pixels) run several times faster than float64
    t = np.asarray(transforms, dtype=np.float32)
    t = t.reshape(-1, 8) if t.ndim == 1 else t
    if t.shape[0] == 1 and n != 1:
        t = np.broadcast_to(t, (n, 8))
    ys, xs = np.meshgrid(np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32),
                         indexing="ij")
    a0, a1, a2, b0, b1, b2, c0, c1 = (t[:, j, None, None] for j in range(8))
    x_in = a0 * xs + a1 * ys + a2  # (N, H, W)
    y_in = b0 * xs + b1 * ys + b2
    if np.any(t[:, 6:]):  # projective: divide by k (1 for the layers' affine transforms)
        k = c0 * xs + c1 * ys + np.float32(1)
        x_in, y_in = x_in / k, y_in / k
    if interpolation == "nearest":
        half = np.float32(0.5)
        ys_ = [np.floor(y_in + half).astype(np.int32)]
        xs_ = [np.floor(x_in + half).astype(np.int32)]
        wy, wx = [None], [None]
    else:
        y0, x0 = np.floor(y_in), np.floor(x_in)
        ty, tx = (y_in - y0).astype(dtype), (x_in - x0).astype(dtype)
        y0, x0 = y0.astype(np.int32), x0.astype(np.int32)
        ys_, xs_, wy, wx = [y0, y0 + 1], [x0, x0 + 1], [1 - ty, ty], [1 - tx, tx]
    # each axis' neighbours are fixed once, then combined into the 1 or 4 taps
    base = (np.arange(n, dtype=np.int64) * h)[:, None, None]  # flat indices may pass 2**31
    row_idx = [(base + fix_index(r, h, fill_mode)) * w for r in ys_]
    col_idx = [fix_index(c, w, fill_mode) for c in xs_]
    constant = fill_mode == "constant"
    row_out = [(r < 0) | (r >= h) for r in ys_] if constant else None
    col_out = [(c < 0) | (c >= w) for c in xs_] if constant else None
    taps, filled = [], None
    for i in range(len(ys_)):
        for j in range(len(xs_)):
            if wy[i] is None:
                weight = np.ones((n, h, w), dtype)
            else:
                weight = wy[i] * wx[j]
            if constant:
                outside = row_out[i] | col_out[j]
                if outside.any():
                    lost = weight * outside
                    filled = lost if filled is None else filled + lost
                    weight = weight - lost
            taps.append((row_idx[i] + col_idx[j], weight))
    return taps, filled


class AffineSample(Function):
    """y[n, i, j] = sum over the taps of weight * x[n, row, col] + filled weight * fill_value;
    gx[n, row, col] += weight * gy[n, i, j] for every tap (summed by `np.bincount`)."""

    def forward(self, x, transforms, interpolation, fill_mode, fill_value):
        n, h, w, c = x.shape
        taps, filled = _taps(transforms, (n, h, w), interpolation, fill_mode, x.dtype)
        xp = backend.array_module(x)
        if xp is not np:  # the sampling plan is computed on the host, then moved to x's device
            taps = [(xp.asarray(f), xp.asarray(wt)) for f, wt in taps]
            filled = None if filled is None else xp.asarray(filled)
        rows = x.reshape(n * h * w, c)
        y = xp.zeros(x.shape, x.dtype)
        for flat, weight in taps:
            y += weight[..., None] * xp.take(rows, flat, axis=0)
        if filled is not None and fill_value != 0:
            y += (filled * x.dtype.type(fill_value))[..., None]
        if self.needs_input_grad[0]:
            self.taps, self.shape = taps, x.shape
        return y

    def backward(self, gy):
        n, h, w, c = self.shape
        xp = backend.array_module(gy)
        gx = xp.zeros((n * h * w, c), gy.dtype)
        for flat, weight in self.taps:
            contrib = weight[..., None] * gy  # (N, H, W, C)
            idx = flat.ravel()
            if xp is not np:  # on a device: one scatter-add of all channels per tap
                backend.scatter_add(gx, idx, contrib.reshape(-1, c))
                continue
            for ch in range(c):  # a loop over channels, not pixels
                gx[:, ch] += np.bincount(idx, weights=contrib[..., ch].ravel(),
                                         minlength=n * h * w).astype(gy.dtype, copy=False)
        return gx.reshape(self.shape), None, None, None, None


def affine_transform(images, transforms, interpolation="bilinear", fill_mode="constant",
                     fill_value=0.0):
    """Resample images through per-image projective transforms (output -> input maps).

    Args:
        images: a float Tensor or array, (N, H, W, C).
        transforms: (N, 8) or (8,) (the same for every image), Keras' layout above.
        interpolation: "bilinear" or "nearest". Defaults to "bilinear".
        fill_mode: "reflect", "wrap", "constant" or "nearest". Defaults to "constant".
        fill_value: the value read outside the image in "constant" mode. Defaults to 0.0.

    Returns:
        A Tensor of the images' shape and dtype (differentiable w.r.t. `images`).

    >>> import numpy as np
    >>> from ember.layers.preprocessing.affine import affine_transform
    >>> x = np.arange(4.0).reshape(1, 1, 4, 1)
    >>> shift_right = [1, 0, -1, 0, 1, 0, 0, 0]  # x_in = x - 1
    >>> affine_transform(x, shift_right).numpy().ravel()
    array([0., 0., 1., 2.], dtype=float32)
    >>> affine_transform(x, shift_right, fill_mode="reflect").numpy().ravel()
    array([0., 0., 1., 2.], dtype=float32)
    >>> affine_transform(x, shift_right, fill_mode="wrap").numpy().ravel()
    array([3., 0., 1., 2.], dtype=float32)
    """
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"affine_transform: interpolation must be one of {INTERPOLATIONS}; "
                         f"received {interpolation!r}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"affine_transform: fill_mode must be one of {FILL_MODES}; received "
                         f"{fill_mode!r}")
    x = images if isinstance(images, Tensor) else Tensor(np.asarray(images))
    if x.ndim != 4:
        raise ValueError(f"affine_transform: expected images of shape (N, H, W, C); received "
                         f"shape {x.shape}")
    t = np.asarray(transforms)
    if t.shape not in ((8,), (x.shape[0], 8), (1, 8)):
        raise ValueError(f"affine_transform: expected transforms of shape (8,) or "
                         f"({x.shape[0]}, 8); received shape {t.shape}")
    return AffineSample.apply(x, t, interpolation, fill_mode, float(fill_value))


# ------------------------------------------------------------------ transforms of the layers
def rotation_transforms(angles, height, width):
    """(N, 8) transforms rotating each image by `angles` (radians, counter-clockwise on the
    screen for a positive angle) about its centre ((W - 1) / 2, (H - 1) / 2):
    x_in = cos a (x - cx) - sin a (y - cy) + cx,  y_in = sin a (x - cx) + cos a (y - cy) + cy.
    """
    a = np.asarray(angles, dtype=np.float64).reshape(-1)  # float64 on purpose: positions
    cos, sin = np.cos(a), np.sin(a)
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    zeros = np.zeros_like(a)
    return np.stack([cos, -sin, cx - cos * cx + sin * cy,
                     sin, cos, cy - sin * cx - cos * cy, zeros, zeros], axis=1)


def zoom_transforms(height_zoom, width_zoom, height, width):
    """(N, 8) transforms reading x_in = zx (x - cx) + cx, y_in = zy (y - cy) + cy: a zoom
    factor above 1 reads a larger window (zooms out), below 1 zooms in."""
    zy = np.asarray(height_zoom, dtype=np.float64).reshape(-1)  # float64 on purpose
    zx = np.asarray(width_zoom, dtype=np.float64).reshape(-1)
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    zeros = np.zeros_like(zx)
    return np.stack([zx, zeros, cx * (1 - zx), zeros, zy, cy * (1 - zy), zeros, zeros], axis=1)


def translation_transforms(dy, dx):
    """(N, 8) transforms moving each image down by `dy` and right by `dx` pixels:
    x_in = x - dx, y_in = y - dy."""
    dy = np.asarray(dy, dtype=np.float64).reshape(-1)  # float64 on purpose
    dx = np.asarray(dx, dtype=np.float64).reshape(-1)
    ones, zeros = np.ones_like(dx), np.zeros_like(dx)
    return np.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)
