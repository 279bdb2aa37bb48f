"""Keras' image file helpers: `load_img`, `img_to_array`, `array_to_img`, `save_img`.

They use Pillow, an optional dependency imported only when one of them runs
(`pip install pillow`). Arrays are channels-last `(height, width, channels)` float32 by
default, as Keras.

The centre crop `load_img(keep_aspect_ratio=True)` takes from a 500x340 image for a square
target (Keras' `smart_resize` rule):

>>> crop_box((500, 340), (200, 200))
(80, 0, 420, 340)
"""

import io
import os
import pathlib
import warnings

import numpy as np

from ember import config


def pil_image():
    """`PIL.Image`, or an ImportError saying what to install."""
    try:
        from PIL import Image  # noqa: PLC0415  (optional dependency)
    except ImportError:
        raise ImportError("ember's image utilities (load_img, image_dataset_from_directory, "
                          "...) need Pillow: `pip install pillow`") from None
    return Image


def resample_method(name, where="load_img"):
    """The Pillow resampling filter for a Keras interpolation name."""
    image = pil_image()
    methods = {"nearest": image.NEAREST, "bilinear": image.BILINEAR,
               "bicubic": image.BICUBIC, "hamming": image.HAMMING, "box": image.BOX,
               "lanczos": image.LANCZOS, "area": image.BOX, "lanczos3": image.LANCZOS,
               "lanczos5": image.LANCZOS,
               # Pillow has no Gaussian or Mitchell filter: the nearest cubic one
               "gaussian": image.BICUBIC, "mitchellcubic": image.BICUBIC}
    if name not in methods:
        raise ValueError(f"{where}: invalid interpolation method {name!r}; supported methods "
                         f"are {', '.join(methods)}")
    return methods[name]


def _data_format(data_format):
    value = config.image_data_format() if data_format is None else data_format
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"`data_format` must be 'channels_last' or 'channels_first'; "
                         f"received data_format={data_format!r}")
    return value


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Load an image file as a PIL Image.

    Args:
        path: a path (str or pathlib.Path) or an `io.BytesIO`.
        color_mode: "rgb" (default), "rgba" or "grayscale".
        target_size: None (the file's size) or `(height, width)`.
        interpolation: the resampling filter when resizing: "nearest" (default),
            "bilinear", "bicubic", "lanczos", "box" or "hamming".
        keep_aspect_ratio: crop the centre to the target aspect ratio before resizing.

    Returns:
        A PIL Image.
    """
    image = pil_image()
    if isinstance(path, io.BytesIO):
        img = image.open(path)
    elif isinstance(path, pathlib.Path | bytes | str):
        with open(os.fspath(path), "rb") as f:
            img = image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"load_img: `path` should be path-like or io.BytesIO, not "
                        f"{type(path).__name__}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode in ("rgb", "rgba"):
        if img.mode != color_mode.upper():
            img = img.convert(color_mode.upper())
    else:
        raise ValueError(f'load_img: color_mode must be "grayscale", "rgb", or "rgba"; '
                         f"received color_mode={color_mode!r}")
    if target_size is not None:
        size = (int(target_size[1]), int(target_size[0]))
        if img.size != size:
            resample = resample_method(interpolation)
            box = crop_box(img.size, size) if keep_aspect_ratio else None
            img = img.resize(size, resample, box=box)
    return img


def crop_box(size, target):
    """The centred `(left, top, right, bottom)` box of `size` (width, height) with the
    aspect ratio of `target` (width, height)."""
    width, height = size
    target_width, target_height = target
    crop_height = min(height, (width * target_height) // target_width)
    crop_width = min(width, (height * target_width) // target_height)
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return (left, top, left + crop_width, top + crop_height)


def img_to_array(img, data_format=None, dtype=None):
    """A PIL Image as a 3-D NumPy array (`(height, width, channels)` for channels_last).

    Args:
        img: a PIL Image.
        data_format: "channels_last" or "channels_first". Defaults to
            `ember.config.image_data_format()`.
        dtype: defaults to `ember.config.floatx()` (float32).
    """
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1, *x.shape) if data_format == "channels_first" else (*x.shape, 1))
    else:
        raise ValueError(f"img_to_array: unsupported image shape {x.shape}")
    return x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3-D array as a PIL Image (1 channel: "L", 3: "RGB", 4: "RGBA").

    Args:
        x: an array-like of rank 3.
        data_format: "channels_last" or "channels_first". Defaults to
            `ember.config.image_data_format()`.
        scale: rescale the values so that their minimum and maximum become 0 and 255.
            Defaults to True.
        dtype: the working dtype. Defaults to float32.
    """
    image = pil_image()
    data_format = _data_format(data_format)
    x = np.array(x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError("array_to_img: expected image array to have rank 3 (single image); "
                         f"received an array of shape {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x /= top
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: unsupported number of channels {channels} (expected 1, "
                     "3 or 4)")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save a 3-D array as an image file (the format from the extension, or
    `file_format`); extra keyword arguments go to `PIL.Image.save`."""
    if file_format is None and isinstance(path, str | pathlib.Path):
        file_format = pathlib.Path(path).suffix[1:].lower() or None
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)
