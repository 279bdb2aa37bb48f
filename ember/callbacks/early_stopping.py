"""`EarlyStopping`: stop training when a monitored value stops improving (Keras 3 semantics)."""

import warnings

import numpy as np

from ember.callbacks.base import Callback

_MAX_WORDS = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "psnr", "ssim",
              "true_positives", "true_negatives", "r2")


def infer_mode(monitor, mode, where):
    """"min" or "max" for `monitor` under `mode` ("auto" decides from the name).

    Losses and errors are minimised; accuracies, AUC, precision, recall (and similar
    scores) maximised. An auto mode that cannot tell raises, as Keras 3 does.
    """
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{where} mode {mode} is unknown, fallback to auto mode.", stacklevel=3)
        mode = "auto"
    if mode != "auto":
        return mode
    name = str(monitor).removeprefix("val_").lower()
    if name == "loss" or name.endswith("loss") or "error" in name or "crossentropy" in name \
            or name in ("mse", "mae", "mape", "msle", "rmse", "hinge", "squared_hinge", "kld",
                        "poisson", "logcosh", "log_cosh", "false_positives",
                        "false_negatives"):
        return "min"
    if any(word in name for word in _MAX_WORDS):
        return "max"
    raise ValueError(
        f"{where} callback received monitor={monitor} but ember isn't able to automatically "
        "determine whether that metric should be maximized or minimized. Pass `mode='max'` in "
        "order to do early stopping based on the highest metric value, or pass `mode='min'` "
        "in order to use the lowest value.")


class EarlyStopping(Callback):
    """Stop training when `monitor` has not improved for `patience` epochs.

    An epoch improves when `current - min_delta` beats the best value so far (below it in
    "min" mode, above it in "max" mode). With `baseline`, the patience counter restarts only
    when the value beats both the best and the baseline. With `restore_best_weights`, the
    weights of the best epoch are restored at the end of training, whether or not training
    stopped early (Keras 3 behaviour).

    Args:
        monitor: the log to watch. Defaults to "val_loss".
        min_delta: the least change that counts as an improvement (its sign is ignored).
            Defaults to 0.
        patience: the number of epochs without improvement before stopping. Defaults to 0.
        verbose: 1 prints a message when stopping or restoring. Defaults to 0.
        mode: "min", "max" or "auto" (from the name). Defaults to "auto".
        baseline: a value the monitor must beat. Defaults to None.
        restore_best_weights: restore the best epoch's weights at the end. Defaults to False.
        start_from_epoch: epochs to wait before monitoring starts. Defaults to 0.

    >>> es = EarlyStopping(monitor="loss", patience=1)
    >>> class Model:
    ...     stop_training = False
    >>> es.set_model(Model())
    >>> es.on_train_begin()
    >>> for epoch, loss in enumerate([1.0, 0.5, 0.6, 0.7]):
    ...     es.on_epoch_end(epoch, {"loss": loss})
    ...     if es.model.stop_training:
    ...         break
    >>> es.model.stop_training, es.stopped_epoch, es.best
    (True, 2, 0.5)
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        for name, value in (("patience", patience), ("start_from_epoch", start_from_epoch)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
                raise ValueError(f"EarlyStopping: `{name}` must be a non-negative integer; "
                                 f"received {name}={value!r}")
        self.monitor = monitor
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(float(min_delta))
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = int(start_from_epoch)
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"EarlyStopping mode {mode} is unknown, fallback to auto mode.",
                          stacklevel=2)
            mode = "auto"
        self.mode = mode
        self.monitor_op = None
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.best_weights = None

    def _set_monitor_op(self):
        mode = infer_mode(self.monitor, self.mode, "EarlyStopping")
        self.monitor_op = np.less if mode == "min" else np.greater
        self._sign = -1.0 if mode == "min" else 1.0

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.best_weights = None

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        return bool(self.monitor_op(value - self._sign * self.min_delta, reference))

    def get_monitor_value(self, logs):
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs or {})}",
                          stacklevel=3)
        return value

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        current = float(current)
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # restart the wait only when the value beats the baseline too
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_state(self):
        """The counters as JSON data, for `BackupAndRestore` (the best weights are not part
        of it: after a resume they are taken again from the next epoch)."""
        return {"wait": self.wait, "stopped_epoch": self.stopped_epoch, "best": self.best,
                "best_epoch": self.best_epoch}

    def set_state(self, state):
        self.wait = int(state["wait"])
        self.stopped_epoch = int(state["stopped_epoch"])
        self.best = None if state["best"] is None else float(state["best"])
        self.best_epoch = int(state["best_epoch"])
