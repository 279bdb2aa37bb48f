"""The vanishing gradient of the notes, measured with `state_gradient_norms`: on a long
sequence with small random weights, ||dL/dh_t|| for a loss on the last state decays by many
orders of magnitude over t for a plain RNN, and far less for an LSTM whose forget-gate bias is
1 (Keras' unit_forget_bias)."""

import numpy as np
import pytest

from ember.ops.gru import gru
from ember.ops.lstm import lstm
from ember.ops.recurrent import state_gradient_norms
from ember.ops.rnn_simple import simple_rnn

N, T, F, U = 4, 50, 3, 8


@pytest.fixture
def long_sequence():
    rng = np.random.default_rng(0)
    return rng, rng.normal(size=(N, T, F))


def test_simple_rnn_norms_match_a_hand_written_bptt(long_sequence):
    rng, x = long_sequence
    k, r, b = 0.3 * rng.normal(size=(F, U)), 0.3 * rng.normal(size=(U, U)), rng.normal(size=U)
    g_last = rng.normal(size=(N, U))
    norms = state_gradient_norms(simple_rnn, x, k, r, b, grad_last=g_last)
    hs, h = [], np.zeros((N, U))
    for t in range(T):
        h = np.tanh(x[:, t] @ k + h @ r + b)
        hs.append(h)
    want, dh = [], g_last
    for t in range(T - 1, -1, -1):
        want.append(np.linalg.norm(dh))
        dh = (dh * (1 - hs[t] ** 2)) @ r.T
    np.testing.assert_allclose(norms, want[::-1], rtol=1e-10)
    assert norms.shape == (T,) and norms.dtype == np.float64


def test_simple_rnn_gradient_vanishes_lstm_keeps_it(long_sequence):
    rng, x = long_sequence
    small = 0.1
    norms_rnn = state_gradient_norms(simple_rnn, x, small * rng.normal(size=(F, U)),
                                     small * rng.normal(size=(U, U)))
    bias = np.zeros(4 * U)
    bias[U:2 * U] = 1.0                                      # forget gate (order i, f, c, o)
    norms_lstm = state_gradient_norms(lstm, x, small * rng.normal(size=(F, 4 * U)),
                                      small * rng.normal(size=(U, 4 * U)), bias)
    ratio_rnn = norms_rnn[0] / norms_rnn[-1]
    ratio_lstm = norms_lstm[0] / norms_lstm[-1]
    assert ratio_rnn < 1e-20                                 # measured ~2e-28
    assert ratio_lstm > 1e-9                                 # measured ~2e-7
    assert ratio_rnn < 1e-12 * ratio_lstm                    # many orders of magnitude apart
    # the plain RNN's decay is steady: every 10 steps back cost several orders of magnitude
    assert np.all(norms_rnn[:-10] < 1e-3 * norms_rnn[10:])


def test_norms_follow_processing_order_and_masks(long_sequence):
    rng, x = long_sequence
    k, r = 0.5 * rng.normal(size=(F, 3 * U)), 0.5 * rng.normal(size=(U, 3 * U))
    fwd = state_gradient_norms(gru, x, k, r)
    back = state_gradient_norms(gru, x[:, ::-1], k, r)
    np.testing.assert_allclose(state_gradient_norms(gru, x, k, r, go_backwards=True), back)
    assert fwd.shape == back.shape == (T,)
    # a masked step carries dL/dh unchanged to the step before it
    mask = np.ones((N, T), bool)
    mask[:, 20] = False
    masked = state_gradient_norms(gru, x, k, r, mask=mask)
    np.testing.assert_allclose(masked[19], masked[20], rtol=1e-12)
