"""Op-table entries for keras.ops.numpy's constructors and products (einsum, tensordot,
inner, outer, kron, cross, correlate, diff, trapezoid, corrcoef, slogdet, vander, linspace):

    entries += product_entries(Entry, Sample)

Constructors take a template integer array whose shape is the requested shape, or a 0-d
integer array for a length.
"""

import importlib.util
from pathlib import Path

import numpy as np

from ember import ops

_spec = importlib.util.spec_from_file_location("ember_numpy_samplers_products",
                                               Path(__file__).with_name("samplers.py"))
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)


def _tmpl(*shape):
    return np.zeros(shape, dtype=np.int64)


def _n(rng):
    return lambda *shape: S.normal(rng, shape)


def _creation_entries(Entry, Sample):
    E = []
    shapes = (Sample("2d", (_tmpl(2, 3),)), Sample("0d", (_tmpl(),)),
              Sample("size0", (_tmpl(0, 3),)), Sample("3d", (_tmpl(1, 2, 2),)),
              Sample("int_dtype", (_tmpl(2),), {"dtype": "int32"}))

    def dt(p):
        return p.get("dtype", "float32")
    for name, fill in [("zeros", 0.0), ("ones", 1.0), ("empty", 0.0)]:
        op = getattr(ops, name)
        E.append(Entry(name, lambda x, _o=op, **kw: _o(x.shape, **kw),
                       lambda x, _f=fill, **kw: np.full(x.shape, _f),
                       lambda t, x, _f=fill, dtype="float32": t.full(
                           tuple(x.shape), _f, dtype=getattr(t, dtype)),
                       shapes, out_dtype=dt))
    E.append(Entry("full", lambda x, fill_value, **kw: ops.full(x.shape, fill_value, **kw),
                   lambda x, fill_value, **kw: np.full(x.shape, fill_value),
                   lambda t, x, fill_value, dtype="float32": t.full(
                       tuple(x.shape), fill_value, dtype=getattr(t, dtype)),
                   tuple(Sample(s.name, s.inputs, {**s.params, "fill_value": 2.5})
                         for s in shapes[:4])
                   + (Sample("int_fill", (_tmpl(2),), {"fill_value": 3, "dtype": "int32"}),),
                   out_dtype=dt))
    rng = S.rng_for("like")
    like = (Sample("2d", (S.normal(rng, (2, 3)),)), Sample("0d", (np.asarray(1.5),)),
            Sample("size0", (np.zeros((0, 2)),)), Sample("3d", (S.normal(rng, (2, 1, 2)),)))
    for name, fill in [("zeros_like", 0.0), ("ones_like", 1.0), ("empty_like", 0.0)]:
        E.append(Entry(name, getattr(ops, name), lambda x, _f=fill: np.full(x.shape, _f),
                       lambda t, x, _f=fill: t.full_like(x, _f), like,
                       out_dtype=None))
    E.append(Entry("full_like", ops.full_like, lambda x, fill_value: np.full(x.shape, fill_value),
                   lambda t, x, fill_value: t.full_like(x, fill_value),
                   tuple(Sample(s.name, s.inputs, {"fill_value": 3}) for s in like)))
    E.append(Entry("arange", lambda n, **kw: ops.arange(n, **kw),
                   lambda n, start=None, step=None, dtype=None: np.array(
                       [v for v in np.arange(0 if start is None else start, int(n),
                                             step or 1)]),
                   lambda t, n, start=None, step=None, dtype=None: t.arange(
                       0 if start is None else start, int(n), step or 1,
                       dtype=t.int32 if dtype is None and not isinstance(step, float)
                       else t.float32),
                   (Sample("n", (np.asarray(5),)), Sample("n0", (np.asarray(0),)),
                    Sample("float_step", (np.asarray(2),), {"step": 0.5}),
                    Sample("one", (np.asarray(1),))),
                   out_dtype=lambda p: "float32" if isinstance(p.get("step"), float) else "int32"))
    E.append(Entry("eye", lambda x, k=0: ops.eye(x.shape[0], x.shape[1], k),
                   lambda x, k=0: np.array([[1.0 if j - i == k else 0.0
                                             for j in range(x.shape[1])]
                                            for i in range(x.shape[0])]).reshape(x.shape),
                   lambda t, x, k=0: t.ones(x.shape[0], x.shape[1]).tril(k).triu(k),
                   (Sample("square", (_tmpl(3, 3),)), Sample("rect_k", (_tmpl(2, 4),), {"k": 1}),
                    Sample("neg_k", (_tmpl(3, 2),), {"k": -1}), Sample("size0", (_tmpl(0, 2),))),
                   out_dtype="float32"))
    E.append(Entry("identity", lambda x: ops.identity(x.shape[0]),
                   lambda x: np.array([[float(i == j) for j in range(x.shape[0])]
                                       for i in range(x.shape[0])]).reshape(x.shape * 2),
                   lambda t, x: t.eye(x.shape[0]),
                   (Sample("3", (_tmpl(3),)), Sample("1", (_tmpl(1),)), Sample("0", (_tmpl(0),)),
                    Sample("5", (_tmpl(5),))), out_dtype="float32"))
    E.append(Entry("tri", lambda x, k=0: ops.tri(x.shape[0], x.shape[1], k),
                   lambda x, k=0: np.array([[float(j - i <= k) for j in range(x.shape[1])]
                                            for i in range(x.shape[0])]).reshape(x.shape),
                   lambda t, x, k=0: t.ones(x.shape[0], x.shape[1]).tril(k),
                   (Sample("square", (_tmpl(3, 3),)), Sample("k", (_tmpl(2, 4),), {"k": 1}),
                    Sample("neg_k", (_tmpl(4, 2),), {"k": -2}), Sample("size0", (_tmpl(0, 3),))),
                   out_dtype="float32"))

    def win(formula):
        def ref(m, *args):
            m = int(m)
            if m == 1:
                return np.ones(1)
            k = np.arange(m)
            return formula(k, m, *args)
        return ref

    windows = {
        "bartlett": win(lambda k, m: 1 - np.abs(2 * k / (m - 1) - 1)),
        "blackman": win(lambda k, m: 0.42 - 0.5 * np.cos(2 * np.pi * k / (m - 1))
                        + 0.08 * np.cos(4 * np.pi * k / (m - 1))),
        "hamming": win(lambda k, m: 0.54 - 0.46 * np.cos(2 * np.pi * k / (m - 1))),
        "hanning": win(lambda k, m: 0.5 - 0.5 * np.cos(2 * np.pi * k / (m - 1))),
    }
    tnames = {"bartlett": "bartlett_window", "blackman": "blackman_window",
              "hamming": "hamming_window", "hanning": "hann_window"}
    lengths = (Sample("5", (np.asarray(5),)), Sample("4", (np.asarray(4),)),
               Sample("1", (np.asarray(1),)), Sample("0", (np.asarray(0),)))
    for name, ref in windows.items():
        op = getattr(ops, name)
        E.append(Entry(name, lambda m, _o=op: _o(m),
                       # rounded like the float32 result (the inputs hold no float to say so)
                       lambda m, _r=ref: (_r(m) if int(m) else np.zeros(0)).astype(np.float32),
                       lambda t, m, _n=tnames[name]: getattr(t, _n)(int(m), periodic=False),
                       lengths, out_dtype="float32"))
    E.append(Entry("kaiser", lambda m, beta: ops.kaiser(m, beta),
                   lambda m, beta: _np_kaiser(int(m), beta),
                   lambda t, m, beta: t.kaiser_window(int(m), periodic=False, beta=beta),
                   tuple(Sample(s.name, s.inputs, {"beta": 5.0}) for s in lengths),
                   out_dtype="float32", rtol=1e-5, atol=1e-6))
    return E


