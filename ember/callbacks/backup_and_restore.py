"""`BackupAndRestore`: resume an interrupted `fit` exactly where the last backup left it.

A backup holds everything the rest of the run depends on: the weights; the optimizer's slots,
iteration count and learning rate; the epoch and the step within it; the state of the
shuffling generator at the start of that epoch (so the same permutation is drawn again), of
ember's global generator, of every layer's `generator` (dropout) and `SeedGenerator`s, of
Python's `random` and NumPy's legacy global state; the running means of the loss and metrics
over the steps already done in the epoch (so a resumed epoch logs what an uninterrupted one
would); the state of the
other callbacks (`Callback.get_state()` / `set_state()`: patience counters, best values); and
fingerprints of the model and its compile config. Resuming with a
different model or different compile arguments raises instead of silently mixing two runs.

Each backup is written atomically, manifest last, as `latest.ember-ckpt`; with
`double_checkpoint` the one before is kept as `previous.ember-ckpt`, and a damaged latest
(truncated, corrupt) falls back to it with a warning. The backups are deleted when `fit`
completes, unless `delete_checkpoint=False` or training stopped on a NaN.
"""

import contextlib
import json
import os
import random
import warnings

import numpy as np

from ember.callbacks.base import Callback
from ember.saving.api import OPTIMIZER, WEIGHTS, restore_optimizer
from ember.saving.atomic import cleanup_temp_files, fsync_directory
from ember.saving.errors import FileFormatError
from ember.saving.format import read_container, write_container
from ember.saving.tensor_codec import decode_tensors, parse_json, write_tensors
from ember.saving.training_state import (
    check_seed_states,
    encode_rng_state,
    fingerprints,
    layer_generators,
    metric_states,
    numpy_legacy_state,
    python_random_state,
    restore_generator,
    restore_metric_states,
    restore_numpy_legacy,
    restore_python_random,
    restore_seed_states,
    seed_generator_states,
)
from ember.saving.weights import assign_weights, weight_arrays
from ember.utils import random as _random

LATEST, PREVIOUS = "latest.ember-ckpt", "previous.ember-ckpt"
_STATE = "training_state.json"
_BIT_GENERATORS = {"PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"}  # NumPy's own, by name


