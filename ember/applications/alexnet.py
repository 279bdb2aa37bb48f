"""AlexNet (Krizhevsky, Sutskever and Hinton, "ImageNet Classification with Deep Convolutional
Neural Networks", NeurIPS 2012), in torchvision's layout ("One weird trick...",
arXiv:1404.5997): five convolutions (11x11 stride 4, 5x5, then three 3x3) with ReLU, max pooling
(3x3, stride 2) after the 1st, 2nd and 5th, and three dense layers (4096, 4096, classes) with
dropout before the first two. 61,100,840 parameters at 224x224x3 and 1000 classes.

`local_response_normalization=True` adds the paper's LRN after the first two convolutions
(size 5, alpha 1e-4, beta 0.75, k 2; no parameters); torchvision has none. torchvision's adaptive
6x6 average pooling is the identity at 224x224 and is left out.

>>> from ember.applications import alexnet, costs
>>> with costs.shape_only():
...     model = alexnet.AlexNet()
>>> costs.count_params(model)
61100840
"""

from ember import layers as L
from ember.applications._common import Recorder, check_arguments, finish

MIN_SIZE = 63  # the smallest input whose last max pooling still has a 1x1 output


def AlexNet(include_top=True, weights=None, input_shape=None, classes=None,  # noqa: N802
            pooling=None, classifier_activation="softmax", local_response_normalization=False,
            name="alexnet"):
    """AlexNet; see the module docstring. Arguments as the Keras Applications."""
    input_shape, classes = check_arguments(name, input_shape, (224, 224, 3), MIN_SIZE,
                                           include_top, classes, pooling, weights)
    rec = Recorder()
    inputs = L.Input(shape=input_shape, name="input")

    def lrn(x, i):
        if not local_response_normalization:
            return x
        return L.LocalResponseNormalization(depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75,
                                            name=f"block{i}_lrn")(x)

    x = rec.conv(inputs, 64, 11, "block1_conv1", "features.0", strides=4, pad=2,
                 activation="relu")
    x = L.MaxPooling2D(3, strides=2, name="block1_pool")(lrn(x, 1))
    x = rec.conv(x, 192, 5, "block2_conv1", "features.3", pad=2, activation="relu")
    x = L.MaxPooling2D(3, strides=2, name="block2_pool")(lrn(x, 2))
    x = rec.conv(x, 384, 3, "block3_conv1", "features.6", pad=1, activation="relu")
    x = rec.conv(x, 256, 3, "block3_conv2", "features.8", pad=1, activation="relu")
    x = rec.conv(x, 256, 3, "block3_conv3", "features.10", pad=1, activation="relu")
    x = L.MaxPooling2D(3, strides=2, name="block3_pool")(x)
    if include_top:
        x = L.Flatten(name="flatten")(x)
        x = L.Dropout(0.5, name="fc1_dropout")(x)
        x = rec.dense(x, 4096, "fc1", "classifier.1", activation="relu")
        x = L.Dropout(0.5, name="fc2_dropout")(x)
        x = rec.dense(x, 4096, "fc2", "classifier.4", activation="relu")
        x = rec.dense(x, classes, "predictions", "classifier.6",
                      activation=classifier_activation)
    return finish(rec, inputs, x, name, weights, include_top, pooling)
