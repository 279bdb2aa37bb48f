"""Binary elementwise ops of Keras' `keras.ops.numpy` (broadcasting, Keras' dtype promotion):
Keras' spellings of the arithmetic (subtract, multiply, divide, power), remainders, arctan2,
hypot, logaddexp, heaviside, the NaN-ignoring fmax/fmin, logical and bitwise ops, gcd/lcm and
the closeness tests.

Logical, bitwise, gcd/lcm and closeness results are integer or bool tensors and are not
differentiated; floor_divide and heaviside are piecewise constant in x1 (zero gradient).
"""

import math

import numpy as np

from ember.autograd import unbroadcast
from ember.backend import array_module, as_array
from ember.ops.dtypes import as_tensor, promote
from ember.ops.elementwise import _Binary, add, div, exp, log1p, maximum, mul, pow, sub, where
from ember.ops.elementwise import abs as _abs
from ember.ops.math_unary import Floor
from ember.tensor import Tensor


class Arctan2(_Binary):
    """z = atan2(y, x) (x1 = y, x2 = x);  g1 = gz x / (x^2 + y^2),  g2 = -gz y / (x^2 + y^2)."""

    op = "arctan2"

    def compute(self, a, b):
        self.save_for_backward(a, b)
        return np.arctan2(a, b)

    def backward(self, gz):
        a, b = self.saved
        r2 = a * a + b * b
        g1 = unbroadcast(gz * b / r2, self.xs) if self.needs_input_grad[0] else None
        g2 = unbroadcast(-gz * a / r2, self.ys) if self.needs_input_grad[1] else None
        return g1, g2


class Hypot(_Binary):
    """z = sqrt(x^2 + y^2) without overflow;  gx = gz x / z,  gy = gz y / z."""

    op = "hypot"

    def compute(self, a, b):
        z = np.hypot(a, b)
        self.save_for_backward(a, b, z)
        return z

    def backward(self, gz):
        a, b, z = self.saved
        safe = np.where(z == 0, 1, z)
        g1 = unbroadcast(gz * a / safe, self.xs) if self.needs_input_grad[0] else None
        g2 = unbroadcast(gz * b / safe, self.ys) if self.needs_input_grad[1] else None
        return g1, g2


class Mod(_Binary):
    """z = x - y floor(x / y) (the sign of y, Python's %);  gx = gz,  gy = -gz floor(x / y)."""

    op = "mod"
    rounding = staticmethod(np.floor)
    fn = staticmethod(np.mod)

    def compute(self, a, b):
        self.save_for_backward(a, b)
        return self.fn(a, b)

    def backward(self, gz):
        a, b = self.saved
        g1 = unbroadcast(gz, self.xs) if self.needs_input_grad[0] else None
        g2 = None
        if self.needs_input_grad[1]:
            g2 = unbroadcast(-gz * self.rounding(a / b), self.ys)
        return g1, g2


class Fmod(Mod):
    """z = x - y trunc(x / y) (the sign of x, C's fmod);  gx = gz,  gy = -gz trunc(x / y)."""

    op = "fmod"
    rounding = staticmethod(np.trunc)
    fn = staticmethod(np.fmod)


class NextAfter(_Binary):
    """z = the next float after x towards y;  gx = gz (z - x is one ulp),  gy = 0."""

    op = "nextafter"

    def compute(self, a, b):
        return np.nextafter(a, b)

    def backward(self, gz):
        g1 = unbroadcast(gz, self.xs) if self.needs_input_grad[0] else None
        g2 = array_module(gz).zeros(self.ys, dtype=gz.dtype) if self.needs_input_grad[1] else None
        return g1, g2


def subtract(x1, x2):
    """x1 - x2 with broadcasting."""
    return sub(*promote("subtract", x1, x2))


def multiply(x1, x2):
    """x1 * x2 with broadcasting."""
    return mul(*promote("multiply", x1, x2))


def divide(x1, x2):
    """x1 / x2 (true division: integers give floatx).

    >>> import ember, numpy as np
    >>> ember.ops.divide(np.array([1, 2]), 2).numpy()
    array([0.5, 1. ], dtype=float32)
    """
    return div(*promote("divide", x1, x2, to_float=True))


def true_divide(x1, x2):
    """Alias of `divide`."""
    return div(*promote("true_divide", x1, x2, to_float=True))


def power(x1, x2):
    """x1 ** x2 with broadcasting."""
    return pow(*promote("power", x1, x2))


def mod(x1, x2):
    """Remainder with the sign of the divisor (Python's %)."""
    return Mod.apply(*promote("mod", x1, x2))


def fmod(x1, x2):
    """Remainder with the sign of the dividend (C's fmod)."""
    return Fmod.apply(*promote("fmod", x1, x2))


def floor_divide(x1, x2):
    """floor(x1 / x2); integers stay integers; zero gradient."""
    a, b = promote("floor_divide", x1, x2)
    if a.dtype.kind in "biu":
        return Tensor._wrap(np.floor_divide(a.data, b.data))
    return Floor.apply(div(a, b))


def arctan2(x1, x2):
    """The angle of the point (x2, x1): atan2(y=x1, x=x2), in (-pi, pi]."""
    return Arctan2.apply(*promote("arctan2", x1, x2, to_float=True))


def hypot(x1, x2):
    """sqrt(x1^2 + x2^2) without overflow."""
    return Hypot.apply(*promote("hypot", x1, x2, to_float=True))


