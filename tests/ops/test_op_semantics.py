"""Documented gradient conventions the op table cannot state generically: ties, kinks,
accumulation of repeated indices, and casts."""

import numpy as np
import pytest

import ember
from ember import ops


def _grad(fn, x, seed=None):
    """d sum(fn(x) * seed) / dx for a float32 Variable made from `x`."""
    v = ember.Variable(np.asarray(x, dtype=np.float32))
    out = fn(v)
    g = ember.grad(out if seed is None else ops.sum(out * seed), v)
    return out, g.numpy()


# ----------------------------------------------------------------------------- ties
def test_max_reduction_shares_the_gradient_equally_among_three_ties():
    """Documented in ember.ops.reduce: ties share equally (as TensorFlow and torch.amax)."""
    out, g = _grad(lambda t: ops.max(t), [1.0, 4.0, 4.0, -2.0, 4.0])
    assert out.item() == 4.0
    np.testing.assert_allclose(g, [0.0, 1 / 3, 1 / 3, 0.0, 1 / 3], rtol=1e-6)
    assert g.sum() == pytest.approx(1.0)


def test_min_reduction_shares_ties_per_slice_with_axis_and_keepdims():
    x = [[0.5, 0.5, 2.0], [3.0, -1.0, 7.0]]
    seed = np.array([[2.0], [10.0]], dtype=np.float32)
    out, g = _grad(lambda t: ops.min(t, axis=1, keepdims=True), x, seed)
    np.testing.assert_array_equal(out.numpy(), [[0.5], [-1.0]])
    np.testing.assert_allclose(g, [[1.0, 1.0, 0.0], [0.0, 10.0, 0.0]])


def test_max_reduction_all_equal_spreads_over_the_whole_tensor():
    _, g = _grad(lambda t: ops.max(t), np.full((2, 2), 3.0))
    np.testing.assert_allclose(g, np.full((2, 2), 0.25))


def test_maximum_and_minimum_ties_split_the_gradient_in_half():
    x = ember.Variable(np.array([1.0, 2.0, 3.0], dtype=np.float32))
    y = ember.Variable(np.array([1.0, 5.0, 3.0], dtype=np.float32))
    gx, gy = ember.grad(ops.sum(ops.maximum(x, y)), [x, y])
    np.testing.assert_array_equal(gx.numpy(), [0.5, 0.0, 0.5])
    np.testing.assert_array_equal(gy.numpy(), [0.5, 1.0, 0.5])
    gx, gy = ember.grad(ops.sum(ops.minimum(x, y)), [x, y])
    np.testing.assert_array_equal(gx.numpy(), [0.5, 1.0, 0.5])
    np.testing.assert_array_equal(gy.numpy(), [0.5, 0.0, 0.5])


def test_maximum_tie_with_a_broadcast_scalar_gives_half_to_the_tensor():
    _, g = _grad(lambda t: ops.maximum(t, 0.0), [-1.0, 0.0, 2.0], np.ones(3, np.float32))
    np.testing.assert_array_equal(g, [0.0, 0.5, 1.0])


def test_argmax_and_argmin_pick_the_first_of_ties():
    x = ember.tensor([[2.0, 5.0, 5.0], [-1.0, -1.0, 0.0]])
    np.testing.assert_array_equal(ops.argmax(x, axis=1).numpy(), [1, 2])
    np.testing.assert_array_equal(ops.argmin(x, axis=1).numpy(), [0, 0])
    assert ops.argmax(x).item() == 1


# ----------------------------------------------------------------------------- kinks
def test_gradients_at_zero_follow_pytorch_conventions():
    """relu, abs, sign and step at exactly 0: relu/abs give 0 (subgradient 0, as PyTorch),
    sign and step are piecewise constant (zero gradient everywhere)."""
    x = [0.0, -0.0, 1.5, -2.0]
    for fn, value, grad in [
        (ops.relu, [0.0, 0.0, 1.5, 0.0], [0.0, 0.0, 1.0, 0.0]),
        (ops.abs, [0.0, 0.0, 1.5, 2.0], [0.0, 0.0, 1.0, -1.0]),
        (ops.sign, [0.0, 0.0, 1.0, -1.0], [0.0, 0.0, 0.0, 0.0]),
        (ops.step, [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]),
        (ops.leaky_relu, [0.0, 0.0, 1.5, -0.4], [0.2, 0.2, 1.0, 0.2]),
    ]:
        out, g = _grad(fn, x, np.ones(4, np.float32))
        np.testing.assert_allclose(out.numpy(), value, rtol=1e-6, err_msg=fn.__name__)
        np.testing.assert_allclose(g, grad, err_msg=fn.__name__)


def test_clip_passes_the_gradient_on_the_closed_interval():
    _, g = _grad(lambda t: ops.clip(t, 0.0, 1.0), [-0.5, 0.0, 0.5, 1.0, 1.5], np.ones(5))
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0, 1.0, 0.0])


