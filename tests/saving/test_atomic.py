"""Atomic writes: a failure or a kill mid-write leaves the old file intact."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from ember.saving import atomic
from ember.saving import format as fmt
from ember.saving.tensor_codec import decode_tensors, encode_tensors

WEIGHTS = "model.weights.safetensors"


def write_weights(path, value):
    fmt.write_container(path, "ember.weights",
                        {WEIGHTS: encode_tensors({"w": np.full(1000, value, np.float32)})})


def read_weights(path):
    return decode_tensors(fmt.read_container(path).members[WEIGHTS])["w"]


def test_replaces_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "f.bin"
    atomic.atomic_write_bytes(path, b"one")
    atomic.atomic_write_bytes(path, b"two")
    assert path.read_bytes() == b"two"
    assert os.listdir(tmp_path) == ["f.bin"]


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_failure_mid_write_keeps_the_old_file(tmp_path, error):
    path = tmp_path / "f.bin"
    atomic.atomic_write_bytes(path, b"old contents")
    with pytest.raises(type(error)), atomic.atomic_writer(path) as f:
        f.write(b"new partial")
        raise error
    assert path.read_bytes() == b"old contents"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_container_writer_failing_mid_member_keeps_the_old_file(tmp_path):
    path = tmp_path / "w.ember"
    write_weights(path, 1.0)

    def half_then_fail(stream):
        stream.write(b"\0" * 4000)
        raise OSError("simulated crash after a partial write")

    with pytest.raises(OSError, match="simulated crash"):
        fmt.write_container(path, "ember.weights", {WEIGHTS: half_then_fail})
    assert np.array_equal(read_weights(path), np.ones(1000, np.float32))
    assert os.listdir(tmp_path) == ["w.ember"]


def test_fsync_failure_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "w.ember"
    write_weights(path, 1.0)

    def broken_fsync(fd):
        raise OSError("EIO")

    monkeypatch.setattr(atomic.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="EIO"):
        write_weights(path, 2.0)
    monkeypatch.undo()
    assert np.array_equal(read_weights(path), np.ones(1000, np.float32))
    assert os.listdir(tmp_path) == ["w.ember"]


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        atomic.atomic_write_bytes(tmp_path / "missing" / "f.bin", b"")
    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError, match="existing folder"):
        atomic.atomic_write_bytes(tmp_path / "d", b"")


CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    from ember.saving import format as fmt

    def slow(stream):
        stream.write(b"\\0" * 100_000)
        print("half written", flush=True)
        time.sleep(60)

    fmt.write_container(sys.argv[1], "ember.weights", {"model.weights.safetensors": slow})
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_process_killed_mid_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "w.ember"
    write_weights(path, 3.0)
    before = path.read_bytes()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline().strip() == "half written"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert path.read_bytes() == before
    assert np.array_equal(read_weights(path), np.full(1000, 3.0, np.float32))
    leftovers = [n for n in os.listdir(tmp_path) if n != "w.ember"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".w.ember.")
    assert atomic.cleanup_temp_files(path) == 1
    assert os.listdir(tmp_path) == ["w.ember"]


def test_cleanup_ignores_other_files(tmp_path):
    dead = ".w.ember.999999999-0123456789ab.tmp"  # no such pid: a killed writer's leftover
    alive = f".w.ember.{os.getpid()}-0123456789ab.tmp"  # a live writer's (this process)
    keep = [alive, ".w.ember.notours.tmp", ".w.ember.0123456789ab.tmp", "other",
            ".w.ember.5.999999999-0123456789ab.tmp",  # belongs to the target "w.ember.5"
            ".x.ember.999999999-0123456789ab.tmp", ".w.ember.999999999-0123456789AB.tmp"]
    for name in ["w.ember", dead, *keep]:
        (tmp_path / name).write_bytes(b"")
    assert atomic.cleanup_temp_files(tmp_path / "w.ember") == 1
    assert sorted(os.listdir(tmp_path)) == sorted(["w.ember", *keep])


def test_cleanup_spares_a_file_another_writer_has_locked(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    name = tmp_path / ".w.ember.999999999-0123456789ab.tmp"
    name.write_bytes(b"")
    with open(name, "rb") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # a writer whose pid we cannot see, say
        assert atomic.cleanup_temp_files(tmp_path / "w.ember") == 0
    assert atomic.cleanup_temp_files(tmp_path / "w.ember") == 1


def test_a_write_removes_stale_temporaries_of_its_own_target_only(tmp_path):
    for name in [".w.ember.999999999-0123456789ab.tmp", ".v.ember.999999999-0123456789ab.tmp"]:
        (tmp_path / name).write_bytes(b"x" * 100)
    write_weights(tmp_path / "w.ember", 1.0)
    assert sorted(os.listdir(tmp_path)) == [".v.ember.999999999-0123456789ab.tmp", "w.ember"]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_save_spares_the_temporary_of_a_live_writer(tmp_path):
    path = tmp_path / "w.ember"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline().strip() == "half written"
        theirs = os.listdir(tmp_path)
        assert len(theirs) == 1 and theirs[0].startswith(f".w.ember.{child.pid}-")
        write_weights(path, 2.0)  # this process saves the same target meanwhile
        assert sorted(os.listdir(tmp_path)) == sorted([*theirs, "w.ember"])
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    write_weights(path, 4.0)  # now the writer is dead: its leftover goes
    assert os.listdir(tmp_path) == ["w.ember"]
    assert np.array_equal(read_weights(path), np.full(1000, 4.0, np.float32))


SAVER = textwrap.dedent("""
    import sys
    import numpy as np
    from ember.layers import Dense, Input
    from ember.models import Sequential

    model = Sequential([Input(shape=(400,)), Dense(400), Dense(400)])
    target, kind = sys.argv[1], sys.argv[2]
    print("ready", flush=True)
    while True:
        model.save(target) if kind == "model" else model.save_weights(target)
""")


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("kind", ["model", "weights"])
def test_saves_killed_at_random_points_leave_at_most_one_temporary(tmp_path, kind):
    import random  # noqa: PLC0415
    import time  # noqa: PLC0415

    from ember.saving import load_model  # noqa: PLC0415

    rng = random.Random(1234)
    target = tmp_path / ("m.ember" if kind == "model" else "m.weights.ember")
    for _ in range(4):
        child = subprocess.Popen([sys.executable, "-c", SAVER, str(target), kind],
                                 stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, 0.4))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        temporaries = [n for n in os.listdir(tmp_path) if n != target.name]
        assert len(temporaries) <= 1, temporaries  # the one in flight at the kill, at most
        assert all(n.startswith(f".{target.name}.{child.pid}-") for n in temporaries)
    model = load_model(target) if kind == "model" and target.exists() else None
    if model is None:
        from ember.layers import Dense, Input  # noqa: PLC0415
        from ember.models import Sequential  # noqa: PLC0415
        model = Sequential([Input(shape=(400,)), Dense(400), Dense(400)])
    model.save(target) if kind == "model" else model.save_weights(target)
    assert os.listdir(tmp_path) == [target.name]
