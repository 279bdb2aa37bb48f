"""`data_format="channels_first"` (and `ember.config.set_image_data_format`) in the convolution,
pooling, global-pooling and Flatten layers: shapes, configs, and values and gradients against
PyTorch (NCHW natively) and Keras 3 (`data_format="channels_first"`)."""

import os

import numpy as np
import pytest

import ember
from ember import config, layers


@pytest.fixture(autouse=True)
def _channels_last_after():
    yield
    config.set_image_data_format("channels_last")


RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 3, 9, 8)).astype("float32")  # (N, C, H, W)


def _conv_pool(data_format=None):
    conv = layers.Conv2D(4, 3, padding="same", activation="relu", data_format=data_format,
                         name="conv")
    pool = layers.MaxPooling2D(2, data_format=data_format, name="pool")
    return conv, pool


@pytest.mark.parametrize("make, out_shape", [
    (lambda: layers.Conv2D(4, 3, data_format="channels_first"), (2, 4, 7, 6)),
    (lambda: layers.Conv2D(4, 3, strides=2, padding="same", data_format="channels_first"),
     (2, 4, 5, 4)),
    (lambda: layers.Conv2DTranspose(5, 3, strides=2, data_format="channels_first"),
     (2, 5, 19, 17)),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=2, data_format="channels_first"),
     (2, 6, 7, 6)),
    (lambda: layers.SeparableConv2D(4, 3, data_format="channels_first"), (2, 4, 7, 6)),
    (lambda: layers.MaxPooling2D(2, data_format="channels_first"), (2, 3, 4, 4)),
    (lambda: layers.AveragePooling2D(3, strides=2, padding="same",
                                     data_format="channels_first"), (2, 3, 5, 4)),
    (lambda: layers.GlobalAveragePooling2D(data_format="channels_first"), (2, 3)),
    (lambda: layers.GlobalMaxPooling2D(data_format="channels_first", keepdims=True),
     (2, 3, 1, 1)),
    (lambda: layers.ZeroPadding2D(((1, 0), (2, 1)), data_format="channels_first"),
     (2, 3, 10, 11)),
    (lambda: layers.Cropping2D(((1, 2), (0, 3)), data_format="channels_first"), (2, 3, 6, 5)),
    (lambda: layers.UpSampling2D((2, 3), data_format="channels_first"), (2, 3, 18, 24)),
    (lambda: layers.UpSampling2D(2, interpolation="bilinear", data_format="channels_first"),
     (2, 3, 18, 16)),
    (lambda: layers.LocalResponseNormalization(1, data_format="channels_first"),
     (2, 3, 9, 8)),
])
def test_channels_first_layers_equal_channels_last_on_transposed_data(make, out_shape):
    first = make()
    y = first(X)
    assert y.shape == out_shape == first.compute_output_shape(X.shape)
    last = type(first).from_config({**first.get_config(), "data_format": "channels_last",
                                    "name": "twin"})
    x_last = np.moveaxis(X, 1, -1)
    last.build(x_last.shape)
    last.set_weights(first.get_weights())  # same kernel layout in both formats
    expected = last(x_last).numpy()
    if expected.ndim == 4:
        expected = np.moveaxis(expected, -1, 1)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("make, out_shape", [
    (lambda: layers.Conv1D(5, 3, data_format="channels_first"), (2, 5, 9)),
    (lambda: layers.Conv1D(5, 3, padding="causal", dilation_rate=2,
                           data_format="channels_first"), (2, 5, 11)),
    (lambda: layers.MaxPooling1D(2, data_format="channels_first"), (2, 3, 5)),
    (lambda: layers.AveragePooling1D(3, strides=2, data_format="channels_first"), (2, 3, 5)),
    (lambda: layers.GlobalAveragePooling1D(data_format="channels_first"), (2, 3)),
])
def test_1d_channels_first_layers_equal_channels_last(make, out_shape):
    x = RNG.normal(size=(2, 3, 11)).astype("float32")  # (N, C, steps)
    first = make()
    y = first(x)
    assert y.shape == out_shape == first.compute_output_shape(x.shape)
    last = type(first).from_config({**first.get_config(), "data_format": "channels_last",
                                    "name": "twin"})
    last.build(np.moveaxis(x, 1, -1).shape)
    last.set_weights(first.get_weights())
    expected = last(np.moveaxis(x, 1, -1)).numpy()
    if expected.ndim == 3:
        expected = np.moveaxis(expected, -1, 1)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6, atol=1e-6)


