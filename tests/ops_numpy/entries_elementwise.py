"""Op-table entries for the elementwise ops of keras.ops.numpy (unary maths, binary maths,
predicates, logical and bitwise ops), built from the table's `Entry` and `Sample`:

    TABLE += elementwise_entries(Entry, Sample)

References are NumPy float64 formulas written independently of ember (definitions such as
log(x)/log(2) or sqrt(x^2 + y^2) rather than the op under test where NumPy has it too); the
PyTorch spellings feed tests/parity.
"""

import importlib.util
import math
from pathlib import Path

import numpy as np

from ember import ops


def _load(name):
    spec = importlib.util.spec_from_file_location(f"ember_numpy_{name}",
                                                  Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


S = _load("samplers")


def _t_cbrt(t, x):
    return t.sign(x) * t.abs(x) ** (1.0 / 3.0)


def _t_pair(t, x, y):
    if not isinstance(x, t.Tensor):
        x = t.tensor(x, dtype=y.dtype)
    if not isinstance(y, t.Tensor):
        y = t.tensor(y, dtype=x.dtype)
    return x, y


def _t_logaddexp2(t, x, y):
    x, y = _t_pair(t, x, y)
    return t.logaddexp2(x, y)


def _np_i0(x):
    """I0 by its power series sum_k ((x/2)^k / k!)^2 (independent of np.i0)."""
    out = np.zeros_like(x)
    term = np.ones_like(x)
    for k in range(60):
        if k:
            term = term * (x / 2) / k
        out = out + term * term
    return out


def _np_sinc(x):
    safe = np.where(x == 0, 1.0, np.pi * x)
    return np.where(x == 0, 1.0, np.sin(safe) / safe)


# name, NumPy reference, torch spelling, input generator
UNARY = [
    ("sin", np.sin, lambda t, x: t.sin(x), S.uniform(-3, 3)),
    ("cos", np.cos, lambda t, x: t.cos(x), S.uniform(-3, 3)),
    ("tan", lambda x: np.sin(x) / np.cos(x), lambda t, x: t.tan(x), S.uniform(-1.2, 1.2)),
    ("arcsin", np.arcsin, lambda t, x: t.asin(x), S.uniform(-0.9, 0.9)),
    ("arccos", np.arccos, lambda t, x: t.acos(x), S.uniform(-0.9, 0.9)),
    ("arctan", np.arctan, lambda t, x: t.atan(x), S.uniform(-3, 3)),
    ("sinh", lambda x: (np.exp(x) - np.exp(-x)) / 2, lambda t, x: t.sinh(x), S.uniform(-2, 2)),
    ("cosh", lambda x: (np.exp(x) + np.exp(-x)) / 2, lambda t, x: t.cosh(x), S.uniform(-2, 2)),
    ("arcsinh", lambda x: np.log(x + np.sqrt(x * x + 1)), lambda t, x: t.asinh(x),
     S.uniform(-3, 3)),
    ("arccosh", lambda x: np.log(x + np.sqrt(x * x - 1)), lambda t, x: t.acosh(x),
     S.uniform(1.2, 4)),
    ("arctanh", lambda x: 0.5 * np.log((1 + x) / (1 - x)), lambda t, x: t.atanh(x),
     S.uniform(-0.9, 0.9)),
    ("expm1", np.expm1, lambda t, x: t.expm1(x), S.uniform(-2, 2)),
    ("cbrt", lambda x: np.sign(x) * np.abs(x) ** (1 / 3), _t_cbrt, S.away_from_zero(2.0)),
    ("sinc", _np_sinc, lambda t, x: t.sinc(x), S.uniform(-2, 2)),
    ("i0", _np_i0, lambda t, x: t.i0(x), S.uniform(-3, 3)),
    ("floor", np.floor, lambda t, x: t.floor(x), S.off_grid()),
    ("ceil", np.ceil, lambda t, x: t.ceil(x), S.off_grid()),
    ("trunc", np.trunc, lambda t, x: t.trunc(x), S.off_grid()),
    ("square", lambda x: x * x, lambda t, x: t.square(x), S.uniform(-3, 3)),
    ("reciprocal", lambda x: 1 / x, lambda t, x: t.reciprocal(x), S.away_from_zero()),
    ("exp2", lambda x: 2.0 ** x, lambda t, x: t.exp2(x), S.uniform(-3, 3)),
    ("log2", lambda x: np.log(x) / math.log(2), lambda t, x: t.log2(x), S.uniform(0.2, 5)),
    ("log10", lambda x: np.log(x) / math.log(10), lambda t, x: t.log10(x), S.uniform(0.2, 5)),
    ("deg2rad", lambda x: x * math.pi / 180, lambda t, x: t.deg2rad(x), S.uniform(-200, 200)),
    ("rad2deg", lambda x: x * 180 / math.pi, lambda t, x: t.rad2deg(x), S.uniform(-3, 3)),
    ("fabs", lambda x: np.where(x < 0, -x, x), lambda t, x: t.abs(x), S.away_from_zero()),
    ("absolute", lambda x: np.where(x < 0, -x, x), lambda t, x: t.abs(x), S.away_from_zero()),
    ("negative", lambda x: -x, lambda t, x: -x, S.uniform(-3, 3)),
    ("copy", lambda x: x.copy(), lambda t, x: x.clone(), S.uniform(-3, 3)),
    ("real", lambda x: x.copy(), lambda t, x: t.real(x), S.uniform(-3, 3)),
    ("conjugate", lambda x: x.copy(), lambda t, x: t.conj(x), S.uniform(-3, 3)),
    ("conj", lambda x: x.copy(), lambda t, x: t.conj(x), S.uniform(-3, 3)),
    ("imag", lambda x: np.zeros_like(x), lambda t, x: x * 0, S.uniform(-3, 3)),
    ("angle", lambda x: np.where(x < 0, math.pi, 0.0), lambda t, x: t.angle(x),
     S.away_from_zero()),
]


def _unary_entries(Entry, Sample):
    out = []
    for name, ref, tfn, gen in UNARY:
        out.append(Entry(name, getattr(ops, name), ref, tfn, S.unary_samples(Sample, name, gen)))
    rng = S.rng_for("round_decimals")
    x = S.off_grid(0.1)(rng, (3, 4))
    out.append(Entry("round", ops.round, lambda x, decimals=0: np.floor(x * 10 ** decimals + 0.5)
                     / 10 ** decimals, lambda t, x, decimals=0: t.round(x, decimals=decimals),
                     (*S.unary_samples(Sample, "round", S.off_grid()),
                      Sample("decimals1", (x,), {"decimals": 1}))))
    special = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0])
    out.append(Entry(
        "nan_to_num", ops.nan_to_num,
        lambda x, nan=0.0, posinf=None, neginf=None: np.where(
            x != x, nan, np.where(x == np.inf, 3.4028234663852886e38 if posinf is None else posinf,
                                  np.where(x == -np.inf, -3.4028234663852886e38
                                           if neginf is None else neginf, x))),
        lambda t, x, **kw: t.nan_to_num(x, **kw),
        (*S.unary_samples(Sample, "nan_to_num", S.uniform(-3, 3)),
         Sample("specials", (special,), {"nan": 1.0, "posinf": 9.0, "neginf": -9.0},
                gradcheck="NaN inputs; test_nan_to_num_gradient_passes_finite_values"))))
    return out


