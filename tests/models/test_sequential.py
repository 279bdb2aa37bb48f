"""Sequential: list or add/pop, with or without an Input, input_shape= and deferred builds,
layer access, feature extraction from intermediate outputs, config round trip."""

import json

import numpy as np
import pytest

import ember
from ember import layers
from ember.models import Model, Sequential


def test_list_constructor_with_input_shape_builds_at_once():
    model = Sequential([layers.Dense(2, activation="sigmoid", input_shape=(3,)),
                        layers.Dense(1)])
    assert model.built and model.input_shape == (None, 3) and model.output_shape == (None, 1)
    assert model.count_params() == 3 * 2 + 2 + 2 * 1 + 1
    assert [la.name for la in model.layers] == ["dense", "dense_1"]  # no InputLayer listed
    assert model(np.ones((5, 3), np.float32)).shape == (5, 1)


def test_add_with_an_input_first_builds_each_layer_as_it_comes():
    model = Sequential()
    model.add(layers.Input(shape=(4,)))
    assert model.built and model.layers == []
    model.add(layers.Dense(3))
    assert model.layers[0].built and model.output_shape == (None, 3)
    model.add(layers.Dense(2))
    assert model.output_shape == (None, 2) and len(model.weights) == 4


def test_deferred_build_on_first_data_then_fit():
    model = Sequential([layers.Dense(4, activation="relu"), layers.Dense(1)])
    assert not model.built and model.inputs is None
    with pytest.raises(ValueError, match="isn't built"):
        model.count_params()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.zeros((8, 5), np.float32), np.zeros((8, 1), np.float32), verbose=0)
    assert model.built and model.input_shape == (None, 5)
    assert model.layers[0].kernel.shape == (5, 4)


def test_build_with_a_shape_and_pop():
    model = Sequential([layers.Dense(4), layers.Dense(3), layers.Dense(2)])
    model.build((None, 6))
    assert model.output_shape == (None, 2)
    popped = model.pop()
    assert popped.name == "dense_2" and model.output_shape == (None, 3)
    assert [la.name for la in model.layers] == ["dense", "dense_1"]
    model.pop()
    model.pop()
    with pytest.raises(IndexError, match="no layers to pop"):
        model.pop()


def test_add_rejects_non_layers_and_duplicates_and_late_inputs():
    model = Sequential()
    with pytest.raises(TypeError, match="only layers can be added"):
        model.add("dense")
    dense = layers.Dense(2)
    model.add(dense)
    with pytest.raises(ValueError, match="already added"):
        model.add(dense)
    with pytest.raises(ValueError, match="InputLayer can only be the first"):
        model.add(layers.InputLayer(shape=(2,)))


def test_get_layer_by_name_and_index_and_errors():
    model = Sequential([layers.Input(shape=(3,)), layers.Dense(4, name="hidden"),
                        layers.Dense(1, name="out")])
    assert model.get_layer("out") is model.layers[1]
    assert model.get_layer(index=0).name == "hidden"
    assert model.get_layer(index=-1).name == "out"
    with pytest.raises(ValueError, match="No such layer: nope. Existing layers are"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="only has 2 layers"):
        model.get_layer(index=5)
    with pytest.raises(ValueError, match="Provide only a layer name or a layer index"):
        model.get_layer("out", 1)
    with pytest.raises(ValueError, match="Provide either"):
        model.get_layer()


def test_feature_extraction_from_an_intermediate_output():
    model = Sequential([layers.Dense(5, activation="relu", input_shape=(3,), name="dense"),
                        layers.Dense(2, name="head")])
    extractor = Model(inputs=model.inputs, outputs=model.get_layer("dense").output)
    x = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    features = extractor.predict(x, verbose=0)
    dense = model.get_layer("dense")
    expected = np.maximum(x @ dense.kernel.numpy() + dense.bias.numpy(), 0)
    np.testing.assert_allclose(features, expected, rtol=1e-6)
    # the extractor shares the weights: it is not a copy
    assert extractor.get_layer("dense") is dense
    # and still works after the Sequential grew
    model.add(layers.Dense(1))
    np.testing.assert_allclose(extractor.predict(x, verbose=0), expected, rtol=1e-6)


def test_a_layer_with_two_outputs_is_refused():
    class Split(layers.Layer):
        def call(self, x):
            return [x, x]

        def compute_output_shape(self, shape):
            return [shape, shape]

    with pytest.raises(ValueError, match="single output"):
        Sequential([layers.Input(shape=(2,)), Split()])


def test_config_round_trip_keeps_architecture_and_json():
    model = Sequential([layers.Input(shape=(3,)), layers.Dense(4, activation="relu"),
                        layers.Dropout(0.5), layers.Dense(1)], name="net")
    config = model.get_config()
    json.dumps(config)
    assert config["name"] == "net" and config["build_input_shape"] == [None, 3]
    assert [c["class_name"] for c in config["layers"]] == ["InputLayer", "Dense", "Dropout",
                                                          "Dense"]
    clone = Sequential.from_config(config)
    assert clone.built and [type(la) for la in clone.layers] == [type(la) for la in model.layers]
    clone.set_weights(model.get_weights())
    x = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_training_flag_reaches_the_layers():
    model = Sequential([layers.Input(shape=(1000,)), layers.Dropout(0.5)])
    x = np.ones((2, 1000), np.float32)
    assert np.array_equal(model(x).numpy(), x)  # inference by default
    dropped = model(x, training=True).numpy()
    assert 0.3 < (dropped == 0).mean() < 0.7 and set(np.unique(dropped)) <= {0.0, 2.0}


def test_nested_sequential_counts_and_trains():
    inner = Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    outer = Sequential([layers.Input(shape=(3,)), inner, layers.Dense(1)])
    assert outer.count_params() == (3 * 4 + 4) + (4 * 2 + 2) + (2 + 1)
    outer.compile(optimizer="adam", loss="mse")
    before = [w.copy() for w in inner.get_weights()]
    outer.fit(np.ones((8, 3), np.float32), np.zeros((8, 1), np.float32), verbose=0)
    assert not np.array_equal(before[0], inner.get_weights()[0])
    assert ember.models.Sequential is Sequential
