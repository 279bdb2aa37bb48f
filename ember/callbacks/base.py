"""`Callback` and `CallbackList`: hooks called by `fit`, `evaluate` and `predict` (Keras' names).

A callback overrides the hooks it needs; `self.model` is the model being trained and
`self.params` holds `verbose`, `epochs` and `steps` (batches per epoch). A callback stops
training only by setting `self.model.stop_training = True`, which `fit` checks after each batch.

>>> import ember
>>> class CountBatches(ember.callbacks.Callback):
...     def on_train_begin(self, logs=None):
...         self.seen = 0
...     def on_train_batch_end(self, batch, logs=None):
...         self.seen += 1
>>> cb = CountBatches()
>>> cbs = ember.callbacks.CallbackList([cb], epochs=1, steps=3)
>>> cbs.on_train_begin()
>>> for step in range(3):
...     cbs.on_train_batch_end(step, {"loss": 0.5})
>>> cb.seen
3
"""

HOOKS = (
    "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
    "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
    "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
    "on_predict_batch_begin", "on_predict_batch_end", "on_batch_begin", "on_batch_end",
    "on_interrupt",
)


class Callback:
    """Base class of callbacks: every hook exists and does nothing.

    Hooks (Keras 3): `on_train_begin/end(logs)`, `on_epoch_begin/end(epoch, logs)`,
    `on_train_batch_begin/end(batch, logs)` (alias `on_batch_begin/end`),
    `on_test_begin/end(logs)`, `on_test_batch_begin/end(batch, logs)`,
    `on_predict_begin/end(logs)`, `on_predict_batch_begin/end(batch, logs)`, plus ember's
    `on_interrupt(logs)`, called when Ctrl-C stops `fit` (before `on_train_end`).

    `batch` is the index of the batch within the epoch; epoch-end logs hold `loss`, the
    metrics, `val_*` values when validating, and `learning_rate`.
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        """Store the run's parameters (`verbose`, `epochs`, `steps`)."""
        self.params = params

    def set_model(self, model):
        """Attach the model the callback acts on."""
        self._model = model

    @property
    def model(self):
        return self._model

    def get_state(self):
        """The callback's training state as JSON data (counters, best values, schedules), or
        None when it has none. `BackupAndRestore` saves it with each backup and hands it to
        `set_state` on resume, after `on_train_begin` has reset the callback, so a resumed run
        decides exactly as an uninterrupted one. (An ember extension; Keras has no such
        protocol.)

        >>> class Patience(Callback):
        ...     wait = 0
        ...     def get_state(self):
        ...         return {"wait": self.wait}
        ...     def set_state(self, state):
        ...         self.wait = int(state["wait"])
        >>> cb = Patience(); cb.set_state({"wait": 3}); cb.get_state()
        {'wait': 3}
        >>> Callback().get_state() is None
        True
        """
        return None

    def set_state(self, state):
        """Restore what `get_state` returned (see there)."""

    def on_batch_begin(self, batch, logs=None):
        """Legacy alias: called by `on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """Legacy alias: called by `on_train_batch_end`."""

    def on_epoch_begin(self, epoch, logs=None):
        """At the start of an epoch (0-based `epoch`)."""

    def on_epoch_end(self, epoch, logs=None):
        """At the end of an epoch; `logs` holds the epoch's results (may be changed)."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Before a batch of `evaluate` (also the validation inside `fit`)."""

    def on_test_batch_end(self, batch, logs=None):
        """After a batch of `evaluate`."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Before a batch of `predict`."""

    def on_predict_batch_end(self, batch, logs=None):
        """After a batch of `predict`."""

    def on_train_begin(self, logs=None):
        """At the start of `fit` (reset the callback's state here)."""

    def on_train_end(self, logs=None):
        """At the end of `fit`, also after an early stop or a Ctrl-C."""

    def on_test_begin(self, logs=None):
        """At the start of `evaluate` (or of the validation inside `fit`)."""

    def on_test_end(self, logs=None):
        """At the end of `evaluate`."""

    def on_predict_begin(self, logs=None):
        """At the start of `predict`."""

    def on_predict_end(self, logs=None):
        """At the end of `predict`."""

    def on_interrupt(self, logs=None):
        """When Ctrl-C stopped `fit` at a step boundary (ember's hook; `on_train_end`
        follows, then `fit` re-raises KeyboardInterrupt)."""


