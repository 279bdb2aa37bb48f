"""compile / fit / evaluate / predict semantics: logs, validation split and data, class and
sample weights, steps, shuffling, the *_on_batch methods."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.models import Model, Sequential


class Recorder(Model):
    """A linear model that records the x of every train and test batch."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(1)
        self.train_x, self.test_x = [], []

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        self.train_x.append(np.array(data[0][:, 0]))
        return super().train_step(data)

    def test_step(self, data):
        self.test_x.append(np.array(data[0][:, 0]))
        return super().test_step(data)


def column(n):
    return np.arange(n, dtype=np.float32).reshape(n, 1)


def test_validation_split_takes_the_last_fraction_before_shuffling():
    model = Recorder()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(column(10), column(10), validation_split=0.3, batch_size=4, epochs=2,
                        verbose=0)
    assert np.array_equal(np.concatenate(model.test_x[:1]), [7, 8, 9])
    epoch1 = np.concatenate(model.train_x[:2])
    assert sorted(epoch1.tolist()) == list(range(7))
    assert not np.array_equal(epoch1, np.arange(7))  # shuffled within the training part
    assert len(history.history["val_loss"]) == 2


def test_validation_data_overrides_validation_split():
    model = Recorder()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(column(10), column(10), validation_split=0.5, batch_size=10, shuffle=False,
              validation_data=(column(3) + 100, column(3)), verbose=0)
    assert np.array_equal(model.train_x[0], np.arange(10))
    assert np.array_equal(model.test_x[0], [100, 101, 102])


def test_shuffle_false_and_batch_shuffle_orders():
    model = Recorder()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(column(10), column(10), batch_size=4, shuffle=False, verbose=0)
    assert [b.tolist() for b in model.train_x] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    model.train_x.clear()
    model.fit(column(12), column(12), batch_size=4, shuffle="batch", epochs=3, verbose=0)
    chunks = {tuple(b.tolist()) for b in model.train_x}
    assert chunks == {(0, 1, 2, 3), (4, 5, 6, 7), (8, 9, 10, 11)}


def test_steps_per_epoch_validation_steps_and_freq():
    model = Recorder()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(column(20), column(20), batch_size=4, epochs=4, steps_per_epoch=2,
                        validation_data=(column(12), column(12)), validation_steps=1,
                        validation_batch_size=3, validation_freq=2, verbose=0)
    assert len(model.train_x) == 8 and len(model.test_x) == 2
    assert all(len(b) == 3 for b in model.test_x)
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2
    with pytest.warns(UserWarning, match="runs out"):
        model.fit(column(8), column(8), batch_size=4, steps_per_epoch=5, verbose=0)


