"""GoogLeNet / Inception v1 (Szegedy et al., "Going Deeper with Convolutions", arXiv:1409.4842).

Inception modules run four branches in parallel and concatenate them on the channel axis: a 1x1
convolution; a 1x1 reduction then a 3x3; a 1x1 reduction then a "5x5"; a 3x3 max pooling then a
1x1 projection. 1x1 reductions keep the cost low: 6,624,904 parameters at 224x224x3 and 1000
classes (torchvision's count, without the auxiliary heads), against AlexNet's 61 M.

The layout is torchvision's: each convolution is conv (no bias) -> batch norm (eps 1e-3) -> ReLU,
and the "5x5" branch uses a 3x3 kernel (torchvision keeps this to stay compatible with its
weights). Max poolings use torch's ceil mode (see `_common.max_pool_ceil`). With
`aux_logits=True` the model has three outputs `[main, aux1, aux2]`: the paper's auxiliary
classifiers after inception 4a and 4d (5x5/3 average pooling, 1x1 conv 128, dense 1024, dropout
0.7, dense classes); they are for training only.

>>> from ember.applications import costs, googlenet
>>> with costs.shape_only():
...     model = googlenet.GoogLeNet()
>>> costs.count_params(model)
6624904
"""

from ember import layers as L
from ember.applications._common import Recorder, check_arguments, finish, max_pool_ceil

# (ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj) for each module
MODULES = {
    "3a": (64, 96, 128, 16, 32, 32), "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64), "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64), "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128), "5b": (384, 192, 384, 48, 128, 128),
}
MIN_SIZE = 32
GOOGLENET_BN = {"epsilon": 1e-3, "momentum": 0.9}


def inception_module(rec, x, name, channels):
    """The four parallel branches, concatenated on channels."""
    c1, c3r, c3, c5r, c5, pool_proj = channels
    t = f"inception{name}"

    def unit(y, filters, kernel, suffix, torch_name):
        return rec.conv_bn_relu(y, filters, kernel, f"inception{name}_{suffix}",
                                f"{t}.{torch_name}.conv", f"{t}.{torch_name}.bn",
                                pad=kernel // 2)

    b1 = unit(x, c1, 1, "1x1", "branch1")
    b2 = unit(unit(x, c3r, 1, "3x3_reduce", "branch2.0"), c3, 3, "3x3", "branch2.1")
    b3 = unit(unit(x, c5r, 1, "5x5_reduce", "branch3.0"), c5, 3, "5x5", "branch3.1")
    b4 = L.MaxPooling2D(3, strides=1, padding="same", name=f"inception{name}_pool")(x)
    b4 = unit(b4, pool_proj, 1, "pool_proj", "branch4.1")
    return L.Concatenate(axis=-1, name=f"inception{name}_concat")([b1, b2, b3, b4])


def _aux_head(rec, x, classes, name, classifier_activation):
    if x.shape[1] < 5 or x.shape[2] < 5:
        raise ValueError(f"GoogLeNet: aux_logits needs a 5x5 map at {name}; received "
                         f"{x.shape[1:3]} (use input_shape of at least 160x160)")
    x = L.AveragePooling2D(5, strides=3, name=f"{name}_pool")(x)
    x = rec.conv_bn_relu(x, 128, 1, f"{name}_conv", f"{name}.conv.conv", f"{name}.conv.bn")
    x = L.Flatten(name=f"{name}_flatten")(x)
    x = rec.dense(x, 1024, f"{name}_fc1", f"{name}.fc1", activation="relu")
    x = L.Dropout(0.7, name=f"{name}_dropout")(x)
    return rec.dense(x, classes, f"{name}_predictions", f"{name}.fc2",
                     activation=classifier_activation)


def GoogLeNet(include_top=True, weights=None, input_shape=None, classes=None,  # noqa: N802
              pooling=None, classifier_activation="softmax", aux_logits=False,
              name="googlenet"):
    """GoogLeNet (Inception v1); see the module docstring."""
    input_shape, classes = check_arguments(name, input_shape, (224, 224, 3), MIN_SIZE,
                                           include_top, classes, pooling, weights)
    if aux_logits and not include_top:
        raise ValueError("GoogLeNet: aux_logits=True needs include_top=True")
    rec = Recorder(bn=GOOGLENET_BN)
    inputs = L.Input(shape=input_shape, name="input")
    x = rec.conv_bn_relu(inputs, 64, 7, "conv1", "conv1.conv", "conv1.bn", strides=2, pad=3)
    x = max_pool_ceil(x, 3, 2, "pool1")
    x = rec.conv_bn_relu(x, 64, 1, "conv2", "conv2.conv", "conv2.bn")
    x = rec.conv_bn_relu(x, 192, 3, "conv3", "conv3.conv", "conv3.bn", pad=1)
    x = max_pool_ceil(x, 3, 2, "pool2")
    aux = []
    for module in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"):
        if module == "4a":
            x = max_pool_ceil(x, 3, 2, "pool3")
        if module == "5a":
            x = max_pool_ceil(x, 2, 2, "pool4")
        x = inception_module(rec, x, module, MODULES[module])
        if aux_logits and module in ("4a", "4d"):
            aux.append(_aux_head(rec, x, classes, f"aux{len(aux) + 1}",
                                 classifier_activation))
    if include_top:
        x = L.GlobalAveragePooling2D(name="avg_pool")(x)
        x = L.Dropout(0.2, name="dropout")(x)
        x = rec.dense(x, classes, "predictions", "fc", activation=classifier_activation)
    return finish(rec, inputs, [x, *aux] if aux else x, name, weights, include_top, pooling)
