"""Op-table entries for the fused recurrent ops (simple_rnn, lstm, gru).

The NumPy references are the step-by-step float64 loops of tests/ops_rnn/conftest.py (Keras'
formulas written one time step at a time, nothing shared with the fused ops); the PyTorch
spellings run the same loop with torch tensors, so torch's autograd supplies the reference
gradients. Each op returns (sequence, h_T[, c_T]); all of them are compared.
"""

import importlib.util
from pathlib import Path

from ember.ops import gru, lstm, rnn_simple


def _load_refs():
    spec = importlib.util.spec_from_file_location(
        "ember_rnn_refs", Path(__file__).with_name("conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_refs = _load_refs()


def _t_act(t, name):
    return {"tanh": t.tanh, "sigmoid": t.sigmoid, "relu": t.relu,
            "hard_sigmoid": lambda z: t.clamp(z / 6.0 + 0.5, 0.0, 1.0)}[name]


def _t_loop(t, x, step, state, go_backwards):
    n_steps = x.shape[1]
    order = range(n_steps - 1, -1, -1) if go_backwards else range(n_steps)
    outs = []
    for s in order:
        state = step(x[:, s], state)
        outs.append(state[0])
    return [t.stack(outs, 1), *state]


def t_simple_rnn(t, x, k, rk, b=None, h0=None, activation="tanh", go_backwards=False):
    f = _t_act(t, activation)
    h = t.zeros(x.shape[0], rk.shape[0], dtype=x.dtype) if h0 is None else h0
    return _t_loop(t, x, lambda xs, st: (f(xs @ k + st[0] @ rk + (0 if b is None else b)),),
                   (h,), go_backwards)


def t_lstm(t, x, k, rk, b=None, h0=None, c0=None, activation="tanh",
           recurrent_activation="sigmoid", go_backwards=False):
    act, ract = _t_act(t, activation), _t_act(t, recurrent_activation)
    n, u = x.shape[0], rk.shape[0]
    h = t.zeros(n, u, dtype=x.dtype) if h0 is None else h0
    c = t.zeros(n, u, dtype=x.dtype) if c0 is None else c0

    def step(xs, st):
        z = xs @ k + st[0] @ rk + (0 if b is None else b)
        zi, zf, zc, zo = t.chunk(z, 4, dim=1)
        c_new = ract(zf) * st[1] + ract(zi) * act(zc)
        return ract(zo) * act(c_new), c_new

    return _t_loop(t, x, step, (h, c), go_backwards)


def t_gru(t, x, k, rk, b=None, h0=None, activation="tanh", recurrent_activation="sigmoid",
          go_backwards=False, reset_after=True):
    act, ract = _t_act(t, activation), _t_act(t, recurrent_activation)
    n, u = x.shape[0], rk.shape[0]
    h = t.zeros(n, u, dtype=x.dtype) if h0 is None else h0

    def step(xs, st):
        (hp,) = st
        if reset_after:
            mx = xs @ k + (0 if b is None else b[0])
            mh = hp @ rk + (0 if b is None else b[1])
            z = ract(mx[:, :u] + mh[:, :u])
            r = ract(mx[:, u:2 * u] + mh[:, u:2 * u])
            hh = act(mx[:, 2 * u:] + r * mh[:, 2 * u:])
        else:
            mx = xs @ k + (0 if b is None else b)
            z = ract(mx[:, :u] + hp @ rk[:, :u])
            r = ract(mx[:, u:2 * u] + hp @ rk[:, u:2 * u])
            hh = act(mx[:, 2 * u:] + (r * hp) @ rk[:, 2 * u:])
        return (z * hp + (1 - z) * hh,)

    return _t_loop(t, x, step, (h,), go_backwards)


def _np_ref(fn):
    return lambda *a, **kw: list(fn(*a, **kw))


def rnn_entries(Entry, Sample):  # noqa: N803  (the table's classes)
    """The table entries for ember.ops.rnn_simple.simple_rnn, ember.ops.lstm.lstm and
    ember.ops.gru.gru."""
    S = Sample

    def w(op, seed, **kw):
        return _refs.make_weights(op, seed=seed, **kw)

    a = w("simple_rnn", 1)
    b = w("simple_rnn", 2, n=1, t=6, f=2, u=4)
    rnn_samples = (
        S("bias_h0", (a.x, a.kernel, a.recurrent_kernel, a.bias, a.h0), {}),
        S("relu_backwards", (b.x, b.kernel, b.recurrent_kernel, b.bias),
          {"activation": "relu", "go_backwards": True}),
        S("no_bias", (a.x, a.kernel, a.recurrent_kernel), {}),
    )
    a, b = w("lstm", 3), w("lstm", 4, n=1, t=5, f=2, u=2)
    lstm_samples = (
        S("bias_states", (a.x, a.kernel, a.recurrent_kernel, a.bias, a.h0, a.c0), {}),
        S("backwards_hard_sigmoid", (b.x, b.kernel, b.recurrent_kernel, b.bias),
          {"recurrent_activation": "hard_sigmoid", "go_backwards": True}),
        S("no_bias", (a.x, a.kernel, a.recurrent_kernel), {}),
    )
    a, b = w("gru", 5), w("gru", 6, n=1, t=5, f=2, u=2, reset_after=False)
    gru_samples = (
        S("reset_after", (a.x, a.kernel, a.recurrent_kernel, a.bias, a.h0), {}),
        S("reset_before_backwards", (b.x, b.kernel, b.recurrent_kernel, b.bias),
          {"reset_after": False, "go_backwards": True}),
        S("no_bias", (a.x, a.kernel, a.recurrent_kernel), {}),
    )
    tol = {"rtol": 1e-4, "atol": 1e-5, "torch_atol": 1e-5, "multi_output": True}
    return [
        Entry("simple_rnn", rnn_simple.simple_rnn, _np_ref(_refs.simple_rnn_ref),
              t_simple_rnn, rnn_samples, module="ember.ops.rnn_simple", **tol),
        Entry("lstm", lstm.lstm, _np_ref(_refs.lstm_ref), t_lstm, lstm_samples,
              module="ember.ops.lstm", **tol),
        Entry("gru", gru.gru, _np_ref(_refs.gru_ref), t_gru, gru_samples,
              module="ember.ops.gru", **tol),
    ]
