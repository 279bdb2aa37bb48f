"""Op-table entries for the convolution, pooling and image ops, ready for tests/ops/op_table.py.

The op table (owned by its own tests) lists every public op with a NumPy reference, a PyTorch
spelling and samples. This module builds the entries for the ops of ember.ops.convolution,
ember.ops.pooling and ember.ops.spatial from the table's own `Entry` and `Sample` classes, so
the table can take them with

    TABLE += conv_entries(Entry, Sample)      # after loading this file like op_table.py

It imports only NumPy and ember; references are float64 definitions written window by window
(independent of the patch-matrix code), PyTorch runs on NCHW permutations with TensorFlow's
asymmetric "same" padding given explicitly.
"""

import math

import numpy as np

from ember.ops import convolution as conv
from ember.ops import pooling
from ember.ops import spatial as image


# ------------------------------------------------------------------------------------ geometry
def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _same(n, k, s, d=1):
    out = math.ceil(n / s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def _pads(padding, hw, k, s, d):
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        return tuple(_same(n, kk, ss, dd) for n, kk, ss, dd in zip(hw, k, s, d))
    if isinstance(padding, int):
        return (padding, padding), (padding, padding)
    return padding


# ------------------------------------------------------------------------------------ references
def np_conv2d(x, w, b=None, strides=1, padding="valid", dilation_rate=1, groups=1):
    (sh, sw), (dh, dw) = _pair(strides), _pair(dilation_rate)
    kh, kw, cg, f = w.shape
    pads = _pads(padding, x.shape[1:3], (kh, kw), (sh, sw), (dh, dw))
    xp = np.pad(x, ((0, 0), *pads, (0, 0)))
    ho = (xp.shape[1] - dh * (kh - 1) - 1) // sh + 1
    wo = (xp.shape[2] - dw * (kw - 1) - 1) // sw + 1
    fg = f // groups
    y = np.zeros((x.shape[0], ho, wo, f))
    for i in range(ho):
        for j in range(wo):
            win = xp[:, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
            for g in range(groups):
                y[:, i, j, g * fg:(g + 1) * fg] = np.einsum(
                    "nijc,ijcf->nf", win[..., g * cg:(g + 1) * cg], w[..., g * fg:(g + 1) * fg])
    return y if b is None else y + b


def np_conv1d(x, w, b=None, strides=1, padding="valid", dilation_rate=1, groups=1):
    if padding == "causal":
        padding = ((0, 0), (dilation_rate * (w.shape[0] - 1), 0))
    elif padding == "same":
        padding = ((0, 0), _same(x.shape[1], w.shape[0], strides, dilation_rate))
    return np_conv2d(x[:, None], w[None], b, (1, strides), padding, (1, dilation_rate),
                     groups)[:, 0]


def np_conv2d_transpose(x, w, b=None, strides=1, padding="valid", output_padding=None,
                        dilation_rate=1):
    """Scatter definition, then Keras' output window (TensorFlow's SAME placement)."""
    s, d = strides, dilation_rate
    n, h, wd, _ = x.shape
    kh, kw, c_out, _ = w.shape
    full = np.zeros((n, (h - 1) * s + d * (kh - 1) + 1 + s, (wd - 1) * s + d * (kw - 1) + 1 + s,
                     c_out))
    for i in range(h):
        for j in range(wd):
            for a in range(kh):
                for c in range(kw):
                    full[:, i * s + a * d, j * s + c * d] += x[:, i, j] @ w[a, c].T
    out = []
    for size, k in ((h, kh), (wd, kw)):
        ke = d * (k - 1) + 1
        if output_padding is None:
            length = size * s + max(ke - s, 0) if padding == "valid" else size * s
        else:
            pad = ke // 2 if padding == "same" else 0
            length = (size - 1) * s + ke - 2 * pad + output_padding
        top = ((size - 1) * s + ke - length) // 2 if padding == "same" else 0
        out.append((max(top, 0), length))
    (t, oh), (left, ow) = out
    y = full[:, t:t + oh, left:left + ow]
    return y if b is None else y + b


def np_pool2d(kind):
    def ref(x, pool_size=(2, 2), strides=None, padding="valid"):
        pool = _pair(pool_size)
        st = pool if strides is None else _pair(strides)
        n, h, w, c = x.shape
        geo = []
        for size, k, s in zip((h, w), pool, st):
            if padding == "same":
                geo.append((math.ceil(size / s), _same(size, k, s)[0]))
            else:
                geo.append(((size - k) // s + 1, 0))
        (ho, top), (wo, left) = geo
        y = np.zeros((n, ho, wo, c))
        for i in range(ho):
            for j in range(wo):
                r, q = i * st[0] - top, j * st[1] - left
                win = x[:, max(r, 0):r + pool[0], max(q, 0):q + pool[1]]
                y[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
        return y
    return ref


def np_upsample2d(x, size=(2, 2), interpolation="nearest"):
    sh, sw = _pair(size)
    if interpolation == "nearest":
        return np.repeat(np.repeat(x, sh, axis=1), sw, axis=2)

    def weights(n, f):
        res = []
        for o in range(n * f):
            src = (o + 0.5) / f - 0.5
            res.append((max(math.floor(src), 0), min(math.ceil(src), n - 1),
                        src - math.floor(src)))
        return res

    y = np.zeros((x.shape[0], x.shape[1] * sh, x.shape[2] * sw, x.shape[3]))
    for i, (t, bt, ly) in enumerate(weights(x.shape[1], sh)):
        for j, (lf, r, lx) in enumerate(weights(x.shape[2], sw)):
            top = x[:, t, lf] * (1 - lx) + x[:, t, r] * lx
            bottom = x[:, bt, lf] * (1 - lx) + x[:, bt, r] * lx
            y[:, i, j] = top * (1 - ly) + bottom * ly
    return y


def np_lrn(x, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5):
    y = np.empty_like(x)
    for d in range(x.shape[-1]):
        sq = np.sum(x[..., max(0, d - depth_radius):d + depth_radius + 1] ** 2, axis=-1)
        y[..., d] = x[..., d] / (bias + alpha * sq) ** beta
    return y


# ------------------------------------------------------------------------------------ torch
def _nchw(x):
    return x.permute(0, 3, 1, 2)


def _nhwc(y):
    return y.permute(0, 2, 3, 1)


def t_conv2d(t, x, w, b=None, strides=1, padding="valid", dilation_rate=1, groups=1):
    (sh, sw), (dh, dw) = _pair(strides), _pair(dilation_rate)
    kh, kw = w.shape[:2]
    (top, bottom), (left, right) = _pads(padding, x.shape[1:3], (kh, kw), (sh, sw), (dh, dw))
    xp = t.nn.functional.pad(_nchw(x), (left, right, top, bottom))
    y = t.nn.functional.conv2d(xp, w.permute(3, 2, 0, 1), b, stride=(sh, sw),
                               dilation=(dh, dw), groups=groups)
    return _nhwc(y)


def t_conv1d(t, x, w, b=None, strides=1, padding="valid", dilation_rate=1, groups=1):
    if padding == "causal":
        padding = ((0, 0), (dilation_rate * (w.shape[0] - 1), 0))
    elif padding == "same":
        padding = ((0, 0), _same(x.shape[1], w.shape[0], strides, dilation_rate))
    return t_conv2d(t, x[:, None], w[None], b, (1, strides), padding, (1, dilation_rate),
                    groups)[:, 0]


def t_conv2d_transpose(t, x, w, b=None, strides=1, padding="valid", output_padding=None,
                       dilation_rate=1):
    s, d = strides, dilation_rate
    full = t.nn.functional.conv_transpose2d(_nchw(x), w.permute(3, 2, 0, 1), b, stride=s,
                                            output_padding=s - 1 if s > 1 else 0, dilation=d)
    h, wd = x.shape[1:3]
    kh, kw = w.shape[:2]
    window = []
    for size, k in ((h, kh), (wd, kw)):
        ke = d * (k - 1) + 1
        if output_padding is None:
            length = size * s + max(ke - s, 0) if padding == "valid" else size * s
        else:
            pad = ke // 2 if padding == "same" else 0
            length = (size - 1) * s + ke - 2 * pad + output_padding
        top = max(((size - 1) * s + ke - length) // 2, 0) if padding == "same" else 0
        window.append(slice(top, top + length))
    return _nhwc(full[:, :, window[0], window[1]])


def t_pool2d(kind):
    def fn(t, x, pool_size=(2, 2), strides=None, padding="valid"):
        pool = _pair(pool_size)
        st = pool if strides is None else _pair(strides)
        (top, bottom), (left, right) = _pads(padding, x.shape[1:3], pool, st, (1, 1))
        xn = _nchw(x)
        if kind == "max":
            y = t.nn.functional.max_pool2d(
                t.nn.functional.pad(xn, (left, right, top, bottom), value=-math.inf), pool, st)
        else:
            pads = (left, right, top, bottom)
            total = t.nn.functional.avg_pool2d(t.nn.functional.pad(xn, pads), pool, st,
                                               divisor_override=1)
            ones = t.ones((1, 1) + tuple(xn.shape[2:]), dtype=x.dtype)
            count = t.nn.functional.avg_pool2d(t.nn.functional.pad(ones, pads), pool, st,
                                               divisor_override=1)
            y = total / count
        return _nhwc(y)
    return fn


def _keras_pairs(v):
    """ZeroPadding2D/Cropping2D argument as ((top, bottom), (left, right))."""
    if isinstance(v, int):
        return (v, v), (v, v)
    return tuple((p, p) if isinstance(p, int) else tuple(p) for p in v)


def t_zero_pad2d(t, x, padding=(1, 1)):
    (top, bottom), (left, right) = _keras_pairs(padding)
    return _nhwc(t.nn.functional.pad(_nchw(x), (left, right, top, bottom)))


def t_upsample2d(t, x, size=(2, 2), interpolation="nearest"):
    kw = {"align_corners": False} if interpolation == "bilinear" else {}
    return _nhwc(t.nn.functional.interpolate(_nchw(x), scale_factor=_pair(size),
                                             mode=interpolation, **kw))


def t_lrn(t, x, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5):
    size = 2 * depth_radius + 1
    return _nhwc(t.nn.functional.local_response_norm(_nchw(x), size, alpha * size, beta, bias))


# ------------------------------------------------------------------------------------ samples
def _n(seed, *shape, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def _distinct(seed, *shape):
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) * 0.1 - 0.05 * n).reshape(shape)


def conv_entries(Entry, Sample):  # noqa: N803  (the table's classes)
    """The table entries (a list of `Entry`) for every public op of the three modules."""
    S = Sample
    conv2d_samples = (
        S("valid", (_n(1, 2, 5, 6, 3), _n(2, 3, 3, 3, 4, scale=0.3), _n(3, 4)), {}),
        S("same_stride2", (_n(4, 1, 7, 6, 2), _n(5, 2, 3, 2, 3, scale=0.3), None),
          {"strides": 2, "padding": "same"}),
        S("dilated_explicit", (_n(6, 2, 7, 7, 2), _n(7, 3, 2, 2, 2, scale=0.3), _n(8, 2)),
          {"padding": ((1, 2), (0, 1)), "dilation_rate": 2}),
        S("depthwise", (_n(9, 2, 5, 5, 4), _n(10, 3, 3, 1, 8, scale=0.3), None),
          {"padding": "same", "groups": 4}),
        S("size0_batch", (np.zeros((0, 4, 4, 2)), _n(11, 3, 3, 2, 2), None), {},
          gradcheck="no elements to perturb; test_conv.py::test_empty_batch"),
    )
    conv1d_samples = (
        S("valid", (_n(12, 2, 7, 3), _n(13, 3, 3, 4, scale=0.3), _n(14, 4)), {}),
        S("causal_dilated", (_n(15, 1, 8, 2), _n(16, 2, 2, 3, scale=0.3), None),
          {"padding": "causal", "dilation_rate": 2}),
        S("same_stride2_groups", (_n(17, 2, 9, 4), _n(18, 3, 2, 4, scale=0.3), None),
          {"strides": 2, "padding": "same", "groups": 2}),
    )
    transpose_samples = (
        S("valid_s2", (_n(19, 2, 3, 4, 3), _n(20, 3, 3, 2, 3, scale=0.3), _n(21, 2)),
          {"strides": 2}),
        S("same_s2", (_n(22, 1, 4, 3, 2), _n(23, 4, 4, 3, 2, scale=0.3), None),
          {"strides": 2, "padding": "same"}),
        S("same_s1_dilated", (_n(24, 2, 4, 4, 2), _n(25, 3, 3, 2, 2, scale=0.3), None),
          {"padding": "same", "dilation_rate": 2}),
    )
    pool_samples = lambda seed: (  # noqa: E731
        S("2x2", (_distinct(seed, 2, 6, 4, 3),), {}),
        S("3x3_s1_same", (_distinct(seed + 1, 1, 5, 6, 2),),
          {"pool_size": 3, "strides": 1, "padding": "same"}),
        S("odd_valid", (_distinct(seed + 2, 2, 7, 5, 2),), {"pool_size": (3, 2), "strides": 2}),
        S("same_s2", (_distinct(seed + 3, 1, 5, 5, 2),), {"pool_size": 2, "padding": "same"}),
    )
    pool1d = lambda f: (lambda x, **kw: f(x[:, None], **{  # noqa: E731
        "pool_size": (1, kw.get("pool_size", 2)),
        "strides": None if kw.get("strides") is None else (1, kw["strides"]),
        "padding": kw.get("padding", "valid")})[:, 0])
    pool1d_t = lambda f: (lambda t, x, **kw: f(t, x[:, None], **{  # noqa: E731
        "pool_size": (1, kw.get("pool_size", 2)),
        "strides": None if kw.get("strides") is None else (1, kw["strides"]),
        "padding": kw.get("padding", "valid")})[:, 0])
    pool1d_samples = lambda seed: (  # noqa: E731
        S("2", (_distinct(seed, 2, 6, 3),), {}),
        S("3_s1_same", (_distinct(seed + 1, 1, 7, 2),), {"pool_size": 3, "strides": 1,
                                                          "padding": "same"}),
        S("3_s2", (_distinct(seed + 2, 2, 9, 2),), {"pool_size": 3, "strides": 2}),
    )
    glob = lambda seed, rank: (  # noqa: E731
        S("plain", (_distinct(seed, *(2, 3, 4, 3)[:rank - 1], 3),), {}),
        S("keepdims", (_distinct(seed + 1, *(1, 2, 5, 2)[:rank - 1], 2),), {"keepdims": True}),
        S("one_cell", (_distinct(seed + 2, *(3, 1, 1, 4)[:rank - 1], 4),), {}),
    )
    axes = {4: (1, 2), 3: (1,)}
    return [
        Entry("conv2d", conv.conv2d, np_conv2d, t_conv2d, conv2d_samples, rtol=1e-4, atol=1e-5,
              torch_atol=1e-5, module="ember.ops.convolution"),
        Entry("conv1d", conv.conv1d, np_conv1d, t_conv1d, conv1d_samples, rtol=1e-4, atol=1e-5,
              torch_atol=1e-5, module="ember.ops.convolution"),
        Entry("conv2d_transpose", conv.conv2d_transpose, np_conv2d_transpose,
              t_conv2d_transpose, transpose_samples, rtol=1e-4, atol=1e-5, torch_atol=1e-5,
              module="ember.ops.convolution"),
        Entry("max_pool2d", pooling.max_pool2d, np_pool2d("max"), t_pool2d("max"),
              pool_samples(30), module="ember.ops.pooling"),
        Entry("avg_pool2d", pooling.avg_pool2d, np_pool2d("avg"), t_pool2d("avg"),
              pool_samples(40), module="ember.ops.pooling"),
        Entry("max_pool1d", pooling.max_pool1d, pool1d(np_pool2d("max")),
              pool1d_t(t_pool2d("max")), pool1d_samples(50), module="ember.ops.pooling"),
        Entry("avg_pool1d", pooling.avg_pool1d, pool1d(np_pool2d("avg")),
              pool1d_t(t_pool2d("avg")), pool1d_samples(60), module="ember.ops.pooling"),
        *[Entry(f"global_{kind}_pool{rank - 2}d", getattr(pooling, f"global_{kind}_pool"
                                                          f"{rank - 2}d"),
                (lambda x, keepdims=False, _k=kind, _a=axes[rank]:
                 (np.max if _k == "max" else np.mean)(x, axis=_a, keepdims=keepdims)),
                (lambda t, x, keepdims=False, _k=kind, _a=axes[rank]:
                 (x.amax if _k == "max" else x.mean)(dim=_a, keepdim=keepdims)),
                glob(70 + rank * 10 + (kind == "max"), rank), module="ember.ops.pooling")
          for kind in ("avg", "max") for rank in (4, 3)],
        Entry("zero_pad2d", image.zero_pad2d,
              lambda x, padding=(1, 1): np.pad(x, ((0, 0), *_keras_pairs(padding), (0, 0))),
              t_zero_pad2d,
              (S("one", (_n(80, 2, 3, 4, 2),), {"padding": 1}),
               S("pair", (_n(81, 1, 2, 3, 2),), {"padding": (2, 0)}),
               S("pairs", (_n(82, 2, 3, 3, 1),), {"padding": ((1, 0), (2, 3))})),
              module="ember.ops.spatial"),
        Entry("crop2d", image.crop2d,
              lambda x, cropping=((0, 0), (0, 0)): x[:, cropping[0][0]:x.shape[1] - cropping[0][1],
                                                      cropping[1][0]:x.shape[2] - cropping[1][1]],
              lambda t, x, cropping=((0, 0), (0, 0)): x[:, cropping[0][0]:x.shape[1]
                                                        - cropping[0][1], cropping[1][0]:
                                                        x.shape[2] - cropping[1][1]],
              (S("none", (_n(83, 2, 3, 4, 2),), {}),
               S("pairs", (_n(84, 1, 5, 6, 2),), {"cropping": ((1, 2), (0, 3))}),
               S("top_only", (_n(85, 2, 4, 4, 1),), {"cropping": ((2, 0), (1, 1))})),
              module="ember.ops.spatial"),
        Entry("upsample2d", image.upsample2d, np_upsample2d, t_upsample2d,
              (S("nearest", (_n(86, 2, 3, 2, 2),), {}),
               S("nearest_3x2", (_n(87, 1, 2, 3, 2),), {"size": (3, 2)}),
               S("bilinear", (_n(88, 2, 3, 4, 2),), {"interpolation": "bilinear"}),
               S("bilinear_3x4", (_n(89, 1, 3, 2, 1),), {"size": (3, 4),
                                                         "interpolation": "bilinear"})),
              module="ember.ops.spatial"),
        Entry("local_response_normalization", image.local_response_normalization, np_lrn,
              t_lrn,
              (S("tf_defaults", (_n(90, 2, 2, 3, 7),), {}),
               S("alexnet", (_n(91, 1, 3, 3, 8),), {"depth_radius": 2, "bias": 2.0,
                                                    "alpha": 1e-4, "beta": 0.75}),
               S("radius0", (_n(92, 2, 2, 2, 3),), {"depth_radius": 0, "beta": 1.0})),
              module="ember.ops.spatial"),
    ]
