"""Every public layer on the device module: built inside `ember.device("gpu")`, its weights,
outputs and gradients (weights and input) are device arrays, and equal the host run's (same
seed, so the same initial weights); random layers (dropout, augmentation) draw from the device
generator, so only where their values come from is compared. A coverage test fails for a
public layer class without a case here."""

import inspect
import os

import numpy as np
import pytest

import ember
from ember import layers
from ember.backend import is_device_array
from ember.tensor import Tensor

REAL_GPU = os.environ.get("EMBER_TEST_GPU") == "1"


def tol(rtol, atol):
    """The stand-in runs NumPy itself (tight); a GPU gets RELIABILITY.md's float32 floor."""
    return dict(rtol=max(rtol, 1e-3), atol=max(atol, 1e-4)) if REAL_GPU else dict(
        rtol=rtol, atol=atol)


L = layers


def _img(n=2, h=5, w=5, c=3):
    return (n, h, w, c)


# name -> (factory, input shapes (a list for several inputs) or an int array, call kwargs)
CASES = {
    "Activation": (lambda: L.Activation("tanh"), (2, 3), {}),
    "Add": (lambda: L.Add(), [(2, 3), (2, 3)], {}),
    "Average": (lambda: L.Average(), [(2, 3), (2, 3)], {}),
    "Maximum": (lambda: L.Maximum(), [(2, 3), (2, 3)], {}),
    "Minimum": (lambda: L.Minimum(), [(2, 3), (2, 3)], {}),
    "Multiply": (lambda: L.Multiply(), [(2, 3), (2, 3)], {}),
    "Subtract": (lambda: L.Subtract(), [(2, 3), (2, 3)], {}),
    "Concatenate": (lambda: L.Concatenate(), [(2, 3), (2, 2)], {}),
    "Dot": (lambda: L.Dot(axes=1), [(2, 3), (2, 3)], {}),
    "AveragePooling1D": (lambda: L.AveragePooling1D(2), (2, 6, 3), {}),
    "AveragePooling2D": (lambda: L.AveragePooling2D(2, padding="same"), _img(), {}),
    "MaxPooling1D": (lambda: L.MaxPooling1D(2), (2, 6, 3), {}),
    "MaxPooling2D": (lambda: L.MaxPooling2D(3, strides=2), _img(), {}),
    "GlobalAveragePooling1D": (lambda: L.GlobalAveragePooling1D(), (2, 6, 3), {}),
    "GlobalAveragePooling2D": (lambda: L.GlobalAveragePooling2D(), _img(), {}),
    "GlobalMaxPooling1D": (lambda: L.GlobalMaxPooling1D(), (2, 6, 3), {}),
    "GlobalMaxPooling2D": (lambda: L.GlobalMaxPooling2D(), _img(), {}),
    "BatchNormalization": (lambda: L.BatchNormalization(), _img(4, 3, 3, 2),
                           {"training": True}),
    "Bidirectional": (lambda: L.Bidirectional(L.LSTM(3, return_sequences=True)), (2, 4, 3), {}),
    "CenterCrop": (lambda: L.CenterCrop(3, 3), _img(), {}),
    "Conv1D": (lambda: L.Conv1D(4, 3, padding="causal"), (2, 6, 3), {}),
    "Conv2D": (lambda: L.Conv2D(4, 3, strides=2, padding="same"), _img(), {}),
    "Conv2DTranspose": (lambda: L.Conv2DTranspose(3, 3, strides=2), _img(2, 3, 3, 2), {}),
    "DepthwiseConv2D": (lambda: L.DepthwiseConv2D(3, depth_multiplier=2), _img(), {}),
    "SeparableConv2D": (lambda: L.SeparableConv2D(4, 3), _img(), {}),
    "Cropping2D": (lambda: L.Cropping2D(1), _img(), {}),
    "Dense": (lambda: L.Dense(4, activation="relu"), (2, 3), {}),
    "Dropout": (lambda: L.Dropout(0.5, seed=1), (4, 6), {"training": True}),
    "SpatialDropout2D": (lambda: L.SpatialDropout2D(0.5, seed=1), _img(), {"training": True}),
    "ELU": (lambda: L.ELU(), (2, 3), {}),
    "LeakyReLU": (lambda: L.LeakyReLU(), (2, 3), {}),
    "ReLU": (lambda: L.ReLU(max_value=1.0), (2, 3), {}),
    "Softmax": (lambda: L.Softmax(), (2, 3), {}),
    "Embedding": (lambda: L.Embedding(10, 4, mask_zero=True), np.array([[1, 2, 0], [3, 0, 0]]),
                  {}),
    "Flatten": (lambda: L.Flatten(), (2, 3, 4), {}),
    "GRU": (lambda: L.GRU(4, return_sequences=True), (2, 5, 3), {}),
    "GRUCell": (lambda: L.RNN(L.GRUCell(4)), (2, 5, 3), {}),
    "LSTM": (lambda: L.LSTM(4, recurrent_dropout=0.0), (2, 5, 3), {}),
    "LSTMCell": (lambda: L.RNN(L.LSTMCell(4)), (2, 5, 3), {}),
    "SimpleRNN": (lambda: L.SimpleRNN(4, go_backwards=True), (2, 5, 3), {}),
    "SimpleRNNCell": (lambda: L.RNN(L.SimpleRNNCell(4)), (2, 5, 3), {}),
    "RNN": (lambda: L.RNN(L.SimpleRNNCell(4), return_sequences=True), (2, 5, 3), {}),
    "Identity": (lambda: L.Identity(), (2, 3), {}),
    "LayerNormalization": (lambda: L.LayerNormalization(), (2, 3, 4), {}),
    "LocalResponseNormalization": (lambda: L.LocalResponseNormalization(), _img(), {}),
    "Masking": (lambda: L.Masking(0.0), (2, 4, 3), {}),
    "Normalization": (lambda: L.Normalization(mean=0.5, variance=4.0), (2, 3), {}),
    "Permute": (lambda: L.Permute((2, 1)), (2, 3, 4), {}),
    "RepeatVector": (lambda: L.RepeatVector(3), (2, 4), {}),
    "Rescaling": (lambda: L.Rescaling(0.5, offset=1.0), (2, 3), {}),
    "Reshape": (lambda: L.Reshape((3, 2)), (2, 6), {}),
    "Resizing": (lambda: L.Resizing(3, 4), _img(2, 6, 6, 1), {}),
    "TimeDistributed": (lambda: L.TimeDistributed(L.Dense(3)), (2, 4, 5), {}),
    "UpSampling2D": (lambda: L.UpSampling2D(2, interpolation="bilinear"), _img(2, 3, 3, 2), {}),
    "ZeroPadding2D": (lambda: L.ZeroPadding2D(1), _img(), {}),
    "RandomBrightness": (lambda: L.RandomBrightness(0.2, seed=1), _img(2, 6, 6, 3),
                         {"training": True}),
    "RandomContrast": (lambda: L.RandomContrast(0.3, seed=1), _img(2, 6, 6, 3),
                       {"training": True}),
    "RandomCrop": (lambda: L.RandomCrop(4, 4, seed=1), _img(2, 6, 6, 3), {"training": True}),
    "RandomFlip": (lambda: L.RandomFlip(seed=1), _img(2, 6, 6, 3), {"training": True}),
    "RandomRotation": (lambda: L.RandomRotation(0.1, seed=1), _img(2, 6, 6, 3),
                       {"training": True}),
    "RandomTranslation": (lambda: L.RandomTranslation(0.2, 0.2, seed=1), _img(2, 6, 6, 3),
                          {"training": True}),
    "RandomZoom": (lambda: L.RandomZoom(0.2, seed=1), _img(2, 6, 6, 3), {"training": True}),
}
RANDOM = {"Dropout", "SpatialDropout2D", "RandomBrightness", "RandomContrast", "RandomCrop",
          "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom"}
