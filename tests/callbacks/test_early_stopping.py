"""EarlyStopping driven by hand-written logs: patience, min_delta, mode, baseline,
start_from_epoch, restore_best_weights (restored at train end, as Keras 3), and in a real fit."""

import numpy as np
import pytest

from ember.callbacks import EarlyStopping


def drive(cb, model, values, key="val_loss"):
    """Feed one value per epoch; returns the epoch at which training stopped (or None)."""
    cb.set_model(model)
    cb.on_train_begin()
    for epoch, value in enumerate(values):
        model._weights = [np.array([float(epoch)], np.float32)]
        cb.on_epoch_end(epoch, {key: value})
        if model.stop_training:
            cb.on_train_end()
            return epoch
    cb.on_train_end()
    return None


def test_patience_counts_epochs_without_improvement(fake_model):
    assert drive(EarlyStopping(patience=0), fake_model(), [1.0, 0.9, 0.95]) == 2
    assert drive(EarlyStopping(patience=2), fake_model(), [1.0, 0.9, 0.95, 0.93, 0.8]) == 3
    assert drive(EarlyStopping(patience=2), fake_model(), [1.0, 0.9, 0.95, 0.85, 0.9]) is None


def test_min_delta_requires_a_large_enough_improvement(fake_model):
    cb = EarlyStopping(patience=1, min_delta=0.1)
    assert drive(cb, fake_model(), [1.0, 0.95, 0.5]) == 1  # 0.95 is not 0.1 better
    assert cb.best == 1.0
    cb = EarlyStopping(patience=1, min_delta=0.01)
    assert drive(cb, fake_model(), [1.0, 0.95, 0.5, 0.6]) == 3
    cb = EarlyStopping(patience=1, min_delta=-0.1)  # the sign is ignored
    assert cb.min_delta == 0.1


def test_mode_max_and_auto_from_the_name(fake_model):
    assert drive(EarlyStopping(monitor="val_accuracy", patience=1), fake_model(),
                 [0.5, 0.6, 0.55, 0.58], key="val_accuracy") == 2
    assert drive(EarlyStopping(monitor="score", mode="max", patience=0), fake_model(),
                 [1.0, 2.0, 1.5], key="score") == 2
    assert drive(EarlyStopping(monitor="val_mae", patience=0), fake_model(),
                 [1.0, 0.5, 0.7], key="val_mae") == 2
    with pytest.raises(ValueError, match="automatically determine"):
        drive(EarlyStopping(monitor="mystery"), fake_model(), [1.0], key="mystery")
    with pytest.warns(UserWarning, match="mode sideways is unknown"):
        cb = EarlyStopping(monitor="loss", mode="sideways")
    assert drive(cb, fake_model(), [1.0, 2.0], key="loss") == 1


def test_baseline_must_be_beaten_to_reset_the_wait(fake_model):
    # improving but never below the baseline 0.5: the wait is never reset (Keras 3), so
    # the first epoch without improvement stops training
    cb = EarlyStopping(patience=2, baseline=0.5)
    assert drive(cb, fake_model(), [0.9, 0.8, 0.7, 0.75]) == 3
    assert drive(EarlyStopping(patience=2), fake_model(), [0.9, 0.8, 0.7, 0.75]) is None
    cb = EarlyStopping(patience=2, baseline=0.5)
    assert drive(cb, fake_model(), [0.9, 0.4, 0.45, 0.45, 0.45]) == 3


def test_start_from_epoch_ignores_the_first_epochs(fake_model):
    cb = EarlyStopping(patience=0, start_from_epoch=2)
    assert drive(cb, fake_model(), [1.0, 2.0, 3.0, 4.0]) == 3
    assert cb.best == 3.0


def test_restore_best_weights_at_train_end_even_without_stopping(fake_model):
    model = fake_model()
    cb = EarlyStopping(patience=5, restore_best_weights=True)
    assert drive(cb, model, [1.0, 0.5, 0.7, 0.8]) is None
    assert model.get_weights()[0].tolist() == [1.0] and cb.best_epoch == 1
    model = fake_model()
    cb = EarlyStopping(patience=1, restore_best_weights=True, verbose=1)
    assert drive(cb, model, [1.0, 0.2, 0.7, 0.8]) == 2
    assert model.get_weights()[0].tolist() == [1.0]


def test_missing_monitor_warns_and_does_nothing(fake_model):
    cb = EarlyStopping(monitor="val_loss", patience=0)
    with pytest.warns(UserWarning, match="`val_loss` which is not available"):
        assert drive(cb, fake_model(), [1.0, 2.0], key="loss") is None


def test_state_round_trip_and_argument_checks():
    cb = EarlyStopping(patience=3)
    cb.wait, cb.best, cb.best_epoch = 2, 0.25, 4
    other = EarlyStopping(patience=3)
    other.set_state(cb.get_state())
    assert (other.wait, other.best, other.best_epoch) == (2, 0.25, 4)
    with pytest.raises(ValueError, match="`patience` must be a non-negative integer"):
        EarlyStopping(patience=-1)


def test_in_a_real_fit_training_stops_and_best_weights_come_back(tiny_model):
    model, x, y = tiny_model
    seen = []

    class Worsen(EarlyStopping):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = [3.0, 1.0, 2.0, 2.5, 2.7, 2.9][epoch]
            seen.append([w.copy() for w in self.model.get_weights()])
            super().on_epoch_end(epoch, logs)

    cb = Worsen(patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=6, batch_size=16, callbacks=[cb], verbose=0)
    assert len(history.history["loss"]) == 4 and cb.stopped_epoch == 3
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), seen[1]))