def test_fit_logs_history_and_learning_rate(make_classification):
    x, y = make_classification(n=60)
    model = Sequential([layers.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=ember.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", "sparse_top_k_categorical_accuracy"])
    batch_logs = []
    cb = ember.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batch_logs.append((batch, dict(logs))))
    history = model.fit(x, y, epochs=2, batch_size=20, validation_split=0.2, callbacks=[cb],
                        verbose=0)
    assert history is model.history and history.epoch == [0, 1]
    assert list(history.history) == [
        "accuracy", "loss", "sparse_top_k_categorical_accuracy", "val_accuracy", "val_loss",
        "val_sparse_top_k_categorical_accuracy"]  # a constant rate is not logged (Keras 3)
    assert [b for b, _ in batch_logs] == [0, 1, 2, 0, 1, 2]
    assert set(batch_logs[0][1]) == {"accuracy", "loss", "sparse_top_k_categorical_accuracy"}
    assert all(isinstance(v, float) for v in history.history["loss"])


def test_accuracy_and_crossentropy_are_resolved_from_shapes():
    x = np.eye(4, dtype=np.float32)
    one_hot = np.eye(4, dtype=np.float32)
    model = Sequential([layers.Input(shape=(4,)), layers.Dense(4, activation="softmax")])
    model.compile(optimizer="sgd", loss="crossentropy", metrics=["acc"])
    model.fit(x, one_hot, verbose=0)
    assert type(model._compile_loss._losses[0][1].fn).__name__ == "function"
    assert model._compile_loss._losses[0][1].fn.__name__ == "categorical_crossentropy"
    assert type(model.metrics[1].metrics[0]).__name__ == "CategoricalAccuracy"
    assert model.metrics[1].metrics[0].name == "acc"


def test_evaluate_and_predict_shapes_and_return_types(make_regression):
    x, y = make_regression(n=70)
    model = Sequential([layers.Input(shape=(3,)), layers.Dense(2), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    loss = model.evaluate(x, y, batch_size=32, verbose=0)
    assert isinstance(loss, float)
    full = float(np.mean((model(x).numpy() - y) ** 2))
    assert loss == pytest.approx(full, rel=1e-5)  # batch means weighted by batch size
    preds = model.predict(x, batch_size=32, verbose=0)
    assert preds.shape == (70, 1) and isinstance(preds, np.ndarray)
    np.testing.assert_allclose(preds, model(x).numpy(), rtol=1e-6)
    assert model.predict(x, steps=1, batch_size=32, verbose=0).shape == (32, 1)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae", "mse"])
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and len(result) == 3
    as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(as_dict) == {"loss", "mae", "mse"} and as_dict["mse"] == pytest.approx(loss)


def test_on_batch_methods(make_regression):
    x, y = make_regression(n=16)
    model = Sequential([layers.Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer=ember.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    before = model.test_on_batch(x, y)
    model.reset_metrics()
    for _ in range(20):
        logs = model.train_on_batch(x, y, return_dict=True)
        model.reset_metrics()
    assert set(logs) == {"loss", "mae"}
    after = model.test_on_batch(x, y)
    assert after[0] < before[0] / 4
    np.testing.assert_allclose(model.predict_on_batch(x), model(x).numpy())


def test_class_weight_and_sample_weight_weight_the_loss():
    model = Sequential([layers.Input(shape=(1,)),
                        layers.Dense(1, kernel_initializer="zeros", bias_initializer="zeros")])
    model.compile(optimizer=ember.optimizers.SGD(0.0), loss="mse")
    x = np.zeros((4, 1), np.float32)
    y = np.array([[0.0], [1.0], [1.0], [0.0]], np.float32)  # errors: 0, 1, 1, 0
    assert model.train_on_batch(x, y) == pytest.approx(0.5)
    model.reset_metrics()
    # class 1 weighs 3: (3 + 3) / 4
    assert model.train_on_batch(x, y, class_weight={1: 3.0}) == pytest.approx(1.5)
    model.reset_metrics()
    sw = np.array([1.0, 0.0, 2.0, 1.0], np.float32)
    assert model.train_on_batch(x, y, sample_weight=sw) == pytest.approx(0.5)
    history = model.fit(x, y, class_weight={0: 1.0, 1: 0.0}, batch_size=4, verbose=0)
    assert history.history["loss"] == [0.0]
    history = model.fit(x, y, sample_weight=sw, batch_size=4, verbose=0)
    assert history.history["loss"] == [pytest.approx(0.5)]


def test_weighted_metrics_receive_the_sample_weights():
    model = Sequential([layers.Input(shape=(1,)),
                        layers.Dense(1, kernel_initializer="zeros", bias_initializer="zeros")])
    model.compile(optimizer="sgd", loss="mae", metrics=["mae"], weighted_metrics=["mae"])
    x = np.zeros((2, 1), np.float32)
    logs = model.evaluate(x, np.array([[1.0], [3.0]], np.float32),
                          sample_weight=np.array([1.0, 0.0], np.float32), verbose=0,
                          return_dict=True)
    assert logs["mae"] == pytest.approx(2.0) and logs["weighted_mae"] == pytest.approx(1.0)


def test_recompiling_replaces_the_optimizer_and_metrics(make_regression):
    x, y = make_regression(n=16)
    model = Sequential([layers.Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, verbose=0)
    model.compile(optimizer="adam", loss="mae", metrics=["mse"])
    assert type(model.optimizer).__name__ == "Adam" and not model.optimizer.built
    history = model.fit(x, y, verbose=0)
    assert set(history.history) == {"loss", "mse"}
    assert model.get_compile_config()["loss"] == "mae"


def test_a_validation_split_of_one_class_warns():
    model = Sequential([layers.Input(shape=(2,)), layers.Dense(2)])
    model.compile(optimizer="sgd", loss=ember.losses.SparseCategoricalCrossentropy(True))
    x, y = np.zeros((10, 2), np.float32), np.array([0] * 5 + [1] * 5)
    with pytest.warns(UserWarning, match="last 2 samples.*all of class 1.*sorted by class"):
        model.fit(x, y, validation_split=0.2, verbose=0)
    one_hot = np.eye(2, dtype=np.float32)[y]
    model.compile(optimizer="sgd", loss=ember.losses.CategoricalCrossentropy(from_logits=True))
    with pytest.warns(UserWarning, match="all of class 1"):
        model.fit(x, one_hot, validation_split=0.2, verbose=0)
