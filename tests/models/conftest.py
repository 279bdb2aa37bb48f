"""Fixtures for the model tests: fresh layer names, and the Keras namespace on `ember`.

`keras_namespace` makes `import ember as keras; keras.Sequential(...)` work even before
`ember/__init__.py` exports the model API (it only fills names that are missing, so once the
package exports them the real ones are used unchanged).
"""

import numpy as np
import pytest

import ember
import ember.callbacks
import ember.layers
import ember.losses
import ember.metrics
import ember.models
import ember.optimizers

KERAS_NAMES = {
    "Sequential": ember.models.Sequential, "Model": ember.models.Model,
    "Input": ember.layers.Input, "layers": ember.layers, "models": ember.models,
    "callbacks": ember.callbacks, "optimizers": ember.optimizers, "losses": ember.losses,
    "metrics": ember.metrics,
}


@pytest.fixture(autouse=True)
def _fresh_names():
    ember.layers.clear_session()
    yield


@pytest.fixture
def keras(monkeypatch):
    for name, value in KERAS_NAMES.items():
        if not hasattr(ember, name):
            monkeypatch.setattr(ember, name, value, raising=False)
    return ember


def regression_data(n=256, features=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, features)).astype(np.float32)
    w = np.arange(1, features + 1, dtype=np.float32) / features
    y = (x @ w + 0.5).reshape(-1, 1).astype(np.float32)
    return x, y


def classification_data(n=240, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 3, (classes, features))
    labels = rng.integers(0, classes, n)
    x = (centers[labels] + rng.normal(0, 0.5, (n, features))).astype(np.float32)
    return x, labels.astype(np.int64)


@pytest.fixture
def make_regression():
    return regression_data


@pytest.fixture
def make_classification():
    return classification_data
