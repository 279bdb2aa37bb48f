"""What `fit` does differently under `DataParallel` (one call, `prepare_fit`, from the trainer).

- The training and validation data are sharded: each rank takes its rows of every global
  batch (`DataParallel.shard_batch`); arrays are gathered only for this rank's rows.
- The callbacks are wrapped: on ranks other than 0 the progress bar and every callback that
  writes files (ModelCheckpoint, BackupAndRestore, CSVLogger, TensorBoard) are left out; the
  logs each callback sees are made global first (metric states summed over the ranks), so
  EarlyStopping, ReduceLROnPlateau and TerminateOnNaN decide alike everywhere; a stop asked
  for on any rank stops every rank at the same step.
- When training begins, the ranks compare their models and data (a mismatch is an error on
  every rank, before any step), rank 0's weights are broadcast, then (after BackupAndRestore
  has restored rank 0) rank 0's optimizer state, resume point and shuffling state are copied
  to every rank; ranks other than 0 then move their dropout generators to streams of
  their own (rank 0 keeps its, so a run matches one process where no dropout is involved).
"""

import copy
import time

import numpy as np

from ember.callbacks.base import CallbackList

_RANK0_ONLY = ("ProgbarLogger", "ModelCheckpoint", "BackupAndRestore", "CSVLogger",
               "TensorBoard")


def _rank0_only(callback):
    return any(c.__name__ in _RANK0_ONLY for c in type(callback).__mro__)


class _ShardedData:
    """`data` (ArrayData or IterableData) whose batches are this rank's rows."""

    def __init__(self, data, dist):
        self._data, self._dist = data, dist
        self.num_samples = getattr(data, "num_samples", None)
        take = getattr(data, "take", None)
        if take is not None and hasattr(data, "x_arrays"):  # ArrayData: gather own rows only
            local = copy.copy(data)
            local.take = self._take_local
            self._inner, self._take = local, take
        else:
            self._inner, self._take = data, None

    def __getattr__(self, name):
        return getattr(self._data, name)

    def num_batches(self, batch_size):
        return self._data.num_batches(batch_size)

    def _take_local(self, index):
        if isinstance(index, slice):
            start, stop, _ = index.indices(self._data.num_samples)
            part = self._dist.local_range(stop - start)
            if part is None:
                return None
            return self._take(slice(start + part[0], start + part[1]))
        part = self._dist.local_range(len(index))
        if part is None:
            return None
        return self._take(index[part[0]:part[1]])

    def batches(self, batch_size=None, shuffle=False, rng=None, skip=0, steps=None):
        for step, batch in self._inner.batches(batch_size, shuffle, rng, skip, steps):
            if self._take is None:
                batch = self._dist.shard_batch(batch)
            if batch is not None:
                yield step, batch