def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)), stable: max + log1p(exp(-|x1 - x2|)).

    >>> import ember
    >>> float(ember.ops.logaddexp(1000.0, 1000.0))
    1000.6931762695312
    """
    a, b = promote("logaddexp", x1, x2, to_float=True)
    return add(maximum(a, b), log1p(exp(-_abs(sub(a, b)))))


def logaddexp2(x1, x2):
    """log2(2**x1 + 2**x2), stable: max + log2(1 + 2**(-|x1 - x2|))."""
    a, b = promote("logaddexp2", x1, x2, to_float=True)
    ln2 = math.log(2.0)
    return add(maximum(a, b), mul(log1p(exp(mul(_abs(sub(a, b)), -ln2))), 1.0 / ln2))


def heaviside(x1, x2):
    """0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0 (the gradient reaches x2 only where
    x1 == 0)."""
    a, b = promote("heaviside", x1, x2)
    step = Tensor._wrap((a.data > 0).astype(a.dtype))
    return where(a.data == 0, b, mul(step, 1.0) if step.dtype.kind == "f" else step)


def _nan_ignoring(fn, x1, x2, op):
    a, b = promote(op, x1, x2)
    pick_a = fn(a.data, b.data) == a.data
    pick_a = pick_a | np.isnan(b.data)
    return where(pick_a, a, b)


def fmax(x1, x2):
    """Elementwise maximum that ignores NaN (NaN only where both are NaN); the gradient goes to
    the chosen value (x1 on ties)."""
    return _nan_ignoring(np.fmax, x1, x2, "fmax")


def fmin(x1, x2):
    """Elementwise minimum that ignores NaN; the gradient goes to the chosen value."""
    return _nan_ignoring(np.fmin, x1, x2, "fmin")


def divide_no_nan(x1, x2):
    """x1 / x2, and 0 where x2 == 0 (no gradient there)."""
    a, b = promote("divide_no_nan", x1, x2, to_float=True)
    zero = b.data == 0
    safe = where(zero, 1.0, b)
    return where(zero, 0.0, div(a, safe))


def ldexp(x1, x2):
    """x1 * 2**x2 (x2 integer)."""
    a = as_tensor(x1, "ldexp", "x1")
    e = as_tensor(x2, "ldexp", "x2")
    if e.dtype.kind not in "iu":
        raise TypeError(f"ldexp: x2 must be an integer tensor; received dtype {e.dtype}")
    a = a if a.dtype.kind == "f" else a.astype(np.result_type(a.dtype, np.float32).name)
    return mul(a, Tensor._wrap(np.ldexp(array_module(a.data).ones((), a.dtype), e.data)))


def nextafter(x1, x2):
    """The next representable float after x1 in the direction of x2."""
    return NextAfter.apply(*promote("nextafter", x1, x2, to_float=True))


def _int_result(fn, op, x1, x2, kinds="biu"):
    a, b = promote(op, x1, x2)
    if a.dtype.kind not in kinds:
        raise TypeError(f"{op}: inputs must be integer or bool tensors; received dtype "
                        f"{a.dtype}")
    return Tensor._wrap(as_array(fn(a.data, b.data)))


def _bool_result(fn, op, x1, x2):
    a, b = promote(op, x1, x2)
    return Tensor._wrap(as_array(fn(a.data, b.data)))


def logical_and(x1, x2):
    """x1 and x2, elementwise (bool; not differentiated)."""
    return _bool_result(np.logical_and, "logical_and", x1, x2)


def logical_or(x1, x2):
    """x1 or x2, elementwise (bool; not differentiated)."""
    return _bool_result(np.logical_or, "logical_or", x1, x2)


def logical_xor(x1, x2):
    """x1 xor x2, elementwise (bool; not differentiated)."""
    return _bool_result(np.logical_xor, "logical_xor", x1, x2)


def bitwise_and(x, y):
    """x & y for integer or bool tensors (not differentiated)."""
    return _int_result(np.bitwise_and, "bitwise_and", x, y)


def bitwise_or(x, y):
    """x | y for integer or bool tensors (not differentiated)."""
    return _int_result(np.bitwise_or, "bitwise_or", x, y)


def bitwise_xor(x, y):
    """x ^ y for integer or bool tensors (not differentiated)."""
    return _int_result(np.bitwise_xor, "bitwise_xor", x, y)


def bitwise_left_shift(x, y):
    """x << y for integer tensors (not differentiated)."""
    return _int_result(np.left_shift, "bitwise_left_shift", x, y, "iu")


def bitwise_right_shift(x, y):
    """x >> y for integer tensors (not differentiated)."""
    return _int_result(np.right_shift, "bitwise_right_shift", x, y, "iu")


def left_shift(x, y):
    """Alias of `bitwise_left_shift`."""
    return _int_result(np.left_shift, "left_shift", x, y, "iu")


def right_shift(x, y):
    """Alias of `bitwise_right_shift`."""
    return _int_result(np.right_shift, "right_shift", x, y, "iu")


def gcd(x1, x2):
    """Greatest common divisor of integer tensors (not differentiated)."""
    return _int_result(np.gcd, "gcd", x1, x2, "iu")


def lcm(x1, x2):
    """Least common multiple of integer tensors (not differentiated)."""
    return _int_result(np.lcm, "lcm", x1, x2, "iu")


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """|x1 - x2| <= atol + rtol |x2|, elementwise (bool; not differentiated)."""
    a, b = promote("isclose", x1, x2)
    return Tensor._wrap(as_array(np.isclose(a.data, b.data, rtol, atol, equal_nan)))


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """True when `isclose` holds everywhere (a 0-d bool tensor; not differentiated)."""
    a, b = promote("allclose", x1, x2)
    # np.all of the isclose mask: a 0-d array on the operands' device (np.allclose gives a
    # Python bool, which would be a host value)
    return Tensor._wrap(as_array(np.all(np.isclose(a.data, b.data, rtol, atol, equal_nan))))

