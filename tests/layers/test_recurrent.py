"""SimpleRNN, LSTM, GRU and RNN(cell): the layer contract, Keras' parameter counts and weights,
the fused path against the per-step cell loop, masks, states, go_backwards, dropout."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.testing import run_layer_test


@pytest.mark.parametrize("cls, kwargs, out_shape, n_weights", [
    (layers.SimpleRNN, {"units": 4}, (3, 4), 3),
    (layers.SimpleRNN, {"units": 4, "return_sequences": True, "use_bias": False}, (3, 5, 4), 2),
    (layers.LSTM, {"units": 4}, (3, 4), 3),
    (layers.LSTM, {"units": 4, "return_sequences": True, "go_backwards": True,
                   "kernel_regularizer": "l2", "recurrent_constraint": "max_norm"}, (3, 5, 4), 3),
    (layers.GRU, {"units": 4}, (3, 4), 3),
    (layers.GRU, {"units": 4, "reset_after": False, "return_sequences": True}, (3, 5, 4), 3),
    (layers.LSTM, {"units": 4, "activation": "relu", "recurrent_activation": "hard_sigmoid",
                   "unit_forget_bias": False}, (3, 4), 3),
])
def test_layer_contract(cls, kwargs, out_shape, n_weights):
    run_layer_test(cls, kwargs, input_shape=(3, 5, 2), expected_output_shape=out_shape,
                   expected_num_trainable_weights=n_weights,
                   expected_num_non_trainable_weights=0)


@pytest.mark.parametrize("cell", [layers.SimpleRNNCell, layers.LSTMCell, layers.GRUCell])
def test_rnn_of_cell_layer_contract(cell):
    run_layer_test(layers.RNN, {"cell": cell(3), "return_sequences": True},
                   input_shape=(2, 4, 5), expected_output_shape=(2, 4, 3),
                   expected_num_trainable_weights=3, expected_num_non_trainable_weights=0)


@pytest.mark.parametrize("layer, features, count", [
    (lambda: layers.LSTM(64), 64, 33_024),
    (lambda: layers.Bidirectional(layers.LSTM(64, return_sequences=True)), 10, 38_400),
    (lambda: layers.GRU(256), 64, 247_296),
    (lambda: layers.SimpleRNN(128), 256, 49_280),
    (lambda: layers.LSTM(32), 7, 5_120),
    (lambda: layers.GRU(8, reset_after=False), 3, 3 * (8 * 11 + 8)),
])
def test_parameter_counts_equal_keras(layer, features, count):
    layer = layer()
    layer.build((None, 12, features))
    assert layer.count_params() == count


def test_weights_names_shapes_order_and_forget_bias():
    layer = layers.LSTM(3)
    layer(np.zeros((1, 2, 5), "float32"))
    assert [w.name.split("/")[-1] for w in layer.weights] == ["kernel", "recurrent_kernel",
                                                              "bias"]
    assert [w.shape for w in layer.weights] == [(5, 12), (3, 12), (12,)]
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [0] * 3 + [1] * 3 + [0] * 6)
    rk = layer.cell.recurrent_kernel.numpy()       # orthogonal by default: orthonormal rows
    np.testing.assert_allclose(rk @ rk.T, np.eye(3), atol=1e-5)
    gru = layers.GRU(3)
    gru.build((None, 2, 5))
    assert gru.cell.bias.shape == (2, 9) and gru.units == 3


class _LoopLSTM(layers.LSTMCell):
    """The same cell with its own `call`: RNN runs it by the per-step Python loop."""

    def call(self, inputs, states, training=False):
        return super().call(inputs, states, training=training)


class _LoopGRU(layers.GRUCell):
    def call(self, inputs, states, training=False):
        return super().call(inputs, states, training=training)


class _LoopSimple(layers.SimpleRNNCell):
    def call(self, inputs, states, training=False):
        return super().call(inputs, states, training=training)


@pytest.mark.parametrize("fused, loop, kw", [
    (layers.LSTMCell, _LoopLSTM, {}),
    (layers.GRUCell, _LoopGRU, {}),
    (layers.GRUCell, _LoopGRU, {"reset_after": False}),
    (layers.SimpleRNNCell, _LoopSimple, {"activation": "relu"}),
])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_fused_path_equals_cell_loop_values_and_gradients(fused, loop, kw, go_backwards):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 6, 4)).astype("float32")
    mask = np.ones((3, 6), bool)
    mask[1, 4:] = False
    mask[2, :2] = False
    a = layers.RNN(fused(5, bias_initializer="glorot_uniform", **kw), return_sequences=True,
                   return_state=True, go_backwards=go_backwards)
    b = layers.RNN(loop(5, **kw), return_sequences=True, return_state=True,
                   go_backwards=go_backwards)
    a.build(x.shape)
    b.build(x.shape)
    b.set_weights(a.get_weights())
    assert a._fused_kind(False) is not None and b._fused_kind(False) is None
    results = []
    for layer in (a, b):
        xt = ember.Variable(x)
        with ember.GradientTape() as tape:
            outs = layer(xt, mask=mask)
            loss = sum(ember.ops.sum(o * o) for o in outs)
        grads = tape.gradient(loss, [xt, *layer.trainable_weights])
        results.append(([o.numpy() for o in outs], [g.numpy() for g in grads]))
    for va, vb in zip(results[0][0] + results[0][1], results[1][0] + results[1][1]):
        np.testing.assert_allclose(va, vb, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_padded_masked_batch_equals_sequences_run_one_by_one(cls):
    rng = np.random.default_rng(1)
    lengths = [5, 2, 4]
    seqs = [rng.integers(1, 20, size=n) for n in lengths]
    padded = np.zeros((3, 5), np.int64)
    for i, s in enumerate(seqs):
        padded[i, :len(s)] = s
    emb = layers.Embedding(20, 3, mask_zero=True)
    rnn = cls(4, return_sequences=True)
    seq_out = rnn(emb(padded)).numpy()
    last = cls(4)
    last.build((None, 5, 3))
    last.set_weights(rnn.get_weights())
    last_out = last(emb(padded)).numpy()
    for i, s in enumerate(seqs):
        alone = rnn(emb(s[None])).numpy()[0]
        np.testing.assert_allclose(seq_out[i, :len(s)], alone, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(last_out[i], alone[-1], rtol=1e-5, atol=1e-6)
        # masked steps repeat the last valid output (Keras)
        np.testing.assert_allclose(seq_out[i, len(s):], np.broadcast_to(
            alone[-1], seq_out[i, len(s):].shape), rtol=1e-5, atol=1e-6)


def test_mask_propagates_to_the_next_recurrent_layer():
    x = np.array([[3, 1, 0, 0]])
    model = ember.Sequential([layers.Embedding(5, 2, mask_zero=True),
                              layers.LSTM(3, return_sequences=True), layers.LSTM(2)])
    out = model(x).numpy()
    first = model.layers[1](model.layers[0](x[:, :2]))
    np.testing.assert_allclose(out, model.layers[2](first).numpy(), rtol=1e-5, atol=1e-6)


def test_go_backwards_reads_the_sequence_reversed():
    x = np.random.default_rng(3).normal(size=(2, 6, 3)).astype("float32")
    fw = layers.GRU(4, return_sequences=True)
    bw = layers.GRU(4, return_sequences=True, go_backwards=True)
    fw.build(x.shape)
    bw.build(x.shape)
    bw.set_weights(fw.get_weights())
    np.testing.assert_allclose(bw(x).numpy(), fw(x[:, ::-1].copy()).numpy(), rtol=1e-5,
                               atol=1e-6)


def test_simple_rnn_by_hand():
    layer = layers.SimpleRNN(1, return_sequences=True, kernel_initializer="ones",
                             recurrent_initializer="ones", bias_initializer="ones")
    out = layer(np.array([[[0.5], [-1.0]]], "float32")).numpy().ravel()
    a1 = np.tanh(0.5 + 1)
    np.testing.assert_allclose(out, [a1, np.tanh(-1.0 + a1 + 1)], rtol=1e-6)


def test_dropout_masks_fixed_over_time_training_only_and_seeded():
    x = np.ones((4, 6, 8), "float32")
    layer = layers.SimpleRNN(3, dropout=0.5, seed=7, kernel_initializer="ones",
                             recurrent_initializer="zeros", activation="linear",
                             return_sequences=True)
    infer = layer(x).numpy()
    np.testing.assert_allclose(infer, 8.0)
    train = layer(x, training=True).numpy()
    # zero recurrence: each step sees only x_t * mask; one mask for all steps
    np.testing.assert_allclose(train, np.broadcast_to(train[:, :1], train.shape))
    assert not np.allclose(train, 8.0) and set(np.unique(train / 2)) <= set(range(9))
    again = layers.SimpleRNN.from_config(layer.get_config())
    again.build(x.shape)
    again.set_weights(layer.get_weights())
    np.testing.assert_allclose(again(x, training=True).numpy(), train)


def test_recurrent_dropout_changes_training_only():
    x = np.random.default_rng(4).normal(size=(3, 5, 2)).astype("float32")
    layer = layers.LSTM(4, recurrent_dropout=0.5, seed=1)
    ref = layers.LSTM(4)
    ref.build(x.shape)
    layer.build(x.shape)
    ref.set_weights(layer.get_weights())
    np.testing.assert_allclose(layer(x).numpy(), ref(x).numpy(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(layer(x, training=True).numpy(), ref(x).numpy(), atol=1e-4)
    with ember.GradientTape() as tape:
        loss = ember.ops.sum(layer(x, training=True))
    assert all(np.isfinite(g.numpy()).all() for g in tape.gradient(loss, layer.weights))


def test_model_save_and_load_round_trip(tmp_path):
    inp = layers.Input((6,), dtype="int64")
    h = layers.Embedding(10, 4, mask_zero=True)(inp)
    h = layers.Bidirectional(layers.GRU(3, return_sequences=True))(h)
    h = layers.LSTM(3, go_backwards=True)(h)
    out = layers.Dense(2)(layers.RepeatVector(2)(h))
    model = ember.Model(inp, out)
    x = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 9]])
    ref = model(x).numpy()
    path = str(tmp_path / "rnn.ember")
    model.save(path)
    loaded = ember.saving.load_model(path)
    np.testing.assert_allclose(loaded(x).numpy(), ref, rtol=1e-6)
    seq = ember.Sequential([layers.Input((5, 2)), layers.SimpleRNN(3, return_sequences=True),
                            layers.TimeDistributed(layers.Dense(2)),
                            layers.RNN(layers.LSTMCell(2))])
    xs = np.ones((1, 5, 2), "float32")
    seq.save(path)
    np.testing.assert_allclose(ember.saving.load_model(path)(xs).numpy(), seq(xs).numpy(),
                               rtol=1e-6)


def test_stateful_is_refused_clearly():
    with pytest.raises(ValueError, match="stateful=True is not supported"):
        layers.LSTM(3, stateful=True)


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_float64_gradcheck_through_the_layer_with_mask_states_and_dropout(cls):
    rng = np.random.default_rng(5)
    layer = cls(3, return_sequences=True, return_state=True, go_backwards=True,
                dropout=0.3, seed=2, dtype="float64")
    x = rng.normal(size=(2, 4, 2))
    layer.build(x.shape)
    n_states = len(layer.state_sizes)
    states = [rng.normal(size=(2, 3)) for _ in range(n_states)]
    mask = np.array([[True, True, False, True], [True, False, True, True]])

    def fn(xt, *s):
        layer.cell._generator = np.random.default_rng(0)   # the same dropout mask each call
        outs = layer(xt, initial_state=list(s), mask=mask, training=True)
        return ember.ops.concat([ember.ops.reshape(o, (2, -1)) for o in outs], axis=1)

    assert ember.utils.gradcheck(fn, [ember.Tensor(x, dtype="float64")] + [
        ember.Tensor(s, dtype="float64") for s in states])


def _sig(z):
    return 1 / (1 + np.exp(-z))


def test_lstm_layer_is_the_notes_equations():
    """f, i, C~, C, o, h exactly as the notes write them, with W . [h_{t-1}, x_t] split into
    Keras' kernel (x part) and recurrent_kernel (h part), gate order i, f, c, o."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=(2, 4, 3))
    layer = layers.LSTM(5, return_sequences=True, bias_initializer="random_normal",
                        dtype="float64")
    out = layer(ember.Tensor(x, dtype="float64")).numpy()
    k, r, b = layer.get_weights()
    h, c = np.zeros((2, 5)), np.zeros((2, 5))
    for t in range(4):
        z = x[:, t] @ k + h @ r + b
        i, f, c_tilde, o = np.split(z, 4, axis=1)
        f_t, i_t, o_t = _sig(f), _sig(i), _sig(o)
        c = f_t * c + i_t * np.tanh(c_tilde)
        h = o_t * np.tanh(c)
        np.testing.assert_allclose(out[:, t], h, rtol=1e-12, atol=1e-12)


