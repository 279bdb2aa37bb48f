"""Every hook receives a dict (`{}` when there is nothing to report), never None, as Keras 3
passes them."""

import numpy as np
import pytest

import ember
from ember.callbacks import Callback, CallbackList
from ember.callbacks.base import HOOKS


class Record(Callback):
    def __init__(self):
        super().__init__()
        self.seen = []
        for name in HOOKS:
            if name not in ("on_batch_begin", "on_batch_end"):  # aliases of the train hooks
                setattr(self, name, self._recorder(name))

    def _recorder(self, name):
        def hook(*args, **kwargs):
            # logs come last; a hook called with a batch or epoch index only gets that int
            self.seen.append((name, kwargs["logs"] if "logs" in kwargs else args[-1] if args
                              else None))
        return hook


def model():
    m = ember.models.Sequential([ember.layers.Input(shape=(2,)), ember.layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    return m


def test_fit_evaluate_predict_pass_dicts_to_every_hook():
    x = np.ones((8, 2), "float32")
    record, m = Record(), model()
    m.fit(x, x[:, :1], epochs=2, batch_size=4, validation_split=0.5, verbose=0,
          callbacks=[record])
    m.evaluate(x, x[:, :1], verbose=0, callbacks=[record])
    m.predict(x, verbose=0, callbacks=[record])
    names = {name for name, _ in record.seen}
    assert names >= {"on_train_begin", "on_epoch_begin", "on_train_batch_begin",
                     "on_train_batch_end", "on_test_begin", "on_test_batch_begin",
                     "on_test_end", "on_epoch_end", "on_train_end", "on_predict_begin",
                     "on_predict_batch_end", "on_predict_end"}
    assert all(isinstance(logs, dict) for _, logs in record.seen), [
        name for name, logs in record.seen if not isinstance(logs, dict)]


def test_an_empty_fit_and_a_ctrl_c_pass_dicts_too():
    x = np.ones((4, 2), "float32")
    record, m = Record(), model()
    m.fit(x, x[:, :1], epochs=1, initial_epoch=1, verbose=0, callbacks=[record])

    class Stop(Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        m.fit(x, x[:, :1], epochs=1, batch_size=2, verbose=0, callbacks=[record, Stop()])
    assert ("on_train_end", {}) in record.seen
    assert "on_interrupt" in {name for name, _ in record.seen}
    assert all(isinstance(logs, dict) for _, logs in record.seen)


@pytest.mark.parametrize("hook", [h for h in HOOKS if h not in ("on_batch_begin",
                                                                  "on_batch_end")])
def test_callback_list_hands_out_a_dict_for_none(hook):
    record = Record()
    callbacks = CallbackList([record])
    args = (0,) if "batch" in hook or "epoch" in hook else ()
    getattr(callbacks, hook)(*args, None)
    assert record.seen == [(hook, {})]