def _np_mod(x, y):
    return x - y * np.floor(x / y)


def _np_fmod(x, y):
    return x - y * np.trunc(x / y)


def _t_floor_divide(t, x, y):
    x, y = _t_pair(t, x, y)
    return t.floor(x / y)


def _t_heaviside(t, x, y):
    x, y = _t_pair(t, x, y)
    return t.where(x == 0, y.expand_as(x + y) if y.ndim else y * t.ones_like(x + y),
                   (x > 0).to(x.dtype) + 0 * y)


def _t_divide_no_nan(t, x, y):
    x, y = _t_pair(t, x, y)
    zero = y == 0
    return t.where(zero, t.zeros((), dtype=x.dtype), x / t.where(zero, t.ones_like(y), y))


def _t_fmax(fn):
    def f(t, x, y):
        x, y = _t_pair(t, x, y)
        return getattr(t, fn)(x, y)
    return f


def _pos(rng, shape):
    return rng.uniform(0.5, 3.0, shape)


def _mod_x(rng, shape):
    return S.off_grid(1.0)(rng, shape) * 1.3


def _mod_y(rng, shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0) * rng.uniform(0.7, 1.1, shape)


def _heavi_x(rng, shape):
    return rng.integers(-1, 2, shape).astype(np.float64)


