"""Op-table entries for the reductions, scans, order statistics, sorting and searching of
keras.ops.numpy:

    TABLE += reduce_entries(Entry, Sample)

NumPy float64 references (order statistics by explicit sorting and interpolation, NaN
variants by masking); PyTorch spellings move the reduced axes last and reduce one axis.
"""

import importlib.util
from pathlib import Path

import numpy as np

from ember import ops

_spec = importlib.util.spec_from_file_location("ember_numpy_samplers",
                                               Path(__file__).with_name("samplers.py"))
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in np.atleast_1d(axis)) if ndim else ()


def _np_last(x, axis):
    """x with the reduced axes moved last and merged: (kept..., n), and the kept shape."""
    axes = _axes(axis, x.ndim)
    rest = [a for a in range(x.ndim) if a not in axes]
    kept = [x.shape[a] for a in rest]
    n = int(np.prod([x.shape[a] for a in axes]))
    return np.transpose(x, rest + list(axes)).reshape(kept + [n]), axes


def _np_keep(y, x, axes, keepdims):
    if keepdims:
        return y.reshape([1 if a in axes else n for a, n in enumerate(x.shape)])
    return y


def _t_last(t, x, axis, keepdims, fn):
    """A torch reduction over several axes: move them last, merge, reduce dim -1."""
    axes = _axes(axis, x.ndim)
    rest = [a for a in range(x.ndim) if a not in axes]
    kept = [x.shape[a] for a in rest]
    n = int(np.prod([x.shape[a] for a in axes]))
    y = fn((x.permute(*rest, *axes) if x.ndim else x).reshape(kept + [n]))
    return y.reshape([1 if a in axes else n for a, n in enumerate(x.shape)]) if keepdims else y


def np_quantile(x, q, axis=None, method="linear", keepdims=False, ignore_nan=False):
    """Quantiles by sorting each reduced row and interpolating (NumPy's definitions)."""
    flat, axes = _np_last(x, axis)
    s = np.sort(flat, axis=-1)
    count = np.sum(~np.isnan(flat), axis=-1) if ignore_nan else np.full(flat.shape[:-1],
                                                                         flat.shape[-1])
    outs = []
    for qv in np.atleast_1d(q):
        pos = qv * (count - 1)
        lo, hi = np.floor(pos).astype(int), np.ceil(pos).astype(int)
        if method == "lower":
            hi = lo
        elif method == "higher":
            lo = hi
        elif method == "nearest":
            lo = hi = np.round(pos).astype(int)
        a = np.take_along_axis(s, np.clip(lo, 0, None)[..., None], -1)[..., 0]
        b = np.take_along_axis(s, np.clip(hi, 0, None)[..., None], -1)[..., 0]
        w = np.where(hi > lo, 0.5, 0.0) if method == "midpoint" else pos - lo
        v = a * (1 - w) + b * w
        if ignore_nan:
            v = np.where(count == 0, np.nan, v)
        outs.append(_np_keep(v, x, axes, keepdims))
    return outs[0] if np.ndim(q) == 0 else np.stack(outs)


def t_quantile(t, x, q, axis=None, method="linear", keepdims=False, ignore_nan=False):
    fn = t.nanquantile if ignore_nan else t.quantile
    qt = t.tensor(q, dtype=x.dtype)

    def red(v):
        if v.shape[-1] == 0:
            return t.full(v.shape[:-1] if qt.ndim == 0 else (len(q),) + v.shape[:-1],
                          float("nan"), dtype=v.dtype)
        return fn(v, qt, dim=-1, interpolation=method)
    axes = _axes(axis, x.ndim)
    rest = [a for a in range(x.ndim) if a not in axes]
    kept = [x.shape[a] for a in rest]
    n = int(np.prod([x.shape[a] for a in axes]))
    y = red((x.permute(*rest, *axes) if x.ndim else x).reshape(kept + [n]))
    if keepdims:
        shape = [1 if a in axes else n for a, n in enumerate(x.shape)]
        y = y.reshape(shape if qt.ndim == 0 else [len(q)] + shape)
    return y


