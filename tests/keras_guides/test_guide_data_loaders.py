"""keras.io "Training & evaluation with the built-in methods" (guides/
training_with_built_in_methods.py), its sections "Using a PyDataset for training" (threads
with `workers`, processes with `use_multiprocessing`) and "Using a PyTorch DataLoader", run
with `import ember as keras` on the bundled 8x8 digits (64 inputs instead of MNIST's 784,
5 epochs instead of 1), and under Keras 3 (torch backend) when installed: both must pass the
accuracy bar on the test digits."""

import os

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
ACCURACY_BAR = 0.9


def load_data():
    (x_train, y_train), (x_test, y_test) = ember.datasets.digits.load_data()
    x_train = x_train.reshape(-1, 64).astype("float32") / 16
    x_test = x_test.reshape(-1, 64).astype("float32") / 16
    y_train, y_test = y_train.astype("float32"), y_test.astype("float32")
    x_val, y_val = x_train[-200:], y_train[-200:]
    return (x_train[:-200], y_train[:-200]), (x_val, y_val), (x_test, y_test)


def get_compiled_model(keras):
    layers = keras.layers
    inputs = keras.Input(shape=(64,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])
    return model


def program(keras, data, epochs=5):
    """The guide's two sections; returns the test accuracy after each way of feeding."""
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = data

    class ExamplePyDataset(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x = x
            self.y = y
            self.batch_size = batch_size

        def __len__(self):
            return int(np.ceil(len(self.x) / float(self.batch_size)))

        def __getitem__(self, idx):
            batch_x = self.x[idx * self.batch_size: (idx + 1) * self.batch_size]
            batch_y = self.y[idx * self.batch_size: (idx + 1) * self.batch_size]
            return batch_x, batch_y

    results = {}
    for name, kwargs in (("py_dataset", {}), ("py_dataset_workers", {"workers": 4}),
                         ("py_dataset_processes", {"workers": 2,
                                                   "use_multiprocessing": True})):
        model = get_compiled_model(keras)
        train_py_dataset = ExamplePyDataset(x_train, y_train, batch_size=32, **kwargs)
        val_py_dataset = ExamplePyDataset(x_val, y_val, batch_size=32, **kwargs)
        history = model.fit(train_py_dataset, batch_size=64, validation_data=val_py_dataset,
                            epochs=epochs, verbose=0)
        assert len(history.history["val_loss"]) == epochs
        results[name] = model.evaluate(x_test, y_test, verbose=0)[1]

    class ExampleTorchDataset(torch.utils.data.Dataset):
        def __init__(self, x, y):
            self.x = x
            self.y = y

        def __len__(self):
            return len(self.x)

        def __getitem__(self, idx):
            return self.x[idx], self.y[idx]

    model = get_compiled_model(keras)
    train_torch_dataset = ExampleTorchDataset(x_train, y_train)
    val_torch_dataset = ExampleTorchDataset(x_val, y_val)
    train_dataloader = torch.utils.data.DataLoader(train_torch_dataset, batch_size=32,
                                                   shuffle=True)
    val_dataloader = torch.utils.data.DataLoader(val_torch_dataset, batch_size=32,
                                                 shuffle=True)
    model.fit(train_dataloader, validation_data=val_dataloader, epochs=epochs, verbose=0)
    results["dataloader"] = model.evaluate(x_test, y_test, verbose=0)[1]
    return results


@pytest.mark.slow
def test_py_dataset_and_dataloader_with_ember_and_keras():
    data = load_data()
    ember.utils.set_random_seed(0)
    torch.manual_seed(0)
    with pytest.warns(UserWarning, match="batch_size=64` is ignored"):
        results = program(ember, data)
    assert all(acc > ACCURACY_BAR for acc in results.values()), results

    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the default pool is 15x slower on a busy 2-core machine
    try:
        keras.utils.set_random_seed(0)
        k_results = program(keras, data)
    finally:
        torch.set_num_threads(threads)
    assert all(acc > ACCURACY_BAR for acc in k_results.values()), k_results
    for name in results:
        assert abs(results[name] - k_results[name]) < 0.06, (results, k_results)
