"""Dense, Activation, Identity and the activation layers: the layer contract, values by hand,
gradients, errors, and the layer registry."""

import json

import numpy as np
import pytest

import ember
from ember import layers
from ember.testing import run_layer_test
from ember.utils import gradcheck


# ----------------------------------------------------------------------------- Dense
def test_dense_on_784_features_has_50240_parameters():
    layer = run_layer_test(layers.Dense, {"units": 64}, input_shape=(8, 784),
                           expected_output_shape=(8, 64), expected_num_trainable_weights=2,
                           expected_num_non_trainable_weights=0, expected_num_params=50_240)
    assert layer.kernel.shape == (784, 64) and layer.bias.shape == (64,)
    assert [w.name.split("/")[-1] for w in layer.weights] == ["kernel", "bias"]


@pytest.mark.parametrize("kwargs, shape, out, n_weights", [
    ({"units": 5, "activation": "relu"}, (4, 3), (4, 5), 2),
    ({"units": 5, "use_bias": False}, (4, 3), (4, 5), 1),
    ({"units": 2, "activation": "softmax"}, (2, 3, 4), (2, 3, 2), 2),
    ({"units": 3, "kernel_initializer": "he_normal", "bias_initializer": "ones",
      "kernel_regularizer": "l2", "bias_regularizer": {"class_name": "L1", "config": {"l1": 0.1}},
      "activity_regularizer": "l1", "kernel_constraint": "max_norm",
      "bias_constraint": "non_neg"}, (2, 2, 2, 6), (2, 2, 2, 3), 2),
])
def test_dense_layer_contract(kwargs, shape, out, n_weights):
    run_layer_test(layers.Dense, kwargs, input_shape=shape, expected_output_shape=out,
                   expected_num_trainable_weights=n_weights,
                   expected_num_non_trainable_weights=0)


def test_dense_values_by_hand():
    layer = layers.Dense(2, activation="relu")
    layer.build((None, 3))
    layer.set_weights([np.array([[1.0, -1.0], [2.0, 0.0], [0.0, 1.0]]), np.array([0.5, -4.0])])
    x = np.array([[1.0, 1.0, 1.0], [0.0, -1.0, 2.0]])
    # x @ W + b = [[3.5, -4.0], [-1.5, -2.0]], then relu
    np.testing.assert_allclose(layer(x).numpy(), [[3.5, 0.0], [0.0, 0.0]])
    y3 = layer(np.stack([x, x]))  # rank 3: the kernel acts on the last axis
    np.testing.assert_allclose(y3.numpy(), [[[3.5, 0.0], [0.0, 0.0]]] * 2)


def test_dense_gradients_in_float64():
    layer = layers.Dense(3, activation="tanh", dtype="float64")
    x = np.random.default_rng(0).normal(size=(4, 2, 5))
    assert gradcheck(lambda t: layer(t), [ember.tensor(x, dtype="float64")])
    xt = ember.tensor(x, dtype="float64")
    with ember.GradientTape() as tape:
        y = layer(xt)
        loss = y.sum()
    gk, gb = tape.gradient(loss, [layer.kernel, layer.bias])
    gz = 1 - y.numpy() ** 2
    np.testing.assert_allclose(gk.numpy(), np.einsum("ntk,ntu->ku", x, gz), rtol=1e-10)
    np.testing.assert_allclose(gb.numpy(), gz.sum(axis=(0, 1)), rtol=1e-10)


def test_dense_accepts_input_shape_and_keeps_it_in_its_config():
    layer = layers.Dense(2, activation="sigmoid", input_shape=(3,))
    config = layer.get_config()
    assert config["input_shape"] == [3] and config["activation"] == "sigmoid"
    assert layers.Dense.from_config(config).get_config() == config
    out = layer(ember.ones((4, 3)))
    assert out.shape == (4, 2) and float(out.numpy().min()) > 0


