"""ModelCheckpoint: file templates, best-only modes, batch frequency, NaN and atomicity."""

import os

import numpy as np
import pytest

import ember
import ember.models
from ember import layers
from ember.callbacks import ModelCheckpoint, TerminateOnNaN
from ember.saving import format as fmt

X = np.random.default_rng(0).standard_normal((40, 5)).astype("float32")
Y = (X @ np.arange(5, dtype="float32"))[:, None]


def model():
    m = ember.models.Sequential([layers.Input(shape=(5,)), layers.Dense(4, activation="relu"),
                                 layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return m


def attached(cb):
    """`cb` attached to a real model, for driving its hooks with chosen logs."""
    cb.set_model(model())
    cb.set_params({"epochs": 10, "steps": 5, "verbose": 0})
    return cb


def test_epoch_template_names_each_file_from_the_logs(tmp_path):
    m = model()
    pattern = str(tmp_path / "ckpt" / "{epoch:02d}-{val_loss:.2f}.ember")
    history = m.fit(X, Y, epochs=3, batch_size=10, verbose=0, validation_split=0.25,
                    callbacks=[ModelCheckpoint(pattern)])
    expected = {f"{e + 1:02d}-{v:.2f}.ember" for e, v in enumerate(history.history["val_loss"])}
    assert set(os.listdir(tmp_path / "ckpt")) == expected
    last = sorted(expected)[-1]
    loaded = ember.models.load_model(tmp_path / "ckpt" / last)
    assert np.array_equal(loaded.predict(X, verbose=0), m.predict(X, verbose=0))


def test_weights_only_files_load_into_the_model(tmp_path):
    m = model()
    path = tmp_path / "best.weights.ember"
    m.fit(X, Y, epochs=2, batch_size=10, verbose=0,
          callbacks=[ModelCheckpoint(path, monitor="loss", save_weights_only=True)])
    assert fmt.read_container(path).kind == "ember.weights"
    other = model()
    other.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(m.get_weights(), other.get_weights()))


@pytest.mark.parametrize("mode, monitor, values, saved", [
    ("min", "val_loss", [3.0, 2.0, 2.5, 1.0, 1.0], [1, 2, 4]),
    ("max", "val_loss", [3.0, 2.0, 2.5, 4.0, 4.0], [1, 4]),
    ("auto", "val_loss", [3.0, 2.0, 2.5, 1.0, 1.0], [1, 2, 4]),
    ("auto", "val_accuracy", [0.5, 0.4, 0.6, 0.6, 0.9], [1, 3, 5]),
    ("auto", "val_auc", [0.5, 0.7, 0.6, 0.8, 0.8], [1, 2, 4]),
])
def test_save_best_only_modes(tmp_path, mode, monitor, values, saved):
    cb = attached(ModelCheckpoint(str(tmp_path / "{epoch}.ember"), monitor=monitor, mode=mode,
                                  save_best_only=True, save_weights_only=True))
    for epoch, value in enumerate(values):
        cb.on_epoch_begin(epoch)
        cb.on_epoch_end(epoch, {monitor: value, "loss": 1.0})
    assert sorted(int(n.split(".")[0]) for n in os.listdir(tmp_path)) == saved


def test_initial_value_threshold_and_missing_monitor(tmp_path):
    cb = attached(ModelCheckpoint(str(tmp_path / "{epoch}.ember"), save_best_only=True,
                                  initial_value_threshold=1.5))
    cb.on_epoch_end(0, {"val_loss": 2.0})
    cb.on_epoch_end(1, {"val_loss": 1.2})
    assert os.listdir(tmp_path) == ["2.ember"]
    with pytest.warns(UserWarning, match="only with val_loss available"):
        cb.on_epoch_end(2, {"loss": 0.1})
    assert os.listdir(tmp_path) == ["2.ember"]


def test_verbose_messages_match_keras(tmp_path, capsys):
    path = str(tmp_path / "m.ember")
    cb = attached(ModelCheckpoint(path, save_best_only=True, verbose=1))
    cb.on_epoch_end(0, {"val_loss": 0.156384})
    cb.on_epoch_end(1, {"val_loss": 0.2})
    out = capsys.readouterr().out
    assert f"\nEpoch 1: val_loss improved from None to 0.15638, saving model to {path}" in out
    assert "\nEpoch 2: val_loss did not improve from 0.15638" in out
    every = attached(ModelCheckpoint(path, verbose=1))
    every.on_epoch_end(4, {})
    assert f"\nEpoch 5: saving model to {path}" in capsys.readouterr().out


def test_integer_save_freq_counts_batches_across_epochs(tmp_path):
    m = model()
    pattern = str(tmp_path / "e{epoch}-b{batch}.ember")
    m.fit(X, Y, epochs=2, batch_size=10, verbose=0,
          callbacks=[ModelCheckpoint(pattern, save_freq=3, save_weights_only=True)])
    # 4 batches per epoch, 8 in all: saved after batches 3 and 6 overall
    assert sorted(os.listdir(tmp_path)) == ["e1-b3.ember",
                                            "e2-b2.ember"]


def test_bad_template_and_arguments(tmp_path):
    cb = attached(ModelCheckpoint(str(tmp_path / "{epoch}-{val_acc:.2f}.ember")))
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        cb.on_epoch_end(0, {"loss": 1.0})
    for bad in [0, -1, 1.5, True, "batch"]:
        with pytest.raises(ValueError, match="save_freq"):
            ModelCheckpoint("x.ember", save_freq=bad)
    with pytest.warns(UserWarning, match="fallback to auto"):
        assert ModelCheckpoint("x.ember", mode="biggest").mode == "min"
    (tmp_path / "dir.ember").mkdir()
    with pytest.raises(OSError, match="existing directory"):
        attached(ModelCheckpoint(str(tmp_path / "dir.ember"))).on_epoch_end(0, {})


def test_never_saves_after_a_nan(tmp_path):
    path = tmp_path / "m.ember"
    m = model()
    m.fit(X, Y, epochs=1, batch_size=10, verbose=0, callbacks=[ModelCheckpoint(path)])
    good = path.read_bytes()
    bad_y = Y.copy()
    bad_y[3] = np.nan
    with pytest.warns(UserWarning, match="not saving"):
        m.fit(X, bad_y, epochs=2, batch_size=10, verbose=0, shuffle=False,
              callbacks=[TerminateOnNaN(), ModelCheckpoint(path)])
    assert m._nan_stopped
    assert path.read_bytes() == good  # the last good checkpoint is untouched
    cb = attached(ModelCheckpoint(path))
    cb.model.layers[0].kernel.assign(np.full((5, 4), np.inf, "float32"))
    with pytest.warns(UserWarning, match="holds NaN or inf"):
        cb.on_epoch_end(0, {"loss": 1.0})
    assert path.read_bytes() == good


def test_a_crash_while_saving_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "m.ember"
    cb = attached(ModelCheckpoint(path))
    cb.on_epoch_end(0, {})
    good = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("ember.saving.api.write_tensors", crash)
    with pytest.raises(OSError, match="disk full"):
        cb.on_epoch_end(1, {})
    assert path.read_bytes() == good and os.listdir(tmp_path) == ["m.ember"]