def _quantile_samples(Sample, name, q_scale=1.0, nan=False):
    rng = S.rng_for(name)
    gen = S.with_nans if nan else S.distinct
    x3 = S.distinct(rng, (2, 3, 4))
    out = [
        Sample("all", (x3,), {"q": 0.3 * q_scale}),
        Sample("axis1", (x3,), {"q": 0.5 * q_scale, "axis": 1}),
        Sample("axis_tuple_keepdims", (x3,), {"q": 0.75 * q_scale, "axis": (0, 2),
                                              "keepdims": True}),
        Sample("q_vector", (x3,), {"q": [0.0, 0.4 * q_scale, 1.0 * q_scale], "axis": -1}),
        Sample("0d", (np.asarray(0.7),), {"q": 0.5 * q_scale}),
    ]
    for m in ("lower", "higher", "midpoint", "nearest"):
        out.append(Sample(m, (x3,), {"q": 0.4 * q_scale, "axis": 2, "method": m}))
    if nan:
        out.append(Sample("nans", (gen(rng, (3, 5)),), {"q": 0.5 * q_scale, "axis": 1},
                          gradcheck="NaN inputs; test_nan_reductions_give_nans_no_gradient"))
    return tuple(out)


def _nan_samples(Sample, name, gen=None):
    base = S.reduce_samples(Sample, name, gen or (lambda r, s: S.distinct(r, s)), empty=False)
    rng = S.rng_for(name + "nan")
    why = "NaN inputs; test_nan_reductions_give_nans_no_gradient"
    return base + (Sample("nans", (S.with_nans(rng, (3, 5)),), {"axis": 1}, gradcheck=why),
                   Sample("nans_all", (S.with_nans(rng, (4,)),), gradcheck=why))


def _t_nanvar(t, v):
    m = t.nanmean(v, dim=-1, keepdim=True)
    d = t.where(t.isnan(v), t.zeros_like(v), v - m)
    return (d * d).sum(-1) / (~t.isnan(v)).sum(-1)


def _nanextreme(t, v, fn, fill):
    y = fn(t.where(t.isnan(v), t.full_like(v, fill), v), dim=-1).values
    return t.where(t.isnan(v).all(-1), t.full_like(y, float("nan")), y)


