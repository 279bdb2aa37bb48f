"""Image ops, channels-last (N, H, W, C): zero padding, cropping, up-sampling (nearest and
bilinear) and local response normalisation.

Padding and cropping are compositions of `pad` and `getitem` (their gradients are slices);
up-sampling and LRN are primitives with hand-written backward passes.
"""

import numpy as np

from ember import backend
from ember.autograd import Function
from ember.ops.conv_geometry import int_tuple
from ember.ops.convolution import as_tensor, check_rank
from ember.ops.shaping import getitem, pad


def _pairs(value, name, op):
    """Keras' ZeroPadding2D/Cropping2D argument: an int (all sides), (sym_h, sym_w), or
    ((top, bottom), (left, right)); each value a non-negative int."""
    try:
        if isinstance(value, int | np.integer) and not isinstance(value, bool):
            pairs = ((int(value),) * 2,) * 2
        else:
            h, w = value
            pairs = tuple((v, v) if isinstance(v, int | np.integer) else tuple(v) for v in (h, w))
            if any(len(p) != 2 for p in pairs):
                raise ValueError
            pairs = tuple(tuple(int(q) for q in p) for p in pairs)
    except (TypeError, ValueError):
        raise ValueError(f"{op}: {name} must be an int, (symmetric_height, symmetric_width) or "
                         f"((top, bottom), (left, right)); received {value!r}") from None
    if min(min(p) for p in pairs) < 0:
        raise ValueError(f"{op}: {name} must be >= 0; received {value!r}")
    return pairs


def zero_pad2d(x, padding=(1, 1)):
    """Add rows and columns of zeros around images (Keras' ZeroPadding2D).

    y = x surrounded by zeros;  gx = the interior of gy.

    Args:
        x: (N, H, W, C).
        padding: int, (pad_h, pad_w) or ((top, bottom), (left, right)). Defaults to (1, 1).

    >>> import ember
    >>> from ember.ops.spatial import zero_pad2d
    >>> zero_pad2d(ember.ones((1, 2, 3, 1)), ((1, 0), (2, 1))).shape
    (1, 3, 6, 1)
    """
    x = as_tensor(x)
    check_rank(x, 4, "zero_pad2d")
    (top, bottom), (left, right) = _pairs(padding, "padding", "zero_pad2d")
    return pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))


def crop2d(x, cropping=((0, 0), (0, 0))):
    """Remove rows and columns at the borders of images (Keras' Cropping2D).

    y = x[:, top:H-bottom, left:W-right];  gx = gy in that window, 0 on the removed border.

    Args:
        x: (N, H, W, C).
        cropping: int, (crop_h, crop_w) or ((top, bottom), (left, right)).
            Defaults to ((0, 0), (0, 0)).

    >>> import ember
    >>> from ember.ops.spatial import crop2d
    >>> crop2d(ember.ones((1, 5, 6, 2)), ((1, 2), (0, 3))).shape
    (1, 2, 3, 2)
    """
    x = as_tensor(x)
    check_rank(x, 4, "crop2d")
    (top, bottom), (left, right) = _pairs(cropping, "cropping", "crop2d")
    _, h, w, _ = x.shape
    if top + bottom >= h or left + right >= w:
        raise ValueError(f"crop2d: cropping {((top, bottom), (left, right))} removes every row "
                         f"or column of an input of shape {x.shape}")
    return getitem(x, (slice(None), slice(top, h - bottom), slice(left, w - right)))


# ------------------------------------------------------------------------------------ upsampling
class UpsampleNearest(Function):
    """y[n, h*sh + a, w*sw + b, c] = x[n, h, w, c] (each pixel repeated into a sh x sw block);
    gx[n, h, w, c] = sum of gy over that block."""

    def forward(self, x, size):
        n, h, w, c = x.shape
        sh, sw = size
        y = backend.array_module(x).empty((n, h, sh, w, sw, c), x.dtype)
        y[...] = x[:, :, None, :, None, :]
        self.shape = (n, h, sh, w, sw, c)
        return y.reshape(n, h * sh, w * sw, c)

    def backward(self, gy):
        return gy.reshape(self.shape).sum(axis=(2, 4)), None


def bilinear_matrix(n, factor, dtype):
    """(n*factor, n) interpolation matrix of TensorFlow's bilinear resize with half-pixel
    centers (tf.image.resize, Keras' UpSampling2D(interpolation="bilinear")).

    Output cell o samples the input at src = (o + 0.5) / factor - 0.5, between
    lo = max(floor(src), 0) and hi = min(ceil(src), n - 1) with weight t = src - floor(src)
    on hi: sources before the first or past the last centre take the edge value.
    """
    o = np.arange(n * factor, dtype=np.float64)  # float64 on purpose: exact source coordinates
    src = (o + 0.5) / factor - 0.5
    base = np.floor(src)
    t = src - base
    lo = np.clip(base, 0, n - 1).astype(np.int64)
    hi = np.clip(np.ceil(src), 0, n - 1).astype(np.int64)
    cells = np.arange(n)
    a = (1 - t)[:, None] * (cells == lo[:, None]) + t[:, None] * (cells == hi[:, None])
    return a.astype(dtype)


