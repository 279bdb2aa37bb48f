"""`weights`, `get_weights()` and `set_weights()` keep Keras 3's order when `trainable`
changes: layer by layer, freezing moves nothing (Keras 2 put trainable weights first)."""

import os

import numpy as np
import pytest

import ember
from ember import layers


def build():
    return ember.models.Sequential([
        layers.Input(shape=(3,)), layers.Dense(4, name="a"),
        layers.BatchNormalization(name="bn"), layers.Dense(2, name="b")])


ORDER = ["a/kernel", "a/bias", "bn/gamma", "bn/beta", "bn/moving_mean", "bn/moving_variance",
         "b/kernel", "b/bias"]


def names(variables):
    return [v.name for v in variables]


def test_the_order_does_not_change_when_freezing():
    model = build()
    assert names(model.weights) == ORDER
    model.layers[0].trainable = False
    assert names(model.weights) == ORDER
    assert names(model.trainable_weights) == ["bn/gamma", "bn/beta", "b/kernel", "b/bias"]
    assert names(model.non_trainable_weights) == ["a/kernel", "a/bias", "bn/moving_mean",
                                                  "bn/moving_variance"]
    model.trainable = False
    assert names(model.weights) == ORDER and model.trainable_weights == []


def test_set_weights_after_freezing_puts_each_value_in_its_layer():
    model = build()
    values = model.get_weights()
    values = [np.full_like(v, i) for i, v in enumerate(values)]
    model.layers[1].trainable = False  # the BatchNormalization
    model.set_weights(values)
    for i, (name, var) in enumerate(zip(ORDER, model.weights, strict=True)):
        assert var.name == name and (var.numpy() == i).all()


def test_same_order_as_keras_3():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    ref = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="a"),
                            keras.layers.BatchNormalization(name="bn"),
                            keras.layers.Dense(2, name="b")])
    ours = build()
    for frozen in (None, 0, 1):
        if frozen is not None:
            ref.layers[frozen].trainable = False
            ours.layers[frozen].trainable = False
        for attribute in ("weights", "trainable_weights", "non_trainable_weights"):
            expected = [v.path.split("/", 1)[1] for v in getattr(ref, attribute)]
            assert names(getattr(ours, attribute)) == expected, (frozen, attribute)


def test_a_nested_layer_lists_its_own_weights_first():
    class Outer(layers.Layer):
        def __init__(self):
            super().__init__(name="outer")
            self.inner = layers.Dense(2, name="inner")

        def build(self, shape):
            self.count = self.add_weight(shape=(), name="count", trainable=False,
                                         initializer="zeros")
            self.own = self.add_weight(shape=(3,), name="own")
            self.inner.build(shape)

    outer = Outer()
    outer.build((None, 3))
    expected = ["outer/own", "outer/count", "inner/kernel", "inner/bias"]  # created trainable first
    assert names(outer.weights) == expected
    outer.inner.trainable = False
    assert names(outer.weights) == expected
    assert names(outer.trainable_weights) == ["outer/own"]
