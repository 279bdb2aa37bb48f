"""Op-table entries for Keras' `ops.nn` convolutions and poolings (1-D, 2-D, 3-D), loaded
by op_table_entries.py. The 1-D/2-D references are the window-by-window ones of
tests/ops_conv/op_table_entries.py; the 3-D ones are written the same way here."""

import importlib.util
import itertools
import math
import zlib
from pathlib import Path

import numpy as np

from ember import ops


def _load_conv_refs():
    path = Path(__file__).resolve().parents[1] / "ops_conv" / "op_table_entries.py"
    spec = importlib.util.spec_from_file_location("ember_nn_conv_refs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cr = _load_conv_refs()


def n(name, *shape, scale=1.0):
    return np.random.default_rng(zlib.crc32(name.encode())).standard_normal(shape) * scale


def distinct(name, *shape):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    k = int(np.prod(shape))
    return (rng.permutation(k) * 0.1 - 0.05 * k + rng.uniform(-0.02, 0.02, k)).reshape(shape)


# ------------------------------------------------------------------------------ references
def _same3(x, k, s, d):
    return [cr._same(n, kk, ss, dd) for n, kk, ss, dd in zip(x.shape[1:4], k, s, d)]


def _t3(v):
    return (v,) * 3 if isinstance(v, int) else tuple(v)


def np_conv3d(x, w, strides=1, padding="valid", dilation_rate=1):
    """Window by window, groups = C / kernel's input channels."""
    s, d, k = _t3(strides), _t3(dilation_rate), w.shape[:3]
    pads = _same3(x, k, s, d) if padding == "same" else [(0, 0)] * 3
    xp = np.pad(x, ((0, 0), *pads, (0, 0)))
    cg, f = w.shape[3], w.shape[4]
    groups, fg = x.shape[-1] // cg, f // (x.shape[-1] // cg)
    out = [(xp.shape[1 + a] - d[a] * (k[a] - 1) - 1) // s[a] + 1 for a in range(3)]
    y = np.zeros((x.shape[0], *out, f))
    for o in np.ndindex(*out):
        win = xp[(slice(None), *(slice(o[a] * s[a], o[a] * s[a] + d[a] * (k[a] - 1) + 1, d[a])
                                 for a in range(3)))]
        for g in range(groups):
            y[(slice(None), *o, slice(g * fg, (g + 1) * fg))] = np.einsum(
                "nijkc,ijkcf->nf", win[..., g * cg:(g + 1) * cg], w[..., g * fg:(g + 1) * fg])
    return y


def t_conv3d(t, x, w, strides=1, padding="valid", dilation_rate=1):
    s, d, k = _t3(strides), _t3(dilation_rate), tuple(w.shape[:3])
    pads = _same3(x, k, s, d) if padding == "same" else [(0, 0)] * 3
    xn = t.nn.functional.pad(x.permute(0, 4, 1, 2, 3),
                             [p for pr in reversed(pads) for p in pr])
    groups = x.shape[-1] // w.shape[3]
    y = t.nn.functional.conv3d(xn, w.permute(4, 3, 0, 1, 2), stride=s, dilation=d,
                               groups=groups)
    return y.permute(0, 2, 3, 4, 1)


def np_pool3d(kind):
    red = np.max if kind == "max" else np.mean

    def fn(x, pool_size, strides=None, padding="valid"):
        k = _t3(pool_size)
        s = k if strides is None else _t3(strides)
        pads = _same3(x, k, s, (1, 1, 1)) if padding == "same" else [(0, 0)] * 3
        out = [-(-x.shape[1 + a] // s[a]) if padding == "same" else
               (x.shape[1 + a] - k[a]) // s[a] + 1 for a in range(3)]
        y = np.zeros((x.shape[0], *out, x.shape[-1]))
        for o in np.ndindex(*out):
            sl = tuple(slice(max(o[a] * s[a] - pads[a][0], 0),
                             min(o[a] * s[a] - pads[a][0] + k[a], x.shape[1 + a]))
                       for a in range(3))
            y[(slice(None), *o)] = red(x[(slice(None), *sl)], axis=(1, 2, 3))
        return y
    return fn


def t_pool3d(kind):
    def fn(t, x, pool_size, strides=None, padding="valid"):
        k = _t3(pool_size)
        s = k if strides is None else _t3(strides)
        pads = _same3(x, k, s, (1, 1, 1)) if padding == "same" else [(0, 0)] * 3
        flat = [p for pr in reversed(pads) for p in pr]
        xn = x.permute(0, 4, 1, 2, 3)
        if kind == "max":
            y = t.nn.functional.max_pool3d(t.nn.functional.pad(xn, flat, value=-math.inf), k,
                                           s)
        else:
            total = t.nn.functional.avg_pool3d(t.nn.functional.pad(xn, flat), k, s,
                                               divisor_override=1)
            ones = t.nn.functional.pad(t.ones((1, 1) + tuple(xn.shape[2:]), dtype=x.dtype),
                                       flat)
            y = total / t.nn.functional.avg_pool3d(ones, k, s, divisor_override=1)
        return y.permute(0, 2, 3, 4, 1)
    return fn


def np_conv(x, w, strides=1, padding="valid", dilation_rate=1):
    groups = x.shape[-1] // w.shape[-2]
    if x.ndim == 5:
        return np_conv3d(x, w, strides, padding, dilation_rate)
    if x.ndim == 3:
        return cr.np_conv1d(x, w, None, strides, padding, dilation_rate, groups)
    return cr.np_conv2d(x, w, None, strides, padding, dilation_rate, groups)


def t_conv(t, x, w, strides=1, padding="valid", dilation_rate=1):
    groups = x.shape[-1] // w.shape[-2]
    if x.ndim == 5:
        return t_conv3d(t, x, w, strides, padding, dilation_rate)
    if x.ndim == 3:
        return cr.t_conv1d(t, x, w, None, strides, padding, dilation_rate, groups)
    return cr.t_conv2d(t, x, w, None, strides, padding, dilation_rate, groups)


def np_depthwise(x, w, strides=1, padding="valid", dilation_rate=1):
    outs = []
    for c in range(x.shape[-1]):
        for m in range(w.shape[-1]):
            outs.append(np_conv(x[..., c:c + 1], w[..., c:c + 1, m:m + 1], strides, padding,
                                dilation_rate))
    return np.concatenate(outs, -1)


def t_depthwise(t, x, w, strides=1, padding="valid", dilation_rate=1):
    outs = []
    for c in range(x.shape[-1]):
        for m in range(w.shape[-1]):
            outs.append(t_conv(t, x[..., c:c + 1], w[..., c:c + 1, m:m + 1], strides, padding,
                               dilation_rate))
    return t.cat(outs, -1)


def np_conv_transpose(x, w, strides=1, padding="valid"):
    if x.ndim == 3:  # "valid" with k >= s: the plain scatter, length (n - 1) s + k
        assert padding == "valid" and w.shape[0] >= strides
        y = np.zeros((x.shape[0], (x.shape[1] - 1) * strides + w.shape[0], w.shape[1]))
        for i in range(x.shape[1]):
            for j in range(w.shape[0]):
                y[:, i * strides + j] += x[:, i] @ w[j].T
        return y
    return cr.np_conv2d_transpose(x, w, None, strides, padding)


def t_conv_transpose(t, x, w, strides=1, padding="valid"):
    if x.ndim == 3:  # "valid" only (the samples')
        y = t.nn.functional.conv_transpose1d(x.movedim(-1, 1), w.permute(2, 1, 0),
                                             stride=strides)
        return y.movedim(1, -1)
    return cr.t_conv2d_transpose(t, x, w, None, strides, padding)


def pool_ref(kind, torch=False):
    f2 = (cr.t_pool2d if torch else cr.np_pool2d)(kind)

    def fn(*args, pool_size, strides=None, padding="valid"):
        *t, x = args
        if x.ndim == 5:
            return (t_pool3d(kind)(*t, x, pool_size, strides, padding) if t else
                    np_pool3d(kind)(x, pool_size, strides, padding))
        if x.ndim == 4:
            return f2(*t, x, pool_size, strides, padding)
        s = None if strides is None else (1, strides)
        return f2(*t, x[:, None], (1, pool_size), s, padding)[:, 0]
    return fn


def np_adaptive(kind):
    red = np.mean if kind == "avg" else np.max

    def fn(x, output_size):
        sizes = (output_size,) * (x.ndim - 2) if isinstance(output_size, int) else output_size
        bins = [[(i * nn // o, -(-(i + 1) * nn // o)) for i in range(o)]
                for nn, o in zip(x.shape[1:-1], sizes)]
        out = np.zeros((x.shape[0], *sizes, x.shape[-1]))
        for idx in itertools.product(*[range(o) for o in sizes]):
            sl = tuple(slice(*bins[a][i]) for a, i in enumerate(idx))
            win = x[(slice(None), *sl)]
            out[(slice(None), *idx)] = red(win, axis=tuple(range(1, x.ndim - 1)))
        return out
    return fn


def t_adaptive(kind):
    def fn(t, x, output_size):
        f = getattr(t.nn.functional, f"adaptive_{kind}_pool{x.ndim - 2}d")
        y = f(x.movedim(-1, 1), output_size)
        return y.movedim(1, -1)
    return fn




def entries(Entry, Sample):  # noqa: N803
    S = Sample
    conv_s = (
        S("2d_valid", (n("c1", 2, 5, 6, 3), n("c2", 3, 3, 3, 4, scale=0.3))),
        S("2d_same_s2_d", (n("c3", 1, 7, 6, 2), n("c4", 2, 3, 2, 3, scale=0.3)),
          {"strides": 2, "padding": "same"}),
        S("2d_groups_dil", (n("c5", 1, 7, 7, 4), n("c6", 2, 2, 2, 4, scale=0.3)),
          {"dilation_rate": 2}),
        S("1d_same", (n("c7", 2, 8, 3), n("c8", 3, 3, 2, scale=0.3)), {"padding": "same"}),
        S("3d_valid", (n("c10", 2, 4, 3, 4, 2), n("c11", 2, 2, 3, 2, 3, scale=0.3))),
        S("3d_same_s2_groups", (n("c12", 1, 5, 4, 3, 4), n("c13", 3, 2, 2, 2, 2, scale=0.3)),
          {"strides": (2, 1, 2), "padding": "same"}),
        S("3d_dilated", (n("c14", 1, 5, 3, 3, 1), n("c15", 2, 1, 2, 1, 2, scale=0.3)),
          {"dilation_rate": (2, 1, 1)}),
        S("size0", (np.zeros((0, 4, 4, 2)), n("c9", 3, 3, 2, 2)),
          gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes"),
    )
    dw_s = (
        S("2d", (n("d1", 2, 5, 5, 2), n("d2", 3, 3, 2, 2, scale=0.3))),
        S("2d_same_s2", (n("d3", 1, 6, 5, 3), n("d4", 2, 2, 3, 1, scale=0.3)),
          {"strides": 2, "padding": "same"}),
        S("1d", (n("d5", 2, 7, 2), n("d6", 3, 2, 2, scale=0.3))),
        S("size0", (np.zeros((0, 4, 4, 2)), n("d7", 3, 3, 2, 1)),
          gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes"),
    )
    sep_s = (
        S("2d", (n("s1", 2, 5, 5, 2), n("s2", 3, 3, 2, 2, scale=0.3),
                 n("s3", 1, 1, 4, 3, scale=0.3))),
        S("2d_same", (n("s4", 1, 4, 5, 2), n("s5", 2, 2, 2, 1, scale=0.3),
                      n("s6", 1, 1, 2, 2, scale=0.3)), {"padding": "same"}),
        S("1d", (n("s7", 2, 6, 2), n("s8", 3, 2, 1, scale=0.3), n("s9", 1, 2, 3, scale=0.3))),
        S("size0", (np.zeros((0, 4, 4, 2)), n("s10", 3, 3, 2, 1), n("s11", 1, 1, 2, 2)),
          gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes"),
    )
    np_sep = lambda x, dw, pw, padding="valid": np_conv(  # noqa: E731
        np_depthwise(x, dw, padding=padding), pw)
    t_sep = lambda t, x, dw, pw, padding="valid": t_conv(  # noqa: E731
        t, t_depthwise(t, x, dw, padding=padding), pw)
    ct_s = (
        S("2d_valid_s2", (n("t1", 2, 3, 4, 3), n("t2", 3, 3, 2, 3, scale=0.3)), {"strides": 2}),
        S("2d_same_s2", (n("t3", 1, 4, 3, 2), n("t4", 4, 4, 3, 2, scale=0.3)),
          {"strides": 2, "padding": "same"}),
        S("1d_valid", (n("t5", 2, 5, 2), n("t6", 3, 3, 2, scale=0.3)), {"strides": 2}),
        S("size0", (np.zeros((0, 3, 3, 2)), n("t7", 3, 3, 2, 2)),
          gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes"),
    )
    pool_s = lambda kind: (  # noqa: E731
        S("2d", (distinct(kind + "p1", 2, 6, 4, 3),), {"pool_size": 2}),
        S("2d_same_s1", (distinct(kind + "p2", 1, 5, 6, 2),),
          {"pool_size": 3, "strides": 1, "padding": "same"}),
        S("1d", (distinct(kind + "p3", 2, 7, 2),), {"pool_size": 3, "strides": 2}),
        S("3d", (distinct(kind + "p4", 2, 4, 4, 2, 2),), {"pool_size": 2}),
        S("3d_same_s2", (distinct(kind + "p5", 1, 5, 3, 4, 2),),
          {"pool_size": (3, 2, 2), "strides": 2, "padding": "same"}),
        S("size0", (np.zeros((0, 4, 4, 2)),), {"pool_size": 2},
          gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes"),
    )
    ad_s = lambda kind: (  # noqa: E731
        S("2d", (distinct(kind + "a1", 2, 5, 7, 2),), {"output_size": (2, 3)}),
        S("2d_int", (distinct(kind + "a2", 1, 6, 6, 3),), {"output_size": 4}),
        S("1d", (distinct(kind + "a3", 2, 7, 2),), {"output_size": 3}),
        S("size0", (np.zeros((0, 4, 4, 2)),), {"output_size": 2},
          gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes"),
    )
    return [
        Entry("conv", ops.conv, np_conv, t_conv, conv_s, rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("depthwise_conv", ops.depthwise_conv, np_depthwise, t_depthwise, dw_s,
              rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("separable_conv", ops.separable_conv, np_sep, t_sep, sep_s, rtol=1e-4, atol=1e-5,
              torch_atol=1e-5),
        Entry("conv_transpose", ops.conv_transpose, np_conv_transpose, t_conv_transpose, ct_s,
              rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("max_pool", ops.max_pool, pool_ref("max"), pool_ref("max", True), pool_s("max")),
        Entry("average_pool", ops.average_pool, pool_ref("avg"), pool_ref("avg", True),
              pool_s("avg")),
        Entry("adaptive_average_pool", ops.adaptive_average_pool, np_adaptive("avg"),
              t_adaptive("avg"), ad_s("avg")),
        Entry("adaptive_max_pool", ops.adaptive_max_pool, np_adaptive("max"),
              t_adaptive("max"), ad_s("max")),
    ]
