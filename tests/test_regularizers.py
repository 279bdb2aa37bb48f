"""ember.regularizers and ember.constraints: values, gradients, layer wiring, configs."""

import json

import numpy as np
import pytest

import ember
from ember import constraints, layers, regularizers
from ember.utils import gradcheck

W = np.array([[1.0, -2.0, 0.5], [-0.25, 3.0, -1.0]], dtype=np.float32)


def _value_and_grad(reg, w=W):
    v = ember.Variable(w)
    with ember.GradientTape() as tape:
        penalty = reg(v)
    return penalty, tape.gradient(penalty, v).numpy()


def test_l1_l2_values_and_gradients_by_hand():
    p, g = _value_and_grad(regularizers.L1(0.1))
    assert p.shape == () and p.dtype == np.float32
    assert float(p) == pytest.approx(0.1 * 7.75)
    np.testing.assert_allclose(g, 0.1 * np.sign(W))
    p, g = _value_and_grad(regularizers.L2(0.1))
    assert float(p) == pytest.approx(0.1 * np.sum(W.astype(np.float64) ** 2))
    np.testing.assert_allclose(g, 0.2 * W, rtol=1e-6)
    p, g = _value_and_grad(regularizers.L1L2(l1=0.1, l2=0.5))
    assert float(p) == pytest.approx(0.1 * 7.75 + 0.5 * 15.3125)
    np.testing.assert_allclose(g, 0.1 * np.sign(W) + W, rtol=1e-6)


def test_penalties_gradcheck_in_float64():
    w = ember.tensor(W.astype(np.float64) + 0.01, dtype="float64")
    for reg in (regularizers.L1(0.3), regularizers.L2(0.3), regularizers.L1L2(0.2, 0.7),
                regularizers.OrthogonalRegularizer(0.5), regularizers.OrthogonalRegularizer(
                    0.5, mode="columns")):
        assert gradcheck(lambda t, reg=reg: reg(t), [w])


def test_defaults_and_string_names():
    assert regularizers.L1().l1 == 0.01 and regularizers.L2().l2 == 0.01
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.get("l1").get_config() == {"l1": 0.01}
    assert regularizers.get("l2").get_config() == {"l2": 0.01}
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}
    assert regularizers.l1_l2 is regularizers.L1L2
    assert regularizers.get(None) is None
    zero = regularizers.L1L2()(ember.Variable(W))
    assert float(zero) == 0.0 and zero.dtype == np.float32


