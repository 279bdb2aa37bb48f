"""`DataParallel`: synchronous data-parallel training over MPI ranks (Horovod's recipe).

Every rank holds the whole model. `fit`'s `batch_size` is the global batch: each rank takes a
contiguous share of every batch (the shuffle is drawn from the same generator state on every
rank, so the shares partition the data), computes its gradients, and `Optimizer.apply` sums
`share * gradient` over the ranks with one allreduce per step on a flat buffer cut into
buckets, where `share = local samples / global samples`. The update is then the one a single
process would make on the whole batch, up to float32 summation order. Weights start equal
(broadcast from rank 0 when `fit` begins); optimizer states stay equal because every rank
applies the same averaged gradients.

The logs callbacks see are global: the metrics' states (sums and counts) are summed over the
ranks before each result is read. The non-trainable weights (batch-norm moving statistics)
are averaged at the end of every step, unless `average_non_trainable=False` keeps them per
rank. `BatchNormalization(synchronized=True)` normalises with the statistics of the global
batch (see `ember.distribution.sync`).
"""

import sys
import time
import warnings

import numpy as np

from ember import tree
from ember.distribution import comm as comm_lib
from ember.tensor import Tensor


def _refuse(name):
    raise NotImplementedError(
        f"ember.distribution.{name}: ember shards data, not models: every rank holds the whole "
        "model and sees a share of each batch. Use ember.distribution.DataParallel() (launched "
        "with `mpiexec -n N python train.py`).")


class DeviceMesh:
    """Keras' device mesh: refused (ember shards data, not models)."""

    def __init__(self, *args, **kwargs):
        _refuse("DeviceMesh")


class LayoutMap:
    """Keras' variable layouts: refused (ember shards data, not models)."""

    def __init__(self, *args, **kwargs):
        _refuse("LayoutMap")


class TensorLayout:
    """Keras' tensor layout: refused (ember shards data, not models)."""

    def __init__(self, *args, **kwargs):
        _refuse("TensorLayout")


class ModelParallel:
    """Keras' model parallelism: refused (ember shards data, not models)."""

    def __init__(self, *args, **kwargs):
        _refuse("ModelParallel")


_STATE = {"comm": None, "distribution": None}


def _excepthook(previous, comm):
    def hook(kind, value, tb):
        previous(kind, value, tb)
        if not issubclass(kind, KeyboardInterrupt | SystemExit):
            print(f"ember.distribution: rank {comm.rank} of {comm.size} raised "
                  f"{kind.__name__}; aborting every rank", flush=True)
        comm.abort(1)

    return hook


def get_comm(timeout=None):
    """The process's communicator (created once): MPI when launched by an MPI launcher with
    more than one rank, else a one-process `LocalComm`."""
    comm = _STATE["comm"]
    if comm is None:
        timeout = comm_lib.DEFAULT_TIMEOUT if timeout is None else float(timeout)
        if comm_lib.launched_by_mpi():
            MPI = comm_lib.mpi_module()
            if MPI is None:
                raise ImportError(
                    "ember.distribution: this process was started by an MPI launcher "
                    "(mpiexec), but mpi4py is not installed; install it with "
                    "`pip install 'ember[mpi]'` (mpi4py and mpich)")
            comm = comm_lib.MPIComm(MPI, timeout)
            if comm.size > 1:
                sys.excepthook = _excepthook(sys.excepthook, comm)
        else:
            comm = comm_lib.LocalComm(timeout)
        _STATE["comm"] = comm
    elif timeout is not None:
        comm.timeout = float(timeout)
    return comm