def test_dense_casts_integer_inputs_to_float32():
    out = layers.Dense(2)(np.arange(6).reshape(2, 3))
    assert out.dtype == np.float32


@pytest.mark.parametrize("units", [0, -3, 2.5, "8", True, None])
def test_dense_rejects_invalid_units(units):
    with pytest.raises(ValueError, match=r"Dense 'dense\w*'.*units"):
        layers.Dense(units)


def test_built_dense_names_itself_and_both_shapes_on_a_wrong_last_axis():
    layer = layers.Dense(10, name="dense_1")
    layer(ember.ones((32, 784)))
    with pytest.raises(ValueError) as info:
        layer(ember.ones((32, 28, 28)))
    message = str(info.value)
    assert "dense_1" in message and "784" in message and "(32, 28, 28)" in message


def test_dense_needs_rank_2_and_a_known_last_axis():
    with pytest.raises(ValueError, match="rank >= 2"):
        layers.Dense(3)(ember.ones((4,)))
    with pytest.raises(ValueError, match="known size"):
        layers.Dense(3)(layers.Input(batch_shape=(None, None)))


def test_dense_on_symbolic_input():
    out = layers.Dense(7)(layers.Input(shape=(5, 3)))
    assert out.shape == (None, 5, 7)


# ----------------------------------------------------------------------------- Activation etc.
@pytest.mark.parametrize("cls, kwargs, expected", [
    (layers.Activation, {"activation": "relu"}, [0.0, 0.0, 0.0, 2.0, 6.0]),
    (layers.Activation, {"activation": "step"}, [0.0, 0.0, 0.0, 1.0, 1.0]),
    (layers.ReLU, {}, [0.0, 0.0, 0.0, 2.0, 6.0]),
    (layers.ReLU, {"max_value": 4.0, "negative_slope": 0.5, "threshold": 1.0},
     [-1.5, -1.0, -0.5, 2.0, 4.0]),
    (layers.LeakyReLU, {}, [-0.6, -0.3, 0.0, 2.0, 6.0]),
    (layers.LeakyReLU, {"negative_slope": 0.1}, [-0.2, -0.1, 0.0, 2.0, 6.0]),
    (layers.ELU, {"alpha": 2.0}, list(2 * np.expm1([-2.0, -1.0])) + [0.0, 2.0, 6.0]),
    (layers.Identity, {}, [-2.0, -1.0, 0.0, 2.0, 6.0]),
])
def test_activation_layers_values_and_contract(cls, kwargs, expected):
    x = np.array([[-2.0, -1.0, 0.0, 2.0, 6.0]], dtype=np.float32)
    run_layer_test(cls, kwargs, input_data=x, expected_output_shape=(1, 5),
                   expected_output=[expected], expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0, rtol=1e-6)


def test_softmax_layer_axis_and_mask():
    x = np.array([[[1.0, 2.0], [3.0, 5.0]]], dtype=np.float32)
    e = np.exp(x)
    run_layer_test(layers.Softmax, {}, input_data=x, expected_output=e / e.sum(-1, keepdims=True))
    run_layer_test(layers.Softmax, {"axis": 1}, input_data=x,
                   expected_output=e / e.sum(1, keepdims=True))
    both = layers.Softmax(axis=(1, 2))(x).numpy()
    np.testing.assert_allclose(both, e / e.sum(), rtol=1e-6)
    masked = layers.Softmax()(ember.tensor([[1.0, 2.0, 3.0]]), mask=np.array([[1, 1, 0]]))
    np.testing.assert_allclose(masked.numpy(), [[np.exp(1) / (np.exp(1) + np.exp(2)),
                                                 np.exp(2) / (np.exp(1) + np.exp(2)), 0.0]],
                               rtol=1e-6)


