"""Keras' `ops.image` resampling ops: `map_coordinates`, `affine_transform`,
`perspective_transform`, `resize`, `scale_and_translate`, `elastic_transform`.

Sampling at computed coordinates gathers the neighbouring pixels with `getitem` (whose
backward scatters into the image) and weights them with ember ops, so gradients reach the
image and, for `map_coordinates`, the coordinates. `resize` and `scale_and_translate` are
separable: one constant resampling matrix per axis, applied with `matmul`.
"""

import itertools
import math

import numpy as np

from ember.backend import to_host
from ember.ops.elementwise import where
from ember.ops.products import matmul
from ember.ops.shaping import getitem, reshape, transpose
from ember.ops.tensor_args import channels_last, const, float_tensor, on_device, tensor
from ember.tensor import Tensor


def _raw(x):
    """Parameters (transforms, points, scales) as float64 arrays, without the float32 cast
    that making a Tensor of Python data would apply."""
    # read on the host: they build the sampling grids there (a few numbers per image)
    return to_host(x.data if isinstance(x, Tensor) else x).astype(np.float64)


# ------------------------------------------------------------------ out-of-range indices
def _mirror(index, size):
    s = max(size - 1, 1)
    return np.abs((index + s) % (2 * s) - s) if size > 1 else np.zeros_like(index)


def _reflect(index, size):
    return (_mirror(2 * index + 1, 2 * size + 1) - 1) // 2


_FIXERS = {
    "constant": lambda i, n: np.clip(i, 0, n - 1),
    "nearest": lambda i, n: np.clip(i, 0, n - 1),
    "wrap": lambda i, n: i % n,
    "mirror": _mirror,
    "reflect": _reflect,
}


