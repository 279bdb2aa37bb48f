"""`ReduceLROnPlateau`: lower the learning rate when a monitored value stops improving."""

import warnings

import numpy as np

from ember.callbacks.base import Callback


class ReduceLROnPlateau(Callback):
    """Multiply the optimizer's learning rate by `factor` after `patience` epochs without
    improvement of `monitor`, never below `min_lr`; then wait `cooldown` epochs before
    counting again (Keras 3 semantics). Puts the learning rate used during the epoch in
    the epoch logs as `learning_rate`.

    Improvement means `current < best - min_delta` ("min") or `current > best + min_delta`
    ("max"); "auto" is "max" when the name contains "acc", else "min" (as Keras).

    Args:
        monitor: the log to watch. Defaults to "val_loss".
        factor: the multiplier, < 1. Defaults to 0.1.
        patience: epochs without improvement before reducing. Defaults to 10.
        verbose: 1 prints each reduction. Defaults to 0.
        mode: "auto", "min" or "max". Defaults to "auto".
        min_delta: the threshold for an improvement. Defaults to 1e-4.
        cooldown: epochs to wait after a reduction before resuming normal operation.
            Defaults to 0.
        min_lr: the lower bound on the learning rate. Defaults to 0.

    >>> from ember.optimizers import SGD
    >>> class Model:
    ...     optimizer = SGD(learning_rate=1.0)
    >>> cb = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
    >>> cb.set_model(Model())
    >>> cb.on_train_begin()
    >>> for epoch, loss in enumerate([1.0, 1.0, 1.0]):
    ...     cb.on_epoch_end(epoch, {"loss": loss})
    >>> float(Model.optimizer.learning_rate)
    0.25
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if "epsilon" in kwargs:  # tf.keras' old name
            min_delta = kwargs.pop("epsilon")
            warnings.warn("`epsilon` argument is deprecated and will be removed, use "
                          "`min_delta` instead.", stacklevel=2)
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: unexpected keyword argument(s) {sorted(kwargs)}")
        if float(factor) >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Received factor={factor}")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
                raise ValueError(f"ReduceLROnPlateau: `{name}` must be a non-negative integer; "
                                 f"received {name}={value!r}")
        if float(min_lr) < 0:
            raise ValueError(f"ReduceLROnPlateau: `min_lr` must be >= 0; received "
                             f"min_lr={min_lr!r}")
        self.monitor = monitor
        self.factor = float(factor)
        self.min_lr = float(min_lr)
        self.min_delta = float(min_delta)
        self.patience = int(patience)
        self.verbose = verbose
        self.cooldown = int(cooldown)
        self.mode = mode
        self._reset()

    def _reset(self):
        if self.mode not in ("auto", "min", "max"):
            warnings.warn(f"Learning rate reduction mode {self.mode} is unknown, fallback to "
                          "auto mode.", stacklevel=3)
            self.mode = "auto"
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: a < b - self.min_delta
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: a > b + self.min_delta
            self.best = -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          f"which is not available. Available metrics are: {','.join(logs)}.",
                          stacklevel=3)
            return
        current = float(current)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(optimizer.learning_rate)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                              f"to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def get_state(self):
        """The counters as JSON data (for `BackupAndRestore`)."""
        best = None if not np.isfinite(self.best) else float(self.best)
        return {"wait": self.wait, "cooldown_counter": self.cooldown_counter, "best": best}

    def set_state(self, state):
        self.wait = int(state["wait"])
        self.cooldown_counter = int(state["cooldown_counter"])
        if state["best"] is not None:
            self.best = float(state["best"])
