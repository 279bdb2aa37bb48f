"""Unary elementwise maths of Keras' `keras.ops.numpy`: trigonometric and hyperbolic functions,
roundings, powers and logarithms in other bases, and the float predicates.

Integer and bool inputs of a float function (sin, exp2, ...) are computed in `floatx()`, as
Keras does. Roundings (floor, ceil, round, trunc) are piecewise constant: their gradient is 0.
Predicates (isnan, signbit, ...) return bool tensors and are not differentiated.
"""

import math

import numpy as np

from ember.autograd import Function
from ember.ops.dtypes import as_tensor, float_tensor
from ember.ops.elementwise import abs as _abs
from ember.ops.elementwise import div, exp, log, mul
from ember.tensor import Tensor


class _Trig(Function):
    """y = f(x);  gx = gy * f'(x), with f' written from x (and y) in `grad`."""

    def forward(self, x):
        y = self.f(x)
        self.save_for_backward(x, y)
        return y

    def backward(self, gy):
        x, y = self.saved
        return (gy * self.grad(x, y)).astype(gy.dtype, copy=False)


class Sin(_Trig):
    """y = sin(x);  gx = gy cos(x)."""
    f = staticmethod(np.sin)

    def grad(self, x, y):
        return np.cos(x)


class Cos(_Trig):
    """y = cos(x);  gx = -gy sin(x)."""
    f = staticmethod(np.cos)

    def grad(self, x, y):
        return -np.sin(x)


class Tan(_Trig):
    """y = tan(x);  gx = gy (1 + y^2)."""
    f = staticmethod(np.tan)

    def grad(self, x, y):
        return 1 + y * y


class Arcsin(_Trig):
    """y = arcsin(x);  gx = gy / sqrt(1 - x^2)."""
    f = staticmethod(np.arcsin)

    def grad(self, x, y):
        return 1 / np.sqrt(1 - x * x)


class Arccos(_Trig):
    """y = arccos(x);  gx = -gy / sqrt(1 - x^2)."""
    f = staticmethod(np.arccos)

    def grad(self, x, y):
        return -1 / np.sqrt(1 - x * x)


class Arctan(_Trig):
    """y = arctan(x);  gx = gy / (1 + x^2)."""
    f = staticmethod(np.arctan)

    def grad(self, x, y):
        return 1 / (1 + x * x)


class Sinh(_Trig):
    """y = sinh(x);  gx = gy cosh(x)."""
    f = staticmethod(np.sinh)

    def grad(self, x, y):
        return np.cosh(x)


class Cosh(_Trig):
    """y = cosh(x);  gx = gy sinh(x)."""
    f = staticmethod(np.cosh)

    def grad(self, x, y):
        return np.sinh(x)


class Arcsinh(_Trig):
    """y = arcsinh(x);  gx = gy / sqrt(x^2 + 1)."""
    f = staticmethod(np.arcsinh)

    def grad(self, x, y):
        return 1 / np.sqrt(x * x + 1)


class Arccosh(_Trig):
    """y = arccosh(x) (x >= 1);  gx = gy / sqrt(x^2 - 1)."""
    f = staticmethod(np.arccosh)

    def grad(self, x, y):
        return 1 / np.sqrt(x * x - 1)


class Arctanh(_Trig):
    """y = arctanh(x) (|x| < 1);  gx = gy / (1 - x^2)."""
    f = staticmethod(np.arctanh)

    def grad(self, x, y):
        return 1 / (1 - x * x)


class Expm1(_Trig):
    """y = exp(x) - 1, accurate near 0;  gx = gy (y + 1)."""
    f = staticmethod(np.expm1)

    def grad(self, x, y):
        return y + 1


class Cbrt(_Trig):
    """y = x^(1/3) (real, odd);  gx = gy / (3 y^2)."""
    f = staticmethod(np.cbrt)

    def grad(self, x, y):
        return 1 / (3 * y * y)


