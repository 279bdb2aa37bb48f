"""Keras' `ops.image` colour, filtering, patch and crop/pad ops, as compositions of ember
ops (so all are differentiable in the images): `rgb_to_grayscale`, `rgb_to_hsv`,
`hsv_to_rgb`, `gaussian_blur`, `sobel_edges`, `ssim`, `extract_patches`,
`extract_patches_3d`, `crop_images`, `pad_images`.
"""

import math

import numpy as np

from ember.ops.elementwise import abs, clip, maximum, minimum, where
from ember.ops.keras_conv import conv, depthwise_conv
from ember.ops.reduce import mean
from ember.ops.shaping import getitem, pad, reshape, stack, transpose
from ember.ops.tensor_args import channels_last, const, float_tensor


def _check_rank(x, op, ranks=(3, 4)):
    if x.ndim not in ranks:
        raise ValueError(f"{op}: images must have rank {' or '.join(map(str, ranks))}; "
                         f"received shape {x.shape}")


def _channel_axis(data_format):
    return -1 if channels_last(data_format) else -3


def _planes(x, data_format):
    ax = _channel_axis(data_format)
    if x.shape[ax] != 3:
        raise ValueError(f"expected 3 channels on axis {ax}; received shape {x.shape}")
    key = [slice(None)] * x.ndim
    out = []
    for c in range(3):
        key[ax] = c
        out.append(getitem(x, tuple(key)))
    return out


def rgb_to_grayscale(images, data_format=None):
    """0.2989 R + 0.587 G + 0.114 B, keeping a channel axis of 1 (3 or 1 input channels).

    >>> import ember
    >>> ember.ops.image.rgb_to_grayscale(ember.ones((2, 2, 3))).shape
    (2, 2, 1)
    """
    x = float_tensor(images)
    _check_rank(x, "rgb_to_grayscale")
    ax = _channel_axis(data_format)
    if x.shape[ax] == 1:
        return x * 1.0
    r, g, b = _planes(x, data_format)
    return stack([0.2989 * r + 0.587 * g + 0.114 * b], axis=ax)


