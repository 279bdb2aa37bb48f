"""BatchNormalization and LayerNormalization: contract, formulas, moving statistics, Keras'
frozen-layer semantics, numerical stability, gradients and errors."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.ops.normalization import NormalizeAffine, batch_norm_train, layer_norm
from ember.testing import run_layer_test
from ember.utils import gradcheck


def _bn_ref(x, gamma, beta, axes, eps, mean=None, var=None):
    """The textbook formula in float64, statistics over `axes` unless given."""
    x = x.astype(np.float64)
    mean = x.mean(axis=axes, keepdims=True) if mean is None else mean
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True) if var is None else var
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


# ----------------------------------------------------------------------------- BatchNorm
def test_batchnorm_on_32_channels_has_128_parameters_64_non_trainable():
    layer = run_layer_test(layers.BatchNormalization, {}, input_shape=(4, 5, 5, 32),
                           expected_output_shape=(4, 5, 5, 32), expected_num_trainable_weights=2,
                           expected_num_non_trainable_weights=2, expected_num_params=128)
    assert sum(w.size for w in layer.non_trainable_weights) == 64
    assert [w.name.split("/")[-1] for w in layer.weights] == [
        "gamma", "beta", "moving_mean", "moving_variance"]


@pytest.mark.parametrize("kwargs, shape, trainable", [
    ({"axis": 1}, (6, 3, 4), 2), ({"center": False}, (6, 4), 1),
    ({"scale": False, "center": False}, (6, 4), 0),
    ({"momentum": 0.9, "epsilon": 1e-5, "gamma_initializer": "random_normal",
      "beta_regularizer": "l2", "gamma_constraint": "non_neg"}, (6, 2, 2, 3), 2),
])
def test_batchnorm_variants_pass_the_contract(kwargs, shape, trainable):
    run_layer_test(layers.BatchNormalization, kwargs, input_shape=shape,
                   expected_output_shape=shape, expected_num_trainable_weights=trainable,
                   expected_num_non_trainable_weights=2)


def test_training_normalises_with_batch_statistics_over_images():
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(8, 5, 5, 3)) * [1.0, 3.0, 0.5] + [2.0, -1.0, 10.0]).astype(np.float32)
    layer = layers.BatchNormalization(gamma_initializer="ones")
    layer.build(x.shape)
    gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, 1.0, -1.0])
    layer.set_weights([gamma, beta, np.zeros(3), np.ones(3)])
    y = layer(x, training=True)
    np.testing.assert_allclose(y.numpy(), _bn_ref(x, gamma, beta, (0, 1, 2), 1e-3),
                               rtol=1e-4, atol=1e-5)
    mean = x.astype(np.float64).mean(axis=(0, 1, 2))
    var = x.astype(np.float64).var(axis=(0, 1, 2))  # biased, as Keras
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.01 * mean, rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.99 + 0.01 * var, rtol=1e-5)
    layer(x, training=True)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.99 * 0.01 * mean + 0.01 * mean,
                               rtol=1e-5)


def test_inference_uses_the_moving_statistics():
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    layer = layers.BatchNormalization(epsilon=0.01)
    layer.build(x.shape)
    mm, mv = np.array([0.5, -1.0, 0.0, 2.0]), np.array([4.0, 0.25, 1.0, 9.0])
    layer.set_weights([np.full(4, 2.0), np.full(4, 0.5), mm, mv])
    expected = _bn_ref(x, 2.0, 0.5, 0, 0.01, mm, mv)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5)  # training=False
    np.testing.assert_allclose(layer(x, training=False).numpy(), expected, rtol=1e-5)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), mm.astype(np.float32))


def test_frozen_batchnorm_runs_in_inference_mode_even_when_training():
    x = np.random.default_rng(2).normal(3.0, 2.0, size=(16, 3)).astype(np.float32)
    layer = layers.BatchNormalization()
    layer.build(x.shape)
    layer.trainable = False
    before = [w.numpy() for w in layer.weights]
    y = layer(x, training=True)
    np.testing.assert_allclose(y.numpy(), x / np.sqrt(1 + 1e-3), rtol=1e-6)  # moving 0 / 1
    for w, b in zip(layer.weights, before):
        np.testing.assert_array_equal(w.numpy(), b)  # statistics not updated
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


def test_gradients_still_reach_gamma_and_beta_in_inference_mode():
    x = ember.tensor(np.random.default_rng(3).normal(size=(6, 2)), dtype="float64")
    layer = layers.BatchNormalization(dtype="float64")
    layer.build(x.shape)
    layer.set_weights([np.array([1.5, -2.0]), np.array([0.1, 0.2]), np.array([0.3, -0.4]),
                       np.array([2.0, 0.5])])
    with ember.GradientTape() as tape:
        loss = layer(x, training=False).sum()
    gg, gb = tape.gradient(loss, [layer.gamma, layer.beta])
    inv = 1 / np.sqrt(np.array([2.0, 0.5]) + 1e-3)
    np.testing.assert_allclose(gg.numpy(), ((x.numpy() - [0.3, -0.4]) * inv).sum(0))
    np.testing.assert_allclose(gb.numpy(), [6.0, 6.0])
    assert gradcheck(lambda t: layer(t, training=False), [x])


@pytest.mark.parametrize("shape, axis", [((6, 3), -1), ((4, 3, 2, 5), -1), ((4, 3, 5), 1),
                                         ((5, 2, 3), 0)])
def test_training_mode_gradcheck_in_float64(shape, axis):
    rng = np.random.default_rng(4)
    x = ember.tensor(rng.normal(size=shape), dtype="float64")
    layer = layers.BatchNormalization(axis=axis, dtype="float64")
    layer.build(shape)
    c = shape[axis]
    layer.set_weights([rng.normal(size=c), rng.normal(size=c), np.zeros(c), np.ones(c)])
    assert gradcheck(lambda t: layer(t, training=True), [x])
    g = ember.tensor(rng.normal(size=c), dtype="float64")
    b = ember.tensor(rng.normal(size=c), dtype="float64")
    assert gradcheck(lambda t, gg, bb: batch_norm_train(t, gg, bb, axis)[0], [x, g, b])


def test_fused_backward_is_the_classic_formula():
    rng = np.random.default_rng(5)
    x, gy = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    gamma, eps, n = np.array([0.5, 2.0, -1.0]), 1e-3, 7
    xt = ember.tensor(x, dtype="float64", requires_grad=True)
    y, _, _ = batch_norm_train(xt, ember.tensor(gamma, dtype="float64"), None, epsilon=eps)
    assert isinstance(y._ctx, NormalizeAffine)
    y.backward(gy)
    inv = 1 / np.sqrt(x.var(0) + eps)
    xhat = (x - x.mean(0)) * inv
    dx = (1 / n) * gamma * inv * (n * gy - gy.sum(0) - xhat * (gy * xhat).sum(0))
    np.testing.assert_allclose(xt.grad.numpy(), dx, rtol=1e-10)


def test_constant_input_zero_variance_is_stable():
    x = ember.Variable(np.full((8, 4), 3.0, dtype=np.float32))
    layer = layers.BatchNormalization(beta_initializer=ember.initializers.Constant(0.25))
    with ember.GradientTape() as tape:
        y = layer(x, training=True)
        loss = (y * ember.tensor(np.arange(32.0).reshape(8, 4))).sum()
    grads = tape.gradient(loss, [x] + layer.trainable_weights)
    np.testing.assert_array_equal(y.numpy(), np.full((8, 4), 0.25, dtype=np.float32))
    assert all(np.all(np.isfinite(g.numpy())) for g in grads)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.99)


def test_large_offset_input_keeps_its_variance():
    rng = np.random.default_rng(6)
    x = (1e4 + rng.normal(size=(256, 3)) * [1.0, 0.1, 3.0]).astype(np.float32)
    y, mean, var = batch_norm_train(ember.tensor(x), epsilon=1e-3)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(var.numpy(), x64.var(0), rtol=1e-3)  # E[x^2]-E[x]^2 fails here
    np.testing.assert_allclose(mean.numpy(), x64.mean(0), rtol=1e-6)
    # the float32 mean is exact to half an ulp of 1e4 (5e-4), i.e. 5e-3 of a 0.1 std
    np.testing.assert_allclose(y.numpy(), _bn_ref(x, 1.0, 0.0, 0, 1e-3), atol=6e-3)
    naive = (x * x).mean(0) - x.mean(0) ** 2  # the one-pass formula, in float32
    assert np.abs(naive - x64.var(0)).max() > 1.0  # ... is garbage here
    assert np.all(np.isfinite(y.numpy()))


def test_batchnorm_errors_name_the_layer():
    with pytest.raises(ValueError, match="out of range"):
        layers.BatchNormalization(axis=3, name="bn")(ember.ones((2, 3)))
    with pytest.raises(ValueError, match="'bn_1'.*known size"):
        layers.BatchNormalization(name="bn_1")(layers.Input(batch_shape=(None, None)))
    with pytest.raises(ValueError, match="momentum"):
        layers.BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match="epsilon"):
        layers.BatchNormalization(epsilon=0.0)
    # synchronized=True is accepted (ember.distribution); on one process it changes nothing
    x = ember.tensor(np.arange(12.0).reshape(4, 3))
    synced = layers.BatchNormalization(synchronized=True)
    np.testing.assert_array_equal(synced(x, training=True).numpy(),
                                  layers.BatchNormalization()(x, training=True).numpy())
    assert synced.get_config()["synchronized"] is True
    with pytest.raises(TypeError, match="axis"):
        layers.BatchNormalization(axis=[1, 2])
    layer = layers.BatchNormalization(name="bn_2")
    layer(ember.ones((4, 32)))
    with pytest.raises(ValueError, match="bn_2.*32.*\\(4, 16\\)"):
        layer(ember.ones((4, 16)))
    with pytest.raises(ValueError, match="empty"):
        layers.BatchNormalization()(ember.zeros((0, 3)), training=True)


def test_batchnorm_symbolic_output_shape():
    out = layers.BatchNormalization(axis=1)(layers.Input(shape=(3, 8, 8)))
    assert out.shape == (None, 3, 8, 8)


# ----------------------------------------------------------------------------- LayerNorm
@pytest.mark.parametrize("kwargs, shape, weights", [
    ({}, (4, 3, 8), 2), ({"axis": [1, 2]}, (4, 3, 8), 2), ({"center": False}, (4, 6), 1),
    ({"scale": False, "center": False}, (4, 6), 0), ({"rms_scaling": True}, (4, 6), 1),
])
def test_layernorm_contract(kwargs, shape, weights):
    run_layer_test(layers.LayerNormalization, kwargs, input_shape=shape,
                   expected_output_shape=shape, expected_num_trainable_weights=weights,
                   expected_num_non_trainable_weights=0)


def test_layernorm_normalises_each_example():
    rng = np.random.default_rng(7)
    x = (rng.normal(size=(5, 3, 4)) * 4 + 7).astype(np.float32)
    layer = layers.LayerNormalization(axis=[1, 2], epsilon=1e-5)
    layer.build(x.shape)
    gamma, beta = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    layer.set_weights([gamma, beta])
    np.testing.assert_allclose(layer(x).numpy(), _bn_ref(x, gamma, beta, (1, 2), 1e-5),
                               rtol=1e-4, atol=1e-5)
    plain = layers.LayerNormalization()(x).numpy()  # last axis, gamma 1, beta 0
    np.testing.assert_allclose(plain, _bn_ref(x, 1.0, 0.0, -1, 1e-3), rtol=1e-4, atol=1e-5)
    rms = layers.LayerNormalization(rms_scaling=True)(x).numpy()
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(rms, x64 / np.sqrt(x64.var(-1, keepdims=True) + 1e-3),
                               rtol=1e-5)


def test_layernorm_built_on_the_last_axis_accepts_other_ranks():
    layer = layers.LayerNormalization()
    layer(ember.ones((2, 3, 4)))
    assert layer(ember.ones((5, 4))).shape == (5, 4)
    with pytest.raises(ValueError, match="axis -1.*4"):
        layer(ember.ones((5, 3)))


def test_layernorm_gradcheck_in_float64():
    rng = np.random.default_rng(8)
    x = ember.tensor(rng.normal(size=(3, 4, 5)), dtype="float64")
    for kwargs in ({}, {"axis": [1, 2]}, {"axis": 1}, {"rms_scaling": True}):
        layer = layers.LayerNormalization(dtype="float64", **kwargs)
        layer.build(x.shape)
        layer.set_weights([rng.normal(size=w.shape) for w in layer.weights])
        assert gradcheck(lambda t, layer=layer: layer(t), [x])
    g = ember.tensor(rng.normal(size=(4, 5)), dtype="float64")
    b = ember.tensor(rng.normal(size=(4, 5)), dtype="float64")
    assert gradcheck(lambda t, gg, bb: layer_norm(t, gg, bb, axis=(-2, -1)), [x, g, b])


def test_layernorm_errors():
    with pytest.raises(TypeError, match="axis"):
        layers.LayerNormalization(axis="last")
    with pytest.raises(ValueError, match="out of range"):
        layers.LayerNormalization(axis=4)(ember.ones((2, 3)))
