"""BackupAndRestore with a layer owning a keras.random.SeedGenerator: its state is in the
backup, so the resumed run draws the same noise and ends bit for bit equal."""

import json
import os
import zipfile

import numpy as np
import pytest

import ember
from ember import layers
from ember.callbacks import BackupAndRestore, Callback

X = np.random.default_rng(0).standard_normal((48, 4)).astype("float32")
Y = np.random.default_rng(1).integers(0, 3, 48)
FIT = {"epochs": 3, "batch_size": 8, "verbose": 0}


class SeededNoise(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = ember.random.SeedGenerator(7)

    def call(self, x, training=False):
        if not training:
            return x
        return ember.random.dropout(x, 0.3, seed=self.seed_generator) + ember.random.normal(
            x.shape, stddev=0.2, seed=self.seed_generator)


def build():
    model = ember.models.Sequential([layers.Input(shape=(4,)), SeededNoise(),
                                     layers.Dense(8, activation="relu"),
                                     layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


class StopAfter(Callback):
    def __init__(self, n):
        super().__init__()
        self.n, self.seen = n, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.n:
            raise KeyboardInterrupt("simulated crash")


def test_seed_generator_state_is_backed_up_and_restored(tmp_path):
    ember.utils.set_random_seed(0)
    ref = build()
    ref.fit(X, Y, **FIT)
    expected = ref.get_weights()

    ember.utils.set_random_seed(0)
    model = build()
    backup = BackupAndRestore(tmp_path / "b", save_freq=2, delete_checkpoint=False)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, **FIT, callbacks=[backup, StopAfter(9)])
    with zipfile.ZipFile(os.path.join(tmp_path / "b", "latest.ember-ckpt")) as zf:
        state = json.loads(zf.read("training_state.json"))
    (key, saved), = state["seed_generator_states"].items()
    assert saved == [7, 2 * 9]  # two draws per step; the interrupt backs up step 9
    # a fresh model (a restart): its SeedGenerator starts at [7, 0] and must be restored
    ember.layers.clear_session()
    ember.utils.set_random_seed(3)
    fresh = build()
    fresh.fit(X, Y, **FIT, callbacks=[BackupAndRestore(tmp_path / "b")])
    assert all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), expected))
    assert fresh.layers[0].seed_generator.state.numpy().tolist() == \
        ref.layers[0].seed_generator.state.numpy().tolist()


def test_a_damaged_seed_state_is_refused(tmp_path):
    from ember.saving.errors import FileFormatError
    from ember.saving.training_state import check_seed_states

    with pytest.raises(FileFormatError, match="two integers"):
        check_seed_states({"x#0": [1, -1]}, "backup")
    with pytest.raises(FileFormatError, match="two integers"):
        check_seed_states({"x#0": [1, 2, 3]}, "backup")
    check_seed_states({"x#0": [1, 2]}, "backup")
