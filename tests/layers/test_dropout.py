"""Dropout: identity at inference, inverted scaling, seeding, the mask shared by forward and
backward, noise shapes and argument checks."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.layers import training_scope
from ember.ops.dropout import InvertedDropout, dropout
from ember.testing import run_layer_test
from ember.utils import gradcheck
from ember.utils.random import global_generator


def test_layer_contract():
    run_layer_test(layers.Dropout, {"rate": 0.5, "seed": 1}, input_shape=(4, 6),
                   expected_output_shape=(4, 6), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0, call_kwargs={"training": True})
    run_layer_test(layers.Dropout, {"rate": 0.3, "noise_shape": [None, 1, 5]},
                   input_shape=(2, 3, 5), expected_output_shape=(2, 3, 5))


def test_identity_at_inference():
    x = np.random.default_rng(0).normal(size=(8, 5)).astype(np.float32)
    layer = layers.Dropout(0.9)
    np.testing.assert_array_equal(layer(x).numpy(), x)  # training defaults to False
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    np.testing.assert_array_equal(layers.Dropout(0.0)(x, training=True).numpy(), x)


def test_inverted_scaling_preserves_the_mean():
    x = ember.ones((1000, 200))
    y = layers.Dropout(0.3, seed=0)(x, training=True).numpy()
    assert set(np.unique(y).tolist()) == {0.0, np.float32(1 / 0.7)}
    assert (y == 0).mean() == pytest.approx(0.3, abs=0.005)
    assert y.mean() == pytest.approx(1.0, abs=0.01)
    assert y.dtype == np.float32


def test_seeded_layers_repeat_and_advance():
    x = ember.ones((6, 7))
    a, b = layers.Dropout(0.5, seed=42), layers.Dropout(0.5, seed=42)
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())
    assert not np.array_equal(first, a(x, training=True).numpy())  # a new mask per call
    assert not np.array_equal(first, layers.Dropout(0.5, seed=43)(x, training=True).numpy())


def test_unseeded_layers_follow_set_random_seed():
    x = ember.ones((6, 7))
    layer = layers.Dropout(0.5)
    ember.utils.set_random_seed(11)
    first = layer(x, training=True).numpy()
    ember.utils.set_random_seed(11)  # replaces the global generator: the layer must see it
    np.testing.assert_array_equal(first, layer(x, training=True).numpy())


def test_generator_attribute_for_checkpoints():
    seeded = layers.Dropout(0.5, seed=3)
    assert isinstance(seeded.generator, np.random.Generator)
    assert layers.Dropout(0.5).generator is global_generator()
    x = ember.ones((5, 5))
    state = seeded.generator.bit_generator.state
    first = seeded(x, training=True).numpy()
    seeded.generator.bit_generator.state = state  # what a checkpoint restore does
    np.testing.assert_array_equal(first, seeded(x, training=True).numpy())
    seeded.generator = np.random.default_rng(3)
    np.testing.assert_array_equal(first, seeded(x, training=True).numpy())


def test_the_forward_mask_is_the_backward_mask():
    x = ember.Variable(np.random.default_rng(1).uniform(1, 2, size=(50, 40)))
    with ember.GradientTape() as tape:
        y = layers.Dropout(0.4, seed=5)(x, training=True)
        loss = (y * 3.0).sum()
    g = tape.gradient(loss, x).numpy()
    kept = y.numpy() != 0
    assert 0.5 < kept.mean() < 0.7
    np.testing.assert_array_equal(g != 0, kept)
    np.testing.assert_allclose(g[kept], 3.0 / 0.6, rtol=1e-6)


def test_training_flag_from_the_scope():
    x = ember.ones((20, 20))
    layer = layers.Dropout(0.5, seed=0)
    with training_scope(True):
        assert (layer(x).numpy() == 0).any()
    with training_scope(False):
        np.testing.assert_array_equal(layer(x).numpy(), x.numpy())


def test_noise_shape_shares_the_mask_along_broadcast_axes():
    y = layers.Dropout(0.5, noise_shape=(None, 1, 4), seed=2)(ember.ones((3, 6, 4)),
                                                             training=True).numpy()
    assert np.all(y == y[:, :1, :])  # the same mask at every step
    assert (y == 0).any() and (y != 0).any()
    with pytest.raises(ValueError, match="noise_shape"):
        dropout(ember.ones((3, 6, 4)), 0.5, noise_shape=(3, 2, 4))
    with pytest.raises(ValueError, match="rank"):
        dropout(ember.ones((3, 6, 4)), 0.5, noise_shape=(3, 4))


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, "0.5", True, None])
def test_rate_must_be_in_zero_one(rate):
    with pytest.raises(ValueError, match=r"Dropout 'dropout\w*'.*rate"):
        layers.Dropout(rate)
    if not isinstance(rate, str | bool) and rate is not None:
        with pytest.raises(ValueError, match="rate"):
            dropout(ember.ones((2,)), rate)


def test_config_round_trip_keeps_the_seed():
    layer = layers.Dropout(0.25, noise_shape=(None, 1), seed=9)
    config = layer.get_config()
    assert config["rate"] == 0.25 and config["seed"] == 9 and config["noise_shape"] == [None, 1]
    x = ember.ones((4, 3))
    np.testing.assert_array_equal(layers.Dropout.from_config(config)(x, training=True).numpy(),
                                  layer(x, training=True).numpy())


def test_dropout_primitive_gradcheck_in_float64():
    x = ember.tensor(np.random.default_rng(4).normal(size=(4, 5)), dtype="float64")
    assert gradcheck(lambda t: dropout(t, 0.4, seed=7), [x])
    out = dropout(ember.Variable(x.numpy(), dtype="float64"), 0.4, seed=7)
    assert isinstance(out._ctx, InvertedDropout) and out.dtype == np.float64