def list_devices(device_type=None):
    """The devices of a data-parallel run: one per MPI rank (`["rank:0", ...]`; a single
    `["rank:0"]` without MPI).

    >>> list_devices()
    ['rank:0']
    """
    if device_type not in (None, "cpu", "rank"):
        raise ValueError(f"list_devices: ember's devices are MPI ranks; expected "
                         f"device_type None, 'cpu' or 'rank', received {device_type!r}")
    return [f"rank:{i}" for i in range(get_comm().size)]


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Start the communicator (MPI under `mpiexec`, else one process) and check what the
    launcher gave against `num_processes` and `process_id` when they are passed (Keras'
    signature; `job_addresses` belongs to the launcher: give it a hostfile instead).

    >>> initialize(num_processes=1, process_id=0)
    """
    if job_addresses is not None:
        raise ValueError("initialize: ember's ranks are started by the MPI launcher; pass the "
                         "hosts to it (`mpiexec -f hostfile`, `ember train --hostfile`), not "
                         f"job_addresses={job_addresses!r}")
    comm = get_comm()
    if num_processes is not None and int(num_processes) != comm.size:
        raise ValueError(f"initialize: expected num_processes={num_processes}, but the launcher "
                         f"started {comm.size} rank(s)")
    if process_id is not None and int(process_id) != comm.rank:
        raise ValueError(f"initialize: expected process_id={process_id}, but this process is "
                         f"rank {comm.rank}")


class DataParallel:
    """Data parallelism over the MPI ranks (Keras 3's `keras.distribution.DataParallel`).

    Args:
        device_mesh: must be None (ember's devices are the ranks).
        devices: None, or the list `list_devices()` returns.
        auto_shard_dataset: shard the batches of `fit` over the ranks. Defaults to True.
        average_non_trainable: average the non-trainable float weights (batch-norm moving
            statistics) over the ranks at the end of each step; False keeps them per rank.
            Defaults to True.
        bucket_bytes: the size of a gradient bucket: buckets are reduced one after another
            while the next is packed. Defaults to 4 MiB.
        timeout: seconds any collective may wait before the run is declared broken.
            Defaults to 300.

    >>> import ember
    >>> dist = ember.distribution.DataParallel()
    >>> dist.num_processes, dist.process_id, dist.devices
    (1, 0, ['rank:0'])
    """

    batch_dim_name = "batch"

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True,
                 average_non_trainable=True, bucket_bytes=4 << 20, timeout=None):
        if device_mesh is not None:
            _refuse("DataParallel(device_mesh=...)")
        self.comm = get_comm(timeout)
        all_devices = list_devices()
        if devices is not None and list(devices) != all_devices:
            raise ValueError(f"DataParallel: `devices` must be the MPI ranks {all_devices}; "
                             f"received {devices!r}")
        if isinstance(bucket_bytes, bool) or not isinstance(bucket_bytes, int) or \
                bucket_bytes < 1024:
            raise ValueError(f"DataParallel: `bucket_bytes` must be an integer >= 1024; "
                             f"received {bucket_bytes!r}")
        self.devices = all_devices
        self.auto_shard_dataset = bool(auto_shard_dataset)
        self.average_non_trainable = bool(average_non_trainable)
        self.bucket_bytes = int(bucket_bytes)
        self.share = 1.0 / self.comm.size  # this rank's part of the current batch
        self._buffers = {}
        self.timings = {"allreduce_s": 0.0, "sync_s": 0.0, "steps": 0}
        self._warned_drop = False

    # ------------------------------------------------------------------ identity
    @property
    def process_id(self):
        return self.comm.rank

    @property
    def num_processes(self):
        return self.comm.size

    @property
    def is_chief(self):
        """Whether this is rank 0 (the one that prints and writes files)."""
        return self.comm.rank == 0

    def scope(self):
        """A context in which this is the current distribution (Keras' `scope()`)."""
        from ember.distribution import distribution_scope  # noqa: PLC0415  (it imports us)

        return distribution_scope(self)

    def __repr__(self):
        return f"DataParallel(ranks={self.comm.size}, rank={self.comm.rank})"

    # ------------------------------------------------------------------ gradients
    def reduce_gradients(self, grads):
        """`sum over ranks of share * g` for each gradient (float arrays of the variables'
        dtypes): one flat buffer per dtype, reduced bucket by bucket."""
        comm = self.comm
        if comm.size == 1:
            return grads
        start = time.perf_counter()
        out = list(grads)
        by_dtype = {}
        for i, g in enumerate(grads):
            by_dtype.setdefault(g.dtype, []).append(i)
        for dtype, idx in by_dtype.items():
            total = sum(grads[i].size for i in idx)
            buf = self._buffers.get(dtype)
            if buf is None or buf.size < total:
                buf = self._buffers[dtype] = np.empty(total, dtype=dtype)
            share = dtype.type(self.share)
            limit = max(1, self.bucket_bytes // dtype.itemsize)
            requests, off, bucket_start = [], 0, 0
            for i in idx:
                g = grads[i]
                np.multiply(g.reshape(-1), share, out=buf[off:off + g.size])
                off += g.size
                if off - bucket_start >= limit:
                    requests.append(comm.start_allreduce_sum(buf[bucket_start:off]))
                    bucket_start = off
            if off > bucket_start:
                requests.append(comm.start_allreduce_sum(buf[bucket_start:off]))
            for r in requests:
                comm.wait(r, "gradient allreduce")
            off = 0
            for i in idx:
                n = grads[i].size
                out[i] = buf[off:off + n].reshape(grads[i].shape)
                off += n
        self.timings["allreduce_s"] += time.perf_counter() - start
        self.timings["steps"] += 1
        return out

    # ------------------------------------------------------------------ weights
    def broadcast_variables(self, variables, root=0):
        """Copy rank `root`'s values of `variables` into every rank's (one buffer per
        dtype)."""
        if self.comm.size == 1:
            return
        variables = list(variables)
        by_dtype = {}
        for v in variables:
            by_dtype.setdefault(v.data.dtype, []).append(v)
        for vs in by_dtype.values():
            buf = np.concatenate([v.data.reshape(-1) for v in vs]) if vs else None
            self.comm.broadcast(buf, root, "weight broadcast")
            off = 0
            for v in vs:
                v.data[...] = buf[off:off + v.data.size].reshape(v.data.shape)
                off += v.data.size

    def broadcast_json(self, value, root=0):
        """Rank `root`'s JSON-able `value`, on every rank."""
        return self.comm.allgather_json(value, "broadcast")[root]

    def any(self, flag):
        """Whether `flag` is true on any rank (a collective)."""
        buf = np.array([1.0 if flag else 0.0])
        return bool(self.comm.allreduce_max(buf, "stop flag")[0] > 0)

    # ------------------------------------------------------------------ logs
    def reduce_logs(self, model, logs, average_weights=False):
        """Replace `logs` (in place) by the global values: each metric's result on the sum of
        every rank's metric state; other numeric logs averaged. With `average_weights`, the
        model's non-trainable float weights are averaged in the same allreduce."""
        if self.comm.size == 1:
            return logs
        metrics = list(getattr(model, "metrics", []) or [])
        state = [v for m in metrics for v in m.variables]
        weights = []
        if average_weights and self.average_non_trainable:
            weights = [w for w in model.non_trainable_weights if w.data.dtype.kind == "f"]
        local = {}
        for m in metrics:
            local.update(_results(m))
        extra = [k for k, v in logs.items() if k not in local and _is_number(v)]
        parts = [np.asarray(v.data, np.float64).reshape(-1) for v in state + weights]
        parts.append(np.array([float(logs[k]) for k in extra], np.float64))
        buf = np.concatenate(parts)  # float64 on purpose: exact sums of metric states
        self.comm.allreduce_sum(buf, "metric allreduce")
        saved = [v.data.copy() for v in state]
        off = 0
        for v in state:
            v.data[...] = buf[off:off + v.data.size].reshape(v.data.shape)
            off += v.data.size
        try:
            glob = {}
            for m in metrics:
                glob.update(_results(m))
        finally:
            for v, s in zip(state, saved):
                v.data[...] = s
        size = self.comm.size
        for w in weights:
            w.data[...] = (buf[off:off + w.data.size] / size).reshape(w.data.shape)
            off += w.data.size
        for k in extra:
            glob[k] = float(buf[off]) / size
            off += 1
        for k in logs:
            if k in glob:
                logs[k] = glob[k]
        return logs

    # ------------------------------------------------------------------ data
    def local_range(self, n):
        """(start, stop) of this rank's rows in a global batch of `n` (shares differ by at
        most one), or None when the batch has fewer rows than ranks."""
        size, rank = self.comm.size, self.comm.rank
        base, extra = divmod(int(n), size)
        if base == 0:
            if not self._warned_drop and rank == 0:
                warnings.warn(f"ember.distribution: a batch of {n} sample(s) cannot be shared "
                              f"by {size} ranks; it is skipped (make the number of samples a "
                              "multiple of the batch size to avoid this)", stacklevel=3)
            self._warned_drop = True
            return None
        start = rank * base + min(rank, extra)
        stop = start + base + (1 if rank < extra else 0)
        self.share = (stop - start) / n
        return start, stop

    def shard_batch(self, batch):
        """This rank's rows of a global batch (any structure of arrays), or None."""
        leaves = tree.flatten(batch)
        arrays = [x for x in leaves if hasattr(x, "shape") and len(x.shape) > 0]
        if not arrays:
            return batch
        part = self.local_range(arrays[0].shape[0])
        if part is None:
            return None
        start, stop = part
        cut = [x[start:stop] if hasattr(x, "shape") and len(x.shape) > 0 else x for x in leaves]
        if isinstance(batch, list | tuple | dict):
            return tree.pack_sequence_as(batch, cut)
        return cut[0]


def _results(metric):
    r = metric.result()
    if isinstance(r, dict):
        return {k: _scalar(v) for k, v in r.items()}
    return {metric.name: _scalar(r)}


def _scalar(v):
    if isinstance(v, Tensor):
        v = v.data
    a = np.asarray(v)
    return float(a.reshape(())) if a.size == 1 else a


def _is_number(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, int | float):
        return True
    return isinstance(v, np.ndarray | np.generic) and np.size(v) == 1
