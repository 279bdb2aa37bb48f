"""Data-parallel training over MPI ranks, with Keras 3's `keras.distribution` names.

    import ember as keras
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    model.fit(x, y, batch_size=256, epochs=10)   # batch_size: the global batch

launched with `mpiexec -n 4 python train.py` (or `ember train ... --workers 4`). Without MPI,
or with one rank, the same script runs as one process. The gradients meet in
`Optimizer.apply` (so custom `train_step`s, GANs and VAEs are covered); `fit` shards the
data, makes the logs global and keeps the console and the files on rank 0 (see
`ember.distribution.fit`). `DeviceMesh`, `LayoutMap`, `TensorLayout` and `ModelParallel`
are refused: ember shards data, not models. See docs/distributed.md.

>>> import ember
>>> ember.distribution.distribution() is None
True
>>> with ember.distribution.DataParallel().scope():
...     ember.distribution.distribution().num_processes
1
>>> ember.distribution.distribution() is None
True
"""

import contextlib

from ember.distribution.comm import DistributionTimeoutError
from ember.distribution.data_parallel import (
    _STATE,
    DataParallel,
    DeviceMesh,
    LayoutMap,
    ModelParallel,
    TensorLayout,
    get_comm,
    initialize,
    list_devices,
)


def distribution():
    """The current distribution (a `DataParallel`), or None."""
    return _STATE["distribution"]


def set_distribution(value):
    """Make `value` (a `DataParallel`, or None to stop) the current distribution."""
    if value is not None and not isinstance(value, DataParallel):
        raise TypeError(f"set_distribution: expected a DataParallel or None; received "
                        f"{type(value).__name__}")
    _STATE["distribution"] = value


@contextlib.contextmanager
def distribution_scope(value):
    """`value` as the current distribution inside the `with` block (`DataParallel.scope()`)."""
    previous = _STATE["distribution"]
    set_distribution(value)
    try:
        yield value
    finally:
        _STATE["distribution"] = previous


def reduce_gradients(grads):
    """The gradients averaged over the ranks (share-weighted) under the current distribution;
    `grads` unchanged without one. Called by `Optimizer.apply`."""
    dist = _STATE["distribution"]
    if dist is None or dist.comm.size == 1:
        return grads
    return dist.reduce_gradients(grads)


def broadcast_variables(variables, root=0):
    """Copy rank `root`'s values of `variables` to every rank (for custom training loops;
    `fit` does it itself). Nothing happens without a distribution."""
    dist = _STATE["distribution"]
    if dist is not None:
        dist.broadcast_variables(variables, root)


def active():
    """The current distribution when it spans more than one rank, else None."""
    dist = _STATE["distribution"]
    return dist if dist is not None and dist.comm.size > 1 else None


__all__ = ["DataParallel", "DeviceMesh", "DistributionTimeoutError", "LayoutMap",
           "ModelParallel", "TensorLayout", "active", "broadcast_variables", "distribution",
           "distribution_scope", "get_comm", "initialize", "list_devices", "reduce_gradients",
           "set_distribution"]