BINARY = [
    ("subtract", lambda x, y: x - y, lambda t, x, y: t.sub(*_t_pair(t, x, y)),
     S.uniform(-3, 3), S.uniform(-3, 3)),
    ("multiply", lambda x, y: x * y, lambda t, x, y: t.mul(*_t_pair(t, x, y)),
     S.uniform(-3, 3), S.uniform(-3, 3)),
    ("divide", lambda x, y: x / y, lambda t, x, y: t.div(*_t_pair(t, x, y)),
     S.uniform(-3, 3), S.away_from_zero()),
    ("true_divide", lambda x, y: x / y, lambda t, x, y: t.div(*_t_pair(t, x, y)),
     S.uniform(-3, 3), S.away_from_zero()),
    ("power", lambda x, y: np.exp(y * np.log(x)), lambda t, x, y: t.pow(*_t_pair(t, x, y)),
     _pos, S.uniform(-2, 2)),
    ("mod", _np_mod, lambda t, x, y: t.remainder(*_t_pair(t, x, y)), _mod_x, _mod_y),
    ("fmod", _np_fmod, lambda t, x, y: t.fmod(*_t_pair(t, x, y)), _mod_x, _mod_y),
    ("floor_divide", lambda x, y: np.floor(x / y), _t_floor_divide, _mod_x, _mod_y),
    ("arctan2", lambda y, x: np.angle(x + 1j * y), lambda t, x, y: t.atan2(*_t_pair(t, x, y)),
     S.away_from_zero(), S.away_from_zero()),
    ("hypot", lambda x, y: np.sqrt(x * x + y * y), lambda t, x, y: t.hypot(*_t_pair(t, x, y)),
     S.away_from_zero(), S.away_from_zero()),
    ("logaddexp", lambda x, y: np.log(np.exp(x) + np.exp(y)),
     lambda t, x, y: t.logaddexp(*_t_pair(t, x, y)), S.uniform(-3, 3), S.uniform(-3, 3)),
    ("logaddexp2", lambda x, y: np.log(2.0 ** x + 2.0 ** y) / math.log(2), _t_logaddexp2,
     S.uniform(-3, 3), S.uniform(-3, 3)),
    ("heaviside", lambda x, y: np.where(x < 0, 0.0, np.where(x > 0, 1.0, y)), _t_heaviside,
     S.away_from_zero(), S.uniform(-1, 1)),
    ("fmax", lambda x, y: np.where(x >= y, x, y), _t_fmax("fmax"),
     lambda r, s: S.off_grid(0.2)(r, s), lambda r, s: S.off_grid(0.2)(r, s) + 0.1),
    ("fmin", lambda x, y: np.where(x <= y, x, y), _t_fmax("fmin"),
     lambda r, s: S.off_grid(0.2)(r, s), lambda r, s: S.off_grid(0.2)(r, s) + 0.1),
    ("divide_no_nan", lambda x, y: np.where(y == 0, 0.0, x / np.where(y == 0, 1.0, y)),
     _t_divide_no_nan, S.uniform(-3, 3), S.away_from_zero()),
    ("nextafter", lambda x, y: np.nextafter(x, y),
     lambda t, x, y: t.nextafter(*_t_pair(t, x, y)), S.uniform(-3, 3), S.uniform(-3, 3)),
]


