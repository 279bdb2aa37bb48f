"""`LambdaCallback`: a callback made of plain functions."""

from ember.callbacks.base import HOOKS, Callback


class LambdaCallback(Callback):
    """Build a callback from functions, one per hook (Keras 3).

    Epoch hooks take `(epoch, logs)`, batch hooks `(batch, logs)`, the others `(logs)`.
    Any hook name (`on_test_begin`, `on_predict_batch_end`, `on_batch_end`, ...) may be
    passed as a keyword argument.

    Args:
        on_epoch_begin, on_epoch_end, on_train_begin, on_train_end, on_train_batch_begin,
        on_train_batch_end: functions, or None.
        **kwargs: functions for the other hooks.

    >>> seen = []
    >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append((epoch, logs["loss"])))
    >>> cb.on_epoch_end(0, {"loss": 0.5})
    >>> seen
    [(0, 0.5)]
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end, **kwargs}
        for name, fn in hooks.items():
            if name not in HOOKS:
                raise TypeError(f"LambdaCallback: unknown hook {name!r}; expected one of "
                                f"{sorted(HOOKS)}")
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: `{name}` must be a function; received {fn!r}")
            setattr(self, name, fn)
