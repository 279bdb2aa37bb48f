"""The LSTM's and SimpleRNN's path for few input features (4 (F + 1) <= U): one GEMM per
step on [h_{t-1}; x_t; 1] writes the whole pre-activation. Values against the step-by-step NumPy
reference and float64 gradient checks, with masks, states and go_backwards."""

import numpy as np
import pytest

import ember.ops.lstm as lstm_module
import ember.ops.rnn_simple as simple_module
from ember import ops
from ember.ops.lstm import lstm
from ember.ops.rnn_simple import simple_rnn
from ember.utils import gradcheck

MASK = np.array([[1, 0, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=bool)


@pytest.mark.parametrize("opts", [{}, {"mask": MASK}, {"mask": MASK, "go_backwards": True},
                                  {"activation": "relu", "recurrent_activation": "hard_sigmoid"}])
def test_values_and_gradients(ref, opts, monkeypatch):
    def no_projection(*args):
        raise AssertionError("the separate input projection ran")

    monkeypatch.setattr(lstm_module, "input_projection", no_projection)
    w = ref.weights("lstm", t=5, f=1, u=8, seed=3)        # 4 * (1 + 1) <= 8
    seq, h, c = lstm(w.x, w.kernel, w.recurrent_kernel, w.bias, w.h0, w.c0, **opts)
    want_seq, want_h, want_c = ref.lstm(w.x, w.kernel, w.recurrent_kernel, w.bias, w.h0, w.c0,
                                        **opts)
    np.testing.assert_allclose(seq.numpy(), want_seq, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(c.numpy(), want_c, rtol=1e-10, atol=1e-12)

    def fn(x, k, rk, b, h0, c0):
        out = lstm(x, k, rk, b, h0, c0, **opts)
        return ops.concat([ops.reshape(t, (-1,)) for t in out], axis=0)

    assert gradcheck(fn, [w.x, w.kernel, w.recurrent_kernel, w.bias, w.h0, w.c0])


@pytest.mark.parametrize("opts", [{}, {"mask": MASK, "go_backwards": True},
                                  {"activation": "relu"}])
def test_simple_rnn_values_and_gradients(ref, opts, monkeypatch):
    def no_projection(*args):
        raise AssertionError("the separate input projection ran")

    monkeypatch.setattr(simple_module, "input_projection", no_projection)
    w = ref.weights("simple_rnn", t=5, f=1, u=8, seed=4)
    seq, h = simple_rnn(w.x, w.kernel, w.recurrent_kernel, w.bias, w.h0, **opts)
    want_seq, want_h = ref.simple_rnn(w.x, w.kernel, w.recurrent_kernel, w.bias, w.h0, **opts)
    np.testing.assert_allclose(seq.numpy(), want_seq, rtol=1e-10, atol=1e-12)

    def fn(x, k, rk, b, h0):
        out = simple_rnn(x, k, rk, b, h0, **opts)
        return ops.concat([ops.reshape(t, (-1,)) for t in out], axis=0)

    assert gradcheck(fn, [w.x, w.kernel, w.recurrent_kernel, w.bias, w.h0])
