"""keras.ops.numpy and core ops beyond the op table: the query ops (shape, dtype, size, ...),
the namespaces, bad-input errors, gradients at the points the table's central differences
cannot check (NaN inputs, steps, zero divisors), and a few documented behaviours."""

import numpy as np
import pytest

import ember
from ember import ops


def _grad(fn, *arrays):
    xs = [ember.Variable(a, dtype="float64") for a in arrays]
    out = fn(*xs)
    gs = ember.grad(ops.sum(out), xs)
    return [g.numpy() if g is not None else np.zeros_like(a) for g, a in zip(gs, arrays)]


# --------------------------------------------------------------------------- namespaces
def test_numpy_namespace_is_exactly_keras_numpy_names():
    import ember.ops.numpy as enp

    expected_count = 220  # keras.ops.numpy of Keras 3.15
    assert len(enp.__all__) == expected_count == len(set(enp.__all__))
    for name in enp.__all__:
        assert getattr(enp, name) is getattr(ops, name), name
    assert ops.numpy is enp


def test_numpy_namespace_matches_installed_keras():
    pytest.importorskip("torch")
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    knp = pytest.importorskip("keras.ops.numpy")
    keras_names = {n for n in dir(knp) if not n.startswith("_")}
    assert set(ember.ops.numpy.__all__) == keras_names


def test_core_namespace():
    assert set(ops.core.__all__) == {
        "cast", "saturate_cast", "convert_to_tensor", "convert_to_numpy", "is_tensor", "dtype",
        "shape", "slice", "slice_update", "scatter", "scatter_update", "stop_gradient",
        "unstack", "rearrange"}
    for name in ops.core.__all__:
        assert getattr(ops.core, name) is getattr(ops, name)


def test_ops_shape_is_the_shape_function():
    assert callable(ops.shape)
    assert ops.shape(np.zeros((2, 0, 3))) == (2, 0, 3)
    assert ops.shape(ember.tensor(1.0)) == ()
    assert all(type(n) is int for n in ops.shape(ops.ones((2, 3))))


# --------------------------------------------------------------------------- queries
def test_query_ops():
    x = ember.tensor([[1.0, 2.0, 3.0]])
    assert ops.dtype(x) == "float32" and ops.dtype(np.arange(3, dtype=np.int16)) == "int16"
    assert ops.is_tensor(x) and not ops.is_tensor(np.ones(2)) and not ops.is_tensor(1.0)
    assert ops.size(x) == 3 and ops.ndim(x) == 2 and ops.size(np.zeros((0, 4))) == 0
    a = ops.convert_to_numpy(x)
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    a[0, 0] = 9.0
    assert x.numpy()[0, 0] == 1.0  # a copy
    t = ops.convert_to_tensor([1, 2])
    assert isinstance(t, ember.Tensor) and t.dtype == np.int64
    assert ops.convert_to_tensor(x) is x
    assert ops.convert_to_tensor(x, "float64").dtype == np.float64
    assert ops.convert_to_tensor(np.ones(2)).dtype == np.float32  # ember: float64 -> floatx
    assert ops.array([1.5, 2.5], dtype="float64").dtype == np.float64
    with pytest.raises(ValueError, match="sparse=True"):
        ops.convert_to_tensor(x, sparse=True)


def test_convert_to_tensor_keeps_the_graph():
    w = ember.Variable([1.0, 2.0])
    y = ops.convert_to_tensor(w * 3.0)
    (g,) = ember.grad(ops.sum(y), [w])
    np.testing.assert_allclose(g.numpy(), [3.0, 3.0])


def test_stop_gradient_blocks_the_gradient():
    w = ember.Variable([1.0, 2.0])
    y = w * ops.stop_gradient(w)
    (g,) = ember.grad(ops.sum(y), [w])
    np.testing.assert_allclose(g.numpy(), [1.0, 2.0])  # d(w * c)/dw = c