class DistributedCallbackList(CallbackList):
    """The callbacks of one rank, seeing global logs (see the module docstring)."""

    def __init__(self, inner, dist, model, data, batch_size):
        self.__dict__.update(inner.__dict__)
        keep = dist.is_chief
        self.callbacks = [c for c in inner.callbacks if keep or not _rank0_only(c)]
        if not keep and getattr(self, "_progbar", None) is not None:
            self._progbar = None
        self._batch_users = {}
        self._dist, self._model = dist, model
        self._fingerprint = _fingerprint(model, data, batch_size)
        self._weight_count = None

    # ------------------------------------------------------------------ start
    def on_train_begin(self, logs=None):
        dist, model = self._dist, self._model
        _check_same(dist, self._fingerprint)
        dist.broadcast_variables(model.weights)
        super().on_train_begin(logs)  # rank 0's BackupAndRestore restores here
        self._sync_resume()
        _decorrelate_generators(model, dist.process_id)
        self._weight_count = len(model.weights)

    def on_train_end(self, logs=None):
        self._dist.share = 1.0 / self._dist.num_processes  # for optimizer.apply outside fit
        super().on_train_end(logs)

    def _sync_resume(self):
        dist, model = self._dist, self._model
        optimizer = model.optimizer
        state = {
            "epoch": getattr(model, "_initial_epoch", None),
            "step": int(getattr(model, "_initial_step", 0) or 0),
            "resume_rng": getattr(model, "_resume_rng_state", None),
            "fit_rng": model._fit_rng.bit_generator.state if getattr(
                model, "_fit_rng", None) is not None else None,
            "optimizer_built": bool(getattr(optimizer, "built", False)),
        }
        state = dist.broadcast_json(_jsonable(state))
        model._initial_epoch = state["epoch"]
        model._initial_step = state["step"]
        model._resume_rng_state = state["resume_rng"]
        if state["fit_rng"] is not None and getattr(model, "_fit_rng", None) is not None:
            model._fit_rng.bit_generator.state = state["fit_rng"]
        dist.broadcast_variables(model.weights)
        if state["optimizer_built"]:
            if not optimizer.built:
                optimizer.build(model.trainable_variables)
            dist.broadcast_variables(optimizer.variables)

    # ------------------------------------------------------------------ steps
    def on_train_batch_end(self, batch, logs=None):
        start = time.perf_counter()
        if logs is not None:
            self._dist.reduce_logs(self._model, logs, average_weights=True)
        if self._weight_count is not None:
            if len(self._model.weights) != self._weight_count:
                # built by its first step (a subclassed model): its fresh weights are rank
                # 0's from now on, like those of a model built before fit
                self._dist.broadcast_variables(self._model.weights)
            self._weight_count = None
        middle = time.perf_counter()
        super().on_train_batch_end(batch, logs)
        end = time.perf_counter()
        self._sync_stop()
        self._dist.timings["sync_s"] += (middle - start) + (time.perf_counter() - end)

    def on_test_batch_end(self, batch, logs=None):
        if logs is not None:
            self._dist.reduce_logs(self._model, logs)
        super().on_test_batch_end(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        self._sync_stop()

    def _sync_stop(self):
        model = self._model
        if self._dist.any(bool(model.stop_training)):
            model.stop_training = True


def _decorrelate_generators(model, rank):
    """Give ranks other than 0 their own streams for dropout and other random layers (seeded
    alike, every rank would drop the same units of its rows); rank 0 keeps its stream."""
    if rank == 0:
        return
    from ember.saving.training_state import layer_generators  # noqa: PLC0415  (heavy)
    from ember.utils.random import global_generator  # noqa: PLC0415

    seen = set()
    for gen in [global_generator(), *layer_generators(model).values()]:
        if id(gen) in seen:
            continue
        seen.add(id(gen))
        seed = int(gen.integers(2**63))
        fresh = type(gen.bit_generator)(np.random.SeedSequence([seed, rank]))
        gen.bit_generator.state = fresh.state


def prepare_fit(model, dist, data, val_data, callbacks, batch_size):
    """`(data, val_data, callbacks)` for this rank (unchanged with one rank)."""
    if dist is None or dist.num_processes == 1:
        return data, val_data, callbacks
    size = dist.num_processes
    if data.num_samples is not None and batch_size is not None and batch_size < size:
        raise ValueError(f"fit: with DataParallel over {size} ranks, `batch_size` (the global "
                         f"batch) must be at least {size}; received batch_size={batch_size}")
    callbacks = DistributedCallbackList(callbacks, dist, model, data, batch_size)
    if dist.auto_shard_dataset:
        data = _ShardedData(data, dist)
        if val_data is not None:
            val_data = _ShardedData(val_data, dist)
    return data, val_data, callbacks


def _fingerprint(model, data, batch_size):
    return {
        "weights": [[list(w.shape), str(w.data.dtype)] for w in model.weights],
        "layers": [type(layer).__name__ for layer in getattr(model, "layers", [])],
        "optimizer": type(model.optimizer).__name__,
        "samples": getattr(data, "num_samples", None),
        "batches": data.num_batches(batch_size),
        "batch_size": batch_size,
    }


def _check_same(dist, fingerprint):
    gathered = dist.comm.allgather_json(fingerprint, "start-of-fit check")
    first = gathered[0]
    for rank, other in enumerate(gathered[1:], start=1):
        diff = [k for k in first if first[k] != other.get(k)]
        if diff:
            what = "; ".join(f"{k}: rank 0 has {_short(first[k])}, rank {rank} has "
                             f"{_short(other.get(k))}" for k in diff)
            raise ValueError(f"ember.distribution: the ranks differ before training ({what}). "
                             "Every rank must build the same model and load the same data.")


def _short(value):
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value
