"""Float64 central-difference checks of the fused recurrent ops' backpropagation through time,
for every input that takes a gradient (x, kernel, recurrent_kernel, bias, h0, c0) and every
returned tensor (the sequence, the last h, the last c), at small sizes, for each option."""

import numpy as np
import pytest

from ember import ops
from ember.ops.gru import gru
from ember.ops.lstm import lstm
from ember.ops.rnn_simple import simple_rnn
from ember.utils import gradcheck

MASK_END = np.array([[1, 1, 1, 1], [1, 1, 0, 0]], dtype=bool)      # padding at the end
MASK_MID = np.array([[1, 0, 1, 1], [1, 1, 0, 1]], dtype=bool)      # padding in the middle
MASK_FIRST = np.array([[0, 1, 1, 1], [1, 0, 0, 1]], dtype=bool)    # a masked first step


def _joined(*tensors):
    """One output combining every returned tensor, so one check covers the gradient from all."""
    return ops.concat([ops.reshape(t, (-1,)) for t in tensors], axis=0)


def _inputs(w, names):
    return [getattr(w, name) for name in names]


SIMPLE = [
    dict(activation="tanh"),
    dict(activation="relu", h0=True),
    dict(activation="tanh", h0=True, bias=False, go_backwards=True),
    dict(activation="tanh", mask=MASK_END, h0=True),
    dict(activation="tanh", mask=MASK_MID),
    dict(activation="sigmoid", mask=MASK_MID, go_backwards=True, return_sequences=False),
    dict(activation="softsign", mask=MASK_FIRST, h0=True),
    dict(activation="linear", t=3, u=2),
]


@pytest.mark.parametrize("cfg", SIMPLE, ids=lambda c: "-".join(f"{k}" for k in c))
def test_simple_rnn_gradcheck(ref, cfg):
    cfg = dict(cfg)
    w = ref.weights("simple_rnn", t=cfg.pop("t", 4), u=cfg.pop("u", 3), seed=1)
    names = ["x", "kernel", "recurrent_kernel"]
    use_bias, use_h0 = cfg.pop("bias", True), cfg.pop("h0", False)
    names += ["bias"] * use_bias + ["h0"] * use_h0
    seqs = cfg.get("return_sequences", True)

    def fn(x, k, rk, *rest):
        rest = list(rest)
        b = rest.pop(0) if use_bias else None
        h0 = rest.pop(0) if use_h0 else None
        out, h = simple_rnn(x, k, rk, b, h0, **cfg)
        return _joined(out, h) if seqs else _joined(h)

    assert gradcheck(fn, _inputs(w, names))


LSTM = [
    dict(),
    dict(h0=True, c0=True),
    dict(mask=MASK_END, h0=True, c0=True),
    dict(mask=MASK_MID, c0=True),
    dict(mask=MASK_FIRST, h0=True, c0=True, go_backwards=True),
    dict(go_backwards=True, h0=True),
    dict(return_sequences=False, h0=True, c0=True, mask=MASK_MID),
    dict(bias=False, t=3, u=2),
    dict(activation="softsign", recurrent_activation="hard_sigmoid", h0=True),
    dict(activation="relu", c0=True, t=3),
]


@pytest.mark.parametrize("cfg", LSTM, ids=lambda c: "-".join(f"{k}" for k in c) or "default")
def test_lstm_gradcheck(ref, cfg):
    cfg = dict(cfg)
    w = ref.weights("lstm", t=cfg.pop("t", 4), u=cfg.pop("u", 3), seed=2)
    use_bias, use_h0, use_c0 = cfg.pop("bias", True), cfg.pop("h0", False), cfg.pop("c0", False)
    names = ["x", "kernel", "recurrent_kernel"] + ["bias"] * use_bias
    names += ["h0"] * use_h0 + ["c0"] * use_c0
    seqs = cfg.get("return_sequences", True)

    def fn(x, k, rk, *rest):
        rest = list(rest)
        b = rest.pop(0) if use_bias else None
        h0 = rest.pop(0) if use_h0 else None
        c0 = rest.pop(0) if use_c0 else None
        out, h, c = lstm(x, k, rk, b, h0, c0, **cfg)
        return _joined(out, h, c) if seqs else _joined(h, c)

    assert gradcheck(fn, _inputs(w, names))


GRU = [
    dict(),
    dict(h0=True),
    dict(mask=MASK_END, h0=True),
    dict(mask=MASK_MID),
    dict(mask=MASK_FIRST, h0=True, go_backwards=True),
    dict(go_backwards=True),
    dict(return_sequences=False, h0=True, mask=MASK_MID),
    dict(bias=False, t=3, u=2),
    dict(activation="relu", recurrent_activation="hard_sigmoid", h0=True),
]


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("cfg", GRU, ids=lambda c: "-".join(f"{k}" for k in c) or "default")
def test_gru_gradcheck(ref, cfg, reset_after):
    cfg = dict(cfg)
    w = ref.weights("gru", t=cfg.pop("t", 4), u=cfg.pop("u", 3), seed=3, reset_after=reset_after)
    use_bias, use_h0 = cfg.pop("bias", True), cfg.pop("h0", False)
    names = ["x", "kernel", "recurrent_kernel"] + ["bias"] * use_bias + ["h0"] * use_h0
    seqs = cfg.get("return_sequences", True)

    def fn(x, k, rk, *rest):
        rest = list(rest)
        b = rest.pop(0) if use_bias else None
        h0 = rest.pop(0) if use_h0 else None
        out, h = gru(x, k, rk, b, h0, reset_after=reset_after, **cfg)
        return _joined(out, h) if seqs else _joined(h)

    assert gradcheck(fn, _inputs(w, names))


def test_gradient_from_the_last_state_only(ref):
    """Only h_T (and c_T) used: the backward starts from them, every input still gets its
    gradient."""
    w = ref.weights("lstm", seed=4)

    def fn(x, k, rk, b, h0, c0):
        _, h, c = lstm(x, k, rk, b, h0, c0)
        return _joined(h, c * 2.0)

    assert gradcheck(fn, [w.x, w.kernel, w.recurrent_kernel, w.bias, w.h0, w.c0])
