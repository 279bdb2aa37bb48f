"""save/load round trips through the public API: predictions, weights, optimizer state."""

import json
import struct
import warnings
import zipfile

import numpy as np
import pytest

import ember
import ember.models
from ember import layers
from ember.saving import UnknownObjectError, register_serializable

X = np.random.default_rng(0).standard_normal((48, 6)).astype("float32")
Y = np.random.default_rng(1).integers(0, 3, 48)


def sequential(compiled=True):
    model = ember.models.Sequential([
        layers.Input(shape=(6,)), layers.Dense(8, activation="relu"),
        layers.BatchNormalization(), layers.Dropout(0.25), layers.Dense(3, activation="softmax"),
    ])
    if compiled:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    return model


def same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    return len(wa) == len(wb) and all(
        x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(wa, wb))


def test_sequential_round_trip_with_batchnorm_and_dropout(tmp_path):
    model = sequential()
    model.fit(X, Y, epochs=2, batch_size=16, verbose=0)
    path = tmp_path / "model.ember"
    model.save(path)
    loaded = ember.models.load_model(path)
    assert type(loaded) is type(model) and same_weights(model, loaded)
    bn = [la for la in loaded.layers if type(la).__name__ == "BatchNormalization"][0]
    assert not np.array_equal(bn.get_weights()[2], np.zeros(8))  # moving mean was trained
    assert np.array_equal(model.predict(X, verbose=0), loaded.predict(X, verbose=0))
    assert loaded.compiled and type(loaded.optimizer).__name__ == "Adam"
    assert int(loaded.optimizer.iterations.numpy()) == 6
    with zipfile.ZipFile(path) as zf:
        names = [i.filename for i in zf.infolist()]
        blob = zf.read("model.weights.safetensors")
        meta = json.loads(zf.read("metadata.json"))
    assert names == ["metadata.json", "config.json", "model.weights.safetensors",
                     "optimizer.safetensors", "manifest.json"]
    assert meta["format"] == "ember.model" and meta["ember_version"] == ember.__version__
    header = json.loads(blob[8:8 + struct.unpack("<Q", blob[:8])[0]])
    assert header["layers/dense/vars/0"]["dtype"] == "F32"
    assert header["layers/dense/vars/0"]["shape"] == [6, 8]
    assert header["layers/batch_normalization/vars/2"]["shape"] == [8]
    assert header["layers/dense_1/vars/1"]["shape"] == [3]


def test_continued_training_after_load_equals_continued_training(tmp_path):
    model = sequential()
    model.fit(X, Y, epochs=2, batch_size=16, verbose=0)
    model.save(tmp_path / "m.ember")
    loaded = ember.models.load_model(tmp_path / "m.ember")
    ember.utils.set_random_seed(7)
    model.fit(X, Y, epochs=2, batch_size=16, verbose=0)
    ember.utils.set_random_seed(7)
    loaded.fit(X, Y, epochs=2, batch_size=16, verbose=0)
    assert same_weights(model, loaded)
    fresh = ember.models.load_model(tmp_path / "m.ember", compile=False)
    assert fresh.optimizer is None
    fresh.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    ember.utils.set_random_seed(7)
    fresh.fit(X, Y, epochs=2, batch_size=16, verbose=0)
    assert not same_weights(model, fresh)  # without the saved Adam slots it diverges


def test_functional_multi_input_round_trip(tmp_path):
    a, b = layers.Input(shape=(6,), name="a"), layers.Input(shape=(2,), name="b")
    h = layers.Dense(5, activation="tanh")(a)
    merged = layers.Concatenate()([h, layers.Dense(5)(b)])
    out = layers.Dense(1)(layers.Dropout(0.5)(merged))
    model = ember.models.Model([a, b], out)
    model.compile(optimizer="sgd", loss="mse")
    xb = X[:, :2] * 2
    model.fit([X, xb], Y.astype("float32"), epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "f.ember")
    loaded = ember.models.load_model(tmp_path / "f.ember")
    assert same_weights(model, loaded)
    assert np.array_equal(model.predict([X, xb], verbose=0), loaded.predict([X, xb], verbose=0))


class Residual(ember.models.Model):
    """A subclassed model with a constructor argument and get_config."""

    def __init__(self, width, **kwargs):
        super().__init__(**kwargs)
        self.width = width
        self.inner = layers.Dense(width, activation="relu")
        self.head = layers.Dense(3)

    def call(self, inputs, training=False):
        return self.head(self.inner(inputs) + inputs[:, :self.width])

    def get_config(self):
        return {"width": self.width, "name": self.name}


def test_subclassed_model_needs_custom_objects(tmp_path):
    model = Residual(4)
    model.compile(optimizer="rmsprop", loss="mse")
    model.fit(X, np.ones((48, 3), "float32"), epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "sub.ember")
    with pytest.raises(UnknownObjectError) as info:
        ember.models.load_model(tmp_path / "sub.ember")
    assert "'Residual'" in str(info.value) and "custom_objects" in str(info.value)
    assert str(tmp_path / "sub.ember") in str(info.value)
    loaded = ember.models.load_model(tmp_path / "sub.ember",
                                     custom_objects={"Residual": Residual})
    assert type(loaded) is Residual and loaded.width == 4
    assert same_weights(model, loaded)
    assert np.array_equal(model.predict(X, verbose=0), loaded.predict(X, verbose=0))