def _np_kaiser(m, beta):
    if m <= 1:
        return np.ones(m, np.float32)
    k = np.arange(m)
    w = S_i0(beta * np.sqrt(1 - (2 * k / (m - 1) - 1) ** 2)) / S_i0(np.asarray(float(beta)))
    return w.astype(np.float32)  # rounded like the float32 result


def S_i0(x):
    """I0 by its power series (independent of np.i0)."""
    out, term = np.zeros_like(x, dtype=float), np.ones_like(x, dtype=float)
    for k in range(80):
        if k:
            term = term * (x / 2) / k
        out = out + term * term
    return out


def _t_linspace(t, a, b, num=50, endpoint=True, axis=0):
    div = (num - 1) if endpoint else num
    tt = t.arange(num, dtype=a.dtype) / max(div, 1)
    a, b = t.broadcast_tensors(a, b)
    shape = [1] * a.ndim
    shape.insert(axis % (a.ndim + 1), num)
    return a.unsqueeze(axis % (a.ndim + 1)) + (b - a).unsqueeze(axis % (a.ndim + 1)) * \
        tt.reshape(shape)


def _np_linspace(a, b, num=50, endpoint=True, axis=0):
    div = (num - 1) if endpoint else num
    t = np.array([i / max(div, 1) for i in range(num)])
    a, b = np.broadcast_arrays(a, b)
    ax = axis % (a.ndim + 1)
    shape = [1] * a.ndim
    shape.insert(ax, num)
    return np.expand_dims(a, ax) + np.expand_dims(b - a, ax) * t.reshape(shape)


