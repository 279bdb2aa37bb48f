"""Keras 3's `PyDataset` (and its old name `Sequence`): data that knows its batches by index.

Subclass it with `__getitem__(i)` (batch `i`, as `x`, `(x, y)` or `(x, y, sample_weight)`)
and `__len__` (the number of batches; or a `num_batches` property returning None for an
infinite dataset); `on_epoch_begin` / `on_epoch_end` run around each epoch of `fit`. Unlike a
generator, it can be iterated any number of times, and `fit(shuffle=True)` shuffles the order
of its batches.

`workers`, `use_multiprocessing` and `max_queue_size` (constructor arguments, as Keras) set
how `fit`, `evaluate` and `predict` read it: with `workers > 1` batches are produced by that
many threads, with `use_multiprocessing=True` by that many forked processes (the dataset is
inherited by the children, not pickled; batches come back through a pipe), at most
`max_queue_size` batches ahead, and always delivered in order. Iterating it directly
(`for batch in ds`) uses no parallelism, as in Keras.

>>> import numpy as np
>>> class Squares(PyDataset):
...     def __len__(self):
...         return 2
...     def __getitem__(self, i):
...         x = np.arange(3.0) + 3 * i
...         return x, x ** 2
>>> [y.tolist() for _, y in Squares()]
[[0.0, 1.0, 4.0], [9.0, 16.0, 25.0]]
"""

import concurrent.futures
import itertools
import multiprocessing
import warnings
from collections import deque


class PyDataset:
    """Base class of batch-indexed datasets (see the module docstring).

    Args:
        workers: threads (or processes) producing batches in `fit`/`evaluate`/`predict`.
            Defaults to 1 (in the calling thread).
        use_multiprocessing: produce batches in forked processes (for CPU-bound Python
            code). Defaults to False.
        max_queue_size: batches produced ahead at most. Defaults to 10.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        missing = False
        for name, default in (("_workers", 1), ("_use_multiprocessing", False),
                              ("_max_queue_size", 10)):
            if not hasattr(self, name):
                setattr(self, name, default)
                missing = True
        if missing:
            warnings.warn("Your `PyDataset` class should call `super().__init__(**kwargs)` in "
                          "its constructor. `**kwargs` can include `workers`, "
                          "`use_multiprocessing`, `max_queue_size`. Do not pass these "
                          "arguments to `fit()`, as they will be ignored.", stacklevel=3)

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index)")

    @property
    def num_batches(self):
        """The number of batches (`len(self)`), or None for an infinite dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(f"{type(self).__name__} must implement __len__() or the "
                                  "`num_batches` property (None when infinite)")

    def on_epoch_begin(self):
        """Called at the start of every epoch of `fit`."""

    def on_epoch_end(self):
        """Called at the end of every epoch of `fit` (e.g. to reshuffle)."""

    def __iter__(self):
        n = self.num_batches
        for i in range(n) if n is not None else itertools.count():
            yield self[i]


Sequence = PyDataset


# The dataset a forked worker reads (set by the pool's initializer, inherited by fork).
_WORKER_DATASET = None


def _init_worker(dataset):
    global _WORKER_DATASET  # noqa: PLW0603  (one per worker process)
    _WORKER_DATASET = dataset


def _get_in_worker(index):
    return _WORKER_DATASET[index]


def ordered_batches(dataset, indices):
    """`dataset[i]` for each `i` of `indices`, in order, produced by the dataset's workers
    (threads, or forked processes with `use_multiprocessing`), `max_queue_size` ahead."""
    workers = int(dataset.workers or 1)
    multiprocess = bool(dataset.use_multiprocessing)
    if workers <= 1 and not multiprocess:
        for i in indices:
            yield dataset[i]
        return
    ahead = max(int(dataset.max_queue_size or 1), 1)
    if multiprocess:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=max(workers, 1), mp_context=context, initializer=_init_worker,
            initargs=(dataset,))
        get = _get_in_worker
    else:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers,
                                                     thread_name_prefix="PyDataset")
        get = dataset.__getitem__
    pending = deque()
    indices = iter(indices)
    try:
        for i in itertools.islice(indices, ahead):
            pending.append(pool.submit(get, i))
        while pending:
            batch = pending.popleft().result()
            for i in itertools.islice(indices, 1):
                pending.append(pool.submit(get, i))
            yield batch
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
