"""Geometric augmentation layers (the notes' flipping, rotation, scaling and cropping):
RandomFlip, RandomRotation, RandomZoom, RandomTranslation and RandomCrop.

Active only when training; seeded; channels-last (N, H, W, C) or a single image (H, W, C).
One draw per image, in Keras' order (for RandomCrop, one location per batch, as Keras).
"""

import numpy as np

from ember import ops
from ember.layers.preprocessing._base import (
    _RandomImageLayer,
    choice,
    config_factor,
    factor_range,
    is_number,
    size_arg,
)
from ember.layers.preprocessing.affine import (
    FILL_MODES,
    INTERPOLATIONS,
    affine_transform,
    rotation_transforms,
    translation_transforms,
    zoom_transforms,
)
from ember.layers.preprocessing.resize import crop_images, smart_resize

HORIZONTAL, VERTICAL, BOTH = "horizontal", "vertical", "horizontal_and_vertical"


class RandomFlip(_RandomImageLayer):
    """Flip each image, with probability 1/2, left-right ("horizontal"), top-bottom
    ("vertical") or both ("horizontal_and_vertical").

    As in Keras 3, one draw per image decides: in "horizontal_and_vertical" mode a flipped
    image is flipped on both axes together (a half turn), else left unchanged.

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical". Defaults to
            "horizontal_and_vertical".
        seed: an int for the layer's own generator, or None (ember's global one).
        data_format: only None / "channels_last".

    >>> import numpy as np, ember
    >>> x = np.arange(3.0).reshape(1, 1, 3, 1)
    >>> layer = ember.layers.RandomFlip("horizontal", seed=1)
    >>> layer(x).numpy().ravel()  # inference: unchanged
    array([0., 1., 2.], dtype=float32)
    """

    def __init__(self, mode=BOTH, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = choice(self._where, "mode", mode, (HORIZONTAL, VERTICAL, BOTH))

    def _augment(self, x):
        flips = self.generator.uniform(size=(x.shape[0], 1, 1, 1)) <= 0.5
        y = x
        if self.mode in (HORIZONTAL, BOTH):
            y = ops.where(flips, ops.getitem(y, (slice(None), slice(None), slice(None, None, -1))),
                          y)
        if self.mode in (VERTICAL, BOTH):
            y = ops.where(flips, ops.getitem(y, (slice(None), slice(None, None, -1))), y)
        return y

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class _AffineLayer(_RandomImageLayer):
    """Shared settings of the layers that resample through `affine_transform`."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.fill_mode = choice(self._where, "fill_mode", fill_mode, FILL_MODES)
        self.interpolation = choice(self._where, "interpolation", interpolation, INTERPOLATIONS)
        if not is_number(fill_value):
            raise ValueError(f"{self._where}: expected `fill_value` to be a number; received "
                             f"fill_value={fill_value!r}")
        self.fill_value = float(fill_value)

    def _sample(self, x, transforms):
        return affine_transform(x, transforms, self.interpolation, self.fill_mode,
                                self.fill_value)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "fill_value": self.fill_value}


class RandomRotation(_AffineLayer):
    """Rotate each image by a random angle about its centre.

    The angle is drawn uniformly from [lower, upper] * 2 pi; a positive angle turns the image
    counter-clockwise on the screen. Exactly (0.25, 0.25) turns every image by 90 degrees
    (`np.rot90`).

    Args:
        factor: a fraction of a full turn, in [-1, 1]: f gives (-|f|, |f|), a pair
            (lower, upper) its range.
        fill_mode: "reflect", "wrap", "constant" or "nearest" (see `affine.py`).
            Defaults to "reflect".
        interpolation: "bilinear" or "nearest". Defaults to "bilinear".
        seed: an int for the layer's own generator, or None (ember's global one).
        fill_value: the value outside the image when fill_mode="constant". Defaults to 0.0.

    >>> import numpy as np, ember
    >>> x = np.arange(4.0).reshape(2, 2, 1)  # a single image
    >>> turn = ember.layers.RandomRotation((0.25, 0.25), interpolation="nearest")
    >>> turn(x, training=True).numpy()[..., 0]
    array([[1., 3.],
           [0., 2.]], dtype=float32)
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.lower, self.upper = factor_range(self._where, "factor", factor)
        self.factor = factor

    def _augment(self, x):
        angles = self.generator.uniform(self.lower, self.upper, size=x.shape[0]) * 2 * np.pi
        return self._sample(x, rotation_transforms(angles, x.shape[1], x.shape[2]))

    def get_config(self):
        return {**super().get_config(), "factor": config_factor(self.factor)}


