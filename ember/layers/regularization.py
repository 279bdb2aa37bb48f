"""Regularization layers: `Dropout`."""

import numpy as np

from ember.layers.base import Layer
from ember.ops.dropout import dropout
from ember.utils.random import get_generator, global_generator


class Dropout(Layer):
    """Inverted dropout: in training, each unit is zeroed with probability `rate` and the others
    scaled by 1 / (1 - rate); at inference the layer is the identity.

    The mask is drawn from `self.generator` once per call and reused by the backward pass.

    Args:
        rate: the fraction of units dropped, in [0, 1).
        noise_shape: the mask's shape, broadcast over the input (None entries take the input's
            size), e.g. `(batch, 1, features)` for the same mask at every time step.
            Defaults to the input's shape.
        seed: an int for a layer-owned generator (repeatable masks), or None for ember's
            global generator (reset by `ember.utils.set_random_seed`). Defaults to None.

    >>> import ember
    >>> layer = ember.layers.Dropout(0.5, seed=0)
    >>> x = ember.ones((2, 4))
    >>> layer(x).numpy()  # inference: unchanged
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]], dtype=float32)
    >>> sorted(set(layer(x, training=True).numpy().ravel().tolist()))
    [0.0, 2.0]
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, int | float | np.integer | np.floating) \
                or not 0 <= rate < 1:
            raise ValueError(f"Dropout '{self.name}': expected `rate` in [0, 1); received "
                             f"rate={rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(
            None if n is None else int(n) for n in noise_shape)
        self.seed = seed
        self._generator = None if seed is None else get_generator(seed)
        self.supports_masking = True

    @property
    def generator(self):
        """The layer's np.random.Generator: its own when seeded, else ember's global one (looked
        up at each call, so `set_random_seed` after building still applies)."""
        return self._generator if self._generator is not None else global_generator()

    @generator.setter
    def generator(self, value):
        self._generator = value

    def call(self, inputs, training=False):
        if not training or self.rate == 0.0:
            return inputs
        return dropout(inputs, self.rate, self.noise_shape, self.generator)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
                "seed": int(self.seed) if isinstance(self.seed, int | np.integer) else None}