def test_the_config_sets_the_default_data_format():
    config.set_image_data_format("channels_first")
    conv, pool = _conv_pool()
    flat = layers.Flatten()
    assert conv.data_format == pool.data_format == flat.data_format == "channels_first"
    assert conv.get_config()["data_format"] == "channels_first"
    model = ember.Sequential([ember.Input(shape=(3, 9, 8)), conv, pool, flat,
                              layers.Dense(2)])
    assert model.output_shape == (None, 2)
    assert model(X).shape == (2, 2)
    config.set_image_data_format("channels_last")
    assert layers.Conv2D(1, 1).data_format == "channels_last"
    rebuilt = ember.models.Sequential.from_config(model.get_config())
    assert rebuilt.layers[0].data_format == "channels_first"  # the config keeps it


def test_channels_first_model_trains(tmp_path):
    conv, pool = _conv_pool("channels_first")
    model = ember.Sequential([ember.Input(shape=(3, 9, 8)), conv, pool,
                              layers.Flatten(data_format="channels_first"), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    y = RNG.normal(size=(2, 1)).astype("float32")
    before = model.evaluate(X, y, verbose=0)
    model.fit(X, y, epochs=3, verbose=0)
    assert model.evaluate(X, y, verbose=0) < before
    model.save(tmp_path / "cf.ember")
    loaded = ember.saving.load_model(tmp_path / "cf.ember")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0),
                               rtol=1e-6)


def test_conv2d_maxpool_channels_first_against_pytorch():
    torch = pytest.importorskip("torch")
    conv, pool = _conv_pool("channels_first")
    x = ember.Variable(X)
    with ember.GradientTape() as tape:
        y = pool(conv(x))
        loss = ember.ops.sum(y * y)
    gx, gk, gb = tape.gradient(loss, [x, conv.kernel, conv.bias])

    tx = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    tk = torch.tensor(np.transpose(conv.kernel.numpy(), (3, 2, 0, 1)), dtype=torch.float64,
                      requires_grad=True)
    tb = torch.tensor(conv.bias.numpy(), dtype=torch.float64, requires_grad=True)
    ty = torch.nn.functional.max_pool2d(
        torch.relu(torch.nn.functional.conv2d(tx, tk, tb, padding=1)), 2)
    (ty * ty).sum().backward()
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(gx.numpy(), tx.grad.numpy(), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(gk.numpy(), np.transpose(tk.grad.numpy(), (2, 3, 1, 0)),
                               rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(gb.numpy(), tb.grad.numpy(), rtol=1e-3, atol=1e-4)


@pytest.mark.slow  # imports Keras (seconds)
def test_conv2d_maxpool_channels_first_against_keras():
    pytest.importorskip("torch")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    conv, pool = _conv_pool("channels_first")
    y = pool(conv(X)).numpy()
    k_conv = keras.layers.Conv2D(4, 3, padding="same", activation="relu",
                                 data_format="channels_first")
    k_pool = keras.layers.MaxPooling2D(2, data_format="channels_first")
    k_conv.build(X.shape)
    k_conv.set_weights([np.asarray(w) for w in conv.get_weights()])  # same kernel layout
    k_y = keras.ops.convert_to_numpy(k_pool(k_conv(X)))
    assert k_y.shape == y.shape
    np.testing.assert_allclose(y, k_y, rtol=1e-4, atol=1e-5)


def test_spatial_dropout_channels_first_drops_whole_maps():
    config.set_image_data_format("channels_first")
    layer = layers.SpatialDropout2D(0.5, seed=0)
    assert layer.data_format == "channels_first"
    y = layer(np.ones((4, 6, 5, 5), "float32"), training=True).numpy()
    assert np.all(y.std(axis=(2, 3)) == 0)  # each (N, C) map entirely kept or dropped
    assert 0 < (y[:, :, 0, 0] == 0).mean() < 1


def test_image_preprocessing_layers_refuse_a_global_channels_first_clearly():
    config.set_image_data_format("channels_first")
    with pytest.raises(ValueError, match=r"channels-last.*from ember.config"):
        layers.RandomFlip()
    config.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="channels-last"):
        layers.RandomFlip(data_format="channels_first")
    assert layers.RandomFlip().data_format == "channels_last"