def _nodes(coord, order):
    """Per axis: [(integer index array, weight Tensor or None)]."""
    c = coord.data
    if order == 0:
        return [(np.round(c).astype(np.int64), None)]
    lo = np.floor(c)
    hi_w = coord - lo.astype(c.dtype)  # differentiable in the coordinate
    return [(lo.astype(np.int64), 1.0 - hi_w), (lo.astype(np.int64) + 1, hi_w)]


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Sample `inputs` at `coordinates` (one array per input axis) by nearest (order 0) or
    linear (order 1) interpolation, Keras' `ops.image.map_coordinates`. With
    fill_mode="constant", a neighbour outside the input contributes `fill_value`; other modes
    ("nearest", "wrap", "mirror", "reflect") map it back inside.

    >>> import ember
    >>> x = ember.tensor([[0.0, 1.0], [2.0, 3.0]])
    >>> ember.ops.image.map_coordinates(x, [[0.5], [0.5]], order=1).numpy()
    array([1.5], dtype=float32)
    """
    x = float_tensor(inputs)
    coords = [float_tensor(c) for c in coordinates]
    if len(coords) != x.ndim:
        raise ValueError(f"map_coordinates: coordinates must have one entry per input axis "
                         f"({x.ndim}); received {len(coords)}")
    if order not in (0, 1):
        raise NotImplementedError(f"map_coordinates: order must be 0 or 1; received {order}")
    if fill_mode not in _FIXERS:
        raise ValueError(f"map_coordinates: fill_mode must be one of {sorted(_FIXERS)}; "
                         f"received {fill_mode!r}")
    coords = [c if c.dtype == x.dtype else tensor(c, x.dtype) for c in coords]
    per_axis = [_nodes(c, order) for c in coords]
    out = None
    for combo in itertools.product(*per_axis):
        idx = tuple(_FIXERS[fill_mode](i, n) for (i, _), n in zip(combo, x.shape))
        value = getitem(x, idx)
        if fill_mode == "constant":
            ok = np.ones_like(value.data, dtype=bool)
            for (i, _), n in zip(combo, x.shape):
                ok &= (i >= 0) & (i < n)
            value = where(ok, value, float(fill_value))
        for _, w in combo:
            if w is not None:
                value = value * w
        out = value if out is None else out + value
    return out


def _image_sample(images, ys, xs, interpolation, fill_mode, fill_value):
    """images (N, H, W, C) sampled at float arrays ys, xs (N, H', W') -> (N, H', W', C)."""
    n, h, w, _ = images.shape
    batch = on_device(images, np.arange(n).reshape(n, 1, 1))
    if interpolation == "nearest":
        corners = [(np.round(ys).astype(np.int64), np.round(xs).astype(np.int64), None)]
    else:
        y0, x0 = np.floor(ys), np.floor(xs)
        wy, wx = (ys - y0).astype(images.dtype), (xs - x0).astype(images.dtype)
        y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
        corners = [(y0, x0, (1 - wy) * (1 - wx)), (y0, x0 + 1, (1 - wy) * wx),
                   (y0 + 1, x0, wy * (1 - wx)), (y0 + 1, x0 + 1, wy * wx)]
    out = None
    for yi, xi, wgt in corners:
        v = getitem(images, (batch, on_device(images, _FIXERS[fill_mode](yi, h)),
                             on_device(images, _FIXERS[fill_mode](xi, w))))
        if fill_mode == "constant":
            ok = ((yi >= 0) & (yi < h) & (xi >= 0) & (xi < w))[..., None]
            v = where(on_device(images, ok), v, float(fill_value))
        if wgt is not None:
            v = v * const(images, wgt[..., None])
        out = v if out is None else out + v
    return out


def _batched(images, data_format, op):
    x = float_tensor(images)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: images must have rank 3 or 4; received shape {x.shape}")
    single = x.ndim == 3
    if single:
        x = reshape(x, (1,) + x.shape)
    if not channels_last(data_format):
        x = transpose(x, (0, 2, 3, 1))

    def back(y):
        if not channels_last(data_format):
            y = transpose(y, (0, 3, 1, 2))
        return reshape(y, y.shape[1:]) if single else y
    return x, back


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Apply projective transforms [a0, a1, a2, b0, b1, b2, c0, c1] (one, or one per image):
    the output pixel (x, y) takes the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k),
    k = c0 x + c1 y + 1, by "nearest" or "bilinear" interpolation. Differentiable in the images.

    >>> import ember
    >>> img = ember.tensor([[[1.0], [2.0]], [[3.0], [4.0]]])
    >>> shift = ember.tensor([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0])  # x_in = x + 1
    >>> ember.ops.image.affine_transform(img, shift).numpy()[..., 0]
    array([[2., 0.],
           [4., 0.]], dtype=float32)
    """
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"affine_transform: interpolation must be 'nearest' or 'bilinear'; "
                         f"received {interpolation!r}")
    if fill_mode not in _FIXERS:
        raise ValueError(f"affine_transform: fill_mode must be one of {sorted(_FIXERS)}; "
                         f"received {fill_mode!r}")
    x, back = _batched(images, data_format, "affine_transform")
    t = _raw(transform)  # float64 on purpose: pixel coordinates
    t = np.broadcast_to(t.reshape(-1, 8), (x.shape[0], 8))
    yy, xx = np.meshgrid(np.arange(x.shape[1]), np.arange(x.shape[2]), indexing="ij")
    a0, a1, a2, b0, b1, b2, c0, c1 = (t[:, k, None, None] for k in range(8))
    k = c0 * xx + c1 * yy + 1.0
    xs = (a0 * xx + a1 * yy + a2) / k
    ys = (b0 * xx + b1 * yy + b2) / k
    return back(_image_sample(x, ys, xs, interpolation, fill_mode, fill_value))


def _homography(start, end):
    """The transform taking each end point back to its start point (8 numbers per pair of
    4-point sets), solved as an 8x8 linear system."""
    rows, rhs = [], []
    for (xs, ys), (xe, ye) in zip(start, end):
        rows.append([xe, ye, 1, 0, 0, 0, -xs * xe, -xs * ye])
        rows.append([0, 0, 0, xe, ye, 1, -ys * xe, -ys * ye])
        rhs += [xs, ys]
    return np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs))


