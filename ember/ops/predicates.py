"""Float predicates and masks of Keras' `keras.ops.numpy`: isnan, isinf, isfinite, signbit,
logical_not, bitwise_invert, and nan_to_num.

Predicates return bool (or integer) tensors and are not differentiated; nan_to_num passes the
gradient through the finite values.
"""

import numpy as np

from ember.backend import as_array
from ember.ops.dtypes import as_tensor
from ember.ops.elementwise import where
from ember.tensor import Tensor


def _predicate(fn, x, op):
    x = as_tensor(x, op)
    return Tensor._wrap(as_array(fn(x.data)))


def isnan(x):
    """True where x is NaN (bool; not differentiated)."""
    return _predicate(np.isnan, x, "isnan")


def isinf(x):
    """True where x is +-inf (bool; not differentiated)."""
    return _predicate(np.isinf, x, "isinf")


def isfinite(x):
    """True where x is neither NaN nor infinite (bool; not differentiated)."""
    return _predicate(np.isfinite, x, "isfinite")


def isposinf(x):
    """True where x is +inf (bool; not differentiated)."""
    return _predicate(np.isposinf, x, "isposinf")


def isneginf(x):
    """True where x is -inf (bool; not differentiated)."""
    return _predicate(np.isneginf, x, "isneginf")


def isreal(x):
    """True everywhere: ember tensors are real (bool; not differentiated)."""
    return _predicate(np.isreal, x, "isreal")


def signbit(x):
    """True where the sign bit is set (negative numbers, -0.0) (bool; not differentiated)."""
    return _predicate(np.signbit, x, "signbit")


def logical_not(x):
    """not x, elementwise (bool; not differentiated)."""
    return _predicate(np.logical_not, x, "logical_not")


def bitwise_invert(x):
    """~x for integer or bool tensors (not differentiated)."""
    x = as_tensor(x, "bitwise_invert")
    if x.dtype.kind not in "biu":
        raise TypeError(f"bitwise_invert: x must be integer or bool; received dtype {x.dtype}")
    return Tensor._wrap(np.invert(x.data))


def bitwise_not(x):
    """Alias of `bitwise_invert`."""
    return bitwise_invert(as_tensor(x, "bitwise_not"))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN -> `nan`, +inf -> `posinf`, -inf -> `neginf` (the dtype's extremes when None); the
    gradient passes through the finite values.

    >>> import ember, numpy as np
    >>> ember.ops.nan_to_num(np.array([np.nan, 1.0, -np.inf], np.float32), neginf=-9.0).numpy()
    array([ 0.,  1., -9.], dtype=float32)
    """
    x = as_tensor(x, "nan_to_num")
    if x.dtype.kind != "f":
        return x
    finfo = np.finfo(x.dtype)
    d = x.data
    values = np.where(np.isnan(d), nan, np.where(
        d == np.inf, finfo.max if posinf is None else posinf,
        finfo.min if neginf is None else neginf)).astype(x.dtype)
    return where(np.isfinite(d), x, Tensor._wrap(values))