class RandomZoom(_AffineLayer):
    """Zoom each image in or out about its centre by a random factor per axis.

    The zoom on each axis is 1 + u with u uniform in [lower, upper]: a positive u zooms out
    (the image shrinks, the border is filled), a negative one zooms in.

    Args:
        height_factor: in [-1, 1]: f gives (-|f|, |f|), a pair (lower, upper) its range.
        width_factor: the same for the width, or None to zoom the width by the height's
            draw (keeping the aspect ratio). Defaults to None.
        fill_mode, interpolation, seed, fill_value: as RandomRotation.

    >>> import numpy as np, ember
    >>> x = np.ones((1, 4, 4, 1))
    >>> out = ember.layers.RandomZoom((1.0, 1.0), fill_mode="constant",
    ...                               interpolation="nearest")(x, training=True)
    >>> int(out.numpy().sum())  # zoomed out by 2: a 2x2 image in the middle
    4
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_lower, self.height_upper = factor_range(self._where, "height_factor",
                                                            height_factor)
        self.height_factor, self.width_factor = height_factor, width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = factor_range(self._where, "width_factor",
                                                              width_factor)

    def _augment(self, x):
        n = x.shape[0]
        zy = 1.0 + self.generator.uniform(self.height_lower, self.height_upper, size=n)
        zx = zy if self.width_factor is None else 1.0 + self.generator.uniform(
            self.width_lower, self.width_upper, size=n)
        return self._sample(x, zoom_transforms(zy, zx, x.shape[1], x.shape[2]))

    def get_config(self):
        return {**super().get_config(), "height_factor": config_factor(self.height_factor),
                "width_factor": config_factor(self.width_factor)}


class RandomTranslation(_AffineLayer):
    """Shift each image by a random fraction of its height and width.

    The shifts are u_h * H pixels down and u_w * W pixels right, with u uniform in each
    factor's range (not rounded: "bilinear" mixes neighbouring pixels).

    Args:
        height_factor: in [-1, 1]: f gives (-|f|, |f|), a pair (lower, upper) its range;
            a positive shift moves the image down.
        width_factor: the same for the width; a positive shift moves the image right.
        fill_mode, interpolation, seed, fill_value: as RandomRotation.

    >>> import numpy as np, ember
    >>> x = np.arange(1.0, 5.0).reshape(1, 4, 1, 1)
    >>> down = ember.layers.RandomTranslation((0.25, 0.25), 0.0, fill_mode="constant")
    >>> down(x, training=True).numpy().ravel()
    array([0., 1., 2., 3.], dtype=float32)
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_lower, self.height_upper = factor_range(self._where, "height_factor",
                                                            height_factor)
        self.width_lower, self.width_upper = factor_range(self._where, "width_factor",
                                                          width_factor)
        self.height_factor, self.width_factor = height_factor, width_factor

    def _augment(self, x):
        n, h, w = x.shape[:3]
        dy = self.generator.uniform(self.height_lower, self.height_upper, size=n) * h
        dx = self.generator.uniform(self.width_lower, self.width_upper, size=n) * w
        return self._sample(x, translation_transforms(dy, dx))

    def get_config(self):
        return {**super().get_config(), "height_factor": config_factor(self.height_factor),
                "width_factor": config_factor(self.width_factor)}


class RandomCrop(_RandomImageLayer):
    """Crop a random (height, width) window (the same location for the whole batch).

    As Keras: in training, when the input is larger than the target on both axes, the window
    starts at a uniform random row in [0, H - height] and column in [0, W - width]. At
    inference, and in training when the input is not larger on both axes, the layer returns
    Keras' `smart_resize`: the largest centred window with the target's aspect ratio, resized
    bilinearly to (height, width) (so an 8x8 image with a 6x6 target is resized, not cropped).

    Args:
        height, width: the output size, positive integers.
        seed: an int for the layer's own generator, or None (ember's global one).

    >>> import numpy as np, ember
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> layer = ember.layers.RandomCrop(2, 2, seed=0)
    >>> layer(x, training=True).shape, layer(x).shape
    ((1, 2, 2, 1), (1, 2, 2, 1))
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height = size_arg(self._where, "height", height)
        self.width = size_arg(self._where, "width", width)

    def call(self, inputs, training=False):
        x, added = self._batched(inputs)
        h, w = x.shape[1:3]
        if training and h > self.height and w > self.width:
            top = int(self.generator.integers(0, h - self.height + 1))
            left = int(self.generator.integers(0, w - self.width + 1))
            y = crop_images(x, top, left, self.height, self.width)
        else:
            y = smart_resize(x, self.height, self.width)
        return self._unbatched(y, added)

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        return (*tuple(input_shape)[:-3], self.height, self.width, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
