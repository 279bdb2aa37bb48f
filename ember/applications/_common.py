"""What every zoo builder shares: argument checks, the classifier head, layer recording.

A builder creates its layers through a `Recorder`, which names each layer Keras-style and
remembers the torchvision module it corresponds to (`model.torch_layout`), so that
`weights_io` can import and export torchvision state dicts by name.
"""

import numpy as np

from ember import layers as L
from ember.models import Model

# torchvision's batch norm: eps 1e-5, running = 0.9 * running + 0.1 * batch (Keras momentum 0.9)
TORCH_BN = {"epsilon": 1e-5, "momentum": 0.9}


def check_arguments(model_name, input_shape, default_shape, min_size, include_top, classes,
                    pooling, weights):
    """Validate the Keras Applications arguments; return `(input_shape, classes)`."""
    input_shape = tuple(default_shape if input_shape is None else input_shape)
    if len(input_shape) != 3 or any(not isinstance(d, int | np.integer) for d in input_shape):
        raise ValueError(f"{model_name}: input_shape must be (height, width, channels) of ints; "
                         f"received {input_shape}")
    h, w, _ = input_shape
    if h < min_size or w < min_size:
        raise ValueError(f"{model_name}: input_shape {input_shape} is too small; the minimum "
                         f"height and width is {min_size}")
    if not include_top and classes is not None:
        raise ValueError(f"{model_name}: classes={classes} needs include_top=True (without the "
                         "classifier there is no class axis); received include_top=False")
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"{model_name}: pooling must be None, 'avg' or 'max'; received "
                         f"{pooling!r}")
    if weights is not None and not isinstance(weights, str | bytes) and not hasattr(
            weights, "__fspath__"):
        raise ValueError(f"{model_name}: weights must be None or a path to a .npz or "
                         f".safetensors state dict; received {weights!r}")
    classes = 1000 if classes is None else int(classes)
    if classes < 1:
        raise ValueError(f"{model_name}: classes must be >= 1; received {classes}")
    return input_shape, classes


def finish(rec, inputs, x, name, weights, include_top=True, pooling=None):
    """Global pooling for a headless model, the Model, its torch layout, optional weights."""
    if not include_top and pooling == "avg":
        x = L.GlobalAveragePooling2D(name="avg_pool")(x)
    elif not include_top and pooling == "max":
        x = L.GlobalMaxPooling2D(name="max_pool")(x)
    model = Model(inputs, x, name=name)
    model.torch_layout = dict(rec.layout)
    if weights is not None:
        from ember.applications.weights_io import load_state_dict  # noqa: PLC0415

        load_state_dict(model, weights)
    return model


class Recorder:
    """Creates layers with a Keras name and records their torchvision name."""

    def __init__(self, bn=None):
        self.layout = {}
        self.bn_kwargs = dict(TORCH_BN if bn is None else bn)

    def _keep(self, layer, torch_name):
        if torch_name is not None:
            self.layout[layer.name] = torch_name
        return layer

    def conv(self, x, filters, kernel, name, torch_name=None, strides=1, pad=0,
             use_bias=True, activation=None, groups=1):
        """torch's Conv2d(padding=pad): ZeroPadding2D(pad) then a 'valid' Conv2D.

        Explicit symmetric padding matches PyTorch for strided convolutions, where Keras'
        'same' would pad only bottom and right.
        """
        if pad:
            x = L.ZeroPadding2D(pad, name=f"{name}_pad")(x)
        layer = L.Conv2D(filters, kernel, strides=strides, padding="valid", use_bias=use_bias,
                         activation=activation, groups=groups, name=name)
        return self._keep(layer, torch_name)(x)

    def bn(self, x, name, torch_name=None):
        layer = L.BatchNormalization(name=name, **self.bn_kwargs)
        return self._keep(layer, torch_name)(x)

    def dense(self, x, units, name, torch_name=None, activation=None):
        layer = L.Dense(units, activation=activation, name=name)
        return self._keep(layer, torch_name)(x)

    def conv_bn_relu(self, x, filters, kernel, name, torch_conv, torch_bn, strides=1, pad=0,
                     relu=True):
        """conv (no bias) -> batch norm -> ReLU, the unit of ResNet and GoogLeNet."""
        x = self.conv(x, filters, kernel, f"{name}_conv", torch_conv, strides, pad,
                      use_bias=False)
        x = self.bn(x, f"{name}_bn", torch_bn)
        return L.Activation("relu", name=f"{name}_relu")(x) if relu else x


def max_pool_ceil(x, pool_size, strides, name):
    """torch's MaxPool2d(ceil_mode=True) on non-negative inputs (after a ReLU).

    Zero-pad bottom/right just enough for the last partial window; on inputs >= 0 a zero in the
    window never changes the max, so this equals torch's -inf padding.
    """
    h, w = x.shape[1], x.shape[2]
    pad_h = (strides - (h - pool_size) % strides) % strides if h > pool_size else 0
    pad_w = (strides - (w - pool_size) % strides) % strides if w > pool_size else 0
    if pad_h or pad_w:
        x = L.ZeroPadding2D(((0, pad_h), (0, pad_w)), name=f"{name}_pad")(x)
    return L.MaxPooling2D(pool_size, strides=strides, name=name)(x)
