"""The communicators under `ember.distribution`: MPI ranks through mpi4py, or one process.

A communicator does five things, all collective (every rank must call them, in the same
order): `allreduce_sum` of a float buffer in place, `broadcast` of a buffer from rank 0,
`allgather_json` of a small JSON-able value, `barrier` and `abort`. Every wait is bounded: a
collective that has not completed after `timeout` seconds (a rank died, hangs, or left the
training loop early) raises `DistributionTimeoutError` naming the operation and the rank, and
`abort` then ends every rank (MPI_Abort), so a fault never turns into a hang.

>>> comm = LocalComm()
>>> buf = np.ones(3, np.float32)
>>> comm.allreduce_sum(buf) is buf, buf.tolist(), comm.rank, comm.size
(True, [1.0, 1.0, 1.0], 0, 1)
"""

import json
import os
import sys
import time

import numpy as np

DEFAULT_TIMEOUT = 300.0  # seconds a collective may wait before the run is declared broken
SPIN_SECONDS = 0.05  # busy polling before sleeping between polls


class DistributionTimeoutError(RuntimeError):
    """A collective operation did not complete in time (another rank died or diverged)."""


def mpi_module():
    """mpi4py's `MPI` module, or None when mpi4py (or an MPI library) is not installed."""
    try:
        from mpi4py import MPI  # noqa: PLC0415  (optional extra: ember[mpi])
    except ImportError:
        return None
    return MPI


def launched_by_mpi():
    """Whether this process was started by an MPI launcher with more than one rank (read from
    the environment, without initialising MPI).

    >>> isinstance(launched_by_mpi(), bool)
    True
    """
    for key in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"):
        value = os.environ.get(key)
        if value is not None:
            try:
                return int(value) > 1
            except ValueError:
                return False
    return False


class LocalComm:
    """One process: every collective is the identity."""

    rank, size, name = 0, 1, "local"

    def __init__(self, timeout=DEFAULT_TIMEOUT):
        self.timeout = timeout

    def allreduce_sum(self, buf, what="allreduce"):
        return buf

    def allreduce_max(self, buf, what="allreduce"):
        return buf

    def broadcast(self, buf, root=0, what="broadcast"):
        return buf

    def allgather_json(self, value, what="allgather"):
        return [json.loads(json.dumps(value))]

    def barrier(self, what="barrier"):
        return None

    def abort(self, code=1):
        os._exit(code)


class MPIComm:
    """MPI_COMM_WORLD through mpi4py's buffer (upper-case) methods, no pickling.

    Non-blocking collectives are polled (busy for the first 50 ms, then every
    millisecond) until they complete or `timeout` seconds pass.
    """

    name = "mpi"

    def __init__(self, MPI, timeout=DEFAULT_TIMEOUT):
        self.MPI = MPI
        self.comm = MPI.COMM_WORLD
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.timeout = float(timeout)

    def _wait(self, request, what):
        # Spin on Test first (MPICH progresses only inside MPI calls; a sleeping poll made a
        # 4 KiB allreduce 300x slower here), then sleep between polls of a long wait.
        start = time.monotonic()
        spin_until = start + SPIN_SECONDS
        while not request.Test():
            now = time.monotonic()
            if now < spin_until:
                continue
            if now - start > self.timeout:
                raise DistributionTimeoutError(
                    f"ember.distribution: rank {self.rank} of {self.size} waited more than "
                    f"{self.timeout:g} s for `{what}`; another rank has died, raised an error, "
                    "or left the training loop early (see its output). Stopping every rank.")
            time.sleep(1e-3)

    def allreduce_sum(self, buf, what="allreduce"):
        """Sum `buf` (a contiguous float32/float64 array) over the ranks, in place."""
        self._wait(self.comm.Iallreduce(self.MPI.IN_PLACE, buf, op=self.MPI.SUM), what)
        return buf

    def allreduce_max(self, buf, what="allreduce"):
        self._wait(self.comm.Iallreduce(self.MPI.IN_PLACE, buf, op=self.MPI.MAX), what)
        return buf

    def start_allreduce_sum(self, buf):
        """Start summing `buf` in place; pass the result to `wait` (buckets overlap)."""
        return self.comm.Iallreduce(self.MPI.IN_PLACE, buf, op=self.MPI.SUM)

    def wait(self, request, what="allreduce"):
        self._wait(request, what)

    def broadcast(self, buf, root=0, what="broadcast"):
        """Rank `root`'s `buf` copied into every rank's `buf`, in place."""
        self._wait(self.comm.Ibcast(buf, root=root), what)
        return buf

    def allgather_json(self, value, what="allgather"):
        """Every rank's `value` (JSON-able), as a list in rank order: lengths, then bytes."""
        data = np.frombuffer(json.dumps(value, sort_keys=True).encode(), dtype=np.uint8)
        sizes = np.zeros(self.size, dtype=np.int64)
        self._wait(self.comm.Iallgather(np.array([data.size], np.int64), sizes), what)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        out = np.empty(int(sizes.sum()), dtype=np.uint8)
        byte = self.MPI.BYTE
        self._wait(self.comm.Iallgatherv([data, byte], [out, (sizes, offsets), byte]), what)
        raw = out.tobytes()
        return [json.loads(raw[o:o + s]) for o, s in zip(offsets, sizes)]

    def barrier(self, what="barrier"):
        self._wait(self.comm.Ibarrier(), what)

    def abort(self, code=1):
        sys.stdout.flush()
        sys.stderr.flush()
        self.comm.Abort(code)
