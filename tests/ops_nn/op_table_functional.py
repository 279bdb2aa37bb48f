"""Op-table entries for Keras' `ops.nn` encodings, statistics, cross-entropies, attention,
rearrangements, fold/unfold and CTC (loaded by op_table_entries.py; the convolutions are in
op_table_conv.py). NumPy references are float64 definitions."""

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


def np_one_hot(x, num_classes, axis=-1):
    out = (x[..., None] == np.arange(num_classes)).astype(np.float32)
    return np.moveaxis(out, -1, axis)


def t_one_hot(t, x, num_classes, axis=-1):
    return (x[..., None] == t.arange(num_classes)).float().movedim(-1, axis)


def _laid(x, axis):
    shape = [1] * x.ndim
    shape[axis] = -1
    return shape


def np_bn(x, m, v, o, s, axis=-1, epsilon=1e-3):
    shape = [1] * x.ndim
    shape[axis] = -1
    r = lambda a: a.reshape(shape)  # noqa: E731
    return (x - r(m)) / np.sqrt(r(v) + epsilon) * r(s) + r(o)


def np_ln(x, g=None, b=None, axis=-1, epsilon=None):
    eps = 1e-7 if epsilon is None else epsilon
    mu = x.mean(axis=axis, keepdims=True)
    y = (x - mu) / np.sqrt(((x - mu) ** 2).mean(axis=axis, keepdims=True) + eps)
    return y * g + b


def np_attention(q, k, v, bias=None, mask=None, scale=None, is_causal=False):
    scale = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
    logits = np.einsum("btnh,bsnh->bnts", q, k) * scale
    if bias is not None:
        logits = logits + bias
    keep = np.ones(logits.shape, bool)
    if mask is not None:
        keep &= mask
    if is_causal:
        keep &= np.tril(np.ones(logits.shape[-2:], bool))
    logits = np.where(keep, logits, -1e30)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", p, v)


def t_attention(t, q, k, v, bias=None, mask=None, scale=None, is_causal=False):
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    logits = t.einsum("btnh,bsnh->bnts", q, k) * scale
    if bias is not None:
        logits = logits + bias
    keep = t.ones(logits.shape, dtype=t.bool)
    if mask is not None:
        keep = keep & t.as_tensor(mask)
    if is_causal:
        keep = keep & t.tril(t.ones(logits.shape[-2:], dtype=t.bool))
    logits = t.where(keep, logits, t.tensor(-1e30, dtype=logits.dtype))
    return t.einsum("bnts,bsnh->btnh", t.softmax(logits, -1), v)


