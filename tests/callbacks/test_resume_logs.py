"""A resumed fit logs what an uninterrupted one logs: the backup carries the running loss and
metric means of the epoch's steps already done, and the state of loss-driven callbacks."""

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import ember
from ember import layers
from ember.callbacks import BackupAndRestore, Callback, EarlyStopping, ReduceLROnPlateau

X = np.random.default_rng(0).standard_normal((70, 4)).astype("float32")
Y = np.random.default_rng(1).integers(0, 3, 70)
FIT = {"epochs": 5, "batch_size": 8, "verbose": 0, "shuffle": True}


def build():
    model = ember.models.Sequential([
        layers.Input(shape=(4,)), layers.Dense(8, activation="relu"), layers.Dropout(0.3),
        layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


class EpochLogs(Callback):
    def __init__(self):
        super().__init__()
        self.logs = {}

    def on_epoch_end(self, epoch, logs=None):
        self.logs[epoch] = dict(logs)


class StopAfter(Callback):
    def __init__(self, n):
        super().__init__()
        self.n, self.seen = n, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.n:
            raise KeyboardInterrupt("simulated crash")


def loss_driven():
    return [ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=0.05),
            EarlyStopping(monitor="accuracy", patience=10)]


@pytest.mark.parametrize("stop", [10, 22])
def test_a_resumed_epoch_logs_the_uninterrupted_means(tmp_path, stop):
    ember.utils.set_random_seed(0)
    reference = EpochLogs()
    model = build()
    model.fit(X, Y, **FIT, callbacks=[reference, *loss_driven()])

    ember.utils.set_random_seed(0)
    first = EpochLogs()
    with pytest.raises(KeyboardInterrupt):
        build().fit(X, Y, **FIT, callbacks=[first, *loss_driven(),
                                            BackupAndRestore(tmp_path / "b", save_freq=1),
                                            StopAfter(stop)])
    ember.layers.clear_session()
    ember.utils.set_random_seed(7)
    resumed, fresh = EpochLogs(), build()  # as after a restart: compiled metrics unbuilt
    fresh.fit(X, Y, **FIT, callbacks=[resumed, *loss_driven(),
                                      BackupAndRestore(tmp_path / "b", save_freq=1)])
    assert min(resumed.logs) == stop // 9  # 9 steps an epoch; the stopped one is finished
    assert {**first.logs, **resumed.logs} == reference.logs  # exact floats
    assert all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), model.get_weights(),
                                                    strict=True))


def test_callbacks_without_state_store_nothing(tmp_path):
    class Plain(Callback):
        pass

    assert Plain().get_state() is None
    tensorboard = ember.callbacks.TensorBoard(tmp_path / "tb")
    tensorboard.set_state({"global_batch": 12})
    assert tensorboard.get_state() == {"global_batch": 12}


CHILD = textwrap.dedent("""
    import json, os, sys, time
    import numpy as np
    import ember
    from ember import layers
    from ember.callbacks import (BackupAndRestore, Callback, EarlyStopping,
                                 ReduceLROnPlateau)

    out = sys.argv[1]
    X = np.random.default_rng(0).standard_normal((70, 4)).astype("float32")
    Y = np.random.default_rng(1).integers(0, 3, 70)

    class Log(Callback):
        def on_epoch_end(self, epoch, logs=None):
            line = json.dumps({"epoch": epoch, "logs": logs}) + "\\n"
            fd = os.open(os.path.join(out, "logs.jsonl"), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            os.write(fd, line.encode())
            os.close(fd)

    class Slow(Callback):
        def on_train_batch_end(self, batch, logs=None):
            time.sleep(0.01)

    ember.utils.set_random_seed(0)
    model = ember.models.Sequential([
        layers.Input(shape=(4,)), layers.Dense(8, activation="relu"), layers.Dropout(0.3),
        layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    print("ready", flush=True)
    model.fit(X, Y, epochs=6, batch_size=8, verbose=0, callbacks=[
        ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=0.05), Log(),
        EarlyStopping(monitor="loss", patience=3, min_delta=0.02), Slow(),
        BackupAndRestore(os.path.join(out, "backup"), save_freq=1)])
    np.savez(os.path.join(out, "weights.npz"), *model.get_weights())
""")


def run_child(out, kill_after=None):
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(out)], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        if kill_after is None:
            return child.wait(timeout=120)
        time.sleep(kill_after)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=120)
    return child.returncode


def results(out):
    logs = {}
    with open(out / "logs.jsonl") as f:
        for line in f:
            entry = json.loads(line)
            logs[entry["epoch"]] = entry["logs"]  # a redone epoch: the last entry counts
    with np.load(out / "weights.npz") as z:
        weights = [z[k] for k in sorted(z.files, key=lambda k: int(k.split("_")[1]))]
    return logs, weights


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_fits_killed_at_random_points_log_and_end_as_an_uninterrupted_one(tmp_path):
    reference = tmp_path / "reference"
    reference.mkdir()
    assert run_child(reference) == 0
    expected_logs, expected_weights = results(reference)
    assert any(logs["learning_rate"] < expected_logs[0]["learning_rate"]
               for logs in expected_logs.values())  # the plateau callback acted

    killed = tmp_path / "killed"
    killed.mkdir()
    rng, kills = random.Random(2026), 0
    for _ in range(12):
        code = run_child(killed, kill_after=rng.uniform(0.05, 0.5))
        if code == 0:
            break
        assert code == -signal.SIGKILL
        kills += 1
    else:
        assert run_child(killed) == 0
    assert kills >= 2
    logs, weights = results(killed)
    assert logs == expected_logs
    assert all(np.array_equal(a, b) for a, b in zip(weights, expected_weights, strict=True))
    assert not os.path.exists(killed / "backup")
