"""ember's SimpleRNN / LSTM / GRU / Bidirectional layers against torch.nn.RNN / LSTM / GRU
(batch_first), values and gradients, with PyTorch's weights mapped into the layers:

- kernel = W_ih^T, recurrent_kernel = W_hh^T;
- LSTM gate order i, f, g, o = Keras' i, f, c, o; bias = b_ih + b_hh;
- GRU gates r, z, n -> Keras' z, r, h; PyTorch's GRU is reset_after=True with
  bias = [b_ih; b_hh] (both remapped); SimpleRNN bias = b_ih + b_hh.

float64 on both sides (the layers built with dtype="float64"), so tolerances are tight.
"""

import numpy as np
import pytest

import ember
from ember import layers

torch = pytest.importorskip("torch")

N, T, F, U = 3, 6, 4, 5
TOL = dict(rtol=1e-9, atol=1e-11)


def _zrh(a):
    r, z, n = np.split(np.asarray(a), 3, axis=0)
    return np.concatenate([z, r, n], axis=0)


def _keras_weights(kind, mod, suffix=""):
    g = lambda name: getattr(mod, name + suffix).detach().numpy()  # noqa: E731
    w_ih, w_hh, b_ih, b_hh = g("weight_ih_l0"), g("weight_hh_l0"), g("bias_ih_l0"), g(
        "bias_hh_l0")
    if kind == "gru":
        return [_zrh(w_ih).T, _zrh(w_hh).T, np.stack([_zrh(b_ih), _zrh(b_hh)])]
    return [w_ih.T, w_hh.T, b_ih + b_hh]


def _keras_grads(kind, mod, suffix=""):
    g = lambda name: getattr(mod, name + suffix).grad.numpy()  # noqa: E731
    w_ih, w_hh, b_ih, b_hh = g("weight_ih_l0"), g("weight_hh_l0"), g("bias_ih_l0"), g(
        "bias_hh_l0")
    if kind == "gru":
        return [_zrh(w_ih).T, _zrh(w_hh).T, np.stack([_zrh(b_ih), _zrh(b_hh)])]
    return [w_ih.T, w_hh.T, b_ih]


_PAIRS = {"rnn": (layers.SimpleRNN, "RNN"), "lstm": (layers.LSTM, "LSTM"),
          "gru": (layers.GRU, "GRU")}


def _torch_module(kind, bidirectional=False):
    torch.manual_seed(0)
    return getattr(torch.nn, _PAIRS[kind][1])(F, U, batch_first=True,
                                              bidirectional=bidirectional).double()


def _ember_grads(layer, x, seed_fn):
    xt = ember.Variable(x, dtype="float64")
    with ember.GradientTape() as tape:
        outs = layer(xt)
        loss = seed_fn(outs)
    grads = tape.gradient(loss, [xt, *layer.trainable_weights])
    return outs, [g.numpy() for g in grads]


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_layer_values_states_and_gradients_match_torch(kind):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, T, F))
    w_out = rng.normal(size=(N, T, U))
    w_h = rng.normal(size=(N, U))
    mod = _torch_module(kind)
    layer = _PAIRS[kind][0](U, return_sequences=True, return_state=True, dtype="float64")
    layer.build((None, T, F))
    layer.set_weights(_keras_weights(kind, mod))

    outs, grads = _ember_grads(layer, x, lambda o: ember.ops.sum(o[0] * w_out) +
                               ember.ops.sum(o[1] * w_h))
    xt = torch.tensor(x, requires_grad=True)
    y, state = mod(xt)
    h_n = state[0][0] if kind == "lstm" else state[0]
    ((y * torch.tensor(w_out)).sum() + (h_n * torch.tensor(w_h)).sum()).backward()
    np.testing.assert_allclose(outs[0].numpy(), y.detach().numpy(), **TOL)
    np.testing.assert_allclose(outs[1].numpy(), h_n.detach().numpy(), **TOL)
    if kind == "lstm":
        np.testing.assert_allclose(outs[2].numpy(), state[1][0].detach().numpy(), **TOL)
    np.testing.assert_allclose(grads[0], xt.grad.numpy(), **TOL)
    for got, want in zip(grads[1:], _keras_grads(kind, mod)):
        np.testing.assert_allclose(got, want, **TOL)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_masked_last_state_matches_packed_sequences(kind):
    rng = np.random.default_rng(1)
    lengths = [6, 2, 4]
    x = rng.normal(size=(N, T, F))
    mask = np.arange(T)[None] < np.array(lengths)[:, None]
    x[~mask] = 0.0
    mod = _torch_module(kind)
    layer = _PAIRS[kind][0](U, dtype="float64")
    layer.build((None, T, F))
    layer.set_weights(_keras_weights(kind, mod))
    # a float64 Tensor: Layer.__call__ turns a float64 ndarray into a float32 Tensor
    h = layer(ember.Tensor(x, dtype="float64"), mask=mask).numpy()
    packed = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths, batch_first=True,
                                                     enforce_sorted=False)
    _, state = mod(packed)
    h_n = (state[0] if kind == "lstm" else state)[0].detach().numpy()
    np.testing.assert_allclose(h, h_n, **TOL)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_bidirectional_concat_matches_torch_bidirectional(kind):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(N, T, F))
    w_out = rng.normal(size=(N, T, 2 * U))
    mod = _torch_module(kind, bidirectional=True)
    layer = layers.Bidirectional(_PAIRS[kind][0](U, return_sequences=True, dtype="float64"),
                                 dtype="float64")
    layer.build((None, T, F))
    layer.set_weights(_keras_weights(kind, mod) + _keras_weights(kind, mod, "_reverse"))
    outs, grads = _ember_grads(layer, x, lambda o: ember.ops.sum(o * w_out))
    xt = torch.tensor(x, requires_grad=True)
    y, _ = mod(xt)
    (y * torch.tensor(w_out)).sum().backward()
    np.testing.assert_allclose(outs.numpy(), y.detach().numpy(), **TOL)
    np.testing.assert_allclose(grads[0], xt.grad.numpy(), **TOL)
    want = _keras_grads(kind, mod) + _keras_grads(kind, mod, "_reverse")
    for got, w in zip(grads[1:], want):
        np.testing.assert_allclose(got, w, **TOL)


def test_embedding_matches_torch_embedding():
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 7, size=(4, 5))
    emb = torch.nn.Embedding(7, 3).double()
    layer = layers.Embedding(7, 3, dtype="float64")
    layer.build(None)
    layer.set_weights([emb.weight.detach().numpy()])
    g = rng.normal(size=(4, 5, 3))
    with ember.GradientTape() as tape:
        loss = ember.ops.sum(layer(ids) * g)
    (ge,) = tape.gradient(loss, [layer.embeddings])
    (emb(torch.tensor(ids)) * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(layer(ids).numpy(), emb(torch.tensor(ids)).detach().numpy())
    np.testing.assert_allclose(ge.numpy(), emb.weight.grad.numpy(), **TOL)
