"""Image resizing as two small matrix products (differentiable), and Keras' aspect-ratio
crop and pad boxes, channels-last (N, H, W, C).

A resize from (H, W) to (Ho, Wo) is y = A_h x A_w^T per image and channel, with A_h (Ho, H)
and A_w (Wo, W) the interpolation matrices of `interpolation_matrix`; it is built from
`matmul` and `reshape`, so its gradient, gx = A_h^T gy A_w, comes from those ops.
"""

import numpy as np

from ember import backend, ops
from ember.tensor import Tensor

RESIZE_INTERPOLATIONS = ("bilinear", "nearest")


def interpolation_matrix(n_in, n_out, interpolation, dtype="float32"):
    """(n_out, n_in) matrix of `tf.image.resize` (half-pixel centres, no antialiasing).

    With scale = n_in / n_out, output cell o reads the input at
    src = (o + 0.5) * scale - 0.5 ("bilinear": clamped at 0, mixing floor(src) and the next
    cell, the last cell repeated past the end; identical to PyTorch's
    `interpolate(mode="bilinear", align_corners=False, antialias=False)`), or the cell
    min(floor((o + 0.5) * scale), n_in - 1) ("nearest": PyTorch's "nearest-exact").

    >>> from ember.layers.preprocessing.resize import interpolation_matrix
    >>> interpolation_matrix(2, 4, "bilinear")
    array([[1.  , 0.  ],
           [0.75, 0.25],
           [0.25, 0.75],
           [0.  , 1.  ]], dtype=float32)
    """
    o = np.arange(n_out, dtype=np.float64)  # float64 on purpose: exact half-pixel positions
    scale = n_in / n_out
    a = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    if interpolation == "nearest":
        a[rows, np.minimum(np.floor((o + 0.5) * scale), n_in - 1).astype(np.int64)] = 1.0
        return a.astype(dtype)
    src = np.maximum((o + 0.5) * scale - 0.5, 0.0)
    lo = np.minimum(np.floor(src), n_in - 1).astype(np.int64)
    hi = np.minimum(lo + 1, n_in - 1)
    t = src - lo
    np.add.at(a, (rows, lo), 1.0 - t)
    np.add.at(a, (rows, hi), t)
    return a.astype(dtype)


def crop_box_for_aspect(height, width, target_height, target_width):
    """(top, left, crop_height, crop_width): the largest centred window of an (height, width)
    image with the target's aspect ratio (Keras' `crop_to_aspect_ratio` and `smart_resize`).

    >>> from ember.layers.preprocessing.resize import crop_box_for_aspect
    >>> crop_box_for_aspect(8, 12, 4, 4)
    (0, 2, 8, 8)
    """
    crop_h = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_w = max(min(width, int(float(height * target_width) / target_height)), 1)
    return int((height - crop_h) / 2), int((width - crop_w) / 2), crop_h, crop_w


def pad_box_for_aspect(height, width, target_height, target_width):
    """(top, left, padded_height, padded_width): the smallest centred canvas holding an
    (height, width) image with the target's aspect ratio (Keras' `pad_to_aspect_ratio`).

    >>> from ember.layers.preprocessing.resize import pad_box_for_aspect
    >>> pad_box_for_aspect(8, 12, 4, 4)
    (2, 0, 12, 12)
    """
    pad_h = max(height, int(float(width * target_height) / target_width))
    pad_w = max(width, int(float(height * target_width) / target_height))
    return int((pad_h - height) / 2), int((pad_w - width) / 2), pad_h, pad_w


def resize_images(x, height, width, interpolation="bilinear"):
    """Resize a batch (N, H, W, C) Tensor to (N, height, width, C) (see module docstring).

    >>> import numpy as np, ember
    >>> from ember.layers.preprocessing.resize import resize_images
    >>> x = ember.tensor(np.array([[0.0, 4.0]]).reshape(1, 1, 2, 1))
    >>> resize_images(x, 1, 4).numpy().ravel()
    array([0., 1., 3., 4.], dtype=float32)
    """
    n, h, w, c = x.shape
    if (h, w) == (height, width):
        return x
    if n == 0:
        return Tensor._wrap(backend.array_module(x.data).zeros((0, height, width, c), x.dtype))
    y = x
    if h != height:
        a_h = Tensor._wrap(backend.asarray(interpolation_matrix(h, height, interpolation,
                                                                x.dtype), like=x.data))
        y = ops.reshape(ops.matmul(a_h, ops.reshape(y, (n, h, w * c))), (n, height, w, c))
    if w != width:
        a_w = Tensor._wrap(backend.asarray(interpolation_matrix(w, width, interpolation,
                                                                x.dtype), like=x.data))
        y = ops.reshape(ops.matmul(a_w, ops.reshape(y, (n * height, w, c))),
                        (n, height, width, c))
    return y


def crop_images(x, top, left, height, width):
    """x[:, top:top + height, left:left + width, :] (its gradient is a slice)."""
    if (top, left, height, width) == (0, 0, x.shape[1], x.shape[2]):
        return x
    return ops.getitem(x, (slice(None), slice(top, top + height), slice(left, left + width)))


def smart_resize(x, height, width, interpolation="bilinear"):
    """Crop the largest centred window with the target aspect ratio, then resize to
    (height, width) (Keras' `image_utils.smart_resize`)."""
    top, left, ch, cw = crop_box_for_aspect(x.shape[1], x.shape[2], height, width)
    return resize_images(crop_images(x, top, left, ch, cw), height, width, interpolation)
