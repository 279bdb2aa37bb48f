"""ember.distribution without MPI: the API, the one-process path, and the arithmetic of
sharding and reduction checked on a stand-in communicator that plays R identical ranks."""

import numpy as np
import pytest

import ember
from ember import distribution
from ember.distribution import data_parallel
from ember.distribution.comm import LocalComm
from ember.distribution.launch import mpiexec_command


class IdenticalRanks(LocalComm):
    """R ranks that all hold this process's values: a sum over ranks is R times the value."""

    def __init__(self, size, rank=0):
        super().__init__()
        self.size, self.rank = size, rank
        self.calls = []

    def allreduce_sum(self, buf, what="allreduce"):
        self.calls.append((what, buf.size))
        buf *= self.size
        return buf

    def start_allreduce_sum(self, buf):
        self.allreduce_sum(buf, "bucket")
        return None

    def wait(self, request, what="allreduce"):
        return None


@pytest.fixture
def ranks(monkeypatch):
    def make(size, rank=0):
        comm = IdenticalRanks(size, rank)
        monkeypatch.setitem(data_parallel._STATE, "comm", comm)
        return distribution.DataParallel()

    yield make
    distribution.set_distribution(None)


def test_keras_names_one_process():
    assert distribution.list_devices() == ["rank:0"]
    distribution.initialize()
    dist = distribution.DataParallel(devices=["rank:0"])
    assert (dist.num_processes, dist.process_id, dist.is_chief) == (1, 0, True)
    assert distribution.distribution() is None
    with dist.scope():
        assert distribution.distribution() is dist
    assert distribution.distribution() is None
    distribution.set_distribution(dist)
    try:  # one rank: fit runs exactly as without a distribution
        model = ember.Sequential([ember.Input(shape=(2,)), ember.layers.Dense(1)])
        model.compile("sgd", "mse")
        model.fit(np.ones((4, 2)), np.ones((4, 1)), batch_size=2, verbose=0)
    finally:
        distribution.set_distribution(None)


@pytest.mark.parametrize("cls", [distribution.DeviceMesh, distribution.LayoutMap,
                                 distribution.ModelParallel, distribution.TensorLayout])
def test_model_sharding_is_refused_with_a_clear_message(cls):
    with pytest.raises(NotImplementedError, match="ember shards data, not models"):
        cls((2,), ["model"])


def test_argument_errors():
    with pytest.raises(NotImplementedError, match="shards data"):
        distribution.DataParallel(device_mesh=object())
    with pytest.raises(ValueError, match="devices.*rank:0.*gpu:0"):
        distribution.DataParallel(devices=["gpu:0"])
    with pytest.raises(ValueError, match="bucket_bytes"):
        distribution.DataParallel(bucket_bytes=10)
    with pytest.raises(ValueError, match="num_processes=4.*1 rank"):
        distribution.initialize(num_processes=4)
    with pytest.raises(ValueError, match="hostfile"):
        distribution.initialize(job_addresses="10.0.0.1:1234")
    with pytest.raises(TypeError, match="DataParallel or None.*str"):
        distribution.set_distribution("data")
    with pytest.raises(ValueError, match="device_type"):
        distribution.list_devices("gpu")


def test_shares_partition_each_batch(ranks):
    # 3 ranks, batches of 10: rows 0-3, 4-6, 7-9 (sizes differ by at most one)
    parts = []
    for rank in range(3):
        dist = ranks(3, rank)
        parts.append(dist.local_range(10))
        assert dist.share == (parts[-1][1] - parts[-1][0]) / 10
    assert parts == [(0, 4), (4, 7), (7, 10)]
    with pytest.warns(UserWarning, match="2 sample.*3 ranks.*skipped"):
        assert ranks(3, 0).local_range(2) is None
    batch = (np.arange(10), {"a": np.arange(10) * 2})
    x, y = ranks(3, 2).shard_batch(batch)
    assert x.tolist() == [7, 8, 9] and y["a"].tolist() == [14, 16, 18]


def test_gradients_are_share_weighted_sums_in_buckets(ranks):
    dist = ranks(4)
    dist.bucket_bytes = 1024  # 256 float32 per bucket
    grads = [np.full((300,), 2.0, np.float32), np.ones((3, 4), np.float32),
             np.full((5,), 3.0, np.float64)]
    out = dist.reduce_gradients(grads)
    # four identical ranks with share 1/4 each: the sum is the gradient itself
    for g, o in zip(grads, out):
        assert o.dtype == g.dtype and o.shape == g.shape
        np.testing.assert_array_equal(o, g)
    # float32: the first bucket closes after the 300-value gradient, the next holds 12;
    # float64 has its own buffer
    assert [n for _, n in dist.comm.calls] == [300, 12, 5]
    assert dist.timings["steps"] == 1


