"""Tensor operators with Python scalars and NumPy arrays on either side: values, dtypes (a float32
tensor stays float32 whatever NumPy brings) and gradients (float64 central differences)."""

import numpy as np
import pytest

import ember
from ember import ops
from ember.tensor import Tensor
from ember.utils import gradcheck

A = np.array([[0.5, 1.5, 2.0], [3.0, 1.25, 0.75]])  # positive: a valid base for ** and /
W = np.array([[1.0, -2.0], [0.5, 3.0], [-1.0, 0.25]])
VEC3 = np.array([2.0, -1.0, 0.5])
VEC2 = np.array([-0.5, 2.0])

# (name, ember expression on a tensor t, the same on the NumPy array a)
ARITHMETIC = [
    ("add_scalar", lambda t: t + 2, lambda a: a + 2),
    ("radd_scalar", lambda t: 2.5 + t, lambda a: 2.5 + a),
    ("add_array", lambda t: t + VEC3, lambda a: a + VEC3),
    ("radd_array", lambda t: VEC3 + t, lambda a: VEC3 + a),
    ("sub_scalar", lambda t: t - 1.5, lambda a: a - 1.5),
    ("rsub_scalar", lambda t: 1.5 - t, lambda a: 1.5 - a),
    ("rsub_array", lambda t: VEC3 - t, lambda a: VEC3 - a),
    ("mul_scalar", lambda t: t * 3, lambda a: a * 3),
    ("rmul_array", lambda t: VEC3 * t, lambda a: VEC3 * a),
    ("div_scalar", lambda t: t / 4.0, lambda a: a / 4.0),
    ("rdiv_scalar", lambda t: 4.0 / t, lambda a: 4.0 / a),
    ("rdiv_array", lambda t: VEC3 / t, lambda a: VEC3 / a),
    ("pow_scalar", lambda t: t ** 2, lambda a: a ** 2),
    ("pow_float", lambda t: t ** 0.5, lambda a: a ** 0.5),
    ("rpow_scalar", lambda t: 2.0 ** t, lambda a: 2.0 ** a),
    ("rpow_array", lambda t: np.abs(VEC3) ** t, lambda a: np.abs(VEC3) ** a),
    ("pow_array", lambda t: t ** VEC3, lambda a: a ** VEC3),
    ("neg", lambda t: -t, lambda a: -a),
    ("pos", lambda t: +t, lambda a: +a),
    ("abs", lambda t: abs(t - 1.0), lambda a: abs(a - 1.0)),
    ("matmul_array", lambda t: t @ W, lambda a: a @ W),
    ("rmatmul_array", lambda t: W.T @ t.T, lambda a: W.T @ a.T),
    ("matmul_vector", lambda t: t @ VEC3, lambda a: a @ VEC3),
    ("rmatmul_vector", lambda t: VEC2 @ t, lambda a: VEC2 @ a),
    ("tensor_op_tensor", lambda t: t * t - t / (t + 1), lambda a: a * a - a / (a + 1)),
    ("getitem_int", lambda t: t[1], lambda a: a[1]),
    ("getitem_slice", lambda t: t[:, ::-1], lambda a: a[:, ::-1]),
    ("getitem_array", lambda t: t[np.array([1, 1, 0])], lambda a: a[np.array([1, 1, 0])]),
    ("getitem_tuple", lambda t: t[-1, 1:], lambda a: a[-1, 1:]),
    ("np_scalar", lambda t: t * np.float64(1.5) + np.float64(0.5),
     lambda a: a * 1.5 + 0.5),
    ("np_scalar_left", lambda t: np.float64(3.0) - t / np.float64(2.0),
     lambda a: 3.0 - a / 2.0),
]


@pytest.mark.parametrize(("name", "op", "ref"), ARITHMETIC, ids=[c[0] for c in ARITHMETIC])
def test_operator_values_and_float32_dtype(name, op, ref):
    t = ember.Variable(A.astype(np.float32))
    out = op(t)
    assert isinstance(out, Tensor)
    assert out.dtype == np.float32, f"{name}: {out.dtype}"
    assert out.requires_grad
    np.testing.assert_allclose(out.numpy(), ref(A.astype(np.float32).astype(np.float64)),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("name", "op", "ref"), ARITHMETIC, ids=[c[0] for c in ARITHMETIC])
def test_operator_gradients(name, op, ref):
    assert gradcheck(op, [ember.tensor(A, dtype="float64")])


@pytest.mark.parametrize("dtype", ["float64", "int64", "int32", "float16"])
def test_float32_tensor_with_numpy_arrays_of_other_dtypes_stays_float32(dtype):
    t = ember.Variable(np.ones((2, 3), np.float32))
    arr = np.arange(1, 4).astype(dtype)
    mat = np.ones((3, 2), dtype=dtype)
    results = [t + arr, arr + t, t - arr, arr - t, t * arr, arr * t, t / arr, arr / t,
               t ** arr, t @ mat, mat @ t, ops.maximum(t, arr), ops.minimum(arr, t),
               ops.where(arr > 1, t, arr), ops.where(arr > 1, arr, t),
               ops.clip(t, arr[0], arr[-1]), t * arr[0], arr[0] - t]
    for k, r in enumerate(results):
        assert r.dtype == np.float32, f"result {k}: {r.dtype}"
        assert r.requires_grad


def test_float32_gradients_stay_float32_through_numpy_operands():
    t = ember.Variable(np.array([1.0, 2.0], np.float32))
    h = t * np.float64(2.0)
    out = ops.sum(2.0 ** h + h ** np.float64(2.0) + np.array([1.0, 2.0]) / h)
    g_h = ember.grad(out, [h])[0]
    assert g_h.dtype == np.float32
    (g,) = ember.grad(ops.sum(2.0 ** t), [t])
    np.testing.assert_allclose(g.numpy(), np.log(2.0) * 2.0 ** np.array([1.0, 2.0]), rtol=1e-6)


def test_comparisons_with_scalars_and_arrays_on_either_side():
    t = ember.tensor([1.0, 2.0, 3.0])
    arr = np.array([3.0, 2.0, 1.0])
    cases = [
        (t < 2, [True, False, False]), (t <= 2, [True, True, False]),
        (t > 2, [False, False, True]), (t >= 2, [False, True, True]),
        (t == 2, [False, True, False]), (t != 2, [True, False, True]),
        (2 < t, [False, False, True]), (2 >= t, [True, True, False]),
        (t < arr, [True, False, False]), (arr < t, [False, False, True]),
        (arr == t, [False, True, False]), (arr != t, [True, False, True]),
        (t == ember.tensor([1.0, 0.0, 3.0]), [True, False, True]),
    ]
    for k, (got, want) in enumerate(cases):
        assert isinstance(got, Tensor), k
        assert got.dtype == np.bool_, k
        assert not got.requires_grad, k
        np.testing.assert_array_equal(got.numpy(), want, err_msg=str(k))


def test_comparison_of_a_tracked_tensor_is_untracked():
    t = ember.Variable([1.0, -1.0])
    mask = t > 0
    assert not mask.requires_grad and mask._ctx is None
    (g,) = ember.grad(ops.sum(ops.where(mask, t, 0.0)), [t])
    np.testing.assert_array_equal(g.numpy(), [1.0, 0.0])


def test_tensors_stay_hashable_and_usable_as_dict_keys():
    a, b = ember.tensor([1.0]), ember.tensor([1.0])
    d = {a: "a", b: "b"}  # `==` is elementwise, so identity hashing keeps both
    assert d[a] == "a" and d[b] == "b"
