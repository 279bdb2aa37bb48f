"""Op-table entries for Keras' math ops and control flow (linear algebra: op_table_linalg.py;
loaded by
op_table_entries.py). References are float64 NumPy (math.erf for erf, numpy.fft for the
transforms' values, explicit loops for segments and frames)."""

import math
import zlib

import numpy as np

from ember import ops

_erf = np.vectorize(math.erf, otypes=[np.float64])
_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def n(name, *shape, scale=1.0):
    return np.random.default_rng(zlib.crc32(name.encode())).standard_normal(shape) * scale


def distinct(name, *shape):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    k = int(np.prod(shape))
    return (rng.permutation(k) * 0.1 - 0.05 * k + rng.uniform(-0.02, 0.02, k)).reshape(shape)


def np_segment(kind):
    red = {"sum": np.sum, "max": np.max, "min": np.min, "prod": np.prod}[kind]
    start = {"sum": 0.0, "max": -np.inf, "min": np.inf, "prod": 1.0}[kind]

    def fn(data, ids, num_segments=None):
        k = int(ids.max()) + 1 if num_segments is None else num_segments
        out = np.full((k,) + data.shape[1:], start)
        for j in range(k):
            rows = data[ids == j]
            if len(rows):
                out[j] = red(rows, axis=0)
        return out
    return fn


def t_segment(kind):
    red = {"sum": "sum", "max": "amax", "min": "amin", "prod": "prod"}[kind]
    start = {"sum": 0.0, "max": -math.inf, "min": math.inf, "prod": 1.0}[kind]

    def fn(t, data, ids, num_segments=None):
        k = int(ids.max()) + 1 if num_segments is None else num_segments
        out = t.full((k,) + tuple(data.shape[1:]), start, dtype=data.dtype)
        idx = ids.reshape((-1,) + (1,) * (data.ndim - 1)).expand(data.shape)
        return out.scatter_reduce(0, idx, data, red, include_self=False)
    return fn


def np_frames(x, sequence_length, sequence_stride):
    count = (x.shape[-1] - sequence_length) // sequence_stride + 1
    return np.stack([x[..., i * sequence_stride:i * sequence_stride + sequence_length]
                     for i in range(count)], axis=-2)


def np_stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    k = np.arange(sequence_length)
    win = 0.5 - 0.5 * np.cos(2 * np.pi * k / sequence_length)
    left = (fft_length - sequence_length) // 2
    win = np.pad(win, (left, fft_length - sequence_length - left))
    if center:
        p = fft_length // 2
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(p, p)], mode="reflect")
    z = np.fft.rfft(np_frames(x, fft_length, sequence_stride) * win, axis=-1)
    return z.real, z.imag


