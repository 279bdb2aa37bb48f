"""Numerical stability at extreme logits (RELIABILITY.md section 2): softmax, log_softmax,
logsumexp, sigmoid, softplus and the fused cross-entropies stay finite, in value and gradient,
and reach their correct limits. NumPy floating-point errors (overflow, invalid, divide) raise
inside every test here, so a silent inf/nan on the way fails too."""

import numpy as np
import pytest

import ember
from ember import ops

BIG = 1e4


@pytest.fixture(autouse=True)
def _fp_errors_raise():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        yield


def value_and_grad(fn, x, dtype="float32", seed=None):
    """fn(x) and d sum(fn(x) * seed) / dx (seed: ones by default)."""
    v = ember.Variable(np.asarray(x), dtype=dtype)
    out = fn(v)
    s = np.ones(out.shape, out.dtype) if seed is None else np.asarray(seed, out.dtype)
    (g,) = ember.grad(out, [v], grad_outputs=s)
    assert np.all(np.isfinite(out.numpy())), out
    assert np.all(np.isfinite(g.numpy())), g
    return out.numpy(), g.numpy()


LOGITS = {
    "all_big": [BIG, BIG, BIG],
    "all_small": [-BIG, -BIG, -BIG],
    "mixed": [BIG, -BIG, 0.0],
    "one_big": [0.0, BIG, 1.0],
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(LOGITS))
def test_softmax_at_extreme_logits(name, dtype):
    x = np.array(LOGITS[name])
    seed = np.array([1.0, -2.0, 0.5])
    y, g = value_and_grad(lambda t: ops.softmax(t), x, dtype, seed)
    np.testing.assert_allclose(y.sum(), 1.0, rtol=1e-6)
    e = np.exp(x - x.max())
    expected = e / e.sum()
    np.testing.assert_allclose(y, expected, atol=1e-7)
    # gx = y * (s - <s, y>)
    np.testing.assert_allclose(g, expected * (seed - np.dot(seed, expected)), atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(LOGITS))
def test_log_softmax_at_extreme_logits(name, dtype):
    x = np.array(LOGITS[name])
    y, g = value_and_grad(lambda t: ops.log_softmax(t), x, dtype)
    m = x.max()
    expected = x - m - np.log(np.sum(np.exp(x - m)))
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(g, 1.0 - len(x) * np.exp(expected), atol=1e-6)


