"""Forward values of the fused recurrent ops against step-by-step NumPy references (Keras'
formulas), the shape and structure of what they return, dtypes, and the no-grad path."""

import numpy as np
import pytest

import ember
from ember.ops.gru import gru
from ember.ops.lstm import lstm
from ember.ops.rnn_simple import simple_rnn

RTOL, ATOL = 1e-10, 1e-12
MASK = np.array([[1, 1, 0, 1, 1], [0, 1, 1, 1, 0], [1, 1, 1, 0, 0]], dtype=bool)


def t64(a):
    return ember.tensor(a, dtype="float64")


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear", "hard_sigmoid",
                                        "softsign"])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_simple_rnn_matches_reference(ref, activation, go_backwards, masked):
    w = ref.weights("simple_rnn", n=3, t=5, f=4, u=6, seed=10)
    mask = MASK if masked else None
    out, h = simple_rnn(t64(w.x), t64(w.kernel), t64(w.recurrent_kernel), t64(w.bias),
                        t64(w.h0), activation=activation, mask=mask, go_backwards=go_backwards)
    want, want_h = ref.simple_rnn(w.x, w.kernel, w.recurrent_kernel, w.bias, w.h0, activation,
                                  mask, go_backwards)
    np.testing.assert_allclose(out.numpy(), want, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(h.numpy(), want_h, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("acts", [("tanh", "sigmoid"), ("relu", "hard_sigmoid"),
                                  ("softsign", "sigmoid"), ("linear", "sigmoid")])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_lstm_matches_reference(ref, acts, go_backwards, masked):
    w = ref.weights("lstm", n=3, t=5, f=4, u=6, seed=11)
    mask = MASK if masked else None
    out, h, c = lstm(t64(w.x), t64(w.kernel), t64(w.recurrent_kernel), t64(w.bias), t64(w.h0),
                     t64(w.c0), activation=acts[0], recurrent_activation=acts[1], mask=mask,
                     go_backwards=go_backwards)
    want, want_h, want_c = ref.lstm(w.x, w.kernel, w.recurrent_kernel, w.bias, w.h0, w.c0,
                                    acts[0], acts[1], mask, go_backwards)
    np.testing.assert_allclose(out.numpy(), want, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(h.numpy(), want_h, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(c.numpy(), want_c, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("acts", [("tanh", "sigmoid"), ("relu", "hard_sigmoid")])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_gru_matches_reference(ref, reset_after, acts, go_backwards, masked):
    w = ref.weights("gru", n=3, t=5, f=4, u=6, seed=12, reset_after=reset_after)
    mask = MASK if masked else None
    out, h = gru(t64(w.x), t64(w.kernel), t64(w.recurrent_kernel), t64(w.bias), t64(w.h0),
                 activation=acts[0], recurrent_activation=acts[1], mask=mask,
                 go_backwards=go_backwards, reset_after=reset_after)
    want, want_h = ref.gru(w.x, w.kernel, w.recurrent_kernel, w.bias, w.h0, acts[0], acts[1],
                           mask, go_backwards, reset_after)
    np.testing.assert_allclose(out.numpy(), want, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(h.numpy(), want_h, rtol=RTOL, atol=ATOL)


def test_gru_update_gate_convention(ref):
    """Keras' h_t = z h_{t-1} + (1 - z) h~: a saturated update gate (z = 1) keeps the state;
    the notes' form would replace it."""
    u = 2
    k = np.zeros((1, 3 * u))
    rk = np.zeros((u, 3 * u))
    b = np.zeros((2, 3 * u))
    b[0, :u] = 50.0                                                    # z = sigmoid(50) = 1
    h0 = np.array([[0.3, -0.7]])
    x = np.ones((1, 3, 1))
    _, h = gru(t64(x), t64(k), t64(rk), t64(b), t64(h0))
    np.testing.assert_allclose(h.numpy(), h0, atol=1e-12)


def test_lstm_equations_by_hand():
    """One step, one unit: the notes' equations with numbers."""
    x = np.array([[[2.0]]])
    k = np.array([[0.5, -0.5, 1.0, 0.25]])                             # i, f, c, o
    rk = np.array([[0.1, 0.2, 0.3, 0.4]])
    b = np.array([0.0, 1.0, 0.0, 0.0])
    h0, c0 = np.array([[1.0]]), np.array([[0.5]])
    sig = lambda z: 1 / (1 + np.exp(-z))
    i, f = sig(2 * 0.5 + 0.1), sig(2 * -0.5 + 0.2 + 1.0)
    c_tilde, o = np.tanh(2 * 1.0 + 0.3), sig(2 * 0.25 + 0.4)
    c = f * 0.5 + i * c_tilde
    h = o * np.tanh(c)
    out, h_t, c_t = lstm(t64(x), t64(k), t64(rk), t64(b), t64(h0), t64(c0))
    np.testing.assert_allclose(c_t.numpy(), [[c]], rtol=1e-12)
    np.testing.assert_allclose(h_t.numpy(), [[h]], rtol=1e-12)
    np.testing.assert_allclose(out.numpy(), [[[h]]], rtol=1e-12)


@pytest.mark.parametrize("op", ["simple_rnn", "lstm", "gru"])
def test_structure_and_dtypes(ref, op):
    w = ref.weights(op, n=3, t=5, f=4, u=6, seed=13)
    fn = {"simple_rnn": simple_rnn, "lstm": lstm, "gru": gru}[op]
    args = [ember.tensor(a) for a in (w.x, w.kernel, w.recurrent_kernel, w.bias)]   # float32
    res = fn(*args)
    assert len(res) == (3 if op == "lstm" else 2)
    seq, h = res[0], res[1]
    assert seq.shape == (3, 5, 6) and h.shape == (3, 6)
    assert all(r.dtype == np.float32 for r in res)
    np.testing.assert_array_equal(seq.numpy()[:, -1], h.numpy())
    last = fn(*args, return_sequences=False)
    assert last[0] is last[1] and last[0].shape == (3, 6)
    np.testing.assert_allclose(last[1].numpy(), h.numpy(), rtol=1e-6)
    if op == "lstm":
        np.testing.assert_allclose(last[2].numpy(), res[2].numpy(), rtol=1e-6)


@pytest.mark.parametrize("op", ["simple_rnn", "lstm", "gru"])
def test_float32_close_to_float64(ref, op):
    w = ref.weights(op, n=3, t=6, f=4, u=5, seed=14)
    fn = {"simple_rnn": simple_rnn, "lstm": lstm, "gru": gru}[op]
    arrays = (w.x, w.kernel, w.recurrent_kernel, w.bias, w.h0)
    lo = fn(*[ember.tensor(a, dtype="float32") for a in arrays])[0]
    hi = fn(*[t64(a) for a in arrays])[0]
    assert lo.dtype == np.float32
    np.testing.assert_allclose(lo.numpy(), hi.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["simple_rnn", "lstm", "gru"])
def test_no_grad_path_gives_the_same_values(ref, op):
    w = ref.weights(op, n=3, t=5, f=4, u=6, seed=15)
    fn = {"simple_rnn": simple_rnn, "lstm": lstm, "gru": gru}[op]
    arrays = (w.x, w.kernel, w.recurrent_kernel, w.bias, w.h0)
    tracked = fn(*[ember.Variable(a, dtype="float64") for a in arrays], mask=MASK)
    assert tracked[0].requires_grad
    with ember.no_grad():
        plain = fn(*[ember.Variable(a, dtype="float64") for a in arrays], mask=MASK)
    assert not plain[0].requires_grad
    for a, b in zip(tracked, plain):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_single_step_and_fully_masked_rows(ref):
    w = ref.weights("lstm", n=2, t=1, f=3, u=4, seed=16)
    mask = np.array([[True], [False]])
    out, h, c = lstm(t64(w.x), t64(w.kernel), t64(w.recurrent_kernel), t64(w.bias), t64(w.h0),
                     t64(w.c0), mask=mask)
    want, want_h, want_c = ref.lstm(w.x, w.kernel, w.recurrent_kernel, w.bias, w.h0, w.c0,
                                    mask=mask)
    np.testing.assert_allclose(out.numpy(), want, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(h.numpy()[1], w.h0[1])                 # carried untouched
    np.testing.assert_allclose(c.numpy()[1], w.c0[1])


def test_accepts_arrays_and_activation_functions(ref):
    w = ref.weights("simple_rnn", n=2, t=3, f=3, u=2, seed=17)
    out, _ = simple_rnn(w.x, w.kernel, w.recurrent_kernel, w.bias,
                        activation=ember.activations.relu)
    want, _ = ref.simple_rnn(w.x, w.kernel, w.recurrent_kernel, w.bias, activation="relu")
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), want, rtol=RTOL, atol=ATOL)


def test_all_true_mask_equals_no_mask(ref):
    w = ref.weights("gru", n=3, t=5, f=4, u=6, seed=18)
    args = [t64(a) for a in (w.x, w.kernel, w.recurrent_kernel, w.bias)]
    a = gru(*args, mask=np.ones((3, 5), bool))[0]
    b = gru(*args)[0]
    np.testing.assert_array_equal(a.numpy(), b.numpy())