def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Warp so that each of the 4 `start_points` (x, y) lands on its `end_point`.
    Differentiable in the images (not in the points).

    >>> import ember
    >>> pts = [[0, 0], [3, 0], [0, 3], [3, 3]]
    >>> img = ember.ones((4, 4, 1))
    >>> ember.ops.image.perspective_transform(img, pts, pts).numpy()[..., 0].sum()
    np.float32(16.0)
    """
    start = _raw(start_points).reshape(-1, 4, 2)
    end = _raw(end_points).reshape(-1, 4, 2)
    transforms = np.stack([_homography(s, e) for s, e in zip(start, end)])
    return affine_transform(images, transforms, interpolation, "constant", fill_value,
                            data_format)


# ------------------------------------------------------------------ separable resampling
def _cubic(x, a):
    x = np.abs(x)
    return np.where(x <= 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))


def _lanczos(x, r):
    return np.where(np.abs(x) < r, np.sinc(x) * np.sinc(x / r), 0.0)


_KERNELS = {
    "linear": (lambda x: np.maximum(0.0, 1 - np.abs(x)), 1.0),
    "bilinear": (lambda x: np.maximum(0.0, 1 - np.abs(x)), 1.0),
    "cubic": (lambda x: _cubic(x, -0.5), 2.0),
    "bicubic": (lambda x: _cubic(x, -0.5), 2.0),
    "lanczos3": (lambda x: _lanczos(x, 3), 3.0),
    "lanczos5": (lambda x: _lanczos(x, 5), 5.0),
}


def _torch_matrix(n_in, n_out, interpolation, antialias):
    """PyTorch's `interpolate` (align_corners=False) as an (n_out, n_in) matrix: what Keras'
    torch backend computes."""
    scale = n_in / n_out
    m = np.zeros((n_out, n_in))
    o = np.arange(n_out)
    if interpolation == "nearest":  # "nearest-exact"
        m[o, np.minimum(np.floor((o + 0.5) * scale).astype(np.int64), n_in - 1)] = 1
        return m
    kernel = (lambda x: np.maximum(0.0, 1 - np.abs(x))) if interpolation == "bilinear" else (
        lambda x: _cubic(x, -0.5 if antialias else -0.75))
    support = 1.0 if interpolation == "bilinear" else 2.0
    if antialias and scale > 1:  # the filter widened by the scale (PIL / torch aa)
        for i in range(n_out):
            center = scale * (i + 0.5)
            lo = max(int(center - support * scale + 0.5), 0)
            hi = min(int(center + support * scale + 0.5), n_in)
            j = np.arange(lo, hi)
            w = kernel((j - center + 0.5) / scale)
            m[i, lo:hi] = w / w.sum()
        return m
    src = (o + 0.5) * scale - 0.5
    if interpolation == "bilinear":
        src = np.maximum(src, 0)
    base = np.floor(src).astype(np.int64)
    for k in range(-int(support) + 1, int(support) + 1):
        j = base + k
        np.add.at(m, (o, np.clip(j, 0, n_in - 1)), kernel(src - j))
    return m


def _along(x, axis, matrix):
    """Apply (n_out, n_in) `matrix` along `axis` of x (differentiable in x)."""
    x = float_tensor(x)
    order = [axis] + [a for a in range(x.ndim) if a != axis]
    moved = transpose(x, order)
    flat = reshape(moved, (moved.shape[0], -1))
    y = matmul(const(x, matrix), flat)
    y = reshape(y, (matrix.shape[0],) + moved.shape[1:])
    return transpose(y, list(np.argsort(order)))


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize images to `size` (height, width) by "nearest", "bilinear" or "bicubic"
    interpolation with half-pixel centres (PyTorch's `interpolate`, which Keras' torch
    backend uses; `antialias` widens the bilinear/bicubic filter when shrinking). Optionally
    centre-crop or pad (with `fill_value`) to the target aspect ratio first. Differentiable.

    >>> import ember
    >>> ember.ops.image.resize(ember.ones((1, 4, 4, 3)), (2, 8)).shape
    (1, 2, 8, 3)
    """
    if interpolation not in ("nearest", "bilinear", "bicubic"):
        raise ValueError(f"resize: interpolation must be 'nearest', 'bilinear' or 'bicubic' "
                         f"in ember; received {interpolation!r}")
    if fill_mode != "constant":
        raise ValueError(f"resize: only fill_mode='constant' is supported; received "
                         f"{fill_mode!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("resize: only one of crop_to_aspect_ratio and pad_to_aspect_ratio "
                         "can be True")
    if len(size) != 2:
        raise ValueError(f"resize: size must be (height, width); received {size!r}")
    x, back = _batched(images, data_format, "resize")
    th, tw = (int(s) for s in size)
    h, w = x.shape[1:3]
    if crop_to_aspect_ratio:
        ch = max(min(h, int(float(w * th) / tw)), 1)
        cw = max(min(w, int(float(h * tw) / th)), 1)
        top, left = int(float(h - ch) / 2), int(float(w - cw) / 2)
        x = getitem(x, (slice(None), slice(top, top + ch), slice(left, left + cw)))
    elif pad_to_aspect_ratio:
        from ember.ops.shaping import pad  # noqa: PLC0415

        ph = max(h, int(float(w * th) / tw))
        pw = max(w, int(float(h * tw) / th))
        top, left = int(float(ph - h) / 2), int(float(pw - w) / 2)
        x = pad(x, ((0, 0), (top, top), (left, left), (0, 0)), constant_values=fill_value)
    antialias = antialias and interpolation != "nearest"
    y = _along(x, 1, _torch_matrix(x.shape[1], th, interpolation, antialias))
    y = _along(y, 2, _torch_matrix(x.shape[2], tw, interpolation, antialias))
    return back(y)