def _space_entries(Entry, Sample):
    rng = S.rng_for("linspace")
    n = _n(rng)
    samples = (Sample("scalars", (np.asarray(-1.0), np.asarray(2.0)), {"num": 5}),
               Sample("no_endpoint", (np.asarray(0.5), np.asarray(2.0)),
                      {"num": 4, "endpoint": False}),
               Sample("vectors", (n(3), n(3)), {"num": 4}),
               Sample("vectors_axis_last", (n(2), n(2)), {"num": 3, "axis": -1}),
               Sample("num0", (np.asarray(0.0), np.asarray(1.0)), {"num": 0}))
    E = [Entry("linspace", ops.linspace, _np_linspace, _t_linspace, samples)]
    pos = (Sample("scalars", (np.asarray(0.5), np.asarray(2.0)), {"num": 5}),
           Sample("no_endpoint", (np.asarray(1.0), np.asarray(3.0)), {"num": 4, "endpoint": False}),
           Sample("vectors", (S.uniform(0.5, 2)(rng, (3,)), S.uniform(0.5, 2)(rng, (3,))),
                  {"num": 3}),
           Sample("num0", (np.asarray(1.0), np.asarray(2.0)), {"num": 0}))
    E.append(Entry("logspace", ops.logspace,
                   lambda a, b, num=50, endpoint=True, base=10, axis=0: float(base) ** _np_linspace(
                       a, b, num, endpoint, axis),
                   lambda t, a, b, num=50, endpoint=True, base=10, axis=0: float(base) ** (
                       _t_linspace(t, a, b, num, endpoint, axis)),
                   pos + (Sample("base2", (np.asarray(-1.0), np.asarray(1.0)),
                                 {"num": 3, "base": 2}),), rtol=1e-5))
    E.append(Entry("geomspace", ops.geomspace,
                   lambda a, b, num=50, endpoint=True, axis=0: np.exp(_np_linspace(
                       np.log(a), np.log(b), num, endpoint, axis)),
                   lambda t, a, b, num=50, endpoint=True, axis=0: t.exp(_t_linspace(
                       t, t.log(a), t.log(b), num, endpoint, axis)),
                   pos, rtol=1e-5))
    E.append(Entry("vander", ops.vander,
                   lambda x, N=None, increasing=False: np.stack(
                       [x ** p for p in (range(N or len(x)) if increasing
                                         else reversed(range(N or len(x))))], axis=1)
                   if (N or len(x)) else np.zeros((len(x), 0)),
                   lambda t, x, N=None, increasing=False: _t_vander(t, x, N, increasing),
                   (Sample("default", (n(3),)), Sample("N", (n(3),), {"N": 4}),
                    Sample("increasing", (n(4),), {"increasing": True}),
                    Sample("size0", (n(0),)))))
    return E


