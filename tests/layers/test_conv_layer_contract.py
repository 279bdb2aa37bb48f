"""The convolution, pooling and image layers against the layer contract (shapes, weights,
config round trip, a training step), their weight layouts and values against the ops, the
notes' parameter counts, and bad input."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.ops import convolution as conv
from ember.testing import run_layer_test


@pytest.mark.parametrize("cls, kwargs, shape, out, n_weights, n_params", [
    (layers.Conv2D, {"filters": 1, "kernel_size": 3, "padding": "same"}, (2, 8, 8, 3),
     (2, 8, 8, 1), 2, 28),
    (layers.Conv2D, {"filters": 64, "kernel_size": 3}, (1, 9, 9, 3), (1, 7, 7, 64), 2,
     64 * 27 + 64),
    (layers.Conv2D, {"filters": 4, "kernel_size": (3, 2), "strides": 2, "padding": "same",
                     "groups": 2, "use_bias": False, "activation": "relu"}, (2, 7, 6, 4),
     (2, 4, 3, 4), 1, 3 * 2 * 2 * 4),
    (layers.Conv2D, {"filters": 3, "kernel_size": 3, "dilation_rate": 2}, (1, 9, 9, 2),
     (1, 5, 5, 3), 2, 57),
    (layers.Conv1D, {"filters": 5, "kernel_size": 3, "padding": "causal"}, (2, 10, 4),
     (2, 10, 5), 2, 65),
    (layers.Conv1D, {"filters": 5, "kernel_size": 3, "strides": 2}, (2, 11, 4), (2, 5, 5), 2,
     65),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2}, (2, 4, 4, 3),
     (2, 9, 9, 2), 2, 56),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                              "output_padding": 1}, (1, 4, 5, 3), (1, 8, 10, 2), 2, 56),
    (layers.DepthwiseConv2D, {"kernel_size": 3, "depth_multiplier": 2}, (2, 6, 6, 3),
     (2, 4, 4, 6), 2, 3 * 3 * 3 * 2 + 6),
    (layers.SeparableConv2D, {"filters": 8, "kernel_size": 3, "padding": "same"},
     (2, 5, 5, 4), (2, 5, 5, 8), 3, 36 + 32 + 8),
])
def test_convolution_layers_pass_the_contract(cls, kwargs, shape, out, n_weights, n_params):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=out,
                   expected_num_trainable_weights=n_weights,
                   expected_num_non_trainable_weights=0, expected_num_params=n_params)


@pytest.mark.parametrize("cls, kwargs, shape, out", [
    (layers.MaxPooling2D, {}, (2, 6, 6, 3), (2, 3, 3, 3)),
    (layers.MaxPooling2D, {"pool_size": 3, "strides": 2, "padding": "same"}, (1, 7, 5, 2),
     (1, 4, 3, 2)),
    (layers.AveragePooling2D, {"pool_size": (2, 3)}, (2, 6, 6, 1), (2, 3, 2, 1)),
    (layers.MaxPooling1D, {"pool_size": 3}, (2, 9, 2), (2, 3, 2)),
    (layers.AveragePooling1D, {"strides": 1, "padding": "same"}, (2, 5, 2), (2, 5, 2)),
    (layers.GlobalAveragePooling2D, {}, (2, 4, 4, 3), (2, 3)),
    (layers.GlobalMaxPooling2D, {"keepdims": True}, (2, 4, 4, 3), (2, 1, 1, 3)),
    (layers.GlobalAveragePooling1D, {}, (2, 5, 3), (2, 3)),
    (layers.GlobalMaxPooling1D, {}, (2, 5, 3), (2, 3)),
    (layers.ZeroPadding2D, {"padding": ((1, 0), (2, 1))}, (2, 3, 3, 2), (2, 4, 6, 2)),
    (layers.Cropping2D, {"cropping": (1, 2)}, (2, 5, 6, 2), (2, 3, 2, 2)),
    (layers.UpSampling2D, {"size": (2, 3)}, (2, 2, 2, 1), (2, 4, 6, 1)),
    (layers.UpSampling2D, {"interpolation": "bilinear"}, (1, 3, 3, 2), (1, 6, 6, 2)),
    (layers.SpatialDropout2D, {"rate": 0.3, "seed": 1}, (2, 4, 4, 3), (2, 4, 4, 3)),
    (layers.LocalResponseNormalization, {"depth_radius": 2, "bias": 2.0, "alpha": 1e-4,
                                         "beta": 0.75}, (2, 3, 3, 8), (2, 3, 3, 8)),
])
def test_weightless_layers_pass_the_contract(cls, kwargs, shape, out):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=out,
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0,
                   expected_num_params=0)


def test_conv2d_is_the_op_with_keras_kernel_layout_and_activation():
    layer = layers.Conv2D(4, 3, strides=2, padding="same", activation="relu")
    x = np.random.default_rng(0).standard_normal((2, 7, 7, 3)).astype(np.float32)
    y = layer(x).numpy()
    assert layer.kernel.shape == (3, 3, 3, 4) and layer.bias.shape == (4,)
    ref = conv.conv2d(ember.tensor(x), layer.kernel, layer.bias, 2, "same").numpy()
    np.testing.assert_allclose(y, np.maximum(ref, 0), rtol=1e-6, atol=1e-6)


def test_depthwise_kernel_maps_each_channel_to_its_own_outputs():
    layer = layers.DepthwiseConv2D(1, depth_multiplier=2, use_bias=False)
    x = np.arange(2 * 1 * 1 * 3, dtype=np.float32).reshape(2, 1, 1, 3)
    layer(x)
    k = np.arange(6, dtype=np.float32).reshape(1, 1, 3, 2) + 1
    layer.depthwise_kernel.assign(k)
    y = layer(x).numpy()
    expected = (x[..., :, None] * k[0, 0]).reshape(2, 1, 1, 6)  # channel c -> c*2 + m
    np.testing.assert_allclose(y, expected)


def test_separable_is_depthwise_then_pointwise():
    x = np.random.default_rng(1).standard_normal((1, 5, 5, 2)).astype(np.float32)
    sep = layers.SeparableConv2D(3, 3, depth_multiplier=2, bias_initializer="ones")
    y = sep(x).numpy()
    dw = layers.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False)
    dw(x)
    dw.depthwise_kernel.assign(sep.depthwise_kernel.numpy())
    ref = conv.conv2d(dw(x), sep.pointwise_kernel, sep.bias).numpy()
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)


def test_spatial_dropout_drops_whole_feature_maps_in_training_only():
    layer = layers.SpatialDropout2D(0.5, seed=3)
    x = np.ones((4, 5, 5, 16), np.float32)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    y = layer(x, training=True).numpy()
    per_map = y.reshape(4, 25, 16)
    assert np.all(per_map.std(axis=1) == 0)  # one decision per (image, channel)
    assert set(np.unique(y)) == {0.0, 2.0}
    assert 0.2 < (per_map[:, 0] == 0).mean() < 0.8


def test_the_keras_mnist_convnet_has_34826_parameters_and_trains():
    model = ember.Sequential([
        layers.Input((28, 28, 1)), layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)), layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)), layers.Flatten(), layers.Dropout(0.5),
        layers.Dense(10, activation="softmax")])
    assert model.count_params() == 34_826
    assert model.output_shape == (None, 10)
    x = np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)
    model.compile("adam", "sparse_categorical_crossentropy")
    losses = model.fit(x, np.arange(8) % 10, epochs=3, batch_size=8, verbose=0)
    assert losses.history["loss"][-1] < losses.history["loss"][0]


def test_a_conv_model_saves_and_loads_with_identical_predictions(tmp_path):
    model = ember.Sequential([
        layers.Input((8, 8, 1)), layers.Conv2D(4, 3, padding="same"), layers.DepthwiseConv2D(3),
        layers.SeparableConv2D(6, 3, padding="same"), layers.MaxPooling2D(),
        layers.Conv2DTranspose(3, 3, strides=2, padding="same"), layers.ZeroPadding2D(1),
        layers.Cropping2D(1), layers.LocalResponseNormalization(2), layers.UpSampling2D(),
        layers.AveragePooling2D(), layers.GlobalAveragePooling2D(), layers.Dense(3)])
    x = np.random.default_rng(2).random((4, 8, 8, 1), dtype=np.float32)
    path = tmp_path / "conv.ember"
    model.save(path)
    loaded = ember.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_keras_aliases():
    assert layers.Convolution2D is layers.Conv2D and layers.MaxPool2D is layers.MaxPooling2D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D


@pytest.mark.parametrize("make, data, message", [
    (lambda: layers.Conv2D(8, 5), np.zeros((1, 3, 3, 1)),
     "Conv2D 'conv2d.*kernel's height 5 is larger than the padded input's height 3"),
    (lambda: layers.Conv2D(8, 3), np.zeros((3, 3, 1)),
     r"expects inputs of rank 4 \(batch, height, width, channels\)"),
    (lambda: layers.Conv1D(8, 3), np.zeros((4, 10)),
     r"expects inputs of rank 3 \(batch, steps, channels\)"),
    (lambda: layers.MaxPooling2D(4), np.zeros((1, 3, 3, 1)), "MaxPooling2D 'max_pooling2d"),
    (lambda: layers.Conv2D(8, 3, groups=2), np.zeros((1, 5, 5, 3)),
     "input channels .3. must be divisible by groups=2"),
])
def test_bad_input_names_the_layer(make, data, message):
    with pytest.raises(ValueError, match=message):
        make()(data.astype(np.float32))


def test_wrong_channels_name_both_and_hint_at_channels_first():
    layer = layers.Conv2D(8, 3)
    layer(np.zeros((1, 10, 10, 3), np.float32))
    with pytest.raises(ValueError, match=r"expected 3 input channels .* \(1, 3, 10, 10\).*"
                                         "channels-first"):
        layer(np.zeros((1, 3, 10, 10), np.float32))
    with pytest.raises(ValueError, match="expected 3 input channels"):
        layer(np.zeros((1, 10, 10, 5), np.float32))


@pytest.mark.parametrize("kwargs, message", [
    ({"filters": 0, "kernel_size": 3}, "filters"),
    ({"filters": 4, "kernel_size": 0}, "kernel_size must be positive"),
    ({"filters": 4, "kernel_size": 3, "strides": -1}, "strides must be positive"),
    ({"filters": 4, "kernel_size": 3, "dilation_rate": 0}, "dilation_rate must be positive"),
    ({"filters": 4, "kernel_size": 3, "padding": "full"}, "padding must be one of"),
    ({"filters": 4, "kernel_size": 3, "data_format": "nchw"}, "data_format must be"),
    ({"filters": 3, "kernel_size": 3, "groups": 2}, "divisible by groups"),
])
def test_bad_settings_are_refused_in_init(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.Conv2D(**kwargs)


def test_bad_pooling_and_image_settings():
    with pytest.raises(ValueError, match="pool_size must be positive"):
        layers.MaxPooling2D(0)
    with pytest.raises(ValueError, match="strides must be positive"):
        layers.AveragePooling1D(2, strides=0)
    with pytest.raises(ValueError, match="leaves nothing"):
        layers.Cropping2D(2)(np.zeros((1, 4, 4, 1), np.float32))
    with pytest.raises(ValueError, match="output_padding must be smaller than its stride"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="interpolation"):
        layers.UpSampling2D(interpolation="cubic")


def test_batch_normalization_normalises_over_the_channel_axis_of_images():
    x = np.random.default_rng(4).normal(3.0, 2.0, (16, 5, 5, 4)).astype(np.float32)
    x[..., 1] *= 10
    bn = layers.BatchNormalization()
    y = bn(x, training=True).numpy()
    assert bn.gamma.shape == (4,)
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=(0, 1, 2)), 1, atol=1e-2)
