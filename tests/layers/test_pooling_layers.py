"""Pooling layers by hand: values by reshape, Keras defaults (strides = pool_size), "same"
average pooling counting only real cells, global pooling with keepdims, the gradient of max
pooling, configs."""

import numpy as np
import pytest

import ember
from ember import layers


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("cls, reduce", [(layers.MaxPooling2D, np.max),
                                         (layers.AveragePooling2D, np.mean)])
def test_2x2_pooling_is_a_reduction_over_2x2_blocks(cls, reduce):
    x = _x((2, 6, 4, 3))
    y = cls()(x).numpy()
    ref = reduce(x.reshape(2, 3, 2, 2, 2, 3), axis=(2, 4))
    np.testing.assert_allclose(y, ref, rtol=1e-6, atol=1e-6)
    assert cls().get_config()["strides"] is None or tuple(cls().get_config()["strides"]) == (2, 2)


def test_pool_1d_values_and_default_strides():
    x = _x((2, 9, 2))
    np.testing.assert_allclose(layers.MaxPooling1D(3)(x).numpy(),
                               x.reshape(2, 3, 3, 2).max(axis=2), rtol=1e-6)
    np.testing.assert_allclose(layers.AveragePooling1D()(x[:, :8]).numpy(),
                               x[:, :8].reshape(2, 4, 2, 2).mean(axis=2), rtol=1e-6, atol=1e-7)


def test_same_average_pooling_counts_only_real_cells():
    x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    y = layers.AveragePooling2D(2, padding="same")(x).numpy()[0, :, :, 0]
    # windows: [[0,1],[3,4]], [[2],[5]], [[6,7]], [[8]] (padding cells are not counted)
    np.testing.assert_allclose(y, [[2.0, 3.5], [6.5, 8.0]])


def test_same_max_pooling_never_picks_the_padding():
    x = -np.ones((1, 3, 3, 1), np.float32) * 5  # all negative: a zero pad would win
    y = layers.MaxPooling2D(2, padding="same")(x).numpy()
    np.testing.assert_array_equal(y, -5 * np.ones((1, 2, 2, 1)))


def test_max_pooling_gradient_goes_to_the_maximum_only():
    x = np.array([[1, 2], [4, 3]], np.float32).reshape(1, 2, 2, 1)
    xv = ember.Variable(x)
    with ember.GradientTape() as tape:
        y = layers.MaxPooling2D()(xv).sum()
    g = tape.gradient(y, xv).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(g, [[0, 0], [1, 0]])


@pytest.mark.parametrize("cls, reduce, axes", [
    (layers.GlobalAveragePooling2D, np.mean, (1, 2)), (layers.GlobalMaxPooling2D, np.max, (1, 2)),
    (layers.GlobalAveragePooling1D, np.mean, (1,)), (layers.GlobalMaxPooling1D, np.max, (1,)),
])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling_values_and_keepdims(cls, reduce, axes, keepdims):
    x = _x((2, 4, 5, 3) if len(axes) == 2 else (2, 6, 3))
    layer = cls(keepdims=keepdims)
    y = layer(x).numpy()
    np.testing.assert_allclose(y, reduce(x, axis=axes, keepdims=keepdims), rtol=1e-5,
                               atol=1e-6)
    assert layer.compute_output_shape(x.shape) == y.shape
    assert cls.from_config(layer.get_config()).get_config() == layer.get_config()


def test_pooling_wrong_rank_names_the_layer():
    with pytest.raises(ValueError, match="MaxPooling2D"):
        layers.MaxPooling2D()(np.zeros((4, 4, 1), np.float32))
    with pytest.raises(ValueError, match="GlobalAveragePooling1D"):
        layers.GlobalAveragePooling1D()(np.zeros((2, 4, 4, 1), np.float32))
