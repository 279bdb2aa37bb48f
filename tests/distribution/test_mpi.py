"""Data-parallel training on 2 MPI ranks (`mpiexec -n 2`), against one process.

Each test starts `mpiexec -n 2 python tests/distribution/scripts/<script>` with a timeout,
so a hang fails the test instead of blocking the suite. Skipped, with the reason, when
mpi4py or mpiexec is missing (`pip install mpi4py mpich`; CI installs them).
"""

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from ember.distribution.launch import find_mpiexec, mpiexec_command

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent / "scripts"
MPIEXEC = find_mpiexec()
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or MPIEXEC is None,
    reason="needs mpi4py and an mpiexec (pip install mpi4py mpich)")


def run(script, *args, ranks=2, timeout=180):
    """Run a script on `ranks` MPI ranks (or as one plain process when ranks is None)."""
    env_args = [str(SCRIPTS / script), *map(str, args)]
    if ranks is None:
        argv, env = [sys.executable, *env_args], dict(os.environ, OMP_NUM_THREADS="1")
    else:
        argv, env = mpiexec_command(env_args, ranks, mpiexec=MPIEXEC)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    start = time.monotonic()
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout,
                              cwd=ROOT)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{script} {args} did not finish in {timeout} s (a hang): {e.output}")
    done.seconds = time.monotonic() - start
    return done


def reports(done):
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("REPORT ")]
    assert len(lines) == 1, done.stdout  # rank 0 prints every rank's report
    found = json.loads(lines[0][len("REPORT "):])
    assert [r["rank"] for r in found] == [0, 1], done.stdout
    return found


@pytest.mark.slow
def test_two_ranks_equal_one_process_on_the_global_batch(tmp_path):
    # a convnet, an LSTM and a model with BatchNormalization(synchronized=True), 3 epochs of
    # 4 shuffled steps each (with validation), on 2 ranks and on 1 process
    one, two = tmp_path / "one.npz", tmp_path / "two.npz"
    done = run("equality.py", one, ranks=None)
    assert done.returncode == 0, done.stderr
    done = run("equality.py", two)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rank 1 of 2: done" in done.stdout and "rank 0 of 2: done" in done.stdout
    a, b = np.load(one), np.load(two)
    assert sorted(a.files) == sorted(b.files)
    assert {k.split("/")[0] for k in a.files} == {"convnet", "lstm", "batchnorm"}
    for key in a.files:
        if key.endswith("history"):
            ha, hb = json.loads(str(a[key])), json.loads(str(b[key]))
            assert ha.keys() == hb.keys()
            for name in ha:  # the logs are the global ones (loss, accuracy, val_*)
                np.testing.assert_allclose(hb[name], ha[name], rtol=1e-5, atol=1e-6,
                                           err_msg=f"{key} {name}")
        else:
            np.testing.assert_allclose(b[key], a[key], rtol=1e-5, atol=1e-6, err_msg=key)
            assert np.max(np.abs(a[key])) > 0 or key.startswith("batchnorm")


@pytest.mark.slow
def test_datasets_pydatasets_generators_and_custom_train_steps_are_sharded():
    found = reports(run("inputs.py"))
    assert found[0]["draw"] != found[1]["draw"]  # different dropout streams per rank
    assert found[0]["rows"] == found[1]["rows"] == [4]  # each rank: half of every batch of 8
    assert found[0]["lazy"] == found[1]["lazy"]  # a model built by fit's first step
    for r in found:
        for kind in ("arrays", "dataset", "pydataset", "generator", "custom"):
            assert r[kind]["weights"] < 1e-6, (kind, r)
            assert r[kind]["loss"] < 1e-6, (kind, r)


@pytest.mark.slow
def test_callbacks_rank0_files_same_early_stop_and_resume_from_rank0(tmp_path):
    done = run("callbacks.py", tmp_path)
    r0, r1 = reports(done)
    assert sorted(os.listdir(tmp_path)) == ["backup", "ckpt_rank0.weights.ember",
                                            "log_rank0.csv"] or sorted(
        os.listdir(tmp_path)) == ["ckpt_rank0.weights.ember", "log_rank0.csv"]
    assert done.stdout.count("Epoch 1/5") == 1  # one progress bar: rank 0's
    assert r0["stopped_epoch"] == r1["stopped_epoch"] == 1
    assert r0["epochs_run"] == r1["epochs_run"] == 2
    assert r0["loss"] == r1["loss"]
    # ReduceLROnPlateau, once (0.1 * 0.5**2, in the float32 of the rate's Variable)
    assert r0["learning_rate"] == r1["learning_rate"] == pytest.approx(0.025, rel=1e-6)
    # rank 1 has no backup of its own: it resumed from rank 0's, at the same epoch
    assert r0["resumed_epochs"] == r1["resumed_epochs"] == [3, 4, 5]
    assert r0["resume_max_diff"] < 1e-5 and r1["resume_max_diff"] < 1e-5


@pytest.mark.slow
@pytest.mark.parametrize("mode, expected", [
    ("raise", "rank 1 of 2 raised RuntimeError"),
    ("die", None),
    ("kill", "BAD TERMINATION"),
    ("stall", "waited more than 5 s"),
    ("model", "the ranks differ before training (weights"),
    ("data", "samples: rank 0 has 32, rank 1 has 40"),
])
def test_a_failing_rank_stops_every_rank_with_a_clear_error(mode, expected):
    done = run("faults.py", mode, timeout=90)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "finished" not in output
    assert done.seconds < 60, done.seconds  # bounded: the stall waits a 5 s timeout
    if expected is not None:
        assert expected in output, output


@pytest.mark.slow
def test_ember_train_workers_starts_the_ranks(tmp_path):
    out = tmp_path / "model.ember"
    argv = [sys.executable, "-m", "ember.cli", "train", "--workers", "2", "--epochs", "1",
            "--batch-size", "64", "--verbose", "2", "--output", str(out)]
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("/step") == 1 and done.stdout.count("test accuracy") == 1
    assert out.is_file()


@pytest.mark.slow
def test_ember_train_with_a_hostfile_of_this_machine(tmp_path):
    from ember.distribution.launch import mpi_flavour

    if mpi_flavour(MPIEXEC) != "mpich":
        pytest.skip("the hostfile syntax below is MPICH's (host:slots)")
    hosts = tmp_path / "hosts"
    hosts.write_text("localhost:2\n")
    argv = [sys.executable, "-m", "ember.cli", "train", "--workers", "2", "--hostfile",
            str(hosts), "--model", "cnn", "--epochs", "1", "--batch-size", "64", "--verbose",
            "0", "--output", ""]
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("test accuracy") == 1