def test_registered_subclass_loads_without_custom_objects(tmp_path):
    @register_serializable(package="tests")
    class Tiny(ember.models.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = layers.Dense(2)

        def call(self, inputs, training=False):
            return self.d(inputs)

    model = Tiny()
    model(X[:2])
    model.save(tmp_path / "tiny.ember")
    loaded = ember.models.load_model(tmp_path / "tiny.ember")
    assert type(loaded) is Tiny and same_weights(model, loaded)
    assert not loaded.compiled


def test_weights_are_keyed_by_layer_path_not_by_name(tmp_path):
    model = sequential(compiled=False)
    model.save_weights(tmp_path / "w.weights.ember")
    for _ in range(3):  # shift the automatic names: the next Dense is dense_5, ...
        layers.Dense(1)
    other = sequential(compiled=False)
    assert [la.name for la in other.layers] != [la.name for la in model.layers]
    other.load_weights(tmp_path / "w.weights.ember")
    assert same_weights(model, other)
    third = sequential(compiled=False)
    third.load_weights(tmp_path / "w.weights.ember")  # a weights file ...
    model.save(tmp_path / "full.ember")
    third.load_weights(tmp_path / "full.ember")  # ... or a model file
    assert same_weights(model, third)


def test_load_weights_mismatch_names_layer_and_shapes(tmp_path):
    model = sequential(compiled=False)
    model.save_weights(tmp_path / "w.ember")
    wider = ember.models.Sequential([
        layers.Input(shape=(6,)), layers.Dense(8, activation="relu"),
        layers.BatchNormalization(), layers.Dropout(0.25), layers.Dense(4, activation="softmax"),
    ])
    before = [la.get_weights() for la in wider.layers]
    with pytest.raises(ValueError) as info:
        wider.load_weights(tmp_path / "w.ember")
    message = str(info.value)
    assert str(tmp_path / "w.ember") in message
    assert f"layer '{wider.layers[-1].name}' (layers/dense_1) weight 0" in message
    assert "(8, 4) in the model but (8, 3) in the file" in message
    assert "skip_mismatch=True" in message
    for layer, weights in zip(wider.layers, before):  # nothing was assigned
        assert all(np.array_equal(a, b) for a, b in zip(layer.get_weights(), weights))
    with pytest.warns(UserWarning, match="skipping a layer"):
        wider.load_weights(tmp_path / "w.ember", skip_mismatch=True)
    for i in (0, 1):  # the first Dense and the BatchNormalization matched and were loaded
        for a, b in zip(wider.layers[i].get_weights(), model.layers[i].get_weights()):
            assert np.array_equal(a, b)
    for a, b in zip(wider.layers[-1].get_weights(), before[-1]):
        assert np.array_equal(a, b)  # the mismatching last Dense was skipped


def test_load_weights_missing_and_extra_layers(tmp_path):
    model = sequential(compiled=False)
    model.save_weights(tmp_path / "w.ember")
    shorter = ember.models.Sequential([layers.Input(shape=(6,)), layers.Dense(8)])
    with pytest.raises(ValueError, match="no such layer"):
        shorter.load_weights(tmp_path / "w.ember")
    unbuilt = ember.models.Sequential([layers.Dense(8)])
    with pytest.raises(ValueError, match="has none yet"):
        unbuilt.load_weights(tmp_path / "w.ember")


def test_file_kinds_and_overwrite(tmp_path):
    model = sequential()
    model.save_weights(tmp_path / "w.ember")
    with pytest.raises(ember.saving.FileFormatError, match="weights file.*expected a model"):
        ember.models.load_model(tmp_path / "w.ember")
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save(tmp_path / "w.ember", overwrite=False)
    with pytest.raises(FileNotFoundError):
        ember.models.load_model(tmp_path / "missing.ember")
    with pytest.raises(TypeError, match="safe_mode"):
        ember.models.load_model(tmp_path / "w.ember", safe_mode="no")


def my_loss(y_true, y_pred):
    return ember.ops.mean((y_true - y_pred) ** 2)


def test_user_loss_function_is_saved_by_name_and_needs_custom_objects(tmp_path):
    model = ember.models.Sequential([layers.Input(shape=(6,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss=my_loss)
    model.fit(X, np.ones((48, 1), "float32"), epochs=1, verbose=0)
    model.save(tmp_path / "l.ember")
    config = json.loads(zipfile.ZipFile(tmp_path / "l.ember").read("config.json"))
    assert config["compile_config"]["loss"]["class_name"] == "function"
    with pytest.raises(UnknownObjectError, match="my_loss"):
        ember.models.load_model(tmp_path / "l.ember")
    loaded = ember.models.load_model(tmp_path / "l.ember", custom_objects={"my_loss": my_loss})
    assert loaded.loss is my_loss
    assert ember.models.load_model(tmp_path / "l.ember", compile=False).optimizer is None


def test_unsaveable_configs_fail_at_save_time(tmp_path):
    model = ember.models.Sequential([layers.Input(shape=(2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.optimizer._learning_rate = lambda: 0.1  # a plain callable cannot be written
    with pytest.raises(TypeError, match="learning rate"):
        model.save(tmp_path / "x.ember")
    assert not (tmp_path / "x.ember").exists()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.save_weights(tmp_path / "w.ember")  # weights alone are fine