class Sinc(_Trig):
    """y = sin(pi x) / (pi x), 1 at 0;  gx = gy (cos(pi x) - y) / x, 0 at 0."""
    f = staticmethod(np.sinc)

    def grad(self, x, y):
        safe = np.where(x == 0, 1, x)
        return np.where(x == 0, 0, (np.cos(np.pi * x) - y) / safe)


def _i1(x):
    """Modified Bessel function of the first kind, order 1: sum_k (x/2)^(2k+1) / (k! (k+1)!)
    (NumPy has only i0). The series converges for every x; 80 terms reach float64 rounding for
    |x| < 60, beyond which i0 overflows float32 anyway."""
    h = x / 2
    term = h.copy()
    out = term.copy()
    for k in range(1, 80):
        term = term * h * h / (k * (k + 1))
        out = out + term
    return out


class I0(_Trig):
    """y = I0(x), the modified Bessel function of order 0;  gx = gy I1(x)."""
    f = staticmethod(np.i0)

    def grad(self, x, y):
        return _i1(x)


class _Flat(Function):
    """A piecewise-constant function (floor, ceil, round, trunc): gx = 0."""

    def forward(self, x, *args):
        self.n = len(args)
        return self.f(x, *args)

    def backward(self, gy):
        return (np.zeros_like(gy),) + (None,) * self.n


class Floor(_Flat):
    """y = floor(x);  gx = 0."""
    f = staticmethod(np.floor)


class Ceil(_Flat):
    """y = ceil(x);  gx = 0."""
    f = staticmethod(np.ceil)


class Trunc(_Flat):
    """y = trunc(x) (towards 0);  gx = 0."""
    f = staticmethod(np.trunc)


class Round(_Flat):
    """y = x rounded to `decimals` (half to even);  gx = 0."""
    f = staticmethod(np.round)


class Values(Function):
    """y = values computed from x that do not depend on it smoothly (angle, imag);  gx = 0."""

    def forward(self, x, values):
        return values

    def backward(self, gy):
        return np.zeros_like(gy), None


class Copy(Function):
    """y = a copy of x;  gx = gy."""

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


def _float_op(cls, x, op):
    return cls.apply(float_tensor(x, op))


def sin(x):
    """Sine, elementwise.

    >>> import ember
    >>> float(ember.ops.sin(0.0))
    0.0
    """
    return _float_op(Sin, x, "sin")


def cos(x):
    """Cosine, elementwise."""
    return _float_op(Cos, x, "cos")


def tan(x):
    """Tangent, elementwise."""
    return _float_op(Tan, x, "tan")


def arcsin(x):
    """Inverse sine (values in [-pi/2, pi/2])."""
    return _float_op(Arcsin, x, "arcsin")


def arccos(x):
    """Inverse cosine (values in [0, pi])."""
    return _float_op(Arccos, x, "arccos")


def arctan(x):
    """Inverse tangent (values in (-pi/2, pi/2))."""
    return _float_op(Arctan, x, "arctan")


def sinh(x):
    """Hyperbolic sine."""
    return _float_op(Sinh, x, "sinh")


def cosh(x):
    """Hyperbolic cosine."""
    return _float_op(Cosh, x, "cosh")


def arcsinh(x):
    """Inverse hyperbolic sine."""
    return _float_op(Arcsinh, x, "arcsinh")


def arccosh(x):
    """Inverse hyperbolic cosine (x >= 1)."""
    return _float_op(Arccosh, x, "arccosh")


def arctanh(x):
    """Inverse hyperbolic tangent (|x| < 1)."""
    return _float_op(Arctanh, x, "arctanh")


def expm1(x):
    """exp(x) - 1, accurate for small x."""
    return _float_op(Expm1, x, "expm1")


def cbrt(x):
    """Real cube root (negative for negative x)."""
    return _float_op(Cbrt, x, "cbrt")


def sinc(x):
    """Normalised sinc: sin(pi x) / (pi x), 1 at x = 0."""
    return _float_op(Sinc, x, "sinc")


