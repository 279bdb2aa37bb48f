"""The hooks fit, evaluate and predict call, in order, with their params; CallbackList's
defaults (History, progress bar) and its batch-hook skipping; the resume hooks of fit."""

import numpy as np
import pytest

from ember.callbacks import Callback, CallbackList, History, ProgbarLogger
from ember.callbacks.base import HOOKS


def _recording(name):
    def hook(self, *args, **kwargs):
        self.calls.append((name, args[0]) if args and isinstance(args[0], int) else name)
        getattr(Callback, name)(self, *args, **kwargs)

    return hook


class Recorder(Callback):
    """Records every hook call (each hook overridden, as a user's callback would)."""

    def __init__(self):
        super().__init__()
        self.calls = []

    locals().update({name: _recording(name) for name in HOOKS})


def test_fit_calls_the_hooks_in_keras_order(tiny_model):
    model, x, y = tiny_model
    rec = Recorder()
    model.fit(x[:32], y[:32], epochs=2, batch_size=16, validation_data=(x[:8], y[:8]),
              callbacks=[rec], verbose=0)
    epoch = lambda e: [("on_epoch_begin", e), ("on_train_batch_begin", 0),
                       ("on_batch_begin", 0), ("on_train_batch_end", 0), ("on_batch_end", 0),
                       ("on_train_batch_begin", 1), ("on_batch_begin", 1),
                       ("on_train_batch_end", 1), ("on_batch_end", 1), "on_test_begin",
                       ("on_test_batch_begin", 0), ("on_test_batch_end", 0), "on_test_end",
                       ("on_epoch_end", e)]
    assert rec.calls == ["on_train_begin", *epoch(0), *epoch(1), "on_train_end"]
    assert rec.params == {"verbose": 0, "epochs": 2, "steps": 2} and rec.model is model


def test_evaluate_and_predict_hooks(tiny_model):
    model, x, y = tiny_model
    rec = Recorder()
    model.evaluate(x, y, batch_size=32, callbacks=[rec], verbose=0)
    model.predict(x, batch_size=64, callbacks=[rec], verbose=0)
    assert rec.calls == ["on_test_begin", ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
                         ("on_test_batch_begin", 1), ("on_test_batch_end", 1), "on_test_end",
                         "on_predict_begin", ("on_predict_batch_begin", 0),
                         ("on_predict_batch_end", 0), "on_predict_end"]


def test_defaults_are_added_once_and_in_keras_order():
    mine = Callback()
    cbs = CallbackList([mine], add_history=True, add_progbar=True, verbose=1, epochs=1,
                       steps=1)
    assert cbs.callbacks[0] is mine
    assert [type(c) for c in cbs.callbacks[1:]] == [History, ProgbarLogger]
    history = History()
    cbs = CallbackList([history], add_history=True, add_progbar=False)
    assert cbs.callbacks == [history]
    with pytest.raises(TypeError, match="expected a list of Callback"):
        CallbackList("history")


def test_batch_hooks_skip_callbacks_that_ignore_batches():
    class EpochOnly(Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    class Legacy(Callback):
        def on_batch_end(self, batch, logs=None):
            self.seen = batch

    legacy = Legacy()
    cbs = CallbackList([EpochOnly(), legacy])
    assert cbs._users("train") == [legacy] and cbs._users("test") == []
    cbs.on_train_batch_end(5, {})
    assert legacy.seen == 5


def test_stop_training_from_a_batch_ends_the_epoch_then_the_run(tiny_model):
    model, x, y = tiny_model

    class StopAt(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    history = model.fit(x, y, epochs=5, batch_size=8, callbacks=[StopAt()], verbose=0)
    assert model.optimizer.iterations.numpy() == 2 and history.epoch == [0]


def test_resume_hooks_initial_epoch_step_and_rng_state(tiny_model):
    """What BackupAndRestore relies on: _initial_epoch/_initial_step/_resume_rng_state set in
    on_train_begin, _epoch_rng_state stored before each epoch's permutation."""
    model, x, y = tiny_model
    seen = {}

    class Watch(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.setdefault("states", []).append(self.model._fit_rng.bit_generator.state)

        def on_train_batch_begin(self, batch, logs=None):
            seen.setdefault("batches", []).append((self.model._current_epoch, batch))

    model.fit(x, y, epochs=2, batch_size=16, callbacks=[Watch()], verbose=0)
    full_order = np.random.Generator(np.random.PCG64())
    full_order.bit_generator.state = seen["states"][1]
    epoch1 = full_order.permutation(64)
    assert model._epoch_rng_state == seen["states"][1]

    class Resume(Callback):
        def on_train_begin(self, logs=None):
            self.model._initial_epoch = 1
            self.model._initial_step = 2
            self.model._resume_rng_state = seen["states"][1]

    captured = []

    class Capture(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            captured.append(batch)

    original = model.train_step
    batches = []
    model.train_step = lambda data: batches.append(np.array(data[0])) or original(data)
    model.fit(x, y, epochs=2, batch_size=16, callbacks=[Resume(), Capture()], verbose=0)
    assert captured == [2, 3]
    np.testing.assert_array_equal(np.concatenate(batches), x[epoch1[32:]])
