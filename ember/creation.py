"""Tensor constructors: zeros, ones, full, their `_like` forms, arange and eye."""

import numpy as np

from ember import backend, config
from ember.device import current_device
from ember.tensor import Tensor


def _xp():
    """The array module of the current device (numpy on the CPU)."""
    return current_device().xp


def _dtype(dtype):
    return np.dtype(dtype or config.floatx())


def _shape(shape):
    return (int(shape),) if isinstance(shape, int | np.integer) else tuple(int(s) for s in shape)


def zeros(shape, dtype=None):
    """A tensor of zeros (float32 unless `dtype` says otherwise)."""
    return Tensor._wrap(_xp().zeros(_shape(shape), dtype=_dtype(dtype)))


def ones(shape, dtype=None):
    """A tensor of ones."""
    return Tensor._wrap(_xp().ones(_shape(shape), dtype=_dtype(dtype)))


def full(shape, fill_value, dtype=None):
    """A tensor filled with `fill_value`."""
    return Tensor._wrap(_xp().full(_shape(shape), fill_value, dtype=_dtype(dtype)))


def _like_data(x):
    """The array to copy the shape of: a tensor's (on its device), else `x` on the current
    device."""
    if isinstance(x, Tensor):
        return x.data
    return backend.asarray(backend.as_array(x), xp=_xp())


def zeros_like(x, dtype=None):
    """Zeros with the shape (and dtype, unless given) of `x`."""
    return Tensor._wrap(np.zeros_like(_like_data(x), dtype=dtype))


def ones_like(x, dtype=None):
    """Ones with the shape (and dtype, unless given) of `x`."""
    return Tensor._wrap(np.ones_like(_like_data(x), dtype=dtype))


def full_like(x, fill_value, dtype=None):
    """`fill_value` with the shape (and dtype, unless given) of `x`."""
    return Tensor._wrap(np.full_like(_like_data(x), fill_value, dtype=dtype))


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in [start, stop); integers stay int64, floats become float32.

    >>> import ember
    >>> ember.arange(3).numpy(), ember.arange(0.0, 1.0, 0.5).numpy()
    (array([0, 1, 2]), array([0. , 0.5], dtype=float32))
    """
    arr = np.arange(start, stop, step) if stop is not None else np.arange(start, step=step)
    if dtype is not None:
        arr = arr.astype(dtype)
    elif arr.dtype.kind == "f":
        arr = arr.astype(config.floatx())
    return Tensor._wrap(backend.asarray(arr, xp=_xp()))


def eye(n, m=None, dtype=None):
    """The n x m identity matrix."""
    return Tensor._wrap(_xp().eye(n, m, dtype=_dtype(dtype)))
