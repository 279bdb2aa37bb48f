"""keras.io "Customizing what happens in fit()" (the PyTorch version, and the TensorFlow
version's GradientTape step under ember): a functional subclass with its own train_step
(zero_grad, compute_loss, backward, v.value.grad, optimizer.apply, self.metrics), the
lower-level step with its own metrics, sample weights, and a custom test_step."""

import numpy as np
import pytest

import ember
from tests.keras_guides.conftest import load_keras, no_grad, run_once


def data(n=512):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 32)).astype("float32")
    w = rng.standard_normal((32, 1)).astype("float32") / 4
    return x, (x @ w + 0.1).astype("float32")


def program(keras, flavour="torch"):
    x, y = data()
    out = {}

    class CustomModel(keras.Model):
        def train_step(self, data):
            x, y = data
            if flavour == "tape":  # TensorFlow flavour (ember has GradientTape)
                with keras.GradientTape() as tape:
                    y_pred = self(x, training=True)
                    loss = self.compute_loss(y=y, y_pred=y_pred)
                gradients = tape.gradient(loss, self.trainable_variables)
                self.optimizer.apply_gradients(zip(gradients, self.trainable_variables))
            else:
                self.zero_grad()
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
                loss.backward()
                trainable_weights = [v for v in self.trainable_weights]
                gradients = [v.value.grad for v in trainable_weights]
                with no_grad(keras):
                    self.optimizer.apply(gradients, trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    keras.utils.set_random_seed(1)
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    out["step"] = {k: v[-1] for k, v in history.history.items() if k != "learning_rate"}

    class LowLevel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = keras.losses.MeanSquaredError()

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.loss_fn(y, y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with no_grad(keras):
                self.optimizer.apply(gradients, trainable_weights)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    keras.utils.set_random_seed(1)
    inputs = keras.Input(shape=(32,))
    model = LowLevel(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer=keras.optimizers.Adam(0.05))
    history = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    out["low_level"] = {k: v[-1] for k, v in history.history.items() if k != "learning_rate"}

    class Weighted(keras.Model):
        def train_step(self, data):
            if len(data) == 3:
                x, y, sample_weight = data
            else:
                sample_weight = None
                x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with no_grad(keras):
                self.optimizer.apply(gradients, trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred, sample_weight=sample_weight)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    keras.utils.set_random_seed(1)
    inputs = keras.Input(shape=(32,))
    model = Weighted(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse", metrics=["mae"])
    sw = np.random.default_rng(2).random((len(x), 1)).astype("float32")
    history = model.fit(x, y, sample_weight=sw, epochs=8, batch_size=32, verbose=0)
    out["weighted"] = {k: v[-1] for k, v in history.history.items() if k != "learning_rate"}
    out["evaluate"] = model.evaluate(x, y, verbose=0, return_dict=True)
    return out


def check(out):
    assert set(out["step"]) == {"loss", "mae"} and out["step"]["loss"] < 0.02
    assert set(out["low_level"]) == {"loss", "mae"} and out["low_level"]["loss"] < 0.02
    assert set(out["weighted"]) == {"loss", "mae"} and out["weighted"]["loss"] < 0.02
    assert set(out["evaluate"]) == {"loss", "mae"} and out["evaluate"]["loss"] < 0.03


def test_customizing_fit_guide(keras):
    check(run_once(program, keras))


def test_customizing_fit_with_gradient_tape():
    check(program(ember, flavour="tape"))


@pytest.mark.slow
def test_customizing_fit_matches_keras():
    """Same data, same architecture and optimizer: the losses both reach are close."""
    ours, theirs = run_once(program, ember), run_once(program, load_keras())
    for part in ("step", "low_level", "weighted"):
        assert set(ours[part]) == set(theirs[part])
        assert ours[part]["loss"] == pytest.approx(theirs[part]["loss"], abs=0.01)
