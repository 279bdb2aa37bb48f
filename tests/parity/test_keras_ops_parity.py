"""ember.ops against Keras 3's keras.ops (torch backend) on every op-table sample of the ops
that Keras names: the same inputs (float32 arrays, integer arrays, Python scalars) give the same
values (float32 tolerance) and the same dtypes.

Skipped when keras (or torch) is not installed. Where an op-table entry wraps its op (a creation
op given a template array, an op taking a list), `KERAS_CALLS` spells the same call for Keras.
"""

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":  # pragma: no cover - another backend was forced
    pytest.skip("the Keras parity tests run Keras on its torch backend", allow_module_level=True)
kops = keras.ops


def load_op_table():
    name = "ember_op_table"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "ops" / "op_table.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


op_table = load_op_table()


def _shape_of(x):
    return tuple(x.shape)


KERAS_CALLS = {
    "zeros": lambda x, **kw: kops.zeros(_shape_of(x), **kw),
    "ones": lambda x, **kw: kops.ones(_shape_of(x), **kw),
    "empty": lambda x, **kw: kops.zeros(_shape_of(x), **kw),  # values of empty are unspecified
    "full": lambda x, fill_value, **kw: kops.full(_shape_of(x), fill_value, **kw),
    "arange": lambda n, **kw: kops.arange(int(n), **kw),
    "eye": lambda x, k=0: kops.eye(x.shape[0], x.shape[1], k),
    "identity": lambda x: kops.identity(x.shape[0]),
    "tri": lambda x, k=0: kops.tri(x.shape[0], x.shape[1], k),
    "bartlett": lambda m: kops.bartlett(int(m)),
    "blackman": lambda m: kops.blackman(int(m)),
    "hamming": lambda m: kops.hamming(int(m)),
    "hanning": lambda m: kops.hanning(int(m)),
    "kaiser": lambda m, beta: kops.kaiser(int(m), beta),
    "average": lambda x, w=None, axis=None: kops.average(x, axis=axis, weights=w),
    "select": lambda x, y, default=0.0: kops.select([x < -0.5, x > 0.5], [x * 2.0, y],
                                                    default),
    "concatenate": lambda *xs, **kw: kops.concatenate(list(xs), **kw),
    "hstack": lambda *xs: kops.hstack(list(xs)),
    "vstack": lambda *xs: kops.vstack(list(xs)),
    "dstack": lambda *xs: kops.dstack(list(xs)),
    "stack": lambda *xs, **kw: kops.stack(list(xs), **kw),
    "einsum": lambda *xs, subscripts: kops.einsum(subscripts, *xs),
    "slice_update": lambda x, u, start_indices: kops.slice_update(x, start_indices, u),
    "histogram": lambda x, bins=10, range=None: kops.histogram(x, bins, range)[0],  # noqa: A006
    "slogdet": lambda x: kops.slogdet(x)[1],
    "diff": lambda a, n=1, axis=-1: kops.diff(a, n, axis),
    "trapezoid": lambda y, x=None, **kw: kops.trapezoid(y, x, **kw),
    "take_along_axis": lambda x, i, axis=-1: kops.take_along_axis(x, i, axis=axis),
    "isin": lambda x, y, invert=False: kops.isin(x, y, invert=invert),
    "meshgrid": lambda *xs, **kw: kops.meshgrid(*xs, **kw),
    "get_item": lambda x, key: kops.get_item(x, key),
    "scatter": lambda i, v, shape: kops.scatter(i, v, shape),
    "unravel_index": lambda i, shape: kops.unravel_index(i, shape),
    "argpartition": lambda x, kth, axis=-1: kops.argpartition(x, kth, axis),
    "repeat": lambda x, repeats, **kw: kops.repeat(
        x, kops.convert_to_tensor(np.asarray(repeats, np.int64)) if np.ndim(repeats) else repeats,
        **kw),
    "empty_like": lambda x: kops.zeros_like(x),  # values of empty_like are unspecified
    "stop_gradient": lambda x: kops.stop_gradient(kops.convert_to_tensor(x)),
    "unstack": lambda x, **kw: kops.unstack(kops.convert_to_tensor(x), **kw),
    "nonzero": lambda x: tuple(kops.nonzero(x)),  # Keras' torch backend stacks the tuple
    "linspace": lambda a, b, **kw: kops.linspace(float(a), float(b), **kw),
    "logspace": lambda a, b, **kw: kops.logspace(float(a), float(b), **kw),
    "geomspace": lambda a, b, **kw: kops.geomspace(float(a), float(b), **kw),
}