def test_vectorize_elementwise_and_signature():
    f = ops.vectorize(lambda a, b: a * b + 1.0)
    np.testing.assert_allclose(f(np.ones((2, 3)), np.arange(3.0)).numpy(),
                               np.ones((2, 3)) * np.arange(3.0) + 1)
    dot = ops.vectorize(lambda a, b: ops.sum(a * b), signature="(n),(n)->()")
    x, y = np.arange(6.0).reshape(2, 3), np.ones(3)
    np.testing.assert_allclose(dot(x, y).numpy(), x.sum(1))
    w = ember.Variable([1.0, 2.0])
    (g,) = ember.grad(ops.sum(ops.vectorize(lambda a: a * a)(w)), [w])
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad", [None, "abc", np.array([object(), 1], dtype=object)])
@pytest.mark.parametrize("name", ["convert_to_tensor", "sin", "square", "cumsum", "sort",
                                  "take", "flip", "einsum_operand", "subtract", "shape",
                                  "median", "tril"])
def test_bad_inputs_name_the_op_and_the_argument(name, bad):
    calls = {
        "take": lambda b: ops.take(b, [0]),
        "einsum_operand": lambda b: ops.einsum("i->", b),
        "subtract": lambda b: ops.subtract(np.ones(2), b),
    }
    call = calls.get(name, getattr(ops, name, None))
    op = {"einsum_operand": "einsum"}.get(name, name)
    arg = {"einsum_operand": "operands[0]", "subtract": "x2"}.get(name, "x")
    pattern = arg.replace("[", ".").replace("]", ".")
    with pytest.raises(TypeError, match=rf"{op}: argument `{pattern}`"):
        call(bad)


# --------------------------------------------------------------------------- dtype rules
def test_keras_dtype_rules():
    i32 = np.arange(3, dtype=np.int32)
    assert ops.sin(i32).dtype == np.float32
    assert ops.add(i32, 1.5).dtype == np.float32  # weak Python float: floatx, not float64
    assert ops.add(np.ones(2, np.float16), 2.5).dtype == np.float16
    assert ops.divide(i32, i32 + 1).dtype == np.float32
    assert ops.multiply(np.ones(2, np.uint8), np.ones(2, np.int8)).dtype == np.int16
    assert ops.sum(np.ones(3, bool)).dtype == np.int32
    assert ops.mean(i32).dtype == np.float32
    assert ops.argmax(np.ones(3)).dtype == np.int32
    assert ops.arange(3).dtype == np.int32 and ops.arange(3.0).dtype == np.float32
    assert ops.ones(2).dtype == np.float32 and ops.full((2,), 3).dtype == np.int32
    assert ops.floor(i32).dtype == np.float32 and ops.trunc(i32).dtype == np.int32
    assert ops.square(np.ones(2, bool)).dtype == np.int32
    x64 = ember.tensor([1.0], dtype="float64")
    assert ops.multiply(x64, np.array([0.1])).dtype == np.float64
    np.testing.assert_array_equal(ops.multiply(x64, np.array([0.1])).numpy(), [0.1])


# Keras' torch backend narrows 64-bit results (int64 sums -> int32); ember keeps them, as
# NumPy and Keras' NumPy backend do. cbrt of int64 is float64 in Keras, floatx in ember (every
# integer becomes floatx in ember's float functions).
_KEPT_64 = {("int64", "int32"), ("float32", "float64")}


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int32", "int64", "float16",
                                   "float32"])
def test_dtype_rules_agree_with_keras(dtype):
    pytest.importorskip("torch")
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    x = np.array([1, 2, 1]).astype(dtype)
    for name in ["sin", "exp", "sqrt", "square", "negative", "abs", "floor", "ceil", "cumsum",
                 "sum", "prod", "mean", "max", "argmax", "sort", "flip", "cbrt", "sign", "cumprod",
                 "round", "trunc", "var", "std", "tanh", "log2", "reciprocal"]:
        if dtype == "bool" and name in ("negative", "sign", "round"):
            continue
        ours = getattr(ops, name)(x).dtype.name
        theirs = keras.ops.convert_to_numpy(getattr(keras.ops, name)(x)).dtype.name
        if dtype == "int64" and (ours, theirs) in _KEPT_64:
            continue  # ember keeps 64-bit results; Keras' torch backend narrows them
        assert ours == theirs, f"{name}({dtype}): ember {ours}, keras {theirs}"
    for other in ["int32", "float32", "uint8"]:
        y = np.array([1, 2, 3]).astype(other)
        for name in ["add", "multiply", "maximum", "where_like"]:
            if name == "where_like":
                ours = ops.where(np.array([True, False, True]), x, y).dtype.name
                theirs = keras.ops.convert_to_numpy(keras.ops.where(
                    np.array([True, False, True]), x, y)).dtype.name
            else:
                ours = getattr(ops, name)(x, y).dtype.name
                theirs = keras.ops.convert_to_numpy(getattr(keras.ops, name)(x, y)).dtype.name
            if dtype == "int64" and (ours, theirs) in _KEPT_64:
                continue
            assert ours == theirs, f"{name}({dtype}, {other}): ember {ours}, keras {theirs}"


