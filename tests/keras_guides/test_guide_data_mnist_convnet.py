"""keras.io "Simple MNIST convnet" (examples/vision/mnist_convnet.py, fchollet) run with
`import ember as keras`, offline: the bundled 8x8 UCI digits upsampled (nearest) to 28x28
uint8 images stand in for MNIST, so the model is the guide's, parameter for parameter
(34,826). Fewer epochs than the guide's 15 on 1,437 training images; the same program runs
under Keras 3 (torch backend) when it is installed, and both must reach the accuracy bar."""

import os

import numpy as np
import pytest

import ember

EPOCHS = 4
ACCURACY_BAR = 0.8  # both reach about 0.87 on the 360 test digits after 4 epochs


def load_data():
    """Digits as MNIST-like arrays: uint8 (n, 28, 28) in [0, 255], integer labels."""
    (x_train, y_train), (x_test, y_test) = ember.datasets.digits.load_data()
    rows = (np.arange(28) * 8) // 28  # nearest-neighbour upsampling, 8 -> 28

    def up(x):
        return (x[:, rows][:, :, rows].astype(np.float32) * (255 / 16)).astype(np.uint8)

    return (up(x_train), y_train), (up(x_test), y_test)


def program(keras, data, epochs=EPOCHS):
    """The guide's code, line for line, with `keras` either ember or Keras."""
    # Model / data parameters
    num_classes = 10
    input_shape = (28, 28, 1)

    # Load the data and split it between train and test sets
    (x_train, y_train), (x_test, y_test) = data

    # Scale images to the [0, 1] range
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255
    # Make sure images have shape (28, 28, 1)
    x_train = np.expand_dims(x_train, -1)
    x_test = np.expand_dims(x_test, -1)

    # convert class vectors to binary class matrices
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)

    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    batch_size = 128
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                        validation_split=0.1, verbose=0)
    score = model.evaluate(x_test, y_test, verbose=0)
    return model, history, score


@pytest.fixture
def import_keras():
    """Keras 3 on the torch backend, with torch on one thread for the test (on a busy
    2-core machine its default thread pool made the Keras run 15x slower), or a skip."""
    restore = []

    def load():
        os.environ.setdefault("KERAS_BACKEND", "torch")
        keras = pytest.importorskip("keras")
        if keras.backend.backend() == "torch":
            import torch  # noqa: PLC0415

            restore.append((torch, torch.get_num_threads()))
            torch.set_num_threads(1)
        return keras

    yield load
    for torch, threads in restore:
        torch.set_num_threads(threads)


@pytest.mark.slow
def test_mnist_convnet_with_ember_and_keras(import_keras):
    data = load_data()
    assert data[0][0].shape == (1437, 28, 28) and data[0][0].dtype == np.uint8
    ember.utils.set_random_seed(0)
    model, history, score = program(ember, data)
    assert model.count_params() == 34_826  # the guide's summary: 320 + 18,496 + 16,010
    assert {"accuracy", "loss", "val_accuracy", "val_loss"} <= set(history.history)
    test_loss, test_accuracy = score
    assert test_accuracy > ACCURACY_BAR, score
    assert history.history["loss"][-1] < history.history["loss"][0]

    keras = import_keras()
    keras.utils.set_random_seed(0)
    k_model, _, k_score = program(keras, data)
    assert k_model.count_params() == 34_826
    assert k_score[1] > ACCURACY_BAR, k_score
    assert abs(k_score[1] - test_accuracy) < 0.1, (score, k_score)
