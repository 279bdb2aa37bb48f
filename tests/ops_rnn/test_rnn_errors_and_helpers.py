"""Argument checking of the recurrent ops (errors name the op, the argument and the shapes),
the activation lookup, and the buffer workspace."""

import numpy as np
import pytest

import ember
from ember.ops.gru import gru
from ember.ops.lstm import lstm
from ember.ops.recurrent import Workspace, get_activation
from ember.ops.rnn_simple import simple_rnn


def arrays(*shapes):
    rng = np.random.default_rng(0)
    return [rng.normal(size=s).astype(np.float32) for s in shapes]


@pytest.mark.parametrize("call, message", [
    (lambda: simple_rnn(*arrays((2, 3), (3, 4), (4, 4))), r"simple_rnn: x must have shape"),
    (lambda: simple_rnn(*arrays((2, 0, 3), (3, 4), (4, 4))), r"at least one timestep"),
    (lambda: simple_rnn(*arrays((2, 5, 3), (2, 4), (4, 4))),
     r"simple_rnn: kernel must have shape .* \(3, 4\).*received shape \(2, 4\)"),
    (lambda: lstm(*arrays((2, 5, 3), (3, 8), (2, 4))),
     r"lstm: recurrent_kernel must have shape \(units, 4 \* units\)"),
    (lambda: lstm(*arrays((2, 5, 3), (3, 8), (2, 8), (6,))), r"lstm: bias must have shape"),
    (lambda: lstm(*arrays((2, 5, 3), (3, 8), (2, 8), (8,), (3, 2))),
     r"lstm: h0 must have shape \(batch, units\) = \(2, 2\); received shape \(3, 2\)"),
    (lambda: lstm(*arrays((2, 5, 3), (3, 8), (2, 8), (8,), (2, 2), (2, 3))), r"lstm: c0 must"),
    (lambda: gru(*arrays((2, 5, 3), (3, 6), (2, 6), (6,))),
     r"gru: with reset_after=True bias must have shape \(2, 6\); received shape \(6,\)"),
    (lambda: gru(*arrays((2, 5, 3), (3, 6), (2, 6), (2, 6)), reset_after=False),
     r"gru: with reset_after=False bias must have shape \(6,\)"),
    (lambda: gru(*arrays((2, 5, 3), (3, 6), (2, 6)), mask=np.ones((2, 4), bool)),
     r"gru: mask must have shape \(batch, timesteps\) = \(2, 5\); received shape \(2, 4\)"),
    (lambda: simple_rnn(*arrays((2, 5, 3), (3, 4), (4, 4)), activation="swishy"),
     r"simple_rnn: activation must be one of .*received 'swishy'"),
    (lambda: lstm(*arrays((2, 5, 3), (3, 8), (2, 8)), recurrent_activation="gelu"),
     r"lstm: recurrent_activation must be one of"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_activation_lookup():
    assert get_activation(None, "op", "activation").name == "linear"
    assert get_activation("TANH", "op", "activation").name == "tanh"
    assert get_activation(ember.activations.sigmoid, "op", "activation").name == "sigmoid"


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "linear", "hard_sigmoid",
                                  "softsign"])
def test_activation_values_and_derivatives(name):
    """apply() on the pre-scaled input gives f(z); deriv() from f(z) gives f'(z)."""
    act = get_activation(name, "op", "activation")
    z = np.linspace(-5, 5, 101) + 0.013                              # no kink hit exactly
    ref = {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh,
           "relu": lambda v: np.maximum(v, 0), "linear": lambda v: v,
           "hard_sigmoid": lambda v: np.clip(v / 6 + 0.5, 0, 1),
           "softsign": lambda v: v / (1 + np.abs(v))}[name]
    y = z * act.scale
    act.apply(y)
    np.testing.assert_allclose(y, ref(z), rtol=1e-12, atol=1e-15)
    d = np.empty_like(y)
    act.deriv(y, d)
    eps = 1e-6
    np.testing.assert_allclose(d, (ref(z + eps) - ref(z - eps)) / (2 * eps), atol=1e-8)


def test_sigmoid_and_tanh_saturate_without_warnings():
    for name in ("sigmoid", "tanh"):
        act = get_activation(name, "op", "activation")
        a = np.array([-1e4, -100.0, 0.0, 100.0, 1e4], np.float32) * act.scale
        with np.errstate(over="ignore"):
            act.apply(a)
        assert np.all(np.isfinite(a))
    big = ember.tensor(np.full((1, 3, 1), 1e4, np.float32))
    seq, _ = simple_rnn(big, ember.ones((1, 2)), ember.ones((2, 2)))
    np.testing.assert_array_equal(seq.numpy(), 1.0)


def test_workspace_reuses_only_unreferenced_buffers():
    ws = Workspace(min_bytes=0)
    a = ws.empty((4, 5), np.float32)
    address = a.ctypes.data
    b = ws.empty((4, 5), np.float32)
    assert b.ctypes.data != address                                    # a is still referenced
    view = a[1:]
    del a
    c = ws.empty((4, 5), np.float32)
    assert c.ctypes.data not in (address, b.ctypes.data)               # a view keeps it busy
    del view
    d = ws.empty((4, 5), np.float32)
    assert d.ctypes.data == address                                    # free again: reused
    assert d.shape == (4, 5) and d.dtype == np.float32
    small = Workspace()                                                # default: >= 1 MiB only
    assert small.empty((3,), np.float64) is not small.empty((3,), np.float64)


def test_workspace_limits():
    ws = Workspace(per_shape=1, min_bytes=0, max_bytes=100)
    kept = ws.empty((10,), np.float32)                                 # 40 bytes: kept
    other = ws.empty((10,), np.float32)                                # busy -> fresh, not kept
    assert other is not kept
    del other
    assert ws.empty((10,), np.float32) is not kept                     # only `kept` is pooled
    ws.clear()
