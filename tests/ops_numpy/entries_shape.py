"""Op-table entries for keras.ops.numpy's gathering, shape, creation and product ops:

    TABLE += shape_entries(Entry, Sample)

References are NumPy float64 (gathers by explicit index arithmetic, products by einsum or
loops); creation ops take a template integer array whose shape is the requested shape (so the
table's size-0 and 0-d samples apply to them too).
"""

import importlib.util
import itertools
from pathlib import Path

import numpy as np

from ember import ops

_spec = importlib.util.spec_from_file_location("ember_numpy_samplers_shape",
                                               Path(__file__).with_name("samplers.py"))
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)


def _n(rng):
    return lambda *shape: S.normal(rng, shape)


def _ti(t, a):
    return t.as_tensor(np.asarray(a))


def _gather_entries(Entry, Sample):
    rng = S.rng_for("take")
    n = _n(rng)
    take_s = (Sample("flat", (n(3, 4), np.array([0, 5, 11, 5]))),
              Sample("axis1", (n(3, 4), np.array([[1, 3], [0, 1]])), {"axis": 1}),
              Sample("negative", (n(5,), np.array([-1, -5, 2])), {"axis": 0}),
              Sample("scalar_index", (n(3, 4), np.asarray(2)), {"axis": 0}),
              Sample("size0", (n(3, 4), np.zeros((0,), np.int64)), {"axis": 1}))

    def np_take(x, idx, axis=None):
        if axis is None:
            x, axis = x.reshape(-1), 0
        idx = idx % x.shape[axis]
        moved = np.moveaxis(x, axis, 0)
        out = np.stack([moved[i] for i in idx.reshape(-1)]) if idx.size else moved[:0]
        out = out.reshape(idx.shape + moved.shape[1:])
        return np.moveaxis(out, list(range(idx.ndim)), list(range(axis, axis + idx.ndim)))

    def t_take(t, x, idx, axis=None):
        if axis is None:
            return x.reshape(-1)[_ti(t, idx % x.numel())]
        return t.movedim(x.movedim(axis, 0)[_ti(t, idx % x.shape[axis])],
                         list(range(idx.ndim)), list(range(axis, axis + idx.ndim)))
    E = [Entry("take", ops.take, np_take, t_take, take_s)]
    rng = S.rng_for("take_along_axis")
    n = _n(rng)
    tal = (Sample("axis1", (n(3, 4), rng.integers(0, 4, (3, 2)))),
           Sample("axis0", (n(3, 4), rng.integers(0, 3, (5, 4))), {"axis": 0}),
           Sample("broadcast", (n(3, 4), rng.integers(0, 4, (1, 3))), {"axis": 1}),
           Sample("flat", (n(2, 3), rng.integers(0, 6, (4,))), {"axis": None}),
           Sample("size0", (n(0, 4), np.zeros((0, 2), np.int64))))

    def np_tal(x, idx, axis=-1):
        if axis is None:
            x, axis = x.reshape(-1), 0
        shape = np.broadcast_shapes(tuple(1 if a == axis % x.ndim else s
                                          for a, s in enumerate(x.shape)),
                                    tuple(1 if a == axis % x.ndim else s
                                          for a, s in enumerate(idx.shape)))
        xs = list(shape)
        xs[axis % x.ndim] = x.shape[axis]
        ish = list(shape)
        ish[axis % x.ndim] = idx.shape[axis]
        xb, ib = np.broadcast_to(x, xs), np.broadcast_to(idx, ish)
        out = np.zeros(ish)
        for pos in itertools.product(*[range(k) for k in ish]):
            src = list(pos)
            src[axis % x.ndim] = ib[pos]
            out[pos] = xb[tuple(src)]
        return out

    def t_tal(t, x, idx, axis=-1):
        if axis is None:
            return x.reshape(-1)[_ti(t, idx)]
        shape = np.broadcast_shapes(tuple(1 if a == axis % x.ndim else s
                                          for a, s in enumerate(x.shape)),
                                    tuple(1 if a == axis % x.ndim else s
                                          for a, s in enumerate(idx.shape)))
        xs, ish = list(shape), list(shape)
        xs[axis % x.ndim], ish[axis % x.ndim] = x.shape[axis], idx.shape[axis]
        return t.gather(x.expand(xs), axis, _ti(t, np.broadcast_to(idx, ish)))
    E.append(Entry("take_along_axis",
                   lambda x, i, axis=-1: ops.take_along_axis(x, i, axis=axis), np_tal, t_tal, tal))
    rng = S.rng_for("select")
    x = S.normal(rng, (3, 4))
    E.append(Entry("select",
                   lambda x, y, default=0.0: ops.select([x < -0.5, x > 0.5], [x * 2.0, y],
                                                        default),
                   lambda x, y, default=0.0: np.where(x < -0.5, x * 2, np.where(x > 0.5, y,
                                                                                default)),
                   lambda t, x, y, default=0.0: t.where(x < -0.5, x * 2, t.where(
                       x > 0.5, y.expand_as(x) if y.ndim else y * t.ones_like(x),
                       t.tensor(default, dtype=x.dtype))),
                   (Sample("same", (x, S.normal(rng, (3, 4)))),
                    Sample("row", (x, S.normal(rng, (4,))), {"default": -2.0}),
                    Sample("0d", (np.asarray(0.9), np.asarray(3.0))),
                    Sample("size0", (np.zeros((0, 2)), np.zeros((2,)))))))
    rng = S.rng_for("get_item")
    x = S.normal(rng, (3, 4))
    E.append(Entry("get_item", lambda x, key: ops.get_item(x, key), lambda x, key: x[key],
                   lambda t, x, key: x[tuple(_ti(t, k) if isinstance(k, np.ndarray) else k
                                             for k in key) if isinstance(key, tuple) else key],
                   (Sample("slice", (x,), {"key": (slice(1, 3), 2)}),
                    Sample("int", (x,), {"key": 1}),
                    Sample("array", (x,), {"key": (np.array([0, 2, 0]),)}),
                    Sample("0d", (np.asarray(1.5),), {"key": ()}),
                    Sample("size0", (x,), {"key": (slice(2, 2),)}))))
    return E


