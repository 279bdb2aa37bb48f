"""Random tensors (Keras' `keras.random` names), each taking `seed`: an int, a numpy
Generator, or None for ember's global generator.

>>> import ember
>>> ember.random.uniform((2, 3), seed=0).shape
(2, 3)
"""

import numpy as np

from ember import config
from ember.tensor import Tensor
from ember.utils.random import get_generator


def _shape(shape):
    return (int(shape),) if isinstance(shape, int | np.integer) else tuple(int(s) for s in shape)


def _float(dtype):
    dtype = np.dtype(dtype or config.floatx())
    if dtype.kind != "f":
        raise TypeError(f"expected a float dtype, received {dtype}")
    return dtype


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev ** 2)."""
    rng = get_generator(seed)
    return Tensor._wrap(rng.normal(mean, stddev, _shape(shape)).astype(_float(dtype)))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from U[minval, maxval)."""
    rng = get_generator(seed)
    return Tensor._wrap(rng.uniform(minval, maxval, _shape(shape)).astype(_float(dtype)))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev ** 2), redrawn until within two standard deviations."""
    rng = get_generator(seed)
    shape = _shape(shape)
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2
    return Tensor._wrap((mean + stddev * z).astype(_float(dtype)))


def randint(shape, minval, maxval, dtype="int64", seed=None):
    """Integers in [minval, maxval)."""
    rng = get_generator(seed)
    return Tensor._wrap(rng.integers(minval, maxval, _shape(shape)).astype(dtype))


def shuffle(x, axis=0, seed=None):
    """A copy of `x` shuffled along `axis`."""
    rng = get_generator(seed)
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    return Tensor._wrap(rng.permutation(data, axis=axis))
