"""Fixtures for the callback tests: fresh layer names and a tiny compiled model."""

import numpy as np
import pytest

import ember
from ember import layers, models


@pytest.fixture(autouse=True)
def _fresh_names():
    ember.layers.clear_session()
    yield


@pytest.fixture
def tiny_model():
    """A compiled 3 -> 1 linear regression model and its data (64 samples)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (64, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], np.float32) + 0.25).reshape(-1, 1)
    model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer=ember.optimizers.SGD(learning_rate=0.1), loss="mse")
    return model, x, y


class FakeModel:
    """Stands in for a model when a callback is driven by hand-written logs."""

    def __init__(self, lr=0.1, weights=None):
        self.stop_training = False
        self.optimizer = ember.optimizers.SGD(learning_rate=lr)
        self._weights = [np.array(w, dtype=np.float32) for w in (weights or [[0.0]])]

    def get_weights(self):
        return [w.copy() for w in self._weights]

    def set_weights(self, weights):
        self._weights = [np.array(w, dtype=np.float32) for w in weights]


@pytest.fixture
def fake_model():
    return FakeModel