def rgb_to_hsv(images, data_format=None):
    """RGB in [0, 1] to (hue, saturation, value), all in [0, 1] (dm_pix's formulas, as
    Keras).

    >>> import ember
    >>> ember.ops.image.rgb_to_hsv(ember.tensor([[[1.0, 0.0, 0.0]]])).numpy()
    array([[[0., 1., 1.]]], dtype=float32)
    """
    x = float_tensor(images)
    _check_rank(x, "rgb_to_hsv")
    eps = np.finfo(x.dtype).eps
    x = where(abs(x).data < eps, 0.0, x)
    r, g, b = _planes(x, data_format)
    value = maximum(maximum(r, g), b)
    range_ = value - minimum(minimum(r, g), b)
    v, rg = value.data, range_.data
    safe_value = where(v > 0, value, 1.0)
    safe_range = where(rg > 0, range_, 1.0)
    saturation = where(v > 0, range_ / safe_value, 0.0)
    norm = 1.0 / (6.0 * safe_range)
    hue = where(v == g.data, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
    hue = where(v == r.data, norm * (g - b), hue)
    hue = where(rg > 0, hue, 0.0) + const(x, (hue.data < 0).astype(x.dtype))
    return stack([hue, saturation, value], axis=_channel_axis(data_format))


def hsv_to_rgb(images, data_format=None):
    """(hue, saturation, value) to RGB (dm_pix's piecewise-linear formulas, as Keras).

    >>> import ember
    >>> ember.ops.image.hsv_to_rgb(ember.tensor([[[0.0, 1.0, 1.0]]])).numpy()
    array([[[1., 0., 0.]]], dtype=float32)
    """
    x = float_tensor(images)
    _check_rank(x, "hsv_to_rgb")
    h, s, v = _planes(x, data_format)
    dh = (h - np.floor(h.data).astype(x.dtype)) * 6.0  # remainder(h, 1) * 6
    dr = clip(abs(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = clip(2.0 - abs(dh - 2.0), 0.0, 1.0)
    db = clip(2.0 - abs(dh - 4.0), 0.0, 1.0)
    one_minus_s = 1.0 - s
    rgb = [v * (one_minus_s + s * d) for d in (dr, dg, db)]
    return stack(rgb, axis=_channel_axis(data_format))


def _gauss1d(size, sigma, dtype):
    t = np.arange(size) - (size - 1) / 2
    k = np.exp(-0.5 * (t / sigma) ** 2)
    return (k / k.sum()).astype(dtype)


def _nhwc(images, data_format, op):
    x = float_tensor(images)
    _check_rank(x, op)
    single = x.ndim == 3
    if single:
        x = reshape(x, (1,) + x.shape)
    if not channels_last(data_format):
        x = transpose(x, (0, 2, 3, 1))

    def back(y):
        if not channels_last(data_format):
            y = transpose(y, (0, 3, 1, 2) + tuple(range(4, y.ndim)))
        return reshape(y, y.shape[1:]) if single else y
    return x, back


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Per-channel Gaussian blur, zero padding of kernel_size // 2 on each side (Keras).

    >>> import ember
    >>> ember.ops.image.gaussian_blur(ember.ones((1, 5, 5, 2))).shape
    (1, 5, 5, 2)
    """
    x, back = _nhwc(images, data_format, "gaussian_blur")
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sh, sw = (sigma, sigma) if isinstance(sigma, int | float) else sigma
    k2 = np.outer(_gauss1d(kh, sh, x.dtype), _gauss1d(kw, sw, x.dtype))
    c = x.shape[-1]
    kernel = const(x, np.repeat(k2[:, :, None, None], c, axis=2))
    xp = pad(x, ((0, 0), (kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2), (0, 0)))
    return back(depthwise_conv(xp, kernel))


def sobel_edges(images, data_format=None):
    """Sobel responses per channel, stacked last as (d/dy, d/dx): (N, H, W, C, 2), zero
    padding of 1 (Keras).

    >>> import ember
    >>> ember.ops.image.sobel_edges(ember.ones((1, 4, 4, 3))).shape
    (1, 4, 4, 3, 2)
    """
    x, back = _nhwc(images, data_format, "sobel_edges")
    c = x.shape[-1]
    sx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=x.dtype)
    xp = pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    out = [depthwise_conv(xp, const(x, np.repeat(k[:, :, None, None], c, axis=2)))
           for k in (sx.T, sx)]
    return back(stack(out, axis=-1))


def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Structural similarity per image pair (Wang et al., 2004) with a Gaussian window
    ("valid" filtering, as Keras); a scalar for unbatched inputs.

    >>> import ember
    >>> x = ember.random.uniform((16, 16, 1), seed=1)
    >>> round(float(ember.ops.image.ssim(x, x)), 4)
    1.0
    """
    a, back = _nhwc(image1, data_format, "ssim")
    b, _ = _nhwc(image2, data_format, "ssim")
    n, h, w, c = a.shape
    g = _gauss1d(filter_size, filter_sigma, a.dtype)
    kernel = const(a, np.outer(g, g)[:, :, None, None])

    def blur(t):  # each channel as its own image
        t = reshape(transpose(t, (0, 3, 1, 2)), (n * c, h, w, 1))
        return conv(t, kernel)

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu1, mu2 = blur(a), blur(b)
    s11 = blur(a * a) - mu1 * mu1
    s22 = blur(b * b) - mu2 * mu2
    s12 = blur(a * b) - mu1 * mu2
    num = (2.0 * mu1 * mu2 + c1) * (2.0 * s12 + c2)
    den = (mu1 * mu1 + mu2 * mu2 + c1) * (s11 + s22 + c2)
    per = mean(reshape(mean(num / den, axis=(1, 2, 3)), (n, c)), axis=-1)
    return reshape(per, ()) if float_tensor(image1).ndim == 3 else per


def _patches(x, size, strides, dilation_rate, padding, op):
    """x (N, *spatial, C) -> (N, *out, prod(size) * C), patch values ordered (taps..., C)."""
    rank = x.ndim - 2
    size = (size,) * rank if isinstance(size, int) else tuple(size)
    strides = size if strides is None else (
        (strides,) * rank if isinstance(strides, int) else tuple(strides))
    dil = (dilation_rate,) * rank if isinstance(dilation_rate, int) else tuple(dilation_rate)
    if padding not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same'; received {padding!r}")
    spatial = x.shape[1:-1]
    if padding == "same":
        pads = []
        for n, k, s, d in zip(spatial, size, strides, dil):
            out = math.ceil(n / s)
            total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
            pads.append((total // 2, total - total // 2))
        x = pad(x, ((0, 0), *pads, (0, 0)))
        spatial = x.shape[1:-1]
    outs = [(n - (k - 1) * d - 1) // s + 1 for n, k, s, d in zip(spatial, size, strides, dil)]
    taps = []
    for tap in np.ndindex(*size):
        key = (slice(None),) + tuple(
            slice(t * d, t * d + s * (o - 1) + 1, s)
            for t, d, s, o in zip(tap, dil, strides, outs)) + (slice(None),)
        taps.append(getitem(x, key))
    y = stack(taps, axis=-2)  # (N, *out, taps, C)
    return reshape(y, y.shape[:-2] + (y.shape[-2] * y.shape[-1],))


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Patches of `size` (h, w) every `strides` (default: size) as channels:
    (N, H', W', h * w * C), values ordered (row, column, channel) (Keras).

    >>> import ember
    >>> ember.ops.image.extract_patches(ember.ones((1, 4, 4, 3)), 2).shape
    (1, 2, 2, 12)
    """
    x, back = _nhwc(images, data_format, "extract_patches")
    return back(_patches(x, size, strides, dilation_rate, padding, "extract_patches"))


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """3-D patches of volumes (N, D, H, W, C): (N, D', H', W', d * h * w * C).

    >>> import ember
    >>> ember.ops.image.extract_patches_3d(ember.ones((1, 4, 4, 4, 2)), 2).shape
    (1, 2, 2, 2, 16)
    """
    x = float_tensor(volumes)
    _check_rank(x, "extract_patches_3d", (4, 5))
    single = x.ndim == 4
    if single:
        x = reshape(x, (1,) + x.shape)
    if not channels_last(data_format):
        x = transpose(x, (0, 2, 3, 4, 1))
    y = _patches(x, size, strides, dilation_rate, padding, "extract_patches_3d")
    if not channels_last(data_format):
        y = transpose(y, (0, 4, 1, 2, 3))
    return reshape(y, y.shape[1:]) if single else y


def _sides(first, last, target, size, op, names):
    if first is None and last is None and target is None:
        return 0, 0
    if first is None:
        first = (size - target - last) if op == "crop" else (target - last - size)
    if last is None:
        last = (size - target - first) if op == "crop" and target is not None else (
            (target - first - size) if target is not None else 0)
    if first < 0 or last < 0:
        raise ValueError(f"{op}_images: {names} must be >= 0; received {first} and {last}")
    return int(first), int(last)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None,
                data_format=None):
    """Crop images (rank 3 or 4); each axis takes two of (first, last, target size).

    >>> import ember
    >>> ember.ops.image.crop_images(ember.ones((1, 5, 6, 1)), 1, 2, target_height=3,
    ...                             target_width=3).shape
    (1, 3, 3, 1)
    """
    x, back = _nhwc(images, data_format, "crop_images")
    h, w = x.shape[1:3]
    top, bottom = _sides(top_cropping, bottom_cropping, target_height, h, "crop",
                         "top and bottom cropping")
    left, right = _sides(left_cropping, right_cropping, target_width, w, "crop",
                         "left and right cropping")
    return back(getitem(x, (slice(None), slice(top, h - bottom), slice(left, w - right))))


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Zero-pad images (rank 3 or 4); each axis takes two of (first, last, target size).

    >>> import ember
    >>> ember.ops.image.pad_images(ember.ones((4, 4, 1)), 1, 2, target_height=7,
    ...                            target_width=8).shape
    (7, 8, 1)
    """
    x, back = _nhwc(images, data_format, "pad_images")
    h, w = x.shape[1:3]
    top, bottom = _sides(top_padding, bottom_padding, target_height, h, "pad",
                         "top and bottom padding")
    left, right = _sides(left_padding, right_padding, target_width, w, "pad",
                         "left and right padding")
    return back(pad(x, ((0, 0), (top, bottom), (left, right), (0, 0))))


__all__ = ["rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb", "gaussian_blur", "sobel_edges",
           "ssim", "extract_patches", "extract_patches_3d", "crop_images", "pad_images"]
