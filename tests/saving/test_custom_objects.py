"""One registry: `register_keras_serializable`, `custom_objects`, `custom_object_scope` and
`ember.layers.registry.register` all resolve through `ember.saving.registry`, so a user's layer,
activation, loss or metric saves and loads with `model.save` / `load_model`."""

import numpy as np
import pytest

import ember
from ember import ops
from ember.saving import UnknownObjectError


def scaled_tanh(x):
    return 2.0 * ops.tanh(x)


def half_mse(y_true, y_pred):
    return 0.5 * ops.mean((y_pred - y_true) * (y_pred - y_true), axis=-1)


class Scale(ember.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class ScaledMSE(ember.losses.Loss):
    def __init__(self, scale=3.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, y_true, y_pred):
        return self.scale * ops.mean((y_pred - y_true) * (y_pred - y_true), axis=-1)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def _model(activation, loss):
    model = ember.Sequential([ember.Input(shape=(3,)), Scale(1.5, name="scale"),
                              ember.layers.Dense(2, activation=activation, name="dense")])
    model.compile(optimizer="adam", loss=loss, metrics=["mae"])
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = np.random.default_rng(1).normal(size=(16, 2)).astype("float32")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    return model, x, y


def _check_round_trip(model, x, y, path, **load_kwargs):
    model.save(path)
    loaded = ember.saving.load_model(path, **load_kwargs)
    assert isinstance(loaded.get_layer("scale"), Scale)
    assert loaded.get_layer("scale").factor == 1.5
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0),
                                                             rel=1e-5)
    return loaded


@pytest.fixture
def registered():
    """Register the test's objects for one test, then remove them from the one table."""
    table = ember.utils.get_custom_objects()
    before = dict(table)
    reg = ember.utils.register_keras_serializable(package="CustomTest")
    objects = {"Scale": reg(Scale), "scaled_tanh": reg(scaled_tanh), "half_mse": reg(half_mse),
               "ScaledMSE": reg(ScaledMSE)}
    yield objects
    table.clear()
    table.update(before)


def test_registered_layer_activation_and_loss_function_save_and_load(tmp_path, registered):
    model, x, y = _model(scaled_tanh, half_mse)
    assert ember.utils.get_registered_name(scaled_tanh) == "CustomTest>scaled_tanh"
    assert model.get_layer("dense").get_config()["activation"] == "CustomTest>scaled_tanh"
    loaded = _check_round_trip(model, x, y, tmp_path / "m.ember")
    assert loaded.get_layer("dense").activation is scaled_tanh
    assert loaded.loss is half_mse


def test_registered_loss_class_saves_and_loads(tmp_path, registered):
    model, x, y = _model("relu", ScaledMSE(scale=2.0))
    loaded = _check_round_trip(model, x, y, tmp_path / "m.ember")
    assert isinstance(loaded.loss, ScaledMSE) and loaded.loss.scale == 2.0


def test_unregistered_objects_load_through_custom_objects_or_a_scope(tmp_path):
    model, x, y = _model(scaled_tanh, half_mse)
    path = tmp_path / "m.ember"
    model.save(path)
    with pytest.raises(UnknownObjectError, match="Scale"):
        ember.saving.load_model(path)
    objects = {"Scale": Scale, "scaled_tanh": scaled_tanh, "half_mse": half_mse}
    loaded = _check_round_trip(model, x, y, path, custom_objects=objects)
    assert loaded.get_layer("dense").activation is scaled_tanh
    with ember.utils.custom_object_scope(objects):
        assert ember.saving.load_model(path).loss is half_mse


def test_keras_helpers_are_the_registry_functions(registered):
    assert ember.utils.get_registered_object("CustomTest>Scale") is Scale
    assert ember.utils.get_registered_object("Scale") is Scale
    assert ember.utils.get_custom_objects()["CustomTest>half_mse"] is half_mse
    assert ember.activations.get("CustomTest>scaled_tanh") is scaled_tanh
    assert ember.losses.get("CustomTest>half_mse") is half_mse
    config = ember.utils.serialize_keras_object(Scale(3.0, name="s"))
    assert config["registered_name"] == "CustomTest>Scale"
    rebuilt = ember.utils.deserialize_keras_object(config)
    assert isinstance(rebuilt, Scale) and rebuilt.factor == 3.0
    assert ember.layers.deserialize(config).factor == 3.0
    with ember.utils.CustomObjectScope({"Other": Scale}):
        assert ember.utils.get_registered_object("Other") is Scale
        assert ember.layers.deserialize({"class_name": "Other", "config": {}}).factor == 2.0


def test_layers_registry_register_uses_the_same_table(tmp_path):
    table = ember.utils.get_custom_objects()
    before = dict(table)
    try:
        @ember.layers.registry.register
        class Doubling(ember.layers.Layer):
            def call(self, x):
                return x * 2.0

        assert ember.utils.get_registered_object("Doubling") is Doubling
        model = ember.Sequential([ember.Input(shape=(2,)), Doubling()])
        model.save(tmp_path / "d.ember")
        loaded = ember.saving.load_model(tmp_path / "d.ember")
        np.testing.assert_allclose(loaded.predict(np.ones((1, 2)), verbose=0), [[2.0, 2.0]])
    finally:
        table.clear()
        table.update(before)


def test_unknown_activation_name_error_says_how_to_register():
    with pytest.raises(ValueError, match="register_keras_serializable|custom_objects"):
        ember.activations.get("no_such_activation")


def test_keras_serialize_and_deserialize_keras_object_on_functions_and_plain_data(registered):
    cfg = ember.utils.serialize_keras_object(scaled_tanh)
    assert cfg["class_name"] == "function" and cfg["config"] == "CustomTest>scaled_tanh"
    assert ember.utils.deserialize_keras_object(cfg) is scaled_tanh
    relu = ember.utils.serialize_keras_object(ember.activations.relu)
    assert ember.utils.deserialize_keras_object(relu) is ember.activations.relu
    data = {"a": [1, 2.5, None, "x"], "loss": ember.losses.Huber(delta=2.0)}
    back = ember.utils.deserialize_keras_object(ember.utils.serialize_keras_object(data))
    assert back["a"] == [1, 2.5, None, "x"] and back["loss"].delta == 2.0
    assert ember.utils.deserialize_keras_object("CustomTest>half_mse") is half_mse

    def private(x):
        return x

    with pytest.raises(UnknownObjectError, match="private"):
        ember.utils.deserialize_keras_object(ember.utils.serialize_keras_object(private))
    assert ember.utils.deserialize_keras_object(ember.utils.serialize_keras_object(private),
                                                custom_objects={"private": private}) is private
