"""The op table: every public op of `ember.ops`, with a NumPy reference, a PyTorch equivalent
and input samples.

Each `Entry` holds three implementations of one op, called the same way:

- `ember(*tensors, **params)`: the op under test, on ember Tensors;
- `ref(*arrays, **params)`: an independent NumPy reference, evaluated in float64;
- `torch(torch, *tensors, **params)`: the same computation in PyTorch (composed where torch has
  no single function), used by `tests/parity/`.

A `Sample`'s inputs are float arrays (stored in float64; the tests cast them to the dtype under
test), integer/bool arrays (labels, indices, masks: passed as Tensors unchanged) and Python
scalars (passed as they are, never wrapped). `params` are keyword arguments given to all three.

Domains keep inputs away from kinks (|x| > 1e-2 for relu/abs/sign/step/leaky_relu/elu, no
accidental ties for maximum/minimum/max/min/clip, positive bases for log/sqrt/pow) so that the
float64 central differences of `test_op_table.py` are meaningful; the samples named "ties" are
deliberate and their expected gradients are the documented half/equal shares.

Generic tests iterate over `TABLE`; a public op without an entry, or a `Function` subclass of
`ember.ops` that no sample reaches, fails a coverage test.

Adding an op: write its samples (several, with a 0-d or size-0 case and, for binary ops, the
broadcasting pairs of `BINARY_SHAPES`), a NumPy reference that does not call ember, and a torch
lambda; then one `Entry(...)` in `TABLE`. A differentiable door that lives in an ember.ops
submodule without being in `ember.ops.__all__` names that module with `module=`.
"""

import importlib.util
import warnings
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ember import ops
from ember.ops.dropout import dropout
from ember.ops.normalization import batch_norm_train, layer_norm
from ember.tensor import Tensor


@dataclass(frozen=True)
class Sample:
    """One input set for an op.

    Args:
        name: short id used in the test names.
        inputs: float arrays (float64 values), integer/bool arrays, or Python scalars.
        params: keyword arguments for ember, the reference and torch.
        dtypes: fixed dtypes for the float inputs (`cast` only); None: the test's float dtype.
        gradcheck: None when the float64 gradient check applies, else the reason it cannot
            (the check is then done by a dedicated test named in the reason).
    """

    name: str
    inputs: tuple
    params: dict = field(default_factory=dict)
    dtypes: tuple | None = None
    gradcheck: str | None = None

    def __post_init__(self):
        # NumPy scalars (what arithmetic on 0-d arrays returns) are 0-d array inputs here;
        # only plain Python numbers are passed as scalars
        inputs = tuple(np.asarray(a) if isinstance(a, np.generic) else a for a in self.inputs)
        object.__setattr__(self, "inputs", inputs)

    def values(self, floatx, fixed=True):
        """The inputs with float arrays cast to `floatx`, or to the sample's fixed dtypes unless
        `fixed` is False (gradient checks run everything in float64)."""
        out = []
        k = 0
        for a in self.inputs:
            if isinstance(a, np.ndarray) and a.dtype.kind == "f":
                dtype = self.dtypes[k] if self.dtypes is not None and fixed else floatx
                out.append(a.astype(dtype))
                k += 1
            else:
                out.append(a)
        return out

    @property
    def has_float_input(self):
        return any(isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in self.inputs)


@dataclass(frozen=True)
class Entry:
    """One public op: three implementations, samples and tolerances.

    `rtol`/`atol` compare ember in float32 with the float64 reference; `torch_rtol`/`torch_atol`
    compare the float32 forward with torch (parity); `out_dtype` is the result's dtype when it is
    not the float inputs' dtype (a dtype name, or a function of the params).
    """

    name: str
    ember: Any
    ref: Any
    torch: Any
    samples: tuple
    rtol: float = 1e-5
    atol: float = 1e-6
    torch_rtol: float = 1e-3
    torch_atol: float = 1e-6
    out_dtype: Any = None
    multi_output: bool = False
    module: str | None = None

    @property
    def differentiable(self):
        # `module`: a differentiable public door of an ember.ops submodule that is not (yet)
        # listed in ember.ops.__all__ (the layers import it from its module)
        return self.name in ops.DIFFERENTIABLE or self.module is not None

    def expected_dtype(self, sample, floatx):
        if callable(self.out_dtype):
            return np.dtype(self.out_dtype(sample.params))
        if self.out_dtype is not None:
            return np.dtype(self.out_dtype)
        return np.dtype(floatx)


