"""The notes' exercise on the bundled digits: a small CNN beats the feed-forward network with
the same budget and reaches at least 97% test accuracy."""

import numpy as np
import pytest

import ember
from ember.cli import build_model
from ember.datasets import digits


def _fit_and_score(name, epochs=8):
    ember.utils.set_random_seed(0)
    (x, y), (xt, yt) = digits.load_data()
    x, xt = (x / 16).astype(np.float32), (xt / 16).astype(np.float32)
    model = build_model(name, input_shape=(8, 8))
    model.compile(ember.optimizers.Adam(3e-3), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    return model, model.evaluate(xt, yt, verbose=0, return_dict=True)["accuracy"]


@pytest.mark.slow
def test_a_small_cnn_beats_the_mlp_and_reaches_97_percent():
    cnn, cnn_accuracy = _fit_and_score("cnn")
    _, mlp_accuracy = _fit_and_score("mlp")
    assert any(isinstance(layer, ember.layers.Conv2D) for layer in cnn.layers)
    assert cnn_accuracy >= 0.97
    assert cnn_accuracy > mlp_accuracy


def test_the_cnn_of_ember_train_takes_flat_or_channel_images():
    assert build_model("cnn", input_shape=(8, 8)).output_shape == (None, 10)
    assert build_model("cnn", input_shape=(32, 32, 3)).output_shape == (None, 10)
