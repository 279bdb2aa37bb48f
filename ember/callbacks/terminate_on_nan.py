"""`TerminateOnNaN`: stop training as soon as the loss is NaN or infinite."""

import math

from ember.callbacks.base import Callback


class TerminateOnNaN(Callback):
    """Stop training when a batch's loss is NaN or Inf (Keras 3).

    By default training stops at that step boundary through `model.stop_training`, so
    `on_train_end` still runs; the model is also marked `model._nan_stopped = True`, which
    tells checkpointing callbacks not to save the (now non-finite) weights over a good file.

    Args:
        raise_error: raise a RuntimeError at once instead (skipping the end-of-training
            hooks). Defaults to False.

    >>> class Model:
    ...     stop_training = False
    >>> cb = TerminateOnNaN()
    >>> cb.set_model(Model())
    >>> cb.on_batch_end(3, {"loss": float("nan")})
    Batch 3: Invalid loss, terminating training
    >>> cb.model.stop_training, cb.model._nan_stopped
    (True, True)
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = bool(raise_error)

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = float(loss)
        if math.isnan(loss) or math.isinf(loss):
            self.model._nan_stopped = True
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Stopping "
                                   "training immediately.")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