def _binary_entries(Entry, Sample):
    out = []
    for name, ref, tfn, gx, gy in BINARY:
        scalars = {"heaviside": None, "power": (2.5, 1.5)}.get(name, (2.5, -1.5))
        samples = S.binary_samples(Sample, name, gx, gy, scalars=scalars)
        if name == "nextafter":  # float32 and float64 neighbours differ: the dtype's own
            samples = tuple(s for s in samples if not any(isinstance(v, float) for v in s.inputs))
        if name == "divide_no_nan":
            why = "x / y jumps at y = 0; test_divide_no_nan_gradient_is_zero_at_zero_divisors"
            rng = S.rng_for("divide_no_nan_zeros")
            samples = samples + (
                Sample("all_zero_divisor", (np.ones((2, 2)), np.zeros((2, 2))), gradcheck=why),
                Sample("some_zero_divisors", (S.uniform(-3, 3)(rng, (3, 4)), np.where(
                    rng.random((3, 4)) < 0.4, 0.0, S.away_from_zero()(rng, (3, 4)))),
                    gradcheck=why))
        if name == "heaviside":
            why = "x1 sits on the step; test_heaviside_gradient_reaches_x2_only_where_x1_is_0"
            rng = S.rng_for("heaviside_zeros")
            samples = samples + (Sample("x1_zeros", (_heavi_x(rng, (3, 4)),
                                                     S.uniform(-1, 1)(rng, (4,))), gradcheck=why),)
        out.append(Entry(name, getattr(ops, name), ref, tfn, samples,
                         rtol=1e-4 if name in ("logaddexp2",) else 1e-5))
    rng = S.rng_for("ldexp")
    ints = lambda s: rng.integers(-3, 4, s).astype(np.int64)  # noqa: E731
    out.append(Entry("ldexp", ops.ldexp, lambda x, e: x * 2.0 ** e,
                     lambda t, x, e: x * 2.0 ** e.to(x.dtype),
                     tuple(Sample(n, (S.uniform(-3, 3)(rng, sx), ints(sy)))
                           for n, sx, sy in S.BINARY_SHAPES)))
    return out


def _nan_inf(rng, shape):
    x = S.uniform(-3, 3)(rng, shape)
    u = rng.random(shape)
    return np.where(u < 0.2, np.nan, np.where(u < 0.35, np.inf, np.where(u < 0.5, -np.inf, x)))


PREDICATES = [
    ("isnan", np.isnan, lambda t, x: t.isnan(x)),
    ("isinf", np.isinf, lambda t, x: t.isinf(x)),
    ("isfinite", np.isfinite, lambda t, x: t.isfinite(x)),
    ("isposinf", lambda x: x == np.inf, lambda t, x: t.isposinf(x)),
    ("isneginf", lambda x: x == -np.inf, lambda t, x: t.isneginf(x)),
    ("isreal", lambda x: np.ones(x.shape, bool), lambda t, x: t.isreal(x)),
    ("signbit", lambda x: np.copysign(1.0, x) < 0, lambda t, x: t.signbit(x)),
    ("logical_not", lambda x: x == 0, lambda t, x: t.logical_not(x)),
]


def _bools(rng, shape):
    return rng.random(shape) < 0.5


def _int_pair(lo, hi):
    def gen(rng, shape):
        return rng.integers(lo, hi, shape).astype(np.int64)
    return gen


def _np_gcd(a, b):
    a, b = np.abs(a), np.abs(b)
    a, b = np.broadcast_arrays(a, b)
    a, b = a.copy(), b.copy()
    while np.any(b):
        a, b = np.where(b == 0, a, b), np.where(b == 0, 0, a % np.where(b == 0, 1, b))
    return a


