"""ember.activations: values by hand, float64 gradient checks, lookup and serialization."""

import json
import math

import numpy as np
import pytest

import ember
from ember import activations
from ember.utils import gradcheck

ALL = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "relu6", "elu", "selu", "softplus",
       "softsign", "silu", "gelu", "hard_sigmoid", "hard_silu", "mish", "exponential",
       "softmax", "log_softmax", "step"]

X = [-4.0, -1.0, -0.5, 0.5, 2.0, 7.0]


def _ref(name, x):
    """Float64 references written from the definitions (independent of ember)."""
    sig = 1 / (1 + np.exp(-x))
    hs = np.clip(x / 6 + 0.5, 0, 1)
    table = {
        "linear": x, "sigmoid": sig, "tanh": np.tanh(x), "relu": np.maximum(x, 0),
        "leaky_relu": np.where(x > 0, x, 0.2 * x), "relu6": np.clip(x, 0, 6),
        "elu": np.where(x > 0, x, np.exp(x) - 1),
        "selu": 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1)),
        "softplus": np.log1p(np.exp(x)), "softsign": x / (1 + np.abs(x)), "silu": x * sig,
        "gelu": np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x]),
        "hard_sigmoid": hs, "hard_silu": x * hs, "mish": x * np.tanh(np.log1p(np.exp(x))),
        "exponential": np.exp(x), "softmax": np.exp(x) / np.exp(x).sum(),
        "log_softmax": x - np.log(np.exp(x).sum()), "step": (x > 0).astype(float),
    }
    return table[name]


@pytest.mark.parametrize("name", ALL)
def test_values_match_the_definitions_and_stay_float32(name):
    x = np.array(X)
    y = activations.get(name)(ember.tensor(x))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), _ref(name, x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ALL)
def test_gradients_match_float64_central_differences(name):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 5)) * 2.5  # kinks (0, +-3, 6) are far from every sample
    fn = activations.get(name)
    assert gradcheck(lambda t: fn(t), [ember.tensor(x, dtype="float64")])


def test_step_has_zero_gradient_and_relu_options_gradcheck():
    w = ember.Variable([-1.0, 2.0])
    with ember.GradientTape() as tape:
        y = activations.step(w).sum()
    np.testing.assert_array_equal(tape.gradient(y, w).numpy(), [0.0, 0.0])
    x = ember.tensor(np.random.default_rng(1).normal(size=(4, 4)) * 3, dtype="float64")
    assert gradcheck(lambda t: activations.relu(t, 0.1, 2.0, 0.5), [x])
    assert gradcheck(lambda t: activations.gelu(t, approximate=True), [x])


def test_relu_options_follow_keras_examples():
    x = ember.tensor([-10.0, -5.0, 0.0, 5.0, 10.0])
    relu = activations.relu
    np.testing.assert_array_equal(relu(x).numpy(), [0, 0, 0, 5, 10])
    np.testing.assert_array_equal(relu(x, negative_slope=0.5).numpy(), [-5, -2.5, 0, 5, 10])
    np.testing.assert_array_equal(relu(x, max_value=5.0).numpy(), [0, 0, 0, 5, 5])
    np.testing.assert_array_equal(relu(x, threshold=5.0).numpy(), [0, 0, 0, 0, 10])
    # below the threshold: negative_slope * (x - threshold); above max_value: max_value
    np.testing.assert_allclose(relu(x, 0.5, 8.0, 2.0).numpy(), [-6, -3.5, -1, 5, 8])


def test_keras_defaults_leaky_relu_and_hard_sigmoid():
    x = ember.tensor([-3.0, -1.0, 0.0, 1.5, 3.0])
    np.testing.assert_allclose(activations.leaky_relu(x).numpy(), [-0.6, -0.2, 0, 1.5, 3])
    # Keras 3 (and torch's hardsigmoid): 0 at x <= -3, 1 at x >= 3, x / 6 + 1/2 between
    np.testing.assert_allclose(activations.hard_sigmoid(x).numpy(),
                               [0, 1 / 3, 0.5, 0.75, 1], rtol=1e-6)


def test_gelu_exact_and_approximate_forms():
    x = np.linspace(-6, 6, 121)
    exact = activations.gelu(ember.tensor(x, dtype="float64")).numpy()
    ref = np.array([0.5 * v * math.erfc(-v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(exact, ref, rtol=1e-12, atol=1e-15)
    approx = activations.gelu(ember.tensor(x, dtype="float64"), approximate=True).numpy()
    ref = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(approx, ref, rtol=1e-12, atol=1e-15)
    assert not np.allclose(exact, approx, atol=1e-5)  # the two forms differ


def test_erfc_matches_math_erfc_in_double_precision():
    w = np.concatenate([np.linspace(-7, 7, 1401), [0.0, -1e-8, 1e-8, 26.0, -40.0, 1e30]])
    ours = activations.erfc(w)
    ref = np.array([math.erfc(v) for v in w])
    np.testing.assert_allclose(ours, ref, rtol=1e-13, atol=1e-300)
    assert activations.erfc(np.float32([1.0])).dtype == np.float32


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus", "softsign", "silu", "gelu",
                                  "selu", "elu", "mish", "hard_sigmoid", "softmax",
                                  "log_softmax"])
def test_extreme_inputs_give_finite_values_and_gradients(name):
    w = ember.Variable([-1e4, -100.0, -30.0, 30.0, 100.0, 1e4])
    with ember.GradientTape() as tape:
        y = activations.get(name)(w)
        total = y.sum()
    assert np.all(np.isfinite(y.numpy()))
    assert np.all(np.isfinite(tape.gradient(total, w).numpy()))


def test_softmax_axis_and_arrays_as_inputs():
    y = activations.softmax(np.zeros((2, 3), dtype=np.float32), axis=0)
    np.testing.assert_allclose(y.numpy(), np.full((2, 3), 0.5))
    assert activations.relu([-1.0, 1.0]).numpy().tolist() == [0.0, 1.0]


def test_get_resolves_names_aliases_none_dicts_and_callables():
    assert activations.get(None) is activations.linear
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    assert activations.get({"class_name": "function", "config": "tanh"}) is activations.tanh

    def custom(x):
        return x * 2

    assert activations.get(custom) is custom
    with pytest.raises(ValueError, match="Could not interpret"):
        activations.get(3)


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError) as info:
        activations.get("relux")
    message = str(info.value)
    assert "'relux'" in message
    for name in ("relu", "sigmoid", "gelu", "softmax", "step"):
        assert name in message


@pytest.mark.parametrize("name", ALL + ["swish", "hard_swish"])
def test_serialize_round_trips_through_json(name):
    fn = activations.get(name)
    text = json.dumps(activations.serialize(fn))
    assert activations.deserialize(json.loads(text)) is fn


def test_serialize_refuses_unknown_functions():
    with pytest.raises(ValueError, match="Cannot serialize"):
        activations.serialize(lambda x: x)