class UpsampleBilinear(Function):
    """y = A_h x A_w^T per image and channel, with A the (n*factor, n) interpolation matrices
    of `bilinear_matrix` (two weights per row, summing to 1);
    gx = A_h^T gy A_w: each output's gradient shared between the input cells it mixed."""

    def forward(self, x, size):
        n, h, w, c = x.shape
        # the small interpolation matrices are built on the host, then copied to x's device
        self.ah = backend.asarray(bilinear_matrix(h, size[0], x.dtype), like=x)
        self.aw = backend.asarray(bilinear_matrix(w, size[1], x.dtype), like=x)
        ho, wo = self.ah.shape[0], self.aw.shape[0]
        t = self.ah @ x.reshape(n, h, w * c)  # (n, ho, w*c): rows mixed
        y = self.aw @ t.reshape(n * ho, w, c)  # (n*ho, wo, c): columns mixed
        self.shape = x.shape
        return y.reshape(n, ho, wo, c)

    def backward(self, gy):
        n, h, w, c = self.shape
        ho, wo = gy.shape[1:3]
        t = self.aw.T @ gy.reshape(n * ho, wo, c)  # (n*ho, w, c)
        gx = self.ah.T @ t.reshape(n, ho, w * c)  # (n, h, w*c)
        return gx.reshape(n, h, w, c), None


def upsample2d(x, size=(2, 2), interpolation="nearest"):
    """Enlarge images by integer factors (Keras' UpSampling2D).

    "nearest" repeats each pixel into a size[0] x size[1] block (Keras: `ops.repeat` on each
    axis). "bilinear" is `tf.image.resize(method="bilinear")` as Keras uses it: half-pixel
    centres, output cell o reads the input at (o + 0.5) / factor - 0.5, clamped at the edges
    (identical to PyTorch's `interpolate(mode="bilinear", align_corners=False)`).

    Args:
        x: (N, H, W, C).
        size: int or (sh, sw), positive. Defaults to (2, 2).
        interpolation: "nearest" or "bilinear". Defaults to "nearest".

    >>> import numpy as np, ember
    >>> x = ember.tensor(np.array([0.0, 4.0]).reshape(1, 1, 2, 1))
    >>> from ember.ops.spatial import upsample2d
    >>> upsample2d(x, (1, 2), "bilinear").numpy().ravel()
    array([0., 1., 3., 4.], dtype=float32)
    """
    op = "upsample2d"
    x = as_tensor(x)
    check_rank(x, 4, op)
    size = int_tuple(size, 2, "size", op)
    mode = interpolation.lower() if isinstance(interpolation, str) else interpolation
    if mode == "nearest":
        return UpsampleNearest.apply(x, size)
    if mode == "bilinear":
        return UpsampleBilinear.apply(x, size)
    raise ValueError(f"{op}: interpolation must be 'nearest' or 'bilinear'; received "
                     f"{interpolation!r}")


# ------------------------------------------------------------------------------------ LRN
def _band(c, radius, dtype):
    """(C, C) matrix with ones where |i - j| <= radius: x @ band sums each channel's window."""
    i = np.arange(c)
    return (np.abs(i[:, None] - i[None, :]) <= radius).astype(dtype)


class LocalResponseNorm(Function):
    """s = bias + alpha * sum_{|j-i| <= r} x_j^2,  y_i = x_i * s_i^(-beta)  (over channels).

    gx_j = gy_j s_j^(-beta) - 2 alpha beta x_j sum_{|i-j| <= r} gy_i x_i s_i^(-beta-1).
    The windowed channel sums are one GEMM with a banded 0/1 (C, C) matrix (symmetric, so the
    backward's sum over the windows that contain j uses the same matrix).
    """

    def forward(self, x, radius, bias, alpha, beta):
        c = x.shape[-1]
        band = backend.asarray(_band(c, radius, x.dtype), like=x)
        sq = (x * x).reshape(-1, c)
        s = (sq @ band).reshape(x.shape)
        s *= alpha
        s += bias
        p = s ** -beta
        self.band, self.alpha, self.beta = band, alpha, beta
        self.save_for_backward(x, s, p)
        return x * p

    def backward(self, gy):
        x, s, p = self.saved
        c = x.shape[-1]
        gp = gy * p
        inner = ((gp * x / s).reshape(-1, c) @ self.band).reshape(x.shape)
        gx = gp - (2 * self.alpha * self.beta) * x * inner
        return gx, None, None, None, None


def local_response_normalization(x, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5):
    """Local response normalisation across channels (AlexNet; TensorFlow's
    `tf.nn.local_response_normalization`, with its defaults).

    sqr_sum[..., d] = sum(x[..., d - depth_radius : d + depth_radius + 1] ** 2)
    y = x / (bias + alpha * sqr_sum) ** beta

    PyTorch's `local_response_norm(size, alpha, beta, k)` is the same with
    size = 2 * depth_radius + 1, alpha = alpha * size (it averages the squares), k = bias.
    AlexNet's values: depth_radius=2, bias=2, alpha=1e-4, beta=0.75.

    Args:
        x: (..., C), channels last.
        depth_radius: half-width of the channel window, >= 0. Defaults to 5.
        bias: offset, > 0 keeps the base positive. Defaults to 1.0.
        alpha: scale of the sum of squares. Defaults to 1.0.
        beta: exponent. Defaults to 0.5.

    >>> import numpy as np, ember
    >>> x = ember.tensor(np.array([[3.0, 4.0]]))
    >>> from ember.ops.spatial import local_response_normalization
    >>> local_response_normalization(x, depth_radius=1, bias=0.0).numpy()
    array([[0.6, 0.8]], dtype=float32)
    """
    op = "local_response_normalization"
    x = as_tensor(x)
    if x.ndim < 1:
        raise ValueError(f"{op}: expects an input with a channel axis; received a scalar")
    if not isinstance(depth_radius, int | np.integer) or depth_radius < 0:
        raise ValueError(f"{op}: depth_radius must be an int >= 0; received {depth_radius!r}")
    return LocalResponseNorm.apply(x, int(depth_radius), float(bias), float(alpha), float(beta))