def _index_result_entries(Entry, Sample):
    rng = S.rng_for("index_results")
    E = []
    ints = rng.integers(0, 5, (8,))
    E.append(Entry("bincount", ops.bincount,
                   lambda x, weights=None, minlength=0: np.array(
                       [np.sum(x == v) for v in range(max(int(x.max(initial=-1)) + 1,
                                                          minlength))], dtype=np.int32),
                   lambda t, x, minlength=0: t.bincount(x, minlength=minlength).int(),
                   (Sample("counts", (ints,)), Sample("minlength", (ints,), {"minlength": 9}),
                    Sample("size0", (np.zeros((0,), np.int64),), {"minlength": 3}),
                    Sample("ones", (np.ones((4,), np.int64),))), out_dtype="int32"))
    vals = np.array([3.0, 1.0, 3.0, 2.0, 1.0, 3.0])
    E.append(Entry("unique", ops.unique, lambda x: np.array(sorted(set(x.reshape(-1).tolist()))),
                   lambda t, x: t.unique(x, sorted=True),
                   (Sample("1d", (vals,)), Sample("2d", (vals.reshape(2, 3),)),
                    Sample("0d", (np.asarray(2.0),)), Sample("size0", (np.zeros((0,)),))),
                   out_dtype=None))
    E.append(Entry("unravel_index", lambda i, shape: ops.unravel_index(i, shape),
                   lambda i, shape: tuple(np.asarray(c, dtype=np.int32) for c in
                                          np.unravel_index(i, shape)),
                   lambda t, i, shape: tuple(c.int() for c in t.unravel_index(i, shape)),
                   (Sample("1d", (np.array([0, 5, 11]),), {"shape": (3, 4)}),
                    Sample("2d", (np.array([[1, 2], [3, 23]]),), {"shape": (2, 3, 4)}),
                    Sample("0d", (np.asarray(7),), {"shape": (3, 4)}),
                    Sample("size0", (np.zeros((0,), np.int64),), {"shape": (2, 2)})),
                   out_dtype="int32", multi_output=True))
    x = S.normal(rng, (12,))
    E.append(Entry("histogram", lambda x, bins=10, range=None: ops.histogram(x, bins, range)[0],  # noqa: A006
                   lambda x, bins=10, range=None: np.array(  # noqa: A006
                       [np.sum((x >= lo) & ((x < hi) | ((hi == e[-1]) & (x == hi))))
                        for e in [np.linspace(*(range or (x.min(initial=0), x.max(initial=1))),
                                              bins + 1)] for lo, hi in zip(e[:-1], e[1:])],
                       dtype=np.int32),
                   lambda t, x, bins=10, range=None: t.histc(  # noqa: A006
                       x, bins, *(range or (float(x.min()), float(x.max())))).int(),
                   (Sample("default", (x,)), Sample("bins4", (x,), {"bins": 4}),
                    Sample("range", (x,), {"bins": 5, "range": (-1.0, 1.0)}),
                    Sample("size0", (np.zeros((0,)),), {"bins": 3, "range": (0.0, 1.0)})),
                   out_dtype="int32"))
    a = np.array([[1.0, 2.0, 3.0], [4.0, 2.0, 0.0]])
    E.append(Entry("isin", lambda x, y, invert=False: ops.isin(x, y, invert=invert),
                   lambda x, y, invert=False: (x[..., None] == y.reshape(-1)).any(-1) != invert,
                   lambda t, x, y, invert=False: t.isin(x, y, invert=invert),
                   (Sample("2d", (a, np.array([2.0, 0.0]))), Sample("invert", (a, np.array([4.0])),
                                                                    {"invert": True}),
                    Sample("0d", (np.asarray(2.0), a)), Sample("size0", (np.zeros((0,)), a))),
                   out_dtype="bool"))
    m = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    E.append(Entry("nonzero", ops.nonzero,
                   lambda x: tuple(np.asarray(i, dtype=np.int32) for i in np.nonzero(x)),
                   lambda t, x: tuple(i.int() for i in t.nonzero(x, as_tuple=True)),
                   (Sample("2d", (m,)), Sample("1d", (m[0],)), Sample("none", (np.zeros((2, 2)),)),
                    Sample("size0", (np.zeros((0, 3)),))), out_dtype="int32", multi_output=True))
    return E


