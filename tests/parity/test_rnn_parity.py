"""ember's fused recurrent ops against torch.nn.RNN / LSTM / GRU (batch_first), values and
gradients, with the weights mapped between the two layouts:

- PyTorch stores W_ih (G*U, F) and W_hh (G*U, U); Keras' kernel and recurrent_kernel are
  their transposes.
- LSTM: PyTorch's gate order i, f, g, o is Keras' i, f, c, o; PyTorch adds two biases, Keras
  keeps one: bias = b_ih + b_hh (and d bias = d b_ih = d b_hh).
- GRU: PyTorch orders the gates r, z, n, Keras z, r, h; PyTorch's GRU is Keras'
  reset_after=True, with bias[0] = b_ih and bias[1] = b_hh (both remapped).

float32 on both sides; forward atol 1e-6 / rtol 1e-3, gradients atol 1e-4 / rtol 1e-3.
"""

import numpy as np
import pytest

import ember
from ember.ops.gru import gru
from ember.ops.lstm import lstm
from ember.ops.recurrent import state_gradient_norms
from ember.ops.rnn_simple import simple_rnn

torch = pytest.importorskip("torch")

FWD = dict(rtol=1e-3, atol=1e-6)
GRAD = dict(rtol=1e-3, atol=1e-4)
N, T, F, U = 4, 7, 5, 6


def keras_gru_order(a):
    """Rows (or entries) r, z, n -> z, r, h."""
    r, z, n = np.split(np.asarray(a), 3, axis=0)
    return np.concatenate([z, r, n], axis=0)


def np32(t):
    return t.detach().numpy().astype(np.float32)


def make(kind, **kw):
    torch.manual_seed(0)
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    m = cls(F, U, batch_first=True, **kw)
    with torch.no_grad():                       # non-zero biases everywhere
        for name, p in m.named_parameters():
            if "bias" in name:
                p.uniform_(-0.5, 0.5)
    return m


def ember_weights(kind, m):
    w_ih, w_hh = np32(m.weight_ih_l0), np32(m.weight_hh_l0)
    b_ih, b_hh = np32(m.bias_ih_l0), np32(m.bias_hh_l0)
    if kind == "gru":
        return (keras_gru_order(w_ih).T, keras_gru_order(w_hh).T,
                np.stack([keras_gru_order(b_ih), keras_gru_order(b_hh)]))
    return w_ih.T, w_hh.T, b_ih + b_hh


def torch_grads(kind, m):
    g_ih, g_hh = m.weight_ih_l0.grad.numpy(), m.weight_hh_l0.grad.numpy()
    gb_ih, gb_hh = m.bias_ih_l0.grad.numpy(), m.bias_hh_l0.grad.numpy()
    if kind == "gru":
        return (keras_gru_order(g_ih).T, keras_gru_order(g_hh).T,
                np.stack([keras_gru_order(gb_ih), keras_gru_order(gb_hh)]))
    np.testing.assert_allclose(gb_ih, gb_hh, rtol=1e-5, atol=1e-6)
    return g_ih.T, g_hh.T, gb_ih


CASES = [
    ("rnn", {"nonlinearity": "tanh"}, {"activation": "tanh"}),
    ("rnn", {"nonlinearity": "relu"}, {"activation": "relu"}),
    ("lstm", {}, {}),
    ("gru", {}, {}),
]