def test_gru_reset_before_is_the_notes_form():
    """z, r, h~ = tanh(W_h . [r * h_{t-1}, x_t] + b), h_t = z h_{t-1} + (1 - z) h~ (Keras'
    convention for z; the notes' (1 - z) h_{t-1} + z h~ reads z as 1 - z)."""
    rng = np.random.default_rng(9)
    x = rng.normal(size=(2, 4, 3))
    layer = layers.GRU(5, reset_after=False, return_sequences=True,
                       bias_initializer="random_normal", dtype="float64")
    out = layer(ember.Tensor(x, dtype="float64")).numpy()
    k, r, b = layer.get_weights()
    h = np.zeros((2, 5))
    for t in range(4):
        xz, xr, xh = np.split(x[:, t] @ k + b, 3, axis=1)
        rz, rr, rh = np.split(r, 3, axis=1)
        z_t, r_t = _sig(xz + h @ rz), _sig(xr + h @ rr)
        h = z_t * h + (1 - z_t) * np.tanh(xh + (r_t * h) @ rh)
        np.testing.assert_allclose(out[:, t], h, rtol=1e-12, atol=1e-12)


def test_weights_are_shared_over_time_and_an_lstm_has_4x_the_rnn_parameters():
    for t in (5, 50):
        rnn, lstm = layers.SimpleRNN(16), layers.LSTM(16)
        rnn.build((None, t, 8))
        lstm.build((None, t, 8))
        assert rnn.count_params() == 16 * (8 + 16) + 16
        assert lstm.count_params() == 4 * rnn.count_params()