def _t_moveaxis(t, x, source, destination):
    return t.movedim(x, source, destination)


def _shape_entries(Entry, Sample):
    rng = S.rng_for("shape_ops")
    n = _n(rng)
    E = []

    def join(name, ref, tfn, samples):
        op = getattr(ops, name)
        E.append(Entry(name, lambda *xs, _o=op, **kw: _o(list(xs), **kw),
                       ref, tfn, samples))

    join("concatenate", lambda *xs, axis=0: np.concatenate(
        [x.reshape(-1) for x in xs] if axis is None else xs, axis=axis or 0),
         lambda t, *xs, axis=0: t.cat([x.reshape(-1) for x in xs] if axis is None else xs,
                                      dim=axis or 0),
         (Sample("axis0", (n(2, 3), n(1, 3))), Sample("axis1", (n(2, 3), n(2, 1)), {"axis": 1}),
          Sample("none", (n(2, 3), n(4)), {"axis": None}), Sample("size0", (n(0, 3), n(2, 3)))))
    join("hstack", lambda *xs: np.concatenate(xs, axis=0 if xs[0].ndim == 1 else 1),
         lambda t, *xs: t.hstack(xs),
         (Sample("2d", (n(2, 3), n(2, 1))), Sample("1d", (n(3), n(2))),
          Sample("3d", (n(2, 1, 2), n(2, 3, 2))), Sample("size0", (n(0), n(2)))))
    join("vstack", lambda *xs: np.concatenate([x.reshape(1, -1) if x.ndim < 2 else x
                                               for x in xs], axis=0),
         lambda t, *xs: t.vstack(xs),
         (Sample("2d", (n(2, 3), n(1, 3))), Sample("1d", (n(3), n(3))),
          Sample("0d", (np.asarray(1.0), np.asarray(2.0))), Sample("size0", (n(0, 3), n(2, 3)))))
    join("dstack", lambda *xs: np.concatenate([x.reshape(1, -1, 1) if x.ndim < 2 else (
        x[..., None] if x.ndim == 2 else x) for x in xs], axis=2),
         lambda t, *xs: t.dstack(xs),
         (Sample("2d", (n(2, 3), n(2, 3))), Sample("1d", (n(3), n(3))),
          Sample("3d", (n(2, 1, 2), n(2, 1, 1))), Sample("size0", (n(0, 2, 1), n(0, 2, 3)))))
    E.append(Entry("append", ops.append,
                   lambda a, b, axis=None: np.concatenate(
                       [a.reshape(-1), b.reshape(-1)] if axis is None else [a, b], axis=axis or 0),
                   lambda t, a, b, axis=None: t.cat(
                       [a.reshape(-1), b.reshape(-1)] if axis is None else [a, b], dim=axis or 0),
                   (Sample("flat", (n(2, 3), n(2))), Sample("axis1", (n(2, 3), n(2, 2)),
                                                              {"axis": 1}),
                    Sample("0d", (np.asarray(1.0), n(2))), Sample("size0", (n(0), n(0))))))

    def np_split_at(x, bounds, axis):
        return [np.take(x, np.arange(a, b), axis=axis)
                for a, b in zip([0, *bounds], [*bounds, x.shape[axis]])]

    def np_array_split(x, indices_or_sections, axis=0):
        ios = indices_or_sections
        if isinstance(ios, int):
            q, r = divmod(x.shape[axis], ios)
            sizes = [q + 1] * r + [q] * (ios - r)
            return np_split_at(x, list(np.cumsum(sizes)[:-1]), axis)
        return np_split_at(x, list(ios), axis)

    def t_array_split(t, x, indices_or_sections, axis=0):
        ios = indices_or_sections
        return list(t.tensor_split(x, ios, dim=axis))
    E.append(Entry("array_split", ops.array_split, np_array_split, t_array_split,
                   (Sample("uneven", (n(7, 2),), {"indices_or_sections": 3}),
                    Sample("indices", (n(2, 6),), {"indices_or_sections": [1, 4], "axis": 1}),
                    Sample("more_than_length", (n(2),), {"indices_or_sections": 3}),
                    Sample("size0", (n(0, 2),), {"indices_or_sections": 2})),
                   multi_output=True))
    for name, axis in [("hsplit", 1), ("vsplit", 0), ("dsplit", 2)]:
        shape = {0: (4, 3), 1: (3, 4), 2: (2, 3, 4)}[axis]
        x = n(*shape)
        samples = (Sample("sections", (x,), {"indices_or_sections": 2}),
                   Sample("indices", (x,), {"indices_or_sections": [1, 3]}),
                   Sample("one", (x,), {"indices_or_sections": 1}),
                   Sample("size0", (np.zeros(tuple(0 if a != axis else k for a, k in
                                                   enumerate(shape))),),
                          {"indices_or_sections": 2}))
        if name == "hsplit":
            samples = samples + (Sample("1d", (n(6),), {"indices_or_sections": 3}),)
        E.append(Entry(name, getattr(ops, name),
                       lambda x, indices_or_sections, _a=axis: np_array_split(
                           x, indices_or_sections, 0 if x.ndim == 1 else _a),
                       lambda t, x, indices_or_sections, _n=name: list(getattr(t, _n)(
                           x, indices_or_sections)),
                       samples, multi_output=True))
    x3 = n(2, 3, 4)
    E.append(Entry("moveaxis", ops.moveaxis,
                   lambda x, source, destination: np.transpose(x, _moved(x.ndim, source,
                                                                         destination)),
                   _t_moveaxis,
                   (Sample("one", (x3,), {"source": 0, "destination": -1}),
                    Sample("two", (x3,), {"source": (0, 1), "destination": (2, 0)}),
                    Sample("same", (x3,), {"source": 1, "destination": 1}),
                    Sample("size0", (n(0, 2),), {"source": 0, "destination": 1}))))
    E.append(Entry("ravel", ops.ravel, lambda x: x.reshape(-1), lambda t, x: x.reshape(-1),
                   S.unary_samples(Sample, "ravel", S.uniform(-1, 1))))

    def np_flip(x, axis=None):
        axes = range(x.ndim) if axis is None else [a % x.ndim for a in np.atleast_1d(axis)]
        for a in axes:
            x = np.take(x, np.arange(x.shape[a])[::-1], axis=a)
        return x

    def t_flip(t, x, axis=None):
        return t.flip(x, list(range(x.ndim)) if axis is None else list(np.atleast_1d(axis)))
    E.append(Entry("flip", ops.flip, np_flip, t_flip,
                   (Sample("all", (x3,)), Sample("axis1", (x3,), {"axis": 1}),
                    Sample("axes", (x3,), {"axis": (0, -1)}), Sample("0d", (np.asarray(1.0),)),
                    Sample("size0", (n(0, 2),), {"axis": 0}))))
    E.append(Entry("fliplr", ops.fliplr, lambda x: np_flip(x, 1), lambda t, x: t.fliplr(x),
                   (Sample("2d", (n(2, 3),)), Sample("3d", (x3,)), Sample("col", (n(3, 1),)),
                    Sample("size0", (n(0, 2),)))))
    E.append(Entry("flipud", ops.flipud, lambda x: np_flip(x, 0), lambda t, x: t.flipud(x),
                   (Sample("2d", (n(2, 3),)), Sample("1d", (n(4),)), Sample("3d", (x3,)),
                    Sample("size0", (n(0, 2),)))))

    def np_rot90(x, k=1, axes=(0, 1)):
        k %= 4
        for _ in range(k):  # one turn: reverse the second axis, then swap the two
            x = np.swapaxes(np_flip(x, axes[1]), axes[0], axes[1])
        return x
    E.append(Entry("rot90", ops.rot90, np_rot90,
                   lambda t, x, k=1, axes=(0, 1): t.rot90(x, k, list(axes)),
                   (Sample("k1", (n(2, 3),)), Sample("k2", (n(2, 3),), {"k": 2}),
                    Sample("k3_axes", (x3,), {"k": 3, "axes": (1, 2)}),
                    Sample("k_neg", (n(2, 3),), {"k": -1}), Sample("size0", (n(0, 2),)))))

    def np_roll(x, shift, axis=None):
        if axis is None:
            return np_roll(x.reshape(-1), shift, 0).reshape(x.shape)
        for s, a in zip(np.atleast_1d(shift), np.atleast_1d(axis)):
            k = x.shape[a]
            x = np.take(x, (np.arange(k) - s) % k if k else np.arange(0), axis=a)
        return x
    E.append(Entry("roll", ops.roll, np_roll,
                   lambda t, x, shift, axis=None: t.roll(x, shift, axis),
                   (Sample("flat", (n(3, 4),), {"shift": 5}),
                    Sample("axis1", (n(3, 4),), {"shift": -1, "axis": 1}),
                    Sample("two_axes", (x3,), {"shift": (1, 2), "axis": (0, 2)}),
                    Sample("size0", (n(0, 3),), {"shift": 1, "axis": 1}))))

    def np_diagonal(x, offset=0, axis1=0, axis2=1):
        moved = np.moveaxis(x, (axis1, axis2), (-2, -1))
        n1, n2 = moved.shape[-2:]
        idx = [(i, i + offset) for i in range(n1) if 0 <= i + offset < n2]
        if not idx:
            return np.zeros(moved.shape[:-2] + (0,))
        return np.stack([moved[..., i, j] for i, j in idx], axis=-1)
    E.append(Entry("diagonal", ops.diagonal, np_diagonal,
                   lambda t, x, offset=0, axis1=0, axis2=1: t.diagonal(x, offset, axis1, axis2),
                   (Sample("square", (n(3, 3),)), Sample("offset", (n(3, 4),), {"offset": 1}),
                    Sample("neg_offset", (n(4, 3),), {"offset": -2}),
                    Sample("3d_axes", (x3,), {"axis1": 1, "axis2": 2}),
                    Sample("size0", (n(0, 3),)))))
    E.append(Entry("trace", ops.trace,
                   lambda x, offset=0, axis1=0, axis2=1: np_diagonal(x, offset, axis1,
                                                                     axis2).sum(-1),
                   lambda t, x, offset=0, axis1=0, axis2=1: t.diagonal(
                       x, offset, axis1, axis2).sum(-1),
                   (Sample("square", (n(3, 3),)), Sample("offset", (n(3, 4),), {"offset": 1}),
                    Sample("3d_axes", (x3,), {"axis1": 2, "axis2": 0}),
                    Sample("size0", (n(0, 3),)))))

    def np_diag(x, k=0):
        if x.ndim == 2:
            return np_diagonal(x, k)
        m = x.shape[0] + abs(k)
        out = np.zeros((m, m))
        for i, v in enumerate(x):
            out[i + max(-k, 0), i + max(k, 0)] = v
        return out
    E.append(Entry("diag", ops.diag, np_diag, lambda t, x, k=0: t.diag(x, k),
                   (Sample("vector", (n(3),)), Sample("vector_k", (n(2),), {"k": 1}),
                    Sample("vector_neg_k", (n(2),), {"k": -2}), Sample("matrix", (n(3, 4),),
                                                                        {"k": 1}),
                    Sample("size0", (n(0),)))))
    E.append(Entry("diagflat", ops.diagflat, lambda x, k=0: np_diag(x.reshape(-1), k),
                   lambda t, x, k=0: t.diagflat(x, k),
                   (Sample("2d", (n(2, 2),)), Sample("k", (n(3),), {"k": -1}),
                    Sample("0d", (np.asarray(2.0),)), Sample("size0", (n(0, 2),)))))
    for name, lower in [("tril", True), ("triu", False)]:
        E.append(Entry(name, getattr(ops, name),
                       lambda x, k=0, _l=lower: x * np.array(
                           [[(j - i <= k) == _l or (j - i == k) for j in range(x.shape[-1])]
                            for i in range(x.shape[-2])], dtype=float).reshape(
                           x.shape[-2:]),
                       lambda t, x, k=0, _n=name: getattr(t, _n)(x, k),
                       (Sample("square", (n(3, 3),)), Sample("k1", (n(3, 4),), {"k": 1}),
                        Sample("k_neg", (x3,), {"k": -1}), Sample("size0", (n(0, 3),)))))
    E.append(Entry("meshgrid", lambda *xs, **kw: ops.meshgrid(*xs, **kw),
                   lambda *xs, indexing="xy": [np.broadcast_to(
                       x.reshape([-1 if a == (i if indexing == "ij" or len(xs) < 2 or i > 1
                                              else 1 - i) else 1 for a in range(len(xs))]),
                       [len(v) for v in (xs if indexing == "ij" or len(xs) < 2
                                         else (xs[1], xs[0], *xs[2:]))])
                       for i, x in enumerate(xs)],
                   lambda t, *xs, indexing="xy": list(t.meshgrid(*xs, indexing=indexing)),
                   (Sample("xy", (n(3), n(2))), Sample("ij", (n(3), n(2)), {"indexing": "ij"}),
                    Sample("three", (n(2), n(3), n(2))), Sample("size0", (n(0), n(2)))),
                   multi_output=True))
    return E


def _moved(ndim, source, destination):
    src = [s % ndim for s in np.atleast_1d(source)]
    dst = [d % ndim for d in np.atleast_1d(destination)]
    order = [None] * ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(a for a in range(ndim) if a not in src)
    return [next(rest) if o is None else o for o in order]


def shape_entries(Entry, Sample):
    mod = importlib.util.spec_from_file_location("ember_numpy_entries_products",
                                                 Path(__file__).with_name("entries_products.py"))
    products = importlib.util.module_from_spec(mod)
    mod.loader.exec_module(products)
    return tuple(_gather_entries(Entry, Sample) + _index_result_entries(Entry, Sample)
                 + _shape_entries(Entry, Sample)
                 + list(products.product_entries(Entry, Sample)))