def _reduction_entries(Entry, Sample):
    E = []

    def red(name, ref, tfn, samples, **kw):
        E.append(Entry(name, getattr(ops, name),
                       lambda x, axis=None, keepdims=False, _r=ref: _np_keep(
                           _r(_np_last(x, axis)[0]), x, _axes(axis, x.ndim), keepdims),
                       lambda t, x, axis=None, keepdims=False, _f=tfn: _t_last(
                           t, x, axis, keepdims, lambda v: _f(t, v)),
                       samples, **kw))

    red("prod", lambda v: np.multiply.reduce(v, axis=-1),
        lambda t, v: v.prod(-1),
        S.reduce_samples(Sample, "prod", S.uniform(0.5, 1.5))
        + (Sample("with_zero", (np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.5]]),), {"axis": 1}),))
    red("amax", lambda v: np.sort(v, -1)[..., -1], lambda t, v: v.amax(-1),
        S.reduce_samples(Sample, "amax", S.distinct, empty=False))
    red("amin", lambda v: np.sort(v, -1)[..., 0], lambda t, v: v.amin(-1),
        S.reduce_samples(Sample, "amin", S.distinct, empty=False))
    red("ptp", lambda v: np.sort(v, -1)[..., -1] - np.sort(v, -1)[..., 0],
        lambda t, v: v.amax(-1) - v.amin(-1),
        S.reduce_samples(Sample, "ptp", S.distinct, empty=False))
    red("nansum", lambda v: np.where(np.isnan(v), 0, v).sum(-1),
        lambda t, v: t.nansum(v, dim=-1), _nan_samples(Sample, "nansum"))
    red("nanprod", lambda v: np.where(np.isnan(v), 1, v).prod(-1),
        lambda t, v: t.where(t.isnan(v), t.ones_like(v), v).prod(-1),
        _nan_samples(Sample, "nanprod", S.uniform(0.5, 1.5)))
    red("nanmean", lambda v: np.where(np.isnan(v), 0, v).sum(-1) / (~np.isnan(v)).sum(-1),
        lambda t, v: t.nanmean(v, dim=-1), _nan_samples(Sample, "nanmean"))
    red("nanvar", lambda v: np.nanvar(v, -1), _t_nanvar, _nan_samples(Sample, "nanvar"))
    # sqrt has no derivative at a zero variance (a 0-d input): an empty row stands in for it
    red("nanstd", lambda v: np.sqrt(np.nanvar(v, -1)), lambda t, v: _t_nanvar(t, v).sqrt(),
        tuple(s for s in _nan_samples(Sample, "nanstd") if s.name != "0d")
        + (Sample("size0_kept", (np.zeros((0, 3)),), {"axis": 1}),))
    red("nanmax", lambda v: np.sort(np.where(np.isnan(v), -np.inf, v), -1)[..., -1],
        lambda t, v: _nanextreme(t, v, t.max, -float("inf")),
        _nan_samples(Sample, "nanmax"))
    red("nanmin", lambda v: np.sort(np.where(np.isnan(v), np.inf, v), -1)[..., 0],
        lambda t, v: _nanextreme(t, v, t.min, float("inf")),
        _nan_samples(Sample, "nanmin"))
    for name, fn, tname, dt in [("all", np.all, "all", "bool"), ("any", np.any, "any", "bool")]:
        rng = S.rng_for(name)
        b = rng.random((2, 3, 4)) < 0.7
        samples = (Sample("all", (b,)), Sample("axis0", (b,), {"axis": 0}),
                   Sample("keepdims", (b,), {"axis": (0, 2), "keepdims": True}),
                   Sample("float", (np.where(b, 1.5, 0.0),), {"axis": -1}),
                   Sample("size0", (np.zeros((0, 3), bool),), {"axis": 0}))
        E.append(Entry(name, getattr(ops, name),
                       lambda x, axis=None, keepdims=False, _f=fn: _f(x, axis=axis,
                                                                     keepdims=keepdims),
                       lambda t, x, axis=None, keepdims=False, _n=tname: _t_last(
                           t, x, axis, keepdims, lambda v, _n=_n: getattr(v.bool(), _n)(-1)),
                       samples, out_dtype=dt))
    rng = S.rng_for("count_nonzero")
    z = np.where(rng.random((3, 4)) < 0.5, 0.0, 1.5)
    E.append(Entry("count_nonzero", ops.count_nonzero,
                   lambda x, axis=None: np.sum(x != 0, axis=axis),
                   lambda t, x, axis=None: t.count_nonzero(x, dim=axis).int(),
                   (Sample("all", (z,)), Sample("axis0", (z,), {"axis": 0}),
                    Sample("axis_tuple", (z,), {"axis": (0, 1)}), Sample("0d", (np.asarray(2.0),)),
                    Sample("size0", (np.zeros((0, 2)),), {"axis": 1})),
                   out_dtype="int32"))
    for name, fill in [("nanargmax", -np.inf), ("nanargmin", np.inf)]:
        rng = S.rng_for(name)
        x = S.with_nans(rng, (3, 5), 0.2)
        x[:, 0] = S.distinct(rng, (3,))  # every row has a value
        pick = np.argmax if name == "nanargmax" else np.argmin
        E.append(Entry(name, getattr(ops, name),
                       lambda x, axis=None, keepdims=False, _p=pick, _f=fill: _p(
                           np.where(np.isnan(x), _f, x), axis=axis, keepdims=keepdims),
                       lambda t, x, axis=None, keepdims=False, _f=fill, _n=name[3:]: (
                           getattr(t.where(t.isnan(x), t.full_like(x, _f), x), _n)(
                               dim=axis, keepdim=keepdims) if axis is not None else
                           getattr(t.where(t.isnan(x), t.full_like(x, _f), x).reshape(-1),
                                   _n)()).int(),
                       (Sample("flat", (x,)), Sample("axis1", (x,), {"axis": 1}),
                        Sample("keepdims", (x,), {"axis": 1, "keepdims": True}),
                        Sample("0d", (np.asarray(0.5),)),
                        Sample("no_nans", (S.distinct(rng, (2, 4)),), {"axis": 0})),
                       out_dtype="int32"))
    return E


