"""Special functions as primitives: erf, erfc, erfinv (Keras' `ops.erf`, `ops.erfc`,
`ops.erfinv`), computed in the input's float dtype.

erf uses its all-positive Taylor series for |x| < 2 and Laplace's continued fraction for erfc
beyond (no cancellation in either); erfinv starts from Giles' single-precision approximation
and takes Newton steps on erf.
"""

import math

import numpy as np

from ember.autograd import Function
from ember.backend import as_array
from ember.ops.tensor_args import float_tensor

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _erf_series(z):
    """erf(z) = 2/sqrt(pi) z exp(-z^2) sum_n (2 z^2)^n / (1*3*...*(2n+1)), |z| < 2."""
    a = 2.0 * z * z
    s = np.ones_like(z)
    for k in range(40, 0, -1):
        s = 1.0 + a * s / (2 * k + 1)
    return _TWO_OVER_SQRT_PI * z * np.exp(-z * z) * s


def _erfc_tail(z):
    """erfc(z) for z >= 2: exp(-z^2)/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...))))."""
    t = z.copy()
    for k in range(60, 0, -1):
        t = z + (0.5 * k) / t
    return np.exp(-z * z) / (math.sqrt(math.pi) * t)


def erfc_array(x):
    """erfc of an ndarray, in its dtype, accurate in the right tail."""
    x = as_array(x)  # device arrays stay on their device
    out = np.empty_like(x)
    small = np.abs(x) < 2.0
    out[small] = 1.0 - _erf_series(x[small])
    big = ~small  # no host test of `big`: empty selections are harmless
    xb = x[big]
    tail = _erfc_tail(np.minimum(np.abs(xb), 30.0))
    out[big] = np.where(xb > 0, tail, 2.0 - tail)
    return out


def erf_array(x):
    """erf of an ndarray, in its dtype."""
    x = as_array(x)  # device arrays stay on their device
    out = np.empty_like(x)
    small = np.abs(x) < 2.0
    out[small] = _erf_series(x[small])
    big = ~small  # no host test of `big`: empty selections are harmless
    xb = x[big]
    out[big] = np.sign(xb) * (1.0 - _erfc_tail(np.minimum(np.abs(xb), 30.0)))
    return out


def _erfinv_array(y):
    # Giles (2010), "Approximating the erfinv function", single-precision branch
    w = -np.log(np.maximum((1.0 - y) * (1.0 + y), np.finfo(y.dtype).tiny))
    wc = w - 2.5
    p1 = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):
        p1 = c + p1 * wc
    wt = np.sqrt(w) - 3.0
    p2 = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        p2 = c + p2 * wt
    x = np.where(w < 5.0, p1, p2) * y
    with np.errstate(all="ignore"):  # |y| >= 1 is overwritten below
        for _ in range(2):  # Newton on erf(x) = y; converges quadratically from Giles' start
            step = (erf_array(x) - y) / (_TWO_OVER_SQRT_PI * np.exp(-x * x))
            x = x - np.where(np.isfinite(step), step, 0)
    x = np.where(np.abs(y) == 1, np.copysign(np.inf, y), x)
    return np.where(np.abs(y) > 1, np.nan, x).astype(y.dtype, copy=False)


class Erf(Function):
    """y = erf(x);  gx = gy * 2/sqrt(pi) * exp(-x^2)."""

    def forward(self, x):
        self.save_for_backward(x)
        return erf_array(x)

    def backward(self, gy):
        (x,) = self.saved
        return gy * (_TWO_OVER_SQRT_PI * np.exp(-x * x)).astype(gy.dtype, copy=False)


class Erfc(Function):
    """y = erfc(x) = 1 - erf(x);  gx = -gy * 2/sqrt(pi) * exp(-x^2)."""

    def forward(self, x):
        self.save_for_backward(x)
        return erfc_array(x)

    def backward(self, gy):
        (x,) = self.saved
        return -gy * (_TWO_OVER_SQRT_PI * np.exp(-x * x)).astype(gy.dtype, copy=False)


class Erfinv(Function):
    """y = erfinv(x);  gx = gy * sqrt(pi)/2 * exp(y^2)."""

    def forward(self, x):
        y = _erfinv_array(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy * (np.exp(y * y) / _TWO_OVER_SQRT_PI).astype(gy.dtype, copy=False)


def erf(x):
    """The error function erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt (Keras' `ops.erf`).

    >>> import ember
    >>> ember.ops.erf(ember.tensor([0.0, 1.0])).numpy().round(4)
    array([0.    , 0.8427], dtype=float32)
    """
    return Erf.apply(float_tensor(x))


def erfc(x):
    """The complementary error function 1 - erf(x), accurate where erf(x) is near 1.

    >>> import ember
    >>> float(ember.ops.erfc(ember.tensor(5.0)))  # doctest: +ELLIPSIS
    1.537...e-12
    """
    return Erfc.apply(float_tensor(x))


def erfinv(x):
    """The inverse error function on (-1, 1) (+-inf at +-1, NaN outside).

    >>> import ember
    >>> ember.ops.erfinv(ember.tensor([0.0, 0.5])).numpy().round(4)
    array([0.    , 0.4769], dtype=float32)
    """
    return Erfinv.apply(float_tensor(x))
