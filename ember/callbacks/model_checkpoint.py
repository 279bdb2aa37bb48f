"""`ModelCheckpoint`: save the model (or its weights) during training, as Keras does.

Differences from Keras, all on the side of safety: every file is written atomically (a crash
mid-save leaves the previous file, never a partial one); nothing is saved once `TerminateOnNaN`
has flagged a NaN, when the logged loss is not finite, or when a weight is not finite; and any
file name is accepted (ember writes its own zip format whatever the suffix; `.ember` and
`.weights.ember` are the conventions).
"""

import math
import os
import warnings

import numpy as np

from ember.callbacks.base import Callback

_MAX_WORDS = ("acc", "auc", "precision", "recall", "f1", "fmeasure", "iou", "r2")


def monitor_mode(monitor, mode):
    """"min" or "max" for `mode` ("auto" infers it from the name, as Keras does).

    >>> monitor_mode("val_accuracy", "auto"), monitor_mode("val_loss", "auto")
    ('max', 'min')
    """
    if mode != "auto":
        return mode
    name = monitor[4:] if monitor.startswith("val_") else monitor
    return "max" if any(w in name for w in _MAX_WORDS) and "loss" not in name else "min"


class ModelCheckpoint(Callback):
    """Save the model or its weights at the end of each epoch or every `save_freq` batches.

    Args:
        filepath: where to save; may hold `str.format` fields filled from the epoch (1-based),
            the batch (1-based, with an int `save_freq`) and the logs, e.g.
            `"ckpt/{epoch:02d}-{val_loss:.2f}.ember"`.
        monitor: the log to watch with `save_best_only`. Defaults to "val_loss".
        verbose: 0 silent, 1 prints Keras' messages. Defaults to 0.
        save_best_only: save only when `monitor` improves on the best value so far.
            Defaults to False.
        save_weights_only: save with `model.save_weights` instead of `model.save`.
            Defaults to False.
        mode: "min", "max" or "auto" (max for accuracy-like names, else min). Defaults to
            "auto".
        save_freq: "epoch", or an integer: save every this many batches. Defaults to "epoch".
        initial_value_threshold: the best value to beat at the start (with `save_best_only`).
            Defaults to None (the first value always counts as an improvement).

    >>> cb = ModelCheckpoint("ckpt/{epoch:02d}-{val_loss:.2f}.ember", save_best_only=True)
    >>> cb._file_path(0, None, {"val_loss": 0.123456})
    'ckpt/01-0.12.ember'
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__()
        if not isinstance(filepath, str | os.PathLike):
            raise TypeError(f"ModelCheckpoint: filepath must be a str or path; received "
                            f"{filepath!r}")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(
                save_freq, int) or save_freq < 1):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are "
                             "'epoch' or a positive integer (a number of batches)")
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"ModelCheckpoint mode {mode!r} is unknown, fallback to auto mode.",
                          stacklevel=2)
            mode = "auto"
        if initial_value_threshold is not None and not isinstance(
                initial_value_threshold, int | float | np.number):
            raise TypeError("ModelCheckpoint: initial_value_threshold must be a number or None; "
                            f"received {initial_value_threshold!r}")
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = int(verbose)
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.mode = monitor_mode(monitor, mode)
        self.save_freq = save_freq
        self.best = None if initial_value_threshold is None else float(initial_value_threshold)
        self._current_epoch = 0
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = -1

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        added = batch + 1 if batch <= self._last_batch_seen else batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def get_state(self):
        """The best value so far and the batch counter, as JSON data (`BackupAndRestore`
        restores them, so a resumed run does not save a worse model as the best)."""
        return {"best": self.best, "batches_since_saving": self._batches_seen_since_last_saving}

    def set_state(self, state):
        """Restore `get_state()`."""
        self.best = None if state.get("best") is None else float(state["best"])
        self._batches_seen_since_last_saving = int(state.get("batches_since_saving", 0))

    # ------------------------------------------------------------------ helpers
    def _file_path(self, epoch, batch, logs):
        fields = {k: v for k, v in (logs or {}).items() if k not in ("epoch", "batch")}
        fields["epoch"] = epoch + 1
        if batch is not None:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except (KeyError, IndexError) as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e!r} is not among the fields {sorted(fields)}") from None

    def _is_improvement(self, current):
        if self.best is None:
            return True
        return current < self.best if self.mode == "min" else current > self.best

    def _should_save(self, epoch, logs, filepath):
        if not self.save_best_only:
            self._print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available, skipping.",
                          stacklevel=3)
            return False
        current = float(np.asarray(current))
        best = "None" if self.best is None else f"{self.best:.5f}"
        if math.isfinite(current) and self._is_improvement(current):
            self._print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                        f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        self._print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _print(self, message):
        if self.verbose > 0:
            print(message)

    def _unsafe_to_save(self, logs):
        if getattr(self.model, "_nan_stopped", False):
            return "TerminateOnNaN flagged a NaN loss"
        loss = (logs or {}).get("loss")
        if loss is not None and not np.all(np.isfinite(np.asarray(loss, dtype=float))):
            return f"the loss is {loss}"
        for w in getattr(self.model, "weights", []):
            data = getattr(w, "data", w)
            if data.dtype.kind == "f" and not bool(np.isfinite(data).all()):
                return f"weight {getattr(w, 'name', '?')!r} holds NaN or inf"
        return None

    def _save(self, epoch, batch, logs):
        reason = self._unsafe_to_save(logs)
        if reason is not None:
            warnings.warn(f"ModelCheckpoint: not saving at epoch {epoch + 1}: {reason}",
                          stacklevel=3)
            return
        filepath = self._file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if os.path.isdir(filepath):
            raise OSError("Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}")
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
