"""What a custom train_step uses, as Keras 3: a functional subclass keeping its steps,
compute_loss, self.metrics (CompileMetrics inside), optimizer.apply / apply_gradients,
zero_grad + backward + variable.value.grad, GradientTape, unpack_x_y_sample_weight, add_loss,
_keras_mask on every output, Keras' Variable signature."""

import os

import numpy as np
import pytest

import ember as keras
from ember import layers, ops


def regression(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5], [0.0]], "float32") + 0.3).astype("float32")
    return x, y


def functional(cls, units=1):
    inputs = keras.Input(shape=(4,))
    return cls(inputs, layers.Dense(units)(inputs))


class TorchFlavoured(keras.Model):
    """keras.io "Customizing fit() with PyTorch": zero_grad, compute_loss, backward,
    v.value.grad, optimizer.apply, then every metric in self.metrics."""

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]
        with keras.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_functional_subclass_keeps_its_train_step_and_compiled_metrics():
    keras.utils.set_random_seed(0)
    x, y = regression()
    model = functional(TorchFlavoured)
    assert isinstance(model, TorchFlavoured) and isinstance(model, keras.models.Functional)
    assert type(model).__name__ == "TorchFlavoured" and len(model.layers) == 2
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    assert [m.name for m in model.metrics] == ["loss", "compile_metrics"]
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert set(history.history) == {"loss", "mae"}  # learning_rate only when something drives it
    assert history.history["loss"][-1] < history.history["loss"][0] / 4
    # the metrics were reset at each epoch: the last epoch's mean is near the last loss
    assert model.evaluate(x, y, verbose=0)[0] == pytest.approx(history.history["loss"][-1],
                                                                rel=0.5)


def test_zero_grad_clears_the_gradients_backward_left():
    model = functional(keras.Model)
    loss = ops.sum(model(np.ones((2, 4), "float32")))
    loss.backward()
    assert all(v.value.grad is not None for v in model.trainable_weights)
    model.zero_grad(set_to_none=False)
    assert all((v.grad.numpy() == 0).all() for v in model.trainable_weights)
    model.zero_grad()
    assert all(v.grad is None for v in model.trainable_weights)


class TapeFlavoured(keras.Model):
    """The TensorFlow-flavoured step: GradientTape, apply_gradients(pairs), compute_metrics,
    a batch unpacked with unpack_x_y_sample_weight (sample weights included)."""

    def train_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

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


def test_gradient_tape_step_with_sample_weights_and_custom_test_step():
    keras.utils.set_random_seed(1)
    x, y = regression()
    model = functional(TapeFlavoured)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    sw = np.ones(len(x), "float32")
    history = model.fit(x, y, sample_weight=sw, epochs=6, batch_size=16, verbose=0,
                        validation_data=(x, y))
    assert {"loss", "mae", "val_loss", "val_mae"} <= set(history.history)
    assert history.history["loss"][-1] < history.history["loss"][0]
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "mae"}


