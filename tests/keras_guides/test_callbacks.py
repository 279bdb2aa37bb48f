"""keras.io "Writing your own callbacks", as a program run with ember and with Keras 3
(torch): a callback recording every hook and the keys of its logs, the loss-printing
callback, early stopping at the minimum loss (restoring the best weights) and a custom
learning-rate schedule."""

import numpy as np
import pytest

import ember
from tests.keras_guides.conftest import load_keras, run_once


def program(keras):
    rng = np.random.default_rng(0)
    x_train = rng.random((96, 8)).astype("float32")
    y_train = (x_train.sum(axis=1, keepdims=True) / 4).astype("float32")

    def get_model():
        model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                      loss="mean_squared_error", metrics=["mean_absolute_error"])
        return model

    calls = []

    class CustomCallback(keras.callbacks.Callback):
        def _log(self, hook, logs):
            calls.append((hook, tuple(sorted(k for k in (logs or {})
                                             if k != "learning_rate"))))

        def on_train_begin(self, logs=None):
            self._log("on_train_begin", logs)

        def on_train_end(self, logs=None):
            self._log("on_train_end", logs)

        def on_epoch_begin(self, epoch, logs=None):
            self._log(f"on_epoch_begin {epoch}", logs)

        def on_epoch_end(self, epoch, logs=None):
            self._log(f"on_epoch_end {epoch}", logs)

        def on_test_begin(self, logs=None):
            self._log("on_test_begin", logs)

        def on_test_end(self, logs=None):
            self._log("on_test_end", logs)

        def on_predict_begin(self, logs=None):
            self._log("on_predict_begin", logs)

        def on_predict_end(self, logs=None):
            self._log("on_predict_end", logs)

        def on_train_batch_begin(self, batch, logs=None):
            self._log(f"on_train_batch_begin {batch}", logs)

        def on_train_batch_end(self, batch, logs=None):
            self._log(f"on_train_batch_end {batch}", logs)

        def on_test_batch_begin(self, batch, logs=None):
            self._log(f"on_test_batch_begin {batch}", logs)

        def on_test_batch_end(self, batch, logs=None):
            self._log(f"on_test_batch_end {batch}", logs)

        def on_predict_batch_begin(self, batch, logs=None):
            self._log(f"on_predict_batch_begin {batch}", logs)

        def on_predict_batch_end(self, batch, logs=None):
            self._log(f"on_predict_batch_end {batch}", logs)

    keras.utils.set_random_seed(0)
    model = get_model()
    model.fit(x_train, y_train, batch_size=32, epochs=2, verbose=0, validation_split=0.25,
              callbacks=[CustomCallback()])
    model.evaluate(x_train, y_train, batch_size=64, verbose=0, callbacks=[CustomCallback()])
    model.predict(x_train, batch_size=64, verbose=0, callbacks=[CustomCallback()])

    printed = []

    class LossAndErrorPrintingCallback(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            printed.append(("batch", batch, round(logs["loss"], 6) >= 0))

        def on_epoch_end(self, epoch, logs=None):
            printed.append(("epoch", epoch, logs["loss"], logs["mean_absolute_error"]))

    keras.utils.set_random_seed(0)
    model = get_model()
    model.fit(x_train, y_train, batch_size=32, epochs=3, verbose=0,
              callbacks=[LossAndErrorPrintingCallback()])

    class EarlyStoppingAtMinLoss(keras.callbacks.Callback):
        def __init__(self, patience=0):
            super().__init__()
            self.patience = patience
            self.best_weights = None

        def on_train_begin(self, logs=None):
            self.wait = 0
            self.stopped_epoch = 0
            self.best = np.inf

        def on_epoch_end(self, epoch, logs=None):
            current = logs.get("loss")
            if np.less(current, self.best):
                self.best = current
                self.wait = 0
                self.best_weights = self.model.get_weights()
            else:
                self.wait += 1
                if self.wait >= self.patience:
                    self.stopped_epoch = epoch
                    self.model.stop_training = True
                    self.model.set_weights(self.best_weights)

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(1)])
    # a learning rate this large diverges: the loss goes up at once and training stops
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.5), loss="mse")
    stopper = EarlyStoppingAtMinLoss(patience=1)
    history = model.fit(x_train, y_train, batch_size=96, epochs=30, verbose=0,
                        callbacks=[stopper])
    stopped = (len(history.history["loss"]), stopper.stopped_epoch,
               bool(np.allclose(model.get_weights()[0], stopper.best_weights[0])))

    class CustomLearningRateScheduler(keras.callbacks.Callback):
        def __init__(self, schedule):
            super().__init__()
            self.schedule = schedule
            self.seen = []

        def on_epoch_begin(self, epoch, logs=None):
            lr = float(np.asarray(self.model.optimizer.learning_rate))
            scheduled_lr = self.schedule(epoch, lr)
            self.model.optimizer.learning_rate = scheduled_lr
            self.seen.append(round(float(np.asarray(self.model.optimizer.learning_rate)), 6))

    lr_schedule = [(1, 0.05), (2, 0.01)]

    def schedule(epoch, lr):
        for start, value in lr_schedule:
            if epoch == start:
                return value
        return lr

    keras.utils.set_random_seed(0)
    model = get_model()
    scheduler = CustomLearningRateScheduler(schedule)
    model.fit(x_train, y_train, batch_size=32, epochs=4, verbose=0, callbacks=[scheduler])
    return {"calls": calls, "printed": printed, "stopped": stopped, "lrs": scheduler.seen}


def check(out):
    calls = [hook for hook, _ in out["calls"]]
    assert calls[0] == "on_train_begin" and calls[-1] == "on_predict_end"
    steps = [h for h in calls if h.startswith("on_train_batch_end")]
    assert len(steps) == 2 * 3  # 72 training samples in batches of 32
    keys = dict(out["calls"])
    assert keys["on_train_batch_end 0"] == ("loss", "mean_absolute_error")
    assert keys["on_epoch_end 1"] == ("loss", "mean_absolute_error", "val_loss",
                                      "val_mean_absolute_error")
    assert keys["on_test_end"] == ("loss", "mean_absolute_error")
    assert [p[0] for p in out["printed"]].count("epoch") == 3
    epochs = [p for p in out["printed"] if p[0] == "epoch"]
    assert epochs[-1][2] < epochs[0][2]
    n_epochs, stopped_epoch, restored = out["stopped"]
    assert n_epochs == stopped_epoch + 1 and n_epochs < 30 and restored
    assert out["lrs"] == [0.1, 0.05, 0.01, 0.01]


def test_callbacks_guide(keras):
    check(run_once(program, keras))


@pytest.mark.slow
def test_callbacks_guide_matches_keras():
    """The same hooks, in the same order, with the same log keys; the same early stop."""
    ours, theirs = run_once(program, ember), run_once(program, load_keras())
    assert ours["calls"] == theirs["calls"]
    assert ours["stopped"] == theirs["stopped"] and ours["lrs"] == theirs["lrs"]
