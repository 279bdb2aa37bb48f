import numpy as np
import pytest

from ember.datasets import digits


@pytest.fixture(scope="module")
def scaled_digits():
    """The bundled digits scaled to [0, 1]: ((x_train, y_train), (x_test, y_test))."""
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    scale = np.float32(1 / 16)
    return (x_train * scale, y_train.astype(np.int64)), (x_test * scale, y_test.astype(np.int64))


def train_digit_classifier(x, y, epochs=30, seed=0):
    """A small MLP on real digits, the judge of generated samples."""
    import ember

    ember.utils.set_random_seed(seed)
    model = ember.Sequential([ember.Input(shape=(8, 8)), ember.layers.Flatten(),
                              ember.layers.Dense(64, activation="relu"),
                              ember.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=ember.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    return model
