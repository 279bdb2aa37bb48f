"""Input generators and sample families shared by the keras.ops.numpy op-table entries.

Loaded by path (the test folders are not packages) by the entries files of this folder.
"""

import zlib

import numpy as np

BINARY_SHAPES = [
    ("same", (2, 3), (2, 3)),
    ("row", (2, 3), (3,)),
    ("outer", (4, 1), (1, 3)),
    ("rank3_rank2", (2, 1, 3), (4, 1)),
    ("0d_left", (), (2, 3)),
    ("0d_right", (3,), ()),
    ("size1", (1,), (5,)),
    ("size0", (0, 3), (3,)),
]

UNARY_SHAPES = [("2d", (2, 3)), ("0d", ()), ("size1", (1, 4)), ("size0", (0, 3)),
                ("3d", (2, 3, 2))]


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def normal(rng, shape, scale=1.0, away=0.0):
    x = rng.standard_normal(shape) * scale
    return np.sign(x) * (np.abs(x) + away) if away else x


def uniform(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def away_from_zero(scale=1.0, away=0.2):
    return lambda rng, shape: normal(rng, shape, scale, away)


def off_grid(step=1.0, lo=-3, hi=3):
    """Values k*step + U(0.15, 0.35)*step or +U(0.6, 0.85)*step: away from integers and from
    half-integers (the kinks of floor/ceil/trunc/round)."""
    def gen(rng, shape):
        k = rng.integers(lo, hi, shape)
        f = np.where(rng.random(shape) < 0.5, rng.uniform(0.15, 0.35, shape),
                     rng.uniform(0.6, 0.85, shape))
        return (k + f) * step
    return gen


def distinct(rng, shape):
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 - 0.05 * n + rng.uniform(-0.02, 0.02, n)).reshape(shape)


def unary_samples(Sample, name, gen, **params):
    rng = rng_for(name)
    return tuple(Sample(n, (gen(rng, s),), dict(params)) for n, s in UNARY_SHAPES)


def binary_samples(Sample, name, gx, gy, scalars=(2.5, -1.5)):
    rng = rng_for(name)
    out = [Sample(n, (gx(rng, sx), gy(rng, sy))) for n, sx, sy in BINARY_SHAPES]
    if scalars:
        out.append(Sample("scalar_right", (gx(rng, (2, 3)), scalars[0])))
        out.append(Sample("scalar_left", (scalars[1], gy(rng, (2, 3)))))
    return tuple(out)


def reduce_samples(Sample, name, gen=None, axis_tuple=True, keepdims=True, empty=True):
    rng = rng_for(name)
    gen = gen or (lambda r, s: normal(r, s))
    x3 = gen(rng, (2, 3, 4))
    out = [
        Sample("all", (x3,)),
        Sample("axis0", (x3,), {"axis": 0}),
        Sample("axis_neg", (x3,), {"axis": -1}),
        Sample("0d", (gen(rng, ()),)),
        Sample("nonsquare", (gen(rng, (5, 2)),), {"axis": 1}),
    ]
    if axis_tuple:
        out.append(Sample("axis_tuple", (x3,), {"axis": (0, 2)}))
    if keepdims:
        out.append(Sample("keepdims", (x3,), {"axis": 1, "keepdims": True}))
    if empty:
        out.append(Sample("size0_kept", (np.zeros((0, 3)),), {"axis": 1}))
    return tuple(out)


def with_nans(rng, shape, frac=0.3):
    x = distinct(rng, shape)
    x[rng.random(shape) < frac] = np.nan
    return x