@pytest.mark.parametrize("fused, loop, kw", [
    (layers.LSTMCell, _LoopLSTM, {}),
    (layers.GRUCell, _LoopGRU, {}),
    (layers.SimpleRNNCell, _LoopSimple, {}),
])
def test_fused_dropout_and_recurrent_dropout_equal_the_cell_loop(fused, loop, kw):
    """Same seed, same masks: the fused op (recurrent dropout inside BPTT) and the per-step
    cell agree on values and gradients in training."""
    rng = np.random.default_rng(10)
    x = rng.normal(size=(3, 6, 4)).astype("float32")
    drop = {"dropout": 0.3, "recurrent_dropout": 0.4, "seed": 3}
    a = layers.RNN(fused(5, **drop, **kw), return_sequences=True)
    b = layers.RNN(loop(5, **drop, **kw), return_sequences=True)
    a.build(x.shape)
    b.build(x.shape)
    b.set_weights(a.get_weights())
    assert a._fused_kind(True) is not None and b._fused_kind(True) is None
    results = []
    for layer in (a, b):
        with ember.GradientTape() as tape:
            out = layer(x, training=True)
            loss = ember.ops.sum(out * out)
        results.append([out.numpy()] + [g.numpy() for g in
                                        tape.gradient(loss, layer.trainable_weights)])
    for va, vb in zip(*results):
        np.testing.assert_allclose(va, vb, rtol=2e-4, atol=2e-5)
    plain = layers.RNN(fused(5, **kw), return_sequences=True)
    plain.build(x.shape)
    plain.set_weights(a.get_weights())
    assert not np.allclose(results[0][0], plain(x).numpy(), atol=1e-3)


def test_gru_reset_before_with_recurrent_dropout_takes_the_loop():
    layer = layers.GRU(3, reset_after=False, recurrent_dropout=0.5)
    layer.build((None, 4, 2))
    assert layer._fused_kind(False) == "gru" and layer._fused_kind(True) is None
    assert layer(np.ones((2, 4, 2), "float32"), training=True).shape == (2, 3)