def _scan_entries(Entry, Sample):
    def samples(name, gen):
        rng = S.rng_for(name)
        x = gen(rng, (3, 4))
        return (Sample("flat", (x,)), Sample("axis0", (x,), {"axis": 0}),
                Sample("axis_neg", (gen(rng, (2, 3, 4)),), {"axis": -1}),
                Sample("0d", (gen(rng, ()),)), Sample("size0", (gen(rng, (0, 3)),), {"axis": 1}))

    def np_scan(op, fill=None):
        def ref(x, axis=None, dtype=None):
            if fill is not None:
                x = np.where(np.isnan(x), fill, x)
            v = x.reshape(-1) if axis is None else np.moveaxis(x, axis, -1)
            out = np.zeros_like(v)
            acc = np.full(v.shape[:-1], 0.0 if op == "sum" else 1.0)
            for i in range(v.shape[-1]):
                acc = acc + v[..., i] if op == "sum" else acc * v[..., i]
                out[..., i] = acc
            return out if axis is None else np.moveaxis(out, -1, axis)
        return ref

    def t_scan(op, fill=None):
        def f(t, x, axis=None, dtype=None):
            if fill is not None:
                x = t.where(t.isnan(x), t.full_like(x, fill), x)
            v = x.reshape(-1) if axis is None else x
            return getattr(v, op)(0 if axis is None else axis)
        return f

    zeros_sample = Sample("with_zeros", (np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 0.0, 3.0, 2.0]]),),
                          {"axis": 1})
    why = "NaN inputs; test_nan_reductions_give_nans_no_gradient"
    nan_sample = Sample("nans", (S.with_nans(S.rng_for("scan"), (3, 4)),), {"axis": 1},
                        gradcheck=why)
    return [
        Entry("cumsum", ops.cumsum, np_scan("sum"), t_scan("cumsum"),
              samples("cumsum", S.normal)),
        Entry("cumprod", ops.cumprod, np_scan("prod"), t_scan("cumprod"),
              samples("cumprod", S.uniform(0.5, 1.5)) + (zeros_sample,)),
        Entry("nancumsum", ops.nancumsum, np_scan("sum", 0.0), t_scan("cumsum", 0.0),
              samples("nancumsum", S.normal) + (nan_sample,)),
        Entry("nancumprod", ops.nancumprod, np_scan("prod", 1.0), t_scan("cumprod", 1.0),
              samples("nancumprod", S.uniform(0.5, 1.5)) + (nan_sample,)),
    ]


def _order_entries(Entry, Sample):
    E = []
    for name, scale, nan in [("quantile", 1.0, False), ("percentile", 100.0, False),
                             ("nanquantile", 1.0, True), ("nanpercentile", 100.0, True)]:
        div = scale

        def ref(x, q, axis=None, method="linear", keepdims=False, _d=div, _n=nan):
            return np_quantile(x, np.asarray(q) / _d, axis, method, keepdims, _n)

        def tfn(t, x, q, axis=None, method="linear", keepdims=False, _d=div, _n=nan):
            qq = (np.asarray(q) / _d).tolist()
            return t_quantile(t, x, qq, axis, method, keepdims, _n)

        E.append(Entry(name, getattr(ops, name), ref, tfn,
                       _quantile_samples(Sample, name, scale, nan)))
    for name, nan in [("median", False), ("nanmedian", True)]:
        samples = tuple(Sample(s.name, s.inputs, {k: v for k, v in s.params.items()
                                                  if k not in ("q", "method")}, s.dtypes,
                               s.gradcheck)
                        for s in _quantile_samples(Sample, name, 1.0, nan)
                        if "method" not in s.params and np.ndim(s.params["q"]) == 0)
        E.append(Entry(name, getattr(ops, name),
                       lambda x, axis=None, keepdims=False, _n=nan: np_quantile(
                           x, 0.5, axis, "linear", keepdims, _n),
                       lambda t, x, axis=None, keepdims=False, _n=nan: t_quantile(
                           t, x, 0.5, axis, "linear", keepdims, _n),
                       samples + (Sample("even", (np.array([3.0, 1.0, 4.0, 2.5]),)),)))
    rng = S.rng_for("average")
    x = S.normal(rng, (3, 4))
    w = rng.uniform(0.5, 2.0, (3, 4))
    E.append(Entry(
        "average", lambda x, w=None, axis=None: ops.average(x, axis=axis, weights=w),
        lambda x, w=None, axis=None: np.mean(x, axis=axis) if w is None else (
            np.sum(x * (w if w.shape == x.shape else w.reshape(
                [-1 if a == axis % x.ndim else 1 for a in range(x.ndim)])), axis=axis)
            / np.sum(np.broadcast_to(w if w.shape == x.shape else w.reshape(
                [-1 if a == axis % x.ndim else 1 for a in range(x.ndim)]), x.shape),
                axis=axis)),
        lambda t, x, w=None, axis=None: (x.mean() if axis is None else x.mean(axis)) if w is None
        else ((x * (w if w.shape == x.shape else w.reshape(
            [-1 if a == axis % x.ndim else 1 for a in range(x.ndim)]))).sum(
            *(() if axis is None else (axis,))) / (w if w.shape == x.shape else w.reshape(
                [-1 if a == axis % x.ndim else 1 for a in range(x.ndim)])).expand_as(x).sum(
            *(() if axis is None else (axis,)))),
        (Sample("weights_all", (x, w)), Sample("weights_axis0", (x, w), {"axis": 0}),
         Sample("weights_1d_axis1", (x, rng.uniform(0.5, 2.0, (4,))), {"axis": 1}),
         Sample("no_weights", (x, None), {"axis": 1}),
         Sample("0d", (np.asarray(1.5), np.asarray(2.0))))))
    return E


