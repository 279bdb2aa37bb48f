"""Op-table entries for Keras' core ops (keras.ops.core) that compute tensors: saturate_cast,
slice, slice_update, scatter, scatter_update, unstack, rearrange, stop_gradient and view:

    TABLE += core_entries(Entry, Sample)

(shape, dtype, is_tensor, convert_to_tensor and convert_to_numpy return Python values or their
input: tests/ops_numpy/test_queries.py checks them.)
"""

import numpy as np

from ember import ops


def _rng():
    return np.random.default_rng(11)


def core_entries(Entry, Sample):
    rng = _rng()
    n = lambda *s: rng.standard_normal(s)  # noqa: E731
    E = []
    wide = np.array([[-3.0e9, -1.5, 0.4], [200.7, 300.2, 4.0e9]])
    E.append(Entry("saturate_cast", lambda x, dtype: ops.saturate_cast(x, dtype),
                   lambda x, dtype: np.clip(x, np.iinfo(dtype).min, np.iinfo(dtype).max)
                   .astype(dtype) if np.dtype(dtype).kind in "iu" else x.astype(dtype),
                   lambda t, x, dtype: x.clamp(float(np.iinfo(dtype).min),
                                               float(np.iinfo(dtype).max)).to(getattr(t, dtype))
                   if np.dtype(dtype).kind in "iu" else x.to(getattr(t, dtype)),
                   (Sample("uint8", (wide,), {"dtype": "uint8"}),
                    Sample("int8", (wide,), {"dtype": "int8"}),
                    Sample("int16", (wide,), {"dtype": "int16"}),
                    Sample("0d", (np.asarray(-7.5),), {"dtype": "uint8"}),
                    Sample("size0", (np.zeros((0, 2)),), {"dtype": "int16"})),
                   out_dtype=lambda p: p["dtype"]))
    E.append(Entry("slice", lambda x, start_indices, shape: ops.slice(x, start_indices, shape),
                   lambda x, start_indices, shape: x[tuple(
                       slice(s, s + k) for s, k in zip(start_indices, shape))],
                   lambda t, x, start_indices, shape: x[tuple(
                       slice(s, s + k) for s, k in zip(start_indices, shape))],
                   (Sample("2d", (n(3, 4),), {"start_indices": (1, 1), "shape": (2, 2)}),
                    Sample("3d", (n(2, 3, 4),), {"start_indices": (0, 1, 2), "shape": (2, 1, 2)}),
                    Sample("full", (n(2, 2),), {"start_indices": (0, 0), "shape": (2, 2)}),
                    Sample("0d", (np.asarray(1.0),), {"start_indices": (), "shape": ()}),
                    Sample("size0", (n(3, 4),), {"start_indices": (1, 0), "shape": (0, 4)}))))
    # (saturate_cast: integer targets here; a float target is clip + cast, differentiable)

    def np_slice_update(x, u, start_indices):
        if x.ndim == 0:
            return np.array(u, dtype=float)
        out = x.copy()
        out[tuple(slice(s, s + k) for s, k in zip(start_indices, u.shape))] = u
        return out

    def t_slice_update(t, x, u, start_indices):
        if x.ndim == 0:
            return u + 0 * x
        out = x.clone()
        out[tuple(slice(s, s + k) for s, k in zip(start_indices, u.shape))] = u
        return out
    E.append(Entry("slice_update",
                   lambda x, u, start_indices: ops.slice_update(x, start_indices, u),
                   np_slice_update, t_slice_update,
                   (Sample("2d", (n(3, 4), n(2, 2)), {"start_indices": (1, 2)}),
                    Sample("3d", (n(2, 3, 4), n(1, 3, 2)), {"start_indices": (1, 0, 1)}),
                    Sample("whole", (n(2, 2), n(2, 2)), {"start_indices": (0, 0)}),
                    Sample("0d", (np.asarray(1.0), np.asarray(5.0)), {"start_indices": ()}),
                    Sample("size0", (n(2, 3), n(0, 3)), {"start_indices": (1, 0)}))))

    def np_scatter(idx, v, shape):
        out = np.zeros(shape)
        for i, row in enumerate(idx):
            out[tuple(row)] += v[i]
        return out

    def t_scatter(t, idx, v, shape):
        out = t.zeros(shape, dtype=v.dtype)
        return out.index_put(tuple(idx.T), v, accumulate=True)
    E.append(Entry("scatter", lambda i, v, shape: ops.scatter(i, v, shape), np_scatter,
                   t_scatter,
                   (Sample("1d_dups", (np.array([[0], [2], [0]]), n(3)), {"shape": (4,)}),
                    Sample("2d_points", (np.array([[0, 1], [2, 2]]), n(2)), {"shape": (3, 3)}),
                    Sample("rows", (np.array([[1], [0]]), n(2, 3)), {"shape": (2, 3)}),
                    Sample("size0", (np.zeros((0, 1), np.int64), n(0, 2)), {"shape": (3, 2)}))))

    def np_scatter_update(x, idx, u, reduction=None):
        out = x.copy()
        for i, row in enumerate(idx):
            if reduction is None:
                out[tuple(row)] = u[i]
            else:
                out[tuple(row)] += u[i]
        return out

    def t_scatter_update(t, x, idx, u, reduction=None):
        return x.index_put(tuple(idx.T), u, accumulate=reduction == "add")
    E.append(Entry("scatter_update", ops.scatter_update, np_scatter_update, t_scatter_update,
                   (Sample("points", (n(3, 3), np.array([[0, 1], [2, 0]]), n(2))),
                    Sample("rows", (n(3, 2), np.array([[2], [0]]), n(2, 2))),
                    Sample("add_dups", (n(4), np.array([[1], [1], [3]]), n(3)),
                           {"reduction": "add"}),
                    Sample("size0", (n(2, 2), np.zeros((0, 2), np.int64), n(0))))))
    E.append(Entry("unstack", ops.unstack,
                   lambda x, num=None, axis=0: [np.take(x, i, axis=axis)
                                                for i in range(x.shape[axis])],
                   lambda t, x, num=None, axis=0: list(t.unbind(x, axis)),
                   (Sample("axis0", (n(3, 2),)), Sample("axis1", (n(2, 3, 2),), {"axis": 1}),
                    Sample("neg", (n(2, 4),), {"axis": -1, "num": 4}),
                    Sample("size0_rows", (n(2, 0),), {"axis": 0})),
                   multi_output=True))
    E.append(Entry("rearrange", ops.rearrange,
                   lambda x, pattern, **k: _np_rearrange(x, pattern, **k),
                   _t_rearrange,
                   (Sample("permute", (n(2, 3, 4),), {"pattern": "b h w -> w b h"}),
                    Sample("merge", (n(2, 3, 4),), {"pattern": "b h w -> b (h w)"}),
                    Sample("split", (n(6, 4),), {"pattern": "(a b) c -> b a c", "a": 2}),
                    Sample("size0", (n(0, 4),), {"pattern": "b (h w) -> b h w", "h": 2}))))
    E.append(Entry("stop_gradient", ops.stop_gradient, lambda x: x.copy(),
                   lambda t, x: x.detach(),
                   (Sample("2d", (n(2, 3),)), Sample("0d", (np.asarray(1.0),)),
                    Sample("size0", (n(0, 2),)), Sample("3d", (n(2, 1, 2),))),
                   ))
    ints = np.arange(-3, 3, dtype=np.int32).reshape(2, 3)
    E.append(Entry("view", lambda x, dtype: ops.view(x, dtype),
                   lambda x, dtype: np.frombuffer(x.tobytes(), dtype).reshape(
                       x.shape[:-1] + (x.shape[-1] * x.itemsize // np.dtype(dtype).itemsize,)),
                   lambda t, x, dtype: x.contiguous().view(getattr(t, dtype)) if x.numel() else
                   t.zeros(x.shape[:-1] + (x.shape[-1] * 4 // np.dtype(dtype).itemsize,),
                           dtype=getattr(t, dtype)),
                   (Sample("uint8", (ints,), {"dtype": "uint8"}),
                    Sample("float32", (ints,), {"dtype": "float32"}),
                    Sample("int16", (ints[0],), {"dtype": "int16"}),
                    Sample("size0", (np.zeros((0, 2), np.int32),), {"dtype": "uint8"})),
                   out_dtype=lambda p: p["dtype"]))
    return tuple(E)


def _groups(side):
    import re  # noqa: PLC0415

    return [g.strip("()").split() if g.startswith("(") else [g]
            for g in re.findall(r"\w+|\(.*?\)", side)]


def _np_rearrange(x, pattern, **sizes):
    left, right = pattern.split("->")
    ins, outs = _groups(left), _groups(right)
    sizes = dict(sizes)
    for g, k in zip(ins, x.shape):
        known = int(np.prod([sizes[a] for a in g if a in sizes]))
        for a in g:
            sizes.setdefault(a, k // known if known else 0)
    flat_in = [a for g in ins for a in g]
    flat_out = [a for g in outs for a in g]
    y = x.reshape([sizes[a] for a in flat_in]).transpose([flat_in.index(a) for a in flat_out])
    return y.reshape([int(np.prod([sizes[a] for a in g])) for g in outs])


def _t_rearrange(t, x, pattern, **sizes):
    left, right = pattern.split("->")
    ins, outs = _groups(left), _groups(right)
    sizes = dict(sizes)
    for g, k in zip(ins, x.shape):
        known = int(np.prod([sizes[a] for a in g if a in sizes]))
        for a in g:
            sizes.setdefault(a, k // known if known else 0)
    flat_in = [a for g in ins for a in g]
    flat_out = [a for g in outs for a in g]
    y = x.reshape([sizes[a] for a in flat_in]).permute([flat_in.index(a) for a in flat_out])
    return y.reshape([int(np.prod([sizes[a] for a in g])) for g in outs])
