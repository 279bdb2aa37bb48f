"""ResNet-18/34/50/101/152 (He, Zhang, Ren and Sun, "Deep Residual Learning for Image
Recognition", arXiv:1512.03385) and the CIFAR-sized ResNet-20 of its section 4.2.

Residual blocks add a shortcut to the output of a few convolutions, ``y = relu(F(x) + x)``;
where the shape changes the shortcut is a 1x1 projection with batch norm. Basic blocks (two 3x3
convolutions) make ResNet-18/34, bottleneck blocks (1x1 reduce, 3x3, 1x1 expand by 4) make
ResNet-50/101/152. Batch normalization follows every convolution, global average pooling ends
the network, there is no dropout. The layout is torchvision's (stride on the bottleneck's 3x3,
"v1.5"; PyTorch's symmetric padding written as ZeroPadding2D + 'valid' convolutions); at
224x224x3 and 1000 classes the parameter counts are torchvision's: ResNet-18 11,689,512;
ResNet-34 21,797,672; ResNet-50 25,557,032; ResNet-101 44,549,160; ResNet-152 60,192,808.

>>> from ember.applications import costs, resnet
>>> with costs.shape_only():
...     model = resnet.ResNet18()
>>> costs.count_params(model)
11689512
"""

from ember import layers as L
from ember.applications._common import Recorder, check_arguments, finish

STAGES = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
MIN_SIZE = 32


def _shortcut(rec, x, filters, strides, name, torch_prefix):
    if strides == 1 and x.shape[-1] == filters:
        return x
    x = rec.conv(x, filters, 1, f"{name}_0_conv", f"{torch_prefix}.downsample.0",
                 strides=strides, use_bias=False)
    return rec.bn(x, f"{name}_0_bn", f"{torch_prefix}.downsample.1")


def basic_block(rec, x, filters, strides, name, torch_prefix):
    """3x3 (stride) -> BN -> ReLU -> 3x3 -> BN, plus the shortcut, then ReLU."""
    shortcut = _shortcut(rec, x, filters, strides, name, torch_prefix)
    y = rec.conv_bn_relu(x, filters, 3, f"{name}_1", f"{torch_prefix}.conv1",
                         f"{torch_prefix}.bn1", strides=strides, pad=1)
    y = rec.conv_bn_relu(y, filters, 3, f"{name}_2", f"{torch_prefix}.conv2",
                         f"{torch_prefix}.bn2", pad=1, relu=False)
    y = L.Add(name=f"{name}_add")([shortcut, y])
    return L.Activation("relu", name=f"{name}_out")(y)


def bottleneck_block(rec, x, filters, strides, name, torch_prefix):
    """1x1 -> 3x3 (stride) -> 1x1 (4 x filters), BN after each, plus the shortcut, then ReLU."""
    shortcut = _shortcut(rec, x, 4 * filters, strides, name, torch_prefix)
    y = rec.conv_bn_relu(x, filters, 1, f"{name}_1", f"{torch_prefix}.conv1",
                         f"{torch_prefix}.bn1")
    y = rec.conv_bn_relu(y, filters, 3, f"{name}_2", f"{torch_prefix}.conv2",
                         f"{torch_prefix}.bn2", strides=strides, pad=1)
    y = rec.conv_bn_relu(y, 4 * filters, 1, f"{name}_3", f"{torch_prefix}.conv3",
                         f"{torch_prefix}.bn3", relu=False)
    y = L.Add(name=f"{name}_add")([shortcut, y])
    return L.Activation("relu", name=f"{name}_out")(y)


def resnet(depth, include_top=True, weights=None, input_shape=None, classes=None, pooling=None,
           classifier_activation="softmax", name=None):
    """A ResNet of `depth` 18, 34, 50, 101 or 152; see the module docstring."""
    if depth not in STAGES:
        raise ValueError(f"resnet: depth must be one of 18, 34, 50, 101, 152; received {depth}")
    name = name or f"resnet{depth}"
    input_shape, classes = check_arguments(name, input_shape, (224, 224, 3), MIN_SIZE,
                                           include_top, classes, pooling, weights)
    kind, repeats = STAGES[depth]
    block = basic_block if kind == "basic" else bottleneck_block
    rec = Recorder()
    inputs = L.Input(shape=input_shape, name="input")
    x = rec.conv_bn_relu(inputs, 64, 7, "conv1", "conv1", "bn1", strides=2, pad=3)
    # torch pads the max pooling with -inf; after the ReLU, zeros change nothing
    x = L.ZeroPadding2D(1, name="pool1_pad")(x)
    x = L.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, n_blocks in enumerate(repeats):
        filters = 64 * 2 ** stage
        for b in range(n_blocks):
            strides = 2 if b == 0 and stage > 0 else 1
            x = block(rec, x, filters, strides, f"conv{stage + 2}_block{b + 1}",
                      f"layer{stage + 1}.{b}")
    if include_top:
        x = L.GlobalAveragePooling2D(name="avg_pool")(x)
        x = rec.dense(x, classes, "predictions", "fc", activation=classifier_activation)
    return finish(rec, inputs, x, name, weights, include_top, pooling)


def ResNet18(**kwargs):  # noqa: N802  (Keras spelling)
    """ResNet-18: 11,689,512 parameters at 224x224x3, 1000 classes."""
    return resnet(18, **kwargs)


def ResNet34(**kwargs):  # noqa: N802
    """ResNet-34: 21,797,672 parameters."""
    return resnet(34, **kwargs)


def ResNet50(**kwargs):  # noqa: N802
    """ResNet-50: 25,557,032 parameters."""
    return resnet(50, **kwargs)


def ResNet101(**kwargs):  # noqa: N802
    """ResNet-101: 44,549,160 parameters."""
    return resnet(101, **kwargs)


def ResNet152(**kwargs):  # noqa: N802
    """ResNet-152: 60,192,808 parameters."""
    return resnet(152, **kwargs)


def ResNet20(include_top=True, weights=None, input_shape=(32, 32, 3), classes=None,
             pooling=None, classifier_activation="softmax", name="resnet20", blocks=3):
    """The CIFAR ResNet of He et al. section 4.2: 6n+2 layers (n=3 blocks per stage: 20).

    A 3x3 conv with 16 filters, three stages of basic blocks with 16, 32, 64 filters (stride 2 at
    the start of stages 2 and 3, projection shortcuts there: the paper's option B), global average
    pooling and a dense classifier: 272,474 parameters for 32x32x3 and 10 classes (269,722
    plus the two projections). All padding is explicit and symmetric, as in PyTorch.
    """
    if classes is None and include_top:
        classes = 10
    input_shape, classes = check_arguments(name, input_shape, (32, 32, 3), 8, include_top,
                                           classes, pooling, weights)
    rec = Recorder()
    inputs = L.Input(shape=input_shape, name="input")
    x = rec.conv_bn_relu(inputs, 16, 3, "conv1", "conv1", "bn1", pad=1)
    for stage in range(3):
        for b in range(blocks):
            strides = 2 if b == 0 and stage > 0 else 1
            x = basic_block(rec, x, 16 * 2 ** stage, strides, f"conv{stage + 2}_block{b + 1}",
                            f"layer{stage + 1}.{b}")
    if include_top:
        x = L.GlobalAveragePooling2D(name="avg_pool")(x)
        x = rec.dense(x, classes, "predictions", "fc", activation=classifier_activation)
    return finish(rec, inputs, x, name, weights, include_top, pooling)
