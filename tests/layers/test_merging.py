"""Merge layers: values, Keras' shape rules and messages, symbolic shapes, gradients."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.testing import run_layer_test
from ember.utils import gradcheck

RNG = np.random.default_rng(0)
A = RNG.normal(size=(2, 3)).astype(np.float32)
B = RNG.normal(size=(2, 3)).astype(np.float32)
C = RNG.normal(size=(2, 3)).astype(np.float32)


@pytest.mark.parametrize("cls, expected", [
    (layers.Add, A + B + C), (layers.Multiply, A * B * C), (layers.Average, (A + B + C) / 3),
    (layers.Maximum, np.maximum(np.maximum(A, B), C)),
    (layers.Minimum, np.minimum(np.minimum(A, B), C)),
])
def test_elementwise_merges(cls, expected):
    run_layer_test(cls, {}, input_data=[A, B, C], expected_output_shape=(2, 3),
                   expected_output=expected, expected_num_trainable_weights=0, rtol=1e-6)


def test_subtract_takes_exactly_two_inputs():
    run_layer_test(layers.Subtract, {}, input_data=[A, B], expected_output=A - B)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([A, B, C])


def test_inputs_of_different_ranks_broadcast_after_the_batch_axis():
    x3 = RNG.normal(size=(2, 4, 3)).astype(np.float32)
    out = layers.Add()([A, x3])
    np.testing.assert_allclose(out.numpy(), A[:, None, :] + x3, rtol=1e-6)
    assert layers.Add().compute_output_shape([(None, 3), (None, 4, 3)]) == (None, 4, 3)
    assert layers.Multiply()([np.ones((2, 1), np.float32), A]).shape == (2, 3)


def test_elementwise_shape_errors():
    with pytest.raises(ValueError, match="incompatible shapes"):
        layers.Add()([A, np.ones((2, 4), np.float32)])
    with pytest.raises(ValueError, match="different batch sizes"):
        layers.Add()([A, np.ones((3, 3), np.float32)])
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Add()(A)
    with pytest.raises(ValueError, match="incompatible shapes"):
        layers.Add()([layers.Input(shape=(3,)), layers.Input(shape=(5,))])
    layer = layers.Add(name="merge")
    layer([A, B])
    with pytest.raises(ValueError, match="'merge'.*incompatible"):
        layer([A, np.ones((2, 5), np.float32)])  # checked on every call, not only at build


def test_symbolic_merges_keep_a_none_batch():
    a, b = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    for cls in (layers.Add, layers.Subtract, layers.Multiply, layers.Average, layers.Maximum,
                layers.Minimum):
        assert cls()([a, b]).shape == (None, 3)
    assert layers.add([a, b]).shape == (None, 3)
    assert layers.concatenate([a, layers.Input(shape=(5,))]).shape == (None, 8)


def test_concatenate():
    x = RNG.normal(size=(2, 5)).astype(np.float32)
    run_layer_test(layers.Concatenate, {}, input_data=[A, x], expected_output_shape=(2, 8),
                   expected_output=np.concatenate([A, x], axis=-1))
    y = RNG.normal(size=(2, 4, 3)).astype(np.float32)
    out = layers.Concatenate(axis=1)([A[:, None, :], y])
    np.testing.assert_array_equal(out.numpy(), np.concatenate([A[:, None, :], y], axis=1))
    layer = layers.Concatenate(axis=1)
    assert layer.compute_output_shape([(None, 2, 3), (None, 4, 3)]) == (None, 6, 3)
    assert layer.compute_output_shape([(None, None, 3), (None, 4, 3)]) == (None, None, 3)


def test_concatenate_errors():
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        layers.Concatenate()([np.ones((2, 3, 4), np.float32), np.ones((2, 2, 4), np.float32)])
    with pytest.raises(ValueError, match="matching shapes"):
        layers.Concatenate()([np.ones((2, 3), np.float32), np.ones((2, 3, 1), np.float32)])
    with pytest.raises(ValueError, match="out of range"):
        layers.Concatenate(axis=3)([A, B])
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Concatenate()(A)


def test_dot_matches_einsum():
    x = RNG.normal(size=(2, 5, 3)).astype(np.float32)
    y = RNG.normal(size=(2, 4, 5)).astype(np.float32)
    run_layer_test(layers.Dot, {"axes": (1, 2)}, input_data=[x, y],
                   expected_output_shape=(2, 3, 4),
                   expected_output=np.einsum("bkn,bmk->bnm", x, y), rtol=1e-5, atol=1e-5)
    run_layer_test(layers.Dot, {"axes": 1}, input_data=[A, B], expected_output_shape=(2, 1),
                   expected_output=(A * B).sum(1, keepdims=True), rtol=1e-5, atol=1e-6)
    z = RNG.normal(size=(2, 3, 6)).astype(np.float32)
    out = layers.Dot(axes=-1)([np.ones((2, 4, 6), np.float32), z])
    np.testing.assert_allclose(out.numpy(), np.einsum("bik,bjk->bij", np.ones((2, 4, 6)), z),
                               rtol=1e-5, atol=1e-6)
    assert layers.Dot(axes=(1, 2))([layers.Input(shape=(5, 3)),
                                    layers.Input(shape=(4, 5))]).shape == (None, 3, 4)


def test_dot_normalize_gives_cosine_similarity():
    out = layers.Dot(axes=1, normalize=True)([A, B]).numpy()
    cos = (A * B).sum(1) / np.linalg.norm(A, axis=1) / np.linalg.norm(B, axis=1)
    np.testing.assert_allclose(out[:, 0], cos, rtol=1e-5)
    zero = layers.Dot(axes=1, normalize=True)([np.zeros((1, 3), np.float32), B[:1]])
    assert zero.numpy().tolist() == [[0.0]]


def test_dot_errors():
    with pytest.raises(ValueError, match=r"axis values 3 \(at axis 1\) != 4"):
        layers.Dot(axes=1)([A, np.ones((2, 4), np.float32)])
    with pytest.raises(ValueError, match="list of 2 inputs"):
        layers.Dot(axes=1)([A, B, C])
    with pytest.raises(ValueError, match="batch axis"):
        layers.Dot(axes=0)([A, B])
    with pytest.raises(ValueError, match="pair of ints"):
        layers.Dot(axes=(1, 2, 3))
    with pytest.raises(TypeError, match="axes"):
        layers.Dot(axes="1")


def test_merge_gradients_in_float64():
    x = ember.tensor(RNG.normal(size=(2, 4, 3)), dtype="float64")
    y = ember.tensor(RNG.normal(size=(2, 3, 4)), dtype="float64")
    z = ember.tensor(RNG.normal(size=(2, 4, 3)), dtype="float64")
    kw = {"dtype": "float64"}
    assert gradcheck(lambda a, b: layers.Dot(axes=(2, 1), **kw)([a, b]), [x, y])
    assert gradcheck(lambda a, b: layers.Dot(axes=(1, 2), normalize=True, **kw)([a, b]), [x, y])
    for cls in (layers.Add, layers.Subtract, layers.Multiply, layers.Average, layers.Maximum,
                layers.Minimum):
        assert gradcheck(lambda a, b, cls=cls: cls(**kw)([a, b]), [x, z])
    assert gradcheck(lambda a, b: layers.Concatenate(axis=1, **kw)([a, b]), [x, z])