class OwnMetrics(keras.Model):
    """Lower level: no compiled loss, metrics as attributes, `metrics` overridden."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.resets = 0

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = ops.mean(ops.square(y_pred - y)) if hasattr(ops, "square") else \
            ops.mean((y_pred - y) ** 2)
        loss.backward()
        self.optimizer.apply([v.value.grad for v in self.trainable_weights],
                             self.trainable_weights)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        self.resets += 1
        return [self.loss_tracker, self.mae_metric]


def test_metrics_property_override_and_attribute_tracking():
    x, y = regression()
    model = functional(OwnMetrics)
    assert [m.name for m in model._tracked_metrics] == ["loss", "mae"]
    model.compile(optimizer=keras.optimizers.SGD(0.05))
    history = model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    assert model.resets >= 3  # fit reset the overridden metrics at each epoch
    assert history.history["loss"][-1] < history.history["loss"][0]
    # without the override, attribute metrics still join model.metrics (Keras' order)
    inputs = keras.Input(shape=(4,))

    class Plain(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.extra = keras.metrics.Mean(name="extra")

    plain = Plain(inputs, layers.Dense(1)(inputs))
    plain.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    assert [m.name for m in plain.metrics] == ["loss", "compile_metrics", "extra"]


def test_compile_metrics_is_a_resettable_metric():
    x, y = regression(n=8)
    model = functional(keras.Model)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae", "mse"])
    cm = model.metrics[1]
    assert cm.name == "compile_metrics" and cm.result() == {}
    cm.update_state(y, model(x))
    result = cm.result()
    assert set(result) == {"mae", "mse"} and float(result["mae"]) > 0
    model.reset_metrics()
    assert float(cm.result()["mae"]) == 0.0
    logs = model.compute_metrics(x, y, model(x))
    assert set(logs) == {"loss", "mae", "mse"}


def test_compute_loss_override_without_training_argument():
    class MyLoss(keras.Model):
        def compute_loss(self, x, y, y_pred, sample_weight):  # Keras < 3.3 signature
            return ops.mean((y_pred - y) ** 2) * 2.0

    x, y = regression(n=32)
    model = functional(MyLoss)
    model.compile(optimizer="sgd", loss="mse")
    base = float(ops.mean((model(x) - y) ** 2).numpy())
    assert model.evaluate(x, y, verbose=0) == pytest.approx(2 * base, rel=1e-5)
    model.fit(x, y, epochs=1, verbose=0)


def test_add_loss_in_call_is_summed_into_the_loss_and_reset_each_call():
    class ActivityPenalty(layers.Layer):
        def call(self, inputs):
            self.add_loss(0.5 * ops.abs(inputs))  # not a scalar: summed, as Keras
            return inputs

    inputs = keras.Input(shape=(2,))
    outputs = ActivityPenalty()(layers.Dense(1, kernel_initializer="ones")(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    x, y = np.ones((4, 2), "float32"), np.full((4, 1), 2.0, "float32")
    assert len(model.losses) == 0
    loss = model.train_on_batch(x, y)
    assert len(model.losses) == 1
    assert loss == pytest.approx(0.0 + 0.5 * 2.0 * 4)  # mse 0, penalty sum(|2|/2) over 4
    model(x)
    assert len(model.losses) == 1  # the next call replaced the previous step's term


def test_keras_mask_is_set_on_every_output_compute_mask_returns():
    class SplitWithMasks(layers.Layer):
        def call(self, inputs):
            return [inputs * 1.0, inputs * 2.0]

        def compute_mask(self, inputs, mask=None):
            keep = ops.not_equal(inputs[..., 0], 0)
            return [keep, None]

    class CustomMasking(layers.Layer):  # only compute_mask: supports masking, as Keras
        def compute_mask(self, inputs, mask=None):
            return ops.not_equal(inputs[..., 0], 0)

    x = np.array([[[1.0], [0.0], [3.0]]], "float32")
    a, b = SplitWithMasks()(x)
    assert a._keras_mask.tolist() == [[True, False, True]]
    assert getattr(b, "_keras_mask", None) is None
    out = CustomMasking()(keras.tensor(x))
    assert out._keras_mask.tolist() == [[True, False, True]]
    # and inherited through a masking-aware layer in a functional model
    inputs = keras.Input(shape=(3, 1))
    h = layers.Dense(2)(CustomMasking()(inputs))
    model = keras.Model(inputs, h)
    assert model(x)._keras_mask.tolist() == [[True, False, True]]


def test_pack_and_unpack_x_y_sample_weight():
    pack, unpack = keras.utils.pack_x_y_sample_weight, keras.utils.unpack_x_y_sample_weight
    assert unpack(pack("x")) == ("x", None, None)
    assert unpack(pack(["a", "b"])) == (["a", "b"], None, None)
    assert unpack(pack("x", "y")) == ("x", "y", None)
    assert unpack(pack("x", "y", "w")) == ("x", "y", "w")
    assert unpack(["x", "y"]) == ("x", "y", None)
    with pytest.raises(ValueError, match="received a tuple of length 4"):
        unpack((1, 2, 3, 4))


def test_variable_takes_keras_signature():
    v = keras.Variable("zeros", (2, 3), "float32", False, name="v")
    assert v.shape == (2, 3) and not v.trainable and v.name == "v" and v.path == "v"
    w = keras.Variable(initializer=keras.initializers.Constant(2.0), shape=(2,))
    assert w.numpy().tolist() == [2.0, 2.0] and w.trainable and w.dtype == np.float32
    u = keras.Variable(np.ones(3), trainable=True)  # the old ember form still works
    assert u.value is u and u.dtype == np.float32
    with pytest.raises(ValueError, match="shape"):
        keras.Variable("ones")
    with pytest.raises(ValueError, match="aggregation"):
        keras.Variable(1.0, aggregation="max")
    with pytest.raises(TypeError, match="trainable"):
        keras.Variable([1.0], False)
    with pytest.raises(ValueError, match="shape"):
        keras.Variable(np.ones(3), shape=(2,))


def test_functional_subclass_saves_and_loads(tmp_path):
    x, y = regression(n=16)
    model = functional(TorchFlavoured)
    model.compile(optimizer="sgd", loss="mse")
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={"TorchFlavoured": TorchFlavoured})
    assert isinstance(loaded, TorchFlavoured) and isinstance(loaded, keras.models.Functional)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
