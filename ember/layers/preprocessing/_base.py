"""Shared pieces of the image preprocessing layers: the image-rank check (a single image
(H, W, C) or a batch (N, H, W, C), channels-last), argument checks naming the layer and the
value, Keras' `factor` rules, and the random layers' generator plumbing."""

import math

import numpy as np

from ember.layers._utils import cast_inputs
from ember.layers.base import Layer
from ember.ops import expand_dims, squeeze
from ember.utils.random import get_generator, global_generator

_NUMBER = int | float | np.integer | np.floating


def is_number(value):
    return isinstance(value, _NUMBER) and not isinstance(value, bool) and math.isfinite(value)


class _ImageLayer(Layer):
    """Base of the image layers: channels-last images of rank 3 or 4, cast to the layer's
    float dtype (as Keras casts to the compute dtype)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        given = data_format
        if data_format is None:  # Keras' default: the global setting
            from ember import config  # noqa: PLC0415

            data_format = config.image_data_format()
        if data_format != "channels_last":
            source = ("" if given is not None else
                      " (from ember.config.image_data_format())")
            raise ValueError(f"{self._where}: ember's image preprocessing layers are "
                             f"channels-last; received data_format={data_format!r}{source}. "
                             "Transpose (N, C, H, W) data to (N, H, W, C) with "
                             "np.transpose(x, (0, 2, 3, 1))")
        self.data_format = "channels_last"

    @property
    def _where(self):
        return f"{type(self).__name__} '{self.name}'"

    def _check_rank(self, shape):
        if len(shape) not in (3, 4):
            raise ValueError(f"{self._where}: expected images of rank 3 (height, width, "
                             f"channels) or 4 (batch, height, width, channels); received "
                             f"input of shape {tuple(shape)}")

    def _batched(self, inputs):
        """(x as a float (N, H, W, C) Tensor, whether a batch axis was added)."""
        self._check_rank(inputs.shape)
        x = cast_inputs(self, inputs)
        if x.dtype.kind != "f":
            from ember.ops import cast  # noqa: PLC0415

            x = cast(x, self.dtype)
        if x.ndim == 3:
            return expand_dims(x, 0), True
        return x, False

    @staticmethod
    def _unbatched(y, added):
        return squeeze(y, 0) if added else y

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class _RandomImageLayer(_ImageLayer):
    """Base of the augmentation layers: active only with `training=True` (the identity at
    inference), every draw from `self.generator`.

    `seed`: an int gives the layer its own `np.random.Generator` (repeatable draws); None uses
    ember's global generator, looked up at each call so `ember.utils.set_random_seed` applies.
    The generator is the `generator` attribute, which checkpoints (BackupAndRestore) save and
    restore.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        try:
            self._generator = None if seed is None else get_generator(seed)
        except ValueError:
            raise ValueError(f"{self._where}: expected `seed` to be None, a non-negative "
                             f"integer or a numpy Generator; received seed={seed!r}") from None
        self.seed = seed

    @property
    def generator(self):
        """The layer's np.random.Generator: its own when seeded, else ember's global one."""
        return self._generator if self._generator is not None else global_generator()

    @generator.setter
    def generator(self, value):
        self._generator = value

    def call(self, inputs, training=False):
        x, added = self._batched(inputs)
        if not training or x.shape[0] == 0:
            return self._unbatched(x, added)
        return self._unbatched(self._augment(x), added)

    def _augment(self, x):
        raise NotImplementedError

    def get_config(self):
        seed = int(self.seed) if isinstance(self.seed, int | np.integer) else None
        return {**super().get_config(), "seed": seed}


def factor_range(where, name, factor, low=-1.0, high=1.0):
    """Keras' `factor`: a number f gives (-|f|, |f|) clipped below at `low`; a pair gives its
    sorted values. Every value must lie in [low, high], else a ValueError naming the layer,
    the argument and the value."""
    message = (f"{where}: expected `{name}` to be a number or a pair of numbers in "
               f"[{low:g}, {high:g}]; received {name}={factor!r}")
    if isinstance(factor, list | tuple | np.ndarray):
        values = list(np.asarray(factor, dtype=object).ravel()) if len(factor) == 2 else None
        if values is None or not all(is_number(v) for v in values):
            raise ValueError(message)
        if any(not low <= float(v) <= high for v in values):
            raise ValueError(message)
        lower, upper = sorted(float(v) for v in values)
        return lower, upper
    if not is_number(factor) or not low <= float(factor) <= high:
        raise ValueError(message)
    f = abs(float(factor))
    return max(-f, low), f


def config_factor(factor):
    """`factor` as JSON data (a pair becomes a list)."""
    if factor is None:
        return None
    if isinstance(factor, list | tuple | np.ndarray):
        return [float(v) for v in factor]
    return float(factor)


def choice(where, name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{where}: expected `{name}` to be one of {list(allowed)}; received "
                         f"{name}={value!r}")
    return value


def value_range_pair(where, value_range):
    """Keras' `value_range`: two numbers, sorted."""
    if not isinstance(value_range, list | tuple | np.ndarray) or len(value_range) != 2 or \
            not all(is_number(v) for v in value_range):
        raise ValueError(f"{where}: expected `value_range` to be a pair of numbers "
                         f"[low, high]; received value_range={value_range!r}")
    low, high = sorted(float(v) for v in value_range)
    return low, high


def size_arg(where, name, value):
    """A positive integer size (height / width)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ValueError(f"{where}: expected `{name}` to be a positive integer; received "
                         f"{name}={value!r}")
    return int(value)