def _t_vander(t, x, N=None, increasing=False):
    # composed (torch.vander's backward modifies a saved tensor in place)
    k = len(x) if N is None else N
    powers = range(k) if increasing else reversed(range(k))
    cols = [x ** p for p in powers]
    return t.stack(cols, 1) if cols else x.reshape(-1, 1)[:, :0] * 1


def _einsum_samples(Sample, rng):
    n = _n(rng)
    return (Sample("matmul", (n(2, 3), n(3, 4)), {"subscripts": "ij,jk->ik"}),
            Sample("batched", (n(2, 3, 4), n(2, 4, 5)), {"subscripts": "bij,bjk->bik"}),
            Sample("trace", (n(3, 3),), {"subscripts": "ii->"}),
            Sample("diagonal", (n(3, 3),), {"subscripts": "ii->i"}),
            Sample("sum_only_here", (n(2, 3), n(3)), {"subscripts": "ij,k->i"}),
            Sample("implicit", (n(2, 3), n(3, 2)), {"subscripts": "ij,jk"}),
            Sample("ellipsis", (n(2, 1, 3, 4), n(5, 4, 2)), {"subscripts": "...ij,...jk->...ik"}),
            Sample("outer", (n(3), n(2)), {"subscripts": "i,j->ij"}),
            Sample("three", (n(2, 3), n(3, 4), n(4)), {"subscripts": "ij,jk,k->i"}),
            Sample("0d", (np.asarray(1.5), n(3)), {"subscripts": ",i->i"}),
            Sample("size0", (n(0, 3), n(3, 2)), {"subscripts": "ij,jk->ik"}))


def _np_einsum(*xs, subscripts):
    """einsum by an explicit loop over every letter's values (independent of np.einsum)."""
    import itertools  # noqa: PLC0415

    lhs, _, rhs = subscripts.partition("->")
    ins = lhs.split(",")
    ell = "".join(c for c in "ZYXW")
    shapes = {}
    spelled = []
    for t, x in zip(ins, xs):
        if "..." in t:
            k = x.ndim - len(t.replace("...", ""))
            t = t.replace("...", ell[len(ell) - k:] if k else "")
        spelled.append(t)
        for c, size in zip(t, x.shape):
            shapes[c] = size if shapes.get(c, 1) == 1 else shapes[c]
    if "->" not in subscripts:
        letters = "".join(spelled)
        rhs = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    rhs = rhs.replace("...", "".join(c for c in ell if c in shapes))
    letters = sorted(shapes)
    out = np.zeros([shapes[c] for c in rhs])
    for values in itertools.product(*[range(shapes[c]) for c in letters]):
        env = dict(zip(letters, values))
        term = 1.0
        for t, x in zip(spelled, xs):
            term = term * x[tuple(min(env[c], x.shape[i] - 1) for i, c in enumerate(t))]
        out[tuple(env[c] for c in rhs)] += term
    return out


