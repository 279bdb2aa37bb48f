"""Inverted dropout as one primitive: the mask drawn in forward is the one used in backward.

Each unit is kept with probability q = 1 - rate and scaled by 1/q, so the expected output equals
the input and nothing needs rescaling at inference (the notes' Bernoulli mask alpha, with p(1) = q).
"""

import numpy as np

from ember import backend
from ember.autograd import Function
from ember.tensor import Tensor
from ember.utils.random import get_generator


class InvertedDropout(Function):
    """y = where(keep, x / q, 0) with keep ~ Bernoulli(q), q = 1 - rate, drawn once per call
    with `noise_shape` (broadcast over x);  gx = where(keep, gy / q, 0): the same mask."""

    def forward(self, x, rate, noise_shape, rng):
        q = 1.0 - rate
        xp = backend.array_module(x)
        # Uniforms are drawn in float32 whatever x's dtype, so one seed gives one mask; on a
        # device they come from the device generator paired with `rng` (seeded from it)
        u = backend.device_generator(rng, xp).random(noise_shape, dtype=np.float32)
        keep = xp.broadcast_to(u < np.float32(q), x.shape)
        self.q = q
        self.save_for_backward(keep)
        return xp.where(keep, x / q, 0).astype(x.dtype, copy=False)

    def backward(self, gy):
        (keep,) = self.saved
        # one gradient per input: rate, noise_shape and rng get none
        xp = backend.array_module(gy)
        return xp.where(keep, gy / self.q, 0).astype(gy.dtype, copy=False), None, None, None


def _noise_shape(noise_shape, shape):
    """Keras' rule: None entries of `noise_shape` take the input's size on that axis."""
    if noise_shape is None:
        return tuple(shape)
    noise_shape = tuple(noise_shape)
    if len(noise_shape) != len(shape):
        raise ValueError(f"dropout: noise_shape {noise_shape} must have the input's rank "
                         f"{len(shape)} (input shape {tuple(shape)})")
    out = tuple(s if n is None else int(n) for n, s in zip(noise_shape, shape))
    for n, s in zip(out, shape):
        if n not in (1, s):
            raise ValueError(f"dropout: noise_shape {noise_shape} does not broadcast to the "
                             f"input shape {tuple(shape)} (each entry must be 1, None or the "
                             "input's size)")
    return out


def dropout(x, rate, noise_shape=None, seed=None):
    """Zero each element with probability `rate` and scale the rest by 1 / (1 - rate).

    Args:
        x: input Tensor.
        rate: the fraction dropped, in [0, 1).
        noise_shape: the mask's shape, broadcast over x (e.g. `(N, 1, 1, C)` drops whole
            channels); None entries take x's size. Defaults to x's shape.
        seed: None (ember's global generator), an int or a numpy Generator.

    >>> import ember
    >>> from ember.ops.dropout import dropout
    >>> y = dropout(ember.ones((2, 4)), 0.5, seed=0)
    >>> sorted(set(y.numpy().ravel().tolist()))
    [0.0, 2.0]
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    rate = float(rate)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout: `rate` must be in [0, 1); received rate={rate}")
    if rate == 0.0:
        return x
    return InvertedDropout.apply(x, rate, _noise_shape(noise_shape, x.shape),
                                 get_generator(seed))