def _sort_entries(Entry, Sample):
    E = []

    def samples(name):
        rng = S.rng_for(name)
        return (Sample("last", (S.distinct(rng, (3, 4)),)),
                Sample("axis0", (S.distinct(rng, (3, 4)),), {"axis": 0}),
                Sample("3d", (S.distinct(rng, (2, 3, 4)),), {"axis": 1}),
                Sample("size0", (np.zeros((0, 3)),), {"axis": -1}),
                Sample("1d", (S.distinct(rng, (6,)),)))

    E.append(Entry("sort", ops.sort, lambda x, axis=-1: np.sort(x, axis=axis),
                   lambda t, x, axis=-1: t.sort(x, dim=axis).values, samples("sort")))
    E.append(Entry("argsort", ops.argsort, lambda x, axis=-1: np.argsort(x, axis=axis),
                   lambda t, x, axis=-1: t.argsort(x, dim=axis).int(), samples("argsort"),
                   out_dtype="int32"))
    E.append(Entry("argpartition", lambda x, kth, axis=-1: ops.argpartition(x, kth, axis),
                   lambda x, kth, axis=-1: np.argsort(x, axis=axis, kind="stable"),
                   lambda t, x, kth, axis=-1: t.argsort(x, dim=axis, stable=True).int(),
                   tuple(Sample(s.name, s.inputs, {**s.params, "kth": 0})
                         for s in samples("argpartition") if s.name != "size0")
                   + (Sample("0d_kth", (np.array([3.0, 1.0, 2.0]),), {"kth": 1}),
                      Sample("size0_rows", (np.zeros((0, 3)),), {"kth": 2})),
                   out_dtype="int32"))
    rng = S.rng_for("searchsorted")
    seq = np.sort(S.distinct(rng, (6,)))
    vals = S.distinct(rng, (2, 3))
    ss = (Sample("left", (seq, vals)), Sample("right", (seq, np.r_[seq[:3], 9.0]),
                                                {"side": "right"}),
          Sample("ties_left", (seq, seq.copy())), Sample("0d", (seq, np.asarray(0.1))),
          Sample("size0", (seq, np.zeros((0,)))))
    E.append(Entry("searchsorted", ops.searchsorted,
                   lambda s, v, side="left": np.searchsorted(s, v, side=side),
                   lambda t, s, v, side="left": t.searchsorted(s, v, right=side == "right").int(),
                   ss, out_dtype="int32"))
    bins = np.array([-1.0, 0.0, 0.5, 2.0])
    E.append(Entry("digitize", ops.digitize,
                   lambda x, b: np.sum(x[..., None] >= b, axis=-1),
                   lambda t, x, b: t.bucketize(x, b, right=True).int(),
                   (Sample("2d", (S.distinct(rng, (3, 4)), bins)),
                    Sample("edges", (bins.copy(), bins)),
                    Sample("0d", (np.asarray(0.2), bins)),
                    Sample("size0", (np.zeros((0, 2)), bins))),
                   out_dtype="int32"))
    return E


def reduce_entries(Entry, Sample):
    return tuple(_reduction_entries(Entry, Sample) + _scan_entries(Entry, Sample)
                 + _order_entries(Entry, Sample) + _sort_entries(Entry, Sample))
