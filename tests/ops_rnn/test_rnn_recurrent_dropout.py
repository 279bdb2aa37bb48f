"""Recurrent dropout inside the fused ops: h_{t-1} * m feeds every step's recurrent product
(one mask m for the whole sequence). Values against step-by-step NumPy, float64 gradient
checks through masks, states and go_backwards, and the errors."""

import numpy as np
import pytest

from ember import ops
from ember.ops.gru import gru
from ember.ops.lstm import lstm
from ember.ops.rnn_simple import simple_rnn
from ember.utils import gradcheck

N, T, F, U = 2, 4, 3, 3
MASK = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], dtype=bool)


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _drop(seed=5):
    rng = np.random.default_rng(seed)
    return (rng.random((N, U)) > 0.4) / 0.6


def _weights(g, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(N, T, F)), 0.6 * rng.normal(size=(F, g * U)),
            0.6 * rng.normal(size=(U, g * U)), 0.3 * rng.normal(size=(g * U,)),
            0.5 * rng.normal(size=(N, U)))


def _simple_ref(x, k, rk, b, h, m):
    out = []
    for t in range(T):
        h = np.tanh(x[:, t] @ k + (h * m) @ rk + b)
        out.append(h)
    return np.stack(out, 1)


def _lstm_ref(x, k, rk, b, h, m):
    c, out = np.zeros_like(h), []
    for t in range(T):
        i, f, g, o = np.split(x[:, t] @ k + (h * m) @ rk + b, 4, axis=1)
        c = _sig(f) * c + _sig(i) * np.tanh(g)
        h = _sig(o) * np.tanh(c)
        out.append(h)
    return np.stack(out, 1)


def _gru_ref(x, k, rk, b2, h, m):
    out = []
    for t in range(T):
        xz, xr, xh = np.split(x[:, t] @ k + b2[0], 3, axis=1)
        hz, hr, hh = np.split((h * m) @ rk + b2[1], 3, axis=1)
        z, r = _sig(xz + hz), _sig(xr + hr)
        h = z * h + (1 - z) * np.tanh(xh + r * hh)       # the mix uses the undropped h_{t-1}
        out.append(h)
    return np.stack(out, 1)


def test_values_match_step_by_step_numpy():
    m = _drop()
    x, k, rk, b, h0 = _weights(1)
    np.testing.assert_allclose(simple_rnn(x, k, rk, b, h0, recurrent_dropout_mask=m)[0].numpy(),
                               _simple_ref(x, k, rk, b, h0, m), rtol=1e-12, atol=1e-12)
    x, k, rk, b, h0 = _weights(4)
    np.testing.assert_allclose(lstm(x, k, rk, b, h0, recurrent_dropout_mask=m)[0].numpy(),
                               _lstm_ref(x, k, rk, b, h0, m), rtol=1e-12, atol=1e-12)
    x, k, rk, _, h0 = _weights(3)
    b2 = 0.3 * np.random.default_rng(1).normal(size=(2, 3 * U))
    np.testing.assert_allclose(gru(x, k, rk, b2, h0, recurrent_dropout_mask=m)[0].numpy(),
                               _gru_ref(x, k, rk, b2, h0, m), rtol=1e-12, atol=1e-12)
    # a mask of ones is no dropout
    ones = np.ones((N, U))
    np.testing.assert_allclose(gru(x, k, rk, b2, h0, recurrent_dropout_mask=ones)[0].numpy(),
                               gru(x, k, rk, b2, h0)[0].numpy(), rtol=1e-14)


def _joined(*tensors):
    return ops.concat([ops.reshape(t, (-1,)) for t in tensors], axis=0)


@pytest.mark.parametrize("opts", [{}, {"mask": MASK}, {"go_backwards": True, "mask": MASK}])
def test_gradcheck_simple_rnn(opts):
    m = _drop()

    def fn(x, k, rk, b, h0):
        out, h = simple_rnn(x, k, rk, b, h0, recurrent_dropout_mask=m, **opts)
        return _joined(out, h)

    assert gradcheck(fn, list(_weights(1)))


@pytest.mark.parametrize("opts", [{}, {"mask": MASK}, {"go_backwards": True, "mask": MASK}])
def test_gradcheck_lstm(opts):
    m = _drop()
    c0 = 0.5 * np.random.default_rng(2).normal(size=(N, U))

    def fn(x, k, rk, b, h0, c0):
        out, h, c = lstm(x, k, rk, b, h0, c0, recurrent_dropout_mask=m, **opts)
        return _joined(out, h, c)

    assert gradcheck(fn, [*_weights(4), c0])


@pytest.mark.parametrize("opts", [{}, {"mask": MASK}, {"go_backwards": True, "mask": MASK}])
def test_gradcheck_gru(opts):
    m = _drop()
    x, k, rk, _, h0 = _weights(3)
    b2 = 0.3 * np.random.default_rng(1).normal(size=(2, 3 * U))

    def fn(x, k, rk, b, h0):
        out, h = gru(x, k, rk, b, h0, recurrent_dropout_mask=m, **opts)
        return _joined(out, h)

    assert gradcheck(fn, [x, k, rk, b2, h0])


def test_errors():
    x, k, rk, b, h0 = _weights(1)
    with pytest.raises(ValueError, match=r"simple_rnn: recurrent_dropout_mask must have shape "
                                         r"\(batch, units\) = \(2, 3\); received shape \(3, 2\)"):
        simple_rnn(x, k, rk, b, recurrent_dropout_mask=np.ones((3, 2)))
    x, k, rk, _, _ = _weights(3)
    with pytest.raises(ValueError, match="needs reset_after=True"):
        gru(x, k, rk, reset_after=False, recurrent_dropout_mask=np.ones((N, U)))