# --------------------------------------------------------------------------- special gradients
def test_nan_to_num_gradient_passes_finite_values():
    x = np.array([np.nan, 1.5, np.inf, -2.0, -np.inf])
    (g,) = _grad(lambda v: ops.nan_to_num(v, nan=1.0, posinf=9.0, neginf=-9.0), x)
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0, 1.0, 0.0])


def test_divide_no_nan_gradient_is_zero_at_zero_divisors():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([0.0, 4.0, 0.0])
    gx, gy = _grad(ops.divide_no_nan, x, y)
    np.testing.assert_allclose(gx, [0.0, 0.25, 0.0])
    np.testing.assert_allclose(gy, [0.0, -2.0 / 16.0, 0.0])


def test_heaviside_gradient_reaches_x2_only_where_x1_is_0():
    x1, x2 = np.array([-1.0, 0.0, 2.0, 0.0]), np.array([0.3, 0.5, 0.7, 0.9])
    g1, g2 = _grad(ops.heaviside, x1, x2)
    np.testing.assert_array_equal(g1, np.zeros(4))
    np.testing.assert_array_equal(g2, [0.0, 1.0, 0.0, 1.0])
    np.testing.assert_allclose(ops.heaviside(x1, x2).numpy(), [0.0, 0.5, 1.0, 0.9], rtol=1e-6)


@pytest.mark.parametrize("name", ["nansum", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
                                  "nanprod", "nanmedian", "nancumsum", "nancumprod"])
def test_nan_reductions_give_nans_no_gradient(name):
    x = np.array([[1.0, np.nan, 3.0, 2.5], [np.nan, 0.5, 2.0, 1.2]])
    fn = getattr(ops, name)
    (g,) = _grad(lambda v: fn(v, axis=1), x)
    assert np.all(g[np.isnan(x)] == 0)
    if name in ("nancumsum", "nancumprod"):  # NaN counts as the neutral element, in place
        filled = np.where(np.isnan(x), 0.0 if name == "nancumsum" else 1.0, x)
        (gf,) = _grad(lambda v: getattr(ops, name[3:])(v, axis=1), filled)
        np.testing.assert_allclose(g[~np.isnan(x)], gf[~np.isnan(x)], rtol=1e-10)
        return
    # elsewhere: the gradient of the same reduction over the non-NaN values alone
    for r in range(2):
        keep = ~np.isnan(x[r])
        (gr,) = _grad(lambda v: fn(v, axis=0), x[r][keep])
        np.testing.assert_allclose(g[r][keep], gr, rtol=1e-10)


def test_cumprod_gradient_with_zeros_matches_central_differences():
    x = np.array([2.0, 0.0, 3.0, 0.0, 1.5])
    (g,) = _grad(ops.cumprod, x)
    eps = 1e-6
    num = [(np.cumprod(x + eps * np.eye(5)[i]).sum() - np.cumprod(x - eps * np.eye(5)[i]).sum())
           / (2 * eps) for i in range(5)]
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)


