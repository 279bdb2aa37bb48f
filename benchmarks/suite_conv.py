"""The `convnet`, `lenet5` and `cifar_bn` models of the training suite (see train_suite.py,
BENCHMARKS.md).

- convnet: Conv2D 32 3x3 relu, MaxPool 2, Conv2D 64 3x3 relu, MaxPool 2, Flatten,
  Dropout 0.5, Dense 10 on 28x28x1 (the Keras MNIST convnet, 34,826 parameters).
- lenet5: Conv2D 6 5x5 same tanh, AvgPool 2, Conv2D 16 5x5 tanh, AvgPool 2, Flatten,
  Dense 120 tanh, Dense 84 tanh, Dense 10 on 28x28x1.
- cifar_bn: 2x[Conv2D 32 3x3 same, BN, relu], MaxPool, Dropout .25, 2x[Conv2D 64 3x3 same,
  BN, relu], MaxPool, Dropout .25, Flatten, Dense 512 relu, Dropout .5, Dense 10 on 32x32x3.

PyTorch runs the same layers on NCHW copies of the images; its Flatten sees (C, H, W) where
ember's sees (H, W, C): the same number of features, so the same cost.

FLOPs count the multiply-adds of the convolutions and dense products, forward and backward:
a convolution costs 2 * batch * H_out * W_out * kh * kw * C_in * C_out forward and twice that
backward (data and kernel gradients), i.e. 6x the forward MACs in all, like a Dense layer.
The first convolution's data gradient is counted too (neither framework skips it for
certain).

    python benchmarks/train_suite.py --models convnet lenet5 cifar_bn --quick
"""

BATCH = 128


def specs(Spec, CLASSES):  # noqa: N803  (the names train_suite passes)
    class ConvSpec(Spec):
        def __init__(self, name, input_shape, ember_layers, torch_modules, dense_shapes,
                     convs):
            self.convs = convs  # [(H_out, W_out, kh, kw, C_in, C_out)]
            super().__init__(name, input_shape, ember_layers, torch_modules, dense_shapes)

        def flops(self):
            conv = sum(6 * BATCH * h * w * kh * kw * ci * co
                       for h, w, kh, kw, ci, co in self.convs)
            return conv + super().flops()

    return {
        "convnet": ConvSpec("convnet", (28, 28, 1), lambda: _convnet(CLASSES),
                            lambda nn: _convnet_torch(nn, CLASSES), [(1600, CLASSES)],
                            [(26, 26, 3, 3, 1, 32), (11, 11, 3, 3, 32, 64)]),
        "lenet5": ConvSpec("lenet5", (28, 28, 1), lambda: _lenet5(CLASSES),
                           lambda nn: _lenet5_torch(nn, CLASSES),
                           [(400, 120), (120, 84), (84, CLASSES)],
                           [(28, 28, 5, 5, 1, 6), (10, 10, 5, 5, 6, 16)]),
        "cifar_bn": ConvSpec("cifar_bn", (32, 32, 3), lambda: _cifar_bn(CLASSES),
                             lambda nn: _cifar_bn_torch(nn, CLASSES),
                             [(4096, 512), (512, CLASSES)],
                             [(32, 32, 3, 3, 3, 32), (32, 32, 3, 3, 32, 32),
                              (16, 16, 3, 3, 32, 64), (16, 16, 3, 3, 64, 64)]),
    }


def _convnet(classes):
    from ember import layers

    return [layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Flatten(), layers.Dropout(0.5), layers.Dense(classes)]


def _convnet_torch(nn, classes):
    return [nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
            nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, classes)]


def _lenet5(classes):
    from ember import layers

    return [layers.Conv2D(6, 5, padding="same", activation="tanh"), layers.AveragePooling2D(2),
            layers.Conv2D(16, 5, activation="tanh"), layers.AveragePooling2D(2),
            layers.Flatten(), layers.Dense(120, activation="tanh"),
            layers.Dense(84, activation="tanh"), layers.Dense(classes)]


def _lenet5_torch(nn, classes):
    return [nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5),
            nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.Tanh(),
            nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, classes)]


def _cifar_bn(classes):
    from ember import layers

    def block(filters):
        return [layers.Conv2D(filters, 3, padding="same"), layers.BatchNormalization(),
                layers.Activation("relu")]

    return [*block(32), *block(32), layers.MaxPooling2D(2), layers.Dropout(0.25),
            *block(64), *block(64), layers.MaxPooling2D(2), layers.Dropout(0.25),
            layers.Flatten(), layers.Dense(512, activation="relu"), layers.Dropout(0.5),
            layers.Dense(classes)]


def _cifar_bn_torch(nn, classes):
    def block(c_in, c_out):
        # Keras' BatchNormalization: momentum 0.99 (PyTorch's 0.01), epsilon 1e-3
        return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out, eps=1e-3,
                                                                      momentum=0.01), nn.ReLU()]

    return [*block(3, 32), *block(32, 32), nn.MaxPool2d(2), nn.Dropout(0.25),
            *block(32, 64), *block(64, 64), nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
            nn.Linear(4096, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, classes)]
