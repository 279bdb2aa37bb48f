"""Reshaping layers: `Flatten`, `Reshape`, `Permute`, `RepeatVector`."""

import math

import numpy as np

from ember import config, ops
from ember.layers.base import InputSpec, Layer


def _prod_or_none(dims):
    return None if any(d is None for d in dims) else int(math.prod(dims))


class Flatten(Layer):
    """Flattens every axis but the batch axis: (batch, d1, d2, ...) -> (batch, d1 * d2 * ...).

    Args:
        data_format: "channels_last" (ember's image layout) or
            "channels_first", whose inputs are moved to channels-last before flattening so that
            the feature order matches Keras. Defaults to None:
            `ember.config.image_data_format()`.

    >>> import ember
    >>> ember.layers.Flatten()(ember.ones((2, 28, 28, 1))).shape
    (2, 784)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        data_format = config.image_data_format() if data_format is None else str(
            data_format).lower()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"Flatten '{self.name}': data_format must be 'channels_last' or "
                             f"'channels_first'; received data_format={data_format!r}")
        self.data_format = data_format
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        x = inputs
        if self.data_format == "channels_first" and x.ndim > 2:
            x = ops.transpose(x, (0, *range(2, x.ndim), 1))
        return ops.reshape(x, (x.shape[0], int(math.prod(x.shape[1:]))))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], _prod_or_none(input_shape[1:]))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each example to `target_shape` (the batch axis is kept); one entry may be -1.

    Args:
        target_shape: a tuple of ints, without the batch axis.

    >>> import ember
    >>> ember.layers.Reshape((3, -1))(ember.ones((2, 12))).shape
    (2, 3, 4)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        where = f"Reshape '{self.name}'"
        if isinstance(target_shape, int | np.integer):
            target_shape = (target_shape,)
        try:
            self.target_shape = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            raise ValueError(f"{where}: target_shape must be a tuple of integers; received "
                             f"target_shape={target_shape!r}") from None
        if sum(d == -1 for d in self.target_shape) > 1 or any(
                d < -1 or d == 0 for d in self.target_shape):
            raise ValueError(f"{where}: target_shape must hold positive sizes and at most one "
                             f"-1; received target_shape={self.target_shape}")

    def _resolve(self, input_shape):
        """The target shape with -1 filled in, or None where the size is unknown."""
        total = _prod_or_none(input_shape[1:])
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 not in self.target_shape:
            if total is not None and total != known:
                raise ValueError(self._mismatch(input_shape))
            return self.target_shape
        if total is None:
            return tuple(None if d == -1 else d for d in self.target_shape)
        if total % known:
            raise ValueError(self._mismatch(input_shape))
        return tuple(total // known if d == -1 else d for d in self.target_shape)

    def _mismatch(self, input_shape):
        return (f"Reshape '{self.name}': the total size of each example must be unchanged; "
                f"received input of shape {tuple(input_shape)} and "
                f"target_shape={self.target_shape}")

    def build(self, input_shape):
        self._resolve(input_shape)
        self.built = True

    def call(self, inputs):
        return ops.reshape(inputs, (inputs.shape[0],) + self._resolve(inputs.shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(input_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Permute(Layer):
    """Permutes the non-batch axes; `dims` counts from 1 as in Keras, so `Permute((2, 1))` swaps
    the two axes of (batch, steps, features).

    >>> import ember
    >>> ember.layers.Permute((2, 1))(ember.ones((2, 10, 64))).shape
    (2, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute '{self.name}': invalid permutation argument `dims`; the "
                             f"indices must be consecutive and start from 1. Received "
                             f"dims={self.dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """Repeats the input n times: (batch, features) -> (batch, n, features).

    >>> import ember
    >>> ember.layers.RepeatVector(3)(ember.ones((2, 5))).shape
    (2, 3, 5)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int | np.integer):
            raise TypeError(f"RepeatVector '{self.name}': expected an integer value for `n`; "
                            f"received n={n!r} of type {type(n).__name__}")
        if n < 0:
            raise ValueError(f"RepeatVector '{self.name}': expected `n` >= 0; received n={n}")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
