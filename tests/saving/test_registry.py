"""The class registry and the object (de)serialisers."""

import numpy as np
import pytest

import ember.layers
import ember.optimizers
from ember.layers import Dense, Layer
from ember.losses import Loss
from ember.metrics import Metric
from ember.saving import (
    UnknownObjectError,
    custom_object_scope,
    deserialize,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    register_serializable,
    serialize,
)
from ember.saving.registry import ember_classes, resolve
from ember.saving.serialization import check_not_loading, loading_scope, to_json_data


@pytest.mark.parametrize("name, module", [
    ("Dense", "ember.layers"), ("BatchNormalization", "ember.layers"),
    ("Dropout", "ember.layers"), ("Adam", "ember.optimizers"), ("SGD", "ember.optimizers"),
    ("ExponentialDecay", "ember.optimizers"), ("GlorotUniform", "ember.initializers"),
    ("L2", "ember.regularizers"), ("CategoricalCrossentropy", "ember.losses"),
    ("SparseCategoricalAccuracy", "ember.metrics"),
])
def test_ember_classes_resolve_by_name(name, module):
    cls = resolve(name, module=module)
    assert cls.__name__ == name and cls.__module__.startswith(module)


def test_every_discovered_class_has_config_methods():
    classes = [c for group in ember_classes().values() for c in group]
    assert len(classes) > 50
    for cls in classes:
        assert callable(getattr(cls, "get_config", None)), cls
        assert callable(getattr(cls, "from_config", None)), cls


def test_same_name_in_two_families_is_disambiguated():
    assert issubclass(resolve("MeanSquaredError", base=Loss), Loss)
    assert issubclass(resolve("MeanSquaredError", base=Metric), Metric)
    assert issubclass(resolve("MeanSquaredError", module="ember.metrics"), Metric)
    with pytest.raises(UnknownObjectError, match="ambiguous"):
        resolve("MeanSquaredError")


@pytest.mark.parametrize("name", ["os.system", "ember.layers.Dense", "builtins.eval",
                                  "__import__('os')", "a b", "", "x" * 300, "../Dense",
                                  "Dense()", "os:system", None, 3, ["Dense"]])
def test_non_plain_names_are_refused_before_lookup(name):
    with pytest.raises(UnknownObjectError, match="not a plain class name"):
        resolve(name)


def test_unknown_class_error_names_the_class_and_the_fix():
    with pytest.raises(UnknownObjectError) as info:
        resolve("MyFancyLayer", base=Layer)
    message = str(info.value)
    assert "'MyFancyLayer'" in message and "layer" in message
    assert "custom_objects={'MyFancyLayer': MyFancyLayer}" in message
    assert "@ember.saving.register_serializable()" in message


def test_register_serializable_and_keras_spelling():
    @register_serializable(package="TestPkg")
    class Twice(Layer):
        def call(self, x):
            return x * 2

    @register_keras_serializable(package="TestPkg", name="Thrice")
    class Three(Layer):
        pass

    assert get_registered_name(Twice) == "TestPkg>Twice"
    assert resolve("TestPkg>Twice") is Twice and resolve("Twice") is Twice
    assert resolve("TestPkg>Thrice") is Three
    assert get_registered_object("TestPkg>Thrice") is Three
    assert get_registered_object("Nope") is None
    config = serialize(Twice(name="t"))
    assert config["registered_name"] == "TestPkg>Twice" and config["class_name"] == "Twice"
    assert type(deserialize(config)) is Twice
    with pytest.raises(ValueError, match="already registered"):
        register_serializable(package="TestPkg", name="Twice")(Three)


def test_registered_bare_name_never_shadows_an_ember_class():
    @register_serializable(package="Shadow")
    class Dense(Layer):  # noqa: F811  (the point of the test)
        pass

    assert resolve("Dense") is ember.layers.Dense
    assert resolve("Shadow>Dense") is Dense


def test_custom_objects_and_nested_scopes():
    class Mine(Layer):
        pass

    class Other(Layer):
        pass

    assert resolve("Mine", custom_objects={"Mine": Mine}) is Mine
    with custom_object_scope({"Mine": Mine}):
        assert resolve("Mine") is Mine
        with custom_object_scope({"Mine": Other}):
            assert resolve("Mine") is Other
        assert resolve("Mine") is Mine
    with pytest.raises(UnknownObjectError):
        resolve("Mine")
    with pytest.raises(TypeError, match="custom_objects"):
        resolve("Mine", custom_objects={"Mine": 3})
    with pytest.raises(TypeError, match="custom_objects"):
        resolve("Mine", custom_objects=[Mine])


def test_custom_class_of_the_wrong_family_is_refused():
    class NotALayer:
        @classmethod
        def from_config(cls, config):
            return cls()

    with pytest.raises(UnknownObjectError, match="not a layer"):
        deserialize({"class_name": "X", "config": {}}, {"X": NotALayer}, base=Layer)


def test_a_function_cannot_stand_for_a_class(sentinel):
    def touch(**kwargs):
        sentinel.write_text("ran")

    with pytest.raises(UnknownObjectError, match="not a class"):
        deserialize({"class_name": "touch", "config": {}}, {"touch": touch})


def test_round_trips_of_ember_objects():
    opt = ember.optimizers.Adam(learning_rate=ember.optimizers.schedules.ExponentialDecay(
        0.1, decay_steps=10, decay_rate=0.5))
    back = deserialize(serialize(opt), base=ember.optimizers.Optimizer)
    assert type(back) is ember.optimizers.Adam
    assert back.get_config() == opt.get_config()
    dense = Dense(3, activation="relu", name="d")
    back = deserialize(serialize(dense), base=Layer)
    assert back.get_config() == dense.get_config()


def test_from_config_errors_become_value_errors():
    with pytest.raises(ValueError, match="could not rebuild 'Dense'.*filepath"):
        deserialize({"class_name": "Dense", "config": {"units": 2, "filepath": "/etc/passwd"}})
    with pytest.raises(ValueError, match="'config' of 'Dense' must be a dict"):
        deserialize({"class_name": "Dense", "config": "units=2"})
    with pytest.raises(ValueError, match="string 'class_name'"):
        deserialize({"class_name": ["Dense"]})


def test_to_json_data_accepts_data_and_refuses_code():
    assert to_json_data({"a": (1, np.float32(0.5)), "b": np.arange(2), "c": np.dtype("f4")}) \
        == {"a": [1, 0.5], "b": [0, 1], "c": "float32"}
    for bad, word in [(lambda x: x, "function"), (Dense, "class"), (object(), "object"),
                      ({1: 2}, "keys must be strings"), (float("nan"), "finite")]:
        with pytest.raises((TypeError, ValueError), match=word):
            to_json_data({"v": bad})
    with pytest.raises(TypeError, match=r"config\['v'\]\[1\] is a function"):
        to_json_data({"v": [1, print]})


def test_nested_loads_are_refused_while_rebuilding(tmp_path):
    check_not_loading("load_model", "x")  # fine outside
    with loading_scope(), pytest.raises(ValueError, match="may not reference or load"):
        check_not_loading("load_model", tmp_path / "other.ember")