# ----------------------------------------------------------------------------- generators
def _rng(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def normal(rng, shape, scale=1.0, away=0.0):
    """N(0, scale^2) values pushed at least `away` from 0."""
    x = rng.standard_normal(shape) * scale
    return np.sign(x) * (np.abs(x) + away) if away else x


def uniform(rng, shape, lo, hi):
    return rng.uniform(lo, hi, shape)


def grid(rng, shape, offset=0.0):
    """Values 0.2 k + offset + U(-0.02, 0.02): two draws with offsets differing by 0.1 are never
    closer than 0.06, so maximum/minimum/clip are away from their kinks."""
    return rng.integers(-8, 8, shape) * 0.2 + offset + rng.uniform(-0.02, 0.02, shape)


def distinct(rng, shape):
    """Distinct values, at least 0.06 apart (no accidental ties in max/min/argmax)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 - 0.05 * n + rng.uniform(-0.02, 0.02, n)).reshape(shape)


def ints(rng, shape, lo, hi):
    return rng.integers(lo, hi, shape).astype(np.int64)


def probs(rng, shape):
    e = np.exp(rng.standard_normal(shape))
    return e / e.sum(axis=-1, keepdims=True)


# ----------------------------------------------------------------------------- references
def np_softmax(x, axis=-1):
    e = np.exp(x)
    return e / np.sum(e, axis=axis, keepdims=True)


def np_logsumexp(x, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


def _count(x, axis):
    """How many elements each output of a reduction over `axis` sums."""
    return x.size if axis is None else int(np.prod([x.shape[a] for a in np.atleast_1d(axis)]))


def np_mean(x, axis=None, keepdims=False):
    return np.sum(x, axis=axis, keepdims=keepdims) / _count(x, axis)


def np_var(x, axis=None, keepdims=False, ddof=0):
    d = x - np_mean(x, axis, keepdims=True)
    return np.sum(d * d, axis=axis, keepdims=keepdims) / (_count(x, axis) - ddof)


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_matmul(x, w):
    """Matrix product by einsum, with the vector rules spelled out (independent of np.matmul)."""
    x2 = x[None, :] if x.ndim == 1 else x
    w2 = w[:, None] if w.ndim == 1 else w
    z = np.einsum("...ij,...jk->...ik", x2, w2)
    if x.ndim == 1:
        z = z[..., 0, :]
    if w.ndim == 1:
        z = z[..., 0]
    return z


def np_dot(x, y):
    return np.tensordot(x, y, axes=([-1], [max(y.ndim - 2, 0)]))


def np_split(x, indices_or_sections, axis=0):
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        bounds = list(range(0, n + 1, n // indices_or_sections))
    else:
        bounds = [0, *indices_or_sections, n]
    return [np.take(x, np.arange(a, b), axis=axis) for a, b in zip(bounds[:-1], bounds[1:])]


def np_repeat(x, repeats, axis=None):
    """np.repeat by explicit index lists (independent of np.repeat)."""
    if axis is None:
        x, axis = x.reshape(-1), 0
    n = x.shape[axis]
    reps = [repeats] * n if np.ndim(repeats) == 0 else list(repeats)
    idx = [i for i in range(n) for _ in range(reps[i])]
    return np.take(x, np.asarray(idx, dtype=np.int64), axis=axis)


def np_tile(x, repeats):
    """np.tile by modular indexing (independent of np.tile)."""
    reps = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    d = max(len(reps), x.ndim)
    x = x.reshape((1,) * (d - x.ndim) + x.shape)
    reps = (1,) * (d - len(reps)) + reps
    idx = np.ix_(*[np.arange(n * r) % n if n else np.arange(0) for n, r in zip(x.shape, reps)])
    return x[idx] if d else x.copy()


def np_pad_edge(x, pad_width):
    """Edge padding by clamped indices (independent of np.pad)."""
    pads = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))
    idx = [np.clip(np.arange(-b, n + a), 0, n - 1) for n, (b, a) in zip(x.shape, pads)]
    return x[np.ix_(*idx)]


def np_pad_constant(x, pad_width, constant_values=0):
    pads = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))
    out = np.full([n + b + a for n, (b, a) in zip(x.shape, pads)], constant_values, x.dtype)
    out[tuple(slice(b, b + n) for n, (b, _) in zip(x.shape, pads))] = x
    return out


def np_bce(t, z):
    p = np_sigmoid(z)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def np_sparse_ce(labels, z):
    p = np_softmax(z, -1)
    return -np.log(np.take_along_axis(p, labels[..., None], axis=-1)[..., 0])


def np_dropout(x, rate, noise_shape=None, seed=0):
    """The documented rule: uniforms drawn in float32 from default_rng(seed) with the noise
    shape (None entries: x's size), kept where < 1 - rate, kept values scaled by 1/(1 - rate)."""
    shape = x.shape if noise_shape is None else tuple(
        n if s is None else s for s, n in zip(noise_shape, x.shape))
    u = np.random.default_rng(seed).random(shape, dtype=np.float32)
    keep = np.broadcast_to(u < np.float32(1 - rate), x.shape)
    return np.where(keep, x / (1 - rate), 0.0)


def np_normalize(x, gamma, beta, axes, epsilon):
    shape = [n if a not in axes else 1 for a, n in enumerate(x.shape)]
    n = int(np.prod([x.shape[a] for a in axes]))
    m = np.sum(x, axis=axes, keepdims=True) / n
    v = np.sum((x - m) ** 2, axis=axes, keepdims=True) / n
    y = (x - m) / np.sqrt(v + epsilon)
    return y, shape


def np_batch_norm(x, gamma, beta, axis=-1, epsilon=1e-3):
    ch = axis % x.ndim
    axes = tuple(a for a in range(x.ndim) if a != ch)
    y, _ = np_normalize(x, gamma, beta, axes, epsilon)
    shape = [n if a == ch else 1 for a, n in enumerate(x.shape)]
    y = y if gamma is None else y * gamma.reshape(shape)
    return y if beta is None else y + beta.reshape(shape)


def np_layer_norm(x, gamma, beta, axis=-1, epsilon=1e-3):
    axes = tuple(sorted(a % x.ndim for a in np.atleast_1d(axis)))
    y, _ = np_normalize(x, gamma, beta, axes, epsilon)
    shape = [n if a in axes else 1 for a, n in enumerate(x.shape)]
    y = y if gamma is None else y * gamma.reshape(shape)
    return y if beta is None else y + beta.reshape(shape)


# ----------------------------------------------------------------------------- torch helpers
def _tdims(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def t_reduce(fn, x, axis, keepdims, **kw):
    """A torch reduction with NumPy's axis=None and 0-d conventions."""
    dims = _tdims(axis, x.ndim)
    if not dims:  # a 0-d tensor: reduce a 1-element view
        return fn(x.reshape(1), dim=0, keepdim=False, **kw).reshape(x.shape)
    with warnings.catch_warnings():
        # torch.var/std on an empty input warn about their degrees of freedom (numel 0 / 0)
        warnings.filterwarnings("ignore", ".*degrees of freedom", UserWarning)
        return fn(x, dim=dims, keepdim=keepdims, **kw)


def t_logsumexp(torch, x, axis=None, keepdims=False):
    if axis is None:
        y = torch.logsumexp(x.reshape(-1), dim=0)
        return y.reshape((1,) * x.ndim) if keepdims else y
    return torch.logsumexp(x, dim=_tdims(axis, x.ndim), keepdim=keepdims)


def t_arg(fn, x, axis=None):
    return fn(x.reshape(-1)) if axis is None else fn(x, dim=axis)


def t_pair(torch, x, y):
    """torch.maximum & co. need two tensors: a Python scalar becomes one of the other's dtype."""
    if not isinstance(x, torch.Tensor):
        x = torch.tensor(x, dtype=y.dtype)
    if not isinstance(y, torch.Tensor):
        y = torch.tensor(y, dtype=x.dtype)
    return x, y


def t_getitem(torch, x, key):
    """NumPy indexing in torch. Negative-step slices have no torch spelling: those keys gather
    through the flat position map np.arange(size).reshape(shape)[key], which torch
    differentiates with accumulation like any index."""
    items = key if isinstance(key, tuple) else (key,)
    if any(isinstance(k, slice) and k.step is not None and k.step < 0 for k in items):
        pos = np.arange(int(np.prod(x.shape))).reshape(tuple(x.shape))[key]
        return x.reshape(-1)[torch.as_tensor(pos.reshape(-1))].reshape(pos.shape)
    conv = tuple(torch.as_tensor(k) if isinstance(k, np.ndarray) else k for k in items)
    return x[conv if isinstance(key, tuple) else conv[0]]


def t_pad(torch, x, pad_width, mode="constant", constant_values=0):
    pads = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))
    if mode == "constant":
        flat = [int(p) for pair in pads[::-1] for p in pair]
        return torch.nn.functional.pad(x, flat, value=float(constant_values))
    for axis, (before, after) in enumerate(pads):  # edge: concatenate copies of the end slices
        n = x.shape[axis]
        first = x.narrow(axis, 0, 1).expand(*[int(before) if a == axis else -1
                                               for a in range(x.ndim)])
        last = x.narrow(axis, n - 1, 1).expand(*[int(after) if a == axis else -1
                                                 for a in range(x.ndim)])
        x = torch.cat([first, x, last], dim=axis)
    return x


def t_split(torch, x, indices_or_sections, axis=0):
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        sizes = [n // indices_or_sections] * indices_or_sections
    else:
        bounds = [0, *indices_or_sections, n]
        sizes = [b - a for a, b in zip(bounds[:-1], bounds[1:])]
    return list(torch.split(x, sizes, dim=axis))


def t_repeat(torch, x, repeats, axis=None):
    r = torch.as_tensor(np.asarray(repeats)) if np.ndim(repeats) else repeats
    return torch.repeat_interleave(x, r, dim=axis)


def t_expand_dims(x, axis):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    d = x.ndim + len(axes)
    for a in sorted(a % d for a in axes):
        x = x.unsqueeze(a)
    return x


def t_sparse_ce(torch, labels, z):
    c = z.shape[-1]
    loss = torch.nn.functional.cross_entropy(z.reshape(-1, c), labels.reshape(-1),
                                             reduction="none")
    return loss.reshape(labels.shape)


def t_dropout(torch, x, rate, noise_shape=None, seed=0):
    """torch has no seeded equivalent of ember's mask: the same mask (the documented draw),
    applied with torch ops, checks the scaling and the gradient."""
    keep = np_dropout(np.ones(tuple(x.shape)), rate, noise_shape, seed) != 0
    return torch.where(torch.as_tensor(keep), x / (1 - rate), torch.zeros((), dtype=x.dtype))


def t_batch_norm(torch, x, gamma, beta, axis=-1, epsilon=1e-3):
    ch = axis % x.ndim
    y = torch.nn.functional.batch_norm(x.movedim(ch, 1), None, None, gamma, beta,
                                       training=True, eps=epsilon)
    return y.movedim(1, ch)


def t_layer_norm(torch, x, gamma, beta, axis=-1, epsilon=1e-3):
    axes = sorted(a % x.ndim for a in np.atleast_1d(axis))
    rest = [a for a in range(x.ndim) if a not in axes]
    xt = x.permute(*rest, *axes)  # the normalised axes last, for F.layer_norm
    y = torch.nn.functional.layer_norm(xt, [x.shape[a] for a in axes], gamma, beta, epsilon)
    return y.permute(*np.argsort(rest + axes).tolist())


def t_step(torch, x):
    # (x > 0) has no grad_fn; adding 0 * x keeps the result in the graph with a zero gradient
    return (x > 0).to(x.dtype) + 0 * x


# ----------------------------------------------------------------------------- sample sets
BINARY_SHAPES = [
    ("same", (2, 3), (2, 3)),
    ("row", (2, 3), (3,)),
    ("outer", (4, 1), (1, 3)),
    ("rank3_rank2", (2, 1, 3), (4, 1)),
    ("0d_left", (), (2, 3)),
    ("0d_right", (3,), ()),
    ("0d_both", (), ()),
    ("size1", (1,), (5,)),
    ("size0", (0, 3), (3,)),
    ("nonsquare_bcast", (3, 1, 5), (2, 1)),
]


def binary_samples(name, gx, gy, scalars=(2.5, -1.5)):
    """Broadcasting shape pairs, plus a Python scalar on the right and on the left."""
    rng = _rng(name)
    out = [Sample(n, (gx(rng, sx), gy(rng, sy))) for n, sx, sy in BINARY_SHAPES]
    out.append(Sample("scalar_right", (gx(rng, (2, 3)), scalars[0])))
    out.append(Sample("scalar_left", (scalars[1], gy(rng, (2, 3)))))
    return tuple(out)


def unary_samples(name, gen):
    rng = _rng(name)
    return tuple(Sample(n, (gen(rng, s),)) for n, s in
                 [("2d", (2, 3)), ("0d", ()), ("size1", (1, 4)), ("size0", (0, 3)),
                  ("3d", (2, 3, 2))])


def extreme_samples(name, ties_value=None):
    """max/min: distinct values with axis variants, a 2-way tie and size-0 kept axes."""
    rng = _rng(name)
    x3 = distinct(rng, (2, 3, 4))
    tie = distinct(rng, (3, 4))
    j = np.argmax(tie[1]) if ties_value == "max" else np.argmin(tie[1])
    tie[1, (j + 1) % 4] = tie[1, j]
    return (
        Sample("all", (x3,)),
        Sample("axis0", (x3,), {"axis": 0}),
        Sample("axis_neg", (x3,), {"axis": -1}),
        Sample("axis_tuple_keepdims", (x3,), {"axis": (0, 2), "keepdims": True}),
        Sample("axis_none_keepdims", (x3,), {"axis": None, "keepdims": True}),
        Sample("0d", (np.asarray(0.7),)),
        Sample("size1", (distinct(rng, (1, 5)),), {"axis": 0}),
        Sample("size0_kept", (np.zeros((0, 3)),), {"axis": 1}),
        Sample("ties", (tie,), {"axis": 1}),
    )


def reduce_samples(name, empty_reduce=False, size1=True):
    rng = _rng(name)
    x3 = normal(rng, (2, 3, 4))
    out = [
        Sample("all", (x3,)),
        Sample("axis0", (x3,), {"axis": 0}),
        Sample("axis_neg", (x3,), {"axis": -1}),
        Sample("axis_tuple", (x3,), {"axis": (0, 2)}),
        Sample("axis_tuple_neg_keepdims", (x3,), {"axis": (-1, -3), "keepdims": True}),
        Sample("axis_none_keepdims", (x3,), {"axis": None, "keepdims": True}),
        Sample("nonsquare", (normal(rng, (5, 2)),), {"axis": 1}),
        Sample("0d", (np.asarray(1.3),)),
        Sample("size0_kept", (np.zeros((0, 3)),), {"axis": 1}),
    ]
    if size1:
        out.append(Sample("size1", (normal(rng, (1, 4)),), {"axis": 0}))
    if empty_reduce:
        out.append(Sample("size0_reduced", (np.zeros((0, 3)),), {"axis": 0}))
        out.append(Sample("size0_all", (np.zeros((2, 0)),)))
    return tuple(out)


def arg_samples(name):
    rng = _rng(name)
    x = distinct(rng, (3, 4))
    return (
        Sample("flat", (x,)),
        Sample("axis0", (x,), {"axis": 0}),
        Sample("axis_neg", (distinct(rng, (2, 3, 4)),), {"axis": -1}),
        Sample("ties_first", (np.array([[1.0, 3.0, 3.0], [-2.0, -2.0, 0.5]]),), {"axis": 1}),
        Sample("0d", (np.asarray(0.3),)),
    )


def compare_samples(name):
    """Values on the grid {-1, 0, 1}: ties happen on purpose."""
    rng = _rng(name)
    g = lambda s: rng.integers(-1, 2, s).astype(np.float64)
    return (
        Sample("same", (g((3, 4)), g((3, 4)))),
        Sample("row", (g((3, 4)), g((4,)))),
        Sample("outer", (g((3, 1)), g((1, 4)))),
        Sample("0d", (g(()), g((2, 2)))),
        Sample("scalar_right", (g((2, 3)), 0.0)),
        Sample("scalar_left", (0.0, g((2, 3)))),
        Sample("size0", (g((0, 2)), g((2,)))),
    )


def activation_samples(name, scale=3.0, **params):
    """Values at least 0.02 from 0 (the kink of relu & co.); `params` go in the sample names."""
    rng = _rng(name + str(params))
    tag = "".join(f"_{k}{v}" for k, v in params.items())
    return tuple(Sample(n + tag, (normal(rng, s, scale, away=0.02),), dict(params))
                 for n, s in [("2d", (3, 4)), ("0d", ()), ("size1", (1,)), ("size0", (0, 2)),
                              ("3d", (2, 2, 3))])


def matmul_samples(name):
    rng = _rng(name)
    n = lambda *s: normal(rng, s)
    return (
        Sample("2d_2d", (n(2, 3), n(3, 4))),
        Sample("1d_2d", (n(3), n(3, 4))),
        Sample("2d_1d", (n(2, 3), n(3))),
        Sample("1d_1d", (n(4), n(4))),
        Sample("batched_bcast", (n(2, 1, 2, 3), n(4, 3, 2))),
        Sample("1d_batched", (n(4), n(2, 4, 3))),
        Sample("batched_1d", (n(2, 3, 4), n(4))),
        Sample("batch_1_vs_3", (n(1, 2, 3), n(3, 3, 2))),
        Sample("size0_inner", (n(2, 0), n(0, 3))),
        Sample("size0_rows", (n(0, 3), n(3, 2))),
    )


def dot_samples(name):
    rng = _rng(name)
    n = lambda *s: normal(rng, s)
    return (
        Sample("1d_1d", (n(3), n(3))),
        Sample("2d_2d", (n(2, 3), n(3, 4))),
        Sample("2d_1d", (n(2, 3), n(3))),
        Sample("1d_2d", (n(3), n(3, 2))),
        Sample("3d_1d", (n(2, 3, 4), n(4))),
        Sample("3d_2d", (n(2, 3, 4), n(4, 2))),
        Sample("2d_3d", (n(2, 3), n(2, 3, 4))),
        Sample("1d_3d", (n(4), n(2, 4, 3))),
        Sample("size0_rows", (n(0, 3), n(3, 2))),
        Sample("size0_inner", (n(2, 0), n(0))),
    )


def getitem_samples(name):
    rng = _rng(name)
    x = normal(rng, (4, 5, 3))
    s = slice
    keys = [
        ("int", 1),
        ("neg_int", -1),
        ("slice", (s(1, 3),)),
        ("neg_step", s(None, None, -1)),
        ("neg_step_ellipsis", (s(3, 0, -2), Ellipsis, s(None, None, 2))),
        ("ellipsis_int", (Ellipsis, 1)),
        ("newaxis", (None, s(None), 0)),
        ("ellipsis_newaxis", (Ellipsis, None)),
        ("scalar_0d", (1, 2, 0)),
        ("empty_slice", s(2, 2)),
        ("int_array_repeated", np.array([0, 2, 2, 3])),
        ("int_array_negative", np.array([-1, -1, 0])),
        ("int_array_2d", (s(None), np.array([[1, 1], [0, 4]]))),
        ("int_arrays_paired", (np.array([0, 0, 3]), np.array([1, 1, 2]))),
        ("int_arrays_split_by_slice", (np.array([1, 1]), s(None), np.array([0, 2]))),
        ("int_list", [2, 0, 2]),
        ("bool_rows", np.array([True, False, True, True])),
        ("bool_full", x > 0.3),
        ("bool_then_slice", (s(None), np.array([True, False, False, True, True]), s(0, 2))),
    ]
    out = [Sample(n, (x,), {"key": k}) for n, k in keys]
    z = np.asarray(1.5)
    out += [Sample("0d_empty_tuple", (z,), {"key": ()}),
            Sample("0d_newaxis", (z,), {"key": None}),
            Sample("0d_ellipsis", (z,), {"key": Ellipsis})]
    return tuple(out)


# ----------------------------------------------------------------------------- the table
def _pos(lo=0.1, hi=3.0):
    return lambda rng, s: uniform(rng, s, lo, hi)


_nrm = lambda rng, s: normal(rng, s)
_away = lambda rng, s: normal(rng, s, 2.0, away=0.02)


def _binary_entry(name, fn, ref, tfn, gx=_nrm, gy=_nrm, **kw):
    return Entry(name, fn, ref, tfn, binary_samples(name, gx, gy), **kw)


def _pow_samples():
    rng = _rng("pow")
    pos = _pos(0.3, 2.0)
    return (
        Sample("square", (normal(rng, (2, 3), away=0.02), 2)),
        Sample("cube_int", (normal(rng, (3,), away=0.02), 3)),
        Sample("sqrt_exp", (pos(rng, (2, 3)), 0.5)),
        Sample("neg_exp", (pos(rng, (4,)), -1.5)),
        Sample("tensor_exp_bcast", (pos(rng, (2, 3)), normal(rng, (3,)))),
        Sample("tensor_exp_0d_base", (pos(rng, ()), normal(rng, (3,)))),
        Sample("scalar_base", (2.0, normal(rng, (2, 3)))),
        Sample("outer", (pos(rng, (3, 1)), normal(rng, (1, 2)))),
        Sample("0d", (pos(rng, ()), 1.7)),
        Sample("size0", (pos(rng, (0, 3)), normal(rng, (3,)))),
    )


def _maxmin_samples(name):
    rng = _rng(name)
    a = lambda s: grid(rng, s, 0.1)
    b = lambda s: grid(rng, s, 0.0)
    tie_x = grid(rng, (2, 3), 0.1)
    tie_y = grid(rng, (2, 3), 0.0)
    tie_y[0, 1], tie_y[1, 2] = tie_x[0, 1], tie_x[1, 2]  # deliberate ties: half each
    return tuple([Sample(n, (a(sx), b(sy))) for n, sx, sy in BINARY_SHAPES] + [
        Sample("scalar_right", (a((2, 3)), 0.0)),
        Sample("scalar_left", (0.0, a((2, 3)))),
        Sample("ties", (tie_x, tie_y)),
    ])


def _clip_samples():
    rng = _rng("clip")
    x = lambda s: grid(rng, s, 0.1)
    return (
        Sample("both", (x((3, 4)),), {"x_min": -0.4, "x_max": 0.6}),
        Sample("min_only", (x((2, 5)),), {"x_min": 0.0}),
        Sample("max_only", (x((5,)),), {"x_max": -0.2}),
        Sample("0d", (np.asarray(0.73),), {"x_min": -0.4, "x_max": 0.6}),
        Sample("size0", (x((0, 2)),), {"x_min": -0.4, "x_max": 0.6}),
        Sample("empty_interval_above", (x((2, 3)),), {"x_min": 5.0, "x_max": 6.0}),
    )


def _where_samples():
    rng = _rng("where")
    c = lambda s: rng.random(s) > 0.5
    n = lambda s: normal(rng, s)
    return (
        Sample("same", (c((2, 3)), n((2, 3)), n((2, 3)))),
        Sample("bcast_y", (c((2, 3)), n((2, 3)), n((3,)))),
        Sample("bcast_cond", (c((3,)), n((2, 3)), n(()))),
        Sample("0d_cond", (np.asarray(True), n((2,)), n((2,)))),
        Sample("outer", (c((4, 1)), n((1, 3)), n((4, 3)))),
        Sample("scalar_y", (c((2, 3)), n((2, 3)), 0.0)),
        Sample("scalar_x", (c((2, 3)), -1.0, n((2, 3)))),
        Sample("size0", (c((0, 3)), n((0, 3)), n((3,)))),
    )


def _cast_samples():
    rng = _rng("cast")
    return (
        Sample("f32_to_f64", (normal(rng, (2, 3)),), {"dtype": "float64"}, dtypes=("float32",)),
        Sample("f64_to_f32", (normal(rng, (3,)),), {"dtype": "float32"}, dtypes=("float64",),
               gradcheck="a float32 output cannot be checked in float64; "
                         "test_ops_semantics.py::test_cast_gradient_returns_to_input_dtype"),
        Sample("f32_to_f32", (normal(rng, (2, 2)),), {"dtype": "float32"}, dtypes=("float32",),
               gradcheck="a float32 output cannot be checked in float64; "
                         "test_ops_semantics.py::test_cast_gradient_returns_to_input_dtype"),
        Sample("0d_f32_to_f64", (normal(rng, ()),), {"dtype": "float64"}, dtypes=("float32",)),
        Sample("size0_f32_to_f64", (normal(rng, (0, 2)),), {"dtype": "float64"},
               dtypes=("float32",)),
        Sample("int_to_f32", (ints(rng, (2, 3), -5, 5),), {"dtype": "float32"}),
        Sample("f32_to_int", (normal(rng, (4,), 3.0),), {"dtype": "int64"}, dtypes=("float32",),
               gradcheck="an integer result is not differentiated; "
                         "test_ops_semantics.py::test_cast_to_integer_is_not_tracked"),
    )


def _reshape_samples():
    rng = _rng("reshape")
    n = lambda *s: normal(rng, s)
    return (
        Sample("2d", (n(2, 3),), {"newshape": (3, 2)}),
        Sample("infer", (n(2, 3, 4),), {"newshape": (-1, 4)}),
        Sample("add_ones", (n(6),), {"newshape": (1, 2, 1, 3)}),
        Sample("int_shape", (n(2, 3),), {"newshape": 6}),
        Sample("0d_to_2d", (n(),), {"newshape": (1, 1)}),
        Sample("to_0d", (n(1),), {"newshape": ()}),
        Sample("size0", (n(0, 3),), {"newshape": (3, 0)}),
    )


def _transpose_samples(name):
    rng = _rng(name)
    n = lambda *s: normal(rng, s)
    if name == "permute":
        return (Sample("3d", (n(2, 3, 4),), {"axes": (2, 0, 1)}),
                Sample("2d", (n(1, 3),), {"axes": (1, 0)}),
                Sample("negative", (n(2, 3, 4),), {"axes": (-1, 0, -2)}),
                Sample("size0", (n(0, 2, 3),), {"axes": (1, 2, 0)}))
    return (Sample("2d", (n(2, 3),)),
            Sample("3d_reverse", (n(2, 3, 4),)),
            Sample("3d_axes", (n(2, 3, 4),), {"axes": (1, 0, 2)}),
            Sample("negative_axes", (n(2, 3, 4),), {"axes": (-1, 0, 1)}),
            Sample("0d", (n(),)),
            Sample("size0", (n(0, 3),)))


def _squeeze_samples():
    rng = _rng("squeeze")
    n = lambda *s: normal(rng, s)
    return (Sample("all", (n(1, 3, 1),)),
            Sample("axis0", (n(1, 3, 1),), {"axis": 0}),
            Sample("axis_neg", (n(1, 3, 1),), {"axis": -1}),
            Sample("axis_tuple", (n(1, 3, 1),), {"axis": (0, 2)}),
            Sample("0d", (n(),)),
            Sample("to_0d", (n(1),)),
            Sample("size0", (n(0, 1),), {"axis": 1}))


def _expand_dims_samples():
    rng = _rng("expand_dims")
    n = lambda *s: normal(rng, s)
    return (Sample("front", (n(2, 3),), {"axis": 0}),
            Sample("back", (n(2, 3),), {"axis": -1}),
            Sample("middle", (n(2, 3),), {"axis": 1}),
            Sample("tuple", (n(2, 3),), {"axis": (0, 2)}),
            Sample("0d", (n(),), {"axis": 0}),
            Sample("size0", (n(0),), {"axis": 1}))


def _broadcast_to_samples():
    rng = _rng("broadcast_to")
    n = lambda *s: normal(rng, s)
    return (Sample("lead", (n(3),), {"shape": (2, 3)}),
            Sample("size1", (n(1, 3),), {"shape": (4, 3)}),
            Sample("0d", (n(),), {"shape": (2, 2)}),
            Sample("mixed", (n(2, 1, 1),), {"shape": (3, 2, 4, 5)}),
            Sample("same", (n(2, 3),), {"shape": (2, 3)}),
            Sample("size0", (n(1),), {"shape": (0,)}))


def _concat_samples():
    rng = _rng("concat")
    n = lambda *s: normal(rng, s)
    return (Sample("axis0", (n(2, 3), n(4, 3)), {"axis": 0}),
            Sample("three_axis_neg", (n(2, 3), n(2, 1), n(2, 2)), {"axis": -1}),
            Sample("size0_piece", (n(2, 0), n(2, 3)), {"axis": 1}),
            Sample("single", (n(3),), {"axis": 0}),
            Sample("3d_axis1", (n(1, 2, 3), n(1, 2, 3)), {"axis": 1}))


def _stack_samples():
    rng = _rng("stack")
    n = lambda *s: normal(rng, s)
    return (Sample("axis0", (n(2, 3), n(2, 3), n(2, 3)), {"axis": 0}),
            Sample("axis_neg", (n(2, 3), n(2, 3)), {"axis": -1}),
            Sample("axis_middle", (n(2, 3), n(2, 3)), {"axis": 1}),
            Sample("0d", (n(), n()), {"axis": 0}),
            Sample("size0", (n(0, 2), n(0, 2)), {"axis": 1}))


def _split_samples():
    rng = _rng("split")
    n = lambda *s: normal(rng, s)
    return (Sample("sections", (n(6, 4),), {"indices_or_sections": 3}),
            Sample("indices", (n(6, 4),), {"indices_or_sections": [1, 3]}),
            Sample("sections_axis_neg", (n(4, 6),), {"indices_or_sections": 2, "axis": -1}),
            Sample("empty_piece", (n(3, 5),), {"indices_or_sections": [2, 2], "axis": 1}),
            Sample("1d_leading_empty", (n(5),), {"indices_or_sections": [0]}),
            Sample("size0", (n(0, 4),), {"indices_or_sections": 2, "axis": 1}))


def _pad_samples():
    rng = _rng("pad")
    n = lambda *s: normal(rng, s)
    return (Sample("constant_int", (n(2, 3),), {"pad_width": 1}),
            Sample("constant_value", (n(2, 3),),
                   {"pad_width": ((1, 2), (0, 3)), "constant_values": 1.5}),
            Sample("constant_size0", (n(0, 3),), {"pad_width": ((1, 1), (0, 0))}),
            Sample("edge_2d", (n(2, 3),), {"pad_width": ((1, 2), (2, 0)), "mode": "edge"}),
            Sample("edge_1d", (n(4),), {"pad_width": ((2, 3),), "mode": "edge"}),
            Sample("edge_3d", (n(2, 3, 2),),
                   {"pad_width": ((0, 1), (1, 1), (2, 0)), "mode": "edge"}),
            Sample("edge_pair", (n(3, 2),), {"pad_width": (1, 2), "mode": "edge"}))


def _repeat_samples():
    rng = _rng("repeat")
    n = lambda *s: normal(rng, s)
    return (Sample("int_axis0", (n(2, 3),), {"repeats": 2, "axis": 0}),
            Sample("int_axis_neg", (n(2, 3),), {"repeats": 3, "axis": -1}),
            Sample("int_flat", (n(2, 3),), {"repeats": 2}),
            Sample("array_axis1", (n(2, 3),), {"repeats": [1, 0, 2], "axis": 1}),
            Sample("array_flat", (n(2, 3),), {"repeats": [2, 1, 0, 1, 3, 1]}),
            Sample("0d", (n(),), {"repeats": 3}),
            Sample("zero", (n(2, 2),), {"repeats": 0, "axis": 0}))


def _tile_samples():
    rng = _rng("tile")
    n = lambda *s: normal(rng, s)
    return (Sample("int", (n(2, 3),), {"repeats": 2}),
            Sample("same_rank", (n(2, 3),), {"repeats": (2, 1)}),
            Sample("longer_reps", (n(2, 3),), {"repeats": (2, 1, 3)}),
            Sample("shorter_reps", (n(2, 1, 3),), {"repeats": (2,)}),
            Sample("0d", (n(),), {"repeats": (2, 3)}),
            Sample("zero_reps", (n(2, 2),), {"repeats": (0, 2)}))


def _softmax_samples(name):
    rng = _rng(name)
    n = lambda *s: normal(rng, s, 2.0)
    return (Sample("rows", (n(2, 5),)),
            Sample("axis0", (n(3, 4),), {"axis": 0}),
            Sample("3d_axis1", (n(2, 3, 4),), {"axis": 1}),
            Sample("1d", (n(5),)),
            Sample("size1", (n(3, 1),)),
            Sample("size0", (n(0, 4),)))


def _sparse_ce_samples():
    rng = _rng("sparse_softmax_cross_entropy")
    n = lambda *s: normal(rng, s, 2.0)
    return (Sample("batch", (ints(rng, (4,), 0, 5), n(4, 5))),
            Sample("3d", (ints(rng, (2, 3), 0, 4), n(2, 3, 4))),
            Sample("0d_labels", (np.asarray(2, dtype=np.int64), n(5))),
            Sample("one_class", (np.zeros(3, dtype=np.int64), n(3, 1))),
            Sample("size0", (np.zeros(0, dtype=np.int64), n(0, 3))))


def _ce_samples():
    rng = _rng("softmax_cross_entropy")
    n = lambda *s: normal(rng, s, 2.0)
    return (Sample("probs", (probs(rng, (4, 5)), n(4, 5))),
            Sample("unnormalized", (uniform(rng, (3, 4), 0.1, 1.0), n(3, 4))),
            Sample("3d", (probs(rng, (2, 3, 4)), n(2, 3, 4))),
            Sample("1d", (probs(rng, (5,)), n(5))),
            Sample("size0", (np.zeros((0, 3)), n(0, 3))))


def _bce_samples():
    rng = _rng("sigmoid_binary_cross_entropy")
    n = lambda *s: normal(rng, s, 3.0)
    return (Sample("soft", (uniform(rng, (4, 3), 0.0, 1.0), n(4, 3))),
            Sample("hard", (rng.integers(0, 2, (5,)).astype(np.float64), n(5))),
            Sample("0d", (np.asarray(0.3), n())),
            Sample("size0", (np.zeros((0, 2)), n(0, 2))))


def _dropout_samples():
    rng = _rng("dropout")
    n = lambda *s: normal(rng, s)
    return (Sample("half", (n(3, 4),), {"rate": 0.5}),
            Sample("noise_shape", (n(2, 3, 4),), {"rate": 0.25, "noise_shape": (1, None, 4),
                                                  "seed": 3}),
            Sample("high_rate", (n(20),), {"rate": 0.9, "seed": 1}),
            Sample("0d", (n(),), {"rate": 0.3, "seed": 2}),
            Sample("size0", (n(0, 3),), {"rate": 0.5}))


def _batch_norm_samples():
    rng = _rng("batch_norm_train")
    n = lambda *s: normal(rng, s)
    return (Sample("dense", (n(5, 3), n(3), n(3)), {}),
            Sample("nhwc", (n(2, 3, 3, 2), n(2), n(2)), {"epsilon": 1e-2}),
            Sample("channel_axis1", (n(4, 3, 2), n(3), n(3)), {"axis": 1}),
            Sample("no_affine", (n(6, 2), None, None), {}),
            Sample("size1_channel", (n(4, 1), n(1), n(1)), {}))


def _layer_norm_samples():
    rng = _rng("layer_norm")
    n = lambda *s: normal(rng, s)
    return (Sample("last", (n(3, 4), n(4), n(4)), {}),
            Sample("two_axes", (n(2, 3, 4), n(3, 4), n(3, 4)), {"axis": (1, 2)}),
            Sample("middle_axis", (n(2, 3, 4), n(3), n(3)), {"axis": 1, "epsilon": 1e-5}),
            Sample("no_affine", (n(2, 5), None, None), {}),
            Sample("1d", (n(6), n(6), n(6)), {}))


F = lambda torch: torch.nn.functional

TABLE = (
    # ------------------------------------------------------------------ elementwise
    _binary_entry("add", ops.add, np.add, lambda t, x, y: x + y),
    _binary_entry("sub", ops.sub, np.subtract, lambda t, x, y: x - y),
    _binary_entry("mul", ops.mul, np.multiply, lambda t, x, y: x * y),
    _binary_entry("div", ops.div, lambda x, y: x / y, lambda t, x, y: x / y,
                  gy=lambda rng, s: normal(rng, s, away=0.5)),
    Entry("neg", ops.neg, np.negative, lambda t, x: -x, unary_samples("neg", _nrm)),
    Entry("pow", ops.pow, np.power, lambda t, x, p: x ** p, _pow_samples()),
    Entry("exp", ops.exp, np.exp, lambda t, x: t.exp(x),
          unary_samples("exp", lambda rng, s: normal(rng, s, 2.0))),
    Entry("log", ops.log, np.log, lambda t, x: t.log(x), unary_samples("log", _pos())),
    Entry("log1p", ops.log1p, lambda x: np.log(1 + x), lambda t, x: t.log1p(x),
          unary_samples("log1p", _pos(-0.9, 3.0))),
    Entry("sqrt", ops.sqrt, lambda x: x ** 0.5, lambda t, x: t.sqrt(x),
          unary_samples("sqrt", _pos(0.1, 4.0))),
    Entry("abs", ops.abs, lambda x: np.where(x < 0, -x, x), lambda t, x: t.abs(x),
          unary_samples("abs", _away)),
    Entry("sign", ops.sign, lambda x: (x > 0) * 1.0 - (x < 0) * 1.0, lambda t, x: t.sign(x),
          unary_samples("sign", _away)),
    Entry("maximum", ops.maximum, lambda x, y: np.where(x >= y, x, y),
          lambda t, x, y: t.maximum(*t_pair(t, x, y)), _maxmin_samples("maximum")),
    Entry("minimum", ops.minimum, lambda x, y: np.where(x <= y, x, y),
          lambda t, x, y: t.minimum(*t_pair(t, x, y)), _maxmin_samples("minimum")),
    Entry("clip", ops.clip,
          lambda x, x_min=None, x_max=None: np.minimum(
              np.maximum(x, -np.inf if x_min is None else x_min),
              np.inf if x_max is None else x_max),
          lambda t, x, x_min=None, x_max=None: t.clamp(x, x_min, x_max),
          _clip_samples()),
    Entry("where", ops.where, lambda c, x, y: np.where(c, x, y),
          lambda t, c, x, y: t.where(c, x, y), _where_samples()),
    Entry("cast", ops.cast, lambda x, dtype: x.astype(dtype),
          lambda t, x, dtype: x.to(getattr(t, dtype)), _cast_samples(),
          out_dtype=lambda p: p["dtype"]),
    # ------------------------------------------------------------------ reductions
    Entry("sum", ops.sum, np.sum,
          lambda t, x, axis=None, keepdims=False: t_reduce(t.sum, x, axis, keepdims),
          reduce_samples("sum", empty_reduce=True)),
    Entry("mean", ops.mean, np_mean,
          lambda t, x, axis=None, keepdims=False: t_reduce(t.mean, x, axis, keepdims),
          reduce_samples("mean")),
    Entry("max", ops.max, np.max,
          lambda t, x, axis=None, keepdims=False: t_reduce(t.amax, x, axis, keepdims),
          extreme_samples("max", "max")),
    Entry("min", ops.min, np.min,
          lambda t, x, axis=None, keepdims=False: t_reduce(t.amin, x, axis, keepdims),
          extreme_samples("min", "min")),
    Entry("var", ops.var, np_var,
          lambda t, x, axis=None, keepdims=False, ddof=0: t_reduce(t.var, x, axis, keepdims,
                                                                   correction=ddof),
          reduce_samples("var") + (
              Sample("ddof1", (normal(_rng("var1"), (3, 4)),), {"axis": 1, "ddof": 1}),)),
    Entry("std", ops.std, lambda x, **kw: np_var(x, **kw) ** 0.5,
          lambda t, x, axis=None, keepdims=False, ddof=0: t_reduce(t.std, x, axis, keepdims,
                                                                   correction=ddof),
          # no size-1 or 0-d reduction: std = 0 there and its derivative is infinite
          tuple(s for s in reduce_samples("std", size1=False) if s.name != "0d") + (
              Sample("ddof1", (normal(_rng("std1"), (3, 4)),), {"axis": 0, "ddof": 1}),)),
    Entry("logsumexp", ops.logsumexp, np_logsumexp,
          lambda t, x, axis=None, keepdims=False: t_logsumexp(t, x, axis, keepdims),
          reduce_samples("logsumexp")),
    Entry("argmax", ops.argmax, lambda x, axis=None: np.argmax(x, axis=axis),
          lambda t, x, axis=None: t_arg(t.argmax, x, axis).int(), arg_samples("argmax"),
          out_dtype="int32"),
    Entry("argmin", ops.argmin, lambda x, axis=None: np.argmin(x, axis=axis),
          lambda t, x, axis=None: t_arg(t.argmin, x, axis).int(), arg_samples("argmin"),
          out_dtype="int32"),
    # ------------------------------------------------------------------ linear algebra
    Entry("matmul", ops.matmul, np_matmul, lambda t, x, w: t.matmul(x, w),
          matmul_samples("matmul")),
    Entry("dot", ops.dot, np_dot,
          lambda t, x, y: t.tensordot(x, y, dims=([-1], [max(y.ndim - 2, 0)])),
          dot_samples("dot")),
    # ------------------------------------------------------------------ shape
    Entry("reshape", ops.reshape, lambda x, newshape: np.reshape(x, newshape),
          lambda t, x, newshape: x.reshape(newshape), _reshape_samples()),
    Entry("transpose", ops.transpose, lambda x, axes=None: np.transpose(x, axes),
          lambda t, x, axes=None: x.permute(tuple(axes) if axes is not None
                                            else tuple(reversed(range(x.ndim)))),
          _transpose_samples("transpose")),
    Entry("permute", ops.permute, lambda x, axes: np.transpose(x, axes),
          lambda t, x, axes: x.permute(*axes), _transpose_samples("permute")),
    Entry("swapaxes", ops.swapaxes, np.swapaxes,
          lambda t, x, axis1, axis2: t.swapaxes(x, axis1, axis2),
          (Sample("first_last", (normal(_rng("swapaxes"), (2, 3, 4)),), {"axis1": 0, "axis2": 2}),
           Sample("negative", (normal(_rng("swapaxes1"), (2, 3, 4)),), {"axis1": -1, "axis2": 0}),
           Sample("same", (normal(_rng("swapaxes2"), (2, 3)),), {"axis1": 1, "axis2": 1}),
           Sample("size0", (np.zeros((0, 3)),), {"axis1": 0, "axis2": 1}))),
    Entry("squeeze", ops.squeeze, lambda x, axis=None: np.squeeze(x, axis),
          lambda t, x, axis=None: x.squeeze() if axis is None else x.squeeze(axis),
          _squeeze_samples()),
    Entry("expand_dims", ops.expand_dims, lambda x, axis: np.expand_dims(x, axis),
          lambda t, x, axis: t_expand_dims(x, axis), _expand_dims_samples()),
    Entry("broadcast_to", ops.broadcast_to, lambda x, shape: np.broadcast_to(x, shape),
          lambda t, x, shape: x.broadcast_to(shape), _broadcast_to_samples()),
    Entry("flatten", ops.flatten, lambda x: x.reshape(-1), lambda t, x: x.reshape(-1),
          unary_samples("flatten", _nrm)),
    Entry("getitem", ops.getitem, lambda x, key: x[key], t_getitem, getitem_samples("getitem")),
    Entry("concat", lambda *xs, axis=0: ops.concat(list(xs), axis),
          lambda *xs, axis=0: np.concatenate(xs, axis=axis),
          lambda t, *xs, axis=0: t.cat(xs, dim=axis), _concat_samples()),
    Entry("stack", lambda *xs, axis=0: ops.stack(list(xs), axis),
          lambda *xs, axis=0: np.stack(xs, axis=axis),
          lambda t, *xs, axis=0: t.stack(xs, dim=axis), _stack_samples()),
    Entry("split", ops.split, np_split, t_split, _split_samples(), multi_output=True),
    Entry("pad", ops.pad,
          lambda x, pad_width, mode="constant", constant_values=0: (
              np_pad_edge(x, pad_width) if mode == "edge"
              else np_pad_constant(x, pad_width, constant_values)),
          t_pad, _pad_samples()),
    Entry("repeat", ops.repeat, np_repeat, t_repeat, _repeat_samples()),
    Entry("tile", ops.tile, np_tile, lambda t, x, repeats: t.tile(x, (repeats,) if isinstance(
        repeats, int) else repeats), _tile_samples()),
    # ------------------------------------------------------------------ activations
    Entry("sigmoid", ops.sigmoid, np_sigmoid, lambda t, x: t.sigmoid(x),
          activation_samples("sigmoid")),
    Entry("tanh", ops.tanh, np.tanh, lambda t, x: t.tanh(x), activation_samples("tanh")),
    Entry("relu", ops.relu, lambda x: x * (x > 0), lambda t, x: t.relu(x),
          activation_samples("relu")),
    Entry("leaky_relu", ops.leaky_relu,
          lambda x, negative_slope=0.2: np.where(x > 0, x, negative_slope * x),
          lambda t, x, negative_slope=0.2: F(t).leaky_relu(x, negative_slope),
          activation_samples("leaky_relu")
          + activation_samples("leaky_relu", negative_slope=0.01)[:2]),
    Entry("elu", ops.elu, lambda x, alpha=1.0: np.where(x > 0, x, alpha * (np.exp(x) - 1)),
          lambda t, x, alpha=1.0: F(t).elu(x, alpha),
          activation_samples("elu") + activation_samples("elu", alpha=0.5)[:2]),
    Entry("softplus", ops.softplus, lambda x: np.log(1 + np.exp(x)),
          lambda t, x: F(t).softplus(x), activation_samples("softplus")),
    Entry("step", ops.step, lambda x: (x > 0) * 1.0, t_step, activation_samples("step")),
    # ------------------------------------------------------------------ nn
    Entry("softmax", ops.softmax, np_softmax, lambda t, x, axis=-1: t.softmax(x, dim=axis),
          _softmax_samples("softmax")),
    Entry("log_softmax", ops.log_softmax,
          lambda x, axis=-1: x - np.log(np.sum(np.exp(x), axis=axis, keepdims=True)),
          lambda t, x, axis=-1: t.log_softmax(x, dim=axis), _softmax_samples("log_softmax")),
    Entry("sparse_softmax_cross_entropy", ops.sparse_softmax_cross_entropy, np_sparse_ce,
          t_sparse_ce, _sparse_ce_samples()),
    Entry("softmax_cross_entropy", ops.softmax_cross_entropy,
          lambda p, z: -np.sum(p * np.log(np_softmax(z, -1)), axis=-1),
          lambda t, p, z: -(p * t.log_softmax(z, dim=-1)).sum(-1), _ce_samples()),
    Entry("sigmoid_binary_cross_entropy", ops.sigmoid_binary_cross_entropy, np_bce,
          lambda t, y, z: F(t).binary_cross_entropy_with_logits(z, y, reduction="none"),
          _bce_samples()),
    # ------------------------------------------------------- ops.dropout, ops.normalization
    Entry("dropout", lambda x, rate, noise_shape=None, seed=0: dropout(x, rate, noise_shape, seed),
          np_dropout, t_dropout, _dropout_samples(), module="ember.ops.dropout"),
    Entry("batch_norm_train",
          lambda x, g, b, **kw: batch_norm_train(x, g, b, **kw)[0],
          np_batch_norm, t_batch_norm, _batch_norm_samples(), module="ember.ops.normalization"),
    Entry("layer_norm", layer_norm, np_layer_norm, t_layer_norm, _layer_norm_samples(),
          module="ember.ops.normalization"),
    # ------------------------------------------------------------------ comparisons
    *[Entry(name, getattr(ops, name), getattr(np, npname),
            lambda t, x, y, _n=tname: getattr(t, _n)(*t_pair(t, x, y)),
            compare_samples(name), out_dtype="bool")
      for name, npname, tname in [("equal", "equal", "eq"), ("not_equal", "not_equal", "ne"),
                                  ("less", "less", "lt"), ("less_equal", "less_equal", "le"),
                                  ("greater", "greater", "gt"),
                                  ("greater_equal", "greater_equal", "ge")]],
)



def _extension_entries(relpath, builder, empty_batch=True):
    """Entries built by a file of another test folder (conv, recurrent, keras.ops.numpy and
    keras.ops.nn/linalg/image/math ops), loaded by path as the table itself is (the test folders
    are not packages); `empty_batch`: add an empty batch sample to entries that have none (the
    numpy and nn entries write their own size-0 samples)."""
    path = Path(__file__).resolve().parents[1] / relpath
    spec = importlib.util.spec_from_file_location(f"ember_op_table_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    entries = getattr(module, builder)(Entry, Sample)
    return tuple(_with_empty_batch(e) for e in entries) if empty_batch else tuple(entries)


def _with_empty_batch(entry):
    """Add a size-0 batch sample (the first sample's inputs with no rows) unless one exists:
    batched image and sequence ops must map an empty batch to an empty batch."""
    if any(isinstance(v, np.ndarray) and v.ndim and v.shape[0] == 0
           for s in entry.samples for v in s.inputs):
        return entry
    first = entry.samples[-1] if entry.name in ("simple_rnn", "lstm", "gru") else entry.samples[0]
    x, *rest = first.inputs
    empty = Sample("empty_batch", (x[:0], *rest), first.params,
                   gradcheck="no elements to perturb; tests/ops/test_op_table.py checks the "
                   "empty batch's shapes and dtypes")
    return replace(entry, samples=(*entry.samples, empty))


TABLE += _extension_entries("ops_conv/op_table_entries.py", "conv_entries")
TABLE += _extension_entries("ops_rnn/op_table_entries.py", "rnn_entries")
for _file in ("elementwise", "reduce", "shape", "core"):  # keras.ops.numpy and core ops
    _builder = f"{_file}_entries"
    TABLE += _extension_entries(f"ops_numpy/entries_{_file}.py", _builder, empty_batch=False)
TABLE += _extension_entries("ops_nn/op_table_entries.py", "nn_entries", empty_batch=False)

BY_NAME = {e.name: e for e in TABLE}


def is_float_array(v):
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


def ember_inputs(values, requires_grad=False):
    """Arrays become Tensors (float ones tracked when `requires_grad`); scalars pass through."""
    return [Tensor(v, dtype=v.dtype, requires_grad=requires_grad and v.dtype.kind == "f")
            if isinstance(v, np.ndarray) else v for v in values]


def as_list(out):
    """An op's result as a list of outputs (split returns several)."""
    return list(out) if isinstance(out, list | tuple) else [out]


def cases(predicate=None):
    """(entry, sample) pairs as pytest params with ids "op-sample"."""
    return [pytest.param(e, s, id=f"{e.name}-{s.name}") for e in TABLE for s in e.samples
            if predicate is None or predicate(e, s)]