def np_d2s(x, block_size):
    nn_, h, w, c = x.shape
    b = block_size
    y = np.zeros((nn_, h * b, w * b, c // (b * b)))
    for i in range(h * b):
        for j in range(w * b):
            ch = ((i % b) * b + (j % b)) * (c // (b * b))
            y[:, i, j] = x[:, i // b, j // b, ch:ch + c // (b * b)]
    return y


def np_s2d(x, block_size):
    b = block_size
    nn_, h, w, c = x.shape
    y = np.zeros((nn_, h // b, w // b, c * b * b))
    for i in range(h):
        for j in range(w):
            ch = ((i % b) * b + (j % b)) * c
            y[:, i // b, j // b, ch:ch + c] = x[:, i, j]
    return y


def np_ctc(target, logits, target_length, output_length):
    """-log p(l | x) by summing the probabilities of every path of the sequence (brute force
    over all C^T paths: small samples only)."""
    out = []
    for b in range(logits.shape[0]):
        tl, ol = int(output_length[b]), int(target_length[b])
        z = logits[b, :tl]
        p = np.exp(z - z.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        want = list(target[b, :ol])
        total = 0.0
        for path in itertools.product(range(z.shape[-1]), repeat=tl):
            collapsed = [c for i, c in enumerate(path) if c != 0 and (i == 0 or path[i - 1] != c)]
            if collapsed == want:
                total += np.prod(p[np.arange(tl), path])
        out.append(-np.log(total))
    return np.array(out)


def t_ctc(t, target, logits, target_length, output_length):
    if logits.shape[0] == 0:  # torch's ctc_loss refuses an empty batch
        return logits.sum(dim=(1, 2))
    lp = t.log_softmax(logits, -1).transpose(0, 1)
    return t.nn.functional.ctc_loss(lp, target, output_length, target_length, blank=0,
                                    reduction="none")


def np_ctc_decode(x, lengths):
    out = -np.ones((1,) + x.shape[:2], np.int32)
    for b in range(x.shape[0]):
        best = x[b, :lengths[b]].argmax(-1)
        seq = [c for i, c in enumerate(best) if c != 0 and (i == 0 or best[i - 1] != c)]
        out[0, b, :len(seq)] = seq
    return out


def t_ctc_decode(t, x, lengths):
    out = -t.ones((1,) + tuple(x.shape[:2]), dtype=t.int32)
    for b in range(x.shape[0]):
        best = x[b, :int(lengths[b])].argmax(-1).tolist()
        seq = [c for i, c in enumerate(best) if c != 0 and (i == 0 or best[i - 1] != c)]
        out[0, b, :len(seq)] = t.tensor(seq, dtype=t.int32)
    return out


def np_unfold(x, kernel_size, stride=1, padding=0):
    k, s, p = kernel_size, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    oh = (xp.shape[2] - k) // s + 1
    ow = (xp.shape[3] - k) // s + 1
    cols = [xp[:, :, i * s:i * s + k, j * s:j * s + k].reshape(x.shape[0], x.shape[1] * k * k)
            for i in range(oh) for j in range(ow)]
    return np.stack(cols, -1)


def np_fold(x, output_size, kernel_size, stride=1, padding=0):
    k, s, p = kernel_size, stride, padding
    nb, ckk, _ = x.shape
    c = ckk // (k * k)
    hp = output_size + 2 * p
    oh = (hp - k) // s + 1
    y = np.zeros((nb, c, hp, hp))
    for i in range(oh):
        for j in range(oh):
            y[:, :, i * s:i * s + k, j * s:j * s + k] += x[:, :, i * oh + j].reshape(nb, c, k, k)
    return y[:, :, p:hp - p, p:hp - p]


def entries(Entry, Sample):  # noqa: N803, PLR0915
    S = Sample
    F = lambda t: t.nn.functional  # noqa: E731
    probs = lambda name, *shape: (lambda e: e / e.sum(-1, keepdims=True))(  # noqa: E731
        np.exp(n(name, *shape)))
    bits = lambda name, *shape: (n(name, *shape) > 0).astype(np.float64) * 0.8 + 0.1  # noqa: E731
    labels = lambda name, *shape, hi=4: np.random.default_rng(  # noqa: E731
        zlib.crc32(name.encode())).integers(0, hi, shape).astype(np.int64)
    return [
        Entry("one_hot", ops.one_hot, np_one_hot, t_one_hot, (
            S("1d", (np.array([0, 2, 1, -1]),), {"num_classes": 3}),
            S("2d_axis0", (labels("oh", 2, 3),), {"num_classes": 4, "axis": 0}),
            S("0d", (np.array(1),), {"num_classes": 2}),
            S("size0", (np.zeros((0,), np.int64),), {"num_classes": 3})), out_dtype="float32"),
        Entry("multi_hot", ops.multi_hot,
              lambda x, num_classes: np_one_hot(x, num_classes).max(axis=1 if x.ndim > 1 else 0),
              lambda t, x, num_classes: t_one_hot(t, x, num_classes).amax(
                  dim=1 if x.ndim > 1 else 0), (
            S("2d", (labels("mh", 3, 2),), {"num_classes": 4}),
            S("1d", (np.array([0, 2, 2]),), {"num_classes": 3}),
            S("size0", (np.zeros((0, 2), np.int64),), {"num_classes": 3}),
            S("3d", (labels("mh3", 2, 2, 2),), {"num_classes": 4})), out_dtype="float32"),
        Entry("moments", ops.moments,
              lambda x, axes, keepdims=False: (
                  x.mean(axis=tuple(np.atleast_1d(axes)), keepdims=keepdims),
                  x.var(axis=tuple(np.atleast_1d(axes)), keepdims=keepdims)),
              lambda t, x, axes, keepdims=False: (
                  x.mean(dim=axes, keepdim=keepdims),
                  x.var(dim=axes, unbiased=False, keepdim=keepdims)), (
            S("2d_axis0", (n("m1", 4, 3),), {"axes": 0}),
            S("3d_axes", (n("m2", 2, 3, 4),), {"axes": (0, 2), "keepdims": True}),
            S("1d", (n("m3", 5),), {"axes": [0]}),
            S("size0_kept", (n("m4", 3, 0),), {"axes": 0},
              gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes")),
              multi_output=True),
        Entry("batch_normalization", lambda x, m, v, o, s, **kw: ops.batch_normalization(
                  x, m, v, offset=o, scale=s, **kw), np_bn,
              lambda t, x, m, v, o, s, axis=-1, epsilon=1e-3: (
                  x - m.reshape(_laid(x, axis))) * t.rsqrt(v.reshape(_laid(x, axis)) + epsilon)
              * s.reshape(_laid(x, axis)) + o.reshape(_laid(x, axis)), (
            S("2d", (n("b1", 4, 3), n("b2", 3), np.abs(n("b3", 3)) + 0.5, n("b4", 3),
                     n("b5", 3)), {"axis": -1}),
            S("4d_axis1", (n("b6", 2, 3, 2, 2), n("b7", 3), np.abs(n("b8", 3)) + 0.5,
                           n("b9", 3), n("b10", 3)), {"axis": 1, "epsilon": 1e-2}),
            S("1d", (n("b11", 5), n("b12", 5), np.abs(n("b13", 5)) + 0.5, n("b14", 5),
                     n("b15", 5)), {"axis": 0}),
            S("size0", (np.zeros((0, 3)), n("b16", 3), np.abs(n("b17", 3)) + 0.5, n("b18", 3),
                        n("b19", 3)), {"axis": -1}))),
        Entry("layer_normalization", ops.layer_normalization, np_ln,
              lambda t, x, g, b, axis=-1, epsilon=None: F(t).layer_norm(
                  x, (x.shape[-1],), g, b, 1e-7 if epsilon is None else epsilon), (
            S("2d", (n("l1", 4, 3), n("l2", 3), n("l3", 3))),
            S("3d_eps", (n("l4", 2, 2, 5), n("l5", 5), n("l6", 5)), {"epsilon": 1e-3}),
            S("1d", (n("l7", 6), n("l8", 6), n("l9", 6))),
            S("4d", (n("l10", 2, 2, 2, 3), n("l11", 3), n("l12", 3))))),
        Entry("rms_normalization", ops.rms_normalization,
              lambda x, s, axis=-1, epsilon=None: x / np.sqrt(
                  (x * x).mean(axis=axis, keepdims=True) + (1e-7 if epsilon is None else
                                                            epsilon)) * s,
              lambda t, x, s, axis=-1, epsilon=None: x * t.rsqrt(
                  (x * x).mean(dim=axis, keepdim=True) + (1e-7 if epsilon is None else
                                                          epsilon)) * s, (
            S("2d", (n("r1", 4, 3), n("r2", 3))),
            S("3d", (n("r3", 2, 2, 5), n("r4", 5)), {"epsilon": 1e-3}),
            S("axis0", (n("r5", 4, 2), n("r6", 4, 1)), {"axis": 0}),
            S("size0", (np.zeros((0, 3)), n("r7", 3)),
              gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes"))),
        Entry("normalize", ops.normalize,
              lambda x, axis=-1, order=2: x / np.maximum(
                  (np.abs(x) ** order).sum(axis=axis, keepdims=True) ** (1 / order), 1e-7),
              lambda t, x, axis=-1, order=2: F(t).normalize(x, order, axis, 1e-7), (
            S("2d", (n("n1", 4, 3),)),
            S("l1_axis0", (n("n2", 3, 4) + 0.1,), {"axis": 0, "order": 1}),
            S("3d_l3", (n("n3", 2, 2, 3),), {"order": 3}),
            S("size0", (np.zeros((0, 3)),),
              gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes"))),
        Entry("psnr", lambda a, b, max_val: ops.psnr(a, b, max_val),
              lambda a, b, max_val: 20 * np.log10(max_val) - 10 * np.log10(
                  np.mean((a - b) ** 2)),
              lambda t, a, b, max_val: 20 * math.log10(max_val) - 10 * t.log10(
                  ((a - b) ** 2).mean()), (
            S("2d", (n("p1", 4, 3), n("p2", 4, 3), 1.0)),
            S("4d", (n("p3", 1, 3, 3, 2), n("p4", 1, 3, 3, 2), 255.0)),
            S("1d", (n("p5", 5), n("p6", 5), 2.0)),
            S("0d", (np.asarray(0.5), np.asarray(-0.25), 1.0))), torch_rtol=1e-3,
              torch_atol=1e-5),
        Entry("polar", ops.polar, lambda r, a: (r * np.exp(1j * a)).astype(np.complex64),
              lambda t, r, a: t.polar(r, a), (
            S("1d", (np.abs(n("po1", 4)), n("po2", 4)), dtypes=("float32", "float32")),
            S("2d", (np.abs(n("po3", 2, 3)), n("po4", 2, 3)), dtypes=("float32", "float32")),
            S("0d", (np.asarray(2.0), np.asarray(0.5)), dtypes=("float32", "float32")),
            S("size0", (np.zeros((0, 2)), np.zeros((0, 2))), dtypes=("float32", "float32"))),
              out_dtype="complex64"),
        Entry("binary_crossentropy", ops.binary_crossentropy,
              lambda y, p, from_logits=False: (
                  np.maximum(p, 0) - p * y + np.log1p(np.exp(-np.abs(p))) if from_logits else
                  -(y * np.log(p) + (1 - y) * np.log(1 - p))),
              lambda t, y, p, from_logits=False: (
                  F(t).binary_cross_entropy_with_logits(p, y, reduction="none") if from_logits
                  else F(t).binary_cross_entropy(p, y, reduction="none")), (
            S("probs", (bits("bc1", 3, 4), 1 / (1 + np.exp(-n("bc2", 3, 4))))),
            S("logits", (bits("bc3", 3, 4), n("bc4", 3, 4)), {"from_logits": True}),
            S("0d", (np.asarray(0.3), np.asarray(0.6))),
            S("size0", (np.zeros((0, 2)), np.full((0, 2), 0.5)),
              gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes"),
            S("1d_logits", (bits("bc5", 5), n("bc6", 5)), {"from_logits": True}))),
        Entry("categorical_crossentropy", ops.categorical_crossentropy,
              lambda y, p, from_logits=False, axis=-1: -np.sum(y * (
                  p - np.log(np.exp(p).sum(axis, keepdims=True)) if from_logits else
                  np.log(p / p.sum(axis, keepdims=True))), axis=axis),
              lambda t, y, p, from_logits=False, axis=-1: -(y * (
                  t.log_softmax(p, axis) if from_logits else
                  t.log(p / p.sum(axis, keepdim=True)))).sum(axis), (
            S("probs", (probs("cc1", 3, 4), probs("cc2", 3, 4))),
            S("logits", (probs("cc3", 3, 4), n("cc4", 3, 4)), {"from_logits": True}),
            S("logits_axis0", (probs("cc5", 3, 2).T.copy(), n("cc6", 2, 3)),
              {"from_logits": True, "axis": 0}),
            S("size0", (np.zeros((0, 3)), np.full((0, 3), 0.3)),
              gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes"),
            S("1d", (probs("cc7", 4), probs("cc8", 4))))),
        Entry("sparse_categorical_crossentropy", ops.sparse_categorical_crossentropy,
              lambda y, p, from_logits=False: -np.take_along_axis(
                  p - np.log(np.exp(p).sum(-1, keepdims=True)) if from_logits else
                  np.log(p / p.sum(-1, keepdims=True)), y[..., None], -1)[..., 0],
              lambda t, y, p, from_logits=False: -t.gather(
                  t.log_softmax(p, -1) if from_logits else t.log(p / p.sum(-1, keepdim=True)),
                  -1, y[..., None])[..., 0], (
            S("probs", (labels("sc1", 3), probs("sc2", 3, 4))),
            S("logits", (labels("sc3", 2, 3), n("sc4", 2, 3, 4)), {"from_logits": True}),
            S("1d", (np.array(2), n("sc5", 4)), {"from_logits": True}),
            S("size0", (np.zeros((0,), np.int64), np.full((0, 3), 0.3))),
            S("probs_2d", (labels("sc6", 2, 2), probs("sc7", 2, 2, 4))))),
        Entry("dot_product_attention", ops.dot_product_attention, np_attention, t_attention, (
            S("plain", (n("a1", 2, 3, 2, 4), n("a2", 2, 5, 2, 4), n("a3", 2, 5, 2, 4))),
            S("causal_scale", (n("a4", 1, 4, 1, 3), n("a5", 1, 4, 1, 3), n("a6", 1, 4, 1, 3)),
              {"is_causal": True, "scale": 0.7}),
            S("bias_mask", (n("a7", 2, 3, 1, 2), n("a8", 2, 4, 1, 2), n("a9", 2, 4, 1, 2),
                            n("a10", 1, 1, 3, 4)),
              {"mask": np.tril(np.ones((3, 4), bool), 1)[None, None]}),
            S("size0", (np.zeros((0, 3, 2, 4)), np.zeros((0, 5, 2, 4)), np.zeros((0, 5, 2, 4))),
              gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes")),
              rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("depth_to_space", ops.depth_to_space, np_d2s,
              lambda t, x, block_size: x.reshape(
                  *x.shape[:3], block_size, block_size, x.shape[3] // block_size ** 2)
              .permute(0, 1, 3, 2, 4, 5).reshape(x.shape[0], x.shape[1] * block_size,
                                                 x.shape[2] * block_size,
                                                 x.shape[3] // block_size ** 2), (
            S("b2", (n("ds1", 2, 2, 3, 8),), {"block_size": 2}),
            S("b3", (n("ds2", 1, 2, 2, 9),), {"block_size": 3}),
            S("b1", (n("ds3", 1, 2, 2, 3),), {"block_size": 1}),
            S("size0", (np.zeros((0, 2, 2, 4)),), {"block_size": 2},
              gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes"))),
        Entry("space_to_depth", ops.space_to_depth, np_s2d,
              lambda t, x, block_size: x.reshape(
                  x.shape[0], x.shape[1] // block_size, block_size, x.shape[2] // block_size,
                  block_size, x.shape[3]).permute(0, 1, 3, 2, 4, 5).reshape(
                  x.shape[0], x.shape[1] // block_size, x.shape[2] // block_size,
                  x.shape[3] * block_size ** 2), (
            S("b2", (n("sd1", 2, 4, 6, 2),), {"block_size": 2}),
            S("b3", (n("sd2", 1, 3, 3, 2),), {"block_size": 3}),
            S("b1", (n("sd3", 1, 2, 2, 3),), {"block_size": 1}),
            S("size0", (np.zeros((0, 2, 2, 4)),), {"block_size": 2},
              gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes"))),
        Entry("unfold", ops.unfold, np_unfold,
              lambda t, x, kernel_size, stride=1, padding=0: F(t).unfold(
                  x, kernel_size, padding=padding, stride=stride), (
            S("k2", (n("u1", 2, 3, 4, 4),), {"kernel_size": 2}),
            S("k3_s2_p1", (n("u2", 1, 2, 5, 5),), {"kernel_size": 3, "stride": 2, "padding": 1}),
            S("k1", (n("u3", 1, 2, 3, 3),), {"kernel_size": 1}),
            S("size0", (np.zeros((0, 2, 3, 3)),), {"kernel_size": 2},
              gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes"))),
        Entry("fold", ops.fold, np_fold,
              lambda t, x, output_size, kernel_size, stride=1, padding=0: F(t).fold(
                  x, output_size, kernel_size, padding=padding, stride=stride), (
            S("k2", (n("f1", 2, 12, 9),), {"output_size": 4, "kernel_size": 2}),
            S("k3_s2_p1", (n("f2", 1, 18, 9),),
              {"output_size": 5, "kernel_size": 3, "stride": 2, "padding": 1}),
            S("k1", (n("f3", 1, 2, 9),), {"output_size": 3, "kernel_size": 1}),
            S("size0", (np.zeros((0, 8, 4)),), {"output_size": 3, "kernel_size": 2},
              gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes"))),
        Entry("ctc_loss",
              lambda y, z, tl, ol: ops.ctc_loss(y, z, tl, ol),
              np_ctc, t_ctc, (
            S("basic", (np.array([[1, 2], [2, 0]]), n("ct1", 2, 4, 3),
                        np.array([2, 1]), np.array([4, 3]))),
            S("repeat", (np.array([[1, 1]]), n("ct2", 1, 5, 3), np.array([2]), np.array([5]))),
            S("empty_label", (np.array([[0, 0], [1, 0]]), n("ct3", 2, 3, 2),
                              np.array([0, 1]), np.array([3, 2]))),
            S("size0", (np.zeros((0, 2), np.int64), np.zeros((0, 3, 3)),
                        np.zeros((0,), np.int64), np.zeros((0,), np.int64)),
              gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes")),
              rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("ctc_decode", lambda x, lengths: ops.ctc_decode(x, lengths)[0], np_ctc_decode,
              t_ctc_decode, (
            S("basic", (distinct("cd1", 2, 5, 3), np.array([5, 3]))),
            S("one", (distinct("cd2", 1, 4, 4), np.array([4]))),
            S("zero_len", (distinct("cd3", 2, 3, 2), np.array([0, 3]))),
            S("size0", (np.zeros((0, 3, 2)), np.zeros((0,), np.int64)))), out_dtype="int32"),
    ]
