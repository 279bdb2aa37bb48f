"""Deterministic image preprocessing layers: Rescaling, Resizing and CenterCrop.

They are ops on tensors (products, slices, two small matrix products), so gradients pass
through them. Channels-last (N, H, W, C) or a single image (H, W, C) (Rescaling takes any
shape).
"""

import numpy as np

from ember import ops
from ember.layers._utils import cast_inputs
from ember.layers.base import Layer
from ember.layers.preprocessing._base import _ImageLayer, choice, is_number, size_arg
from ember.layers.preprocessing.resize import (
    RESIZE_INTERPOLATIONS,
    crop_box_for_aspect,
    crop_images,
    pad_box_for_aspect,
    resize_images,
    smart_resize,
)


def _number_or_list(where, name, value):
    """A number, or a list of numbers (per-channel values), as JSON data."""
    if is_number(value):
        return float(value)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim == 0 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{where}: expected `{name}` to be a number or a list of numbers "
                         f"(one per channel); received {name}={value!r}")
    return arr.tolist()


class Rescaling(Layer):
    """y = x * scale + offset (e.g. scale=1/255 maps [0, 255] pixels to [0, 1]).

    Args:
        scale: a number, or one number per channel (broadcast against the last axis).
        offset: the same kinds. Defaults to 0.0.

    >>> import numpy as np, ember
    >>> ember.layers.Rescaling(1 / 255)(np.array([[0.0, 51.0, 255.0]])).numpy().round(6)
    array([[0. , 0.2, 1. ]], dtype=float32)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        where = f"Rescaling '{self.name}'"
        self.scale = _number_or_list(where, "scale", scale)
        self.offset = _number_or_list(where, "offset", offset)

    def call(self, inputs):
        x = cast_inputs(self, inputs)
        if x.dtype.kind != "f":
            x = ops.cast(x, self.dtype)
        scale = np.asarray(self.scale, dtype=self.dtype)
        offset = np.asarray(self.offset, dtype=self.dtype)
        return x * scale + offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Resizing(_ImageLayer):
    """Resize images to (height, width) (`tf.image.resize` without antialiasing).

    "bilinear" reads output cell o of an axis at input position (o + 0.5) * in / out - 0.5
    (half-pixel centres, edge cells repeated: PyTorch's `interpolate(mode="bilinear",
    align_corners=False, antialias=False)`); "nearest" reads cell floor((o + 0.5) * in / out)
    (PyTorch's "nearest-exact"). Keras' other interpolations ("bicubic", "area", "lanczos3",
    ...) and `antialias=True` are not implemented and raise.

    Args:
        height, width: the output size, positive integers.
        interpolation: "bilinear" or "nearest". Defaults to "bilinear".
        crop_to_aspect_ratio: first crop the largest centred window with the target's aspect
            ratio (no distortion). Defaults to False.
        pad_to_aspect_ratio: first pad (centred, with `fill_value`) to the target's aspect
            ratio. Defaults to False.
        fill_mode: only "constant" (Keras' only mode). fill_value: defaults to 0.0.

    >>> import numpy as np, ember
    >>> x = np.array([0.0, 4.0]).reshape(1, 1, 2, 1)
    >>> ember.layers.Resizing(1, 4)(x).numpy().ravel()
    array([0., 1., 3., 4.], dtype=float32)
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        where = self._where
        self.height = size_arg(where, "height", height)
        self.width = size_arg(where, "width", width)
        self.interpolation = choice(where, "interpolation", interpolation,
                                    RESIZE_INTERPOLATIONS)
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(f"{where}: only one of `crop_to_aspect_ratio` and "
                             "`pad_to_aspect_ratio` can be True; received both True")
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = choice(where, "fill_mode", fill_mode, ("constant",))
        if not is_number(fill_value):
            raise ValueError(f"{where}: expected `fill_value` to be a number; received "
                             f"fill_value={fill_value!r}")
        self.fill_value = float(fill_value)
        if antialias:
            raise ValueError(f"{where}: antialias=True is not implemented; received "
                             f"antialias={antialias!r}")
        self.antialias = False

    def call(self, inputs):
        x, added = self._batched(inputs)
        h, w = x.shape[1:3]
        if self.crop_to_aspect_ratio:
            x = crop_images(x, *crop_box_for_aspect(h, w, self.height, self.width))
        elif self.pad_to_aspect_ratio:
            top, left, ph, pw = pad_box_for_aspect(h, w, self.height, self.width)
            if (ph, pw) != (h, w):
                x = ops.pad(x, ((0, 0), (top, ph - h - top), (left, pw - w - left), (0, 0)),
                            constant_values=self.fill_value)
        return self._unbatched(resize_images(x, self.height, self.width, self.interpolation),
                               added)

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        return (*tuple(input_shape)[:-3], self.height, self.width, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


class CenterCrop(_ImageLayer):
    """Crop the central (height, width) window.

    The window starts at row int((H - height) / 2) and column int((W - width) / 2) (an odd
    margin leaves the extra row / column at the bottom / right). An image smaller than the
    target on either axis is instead `smart_resize`d, as Keras does: the largest centred
    window with the target's aspect ratio, resized bilinearly.

    Args:
        height, width: the output size, positive integers.

    >>> import numpy as np, ember
    >>> x = np.arange(25.0).reshape(1, 5, 5, 1)
    >>> ember.layers.CenterCrop(2, 3)(x).numpy()[0, ..., 0]
    array([[ 6.,  7.,  8.],
           [11., 12., 13.]], dtype=float32)
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = size_arg(self._where, "height", height)
        self.width = size_arg(self._where, "width", width)

    def call(self, inputs):
        x, added = self._batched(inputs)
        dh, dw = x.shape[1] - self.height, x.shape[2] - self.width
        if dh >= 0 and dw >= 0:
            y = crop_images(x, int(dh / 2), int(dw / 2), self.height, self.width)
        else:
            y = smart_resize(x, self.height, self.width)
        return self._unbatched(y, added)

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        return (*tuple(input_shape)[:-3], self.height, self.width, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
