"""Op-table entries for Keras' `ops.nn` activations and functions (ember/ops/nn_activations.py,
nn_functional.py, sliding_blocks.py, ctc.py), built from the table's own `Entry` and `Sample`.

References are float64 NumPy definitions written from Keras' documented formulas (nothing
shared with ember); the torch spellings use torch.nn.functional where it has the op and a
composition otherwise. Samples keep inputs away from each function's kinks.
"""

import importlib.util
import math
import zlib
from pathlib import Path

import numpy as np

from ember import ops

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _rng(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def away(x, kinks, gap=0.03):
    """Move values closer than `gap` to any kink out to kink +- 2 gap."""
    for k in kinks:
        near = np.abs(x - k) < gap
        x = np.where(near, k + np.where(x >= k, 2 * gap, -2 * gap), x)
    return x


def unary_samples(name, kinks=(), scale=3.0, **params):
    rng = _rng(name + str(params))
    tag = "".join(f"_{k}{v}" for k, v in params.items())
    shapes = [("2d", (3, 4)), ("0d", ()), ("size1", (1,)), ("size0", (0, 2)), ("3d", (2, 2, 3))]
    return tuple(Sample(n + tag, (away(rng.standard_normal(s) * scale, kinks),), dict(params))
                 for n, s in shapes)


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def np_sparsemax(z, axis=-1):
    z = np.moveaxis(z, axis, -1)
    out = np.zeros_like(z)
    for idx in np.ndindex(z.shape[:-1]):
        v = z[idx]
        srt = np.sort(v)[::-1]
        cs = np.cumsum(srt)
        k = max(j + 1 for j in range(len(v)) if 1 + (j + 1) * srt[j] > cs[j])
        out[idx] = np.maximum(v - (cs[k - 1] - 1) / k, 0)
    return np.moveaxis(out, -1, axis)


def t_sparsemax(t, z, axis=-1):
    z = z.movedim(axis, -1)
    srt = t.sort(z, dim=-1, descending=True).values
    k = t.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    cs = srt.cumsum(-1)
    support = (1 + k * srt) > cs
    kz = support.sum(-1, keepdim=True)
    tau = (cs.gather(-1, kz - 1) - 1) / kz.to(z.dtype)
    return t.clamp(z - tau, min=0).movedim(-1, axis)


_SA, _SS = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _activation_entries(Entry):  # noqa: N803
    F = lambda t: t.nn.functional  # noqa: E731
    hs = lambda x: np.clip(x + 3, 0, 6) / 6  # noqa: E731
    return [
        Entry("relu6", ops.relu6, lambda x: np.clip(x, 0, 6), lambda t, x: F(t).relu6(x),
              unary_samples("relu6", (0, 6), scale=4.0)),
        Entry("silu", ops.silu, lambda x: x * np_sigmoid(x), lambda t, x: F(t).silu(x),
              unary_samples("silu")),
        Entry("swish", ops.swish, lambda x: x * np_sigmoid(x), lambda t, x: F(t).silu(x),
              unary_samples("swish")),
        Entry("log_sigmoid", ops.log_sigmoid, lambda x: -np_softplus(-x),
              lambda t, x: F(t).logsigmoid(x), unary_samples("log_sigmoid", scale=10.0)),
        Entry("softsign", ops.softsign, lambda x: x / (1 + np.abs(x)),
              lambda t, x: F(t).softsign(x), unary_samples("softsign", (0,))),
        Entry("hard_sigmoid", ops.hard_sigmoid, hs, lambda t, x: F(t).relu6(x + 3) / 6,
              unary_samples("hard_sigmoid", (-3, 3))),
        Entry("hard_silu", ops.hard_silu, lambda x: x * hs(x), lambda t, x: F(t).hardswish(x),
              unary_samples("hard_silu", (-3, 3))),
        Entry("hard_swish", ops.hard_swish, lambda x: x * hs(x),
              lambda t, x: F(t).hardswish(x), unary_samples("hard_swish", (-3, 3))),
        Entry("hard_tanh", ops.hard_tanh, lambda x: np.clip(x, -1, 1),
              lambda t, x: F(t).hardtanh(x), unary_samples("hard_tanh", (-1, 1), 1.5)),
        Entry("hard_shrink", ops.hard_shrink,
              lambda x, threshold=0.5: np.where(np.abs(x) > threshold, x, 0.0),
              lambda t, x, threshold=0.5: F(t).hardshrink(x, threshold),
              unary_samples("hard_shrink", (-0.5, 0.5), 1.0)
              + unary_samples("hard_shrink", (-1, 1), 2.0, threshold=1.0)[:1]),
        Entry("soft_shrink", ops.soft_shrink,
              lambda x, threshold=0.5: np.where(x > threshold, x - threshold,
                                                np.where(x < -threshold, x + threshold, 0.0)),
              lambda t, x, threshold=0.5: F(t).softshrink(x, threshold),
              unary_samples("soft_shrink", (-0.5, 0.5), 1.0)),
        Entry("tanh_shrink", ops.tanh_shrink, lambda x: x - np.tanh(x),
              lambda t, x: F(t).tanhshrink(x), unary_samples("tanh_shrink")),
        Entry("sparse_plus", ops.sparse_plus,
              lambda x: np.where(x <= -1, 0.0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
              lambda t, x: t.where(x <= -1, 0.0, t.where(x >= 1, x, (x + 1) ** 2 / 4)),
              unary_samples("sparse_plus", (-1, 1), 1.5)),
        Entry("sparse_sigmoid", ops.sparse_sigmoid, lambda x: np.clip((x + 1) / 2, 0, 1),
              lambda t, x: t.clamp((x + 1) / 2, 0, 1),
              unary_samples("sparse_sigmoid", (-1, 1), 1.5)),
        Entry("squareplus", ops.squareplus, lambda x, b=4: (x + np.sqrt(x * x + b)) / 2,
              lambda t, x, b=4: (x + t.sqrt(x * x + b)) / 2,
              unary_samples("squareplus") + unary_samples("squareplus", b=1)[:1]),
        Entry("celu", ops.celu,
              lambda x, alpha=1.0: np.maximum(x, 0) + alpha * np.expm1(np.minimum(x, 0) / alpha),
              lambda t, x, alpha=1.0: F(t).celu(x, alpha),
              unary_samples("celu", (0,)) + unary_samples("celu", (0,), alpha=0.5)[:1]),
        Entry("selu", ops.selu, lambda x: _SS * np.where(x > 0, x, _SA * np.expm1(x)),
              lambda t, x: F(t).selu(x), unary_samples("selu", (0,))),
        Entry("gelu", ops.gelu,
              lambda x, approximate=True: (
                  0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
                  if approximate else 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
              lambda t, x, approximate=True: F(t).gelu(
                  x, approximate="tanh" if approximate else "none"),
              unary_samples("gelu") + unary_samples("gelu", approximate=False)),
        Entry("glu", ops.glu,
              lambda x, axis=-1: np.split(x, 2, axis)[0] * np_sigmoid(np.split(x, 2, axis)[1]),
              lambda t, x, axis=-1: F(t).glu(x, axis),
              tuple(Sample(n, (_rng("glu" + n).standard_normal(s),), p) for n, s, p in [
                  ("2d", (3, 4), {}), ("size0", (0, 2), {}), ("axis0", (4, 3), {"axis": 0}),
                  ("3d", (2, 2, 6), {})])),
        Entry("threshold", ops.threshold,
              lambda x, threshold, default_value: np.where(x > threshold, x, default_value),
              lambda t, x, threshold, default_value: F(t).threshold(x, threshold,
                                                                    default_value),
              tuple(replace_params(s, threshold=0.3, default_value=-2.0)
                    for s in unary_samples("threshold", (0.3,)))),
        Entry("sparsemax", ops.sparsemax, np_sparsemax, t_sparsemax,
              tuple(Sample(n, (_rng("sm" + n).standard_normal(s) * 1.5,), p) for n, s, p in [
                  ("2d", (3, 5), {}), ("size0", (0, 3), {}), ("axis0", (4, 3), {"axis": 0}),
                  ("3d", (2, 2, 4), {}), ("1d", (6,), {})])),
    ]


def replace_params(sample, **params):
    return Sample(sample.name, sample.inputs, {**sample.params, **params})


def nn_entries(entry_cls, sample_cls):
    """The entries, built from the table's classes."""
    global Entry, Sample  # noqa: PLW0603  (the helpers above build with them)
    Entry, Sample = entry_cls, sample_cls
    out = list(_activation_entries(Entry))
    for name in ("op_table_conv.py", "op_table_functional.py", "op_table_math.py",
                 "op_table_linalg.py", "op_table_image.py"):
        path = Path(__file__).with_name(name)
        spec = importlib.util.spec_from_file_location(f"ember_op_table_nn_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out += module.entries(Entry, Sample)
    return tuple(out)
