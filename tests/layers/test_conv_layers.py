"""Convolution layers by hand: values against window-by-window NumPy loops, Keras defaults and
configs, causal Conv1D, the transposed convolution's block structure. (The layer contract of
each layer is run in test_conv_layer_contract.py.)"""

import numpy as np
import pytest

import ember
from ember import layers
from ember.testing import run_layer_test


def _windows_conv(x, w, b, stride=1):
    """A plain loop over every output cell: the notes' sliding dot product."""
    n, h, wd, _ = x.shape
    kh, kw, _, f = w.shape
    ho, wo = (h - kh) // stride + 1, (wd - kw) // stride + 1
    y = np.zeros((n, ho, wo, f))
    for i in range(ho):
        for j in range(wo):
            patch = x[:, i * stride: i * stride + kh, j * stride: j * stride + kw]
            y[:, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return y + b


@pytest.mark.parametrize("stride", [1, 2])
def test_conv2d_values_are_the_sliding_dot_product(stride):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 7, 6, 3)).astype(np.float32)
    layer = layers.Conv2D(4, 3, strides=stride, bias_initializer="random_normal")
    y = layer(x).numpy()
    ref = _windows_conv(x, layer.kernel.numpy(), layer.bias.numpy(), stride)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)


def test_conv2d_keras_defaults_and_config_round_trip():
    layer = layers.Conv2D(8, 3)
    cfg = layer.get_config()
    assert (tuple(cfg["strides"]), cfg["padding"], tuple(cfg["dilation_rate"])) == \
        ((1, 1), "valid", (1, 1))
    assert cfg["groups"] == 1 and cfg["use_bias"] is True and tuple(cfg["kernel_size"]) == (3, 3)
    assert cfg["kernel_initializer"]["class_name"] == "GlorotUniform"
    clone = layers.Conv2D.from_config(cfg)
    assert clone.get_config() == cfg
    restored = ember.layers.deserialize(ember.layers.serialize(layer))
    assert type(restored) is layers.Conv2D and restored.filters == 8


def test_causal_conv1d_never_looks_ahead():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 12, 2)).astype(np.float32)
    layer = layers.Conv1D(3, 4, padding="causal", dilation_rate=2)
    y = layer(x).numpy()
    x2 = x.copy()
    x2[:, 7:] += 5.0  # change the future from step 7 on
    y2 = layer(x2).numpy()
    np.testing.assert_allclose(y[:, :7], y2[:, :7], rtol=1e-6, atol=1e-6)
    assert not np.allclose(y[:, 7:], y2[:, 7:])


def test_conv2d_transpose_with_stride_equal_to_kernel_tiles_each_pixel():
    x = np.arange(6, dtype=np.float32).reshape(1, 2, 3, 1)
    layer = layers.Conv2DTranspose(1, 2, strides=2, kernel_initializer="ones", use_bias=False)
    y = layer(x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, np.kron(x[0, :, :, 0], np.ones((2, 2))))


def test_depthwise_conv2d_values_channel_by_channel():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 5, 3)).astype(np.float32)
    layer = layers.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False)
    y = layer(x).numpy()
    k = layer.depthwise_kernel.numpy()  # (3, 3, 3, 2)
    for c in range(3):
        for m in range(2):
            ref = _windows_conv(x[..., c:c + 1], k[:, :, c:c + 1, m:m + 1], 0.0)
            np.testing.assert_allclose(y[..., c * 2 + m], ref[..., 0], rtol=1e-5, atol=1e-5)


def test_separable_conv2d_layer_contract_with_multiplier():
    run_layer_test(layers.SeparableConv2D,
                   {"filters": 4, "kernel_size": 3, "depth_multiplier": 2, "strides": 2},
                   input_shape=(2, 7, 7, 3), expected_output_shape=(2, 3, 3, 4),
                   expected_num_trainable_weights=3, expected_num_params=54 + 24 + 4)


def test_conv2d_in_a_model_trains_towards_a_known_filter():
    # a vertical-edge filter is learnable: fitting conv outputs recovers the kernel
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 6, 6, 1)).astype(np.float32)
    target = np.array([[1, 0, -1]] * 3, np.float32).reshape(3, 3, 1, 1)
    y = _windows_conv(x, target, 0.0).astype(np.float32)
    ember.utils.set_random_seed(0)
    model = ember.Sequential([ember.Input(shape=(6, 6, 1)), layers.Conv2D(1, 3, use_bias=False)])
    model.compile(ember.optimizers.Adam(0.05), "mse")
    model.fit(x, y, epochs=200, batch_size=64, verbose=0)
    np.testing.assert_allclose(model.layers[0].kernel.numpy(), target, atol=0.02)