def _jax_matrix(n_in, n_out, scale, translation, method, antialias):
    kernel, _ = _KERNELS[method]
    o = np.arange(n_out)
    sample = (o + 0.5 - translation) / scale - 0.5
    kscale = max(1.0 / scale, 1.0) if antialias else 1.0
    j = np.arange(n_in)
    w = kernel((j[None, :] - sample[:, None]) / kscale)
    total = w.sum(axis=1, keepdims=True)
    w = np.where(np.abs(total) > 1000 * np.finfo(np.float32).eps,
                 w / np.where(total == 0, 1, total), 0)
    inside = (sample >= -0.5) & (sample <= n_in - 0.5)
    return np.where(inside[:, None], w, 0)


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """JAX's `scale_and_translate` (Keras' `ops.image.scale_and_translate`): for each axis in
    `spatial_dims`, output o samples the input at (o + 0.5 - translation) / scale - 0.5 with
    the `method` kernel ("linear", "cubic", "lanczos3", "lanczos5"), widened by 1 / scale
    when shrinking with `antialias`. Differentiable in the images.

    >>> import ember
    >>> ember.ops.image.scale_and_translate(ember.ones((4, 4)), (2, 2), [0.5, 0.5], [0, 0],
    ...                                     (0, 1), "linear").numpy()
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """
    if method not in _KERNELS:
        raise ValueError(f"scale_and_translate: method must be one of {sorted(_KERNELS)}; "
                         f"received {method!r}")
    x = float_tensor(images)
    scale = _raw(scale).reshape(-1)
    translation = _raw(translation).reshape(-1)
    for k, axis in enumerate(spatial_dims):
        m = _jax_matrix(x.shape[axis], int(output_shape[axis]), scale[k], translation[k],
                        method, antialias)
        x = _along(x, axis, m)
    return x


def _blur_1d(field, sigma, axis):
    size = max(int(2 * math.ceil(3 * sigma) + 1), 1)
    t = np.arange(size) - (size - 1) / 2
    k = np.exp(-0.5 * (t / sigma) ** 2)
    k /= k.sum()
    pad = [(0, 0)] * field.ndim
    pad[axis] = (size // 2, size // 2)
    fp = np.pad(field, pad, mode="reflect" if field.shape[axis] > size // 2 else "edge")
    out = np.zeros_like(field)
    for i in range(size):
        out += k[i] * np.take(fp, np.arange(i, i + field.shape[axis]), axis=axis)
    return out


def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Elastic deformation: a random displacement field, uniform in [-1, 1], Gaussian-blurred
    with `sigma` and scaled by `alpha`, moves each pixel; the image is resampled there
    (differentiable in the images). The field comes from ember's generators (`seed`: an int
    or None), so it differs from Keras' for the same seed.

    >>> import ember
    >>> ember.ops.image.elastic_transform(ember.ones((1, 8, 8, 1)), seed=0).shape
    (1, 8, 8, 1)
    """
    from ember.utils.random import get_generator  # noqa: PLC0415

    x, back = _batched(images, data_format, "elastic_transform")
    n, h, w, _ = x.shape
    rng = get_generator(seed)
    dx, dy = (rng.uniform(-1, 1, (n, h, w)) for _ in range(2))  # float64 on purpose
    dx = _blur_1d(_blur_1d(dx, sigma, 1), sigma, 2) * alpha
    dy = _blur_1d(_blur_1d(dy, sigma, 1), sigma, 2) * alpha
    yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    return back(_image_sample(x, yy + dy, xx + dx, interpolation, fill_mode, fill_value))


__all__ = ["map_coordinates", "affine_transform", "perspective_transform", "resize",
           "scale_and_translate", "elastic_transform"]