def t_stft(t, x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    win = t.hann_window(sequence_length, periodic=True, dtype=x.dtype)
    flat = x.reshape(-1, x.shape[-1])
    z = t.stft(flat, fft_length, sequence_stride, sequence_length, win, center=center,
               return_complex=True)
    z = z.reshape(*x.shape[:-1], *z.shape[-2:]).transpose(-1, -2)
    return z.real, z.imag


def empty_guard(ref, multi=False):
    """Wrap a torch spelling: torch's FFTs refuse empty inputs, so an empty input gets the
    NumPy reference's (empty) result, attached to the inputs' graph."""
    def wrap(fn):
        def call(t, *args, **kw):
            tensors = [a for a in args if hasattr(a, "numel")]
            if all(a.numel() for a in tensors):
                return fn(t, *args, **kw)
            np_args = [a.detach().numpy() if hasattr(a, "numel") else a for a in args]
            outs = ref(*np_args, **kw)
            outs = outs if multi else (outs,)
            zero = sum(a.sum() for a in tensors if a.is_floating_point()) * 0
            res = tuple(t.from_numpy(np.asarray(o)).to(tensors[0].dtype) + zero
                        for o in outs)
            return res if multi else res[0]
        return call
    return wrap


def entries(Entry, Sample):  # noqa: N803
    S = Sample
    un = lambda name, scale=1.0: (  # noqa: E731
        S("2d", (n(name + "1", 3, 4, scale=scale),)), S("0d", (n(name + "2", scale=scale),)),
        S("size0", (np.zeros((0, 2)),)), S("3d", (n(name + "3", 2, 2, 3, scale=scale),)))
    seg = lambda kind: (  # noqa: E731
        S("1d", (distinct(kind + "s1", 6) * (0.3 if kind == "prod" else 1),
                 np.array([0, 0, 1, 2, 2, 2]))),
        S("2d_unsorted", (distinct(kind + "s2", 5, 3) * (0.3 if kind == "prod" else 1),
                          np.array([2, 0, 2, 1, 0]))),
        S("num_segments", (distinct(kind + "s3", 4, 2) * (0.3 if kind == "prod" else 1),
                           np.array([0, 1, 1, 0])), {"num_segments": 2}),
        S("size0", (np.zeros((0, 2)), np.zeros((0,), np.int64)), {"num_segments": 2}))
    cplx = lambda name, *shape: (n(name + "r", *shape), n(name + "i", *shape))  # noqa: E731
    fft_s = lambda name: (  # noqa: E731
        S("1d", cplx(name + "a", 5)), S("2d", cplx(name + "b", 3, 4)),
        S("3d", cplx(name + "c", 2, 2, 3)), S("size0", (np.zeros((0, 2, 2)),
                                                       np.zeros((0, 2, 2)))))
    as_c = lambda t, re, im: t.complex(re, im)  # noqa: E731
    parts = lambda z: (z.real, z.imag)  # noqa: E731
    return [
        Entry("erf", ops.erf, _erf, lambda t, x: t.erf(x), un("erf", 1.5)),
        Entry("erfc", ops.erfc, _erfc, lambda t, x: t.erfc(x), un("erfc", 2.0)
              + (S("tail", (np.array([2.5, 4.0, 6.0]),)),)),
        Entry("erfinv", ops.erfinv, lambda y: np.vectorize(_erfinv_ref, otypes=[np.float64])(y),
              lambda t, x: t.erfinv(x), tuple(
                  S(s.name, (np.tanh(s.inputs[0]) * 0.9,)) for s in un("erfinv")),
              rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("rsqrt", ops.rsqrt, lambda x: 1 / np.sqrt(x), lambda t, x: t.rsqrt(x),
              tuple(S(s.name, (np.abs(s.inputs[0]) + 0.5,)) for s in un("rsqrt"))),
        Entry("cdist", ops.cdist,
              lambda x, y: np.sqrt(((x[..., :, None, :] - y[..., None, :, :]) ** 2).sum(-1)),
              lambda t, x, y: t.cdist(x, y), (
                  S("2d", (n("cd1", 3, 2), n("cd2", 4, 2))),
                  S("batched", (n("cd3", 2, 3, 3), n("cd4", 2, 2, 3))),
                  S("one", (n("cd5", 1, 4), n("cd6", 2, 4))),
                  S("size0", (np.zeros((0, 2)), n("cd7", 3, 2))))),
        Entry("logsumexp", ops.logsumexp,
              lambda x, axis=None, keepdims=False: np.log(np.sum(np.exp(x), axis=axis,
                                                                 keepdims=keepdims)),
              lambda t, x, axis=None, keepdims=False: t.logsumexp(
                  x, dim=tuple(range(x.ndim)) if axis is None else axis, keepdim=keepdims),
              (S("all", (n("ls1", 3, 4),)), S("axis1_keep", (n("ls2", 3, 4),),
                                               {"axis": 1, "keepdims": True}),
               S("0d", (n("ls3"),)), S("size0_rows", (np.zeros((0, 3)),), {"axis": 1}))),
        *[Entry(f"segment_{k}", getattr(ops, f"segment_{k}"), np_segment(k), t_segment(k),
                seg(k)) for k in ("sum", "max", "min", "prod")],
        Entry("top_k", lambda x, k: ops.top_k(x, k)[0],
              lambda x, k: -np.sort(-x, axis=-1)[..., :k],
              lambda t, x, k: t.topk(x, k).values, (
                  S("1d", (distinct("tk1", 6),), {"k": 3}),
                  S("2d", (distinct("tk2", 3, 5),), {"k": 2}),
                  S("all", (distinct("tk3", 2, 4),), {"k": 4}),
                  S("size0", (np.zeros((0, 3)),), {"k": 2}))),
        Entry("in_top_k", ops.in_top_k,
              lambda y, p, k: np.array([(p[i] > p[i, y[i]]).sum() < k for i in range(len(y))],
                                       dtype=bool),
              lambda t, y, p, k: (p > p.gather(1, y[:, None])).sum(1) < k, (
                  S("k1", (np.array([1, 0, 2]), distinct("it1", 3, 4)), {"k": 1}),
                  S("k2", (np.array([3, 0]), distinct("it2", 2, 4)), {"k": 2}),
                  S("k4", (np.array([3]), distinct("it3", 1, 4)), {"k": 4}),
                  S("size0", (np.zeros((0,), np.int64), np.zeros((0, 3))), {"k": 1})),
              out_dtype="bool"),
        Entry("extract_sequences", ops.extract_sequences, np_frames,
              lambda t, x, sequence_length, sequence_stride: x.unfold(
                  -1, sequence_length, sequence_stride), (
                  S("1d", (n("es1", 8),), {"sequence_length": 3, "sequence_stride": 2}),
                  S("2d", (n("es2", 2, 7),), {"sequence_length": 4, "sequence_stride": 1}),
                  S("overlap0", (n("es3", 3, 6),), {"sequence_length": 2,
                                                    "sequence_stride": 2}),
                  S("size0", (np.zeros((0, 6)),), {"sequence_length": 2,
                                                   "sequence_stride": 2}))),
        Entry("fft", lambda re, im: ops.fft((re, im)),
              lambda re, im: parts(np.fft.fft(re + 1j * im)),
              empty_guard(lambda re, im: parts(np.fft.fft(re + 1j * im)), True)(
                  lambda t, re, im: parts(t.fft.fft(as_c(t, re, im)))), fft_s("fft"),
              multi_output=True, rtol=1e-5, atol=1e-5, torch_atol=1e-5),
        Entry("fft2", lambda re, im: ops.fft2((re, im)),
              lambda re, im: parts(np.fft.fft2(re + 1j * im)),
              empty_guard(lambda re, im: parts(np.fft.fft2(re + 1j * im)), True)(
                  lambda t, re, im: parts(t.fft.fft2(as_c(t, re, im)))), fft_s("fft2")[1:] + (
                  S("2d_b", cplx("fft2d", 4, 3)),), multi_output=True, rtol=1e-5, atol=1e-5,
              torch_atol=1e-5),
        Entry("ifft2", lambda re, im: ops.ifft2((re, im)),
              lambda re, im: parts(np.fft.ifft2(re + 1j * im)),
              empty_guard(lambda re, im: parts(np.fft.ifft2(re + 1j * im)), True)(
                  lambda t, re, im: parts(t.fft.ifft2(as_c(t, re, im)))), fft_s("ifft2")[1:] + (
                  S("2d_b", cplx("ifft2d", 4, 3)),), multi_output=True, rtol=1e-5,
              atol=1e-6),
        Entry("rfft", ops.rfft, lambda x, fft_length=None: parts(np.fft.rfft(x, fft_length)),
              empty_guard(lambda x, fft_length=None: parts(np.fft.rfft(x, fft_length)), True)(
                  lambda t, x, fft_length=None: parts(t.fft.rfft(x, fft_length))), (
                  S("1d", (n("rf1", 6),)), S("2d_odd", (n("rf2", 2, 5),)),
                  S("pad", (n("rf3", 2, 5),), {"fft_length": 8}),
                  S("cut", (n("rf4", 7),), {"fft_length": 4}),
                  S("size0", (np.zeros((0, 4)),))), multi_output=True, rtol=1e-5, atol=1e-5,
              torch_atol=1e-5),
        Entry("irfft", lambda re, im, fft_length=None: ops.irfft((re, im), fft_length),
              lambda re, im, fft_length=None: np.fft.irfft(re + 1j * im, fft_length),
              empty_guard(lambda re, im, fft_length=None: np.fft.irfft(re + 1j * im,
                                                                        fft_length))(
                  lambda t, re, im, fft_length=None: t.fft.irfft(as_c(t, re, im), fft_length)),
              (
                  S("even", cplx("ir1", 4)), S("odd", cplx("ir2", 2, 4), {"fft_length": 7}),
                  S("pad", cplx("ir3", 3), {"fft_length": 8}),
                  S("cut", cplx("ir4", 6), {"fft_length": 6}),
                  S("size0", (np.zeros((0, 3)), np.zeros((0, 3))))), rtol=1e-5, atol=1e-6),
        Entry("stft", ops.stft, np_stft, empty_guard(np_stft, True)(t_stft), (
            S("center", (n("st1", 16),), {"sequence_length": 8, "sequence_stride": 4,
                                          "fft_length": 8}),
            S("short_window", (n("st2", 2, 12),), {"sequence_length": 4,
                                                   "sequence_stride": 3, "fft_length": 6}),
            S("no_center", (n("st3", 10),), {"sequence_length": 4, "sequence_stride": 2,
                                             "fft_length": 4, "center": False}),
            S("size0", (np.zeros((0, 12)),), {"sequence_length": 4, "sequence_stride": 2,
                                              "fft_length": 4})),
              multi_output=True, rtol=1e-5, atol=1e-5, torch_atol=1e-5),
        Entry("istft", lambda re, im, **kw: ops.istft((re, im), **kw),
              lambda re, im, **kw: _np_istft(re + 1j * im, **kw),
              empty_guard(lambda re, im, **kw: _np_istft(re + 1j * im, **kw))(
                  lambda t, re, im, sequence_length, sequence_stride, fft_length, length=None:
                  t.istft(as_c(t, re, im).reshape(-1, *re.shape[-2:]).transpose(-1, -2),
                          fft_length, sequence_stride, sequence_length,
                          t.hann_window(sequence_length, periodic=True, dtype=re.dtype),
                          center=True, length=length).reshape(*re.shape[:-2], -1)), (
                  S("basic", cplx("is1", 5, 5), {"sequence_length": 8, "sequence_stride": 4,
                                                 "fft_length": 8}),
                  S("batched_len", cplx("is2", 2, 7, 5), {"sequence_length": 8,
                                                          "sequence_stride": 2,
                                                          "fft_length": 8, "length": 12}),
                  S("stride3", cplx("is3", 6, 4), {"sequence_length": 6, "sequence_stride": 3,
                                                   "fft_length": 6}),
                  S("size0", (np.zeros((0, 5, 5)), np.zeros((0, 5, 5))),
                    {"sequence_length": 8, "sequence_stride": 4, "fft_length": 8})),
              rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("view_as_complex", ops.view_as_complex,
              lambda x: (x[..., 0] + 1j * x[..., 1]).astype(np.complex64),
              lambda t, x: t.view_as_complex(x.contiguous()) if x.numel() else t.zeros(
                  x.shape[:-1], dtype=t.complex64), (
                  S("1d", (n("vc1", 2),), dtypes=("float32",)),
                  S("2d", (n("vc2", 3, 2),), dtypes=("float32",)),
                  S("3d", (n("vc3", 2, 2, 2),), dtypes=("float32",)),
                  S("size0", (np.zeros((0, 2)),), dtypes=("float32",))),
              out_dtype="complex64"),
        Entry("view_as_real", ops.view_as_real,
              lambda z: np.stack([z.real, z.imag], -1), lambda t, z: t.view_as_real(z), (
                  S("1d", ((n("vr1", 3) + 1j * n("vr2", 3)).astype(np.complex64),)),
                  S("2d", ((n("vr3", 2, 2) + 1j * n("vr4", 2, 2)).astype(np.complex64),)),
                  S("0d", (np.asarray(1 + 2j, np.complex64),)),
                  S("size0", (np.zeros((0, 2), np.complex64),))), out_dtype="float32"),
        # ------------------------------------------------------------------ control flow
        Entry("cond", lambda x, pred: ops.cond(pred, lambda: x * x, lambda: -x),
              lambda x, pred: x * x if pred else -x,
              lambda t, x, pred: x * x if pred else -x, tuple(
                  S(s.name + tag, s.inputs + (p,)) for tag, p in (("_t", True), ("_f", False))
                  for s in un("cond")[:2]) + (S("size0", (np.zeros((0, 2)), True)),)),
        Entry("switch", lambda x, i: ops.switch(i, [lambda v: v * 2, ops.exp], x),
              lambda x, i: x * 2 if i <= 0 else np.exp(x),
              lambda t, x, i: x * 2 if i <= 0 else t.exp(x), (
                  S("0", (n("sw1", 3), 0)), S("1", (n("sw2", 2, 2), 1)),
                  S("clipped", (n("sw3", 3), 7)), S("size0", (np.zeros((0,)), 1))),
              ),
        Entry("while_loop", lambda x: ops.while_loop(
                  lambda i, v: i < 3, lambda i, v: (i + 1, v * 0.5 + v * v * 0.1), (0, x))[1],
              lambda x: _loop_ref(x), lambda t, x: _loop_ref(x), un("while_loop")),
        Entry("fori_loop", lambda x: ops.fori_loop(1, 4, lambda i, v: v * 0.5 + i * v * v * 0.1,
                                                   x),
              lambda x: _fori_ref(x), lambda t, x: _fori_ref(x), un("fori_loop")),
        Entry("scan", lambda c, xs: ops.scan(lambda a, x: (a * x + 1.0, a * 2.0), c, xs)[1],
              lambda c, xs: np.stack(_scan_ref(c, xs)),
              lambda t, c, xs: t.stack(_scan_ref(c, xs)), (
                  S("vec", (n("sc1", 2), n("sc2", 3, 2))), S("0d", (n("sc3"), n("sc4", 4))),
                  S("mat", (n("sc5", 2, 2), n("sc6", 2, 2, 2))),
                  S("one", (n("sc7", 3), n("sc8", 1, 3))))),
        Entry("associative_scan", lambda x, **kw: ops.associative_scan(ops.add, x, **kw),
              lambda x, axis=0, reverse=False: np.flip(np.cumsum(np.flip(x, axis), axis),
                                                       axis) if reverse else
              np.cumsum(x, axis),
              lambda t, x, axis=0, reverse=False: t.flip(t.cumsum(t.flip(x, (axis,)), axis),
                                                         (axis,)) if reverse else
              t.cumsum(x, axis), (
                  S("1d", (n("as1", 5),)), S("axis1", (n("as2", 2, 4),), {"axis": 1}),
                  S("reverse", (n("as3", 4, 2),), {"reverse": True}),
                  S("size1", (n("as4", 1, 3),)), S("size0_cols", (np.zeros((2, 0)),)))),
        Entry("map", lambda x: ops.map(lambda r: r * r + 1.0, x), lambda x: x * x + 1,
              lambda t, x: x * x + 1, un("map")[:1] + un("map")[3:] + (
                  S("1d", (n("mp1", 4),)), S("one", (n("mp2", 1, 2),)))
              + (S("size0_cols", (np.zeros((2, 0)),)),)),
        Entry("vectorized_map", lambda x: ops.vectorized_map(lambda r: ops.sum(r * r), x),
              lambda x: (x * x).reshape(x.shape[0], -1).sum(1),
              lambda t, x: (x * x).reshape(x.shape[0], -1).sum(1), (
                  S("2d", (n("vm1", 3, 4),)), S("3d", (n("vm2", 2, 2, 3),)),
                  S("1d", (n("vm3", 4),)), S("size0_cols", (np.zeros((2, 0)),)))),
        Entry("custom_gradient", lambda x: _log1pexp(x),
              lambda x: np.log1p(np.exp(x)), lambda t, x: t.nn.functional.softplus(x), (
                  S("2d", (n("cg1", 3, 4, scale=3.0),)),
                  S("0d", (np.asarray(0.3),)), S("3d", (n("cg3", 2, 2, 2, scale=3.0),)),
                  S("size0", (np.zeros((0, 2)),)))),
    ]


def _erfinv_ref(y):
    # bisection on math.erf: independent of ember's Giles + Newton
    lo, hi = -6.0, 6.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if math.erf(mid) < y else (lo, mid)
    return 0.5 * (lo + hi)


def _np_istft(z, sequence_length, sequence_stride, fft_length, length=None):
    k = np.arange(sequence_length)
    win = 0.5 - 0.5 * np.cos(2 * np.pi * k / sequence_length)
    left = (fft_length - sequence_length) // 2
    win = np.pad(win, (left, fft_length - sequence_length - left))
    frames = np.fft.irfft(z, fft_length, axis=-1) * win
    nf = frames.shape[-2]
    total = fft_length + sequence_stride * (nf - 1)
    y = np.zeros(frames.shape[:-2] + (total,))
    env = np.zeros(total)
    for f in range(nf):
        y[..., f * sequence_stride:f * sequence_stride + fft_length] += frames[..., f, :]
        env[f * sequence_stride:f * sequence_stride + fft_length] += win * win
    start = fft_length // 2
    end = total - fft_length // 2 if length is None else start + length
    return y[..., start:end] / np.where(env[start:end] > 1e-11, env[start:end], 1.0)


def _loop_ref(x):
    for _ in range(3):
        x = x * 0.5 + x * x * 0.1
    return x


def _fori_ref(x):
    for i in range(1, 4):
        x = x * 0.5 + i * x * x * 0.1
    return x


def _scan_ref(c, xs):
    ys = []
    for x in xs:
        ys.append(c * 2.0)
        c = c * x + 1.0
    return ys


@ops.custom_gradient
def _log1pexp(x):
    """Keras' documented example: log(1 + exp(x)) with the gradient g (1 - 1 / (1 + e^x))
    written by hand."""
    e = ops.exp(x)

    def grad(upstream):
        return upstream * (1.0 - 1.0 / (1.0 + e))
    return ops.log(1.0 + e), grad
