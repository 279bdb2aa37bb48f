"""Lighting augmentation layers (the notes' "changing the lighting conditions"):
RandomBrightness and RandomContrast. Active only when training; one draw per image."""

from ember import ops
from ember.layers.preprocessing._base import (
    _RandomImageLayer,
    config_factor,
    factor_range,
    value_range_pair,
)


class RandomBrightness(_RandomImageLayer):
    """Add a random brightness offset to each image, then clip to `value_range`.

    y = clip(x + u * (high - low), low, high), with u uniform in [lower, upper], one u per
    image shared by its pixels and channels.

    Args:
        factor: in [-1, 1], a fraction of the value range: f gives (-|f|, |f|), a pair
            (lower, upper) its range.
        value_range: (low, high) of the pixel values. Defaults to (0, 255).
        seed: an int for the layer's own generator, or None (ember's global one).

    >>> import numpy as np, ember
    >>> x = np.full((1, 2, 2, 3), 100.0)
    >>> brighter = ember.layers.RandomBrightness((0.1, 0.1))
    >>> float(brighter(x, training=True).numpy().max())  # 100 + 0.1 * 255
    125.5
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.lower, self.upper = factor_range(self._where, "factor", factor)
        self.factor = factor
        self.value_range = value_range_pair(self._where, value_range)

    def _augment(self, x):
        low, high = self.value_range
        u = self.generator.uniform(self.lower, self.upper, size=(x.shape[0], 1, 1, 1))
        delta = (u * (high - low)).astype(x.dtype)
        return ops.clip(x + delta, low, high)

    def get_config(self):
        return {**super().get_config(), "factor": config_factor(self.factor),
                "value_range": list(self.value_range)}


class RandomContrast(_RandomImageLayer):
    """Scale each image's deviations from its per-channel mean by a random factor, then clip.

    y = clip((x - mean) * c + mean, low, high), with mean over each image's height and width
    (per channel) and c uniform in [1 - lower, 1 + upper], one c per image.

    A number f gives lower = upper = f, as Keras documents ([1 - f, 1 + f]; Keras 3's code
    draws from [1, 1 + f] instead, an inconsistency we do not copy).

    Args:
        factor: a number in [0, 1], or a pair (lower, upper) of numbers in [0, 1]
            (sorted, as Keras does).
        value_range: (low, high) of the pixel values. Defaults to (0, 255).
        seed: an int for the layer's own generator, or None (ember's global one).

    >>> import numpy as np, ember
    >>> x = np.array([100.0, 200.0]).reshape(1, 1, 2, 1)
    >>> y = ember.layers.RandomContrast(0.5, seed=0)(x, training=True).numpy()
    >>> float(y.mean()), bool(50 <= y.max() - y.min() <= 150)  # c in [0.5, 1.5]
    (150.0, True)
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        where = self._where
        if isinstance(factor, list | tuple):
            lower, upper = factor_range(where, "factor", factor, 0.0, 1.0)
        else:
            _, upper = factor_range(where, "factor", factor, 0.0, 1.0)
            lower = upper
        self.lower, self.upper = lower, upper
        self.factor = factor
        self.value_range = value_range_pair(where, value_range)

    def _augment(self, x):
        low, high = self.value_range
        c = self.generator.uniform(1.0 - self.lower, 1.0 + self.upper,
                                   size=(x.shape[0], 1, 1, 1)).astype(x.dtype)
        mean = ops.mean(x, axis=(1, 2), keepdims=True)
        return ops.clip((x - mean) * c + mean, low, high)

    def get_config(self):
        return {**super().get_config(), "factor": config_factor(self.factor),
                "value_range": list(self.value_range)}

