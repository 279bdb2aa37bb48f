"""Ctrl-C during fit: the current step finishes, on_interrupt and on_train_end run, then
KeyboardInterrupt is re-raised (fit never returns normally); the SIGINT handler is restored."""

import os
import signal

import numpy as np
import pytest

import ember
from ember import layers
from ember.callbacks import Callback
from ember.models import Sequential


class Probe(Callback):
    """Sends SIGINT to this process at a given batch and hook; records what ran."""

    def __init__(self, at_batch, hook="end", times=1):
        super().__init__()
        self.at_batch, self.hook, self.times = at_batch, hook, times
        self.events = []

    def _maybe_interrupt(self, batch):
        if batch == self.at_batch and not any(e[0] == "sent" for e in self.events):
            self.events.append(("sent", batch))
            for _ in range(self.times):
                os.kill(os.getpid(), signal.SIGINT)

    def on_train_batch_begin(self, batch, logs=None):
        self.events.append(("begin", batch))
        if self.hook == "begin":
            self._maybe_interrupt(batch)

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("end", batch))
        if self.hook == "end":
            self._maybe_interrupt(batch)

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch))

    def on_interrupt(self, logs=None):
        self.events.append(("interrupt", None))

    def on_train_end(self, logs=None):
        self.events.append(("train_end", None))


def make_model():
    ember.layers.clear_session()
    ember.utils.set_random_seed(0)
    model = Sequential([layers.Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer=ember.optimizers.SGD(0.1), loss="mse")
    return model


X = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
Y = X.sum(axis=1, keepdims=True)


def test_ctrl_c_finishes_the_step_then_raises_after_on_train_end():
    model = make_model()
    probe = Probe(at_batch=2)
    previous = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt, match="epoch 1, after step 3"):
        model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, callbacks=[probe], verbose=0)
    assert probe.events == [("begin", 0), ("end", 0), ("begin", 1), ("end", 1), ("begin", 2),
                            ("end", 2), ("sent", 2), ("interrupt", None), ("train_end", None)]
    assert model.optimizer.iterations.numpy() == 3 and model._fit_interrupted
    assert signal.getsignal(signal.SIGINT) is previous
    # the weights are exactly those after three whole steps
    reference = make_model()
    reference.fit(X[:24], Y[:24], batch_size=8, shuffle=False, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(),
                                                    reference.get_weights()))


def test_ctrl_c_before_a_step_lets_that_step_run():
    model = make_model()
    probe = Probe(at_batch=1, hook="begin")
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, batch_size=8, callbacks=[probe], verbose=0)
    assert ("end", 1) in probe.events and ("begin", 2) not in probe.events
    assert model.optimizer.iterations.numpy() == 2


def test_a_second_ctrl_c_stops_at_once_and_still_ends_training():
    model = make_model()
    probe = Probe(at_batch=0, times=2)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, batch_size=8, callbacks=[probe], verbose=0)
    assert probe.events[-2:] == [("interrupt", None), ("train_end", None)]


def test_the_users_handler_is_restored_and_untouched_outside_fit():
    seen = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        model = make_model()
        with pytest.raises(KeyboardInterrupt):
            model.fit(X, Y, batch_size=8, callbacks=[Probe(at_batch=0)], verbose=0)
        assert seen == []  # fit's handler took the signal
        os.kill(os.getpid(), signal.SIGINT)
        assert seen == [signal.SIGINT]
        model.fit(X, Y, batch_size=8, verbose=0)  # a clean run returns normally
    finally:
        signal.signal(signal.SIGINT, previous)


def test_an_interrupted_fit_in_a_tty_progress_bar_ends_its_line(capsys):
    model = make_model()
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, batch_size=8, callbacks=[Probe(at_batch=1)], verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out and "\b" not in out
