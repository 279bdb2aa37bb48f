"""Masks and direction, by the equivalences they promise:

- a padded batch with a mask equals the sequences run one by one, unpadded (values and the
  gradients of the unpadded parts; padded steps get no gradient);
- a step masked in the middle equals the sequence with that step deleted (its output is the
  carried state);
- go_backwards equals running on the reversed sequence (and reversed mask).
Also: buffers reused between calls are never shared by two live graphs."""

import numpy as np
import pytest

import ember
from ember.ops.gru import gru
from ember.ops.lstm import lstm
from ember.ops.rnn_simple import simple_rnn

OPS = {
    "simple_rnn": (simple_rnn, {}),
    "lstm": (lstm, {}),
    "gru": (gru, {}),
    "gru_reset_before": (gru, {"reset_after": False}),
}
KIND = {"simple_rnn": "simple_rnn", "lstm": "lstm", "gru": "gru", "gru_reset_before": "gru"}
TOL = dict(rtol=1e-10, atol=1e-12)


def weights(ref, name, n, t, seed):
    reset_after = OPS[name][1].get("reset_after", True)
    return ref.weights(KIND[name], n=n, t=t, f=3, u=4, seed=seed, reset_after=reset_after)


def run(name, x, w, h0=None, c0=None, **kw):
    """The op on float64 Variables; returns (tensors returned, the Variables)."""
    fn, fixed = OPS[name]
    vs = [ember.Variable(a, dtype="float64") for a in (x, w.kernel, w.recurrent_kernel, w.bias)]
    states = [ember.Variable(s, dtype="float64") for s in (h0, c0) if s is not None]
    if KIND[name] == "lstm":
        out = fn(*vs, *states, **fixed, **kw)
    else:
        out = fn(*vs, *states[:1], **fixed, **kw)
    return out, vs + states


def loss_and_grads(out, variables, weight_seq, weight_last):
    """L = sum(seq * weight_seq) + sum(h_T * weight_last) (+ sum(c_T * weight_last))."""
    loss = ember.ops.sum(out[0] * weight_seq) + ember.ops.sum(out[1] * weight_last)
    if len(out) == 3:
        loss = loss + ember.ops.sum(out[2] * weight_last)
    return [g.numpy() for g in ember.grad(loss, variables)]


@pytest.mark.parametrize("name", list(OPS))
def test_padded_masked_batch_equals_unpadded_sequences(ref, name):
    lengths = [5, 2, 4, 1]
    n, t = len(lengths), max(lengths)
    w = weights(ref, name, n, t, seed=20)
    rng = np.random.default_rng(21)
    x = rng.normal(size=(n, t, 3))                        # padding holds garbage on purpose
    mask = np.arange(t)[None, :] < np.array(lengths)[:, None]
    with_c = KIND[name] == "lstm"
    c0 = w.c0[:n] if with_c else None
    v_seq = rng.normal(size=(n, t, 4)) * mask[..., None]  # the loss reads valid outputs only
    v_last = rng.normal(size=(n, 4))

    out, vs = run(name, x, w, w.h0[:n], c0, mask=mask)
    grads = loss_and_grads(out, vs, v_seq, v_last)
    sums = [np.zeros_like(g) for g in grads[1:4]]
    for i, length in enumerate(lengths):
        one, ws = run(name, x[i:i + 1, :length], w, w.h0[i:i + 1],
                      c0[i:i + 1] if with_c else None)
        np.testing.assert_allclose(out[0].numpy()[i, :length], one[0].numpy()[0], **TOL)
        # masked steps output the carried state: the last valid one
        for s in range(length, t):
            np.testing.assert_allclose(out[0].numpy()[i, s], one[1].numpy()[0], **TOL)
        for a, b in zip(out[1:], one[1:]):
            np.testing.assert_allclose(a.numpy()[i], b.numpy()[0], **TOL)
        g1 = loss_and_grads(one, ws, v_seq[i:i + 1, :length], v_last[i:i + 1])
        np.testing.assert_allclose(grads[0][i, :length], g1[0][0], **TOL)        # dx
        np.testing.assert_array_equal(grads[0][i, length:], 0.0)                  # padding
        for k in range(3):
            sums[k] += g1[1 + k]
        for k in range(4, len(grads)):                                            # dh0, dc0
            np.testing.assert_allclose(grads[k][i], g1[k][0], **TOL)
    for a, b in zip(grads[1:4], sums):                                            # dW, dU, db
        np.testing.assert_allclose(a, b, **TOL)