def test_invalid_factors_and_names_raise():
    for bad in (-0.1, float("nan"), float("inf"), "0.1", True):
        with pytest.raises(ValueError, match="non-negative"):
            regularizers.L2(bad)
    with pytest.raises(ValueError, match="l3"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")


def test_orthogonal_regularizer_value():
    # rows (1, 0) and (0.6, 0.8): one pair, |cos| = 0.6, so factor * 0.5 * 2 * 0.6 / 1
    w = ember.tensor([[1.0, 0.0], [0.6, 0.8]])
    assert float(regularizers.OrthogonalRegularizer(1.0)(w)) == pytest.approx(0.6)
    assert float(regularizers.OrthogonalRegularizer(1.0)(ember.eye(3))) == 0.0


@pytest.mark.parametrize("reg", [regularizers.L1(0.2), regularizers.L2(0.3),
                                 regularizers.L1L2(0.1, 0.2),
                                 regularizers.OrthogonalRegularizer(0.1, "columns")])
def test_regularizer_configs_round_trip_through_json(reg):
    config = json.loads(json.dumps(regularizers.serialize(reg)))
    revived = regularizers.deserialize(config)
    assert type(revived) is type(reg) and revived.get_config() == reg.get_config()


def test_keras_docstring_example_kernel_and_activity_penalties():
    # keras.regularizers: Dense(5, kernel 'ones', L1(0.01) on the kernel, L2(0.01) on the
    # activity) on ones * 2 gives 0.25 + 5.0 (the activity term divided by the batch size).
    layer = layers.Dense(5, input_dim=5, kernel_initializer="ones",
                         kernel_regularizer=regularizers.L1(0.01),
                         activity_regularizer=regularizers.L2(0.01))
    layer(ember.ones((5, 5)) * 2.0)
    assert len(layer.losses) == 2
    assert float(sum(layer.losses)) == pytest.approx(5.25, rel=1e-6)


def test_weight_penalty_is_in_the_graph_of_the_loss():
    layer = layers.Dense(2, kernel_initializer="ones", kernel_regularizer="l2",
                         bias_regularizer=regularizers.L1(0.5))
    x = ember.ones((1, 3))
    with ember.GradientTape() as tape:
        loss = layer(x).sum() * 0.0 + sum(layer.losses)
    gk, gb = tape.gradient(loss, [layer.kernel, layer.bias])
    np.testing.assert_allclose(gk.numpy(), 2 * 0.01 * np.ones((3, 2)))
    np.testing.assert_allclose(gb.numpy(), np.zeros(2))  # sign(0) = 0 for the zero bias
    layer.trainable = False
    assert layer.losses == []  # a frozen layer's weights are not penalised


# ----------------------------------------------------------------------------- constraints
def test_constraint_values():
    w = np.array([[3.0, 0.3], [4.0, 0.4]], dtype=np.float32)  # column norms 5 and 0.5
    eps = ember.config.epsilon()
    out = constraints.MaxNorm(2.0)(w).numpy()
    np.testing.assert_allclose(out, w * np.array([2 / (5 + eps), 0.5 / (0.5 + eps)]),
                               rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(constraints.UnitNorm()(w).numpy(), axis=0),
                               [1, 1], rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(
        constraints.MinMaxNorm(1.0, 2.0)(w).numpy(), axis=0), [2, 1], rtol=1e-5)
    half = constraints.MinMaxNorm(1.0, 2.0, rate=0.5)(w).numpy()
    np.testing.assert_allclose(np.linalg.norm(half, axis=0), [3.5, 0.75], rtol=1e-5)
    np.testing.assert_array_equal(constraints.NonNeg()(-w).numpy(), np.zeros_like(w))
    rows = constraints.UnitNorm(axis=1)(w).numpy()
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), [1, 1], rtol=1e-5)
    conv = constraints.MaxNorm(1.0, axis=[0, 1, 2])(np.ones((3, 3, 2, 4), np.float32))
    np.testing.assert_allclose(np.linalg.norm(conv.numpy().reshape(-1, 4), axis=0), 1,
                               rtol=1e-5)
    assert conv.dtype == np.float32


def test_layers_store_constraints_on_their_weights():
    layer = layers.Dense(3, kernel_constraint="non_neg", bias_constraint=constraints.MaxNorm(1))
    layer.build((None, 4))
    assert isinstance(layer.kernel._constraint, constraints.NonNeg)
    assert isinstance(layer.bias._constraint, constraints.MaxNorm)
    layer.kernel.assign(layer.kernel._constraint(layer.kernel))  # what the optimizer does
    assert layer.kernel.numpy().min() >= 0
    bn = layers.BatchNormalization(gamma_constraint="non_neg")
    bn.build((None, 2))
    assert isinstance(bn.gamma._constraint, constraints.NonNeg)


def test_constraint_lookup_and_configs():
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("UnitNorm"), constraints.UnitNorm)
    assert constraints.get(None) is None
    with pytest.raises(ValueError, match="non_negative"):
        constraints.get("non_negative")
    for c in (constraints.MaxNorm(3, axis=1), constraints.NonNeg(), constraints.UnitNorm(),
              constraints.MinMaxNorm(0.5, 2.0, 0.7, [0, 1])):
        config = json.loads(json.dumps(constraints.serialize(c)))
        assert constraints.deserialize(config).get_config() == c.get_config()