@pytest.mark.parametrize("kind, torch_kw, ember_kw", CASES,
                         ids=["rnn_tanh", "rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_values_and_gradients(kind, torch_kw, ember_kw, go_backwards):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(N, T, F)).astype(np.float32)
    h0 = (0.5 * rng.normal(size=(N, U))).astype(np.float32)
    c0 = (0.5 * rng.normal(size=(N, U))).astype(np.float32)
    v_seq = rng.normal(size=(N, T, U)).astype(np.float32)
    v_h, v_c = rng.normal(size=(2, N, U)).astype(np.float32)

    m = make(kind, **torch_kw)
    xt = torch.tensor(x[:, ::-1].copy() if go_backwards else x, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    c0t = torch.tensor(c0[None], requires_grad=True)
    if kind == "lstm":
        out_t, (h_t, c_t) = m(xt, (h0t, c0t))
        loss_t = (out_t * torch.tensor(v_seq)).sum() + (h_t[0] * torch.tensor(v_h)).sum() \
            + (c_t[0] * torch.tensor(v_c)).sum()
    else:
        out_t, h_t = m(xt, h0t)
        loss_t = (out_t * torch.tensor(v_seq)).sum() + (h_t[0] * torch.tensor(v_h)).sum()
    loss_t.backward()

    k, rk, b = (ember.Variable(a) for a in ember_weights(kind, m))
    xe, h0e, c0e = ember.Variable(x), ember.Variable(h0), ember.Variable(c0)
    if kind == "lstm":
        out, h, c = lstm(xe, k, rk, b, h0e, c0e, go_backwards=go_backwards, **ember_kw)
        loss = ember.ops.sum(out * v_seq) + ember.ops.sum(h * v_h) + ember.ops.sum(c * v_c)
        np.testing.assert_allclose(c.numpy(), np32(c_t[0]), **FWD)
        variables = [xe, k, rk, b, h0e, c0e]
    else:
        fn = simple_rnn if kind == "rnn" else gru
        out, h = fn(xe, k, rk, b, h0e, go_backwards=go_backwards, **ember_kw)
        loss = ember.ops.sum(out * v_seq) + ember.ops.sum(h * v_h)
        variables = [xe, k, rk, b, h0e]
    np.testing.assert_allclose(out.numpy(), np32(out_t), **FWD)
    np.testing.assert_allclose(h.numpy(), np32(h_t[0]), **FWD)
    np.testing.assert_allclose(loss.item(), loss_t.item(), rtol=1e-5)

    grads = [g.numpy() for g in ember.grad(loss, variables)]
    gx_t = xt.grad.numpy()
    np.testing.assert_allclose(grads[0], gx_t[:, ::-1] if go_backwards else gx_t, **GRAD)
    for mine, theirs in zip(grads[1:4], torch_grads(kind, m)):
        np.testing.assert_allclose(mine, theirs, **GRAD)
    np.testing.assert_allclose(grads[4], h0t.grad.numpy()[0], **GRAD)
    if kind == "lstm":
        np.testing.assert_allclose(grads[5], c0t.grad.numpy()[0], **GRAD)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_benchmark_sized_model(kind):
    """The BENCHMARKS.md shape (batch 128, 40 steps of 1 feature, 128 units), last state only."""
    n, t, f, u = 128, 40, 1, 128
    torch.manual_seed(2)
    m = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(f, u, batch_first=True)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(n, t, f)).astype(np.float32)
    v = rng.normal(size=(n, u)).astype(np.float32)
    out_t, _ = m(torch.tensor(x))
    (out_t[:, -1] * torch.tensor(v)).sum().backward()
    k, rk, b = (ember.Variable(a) for a in ember_weights(kind, m))
    fn = lstm if kind == "lstm" else gru
    h = fn(ember.constant(x), k, rk, b, return_sequences=False)[1]
    np.testing.assert_allclose(h.numpy(), np32(out_t[:, -1]), **FWD)
    grads = ember.grad(ember.ops.sum(h * v), [k, rk, b])
    for mine, theirs in zip(grads, torch_grads(kind, m)):
        np.testing.assert_allclose(mine.numpy(), theirs, rtol=1e-3, atol=1e-3)


def test_state_gradient_norms_match_torch_cell_loop():
    """||dL/dh_t|| from ember's BPTT recorder equals autograd's on an unrolled LSTMCell."""
    rng = np.random.default_rng(4)
    t = 12
    x = rng.normal(size=(N, t, F)).astype(np.float32)
    torch.manual_seed(5)
    cell = torch.nn.LSTMCell(F, U)
    h = torch.zeros(N, U)
    c = torch.zeros(N, U)
    hs = []
    for s in range(t):
        h, c = cell(torch.tensor(x[:, s]), (h, c))
        h.retain_grad()
        hs.append(h)
    hs[-1].sum().backward()
    want = [float(hh.grad.norm()) for hh in hs]
    kernel = cell.weight_ih.detach().numpy().T
    recurrent = cell.weight_hh.detach().numpy().T
    bias = (cell.bias_ih + cell.bias_hh).detach().numpy()
    got = state_gradient_norms(lstm, x, kernel, recurrent, bias)
    np.testing.assert_allclose(got, want, rtol=1e-4)
