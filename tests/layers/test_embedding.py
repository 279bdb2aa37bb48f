"""Embedding and Masking: the layer contract, values, gradients with repeated ids, masks, errors."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.testing import run_layer_test


def test_embedding_contract_and_keras_count():
    layer = run_layer_test(layers.Embedding, {"input_dim": 10, "output_dim": 4},
                           input_shape=(3, 5), input_dtype="int64",
                           expected_output_shape=(3, 5, 4), expected_num_trainable_weights=1,
                           expected_num_non_trainable_weights=0, expected_num_params=40)
    assert layer.embeddings.name.endswith("embeddings")
    big = layers.Embedding(1000, 64)
    big.build((None, 7))
    assert big.count_params() == 64_000


def test_embedding_default_initializer_is_uniform_005():
    w = layers.Embedding(500, 40)
    w.build(None)
    e = w.embeddings.numpy()
    assert np.abs(e).max() <= 0.05 and e.std() > 0.02


def test_embedding_values_and_gradient_with_repeated_ids():
    layer = layers.Embedding(4, 2, embeddings_initializer="ones")
    layer.build(None)
    layer.set_weights([np.arange(8, dtype="float32").reshape(4, 2)])
    ids = np.array([[1, 3, 1], [0, 1, 2]])
    out = layer(ids)
    np.testing.assert_array_equal(out.numpy()[0], [[2, 3], [6, 7], [2, 3]])
    with ember.GradientTape() as tape:
        loss = ember.ops.sum(layer(ids) * np.array([1.0, 10.0], "float32"))
    (g,) = tape.gradient(loss, [layer.embeddings])
    counts = np.bincount(ids.ravel(), minlength=4)[:, None]
    np.testing.assert_allclose(g.numpy(), counts * np.array([[1.0, 10.0]]))


def test_embedding_float_ids_are_accepted_as_integers():
    layer = layers.Embedding(5, 3)
    a = layer(np.array([[1.0, 4.0]], "float32")).numpy()
    b = layer(np.array([[1, 4]])).numpy()
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="integer token ids"):
        layer(np.array([[1.5]], "float32"))


def test_mask_zero_marks_padding():
    layer = layers.Embedding(5, 3, mask_zero=True)
    out = layer(np.array([[1, 0, 2], [0, 0, 4]]))
    np.testing.assert_array_equal(out._keras_mask, [[True, False, True], [False, False, True]])
    assert getattr(layers.Embedding(5, 3)(np.array([[1, 0]])), "_keras_mask", None) is None


@pytest.mark.parametrize("bad, shown", [(7, "received id 7"), (-1, "received id -1")])
def test_ids_outside_the_range_name_the_layer(bad, shown):
    layer = layers.Embedding(7, 2, name="words")
    with pytest.raises(ValueError, match=rf"Embedding 'words'.*\[0, 7\).*{shown}"):
        layer(np.array([[1, bad]]))


def test_masking_contract_values_and_mask():
    run_layer_test(layers.Masking, {"mask_value": -1.0}, input_shape=(2, 4, 3),
                   expected_output_shape=(2, 4, 3), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0)
    x = np.array([[[1.0, 2.0], [-1.0, -1.0], [-1.0, 3.0]]], "float32")
    out = layers.Masking(-1.0)(x)
    np.testing.assert_array_equal(out._keras_mask, [[True, False, True]])
    np.testing.assert_array_equal(out.numpy(), [[[1, 2], [0, 0], [-1, 3]]])


def test_masking_feeds_a_recurrent_layer_like_the_unpadded_sequence():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 3, 2)).astype("float32")
    padded = np.concatenate([x, np.zeros((1, 2, 2), "float32")], axis=1)
    rnn = layers.LSTM(3)
    np.testing.assert_allclose(rnn(layers.Masking()(padded)).numpy(), rnn(x).numpy(),
                               rtol=1e-5, atol=1e-6)
    model = ember.Sequential([layers.Input((5, 2)), layers.Masking(), rnn])
    np.testing.assert_allclose(model(padded).numpy(), rnn(x).numpy(), rtol=1e-5, atol=1e-6)
