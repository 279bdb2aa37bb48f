"""Random tensors (Keras' `keras.random` names), each taking `seed`: an int, a numpy
Generator, or None for ember's global generator.

>>> import ember
>>> ember.random.uniform((2, 3), seed=0).shape
(2, 3)
"""

import numpy as np

from ember import backend, config
from ember.device import current_device
from ember.tensor import Tensor
from ember.utils.random import get_generator


def _generator(seed):
    """The generator to draw from and its array module: on the current device, the device
    generator paired with (seeded from) the host one `seed` names; else the host one."""
    rng = get_generator(seed)
    xp = current_device().xp
    return backend.device_generator(rng, xp), xp


def _shape(shape):
    return (int(shape),) if isinstance(shape, int | np.integer) else tuple(int(s) for s in shape)


def _float(dtype):
    dtype = np.dtype(dtype or config.floatx())
    if dtype.kind != "f":
        raise TypeError(f"expected a float dtype, received {dtype}")
    return dtype


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev ** 2)."""
    rng, xp = _generator(seed)
    z = rng.standard_normal(_shape(shape))
    return Tensor._wrap((mean + stddev * z).astype(_float(dtype)))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from U[minval, maxval)."""
    rng, xp = _generator(seed)
    u = rng.random(_shape(shape))
    return Tensor._wrap((minval + (maxval - minval) * u).astype(_float(dtype)))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev ** 2), redrawn until within two standard deviations."""
    rng, xp = _generator(seed)
    shape = _shape(shape)
    z = rng.standard_normal(shape)
    bad = xp.abs(z) > 2
    while bool(bad.any()):
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = xp.abs(z) > 2
    return Tensor._wrap((mean + stddev * z).astype(_float(dtype)))


def randint(shape, minval, maxval, dtype="int64", seed=None):
    """Integers in [minval, maxval)."""
    rng, xp = _generator(seed)
    return Tensor._wrap(rng.integers(minval, maxval, _shape(shape)).astype(dtype))


def shuffle(x, axis=0, seed=None):
    """A copy of `x` shuffled along `axis`."""
    rng = get_generator(seed)
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    if type(data) is np.ndarray:
        return Tensor._wrap(rng.permutation(data, axis=axis))
    # a device array: the order is drawn on the host (a small index array), the data stays
    order = backend.asarray(rng.permutation(data.shape[axis]), like=data)
    return Tensor._wrap(backend.array_module(data).take(data, order, axis=axis))
