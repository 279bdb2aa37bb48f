"""Vanishing and exploding gradients at the layer level: `rnn_gradient_norms` on a long-range
task, and gradient clipping bounding the update of an RNN whose gradients explode."""

import numpy as np
import pytest

import ember
from ember import initializers, layers
from ember.layers import rnn_gradient_norms

T = 50


def _long_range_batch(n=32, seed=0):
    """Classify the sign of the FIRST input after T - 1 distracting noisy steps."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, T, 3)).astype("float32")
    return x, (x[:, 0, 0] > 0).astype("int64")


def _model(cls, scale=0.1, **kwargs):
    ember.utils.set_random_seed(0)
    small = initializers.RandomNormal(stddev=scale, seed=1)
    return ember.Sequential([layers.Input((T, 3)),
                             cls(8, kernel_initializer=small, recurrent_initializer=small,
                                 **kwargs),
                             layers.Dense(2)])


LOSS = ember.losses.SparseCategoricalCrossentropy(from_logits=True)


def test_simple_rnn_gradient_vanishes_far_more_than_the_lstm_one():
    x, y = _long_range_batch()
    rnn = rnn_gradient_norms(_model(layers.SimpleRNN), x, y, LOSS)
    lstm = rnn_gradient_norms(_model(layers.LSTM), x, y, LOSS)
    assert rnn.shape == lstm.shape == (T,)
    ratio_rnn, ratio_lstm = rnn[0] / rnn[-1], lstm[0] / lstm[-1]
    # measured: the SimpleRNN's norm falls ~1e-7 per 10 steps back and underflows float32 to
    # 0 before step 15 (ratio 0); the LSTM's falls ~10x per 10 steps (ratio ~6e-7)
    assert ratio_rnn < 1e-15
    assert ratio_lstm > 1e-10
    assert ratio_rnn < 1e-8 * ratio_lstm
    # the plain RNN's decay is steady: 10 steps back cost orders of magnitude every time
    alive = rnn[10:] > 0
    assert alive.sum() >= 20 and np.all(rnn[:-10][alive] < 1e-4 * rnn[10:][alive])
    assert np.all(lstm[:-10] > 1e-3 * lstm[10:])


def test_norms_by_hand_for_a_linear_rnn():
    """h_t = h_{t-1} W_R with W_R = a I and L = sum(h_T): dL/dh_t = a^(T-t) * ones."""
    a, n, u = 0.8, 2, 3
    layer = layers.SimpleRNN(u, activation="linear", use_bias=False,
                             recurrent_initializer=initializers.Identity(gain=a))
    norms = rnn_gradient_norms(layer, np.ones((n, 6, 1), "float32"))
    expected = a ** np.arange(5, -1, -1) * np.sqrt(n * u)
    np.testing.assert_allclose(norms, expected, rtol=1e-5)


def test_layer_selection_and_loop_path_agree_with_the_fused_path():
    x, y = _long_range_batch(8)
    inp = layers.Input((T, 3))
    h = layers.LSTM(4, return_sequences=True, name="first")(inp)
    out = layers.Dense(2)(layers.GRU(4, name="second")(h))
    model = ember.Model(inp, out)
    with pytest.raises(ValueError, match="holds 2 recurrent layers.*pass layer="):
        rnn_gradient_norms(model, x, y, LOSS)
    first = rnn_gradient_norms(model, x, y, LOSS, layer="first")
    second = rnn_gradient_norms(model, x, y, LOSS, layer=model.get_layer("second"))
    assert first.shape == second.shape == (T,) and np.all(first > 0)

    class LoopCell(layers.LSTMCell):
        def call(self, inputs, states, training=False):
            return super().call(inputs, states, training=training)

    fused, loop = layers.RNN(layers.LSTMCell(4)), layers.RNN(LoopCell(4))
    fused.build(x.shape)
    loop.build(x.shape)
    loop.set_weights(fused.get_weights())
    np.testing.assert_allclose(rnn_gradient_norms(loop, x), rnn_gradient_norms(fused, x),
                               rtol=1e-4)
    with pytest.raises(ValueError, match="must be a recurrent layer"):
        rnn_gradient_norms(model, x, y, LOSS, layer=model.layers[-1])


def _exploding_rnn():
    """A linear RNN with recurrent weights 1.5 I: dL/dh_1 ~ 1.5^29 dL/dh_T."""
    ember.utils.set_random_seed(0)
    return ember.Sequential([
        layers.Input((30, 2)),
        layers.SimpleRNN(4, activation="linear",
                         recurrent_initializer=initializers.Identity(gain=1.5)),
        layers.Dense(1)])


@pytest.mark.parametrize("clip, bound", [
    ({"clipnorm": 1.0}, lambda d: max(np.linalg.norm(v) for v in d) <= 1.0 + 1e-5),
    ({"clipvalue": 0.5}, lambda d: max(np.abs(v).max() for v in d) <= 0.5 + 1e-6),
    ({"global_clipnorm": 1.0},
     lambda d: np.sqrt(sum(np.sum(v * v) for v in d)) <= 1.0 + 1e-5),
])
def test_clipping_bounds_the_update_of_an_exploding_rnn(clip, bound):
    x = np.random.default_rng(0).normal(size=(16, 30, 2)).astype("float32")
    y = np.zeros((16, 1), "float32")
    norms = rnn_gradient_norms(_exploding_rnn(), x, y, "mse")
    assert norms[0] > 1e4 * norms[-1]                # the gradient explodes going back

    def update(**kwargs):
        model = _exploding_rnn()
        model.compile(optimizer=ember.optimizers.SGD(learning_rate=1.0, **kwargs), loss="mse")
        before = [w.numpy().copy() for w in model.trainable_weights]
        model.train_on_batch(x, y)
        return [w.numpy() - b for w, b in zip(model.trainable_weights, before)]

    plain = update()
    assert np.sqrt(sum(np.sum(d * d) for d in plain)) > 1e3    # unclipped: a huge step
    clipped = update(**clip)
    assert bound(clipped)
    assert all(np.isfinite(d).all() for d in clipped)