def _contract_entries(Entry, Sample):
    rng = S.rng_for("contract")
    n = _n(rng)
    E = [Entry("einsum", lambda *xs, subscripts: ops.einsum(subscripts, *xs), _np_einsum,
               lambda t, *xs, subscripts: t.einsum(subscripts, *xs), _einsum_samples(Sample, rng))]
    E.append(Entry("tensordot", ops.tensordot,
                   lambda a, b, axes=2: np.tensordot(a, b, axes),
                   lambda t, a, b, axes=2: t.tensordot(a, b, dims=axes),
                   (Sample("default", (n(2, 3, 4), n(3, 4, 5))),
                    Sample("int1", (n(2, 3), n(3, 4)), {"axes": 1}),
                    Sample("lists", (n(2, 3, 4), n(4, 2)), {"axes": ([0, 2], [1, 0])}),
                    Sample("zero", (n(2), n(3)), {"axes": 0}),
                    Sample("size0", (n(0, 3), n(3, 2)), {"axes": 1}))))
    E.append(Entry("inner", ops.inner, lambda a, b: a * b if a.ndim == 0 or b.ndim == 0 else
                   (a.reshape(a.shape[:-1] + (1,) * (b.ndim - 1) + a.shape[-1:])
                    * b).sum(-1),
                   lambda t, a, b: t.inner(a, b),
                   (Sample("1d", (n(3), n(3))), Sample("2d", (n(2, 3), n(4, 3))),
                    Sample("0d", (np.asarray(2.0), n(3))), Sample("size0", (n(0), n(0))))))
    E.append(Entry("outer", ops.outer, lambda a, b: a.reshape(-1, 1) * b.reshape(1, -1),
                   lambda t, a, b: t.outer(a.reshape(-1), b.reshape(-1)),
                   (Sample("1d", (n(3), n(2))), Sample("2d", (n(2, 2), n(3))),
                    Sample("0d", (np.asarray(2.0), n(3))), Sample("size0", (n(0), n(2))))))
    E.append(Entry("vdot", ops.vdot, lambda a, b: np.sum(a.reshape(-1) * b.reshape(-1)),
                   lambda t, a, b: t.vdot(a.reshape(-1), b.reshape(-1)),
                   (Sample("1d", (n(3), n(3))), Sample("2d", (n(2, 3), n(3, 2))),
                    Sample("0d", (np.asarray(2.0), np.asarray(-1.0))),
                    Sample("size0", (n(0), n(0))))))
    E.append(Entry("kron", ops.kron,
                   lambda a, b: _np_kron(a, b),
                   lambda t, a, b: t.kron(a, b),
                   (Sample("2d", (n(2, 2), n(3, 2))), Sample("1d", (n(2), n(3))),
                    Sample("1d_2d", (n(2), n(2, 2))), Sample("size0", (n(0, 2), n(2, 2))))))

    def np_cross(a, b, axis=-1):
        a, b = np.moveaxis(a, axis, -1), np.moveaxis(b, axis, -1)
        if a.shape[-1] == 2:
            a = np.concatenate([a, np.zeros(a.shape[:-1] + (1,))], -1)
        if b.shape[-1] == 2:
            b = np.concatenate([b, np.zeros(b.shape[:-1] + (1,))], -1)
        c = np.stack([a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
                      a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                      a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]], -1)
        return np.moveaxis(c, -1, axis)

    def t_cross(t, a, b, axis=-1):
        a, b = a.movedim(axis, -1), b.movedim(axis, -1)
        a, b = t.broadcast_tensors(a, b)
        return t.linalg.cross(a, b, dim=-1).movedim(-1, axis)
    E.append(Entry("cross", ops.cross, np_cross, t_cross,
                   (Sample("3", (n(3), n(3))), Sample("batched", (n(4, 3), n(3))),
                    Sample("axis0", (n(3, 2), n(3, 2)), {"axis": 0}),
                    Sample("size0", (n(0, 3), n(0, 3))))))

    def np_correlate(a, v, mode="valid"):
        n1, m = len(a), len(v)
        if m > n1:
            return np_correlate(v, a, mode)[::-1]
        pad = {"valid": (0, 0), "full": (m - 1, m - 1), "same": (m // 2, m - 1 - m // 2)}[mode]
        ap = np.concatenate([np.zeros(pad[0]), a, np.zeros(pad[1])])
        return np.array([np.sum(ap[k:k + m] * v) for k in range(len(ap) - m + 1)])

    def t_correlate(t, a, v, mode="valid"):
        if len(v) > len(a):
            return t_correlate(t, v, a, mode).flip(0)
        m = len(v)
        pad = {"valid": (0, 0), "full": (m - 1, m - 1), "same": (m // 2, m - 1 - m // 2)}[mode]
        ap = t.nn.functional.pad(a, pad)
        return ap.unfold(0, m, 1) @ v
    E.append(Entry("correlate", ops.correlate, np_correlate, t_correlate,
                   (Sample("valid", (n(5), n(3))), Sample("same", (n(5), n(2)), {"mode": "same"}),
                    Sample("full", (n(4), n(3)), {"mode": "full"}),
                    Sample("longer_kernel", (n(2), n(4)), {"mode": "full"}),
                    Sample("size1", (n(1), n(1))), Sample("size0", (n(0), n(0))))))
    E.append(Entry("diff", lambda a, n=1, axis=-1: ops.diff(a, n, axis),
                   lambda a, n=1, axis=-1: _np_diff(a, n, axis),
                   lambda t, a, n=1, axis=-1: t.diff(a, n, axis) if n else a,
                   (Sample("1", (n(5),)), Sample("2", (n(3, 5),), {"n": 2}),
                    Sample("axis0", (n(4, 2),), {"axis": 0}),
                    Sample("size0", (n(0, 3),), {"axis": 0}))))
    E.append(Entry("trapezoid", lambda y, x=None, **kw: ops.trapezoid(y, x, **kw),
                   lambda y, x=None, dx=1.0, axis=-1: _np_trapz(y, x, dx, axis),
                   lambda t, y, x=None, dx=1.0, axis=-1: t.trapezoid(y, x, dim=axis)
                   if x is not None else t.trapezoid(y, dx=dx, dim=axis),
                   (Sample("dx", (n(5),), {"dx": 0.5}), Sample("x", (n(2, 4), np.sort(n(4)))),
                    Sample("axis0", (n(3, 2),), {"axis": 0}), Sample("size1", (n(1),)),
                    Sample("size0_rows", (n(0, 3),)))))
    E.append(Entry("corrcoef", ops.corrcoef, _np_corrcoef, lambda t, x: t.corrcoef(x),
                   (Sample("3x5", (n(3, 5),)), Sample("2x4", (n(2, 4),)), Sample("1d", (n(4),)),
                    Sample("size0", (n(0, 3),))), rtol=1e-4, atol=1e-5))
    spd = lambda k: (lambda a: a @ a.T + k * np.eye(k))(n(k, k))  # noqa: E731
    E.append(Entry("slogdet", lambda x: ops.slogdet(x)[1],
                   lambda x: np.log(np.abs(_np_det(x))),
                   lambda t, x: t.linalg.slogdet(x)[1],
                   (Sample("2x2", (spd(2),)), Sample("3x3_neg", (-spd(3),)),
                    Sample("batched", (np.stack([spd(2), spd(2)]),)), Sample("general", (n(3, 3),)),
                    Sample("size0_batch", (np.zeros((0, 2, 2)),)))))
    return E


def _np_kron(a, b):
    """Kronecker product by explicit block placement (independent of np.kron)."""
    a2, b2 = a.reshape((1,) * (b.ndim - a.ndim) + a.shape), b.reshape((1,) * (a.ndim - b.ndim)
                                                                        + b.shape)
    out = np.zeros([p * q for p, q in zip(a2.shape, b2.shape)])
    for idx in np.ndindex(*a2.shape):
        out[tuple(slice(i * q, (i + 1) * q) for i, q in zip(idx, b2.shape))] = a2[idx] * b2
    return out


def _np_det(x):
    """Determinants by Laplace expansion (independent of np.linalg)."""
    if x.shape[-1] == 1:
        return x[..., 0, 0]
    return sum((-1) ** j * x[..., 0, j] * _np_det(np.delete(np.delete(x, 0, -2), j, -1))
               for j in range(x.shape[-1]))


def _np_diff(a, n, axis):
    for _ in range(n):
        k = a.shape[axis]
        a = np.take(a, np.arange(1, k), axis=axis) - np.take(a, np.arange(max(k - 1, 0)),
                                                             axis=axis)
    return a


def _np_trapz(y, x, dx, axis):
    k = y.shape[axis]
    mid = (np.take(y, np.arange(1, k), axis) + np.take(y, np.arange(max(k - 1, 0)), axis)) / 2
    if x is None:
        return mid.sum(axis) * dx
    d = x[1:] - x[:-1]
    shape = [1] * y.ndim
    shape[axis] = -1
    return (mid * d.reshape(shape)).sum(axis)


def _np_corrcoef(x):
    x = np.atleast_2d(x)
    c = x - x.sum(1, keepdims=True) / x.shape[1]
    cov = c @ c.T
    d = np.sqrt(np.diag(cov))
    r = cov / d[:, None] / d[None, :]
    return r[0, 0] if r.shape == (1, 1) else r


def product_entries(Entry, Sample):
    return tuple(_creation_entries(Entry, Sample) + _space_entries(Entry, Sample)
                 + _contract_entries(Entry, Sample))

