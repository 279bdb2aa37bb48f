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
    if fill_mode == "reflect":
        j = np.mod(i, 2 * n)
        return np.where(j >= n, 2 * n - 1 - j, j)
    if fill_mode == "wrap":
        return np.mod(i, n)
    return np.clip(i, 0, n - 1)


def _taps(transforms, shape, interpolation, fill_mode):
    """The pixels each output reads: a list of (rows, cols, weights) over (N, H, W)."""
    n, h, w = shape
    t = np.asarray(transforms, dtype=np.float64)  # float64 on purpose: exact pixel positions
    t = t.reshape(-1, 8) if t.ndim == 1 else t
    if t.shape[0] == 1 and n != 1:
        t = np.broadcast_to(t, (n, 8))
    ys, xs = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                         indexing="ij")
    a0, a1, a2, b0, b1, b2, c0, c1 = (t[:, j, None, None] for j in range(8))
    k = c0 * xs + c1 * ys + 1.0
    x_in = (a0 * xs + a1 * ys + a2) / k  # (N, H, W)
    y_in = (b0 * xs + b1 * ys + b2) / k
    if interpolation == "nearest":
        corners = [(np.floor(y_in + 0.5).astype(np.int64),
                    np.floor(x_in + 0.5).astype(np.int64), None)]
    else:
        y0, x0 = np.floor(y_in), np.floor(x_in)
        ty, tx = y_in - y0, x_in - x0
        y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
        corners = [(y0, x0, (1 - ty) * (1 - tx)), (y0, x0 + 1, (1 - ty) * tx),
                   (y0 + 1, x0, ty * (1 - tx)), (y0 + 1, x0 + 1, ty * tx)]
    taps = []
    for r, c, wt in corners:
        weight = np.ones((n, h, w)) if wt is None else wt
        valid = None
        if fill_mode == "constant":
            valid = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        taps.append((fix_index(r, h, fill_mode), fix_index(c, w, fill_mode), weight, valid))
    return taps


class AffineSample(Function):
    """y[n, i, j] = sum over the taps of weight * x[n, row, col] (fill_value for a masked
    constant-mode tap);  gx[n, row, col] += weight * gy[n, i, j] for every unmasked tap."""

    def forward(self, x, transforms, interpolation, fill_mode, fill_value):
        n, h, w, c = x.shape
        taps = _taps(transforms, (n, h, w), interpolation, fill_mode)
        batch = np.arange(n)[:, None, None]
        y = np.zeros(x.shape, x.dtype)
        for r, col, wt, valid in taps:
            weight = wt if valid is None else wt * valid
            y += (weight[..., None] * x[batch, r, col]).astype(x.dtype, copy=False)
            if valid is not None and fill_value != 0:
                y += ((wt * ~valid)[..., None] * fill_value).astype(x.dtype, copy=False)
        self.taps, self.shape = taps, x.shape
        return y

    def backward(self, gy):
        n, h, w, c = self.shape
        gx = np.zeros(self.shape, gy.dtype)
        batch = np.broadcast_to(np.arange(n)[:, None, None], (n, h, w))
        for r, col, wt, valid in self.taps:
            weight = wt if valid is None else wt * valid
            np.add.at(gx, (batch, r, col), (weight[..., None] * gy).astype(gy.dtype))
        return gx, None, None, None, None


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