def test_scatter_update_gradient_goes_to_the_last_write_of_a_duplicate():
    x = np.zeros(3)
    u = np.array([1.0, 2.0, 3.0])
    idx = np.array([[1], [1], [2]])
    out = ops.scatter_update(x, idx, u)
    np.testing.assert_array_equal(out.numpy(), [0.0, 2.0, 3.0])
    gx, gu = _grad(lambda a, b: ops.scatter_update(a, idx, b) * np.array([1.0, 5.0, 7.0]), x, u)
    np.testing.assert_array_equal(gx, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(gu, [0.0, 5.0, 7.0])


# --------------------------------------------------------------------------- behaviours
def test_slogdet_sign():
    s, logdet = ops.slogdet(np.array([[0.0, 2.0], [3.0, 0.0]]))
    assert float(s) == -1.0
    np.testing.assert_allclose(float(logdet), np.log(6.0), rtol=1e-6)


def test_histogram_edges_and_unique_flags():
    counts, edges = ops.histogram(np.array([0.0, 0.5, 1.0, 1.0]), bins=2)
    np.testing.assert_array_equal(counts.numpy(), [1, 3])
    np.testing.assert_allclose(edges.numpy(), [0.0, 0.5, 1.0])
    vals, idx, inv, counts = ops.unique(np.array([3, 1, 3, 2]), return_index=True,
                                        return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(vals.numpy(), [1, 2, 3])
    np.testing.assert_array_equal(idx.numpy(), [1, 3, 0])
    np.testing.assert_array_equal(inv.numpy(), [2, 0, 2, 1])
    np.testing.assert_array_equal(counts.numpy(), [1, 1, 2])
    np.testing.assert_array_equal(ops.unique(np.array([3, 1, 3]), size=4).numpy(), [1, 3, 1, 1])


def test_pad_modes_match_numpy():
    x = np.arange(5.0)
    for mode in ("reflect", "symmetric", "wrap", "edge", "constant"):
        np.testing.assert_array_equal(ops.pad(x, (3, 4), mode=mode).numpy(),
                                      np.pad(x, (3, 4), mode=mode))


def test_where_with_one_argument_is_nonzero():
    out = ops.where(np.array([[0, 1], [2, 0]]))
    assert [o.numpy().tolist() for o in out] == [[0, 1], [1, 0]]


def test_signatures_match_keras():
    """Every keras.ops.numpy and core op takes Keras' parameters, in Keras' order, with Keras'
    defaults; ember may only add trailing parameters (var's ddof) or defaults (clip's
    one-sided bounds)."""
    import inspect
    import os

    pytest.importorskip("torch")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    extended_defaults = {"clip"}
    for name in ember.ops.numpy.__all__ + ember.ops.core.__all__:
        theirs = list(inspect.signature(getattr(keras.ops, name)).parameters.values())
        ours = list(inspect.signature(getattr(ops, name)).parameters.values())[:len(theirs)]
        assert [(p.name, p.kind) for p in ours] == [(p.name, p.kind) for p in theirs], name
        if name not in extended_defaults:
            assert [p.default for p in ours] == [p.default for p in theirs], name


# the first argument is not an array-like for these (shapes, lengths, lists, subscripts)
_NOT_ARRAY_FIRST = {"vectorize", "is_tensor", "einsum", "arange", "eye", "identity", "tri",
                    "zeros", "ones", "empty", "full", "bartlett", "blackman", "hamming",
                    "hanning", "kaiser", "meshgrid", "concatenate", "stack", "hstack", "vstack",
                    "dstack", "select", "scatter", "unravel_index", "linspace", "logspace",
                    "geomspace"}
_FILLERS = {"indices": [0], "indices_or_sections": 1, "axis": 0, "newshape": (1,),
            "shape": (1,), "dtype": "float32", "repeats": 1, "pattern": "a -> a",
            "start_indices": (0,), "updates": [1.0], "kth": 0, "source": 0, "destination": 0,
            "axis1": 0, "axis2": 1, "fill_value": 1.0, "q": 0.5, "bins": [0.0], "values": [1.0],
            "beta": 1.0, "key": 0, "pad_width": 1, "shift": 1, "x_min": 0.0, "x_max": 1.0}


@pytest.mark.parametrize("name", sorted(set(ember.ops.numpy.__all__ + ember.ops.core.__all__)
                                        - _NOT_ARRAY_FIRST))
def test_every_op_names_itself_for_a_bad_first_argument(name):
    import inspect

    fn = getattr(ops, name)
    required = [p for p in inspect.signature(fn).parameters.values()
                if p.default is inspect.Parameter.empty
                and p.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD]
    rest = [_FILLERS.get(p.name, np.ones(2)) for p in required[1:]]
    for bad in (None, "abc", np.array([object()], dtype=object)):
        with pytest.raises((TypeError, ValueError), match=rf"^{name}: "):
            fn(bad, *rest)