class BackupAndRestore(Callback):
    """Back up the training state so an interrupted `fit` resumes exactly.

    Call `fit` again with the same callback (same `backup_dir`) after an interruption: it
    restores the last backup and continues from that epoch and step; the final weights are
    bitwise equal to an uninterrupted run's (same machine, same versions, same seed).

    Args:
        backup_dir: the folder for the backups (created if needed; use one per run).
        save_freq: "epoch" (back up at every epoch boundary, and before the first epoch) or
            an integer: also back up every this many batches. Defaults to "epoch".
        double_checkpoint: keep the previous backup as a fallback. Defaults to True (Keras
            defaults to False; ember keeps two generations so one damaged file loses nothing).
        delete_checkpoint: delete the backups when `fit` completes. Defaults to True.

    >>> import os, tempfile
    >>> import numpy as np
    >>> from ember.layers import Dense, Input
    >>> from ember.models import Sequential
    >>> model = Sequential([Input(shape=(2,)), Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> backup = BackupAndRestore(os.path.join(tempfile.mkdtemp(), "run1"), save_freq=2)
    >>> x, y = np.ones((8, 2), "float32"), np.ones((8, 1), "float32")
    >>> _ = model.fit(x, y, batch_size=2, epochs=2, verbose=0, callbacks=[backup])
    >>> os.path.exists(backup.backup_dir)  # a crash would have left it; fit again resumes
    False
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=True,
                 delete_checkpoint=True):
        super().__init__()
        if not isinstance(backup_dir, str | os.PathLike) or not os.fspath(backup_dir):
            raise ValueError(f"BackupAndRestore: backup_dir must be a non-empty path; received "
                             f"{backup_dir!r}")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(
                save_freq, int) or save_freq < 1):
            raise ValueError(f"Invalid value for argument `save_freq`. Expected 'epoch' or a "
                             f"positive integer. Received: save_freq={save_freq!r}")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = bool(double_checkpoint)
        self.delete_checkpoint = bool(delete_checkpoint)
        self._latest = os.path.join(self.backup_dir, LATEST)
        self._previous = os.path.join(self.backup_dir, PREVIOUS)
        self._current_epoch = 0
        self._batches_since_save = 0
        self._finished = False
        self._pending_callback_states = None
        self._pending_metric_states = None
        self._last_step = None
        self._resumed = False

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs=None):
        self._finished = False
        self._batches_since_save = 0
        self._last_step = None
        self._pending_callback_states = None
        self._pending_metric_states = None
        self._resumed = False
        self.model.__dict__.pop("_interrupted_at", None)  # only a clean stop in this fit sets it
        found = self._load_backup()
        if found is not None:
            self._restore(*found)
            self._resumed = True

    def on_epoch_begin(self, epoch, logs=None):
        """Back up the start of every epoch. Here, not at the end of the previous one: every
        callback has finished that epoch (EarlyStopping's counters are current) and `fit` has
        not drawn this epoch's permutation yet. The first epoch's backup makes even a stop in
        the first epoch resume exactly."""
        self._current_epoch = epoch
        if self._pending_callback_states is not None:
            # now, not in on_train_begin: the other callbacks reset themselves there
            self._restore_callback_states(self._pending_callback_states)
            self._pending_callback_states = None
        if self._pending_metric_states is not None:
            # fit reset the metrics just before this hook: the resumed epoch's running means
            # start from the steps already done, as in the uninterrupted run
            restore_metric_states(self.model, self._pending_metric_states, self._latest)
            self._pending_metric_states = None
        if self._resumed:
            self._resumed = False  # the point just restored needs no new backup
        else:
            self._save_epoch_start(epoch)

    def on_train_batch_end(self, batch, logs=None):
        steps = (self.params or {}).get("steps")
        last = batch + 1 == steps  # the next epoch's start is backed up instead
        self._last_step = None if last else (self._current_epoch, batch + 1,
                                             _iterations(self.model), dict(logs or {}))
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq and not last:
            self._batches_since_save = 0
            self._save(self._current_epoch, batch + 1,
                       getattr(self.model, "_epoch_rng_state", None), logs)

    def on_interrupt(self, logs=None):
        """Ctrl-C stopped `fit` after a complete step: back that step up too, so nothing is
        lost. Skipped when the stop was not at a step this callback saw complete."""
        if self._last_step is None:
            return
        epoch, step, iterations, step_logs = self._last_step
        if (getattr(self.model, "_interrupted_at", None) == (epoch, step)
                and _iterations(self.model) == iterations):
            self._save(epoch, step, getattr(self.model, "_epoch_rng_state", None), step_logs)

    def on_epoch_end(self, epoch, logs=None):
        epochs = (self.params or {}).get("epochs")
        if getattr(self.model, "stop_training", False) or epochs is None or epoch + 1 >= epochs:
            self._finished = True

    def on_train_end(self, logs=None):
        if not self._finished or getattr(self.model, "_nan_stopped", False):
            return  # interrupted, or stopped on a NaN: keep the last good backup
        if self.delete_checkpoint:
            self.delete_backups()
        else:  # record the completed run: fit with this callback again has nothing left to do
            self._save_epoch_start(self._current_epoch + 1)

    def _save_epoch_start(self, epoch):
        model = self.model
        variables = list(getattr(model, "trainable_variables", []))
        if not getattr(model, "built", False) or not getattr(model, "weights", None):
            return  # a subclassed model builds on its first batch: back up from then on
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and not optimizer.built and variables:
            optimizer.build(variables)  # what its first step would do; now its slots exist
        fit_rng = getattr(model, "_fit_rng", None)
        self._save(epoch, 0, None if fit_rng is None else fit_rng.bit_generator.state, None)

    # ------------------------------------------------------------------ files
    def delete_backups(self):
        """Remove this callback's backup files, and `backup_dir` if that leaves it empty."""
        for path in (self._latest, self._previous):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
            cleanup_temp_files(path)
        with contextlib.suppress(OSError):
            os.rmdir(self.backup_dir)

    def _save(self, epoch, step, fit_rng_state, logs):
        model = self.model
        if getattr(model, "_nan_stopped", False) or not _finite(logs, model):
            warnings.warn(f"BackupAndRestore: not backing up epoch {epoch}, step {step}: the "
                          "loss or the weights are not finite", stacklevel=3)
            return
        state = {
            "epoch": int(epoch), "step": int(step),
            "fit_rng_state": None if fit_rng_state is None else encode_rng_state(fit_rng_state),
            "global_rng_state": encode_rng_state(_random._global["rng"].bit_generator.state),
            "layer_rng_states": {p: encode_rng_state(g.bit_generator.state)
                                 for p, g in layer_generators(model).items()},
            "seed_generator_states": {k: v.data.tolist()
                                      for k, v in seed_generator_states(model).items()},
            "python_random_state": python_random_state(),
            "numpy_legacy_state": numpy_legacy_state(),
            "callbacks": self._callback_states(),
            # the running loss and metric means of the steps done in this epoch
            "metrics": metric_states(model) if step else {},
            "fingerprints": fingerprints(model),
            "steps_per_epoch": (self.params or {}).get("steps"),
        }
        members = {_STATE: json.dumps(state, allow_nan=False).encode(),
                   WEIGHTS: _writer(weight_arrays(model))}
        optimizer = getattr(model, "optimizer", None)
        if getattr(optimizer, "built", False):
            members[OPTIMIZER] = _writer(optimizer.get_state())
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._latest):
            os.replace(self._latest, self._previous)
            fsync_directory(self.backup_dir)
        write_container(self._latest, "ember.checkpoint", members)

    def _load_backup(self):
        """The newest intact backup as (path, state, weights, optimizer state), or None."""
        for path in (self._latest, self._previous):
            if not os.path.exists(path):
                continue
            try:
                container = read_container(path, accept=("ember.checkpoint",))
                members = container.members
                state = parse_json(members[_STATE], path, _STATE)
                _check_state(state, path)
                _check_random_states(state, path)  # before anything is changed
                check_seed_states(state.get("seed_generator_states", {}), path)
                weights = decode_tensors(members[WEIGHTS], f"{path} ({WEIGHTS})")
                opt = (decode_tensors(members[OPTIMIZER], f"{path} ({OPTIMIZER})")
                       if OPTIMIZER in members else None)
            except FileFormatError as e:
                warnings.warn(f"BackupAndRestore: ignoring a damaged backup: {e}", stacklevel=3)
                continue
            if path == self._previous and os.path.exists(self._latest):
                os.remove(self._latest)  # damaged: do not rotate it over the good one
            return path, state, weights, opt
        return None

    # ------------------------------------------------------------------ restore
    def _restore(self, path, state, weights, opt_state):
        model = self.model
        self._check_compatible(path, state)
        assign_weights(model, weights, path)
        if opt_state is not None:
            restore_optimizer(model, opt_state, path)
        restore_generator(_random._global["rng"], state["global_rng_state"], path)
        generators = layer_generators(model)
        for layer_path, data in state["layer_rng_states"].items():
            if layer_path in generators:
                restore_generator(generators[layer_path], data, path)
        restore_seed_states(model, state.get("seed_generator_states", {}), path)
        restore_python_random(state["python_random_state"], path)
        restore_numpy_legacy(state["numpy_legacy_state"], path)
        self._pending_callback_states = state["callbacks"]
        self._pending_metric_states = state.get("metrics") or None
        model._initial_epoch = state["epoch"]
        model._initial_step = state["step"]
        model._resume_rng_state = None
        if state["fit_rng_state"] is not None:
            fit_rng = getattr(model, "_fit_rng", None)
            if fit_rng is None:
                fit_rng = model._fit_rng = np.random.default_rng()
            restore_generator(fit_rng, state["fit_rng_state"], path)  # NumPy validates it
            model._resume_rng_state = fit_rng.bit_generator.state

    def _check_compatible(self, path, state):
        now = fingerprints(self.model)
        saved = state["fingerprints"]
        what = [name for name in ("model", "compile") if saved.get(name) != now[name]]
        steps = (self.params or {}).get("steps")
        if state["step"] and state["steps_per_epoch"] not in (None, steps):
            what.append(f"the number of steps per epoch ({state['steps_per_epoch']} then, "
                        f"{steps} now)")
        if what:
            labels = {"model": "the model architecture",
                      "compile": "the compile arguments (optimizer, loss or metrics)"}
            raise ValueError(
                f"BackupAndRestore: the backup {path!r} was written by a different run: "
                f"{', '.join(labels.get(w, w) for w in what)} changed. Resuming would silently "
                f"mix two runs. Restore the original setup, or delete {self.backup_dir!r} (or "
                "use a new backup_dir) to start afresh")

    def _other_callbacks(self):
        found = getattr(self.model, "_callbacks", None)
        found = getattr(found, "callbacks", found)
        return [c for c in (found or []) if c is not self]

    def _callback_states(self):
        out = {}
        for i, cb in enumerate(self._other_callbacks()):
            getter = getattr(cb, "get_state", None)
            if callable(getter) and callable(getattr(cb, "set_state", None)):
                data = getter()
                if data is not None:
                    out[f"{i}:{type(cb).__name__}"] = _finite_data(encode_rng_state(data))
        return out

    def _restore_callback_states(self, states):
        for i, cb in enumerate(self._other_callbacks()):
            data = states.get(f"{i}:{type(cb).__name__}")
            if data is not None and callable(getattr(cb, "set_state", None)):
                cb.set_state(data)