def _overrides(callback, names):
    """Whether `callback` overrides any of the hooks `names` (so calls can be skipped)."""
    cls = type(callback)
    for name in names:
        if name in vars(callback):  # set on the instance (LambdaCallback)
            return True
        impl = getattr(cls, name, None)
        if impl is not None and impl is not getattr(Callback, name):
            return True
    return False


_BATCH_HOOKS = {
    "train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}


class CallbackList:
    """A list of callbacks called as one, in order.

    Every hook hands its callbacks a dict, `{}` when the caller gave none (as Keras 3), and
    the same dict to each of them, so what one callback adds (ReduceLROnPlateau's
    `learning_rate`) the next ones (History) see.

    Args:
        callbacks: a list of Callback objects (or None).
        add_history: append a `History` unless the list has one. Defaults to False.
        add_progbar: append a `ProgbarLogger` unless the list has one. Defaults to False.
        model: the model to attach to every callback.
        **params: `verbose`, `epochs`, `steps`, passed to `set_params`.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        if callbacks is None:
            callbacks = []
        elif isinstance(callbacks, Callback):
            callbacks = [callbacks]
        elif not isinstance(callbacks, list | tuple):
            raise TypeError(f"callbacks: expected a list of Callback objects; received "
                            f"{type(callbacks).__name__}")
        self.callbacks = list(callbacks)
        for i, cb in enumerate(self.callbacks):
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks[{i}]: expected a Callback; received "
                                f"{type(cb).__name__}")
        self._add_default_callbacks(add_history, add_progbar)
        self.params = params
        self.model = None
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)
        self._batch_users = {}

    def _add_default_callbacks(self, add_history, add_progbar):
        from ember.callbacks.history import History  # noqa: PLC0415  (they import us)
        from ember.callbacks.progbar import ProgbarLogger  # noqa: PLC0415

        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def append(self, callback):
        self.callbacks.append(callback)
        self._batch_users = {}

    def set_params(self, params):
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def set_model(self, model):
        self.model = model
        for cb in self.callbacks:
            cb.set_model(model)

    def _users(self, mode):
        """The callbacks that override a batch hook of `mode` (the others are skipped, so an
        epoch of small batches pays nothing for callbacks that ignore batches)."""
        users = self._batch_users.get(mode)
        if users is None:
            users = [cb for cb in self.callbacks if _overrides(cb, _BATCH_HOOKS[mode])]
            self._batch_users[mode] = users
        return users

    def _call(self, name, *args):
        for cb in self.callbacks:
            getattr(cb, name)(*args)

    # --------------------------------------------------------------------------- batches
    def on_batch_begin(self, batch, logs=None):
        self.on_train_batch_begin(batch, logs)

    def on_batch_end(self, batch, logs=None):
        self.on_train_batch_end(batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        logs = {} if logs is None else logs
        for cb in self._users("train"):
            cb.on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        logs = {} if logs is None else logs
        for cb in self._users("train"):
            cb.on_train_batch_end(batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        logs = {} if logs is None else logs
        for cb in self._users("test"):
            cb.on_test_batch_begin(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        logs = {} if logs is None else logs
        for cb in self._users("test"):
            cb.on_test_batch_end(batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        logs = {} if logs is None else logs
        for cb in self._users("predict"):
            cb.on_predict_batch_begin(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        logs = {} if logs is None else logs
        for cb in self._users("predict"):
            cb.on_predict_batch_end(batch, logs)

    # --------------------------------------------------------------------------- epochs, runs
    def on_epoch_begin(self, epoch, logs=None):
        logs = {} if logs is None else logs
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        self._call("on_epoch_end", epoch, logs)

    def on_train_begin(self, logs=None):
        logs = {} if logs is None else logs
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        logs = {} if logs is None else logs
        self._call("on_train_end", logs)

    def on_test_begin(self, logs=None):
        logs = {} if logs is None else logs
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        logs = {} if logs is None else logs
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        logs = {} if logs is None else logs
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        logs = {} if logs is None else logs
        self._call("on_predict_end", logs)

    def on_interrupt(self, logs=None):
        logs = {} if logs is None else logs
        self._call("on_interrupt", logs)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)
