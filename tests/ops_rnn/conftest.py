"""Step-by-step NumPy references for the fused recurrent ops (Keras' formulas, batch-major,
float64, one step at a time: nothing shared with the ops' time-major, pre-scaled code), and
random weights for the tests."""

from types import SimpleNamespace

import numpy as np
import pytest

ACTS = {
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0.0),
    "linear": lambda z: z,
    "hard_sigmoid": lambda z: np.clip(z / 6.0 + 0.5, 0.0, 1.0),
    "softsign": lambda z: z / (1.0 + np.abs(z)),
}


def _steps(t, go_backwards):
    return range(t - 1, -1, -1) if go_backwards else range(t)


def _carry(mask, t, new, old):
    return new if mask is None else np.where(mask[:, t, None], new, old)


def simple_rnn_ref(x, k, rk, b=None, h0=None, activation="tanh", mask=None,
                   go_backwards=False):
    """a_t = f(x_t W_F + a_{t-1} W_R + b); returns (outputs (N, T, U), a_T)."""
    n, t, _ = x.shape
    u = rk.shape[0]
    f = ACTS[activation]
    h = np.zeros((n, u)) if h0 is None else h0
    outs = []
    for s in _steps(t, go_backwards):
        z = x[:, s] @ k + h @ rk + (0 if b is None else b)
        h = _carry(mask, s, f(z), h)
        outs.append(h)
    return np.stack(outs, 1), h


def lstm_ref(x, k, rk, b=None, h0=None, c0=None, activation="tanh",
             recurrent_activation="sigmoid", mask=None, go_backwards=False):
    """Keras' LSTM (gates i, f, c, o); returns (outputs, h_T, c_T)."""
    n, t, _ = x.shape
    u = rk.shape[0]
    act, ract = ACTS[activation], ACTS[recurrent_activation]
    h = np.zeros((n, u)) if h0 is None else h0
    c = np.zeros((n, u)) if c0 is None else c0
    outs = []
    for s in _steps(t, go_backwards):
        z = x[:, s] @ k + h @ rk + (0 if b is None else b)
        zi, zf, zc, zo = np.split(z, 4, axis=1)
        i, f, o = ract(zi), ract(zf), ract(zo)
        c_new = f * c + i * act(zc)
        h_new = o * act(c_new)
        h, c = _carry(mask, s, h_new, h), _carry(mask, s, c_new, c)
        outs.append(h)
    return np.stack(outs, 1), h, c


def gru_ref(x, k, rk, b=None, h0=None, activation="tanh", recurrent_activation="sigmoid",
            mask=None, go_backwards=False, reset_after=True):
    """Keras' GRU (gates z, r, h), both forms; returns (outputs, h_T)."""
    n, t, _ = x.shape
    u = rk.shape[0]
    act, ract = ACTS[activation], ACTS[recurrent_activation]
    h = np.zeros((n, u)) if h0 is None else h0
    if b is None:
        b = np.zeros((2, 3 * u)) if reset_after else np.zeros(3 * u)
    outs = []
    for s in _steps(t, go_backwards):
        if reset_after:
            mx = x[:, s] @ k + b[0]
            mh = h @ rk + b[1]
            z = ract(mx[:, :u] + mh[:, :u])
            r = ract(mx[:, u:2 * u] + mh[:, u:2 * u])
            hh = act(mx[:, 2 * u:] + r * mh[:, 2 * u:])
        else:
            mx = x[:, s] @ k + b
            z = ract(mx[:, :u] + h @ rk[:, :u])
            r = ract(mx[:, u:2 * u] + h @ rk[:, u:2 * u])
            hh = act(mx[:, 2 * u:] + (r * h) @ rk[:, 2 * u:])
        h = _carry(mask, s, z * h + (1 - z) * hh, h)
        outs.append(h)
    return np.stack(outs, 1), h


GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}


def make_weights(op, n=2, t=4, f=3, u=3, seed=0, scale=0.6, reset_after=True):
    """Random float64 inputs for `op`: x, kernel, recurrent_kernel, bias, h0 (and c0)."""
    rng = np.random.default_rng(seed)
    g = GATES[op]
    w = SimpleNamespace(
        x=rng.normal(size=(n, t, f)),
        kernel=scale * rng.normal(size=(f, g * u)),
        recurrent_kernel=scale * rng.normal(size=(u, g * u)),
        bias=0.3 * rng.normal(size=(2, 3 * u) if op == "gru" and reset_after else (g * u,)),
        h0=0.5 * rng.normal(size=(n, u)),
        c0=0.5 * rng.normal(size=(n, u)),
    )
    return w


@pytest.fixture
def ref():
    return SimpleNamespace(simple_rnn=simple_rnn_ref, lstm=lstm_ref, gru=gru_ref,
                           weights=make_weights)