def _check_random_states(state, path):
    """Apply every saved RNG state to a throwaway generator first: NumPy and `random`
    validate them, so a bad state is refused before the model is touched."""
    states = [state["global_rng_state"], *state["layer_rng_states"].values()]
    if state.get("fit_rng_state") is not None:
        states.append(state["fit_rng_state"])
    for data in states:
        kind = data.get("bit_generator") if isinstance(data, dict) else None
        bit_generator = getattr(np.random, kind, None) if kind in _BIT_GENERATORS else None
        if bit_generator is None:
            raise FileFormatError(path, f"{_STATE}: unknown bit generator {str(kind)[:50]!r}; "
                                        f"expected one of {sorted(_BIT_GENERATORS)}")
        restore_generator(np.random.Generator(bit_generator()), data, path)
    saved_random = random.getstate()
    try:
        restore_python_random(state["python_random_state"], path)
    finally:
        random.setstate(saved_random)
    restore_numpy_legacy(state["numpy_legacy_state"], path, np.random.RandomState())


def _finite_data(value):
    """JSON data with non-finite floats as None (the strict reader refuses NaN/Infinity)."""
    if isinstance(value, dict):
        return {k: _finite_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_data(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _iterations(model):
    iterations = getattr(getattr(model, "optimizer", None), "iterations", None)
    return None if iterations is None else int(np.asarray(getattr(iterations, "data",
                                                                  iterations)))


def _writer(arrays):
    return lambda stream: write_tensors(stream, arrays)


def _finite(logs, model):
    loss = (logs or {}).get("loss")
    if loss is not None and not np.all(np.isfinite(np.asarray(loss, dtype=float))):
        return False
    return all(np.isfinite(w.data).all() for w in getattr(model, "weights", [])
               if w.dtype.kind == "f")


def _check_state(state, path):
    types = {"epoch": int, "step": int, "global_rng_state": dict, "layer_rng_states": dict,
             "python_random_state": list, "numpy_legacy_state": dict, "callbacks": dict,
             "fingerprints": dict}
    if not isinstance(state, dict):
        raise FileFormatError(path, f"{_STATE} must be a JSON object")
    for key, kind in types.items():
        if not isinstance(state.get(key), kind) or isinstance(state.get(key), bool):
            raise FileFormatError(path, f"{_STATE}: {key!r} must be a {kind.__name__}; "
                                        f"received {str(state.get(key))[:80]}")
    if state["epoch"] < 0 or state["step"] < 0:
        raise FileFormatError(path, f"{_STATE}: epoch and step must be >= 0; received "
                                    f"{state['epoch']}, {state['step']}")
    metrics = state.get("metrics", {})
    if not isinstance(metrics, dict) or not all(isinstance(v, list) for v in metrics.values()):
        raise FileFormatError(path, f"{_STATE}: metrics must be an object of lists")
    if not (state.get("fit_rng_state") is None or isinstance(state["fit_rng_state"], dict)):
        raise FileFormatError(path, f"{_STATE}: fit_rng_state must be an object or null")
