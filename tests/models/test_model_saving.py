"""Model.save / save_weights / load_weights and ember.models.load_model: the model's configs
(Sequential, functional, subclassed) go through ember.saving and come back identical."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.models import Model, Sequential, load_model

X = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
Y = X.sum(axis=1, keepdims=True)


def test_sequential_save_and_load_resumes_training_state(tmp_path):
    model = Sequential([layers.Input(shape=(3,)), layers.Dense(4, activation="relu"),
                        layers.Dropout(0.1), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "model.ember"
    model.save(path)
    loaded = load_model(path)
    assert isinstance(loaded, Sequential) and loaded.optimizer.iterations.numpy() == 4
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    ember.utils.set_random_seed(5)  # the same dropout masks for both
    a = model.fit(X, Y, epochs=1, batch_size=16, shuffle=False, verbose=0).history["loss"]
    ember.utils.set_random_seed(5)
    b = loaded.fit(X, Y, epochs=1, batch_size=16, shuffle=False, verbose=0).history["loss"]
    assert a == b
    assert all(np.array_equal(p, q) for p, q in zip(model.get_weights(), loaded.get_weights()))


def test_functional_and_subclassed_round_trips(tmp_path):
    a, b = layers.Input(shape=(3,), name="a"), layers.Input(shape=(2,), name="b")
    functional = Model([a, b], layers.Dense(1)(layers.Concatenate()([a, b])))
    functional.compile(optimizer="sgd", loss="mse")
    functional.save(tmp_path / "f.ember")
    back = load_model(tmp_path / "f.ember")
    xs = [X, X[:, :2]]
    np.testing.assert_array_equal(back.predict(xs, verbose=0), functional.predict(xs, verbose=0))

    class Scaled(Model):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x) * 2.0

    sub = Scaled(units=3)
    sub(X)
    sub.save(tmp_path / "s.ember")
    with pytest.raises(ember.saving.UnknownObjectError, match="custom_objects"):
        load_model(tmp_path / "s.ember")
    back = load_model(tmp_path / "s.ember", custom_objects={"Scaled": Scaled})
    assert back.units == 3
    np.testing.assert_array_equal(back(X).numpy(), sub(X).numpy())


def test_weights_only(tmp_path):
    def build():
        return Sequential([layers.Input(shape=(3,)), layers.Dense(2), layers.Dense(1)])

    model, other = build(), build()
    model.save_weights(tmp_path / "w.weights.ember")
    other.load_weights(tmp_path / "w.weights.ember")
    assert all(np.array_equal(p, q) for p, q in zip(model.get_weights(), other.get_weights()))
    wrong = Sequential([layers.Input(shape=(3,)), layers.Dense(5), layers.Dense(1)])
    with pytest.raises(ValueError, match="do not match"):
        wrong.load_weights(tmp_path / "w.weights.ember")
    with pytest.warns(UserWarning, match="skipping a layer"):
        wrong.load_weights(tmp_path / "w.weights.ember", skip_mismatch=True)
