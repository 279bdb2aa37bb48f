"""`LearningRateScheduler`: set the learning rate at the start of each epoch from a function."""

import inspect

import numpy as np

from ember.callbacks.base import Callback


def _arity(fn):
    """How many positional arguments `fn` takes (None if it cannot be told)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return 2
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
               for p in params)


class LearningRateScheduler(Callback):
    """Call `schedule(epoch, lr)` at the start of each epoch and set the optimizer's learning
    rate to its result (Keras 3). A one-argument `schedule(epoch)` is accepted too (the old
    API). Adds `learning_rate` to the epoch logs.

    Args:
        schedule: a function of the epoch index (0-based) and the current learning rate,
            returning the new learning rate (a number).
        verbose: 1 prints each update. Defaults to 0.

    >>> from ember.optimizers import SGD
    >>> class Model:
    ...     optimizer = SGD(learning_rate=1.0)
    >>> cb = LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch > 0 else lr)
    >>> cb.set_model(Model())
    >>> for epoch in range(3):
    ...     cb.on_epoch_begin(epoch)
    >>> float(Model.optimizer.learning_rate)
    0.25
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: `schedule` must be a function "
                            f"schedule(epoch, lr); received {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        if _arity(self.schedule) == 1:
            lr = self.schedule(epoch)
        else:
            lr = self.schedule(epoch, float(optimizer.learning_rate))
        if isinstance(lr, bool) or not isinstance(lr, int | float | np.integer | np.floating) \
                or not np.isfinite(lr):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: "
                             f"{lr!r}")
        optimizer.learning_rate = float(lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{float(lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