def i0(x):
    """Modified Bessel function of the first kind, order 0; its gradient is I1(x)."""
    return _float_op(I0, x, "i0")


def _rounding(cls, x, op, *args):
    x = as_tensor(x, op)
    if x.dtype.kind == "b" and op == "trunc":
        return x
    if x.dtype.kind == "b":
        x = x.astype("int32") if op == "round" else float_tensor(x, op)
    if x.dtype.kind in "iu":
        if op in ("round", "trunc"):
            return x if not args or args[0] >= 0 else Tensor._wrap(np.round(x.data, *args))
        x = float_tensor(x, op)
    return cls.apply(x, *args)


def floor(x):
    """Round down (integer inputs give floatx, as Keras); zero gradient."""
    return _rounding(Floor, x, "floor")


def ceil(x):
    """Round up (integer inputs give floatx, as Keras); zero gradient."""
    return _rounding(Ceil, x, "ceil")


def trunc(x):
    """Round towards zero (integers are returned unchanged); zero gradient."""
    return _rounding(Trunc, x, "trunc")


def round(x, decimals=0):  # noqa: A001  (Keras' name)
    """Round half to even to `decimals` places; zero gradient.

    >>> import ember
    >>> ember.ops.round(ember.tensor([0.5, 1.5, 2.26]), 1).numpy()
    array([0.5, 1.5, 2.3], dtype=float32)
    """
    return _rounding(Round, x, "round", int(decimals))


def square(x):
    """x * x (bool becomes int32, as Keras)."""
    x = as_tensor(x, "square")
    if x.dtype.kind == "b":
        x = x.astype("int32")
    return mul(x, x)


def reciprocal(x):
    """1 / x."""
    return div(1.0, float_tensor(x, "reciprocal"))


def exp2(x):
    """2 ** x, as exp(x ln 2)."""
    return exp(mul(float_tensor(x, "exp2"), math.log(2.0)))


def log2(x):
    """Base-2 logarithm, as log(x) / ln 2."""
    return mul(log(float_tensor(x, "log2")), 1.0 / math.log(2.0))


def log10(x):
    """Base-10 logarithm, as log(x) / ln 10."""
    return mul(log(float_tensor(x, "log10")), 1.0 / math.log(10.0))


def deg2rad(x):
    """Degrees to radians: x pi / 180."""
    return mul(float_tensor(x, "deg2rad"), math.pi / 180.0)


def rad2deg(x):
    """Radians to degrees: x 180 / pi."""
    return mul(float_tensor(x, "rad2deg"), 180.0 / math.pi)


def fabs(x):
    """|x| as floats (integers become floatx)."""
    return _abs(float_tensor(x, "fabs"))


def absolute(x):
    """|x| (Keras' alias of `abs`)."""
    return _abs(as_tensor(x, "absolute"))


def negative(x):
    """-x."""
    from ember.ops.elementwise import neg  # noqa: PLC0415

    return neg(as_tensor(x, "negative"))


def copy(x):
    """A copy of x (the gradient passes through)."""
    return Copy.apply(as_tensor(x, "copy"))


def real(x):
    """The real part: ember tensors are real, so a copy of x."""
    return copy(as_tensor(x, "real"))


def conjugate(x):
    """The complex conjugate: ember tensors are real, so a copy of x."""
    return copy(as_tensor(x, "conjugate"))


def conj(x):
    """Alias of `conjugate`."""
    return copy(as_tensor(x, "conj"))


def imag(x):
    """The imaginary part of a real tensor: zeros (zero gradient)."""
    x = as_tensor(x, "imag")
    if x.dtype.kind != "f":
        return Tensor._wrap(np.zeros_like(x.data))
    return Values.apply(x, np.zeros_like(x.data))


def angle(x):
    """The argument of x as a complex number: pi for negative reals, else 0 (zero gradient)."""
    x = float_tensor(x, "angle")
    return Values.apply(x, np.where(x.data < 0, np.pi, 0.0).astype(x.dtype))
