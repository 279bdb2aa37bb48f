"""BackupAndRestore: an interrupted fit resumes bit for bit; damaged or foreign backups."""

import hashlib
import json
import os
import random
import signal
import zipfile

import numpy as np
import pytest

import ember
import ember.models
from ember import layers
from ember.callbacks import (
    BackupAndRestore,
    Callback,
    EarlyStopping,
    History,
    ModelCheckpoint,
    TerminateOnNaN,
)

X = np.random.default_rng(0).standard_normal((70, 4)).astype("float32")
Y = np.random.default_rng(1).integers(0, 3, 70)
FIT = {"epochs": 4, "batch_size": 8, "verbose": 0, "validation_split": 0.2, "shuffle": True}
STEPS = 7  # 56 training samples in batches of 8


def build(units=8, loss="sparse_categorical_crossentropy"):
    model = ember.models.Sequential([
        layers.Input(shape=(4,)), layers.Dense(units, activation="relu"), layers.Dropout(0.3),
        layers.BatchNormalization(), layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def reference(**fit):
    ember.utils.set_random_seed(0)
    model = build()
    model.fit(X, Y, **{**FIT, **fit})
    return model.get_weights()


class StopAfter(Callback):
    """Raise KeyboardInterrupt from `on_train_batch_end` after `n` batches in all."""

    def __init__(self, n):
        super().__init__()
        self.n, self.seen = n, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.n:
            raise KeyboardInterrupt("simulated crash")


def interrupted(backup, n, model=None, **fit):
    ember.utils.set_random_seed(0)
    model = model or build()
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, **{**FIT, **fit}, callbacks=[backup, StopAfter(n)])
    return model


def equal(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def saved_position(backup_dir):
    with zipfile.ZipFile(os.path.join(backup_dir, "latest.ember-ckpt")) as zf:
        state = json.loads(zf.read("training_state.json"))
    return state["epoch"], state["step"]


@pytest.mark.parametrize("save_freq, stop", [("epoch", 3), ("epoch", 7), ("epoch", 17),
                                             (3, 11), (2, 20), (5, 27)])
def test_resume_is_bitwise_equal_to_an_uninterrupted_run(tmp_path, save_freq, stop):
    expected = reference()
    backup = BackupAndRestore(tmp_path / "backup", save_freq=save_freq)
    model = interrupted(backup, stop)
    assert not equal(model.get_weights(), expected)
    ember.utils.set_random_seed(999)  # the resumed run must not depend on the seed anymore
    model.fit(X, Y, **FIT, callbacks=[backup])
    assert equal(model.get_weights(), expected)
    assert not (tmp_path / "backup").exists()  # deleted once fit completed


class GlobalNoise(layers.Layer):
    """Training noise from ember's global generator, with no `generator` of its own."""

    def call(self, x, training=False):
        return x + ember.random.normal(x.shape, stddev=0.1) if training else x


def test_every_random_stream_is_restored(tmp_path):
    """Python's random (a callback), the global generator (a layer without `generator`) and
    a seeded Dropout's own generator all continue where they were."""
    class PyRandomLR(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.model.optimizer.learning_rate = 0.001 * (1 + random.random())

    def noisy():
        model = ember.models.Sequential([
            layers.Input(shape=(4,)), GlobalNoise(), layers.Dense(6, activation="relu"),
            layers.Dropout(0.4, seed=5), layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return model

    ember.utils.set_random_seed(0)
    ref = noisy()
    ref.fit(X, Y, **FIT, callbacks=[PyRandomLR()])
    ember.utils.set_random_seed(0)
    model = noisy()
    backup = BackupAndRestore(tmp_path / "b", save_freq=2)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, **FIT, callbacks=[PyRandomLR(), backup, StopAfter(12)])
    ember.utils.set_random_seed(1)
    random.random()
    model.layers[2].generator.random()  # the Dropout's own generator moves on too
    model.fit(X, Y, **FIT, callbacks=[PyRandomLR(), backup])
    assert equal(model.get_weights(), ref.get_weights())


def test_resume_in_a_fresh_model_as_after_a_restart(tmp_path):
    expected = reference(shuffle="batch")
    interrupted(BackupAndRestore(tmp_path / "b", save_freq=4), 10, shuffle="batch")
    assert saved_position(tmp_path / "b") == (1, 1)  # 7 + 1 batches: step 1 of epoch 1
    ember.layers.clear_session()
    ember.utils.set_random_seed(42)
    fresh = build()  # different initial weights; all restored from the backup
    fresh.fit(X, Y, **{**FIT, "shuffle": "batch"}, callbacks=[BackupAndRestore(tmp_path / "b")])
    assert equal(fresh.get_weights(), expected)


def test_ctrl_c_backs_up_the_step_it_stopped_at(tmp_path):
    class CtrlC(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.model._current_epoch == 1 and batch == 2:
                os.kill(os.getpid(), signal.SIGINT)

    expected = reference()
    ember.utils.set_random_seed(0)
    model = build()
    backup = BackupAndRestore(tmp_path / "b")
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, **FIT, callbacks=[CtrlC(), backup])
    assert saved_position(tmp_path / "b") == (1, 3)  # on_interrupt saved after step 3
    model.fit(X, Y, **FIT, callbacks=[backup])
    assert equal(model.get_weights(), expected)


def test_a_damaged_latest_falls_back_to_the_previous_generation(tmp_path):
    expected = reference()
    backup = BackupAndRestore(tmp_path / "b", save_freq=3)
    model = interrupted(backup, 16)
    latest = tmp_path / "b" / "latest.ember-ckpt"
    assert (tmp_path / "b" / "previous.ember-ckpt").exists()
    data = latest.read_bytes()
    latest.write_bytes(data[: len(data) // 2])  # truncated, as by a full disk
    with pytest.warns(UserWarning, match="ignoring a damaged backup.*latest.ember-ckpt"):
        model.fit(X, Y, **FIT, callbacks=[backup])
    assert equal(model.get_weights(), expected)  # the older backup resumes exactly too


def test_both_generations_damaged_starts_afresh(tmp_path):
    backup = BackupAndRestore(tmp_path / "b")
    model = interrupted(backup, 9)
    for name in ("latest.ember-ckpt", "previous.ember-ckpt"):
        (tmp_path / "b" / name).write_bytes(b"garbage")
    with pytest.warns(UserWarning, match="damaged"):
        history = model.fit(X, Y, **FIT, callbacks=[backup])
    assert history.epoch == [0, 1, 2, 3]


def test_a_different_model_or_compile_raises_instead_of_resuming(tmp_path):
    backup = BackupAndRestore(tmp_path / "b")
    interrupted(backup, 9)
    for other, word in [(build(units=9), "model architecture"),
                        (build(loss="categorical_crossentropy"), "compile arguments")]:
        before = other.get_weights()
        with pytest.raises(ValueError, match=f"different run: the {word}") as info:
            other.fit(X, Y, **FIT, callbacks=[backup])
        assert "delete" in str(info.value)
        assert equal(other.get_weights(), before)  # nothing was loaded
    assert (tmp_path / "b" / "latest.ember-ckpt").exists()
    model = build()
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, **FIT, callbacks=[BackupAndRestore(tmp_path / "c", save_freq=2),
                                          StopAfter(10)])
    with pytest.raises(ValueError, match="steps per epoch"):
        model.fit(X, Y, **{**FIT, "batch_size": 16},
                  callbacks=[BackupAndRestore(tmp_path / "c")])


def test_early_stopping_state_is_restored(tmp_path):
    def stopper():
        return EarlyStopping(monitor="loss", min_delta=100.0, patience=3)

    ember.utils.set_random_seed(0)
    ref = build()
    ref_history = ref.fit(X, Y, **{**FIT, "epochs": 10}, callbacks=[stopper()])
    assert len(ref_history.epoch) == 4  # wait reaches 3 at the fourth epoch
    ember.utils.set_random_seed(0)
    model = build()
    backup = BackupAndRestore(tmp_path / "b")
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, **{**FIT, "epochs": 10}, callbacks=[backup, stopper(), StopAfter(17)])
    history = model.fit(X, Y, **{**FIT, "epochs": 10}, callbacks=[backup, stopper()])
    assert history.epoch == [2, 3]  # resumed at epoch 2 with wait == 1, stopped as before
    assert equal(model.get_weights(), ref.get_weights())


def test_model_checkpoint_best_value_survives_a_restart(tmp_path):
    def checkpoint():
        return ModelCheckpoint(tmp_path / "best.ember", monitor="loss", save_best_only=True)

    class Probe(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.best = self.best if hasattr(self, "best") else seen.best

    first = checkpoint()
    model = build()
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, **FIT, callbacks=[BackupAndRestore(tmp_path / "b"), first,
                                          StopAfter(17)])
    assert first.best is not None
    seen, probe = checkpoint(), Probe()  # fresh objects, as in a new process
    model.fit(X, Y, **FIT, callbacks=[BackupAndRestore(tmp_path / "b"), seen, probe])
    assert probe.best == first.best


def test_files_generations_and_deletion(tmp_path):
    backup = BackupAndRestore(tmp_path / "b", double_checkpoint=False, delete_checkpoint=False)
    model = build()
    model.fit(X, Y, **FIT, callbacks=[backup])
    assert os.listdir(tmp_path / "b") == ["latest.ember-ckpt"]
    assert saved_position(tmp_path / "b") == (4, 0)
    before, history = model.get_weights(), History()
    model.fit(X, Y, **FIT, callbacks=[backup, history])  # all epochs were done already
    assert history.epoch == [] and equal(model.get_weights(), before)


def test_no_backup_of_nan_weights_and_the_last_good_one_is_kept(tmp_path):
    bad_x = X.copy()
    bad_x[40] = np.nan  # in the sixth batch of the first epoch (no shuffling)
    model = build()
    backup = BackupAndRestore(tmp_path / "b", save_freq=2)
    with pytest.warns(UserWarning, match="not backing up"):
        model.fit(bad_x, Y, **{**FIT, "shuffle": False}, callbacks=[TerminateOnNaN(), backup])
    assert model._nan_stopped
    assert saved_position(tmp_path / "b") == (0, 4)  # the backup before the NaN batch


def test_invalid_arguments():
    for bad in [0, -2, 1.5, True, "batch"]:
        with pytest.raises(ValueError, match="save_freq"):
            BackupAndRestore("dir", save_freq=bad)
    with pytest.raises(ValueError, match="backup_dir"):
        BackupAndRestore("")


@pytest.mark.parametrize("field, value", [
    ("global_rng_state", {"bit_generator": "os.system", "state": {}}),
    ("global_rng_state", {"bit_generator": "PCG64", "state": {"state": "x", "inc": 1}}),
    ("python_random_state", [3, [1, 2], None]),
    ("numpy_legacy_state", {"bit_generator": "MT19937", "state": {"key": [1], "pos": 0}}),
    ("epoch", -1),
    ("step", "3"),
])
def test_a_backup_with_bad_state_counts_as_damaged(tmp_path, field, value):
    backup = BackupAndRestore(tmp_path / "b", double_checkpoint=False)
    model = interrupted(backup, 9)
    latest = tmp_path / "b" / "latest.ember-ckpt"
    with zipfile.ZipFile(latest) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()
                   if i.filename != "manifest.json"}
    state = json.loads(members["training_state.json"])
    state[field] = value
    members["training_state.json"] = json.dumps(state).encode()
    manifest = {"algorithm": "sha256", "files": {
        n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)} for n, d in members.items()}}
    with zipfile.ZipFile(latest, "w") as zf:  # a consistent manifest: only the content is bad
        for name, data in [*members.items(), ("manifest.json", json.dumps(manifest).encode())]:
            zf.writestr(name, data)
    global_state = ember.utils.random.global_generator().bit_generator.state
    with pytest.warns(UserWarning, match="ignoring a damaged backup"):
        history = History()
        model.fit(X, Y, **FIT, callbacks=[backup, history])
    assert history.epoch == [0, 1, 2, 3]  # nothing usable: started afresh
    assert global_state != ember.utils.random.global_generator().bit_generator.state