# ----------------------------------------------------------------------------- getitem
def test_getitem_with_repeated_integer_indices_accumulates():
    seed = np.array([1.0, 10.0, 100.0, 1000.0], dtype=np.float32)
    out, g = _grad(lambda t: t[np.array([0, 2, 2, 0])], [5.0, 6.0, 7.0], seed)
    np.testing.assert_array_equal(out.numpy(), [5.0, 7.0, 7.0, 5.0])
    np.testing.assert_array_equal(g, [1001.0, 0.0, 110.0])


def test_getitem_negative_and_positive_aliases_of_one_index_accumulate():
    _, g = _grad(lambda t: t[[-1, 2, 0, -3]], [1.0, 2.0, 3.0], np.ones(4, np.float32))
    np.testing.assert_array_equal(g, [2.0, 0.0, 2.0])


def test_getitem_repeated_index_pairs_and_rows_accumulate():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    _, g = _grad(lambda t: t[np.array([1, 1, 0]), np.array([2, 2, 2])], x, np.ones(3))
    np.testing.assert_array_equal(g, [[0, 0, 1], [0, 0, 2]])
    _, g = _grad(lambda t: t[[0, 0, 0]], x, np.ones((3, 3)))
    np.testing.assert_array_equal(g, [[3, 3, 3], [0, 0, 0]])
    _, g = _grad(lambda t: t[ember.tensor([1, 1])], x, np.ones((2, 3)))  # a Tensor key
    np.testing.assert_array_equal(g, [[0, 0, 0], [2, 2, 2]])


def test_getitem_slices_and_masks_write_each_place_once():
    x = np.arange(6, dtype=np.float32)
    _, g = _grad(lambda t: t[::-2], x, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(g, [0, 3, 0, 2, 0, 1])
    _, g = _grad(lambda t: t[x > 2.5], x, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(g, [0, 0, 0, 1, 2, 3])


# ----------------------------------------------------------------------------- cast
def test_cast_gradient_returns_to_input_dtype():
    """float64 -> float32 and float32 -> float32 casts: the gradient flows back unchanged, in
    the input's dtype (the op table cannot check these in float64)."""
    for src, dst in [("float64", "float32"), ("float32", "float32"), ("float32", "float64")]:
        x = ember.Variable(np.array([1.5, -2.0, 3.0]), dtype=src)
        y = ops.cast(x, dst)
        assert y.dtype == np.dtype(dst) and y.requires_grad
        v = np.array([0.25, -1.0, 4.0], dtype=dst)
        y.backward(v)
        assert x.grad.dtype == np.dtype(src)
        np.testing.assert_array_equal(x.grad.numpy(), [0.25, -1.0, 4.0])


def test_cast_gradient_through_a_float32_island_matches_the_chain_rule():
    x = ember.Variable(np.array([0.5, 2.0]), dtype="float64")
    y = ops.cast(ops.cast(x, "float32") * 3.0, "float64") ** 2  # 9 x^2
    (g,) = ember.grad(ops.sum(y), [x])
    assert g.dtype == np.float64
    np.testing.assert_allclose(g.numpy(), [9.0, 36.0], rtol=1e-6)


def test_cast_to_integer_is_not_tracked():
    x = ember.Variable([1.7, -2.2])
    y = ops.cast(x, "int64")
    np.testing.assert_array_equal(y.numpy(), [1, -2])
    assert y.dtype == np.int64
    assert not y.requires_grad and y._ctx is None
    b = ops.cast(x, bool)
    assert b.dtype == np.bool_ and not b.requires_grad


def test_int_to_float_cast_is_a_constant_in_the_graph():
    labels = ember.tensor([1, 0, 2])
    w = ember.Variable([1.0, 2.0, 3.0])
    (g,) = ember.grad(ops.sum(ops.cast(labels, "float32") * w), [w])
    np.testing.assert_array_equal(g.numpy(), [1.0, 0.0, 2.0])


# ----------------------------------------------------------------------------- axes
def test_axis_zero_of_a_0d_tensor_reduces_nothing():
    """As PyTorch: a 0-d tensor accepts axis 0, and the reduction is the identity."""
    x = ember.Variable(2.5)
    for op in (ops.sum, ops.mean, ops.max, ops.min, ops.logsumexp):
        y = op(x, axis=0)
        assert y.shape == () and y.item() == pytest.approx(2.5), op.__name__
        (g,) = ember.grad(y, [x])
        assert g.item() == pytest.approx(1.0), op.__name__
    with pytest.raises(ValueError, match="sum: axis 1 is out of range for a tensor of rank 0"):
        ops.sum(x, axis=1)


def test_reductions_accept_numpy_integer_axes():
    x = ember.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(ops.sum(x, axis=np.int64(1)).numpy(), [3.0, 12.0])
    np.testing.assert_array_equal(ops.max(x, axis=(np.int32(0), -1)).numpy(), 5.0)
