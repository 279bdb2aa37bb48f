"""Masks flow through layers that make new tensors (Keras' `supports_masking`), stop where the
time axis goes away, and NumPy inputs take the layer's dtype."""

import numpy as np
import pytest

from ember import layers

IDS = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
MASK = IDS != 0


@pytest.mark.parametrize("training", [True, False])
def test_embedding_mask_survives_dropout_dense_and_a_sequence_lstm(training):
    h = layers.Embedding(10, 4, mask_zero=True)(IDS)
    h = layers.Dropout(0.5, seed=1)(h, training=training)
    np.testing.assert_array_equal(h._keras_mask, MASK)
    h = layers.LSTM(3, return_sequences=True)(h)
    np.testing.assert_array_equal(h._keras_mask, MASK)
    h = layers.Dense(2)(h)
    np.testing.assert_array_equal(h._keras_mask, MASK)


def test_the_mask_stops_at_the_last_state_and_when_it_no_longer_fits():
    h = layers.Embedding(10, 4, mask_zero=True)(IDS)
    assert getattr(layers.LSTM(3)(h), "_keras_mask", None) is None
    bi = layers.Bidirectional(layers.GRU(2))(h)
    assert getattr(bi, "_keras_mask", None) is None
    flat = layers.Flatten()(h)  # Flatten does not support masking
    assert getattr(flat, "_keras_mask", None) is None


def test_the_masked_loss_ignores_padded_steps_after_dense():
    h = layers.Embedding(10, 4, mask_zero=True)(IDS)
    out = layers.Dense(1)(layers.SimpleRNN(3, return_sequences=True)(h))
    from ember import losses

    y = np.zeros((2, 5, 1), np.float32)
    masked = losses.MeanSquaredError()(y, out)
    full = np.mean(out.numpy()[MASK] ** 2)
    np.testing.assert_allclose(masked.item(), full, rtol=1e-5)


def test_numpy_inputs_take_the_layer_dtype():
    assert layers.Dense(2, dtype="float64")(np.ones((2, 3))).dtype == np.float64
    assert layers.Dense(2)(np.ones((2, 3))).dtype == np.float32
