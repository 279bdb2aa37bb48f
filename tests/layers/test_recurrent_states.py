"""Recurrent layers' states: return_state, initial_state, the encoder-decoder wiring (teacher
forcing in training, a one-step decoder sharing the weights at inference), and outputs before
the first unmasked step."""

import numpy as np
import pytest

import ember
from ember import layers


class _LoopGRU(layers.GRUCell):
    """The same cell with its own `call`: RNN runs it by the per-step Python loop."""

    def call(self, inputs, states, training=False):
        return super().call(inputs, states, training=training)


def test_return_state_shapes_and_initial_state():
    x = np.random.default_rng(2).normal(size=(2, 4, 3)).astype("float32")
    lstm = layers.LSTM(5, return_state=True, return_sequences=True)
    seq, h, c = lstm(x)
    assert (seq.shape, h.shape, c.shape) == ((2, 4, 5), (2, 5), (2, 5))
    np.testing.assert_array_equal(seq.numpy()[:, -1], h.numpy())
    # running the two halves with the first half's states as initial_state = the whole
    _, h1, c1 = lstm(x[:, :2])
    seq2, h2, c2 = lstm(x[:, 2:], initial_state=[h1, c1])
    np.testing.assert_allclose(seq2.numpy(), seq.numpy()[:, 2:], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c2.numpy(), c.numpy(), rtol=1e-5, atol=1e-6)
    for cls in (layers.GRU, layers.SimpleRNN):
        out, h = cls(5, return_state=True)(x)
        assert out.shape == h.shape == (2, 5)
    sym = layers.Input((4, 3))
    outs = layers.LSTM(5, return_state=True)(sym)
    assert [o.shape for o in outs] == [(None, 5)] * 3


def test_encoder_decoder_with_initial_state_trains_saves_and_loads(tmp_path):
    enc_in = layers.Input((5, 3))
    _, h, c = layers.LSTM(4, return_state=True)(enc_in)
    dec_in = layers.Input((6, 3))
    dec = layers.LSTM(4, return_sequences=True)(dec_in, initial_state=[h, c])
    model = ember.Model([enc_in, dec_in], layers.TimeDistributed(layers.Dense(2))(dec))
    rng = np.random.default_rng(6)
    x = [rng.normal(size=(8, 5, 3)).astype("float32"),
         rng.normal(size=(8, 6, 3)).astype("float32")]
    y = rng.normal(size=(8, 6, 2)).astype("float32")
    model.compile(optimizer=ember.optimizers.Adam(0.01), loss="mse")
    losses = model.fit(x, y, epochs=5, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    path = str(tmp_path / "s2s.ember")
    model.save(path)
    np.testing.assert_allclose(ember.saving.load_model(path)(x).numpy(), model(x).numpy(),
                               rtol=1e-6)
    # the decoder really depends on the encoder's states
    x2 = [x[0] * 0, x[1]]
    assert not np.allclose(model(x2).numpy(), model(x).numpy())


@pytest.mark.parametrize("return_sequences", [True, False])
def test_leading_masked_steps_with_an_initial_state_output_zeros_like_the_loop(return_sequences):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    h0 = rng.normal(size=(2, 4)).astype("float32")
    mask = np.array([[False, False, True, True, True], [False] * 5])    # pre-padding
    a = layers.RNN(layers.GRUCell(4), return_sequences=return_sequences, return_state=True)
    b = layers.RNN(_LoopGRU(4), return_sequences=return_sequences, return_state=True)
    a.build(x.shape)
    b.build(x.shape)
    b.set_weights(a.get_weights())
    out_a, h_a = a(x, initial_state=[h0], mask=mask)
    out_b, h_b = b(x, initial_state=[h0], mask=mask)
    np.testing.assert_allclose(out_a.numpy(), out_b.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h_a.numpy(), h_b.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h_a.numpy()[1], h0[1])        # an all-masked row keeps h0
    assert np.all(out_a.numpy()[1] == 0)
    zeros = a.get_initial_state(2)
    assert [z.shape for z in zeros] == [(2, 4)] and not zeros[0].numpy().any()


def test_step_by_step_decoder_sharing_weights_equals_the_teacher_forced_pass():
    """Separate encoder and one-step decoder models built from the trained layers (the notes'
    encoder-decoder at inference) reproduce the teacher-forced training pass exactly."""
    enc_in = layers.Input((5, 3))
    _, h, c = layers.LSTM(4, return_state=True)(enc_in)
    dec_in = layers.Input((None, 3))
    decoder = layers.LSTM(4, return_sequences=True, return_state=True)
    head = layers.Dense(3)
    seq, _, _ = decoder(dec_in, initial_state=[h, c])
    train = ember.Model([enc_in, dec_in], head(seq))
    encoder = ember.Model(enc_in, [h, c])
    h_in, c_in, step_in = layers.Input((4,)), layers.Input((4,)), layers.Input((1, 3))
    out, h_out, c_out = decoder(step_in, initial_state=[h_in, c_in])
    step = ember.Model([step_in, h_in, c_in], [head(out), h_out, c_out])
    rng = np.random.default_rng(11)
    x, y = rng.random((2, 5, 3)).astype("float32"), rng.random((2, 6, 3)).astype("float32")
    h_t, c_t = encoder(x)
    outs = []
    for t in range(6):
        o, h_t, c_t = step([y[:, t:t + 1], h_t, c_t])
        outs.append(o.numpy())
    np.testing.assert_allclose(np.concatenate(outs, 1), train([x, y]).numpy(), rtol=1e-5,
                               atol=1e-6)