_TORCH = "Keras' torch backend deviates from NumPy here (ember follows NumPy / Keras' docs): "
_EXT = "an ember extension Keras does not accept: "
# (op, sample) -> why Keras cannot agree; strict xfails, so a fixed Keras shows up
KNOWN = {
    **{("argpartition", k): _TORCH + "its argpartition does not put the kth smallest value at "
    "kth (row [0.1, 0.3, 0.2, 5.0], kth=0 gives index 1)" for k in ("last", "axis0", "3d", "1d")},
    ("average", "weights_all"): _TORCH + "axis=None with full-shape weights keeps an axis",
    ("average", "weights_axis0"): _TORCH + "full-shape weights with an axis give a wrong shape",
    ("clip", "min_only"): _EXT + "one-sided clip (x_max=None)",
    ("clip", "max_only"): _EXT + "one-sided clip (x_min=None)",
    ("concatenate", "none"): _EXT + "axis=None (NumPy's flattening concatenate)",
    ("array_split", "indices"): _EXT + "a list of split indices",
    ("correlate", "size1"): _TORCH + "a (1,)-shaped valid correlation comes back 0-d",
    ("correlate", "size0"): _TORCH + "empty inputs",
    ("cross", "batched"): _TORCH + "operands of different rank are not broadcast",
    ("dot", "2d_3d"): _TORCH + "N-D dot is matmul broadcasting, not NumPy's sum over the last "
    "axis of x1 and the second-to-last of x2",
    ("imag", "*"): _TORCH + "imag of a real tensor raises",
    ("linspace", "vectors"): _EXT + "tensor endpoints (torch.linspace takes numbers)",
    ("linspace", "vectors_axis_last"): _EXT + "tensor endpoints",
    ("logspace", "vectors"): _EXT + "tensor endpoints",
    ("geomspace", "vectors"): _EXT + "tensor endpoints",
    ("max", "axis_none_keepdims"): _TORCH + "keepdims=True with axis=None drops the axes",
    ("min", "axis_none_keepdims"): _TORCH + "keepdims=True with axis=None drops the axes",
    ("sum", "axis_none_keepdims"): _TORCH + "keepdims=True with axis=None drops the axes",
    ("max", "size0_kept"): _TORCH + "max over an empty tensor with non-empty result axes raises",
    ("min", "size0_kept"): _TORCH + "min over an empty tensor with non-empty result axes raises",
    ("pad", "constant_int"): _TORCH + "an int pad_width pads only the last axis",
    ("pad", "edge_2d"): _TORCH + "mode='edge' is not implemented",
    ("pad", "edge_1d"): _TORCH + "mode='edge' is not implemented",
    ("pad", "edge_3d"): _TORCH + "mode='edge' is not implemented",
    ("pad", "edge_pair"): _TORCH + "mode='edge' is not implemented",
    ("std", "ddof1"): _EXT + "ddof",
    ("var", "ddof1"): _EXT + "ddof",
    ("vdot", "2d"): _TORCH + "vdot requires 1-D tensors instead of flattening",
    ("vdot", "0d"): _TORCH + "vdot requires 1-D tensors instead of flattening",
    ("view", "size0"): _TORCH + "views of empty tensors of another itemsize fail",
}

# Dtype differences (op -> reason); the values are still compared
DTYPE_DIFFERENCES = {
    "histogram": "counts are integers (int32, as Keras' JAX backend); Keras' torch backend "
    "returns float32 counts from torch.histc",
}

CORE = ("cast", "saturate_cast", "convert_to_tensor", "convert_to_numpy", "is_tensor", "dtype",
        "shape", "slice", "slice_update", "scatter", "scatter_update", "stop_gradient",
        "unstack", "rearrange")


def _keras_names():
    """The ops of keras.ops.numpy and the core ops above that the op table holds."""
    import keras.ops.numpy as knp  # noqa: PLC0415

    names = {n for n in dir(knp) if not n.startswith("_")} | set(CORE)
    return {e.name for e in op_table.TABLE if e.name in names}


KERAS_NAMES = _keras_names()


def _cases():
    out = []
    for e in op_table.TABLE:
        if e.name not in KERAS_NAMES:
            continue
        for s in e.samples:
            why = KNOWN.get((e.name, s.name)) or KNOWN.get((e.name, "*"))
            marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
            out.append(pytest.param(e, s, id=f"{e.name}-{s.name}", marks=marks))
    return out


def _as_list(out):
    if isinstance(out, list | tuple):
        return [o for item in out for o in _as_list(item)]
    return [out]


def _keras_inputs(values):
    return [v.copy() if isinstance(v, np.ndarray) else v for v in values]


@pytest.mark.parametrize(("entry", "sample"), _cases())
def test_ember_matches_keras(entry, sample):
    values = sample.values("float32")
    ours = _as_list(entry.ember(*op_table.ember_inputs(values), **sample.params))
    call = KERAS_CALLS.get(entry.name, getattr(kops, entry.name))
    try:
        theirs = _as_list(call(*_keras_inputs(values), **sample.params))
    except Exception as e:  # noqa: BLE001 - Keras rejecting a sample is reported, not hidden
        pytest.fail(f"keras.ops.{entry.name} raised {type(e).__name__}: {e}")
    assert len(ours) == len(theirs), entry.name
    for o, t in zip(ours, theirs):
        t = np.asarray(kops.convert_to_numpy(t))
        if entry.name == "argpartition":  # any valid partition: compare the kth values
            x = values[0]
            kth, axis = sample.params["kth"], sample.params.get("axis", -1)
            a = np.take_along_axis(x, o.numpy().astype(np.int64), axis)
            b = np.take_along_axis(x, t.astype(np.int64), axis)
            np.testing.assert_array_equal(np.take(a, kth, axis), np.take(b, kth, axis))
            continue
        assert o.shape == t.shape, f"{entry.name}: shape {o.shape} != keras {t.shape}"
        if entry.name not in DTYPE_DIFFERENCES:
            assert o.dtype == t.dtype, f"{entry.name}: dtype {o.dtype} != keras {t.dtype}"
        if t.dtype.kind == "f":
            np.testing.assert_allclose(o.numpy().astype(np.float64), t.astype(np.float64),
                                       rtol=1e-4, atol=1e-5, equal_nan=True)
        else:
            np.testing.assert_array_equal(o.numpy(), t)