def test_log_softmax_of_the_dominant_logit_is_zero_and_the_others_minus_the_gap():
    y, _ = value_and_grad(lambda t: ops.log_softmax(t), [BIG, -BIG, 0.0])
    assert y[0] == pytest.approx(0.0, abs=1e-6)
    assert y[1] == pytest.approx(-2 * BIG, rel=1e-6)
    assert y[2] == pytest.approx(-BIG, rel=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logsumexp_at_extreme_logits(dtype):
    x = np.array([[BIG, BIG], [-BIG, -BIG], [BIG, -BIG], [-BIG, 0.0]])
    y, g = value_and_grad(lambda t: ops.logsumexp(t, axis=1), x, dtype)
    np.testing.assert_allclose(y, [BIG + np.log(2), -BIG + np.log(2), BIG, 0.0],
                               rtol=1e-6, atol=1e-6)
    # gx = exp(x - y): in float32, y = 1e4 + log 2 is rounded to the float32 spacing at 1e4
    # (2**-10 ~ 1e-3), so the gradient is right to ~1e-3 there (torch's formula: the same)
    np.testing.assert_allclose(g, [[0.5, 0.5], [0.5, 0.5], [1.0, 0.0], [0.0, 1.0]],
                               atol=1e-3 if dtype == "float32" else 1e-12)
    y, g = value_and_grad(lambda t: ops.logsumexp(t), x, dtype)  # all axes
    np.testing.assert_allclose(y, BIG + np.log(3), rtol=1e-6)
    np.testing.assert_allclose(g.sum(), 1.0, rtol=1e-3 if dtype == "float32" else 1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mag", [100.0, BIG])
def test_sigmoid_saturates_exactly_with_finite_gradients(mag, dtype):
    y, g = value_and_grad(ops.sigmoid, [mag, -mag, 0.0], dtype)
    if dtype == "float32" or mag == BIG:
        assert y[0] == 1.0
    else:
        assert y[0] == pytest.approx(1.0, abs=1e-15)
    assert 0.0 <= y[1] < 1e-30
    assert y[2] == 0.5
    assert 0.0 <= g[0] < 1e-30 and 0.0 <= g[1] < 1e-30 and g[2] == 0.25


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mag", [100.0, BIG])
def test_softplus_is_linear_above_and_vanishes_below(mag, dtype):
    y, g = value_and_grad(ops.softplus, [mag, -mag, 0.0], dtype)
    assert y[0] == pytest.approx(mag, rel=1e-7)
    assert 0.0 <= y[1] < 1e-30
    assert y[2] == pytest.approx(np.log(2.0), rel=1e-6)
    np.testing.assert_allclose(g, [1.0, 0.0, 0.5], atol=1e-30)


def test_tanh_and_exp_of_moderate_extremes_stay_finite():
    y, g = value_and_grad(ops.tanh, [BIG, -BIG])
    np.testing.assert_array_equal(y, [1.0, -1.0])
    np.testing.assert_array_equal(g, [0.0, 0.0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sparse_softmax_cross_entropy_at_extreme_logits(dtype):
    logits = np.array([[BIG, -BIG, 0.0], [BIG, -BIG, 0.0], [-BIG, -BIG, -BIG], [BIG, BIG, 0.0]])
    labels = np.array([0, 1, 2, 2])
    y, g = value_and_grad(lambda z: ops.sparse_softmax_cross_entropy(labels, z), logits, dtype)
    np.testing.assert_allclose(y, [0.0, 2 * BIG, np.log(3), BIG + np.log(2)], rtol=1e-6,
                               atol=1e-6)
    p = np.array([[1, 0, 0], [1, 0, 0], [1 / 3] * 3, [0.5, 0.5, 0]])
    onehot = np.eye(3)[labels]
    np.testing.assert_allclose(g, p - onehot, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_cross_entropy_at_extreme_logits(dtype):
    logits = np.array([[BIG, -BIG, 0.0], [-BIG, BIG, BIG]])
    labels = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    y, g = value_and_grad(lambda z: ops.softmax_cross_entropy(labels, z), logits, dtype)
    np.testing.assert_allclose(y, [BIG, np.log(2)], rtol=1e-6)
    p = np.array([[1, 0, 0], [0, 0.5, 0.5]])
    np.testing.assert_allclose(g, p - labels, atol=1e-6)
    # the gradient with respect to soft labels, -log_softmax, is finite too
    lv = ember.Variable(labels, dtype=dtype)
    (gl,) = ember.grad(ops.sum(ops.softmax_cross_entropy(lv, ember.tensor(logits, dtype))), [lv])
    np.testing.assert_allclose(gl.numpy(), [[0.0, 2 * BIG, BIG],
                                            [2 * BIG + np.log(2), np.log(2), np.log(2)]],
                               rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mag", [100.0, BIG])
def test_sigmoid_binary_cross_entropy_at_extreme_logits(mag, dtype):
    logits = np.array([mag, -mag, mag, -mag, mag])
    targets = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    y, g = value_and_grad(lambda z: ops.sigmoid_binary_cross_entropy(targets, z), logits, dtype)
    np.testing.assert_allclose(y, [0.0, 0.0, mag, mag, mag / 2], rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(g, [0.0, 0.0, 1.0, -1.0, 0.5], atol=1e-30)


def test_softmax_rows_are_independent_of_a_shift():
    x = np.array([[1.0, 2.0, 3.0]])
    base = ops.softmax(ember.tensor(x)).numpy()
    for shift in (BIG, -BIG, 1e6):
        np.testing.assert_allclose(ops.softmax(ember.tensor(x + shift)).numpy(), base,
                                   atol=1e-6 if abs(shift) < 1e6 else 0.1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_is_accurate_in_the_left_tail(dtype):
    """sigmoid(x) for x << 0 keeps its relative accuracy (exp(x) / (1 + exp(x))), so
    log(sigmoid(x)) stays finite; (1 + tanh(x / 2)) / 2 would give exactly 0 from x ~ -17 in
    float32."""
    x = np.array([-17.0, -20.0, -30.0, -80.0])
    y, g = value_and_grad(ops.sigmoid, x, dtype)
    exact = 1.0 / (1.0 + np.exp(-x))
    np.testing.assert_allclose(y, exact, rtol=1e-6)
    np.testing.assert_allclose(g, exact * (1 - exact), rtol=1e-6)
    logs = ops.log(ops.sigmoid(ember.tensor(x, dtype))).numpy()
    np.testing.assert_allclose(logs, x, rtol=1e-6)
