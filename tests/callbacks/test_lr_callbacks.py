"""ReduceLROnPlateau (patience, factor, min_delta, cooldown, min_lr, mode) and
LearningRateScheduler (both schedule signatures, verbose, logs), by hand and in a fit."""

import numpy as np
import pytest

from ember.callbacks import LearningRateScheduler, ReduceLROnPlateau
from ember.optimizers import schedules


def run(cb, model, values, key="val_loss"):
    """Feed the values; return the learning rate after each epoch."""
    cb.set_model(model)
    cb.on_train_begin()
    lrs = []
    for epoch, value in enumerate(values):
        cb.on_epoch_end(epoch, {key: value})
        lrs.append(float(model.optimizer.learning_rate))
    return lrs


def test_reduces_after_patience_epochs_without_improvement(fake_model):
    lrs = run(ReduceLROnPlateau(factor=0.5, patience=2), fake_model(lr=1.0),
              [1.0, 1.0, 1.0, 1.0, 1.0])
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25]


def test_min_delta_counts_small_gains_as_plateau(fake_model):
    lrs = run(ReduceLROnPlateau(factor=0.5, patience=1, min_delta=0.1), fake_model(lr=1.0),
              [1.0, 0.95, 0.5, 0.45])
    assert lrs == [1.0, 0.5, 0.5, 0.25]


def test_cooldown_pauses_counting_after_a_reduction(fake_model):
    # Keras counts the epoch that ends the cooldown: cooldown=2 holds the rate one extra epoch
    lrs = run(ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2), fake_model(lr=1.0),
              [1.0] * 7)
    assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125]
    lrs = run(ReduceLROnPlateau(factor=0.5, patience=1), fake_model(lr=1.0), [1.0] * 4)
    assert lrs == [1.0, 0.5, 0.25, 0.125]


def test_min_lr_is_a_floor(fake_model):
    lrs = run(ReduceLROnPlateau(factor=0.1, patience=0, min_lr=0.05), fake_model(lr=1.0),
              [1.0, 1.0, 1.0, 1.0])
    assert lrs == pytest.approx([1.0, 0.1, 0.05, 0.05])


def test_mode_max_and_auto_accuracy(fake_model):
    lrs = run(ReduceLROnPlateau(monitor="val_acc", factor=0.5, patience=1),
              fake_model(lr=1.0), [0.5, 0.6, 0.55], key="val_acc")
    assert lrs == [1.0, 1.0, 0.5]
    lrs = run(ReduceLROnPlateau(monitor="score", mode="max", factor=0.5, patience=1),
              fake_model(lr=1.0), [1.0, 2.0, 3.0, 2.5], key="score")
    assert lrs == [1.0, 1.0, 1.0, 0.5]


def test_logs_get_the_learning_rate_and_missing_monitor_warns(fake_model):
    cb = ReduceLROnPlateau(patience=0, factor=0.5)
    cb.set_model(fake_model(lr=0.2))
    cb.on_train_begin()
    logs = {"loss": 1.0}
    with pytest.warns(UserWarning, match="`val_loss` which is not available"):
        cb.on_epoch_end(0, logs)
    assert logs["learning_rate"] == float(np.float32(0.2))  # a float32 Variable, as Keras


def test_reduce_lr_argument_checks_and_state():
    with pytest.raises(ValueError, match="factor >= 1.0"):
        ReduceLROnPlateau(factor=1.0)
    with pytest.raises(ValueError, match="`patience` must be a non-negative integer"):
        ReduceLROnPlateau(patience=-2)
    cb = ReduceLROnPlateau()
    cb.wait, cb.cooldown_counter, cb.best = 3, 1, 0.5
    other = ReduceLROnPlateau()
    other.set_state(cb.get_state())
    assert (other.wait, other.cooldown_counter, other.best) == (3, 1, 0.5)


def test_reduce_lr_in_a_real_fit(tiny_model):
    model, x, y = tiny_model

    class Flat(ReduceLROnPlateau):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = 1.0
            super().on_epoch_end(epoch, logs)

    history = model.fit(x, y, epochs=4, callbacks=[Flat(factor=0.5, patience=1)], verbose=0)
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.05, 0.025])
    assert float(model.optimizer.learning_rate) == pytest.approx(0.0125)


def test_scheduler_sets_the_rate_each_epoch_from_epoch_and_lr(tiny_model, capsys):
    model, x, y = tiny_model
    seen = []

    def schedule(epoch, lr):
        seen.append((epoch, lr))
        return lr if epoch < 2 else lr * 0.5

    history = model.fit(x, y, epochs=4, verbose=0,
                        callbacks=[LearningRateScheduler(schedule, verbose=1)])
    f32 = [float(np.float32(v)) for v in (0.1, 0.1, 0.1, 0.05)]  # the Variable is float32
    assert seen == list(enumerate(f32))
    assert history.history["learning_rate"] == [float(np.float32(v)) for v in
                                                (0.1, 0.1, 0.05, 0.025)]
    assert (f"Epoch 4: LearningRateScheduler setting learning rate to "
            f"{float(np.float32(0.05)) * 0.5}.") in capsys.readouterr().out


def test_scheduler_accepts_the_old_one_argument_form(fake_model):
    cb = LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    model = fake_model(lr=1.0)
    cb.set_model(model)
    for epoch in range(3):
        cb.on_epoch_begin(epoch)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.1 / 3)


def test_scheduler_errors(fake_model):
    with pytest.raises(TypeError, match="`schedule` must be a function"):
        LearningRateScheduler(0.1)
    cb = LearningRateScheduler(lambda epoch, lr: "fast")
    cb.set_model(fake_model())
    with pytest.raises(ValueError, match="should be a float. Got: 'fast'"):
        cb.on_epoch_begin(0)
    model = fake_model()
    model.optimizer.learning_rate = schedules.ExponentialDecay(0.1, 10, 0.5)
    cb = LearningRateScheduler(lambda epoch, lr: 0.5)
    cb.set_model(model)
    with pytest.raises(TypeError, match="not settable"):
        cb.on_epoch_begin(0)
