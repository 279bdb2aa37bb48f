"""keras.io "Making new layers and models via subclassing", as a program run with ember and
with Keras 3 (torch backend): Linear with add_weight, deferred build, non-trainable state,
MLPBlock nesting, add_loss and its reset per call, regularization losses, get_config /
from_config, and training an add_loss-only model."""

import numpy as np
import pytest

import ember
from tests.keras_guides.conftest import load_keras, run_once


def program(keras):
    ops = keras.ops
    out = {}

    class Linear(keras.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="random_normal", trainable=True)
            self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config

    x = np.ones((2, 2), "float32")
    linear = Linear(4)
    y = linear(x)
    out["linear_shape"] = tuple(y.shape)
    out["linear_weights"] = len(linear.weights)

    class ComputeSum(keras.layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(initializer="zeros", shape=(input_dim,),
                                         trainable=False)

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    my_sum = ComputeSum(2)
    my_sum(x)
    out["sum"] = np.asarray(my_sum(x)).tolist() if keras is ember else \
        keras.ops.convert_to_numpy(my_sum(x)).tolist()
    out["sum_weights"] = (len(my_sum.weights), len(my_sum.non_trainable_weights),
                          len(my_sum.trainable_weights))

    class MLPBlock(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.linear_1 = Linear(32)
            self.linear_2 = Linear(32)
            self.linear_3 = Linear(1)

        def call(self, inputs):
            x = keras.activations.relu(self.linear_1(inputs))
            x = keras.activations.relu(self.linear_2(x))
            return self.linear_3(x)

    mlp = MLPBlock()
    y = mlp(np.ones((3, 64), "float32"))
    out["mlp"] = (len(mlp.weights), len(mlp.trainable_weights), tuple(y.shape))

    class ActivityRegularizationLayer(keras.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ops.sum(inputs))
            return inputs

    class OuterLayer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularizationLayer(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    layer = OuterLayer()
    before = len(layer.losses)
    _ = layer(np.zeros((1, 1), "float32"))
    once = len(layer.losses)
    _ = layer(np.zeros((1, 1), "float32"))
    out["losses"] = (before, once, len(layer.losses))

    class OuterLayerWithKernelRegularizer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(32, kernel_regularizer=keras.regularizers.l2(1e-3))

        def call(self, inputs):
            return self.dense(inputs)

    reg = OuterLayerWithKernelRegularizer()
    _ = reg(np.zeros((1, 1), "float32"))
    out["kernel_reg_losses"] = len(reg.losses)

    config = Linear(64).get_config()
    revived = Linear.from_config(config)
    out["config_units"] = (config["units"], revived.units)

    # training with the add_loss term alone, then with a compiled loss too
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(3,))
    outputs = ActivityRegularizationLayer()(keras.layers.Dense(1)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam")
    h1 = model.fit(np.random.random((64, 3)).astype("float32"), epochs=2, verbose=0)
    rng = np.random.default_rng(0)
    xs = rng.random((256, 3)).astype("float32")
    ys = (xs @ np.array([[1.0], [2.0], [-1.0]], "float32")).astype("float32")
    model2 = keras.Sequential([keras.Input(shape=(3,)), Linear(1)])
    model2.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    h2 = model2.fit(xs, ys, epochs=20, batch_size=32, verbose=0)
    # ember's fit also logs "learning_rate" every epoch; Keras 3 only with an LR callback
    out["add_loss_only"] = sorted(k for k in h1.history if k != "learning_rate")
    out["linear_fit_loss"] = h2.history["loss"][-1]
    return out


def check(out):
    assert out["linear_shape"] == (2, 4) and out["linear_weights"] == 2
    assert out["sum"] == [4.0, 4.0] and out["sum_weights"] == (1, 1, 0)
    assert out["mlp"] == (6, 6, (3, 1))
    assert out["losses"] == (0, 1, 1)  # created by the call, replaced at the next call
    assert out["kernel_reg_losses"] == 1
    assert out["config_units"] == (64, 64)
    assert "loss" in out["add_loss_only"]
    assert out["linear_fit_loss"] < 0.01


def test_subclassing_guide(keras):
    check(run_once(program, keras))


@pytest.mark.slow
def test_subclassing_guide_matches_keras():
    """Where the setup fixes the numbers (shapes, counts, sums) both frameworks agree; the
    fitted losses are each under the threshold (test above)."""
    keras = load_keras()
    assert {k: v for k, v in run_once(program, keras).items() if k != "linear_fit_loss"} == \
        {k: v for k, v in run_once(program, ember).items() if k != "linear_fit_loss"}
