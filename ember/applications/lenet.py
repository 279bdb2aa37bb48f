"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, "Gradient-Based Learning Applied to Document
Recognition", Proc. IEEE 86(11), 1998).

The notes' original: a 32x32 grayscale input, 5x5 convolutions with tanh, average pooling
(subsampling): C1 (6 maps, 28x28) -> S2 (14x14) -> C3 (16 maps, 10x10) -> S4 (5x5) -> C5 (120
maps, 1x1) -> F6 (84) -> output. 61,706 parameters with 10 classes. Simplifications of the paper,
as in most reimplementations: C3 connects to all six S2 maps (the paper's sparse table gives 1,516
weights, here 2,416), S2/S4 have no trainable coefficients, and the output is a dense softmax
instead of Euclidean RBF units. `variant="modern"` uses ReLU and max pooling.

>>> from ember.applications import lenet
>>> model = lenet.LeNet5()
>>> model.count_params(), model.output_shape
(61706, (None, 10))
"""

from ember import layers as L
from ember.applications._common import Recorder, check_arguments, finish

MIN_SIZE = 32


def LeNet5(include_top=True, weights=None, input_shape=(32, 32, 1), classes=None,  # noqa: N802
           pooling=None, variant="original", classifier_activation="softmax", name=None):
    """LeNet-5; `variant` "original" (tanh, average pooling) or "modern" (ReLU, max pooling).

    Args:
        include_top: keep F6 and the classifier. Defaults to True.
        weights: None or a torch-style state dict (.npz / .safetensors) with the keys
            conv1, conv2, conv3, fc1, fc2 (`.weight`, `.bias`). Defaults to None.
        input_shape: (H, W, C), at least 32x32. Defaults to (32, 32, 1).
        classes: output classes (only with include_top). Defaults to 10.
        pooling: None, "avg" or "max" over C5's map when include_top=False.
    """
    if variant not in ("original", "modern"):
        raise ValueError(f"LeNet5: variant must be 'original' or 'modern'; received {variant!r}")
    name = name or ("lenet5" if variant == "original" else "lenet5_modern")
    if classes is None and include_top:
        classes = 10
    input_shape, classes = check_arguments(name, input_shape, (32, 32, 1), MIN_SIZE,
                                           include_top, classes, pooling, weights)
    act = "tanh" if variant == "original" else "relu"
    pool = L.AveragePooling2D if variant == "original" else L.MaxPooling2D
    rec = Recorder()
    inputs = L.Input(shape=input_shape, name="input")
    x = rec.conv(inputs, 6, 5, "conv1", "conv1", activation=act)
    x = pool(2, strides=2, name="pool1")(x)
    x = rec.conv(x, 16, 5, "conv2", "conv2", activation=act)
    x = pool(2, strides=2, name="pool2")(x)
    x = rec.conv(x, 120, 5, "conv3", "conv3", activation=act)
    if include_top:
        x = L.Flatten(name="flatten")(x)
        x = rec.dense(x, 84, "fc1", "fc1", activation=act)
        x = rec.dense(x, classes, "predictions", "fc2", activation=classifier_activation)
    return finish(rec, inputs, x, name, weights, include_top, pooling)