# not array layers: the base class, the graph's input placeholder, and string preprocessing
# (TextVectorization maps Python strings to ids on the host, before data reaches a device)
EXCLUDED = {"Layer", "InputLayer", "TextVectorization"}


def _public_layer_classes():
    out = {}
    for name in dir(layers):
        obj = getattr(layers, name)
        if inspect.isclass(obj) and issubclass(obj, layers.Layer) and name not in EXCLUDED:
            out.setdefault(obj, []).append(name)
    return out


def test_every_public_layer_has_a_device_case():
    missing = [names for names in _public_layer_classes().values()
               if not any(n in CASES for n in names)]
    assert not missing, f"public layers without a device case: {missing}"


def _data(spec, rng):
    if isinstance(spec, np.ndarray):
        return spec
    if isinstance(spec, list):
        return [_data(s, rng) for s in spec]
    return rng.standard_normal(spec).astype(np.float32)


def _run(name, gpu):
    factory, spec, kwargs = CASES[name]
    ember.utils.set_random_seed(0)
    data = _data(spec, np.random.default_rng(0))
    ctx = ember.device("gpu") if gpu else ember.device("cpu")
    with ctx:
        layer = factory()
        xs = [Tensor(d) for d in (data if isinstance(data, list) else [data])]
        watched = [x for x in xs if x.dtype.kind == "f"]
        with ember.GradientTape() as tape:
            tape.watch(watched)
            y = layer(xs if isinstance(data, list) else xs[0], **kwargs)
            w = Tensor(np.random.default_rng(1).standard_normal(y.shape).astype(y.dtype))
            loss = ember.ops.sum(y * w)
        sources = list(layer.trainable_weights) + watched
        grads = tape.gradient(loss, sources)
    return layer, y, grads


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_stays_on_the_device_and_matches_the_host(name):
    host_layer, hy, hgrads = _run(name, gpu=False)
    layer, y, grads = _run(name, gpu=True)
    for v in layer.weights:
        assert is_device_array(v.data), f"{name}: weight {v.name} is not on the device"
    assert is_device_array(y.data), f"{name}: output is {type(y.data).__name__}"
    assert y.shape == hy.shape and y.dtype == hy.dtype
    random = name in RANDOM
    if not random:
        np.testing.assert_allclose(y.numpy(), hy.numpy(), **tol(1e-5, 1e-5))
    for k, (g, hg) in enumerate(zip(grads, hgrads)):
        assert (g is None) == (hg is None), f"{name}: gradient {k}"
        if g is None:
            continue
        assert is_device_array(g.data), f"{name}: gradient {k} is {type(g.data).__name__}"
        if not random:
            np.testing.assert_allclose(g.numpy(), hg.numpy(), **tol(1e-4, 1e-5))
    for v, hv in zip(layer.weights, host_layer.weights):  # moving statistics, too
        np.testing.assert_allclose(v.numpy(), hv.numpy(), **tol(1e-5, 1e-6))