@pytest.mark.parametrize("name", list(OPS))
def test_mask_in_the_middle_equals_deleting_the_step(ref, name):
    n, t = 2, 5
    w = weights(ref, name, n, t, seed=22)
    mask = np.array([[1, 1, 0, 0, 1], [1, 1, 1, 1, 1]], dtype=bool)
    with_c = KIND[name] == "lstm"
    out, vs = run(name, w.x, w, w.h0, w.c0 if with_c else None, mask=mask)
    keep = [0, 1, 4]
    short, ws = run(name, w.x[:1, keep], w, w.h0[:1], w.c0[:1] if with_c else None)
    seq = out[0].numpy()[0]
    np.testing.assert_allclose(seq[keep], short[0].numpy()[0], **TOL)
    np.testing.assert_allclose(seq[2], seq[1], **TOL)
    np.testing.assert_allclose(seq[3], seq[1], **TOL)
    rng = np.random.default_rng(23)
    v_seq = rng.normal(size=(n, t, 4)) * mask[..., None]
    v_last = rng.normal(size=(n, 4)) * np.array([[1.0], [0.0]])
    g = loss_and_grads(out, vs, v_seq, v_last)
    g1 = loss_and_grads(short, ws, v_seq[:1, keep], v_last[:1])
    np.testing.assert_allclose(g[0][0, keep], g1[0][0], **TOL)
    np.testing.assert_array_equal(g[0][0, [2, 3]], 0.0)


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("masked", [False, True])
def test_go_backwards_equals_reversed_sequence(ref, name, masked):
    n, t = 3, 5
    w = weights(ref, name, n, t, seed=24)
    mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1], [1, 1, 1, 1, 1]], bool) if masked else None
    with_c = KIND[name] == "lstm"
    c0 = w.c0[:n] if with_c else None
    back, vb = run(name, w.x, w, w.h0[:n], c0, mask=mask, go_backwards=True)
    rev, vr = run(name, w.x[:, ::-1].copy(), w, w.h0[:n], c0,
                  mask=None if mask is None else mask[:, ::-1].copy())
    for a, b in zip(back, rev):
        np.testing.assert_allclose(a.numpy(), b.numpy(), **TOL)
    rng = np.random.default_rng(25)
    v_seq, v_last = rng.normal(size=(n, t, 4)), rng.normal(size=(n, 4))
    gb = loss_and_grads(back, vb, v_seq, v_last)
    gr = loss_and_grads(rev, vr, v_seq, v_last)
    np.testing.assert_allclose(gb[0], gr[0][:, ::-1], **TOL)                    # dx
    for a, b in zip(gb[1:], gr[1:]):
        np.testing.assert_allclose(a, b, **TOL)


@pytest.mark.parametrize("name", list(OPS))
def test_live_graphs_never_share_buffers(ref, name):
    """Buffers are reused across calls only once nothing refers to them: two graphs alive at
    once keep their own values, and a retained graph gives the same gradients twice."""
    rng = np.random.default_rng(26)
    # sizes large enough (> 1 MiB buffers) for the op to take them from its workspace
    big = ref.weights(KIND[name], n=64, t=40, f=3, u=32, seed=27,
                      reset_after=OPS[name][1].get("reset_after", True))
    x2 = rng.normal(size=big.x.shape)
    out1, v1 = run(name, big.x, big)
    before = [o.numpy() for o in out1]
    out2, _ = run(name, x2, big)
    for o, b in zip(out1, before):
        np.testing.assert_array_equal(o.numpy(), b)
    assert not np.allclose(out2[0].numpy(), before[0])
    loss = ember.ops.sum(out1[0] * out1[0])
    g_a = [g.numpy() for g in ember.grad(loss, v1, retain_graph=True)]
    run(name, x2, big)                       # another op's buffers in between
    g_b = [g.numpy() for g in ember.grad(loss, v1)]
    for a, b in zip(g_a, g_b):
        np.testing.assert_array_equal(a, b)