def test_optimizer_apply_reduces_under_the_distribution(ranks):
    dist = ranks(2)
    dist.share = 1.0  # as if both ranks had the whole batch: the sum doubles the gradient
    w = ember.Variable([1.0, 1.0])
    with dist.scope():
        ember.optimizers.SGD(0.5).apply([np.array([1.0, 2.0])], [w])
    np.testing.assert_allclose(w.numpy(), [0.0, -1.0])


def test_logs_are_global_metric_states(ranks):
    dist = ranks(2)
    model = ember.Sequential([ember.Input(shape=(1,)), ember.layers.Dense(1),
                              ember.layers.BatchNormalization()])
    model.compile("sgd", "mse", metrics=["mae"])
    model.fit(np.ones((4, 1)), np.ones((4, 1)), batch_size=4, verbose=0)  # one process
    logs = model.get_metrics_result()
    logs["custom"] = 3.0
    before = [v.numpy().copy() for v in model.metrics[0].variables]
    mean = model.layers[-1].moving_mean.numpy().copy()
    out = dist.reduce_logs(model, dict(logs), average_weights=True)
    # identical ranks: means of summed states are the local means; other logs are averaged
    assert out["loss"] == pytest.approx(logs["loss"]) and out["custom"] == pytest.approx(3.0)
    assert out["mae"] == pytest.approx(logs["mae"])
    # the local states are restored; non-trainable weights are averaged (unchanged here)
    for v, b in zip(model.metrics[0].variables, before):
        np.testing.assert_array_equal(v.numpy(), b)
    np.testing.assert_allclose(model.layers[-1].moving_mean.numpy(), mean, rtol=1e-6)


def test_all_sum_backward_returns_the_global_gradient(ranks):
    dist = ranks(2)
    x = ember.Variable([1.0, 2.0])
    y = distribution.sync.all_sum(x * 3.0, dist)
    np.testing.assert_array_equal(y.numpy(), [6.0, 12.0])
    ember.ops.sum(y).backward()
    # d/dx of sum_s share_s * sum(all_sum(3x)) over 2 identical ranks, divided by share_r
    np.testing.assert_allclose(x.grad, [6.0, 6.0])


def test_fit_refuses_a_global_batch_smaller_than_the_ranks(ranks):
    dist = ranks(4)
    model = ember.Sequential([ember.Input(shape=(2,)), ember.layers.Dense(1)])
    model.compile("sgd", "mse")
    with dist.scope(), pytest.raises(ValueError, match="at least 4.*batch_size=2"):
        model.fit(np.ones((8, 2)), np.ones((8, 1)), batch_size=2, verbose=0)


def test_launcher_commands(tmp_path, monkeypatch):
    argv, env = mpiexec_command(["train.py"], 3, mpiexec="mpiexec")
    assert argv[:3] == ["mpiexec", "-n", "3"] and argv[-1] == "train.py"
    assert env["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setattr("ember.distribution.launch.mpi_flavour", lambda path: "openmpi")
    hosts = tmp_path / "hosts"
    hosts.write_text("node1 slots=2\n")
    argv, env = mpiexec_command(["t.py"], 2, hostfile=str(hosts), mpiexec="/usr/bin/mpiexec")
    assert "--oversubscribe" in argv and argv[argv.index("--hostfile") + 1] == str(hosts)
    with pytest.raises(FileNotFoundError, match="hostfile"):
        mpiexec_command(["t.py"], 2, hostfile=str(tmp_path / "none"), mpiexec="mpiexec")
    with pytest.raises(ValueError, match="workers"):
        mpiexec_command(["t.py"], 0, mpiexec="mpiexec")


def test_dataset_shard():
    ds = ember.data.Dataset.from_tensor_slices(np.arange(10))
    parts = [[int(v) for v in ds.shard(3, i)] for i in range(3)]
    assert parts == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]
    assert [len(ds.shard(3, i)) for i in range(3)] == [4, 3, 3]
    assert ds.repeat().shard(2, 0).cardinality() == ember.data.INFINITE
    with pytest.raises(ValueError, match="index < num_shards"):
        ds.shard(2, 2)
