"""Flatten, Reshape, Permute, RepeatVector: shapes (with None batch), values, errors."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.testing import run_layer_test

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def test_flatten():
    run_layer_test(layers.Flatten, {}, input_data=X, expected_output_shape=(2, 12),
                   expected_output=X.reshape(2, 12), expected_num_trainable_weights=0)
    run_layer_test(layers.Flatten, {}, input_shape=(2, 28, 28, 1), expected_output_shape=(2, 784))
    first = layers.Flatten(data_format="channels_first")(X).numpy()
    np.testing.assert_array_equal(first, X.transpose(0, 2, 1).reshape(2, 12))
    assert layers.Flatten()(np.ones((3,), np.float32)).shape == (3, 1)
    assert layers.Flatten()(layers.Input(shape=(5, 6))).shape == (None, 30)
    assert layers.Flatten()(layers.Input(shape=(None, 6))).shape == (None, None)
    assert layers.Flatten()(np.zeros((0, 2, 2), np.float32)).shape == (0, 4)
    with pytest.raises(ValueError, match="data_format"):
        layers.Flatten(data_format="nhwc")


def test_reshape():
    run_layer_test(layers.Reshape, {"target_shape": (4, 3)}, input_data=X,
                   expected_output_shape=(2, 4, 3), expected_output=X.reshape(2, 4, 3))
    run_layer_test(layers.Reshape, {"target_shape": (-1, 2)}, input_shape=(2, 3, 4),
                   expected_output_shape=(2, 6, 2))
    assert layers.Reshape((2, -1))(layers.Input(shape=(6,))).shape == (None, 2, 3)
    assert layers.Reshape((2, -1))(layers.Input(shape=(None,))).shape == (None, 2, None)


@pytest.mark.parametrize("target", [(-1, -1), (0, 3), (-2, 4), ("a",)])
def test_reshape_rejects_bad_targets(target):
    with pytest.raises(ValueError, match="Reshape 'reshape\\w*'.*target_shape"):
        layers.Reshape(target)


def test_reshape_size_mismatch_names_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"'r'.*\(2, 3, 4\).*\(5,\)"):
        layers.Reshape((5,), name="r")(X)
    with pytest.raises(ValueError, match="unchanged"):
        layers.Reshape((5, -1))(X)


def test_permute():
    run_layer_test(layers.Permute, {"dims": (2, 1)}, input_data=X, expected_output_shape=(2, 4, 3),
                   expected_output=X.transpose(0, 2, 1))
    y = layers.Permute((3, 1, 2))(np.zeros((2, 3, 4, 5), np.float32))
    assert y.shape == (2, 5, 3, 4)
    assert layers.Permute((2, 1))(layers.Input(shape=(None, 7))).shape == (None, 7, None)
    for dims in ((0, 1), (1, 3), (1, 1)):
        with pytest.raises(ValueError, match="start from 1"):
            layers.Permute(dims)
    with pytest.raises(ValueError, match="ndim=3"):
        layers.Permute((2, 1))(np.zeros((2, 3), np.float32))


def test_repeat_vector():
    x = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    run_layer_test(layers.RepeatVector, {"n": 3}, input_data=x, expected_output_shape=(2, 3, 2),
                   expected_output=np.repeat(x[:, None, :], 3, axis=1))
    assert layers.RepeatVector(4)(layers.Input(shape=(5,))).shape == (None, 4, 5)
    with pytest.raises(TypeError, match="integer"):
        layers.RepeatVector(2.0)
    with pytest.raises(ValueError, match="n >= 0|`n`"):
        layers.RepeatVector(-1)
    with pytest.raises(ValueError, match="ndim=2"):
        layers.RepeatVector(2)(X)


def test_gradients_flow_back_through_reshaping_layers():
    x = ember.Variable(X)
    with ember.GradientTape() as tape:
        y = layers.RepeatVector(2)(layers.Flatten()(layers.Permute((2, 1))(x)))
        loss = (y * y).sum()
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), 4 * X)
