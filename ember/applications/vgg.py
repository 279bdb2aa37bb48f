"""VGG-11/13/16/19 and their batch-norm variants (Simonyan and Zisserman, "Very Deep
Convolutional Networks for Large-Scale Image Recognition", arXiv:1409.1556).

3x3 convolutions (stride 1, padding 1) in five blocks, each block then a 2x2 max pooling, and
three fully connected layers (4096, 4096, classes) with dropout. The layout is torchvision's:
at 224x224x3 and 1000 classes VGG-11 has 132,863,336 parameters, VGG-13 133,047,848, VGG-16
138,357,544 and VGG-19 143,667,240 (the `_bn` variants add 2 per conv channel).
torchvision's adaptive 7x7 average pooling is the identity at 224x224 and is left out, so at
other sizes the first dense layer has `(H/32) * (W/32) * 512` inputs (as in Keras).

>>> from ember.applications import costs, vgg
>>> with costs.shape_only():
...     model = vgg.VGG16()
>>> costs.count_params(model)
138357544
"""

from ember import layers as L
from ember.applications._common import Recorder, check_arguments, finish

CONFIGS = {
    11: (1, 1, 2, 2, 2),
    13: (2, 2, 2, 2, 2),
    16: (2, 2, 3, 3, 3),
    19: (2, 2, 4, 4, 4),
}
FILTERS = (64, 128, 256, 512, 512)
MIN_SIZE = 32


def vgg(depth, batch_norm=False, include_top=True, weights=None, input_shape=None, classes=None,
        pooling=None, classifier_activation="softmax", name=None):
    """A VGG of `depth` 11, 13, 16 or 19; see the module docstring."""
    if depth not in CONFIGS:
        raise ValueError(f"vgg: depth must be one of 11, 13, 16, 19; received {depth}")
    name = name or f"vgg{depth}{'_bn' if batch_norm else ''}"
    input_shape, classes = check_arguments(name, input_shape, (224, 224, 3), MIN_SIZE,
                                           include_top, classes, pooling, weights)
    rec = Recorder()
    inputs = L.Input(shape=input_shape, name="input")
    x, index = inputs, 0  # index: position in torchvision's `features` Sequential
    for block, (n_convs, filters) in enumerate(zip(CONFIGS[depth], FILTERS), start=1):
        for i in range(1, n_convs + 1):
            conv_name = f"block{block}_conv{i}"
            x = rec.conv(x, filters, 3, conv_name, f"features.{index}", pad=1)
            index += 1
            if batch_norm:
                x = rec.bn(x, f"block{block}_bn{i}", f"features.{index}")
                index += 1
            x = L.Activation("relu", name=f"block{block}_relu{i}")(x)
            index += 1
        x = L.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)
        index += 1
    if include_top:
        x = L.Flatten(name="flatten")(x)
        x = rec.dense(x, 4096, "fc1", "classifier.0", activation="relu")
        x = L.Dropout(0.5, name="fc1_dropout")(x)
        x = rec.dense(x, 4096, "fc2", "classifier.3", activation="relu")
        x = L.Dropout(0.5, name="fc2_dropout")(x)
        x = rec.dense(x, classes, "predictions", "classifier.6",
                      activation=classifier_activation)
    return finish(rec, inputs, x, name, weights, include_top, pooling)


def VGG11(**kwargs):  # noqa: N802  (Keras spelling)
    """VGG-11 (configuration A): 132,863,336 parameters at 224x224x3, 1000 classes."""
    return vgg(11, **kwargs)


def VGG13(**kwargs):  # noqa: N802
    """VGG-13 (configuration B): 133,047,848 parameters."""
    return vgg(13, **kwargs)


def VGG16(**kwargs):  # noqa: N802
    """VGG-16 (configuration D): 138,357,544 parameters."""
    return vgg(16, **kwargs)


def VGG19(**kwargs):  # noqa: N802
    """VGG-19 (configuration E): 143,667,240 parameters."""
    return vgg(19, **kwargs)


def VGG11_BN(**kwargs):  # noqa: N802
    """VGG-11 with batch normalization after every convolution: 132,868,840 parameters."""
    return vgg(11, batch_norm=True, **kwargs)


def VGG13_BN(**kwargs):  # noqa: N802
    """VGG-13 with batch normalization: 133,053,736 parameters."""
    return vgg(13, batch_norm=True, **kwargs)


def VGG16_BN(**kwargs):  # noqa: N802
    """VGG-16 with batch normalization: 138,365,992 parameters."""
    return vgg(16, batch_norm=True, **kwargs)


def VGG19_BN(**kwargs):  # noqa: N802
    """VGG-19 with batch normalization: 143,678,248 parameters."""
    return vgg(19, batch_norm=True, **kwargs)