@pytest.mark.parametrize("cls, kwargs", [
    (layers.ReLU, {"max_value": -1.0}), (layers.ReLU, {"negative_slope": -0.1}),
    (layers.ReLU, {"threshold": -1.0}), (layers.ReLU, {"negative_slope": None}),
    (layers.LeakyReLU, {"negative_slope": -0.3}),
])
def test_activation_layers_reject_negative_arguments(cls, kwargs):
    with pytest.raises(ValueError, match=list(kwargs)[0]):
        cls(**kwargs)


def test_leaky_relu_accepts_the_old_alpha_name():
    with pytest.warns(DeprecationWarning):
        layer = layers.LeakyReLU(alpha=0.5)
    assert layer.negative_slope == 0.5


def test_activation_layer_rejects_unknown_names():
    with pytest.raises(ValueError, match="valid names"):
        layers.Activation("relu7")


def test_activation_layers_gradcheck_in_float64():
    x = ember.tensor(np.random.default_rng(2).normal(size=(3, 4)) * 2, dtype="float64")
    for layer in (layers.ReLU(max_value=1.5, negative_slope=0.2, dtype="float64"),
                  layers.LeakyReLU(dtype="float64"), layers.ELU(dtype="float64"),
                  layers.Softmax(dtype="float64"), layers.Activation("selu", dtype="float64")):
        assert gradcheck(lambda t, layer=layer: layer(t), [x])


# ----------------------------------------------------------------------------- registry
@pytest.mark.parametrize("layer", [
    layers.Dense(3, activation="gelu", kernel_regularizer="l1"), layers.Activation("tanh"),
    layers.ReLU(6.0), layers.LeakyReLU(0.1), layers.ELU(), layers.Softmax(axis=[1, 2]),
    layers.Identity(), layers.Dropout(0.2, seed=3), layers.BatchNormalization(axis=1),
    layers.LayerNormalization(axis=[1, 2]), layers.Flatten(), layers.Reshape((2, -1)),
    layers.Permute((2, 1)), layers.RepeatVector(4), layers.Add(), layers.Subtract(),
    layers.Multiply(), layers.Average(), layers.Maximum(), layers.Minimum(),
    layers.Concatenate(axis=1), layers.Dot(axes=(1, 2), normalize=True),
])
def test_every_layer_round_trips_through_serialize(layer):
    config = json.loads(json.dumps(layers.serialize(layer)))
    revived = layers.deserialize(config)
    assert type(revived) is type(layer)
    assert revived.get_config() == layer.get_config()


def test_deserialize_refuses_unknown_classes_until_registered():
    with pytest.raises(ValueError, match="Unknown layer class 'os.system'"):
        layers.deserialize({"class_name": "os.system", "config": {}})

    class Doubler(layers.Layer):
        def call(self, x):
            return x * 2

    config = layers.serialize(Doubler(name="twice"))
    with pytest.raises(ValueError, match="Unknown layer class 'Doubler'"):
        layers.deserialize(config)  # defined outside ember: not found by the walk
    layers.registry.register(Doubler)
    assert isinstance(layers.deserialize(config), Doubler)


def test_a_stack_of_layers_stays_float32_end_to_end():
    x = ember.tensor(np.random.default_rng(0).normal(size=(8, 4, 6)))
    stack = [layers.Dense(5, activation="gelu"), layers.BatchNormalization(),
             layers.Dropout(0.3, seed=0), layers.LayerNormalization(), layers.Flatten(),
             layers.Dense(3, activation="softmax", kernel_regularizer="l2")]
    with ember.GradientTape() as tape:
        h = x
        for layer in stack:
            h = layer(h, training=True) if layer._call_has_training else layer(h)
            assert h.dtype == np.float32, type(layer).__name__
        loss = h.sum() + sum(loss for layer in stack for loss in layer.losses)
    weights = [w for layer in stack for w in layer.trainable_weights]
    grads = tape.gradient(loss, weights)
    assert len(weights) == 8
    assert all(g is not None and g.dtype == np.float32 for g in grads)
    assert all(w.dtype == np.float32 for layer in stack for w in layer.weights)