def _np_lcm(a, b):
    g = _np_gcd(a, b)
    return np.where(g == 0, 0, np.abs(a * b) // np.where(g == 0, 1, g))


def _logic_entries(Entry, Sample):
    out = []
    for name, ref, tfn in PREDICATES:
        samples = S.unary_samples(Sample, name, _nan_inf)
        out.append(Entry(name, getattr(ops, name), ref, tfn, samples, out_dtype="bool"))
    logic = [("logical_and", np.logical_and, "logical_and"),
             ("logical_or", np.logical_or, "logical_or"),
             ("logical_xor", np.logical_xor, "logical_xor")]
    for name, ref, tname in logic:
        out.append(Entry(name, getattr(ops, name), ref,
                         lambda t, x, y, _n=tname: getattr(t, _n)(*_t_pair(t, x, y)),
                         S.binary_samples(Sample, name, _heavi_x, _heavi_x, scalars=None),
                         out_dtype="bool"))
    ints = _int_pair(-20, 20)
    small = _int_pair(0, 5)
    bitwise = [
        ("bitwise_and", lambda a, b: a & b, "bitwise_and", ints, ints),
        ("bitwise_or", lambda a, b: a | b, "bitwise_or", ints, ints),
        ("bitwise_xor", lambda a, b: a ^ b, "bitwise_xor", ints, ints),
        ("bitwise_left_shift", lambda a, b: a * 2 ** b, "bitwise_left_shift", ints, small),
        ("left_shift", lambda a, b: a * 2 ** b, "bitwise_left_shift", ints, small),
        ("bitwise_right_shift", lambda a, b: a // 2 ** b, "bitwise_right_shift", ints, small),
        ("right_shift", lambda a, b: a // 2 ** b, "bitwise_right_shift", ints, small),
        ("gcd", _np_gcd, "gcd", ints, ints),
        ("lcm", _np_lcm, "lcm", ints, ints),
    ]
    for name, ref, tname, ga, gb in bitwise:
        rng = S.rng_for(name)
        samples = tuple(Sample(n, (ga(rng, sx), gb(rng, sy))) for n, sx, sy in S.BINARY_SHAPES)
        out.append(Entry(name, getattr(ops, name), ref,
                         lambda t, x, y, _n=tname: getattr(t, _n)(x, y), samples,
                         out_dtype="int64"))
    rng = S.rng_for("bitwise_invert")
    inv_samples = tuple(Sample(n, (_int_pair(-9, 9)(rng, s),)) for n, s in S.UNARY_SHAPES)
    for name in ("bitwise_invert", "bitwise_not"):
        out.append(Entry(name, getattr(ops, name), lambda a: -a - 1,
                         lambda t, x: t.bitwise_not(x), inv_samples, out_dtype="int64"))

    def near_grid(rng, shape):  # pairs are either equal to 1e-9 or 0.5 apart
        return rng.integers(-1, 2, shape) * 0.5 + rng.uniform(-1e-9, 1e-9, shape)

    for name in ("isclose", "allclose"):
        rng = S.rng_for(name)
        samples = [Sample(n, (near_grid(rng, sx), near_grid(rng, sy)))
                   for n, sx, sy in S.BINARY_SHAPES]
        samples.append(Sample("equal", (np.ones((2, 2)), np.ones((2, 2)) + 1e-9)))
        samples.append(Sample("tolerances", (np.array([1.0, 2.0]), np.array([1.05, 2.5])),
                              {"rtol": 0.1, "atol": 0.0}))
        ref = (lambda a, b, rtol=1e-5, atol=1e-8: np.abs(a - b) <= atol + rtol * np.abs(b)) \
            if name == "isclose" else \
            (lambda a, b, rtol=1e-5, atol=1e-8: np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))
        tfn = (lambda t, x, y, rtol=1e-5, atol=1e-8: t.isclose(x, y, rtol, atol)) \
            if name == "isclose" else \
            (lambda t, x, y, rtol=1e-5, atol=1e-8: t.tensor(t.allclose(x, y, rtol, atol)))
        out.append(Entry(name, getattr(ops, name), ref, tfn, tuple(samples), out_dtype="bool"))
    return out


def elementwise_entries(Entry, Sample):
    return tuple(_unary_entries(Entry, Sample) + _binary_entries(Entry, Sample)
                 + _logic_entries(Entry, Sample))
