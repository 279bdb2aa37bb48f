"""ember.utils.inspection: activations of named layers, learned kernels ready to draw."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.utils import inspection


def _model():
    ember.utils.set_random_seed(0)
    return ember.Sequential([ember.Input(shape=(8, 8, 1)),
                             layers.Conv2D(4, 3, activation="relu", name="c1"),
                             layers.MaxPooling2D(name="p1"),
                             layers.Conv2D(6, 3, padding="same", name="c2"),
                             layers.Flatten(), layers.Dense(3, name="out")])


def test_activations_equal_walking_the_layers_by_hand():
    model = _model()
    x = np.random.default_rng(1).standard_normal((5, 8, 8, 1)).astype(np.float32)
    acts = inspection.get_activations(model, x, ["c1", "p1", "c2", "out"])
    assert list(acts) == ["c1", "p1", "c2", "out"]
    h = ember.constant(x)
    for layer in model.layers:
        h = layer(h, training=False)
        if layer.name in acts:
            np.testing.assert_allclose(acts[layer.name], h.numpy(), rtol=1e-5, atol=1e-6)
    assert acts["c1"].shape == (5, 6, 6, 4) and acts["c1"].min() >= 0  # after the ReLU
    np.testing.assert_allclose(acts["out"], model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_activation_model_shares_the_weights_and_works_on_functional_models():
    inp = ember.Input(shape=(6, 6, 2))
    a = layers.Conv2D(3, 3, name="a")(inp)
    b = layers.GlobalAveragePooling2D(name="g")(a)
    model = ember.Model(inp, layers.Dense(2)(b))
    sub = inspection.activation_model(model, "a")
    assert sub.output_shape == (None, 4, 4, 3)
    model.get_layer("a").kernel.assign(np.zeros((3, 3, 2, 3), np.float32))
    out = sub.predict(np.ones((1, 6, 6, 2), np.float32), verbose=0)
    np.testing.assert_allclose(out, 0.0)  # the same kernel object, not a copy


def test_an_unknown_layer_name_lists_the_layers():
    with pytest.raises(ValueError, match=r"no layer named 'nope'.*c1"):
        inspection.get_activations(_model(), np.ones((1, 8, 8, 1)), "nope")


def test_kernels_are_per_filter_images_in_0_1():
    model = _model()
    raw = model.get_layer("c2").kernel.numpy()  # (3, 3, 4, 6)
    k = inspection.get_kernels(model, "c2")
    assert k.shape == (6, 3, 3, 4) and k.dtype == np.float32
    assert k.min() == 0.0 and k.max() == 1.0
    lo, hi = raw.min(), raw.max()
    np.testing.assert_allclose(k[2], (raw[..., 2] - lo) / (hi - lo), rtol=1e-5, atol=1e-6)
    per = inspection.get_kernels(model.get_layer("c2"), per_filter=True)
    assert np.allclose(per.reshape(6, -1).min(axis=1), 0)
    assert np.allclose(per.reshape(6, -1).max(axis=1), 1)
    np.testing.assert_array_equal(inspection.get_kernels(model, "c2", normalize=False),
                                  np.moveaxis(raw, -1, 0))


def test_kernels_of_depthwise_and_transposed_convolutions():
    dw = layers.DepthwiseConv2D(3, depth_multiplier=2)
    dw(np.zeros((1, 5, 5, 3), np.float32))
    k = inspection.get_kernels(dw, normalize=False)
    raw = dw.depthwise_kernel.numpy()  # (3, 3, 3, 2): output map c*2+m
    assert k.shape == (6, 3, 3, 1)
    np.testing.assert_array_equal(k[3, ..., 0], raw[:, :, 1, 1])
    tr = layers.Conv2DTranspose(5, 3)
    tr(np.zeros((1, 4, 4, 2), np.float32))
    assert inspection.get_kernels(tr).shape == (5, 3, 3, 2)


def test_a_constant_kernel_is_mid_grey_and_a_dense_layer_is_refused():
    layer = layers.Conv2D(2, 3, kernel_initializer="ones")
    layer(np.zeros((1, 4, 4, 1), np.float32))
    np.testing.assert_array_equal(inspection.get_kernels(layer), 0.5)
    with pytest.raises(ValueError, match="rank 3 or 4"):
        inspection.get_kernels(_model(), "out")
