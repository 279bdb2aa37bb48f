"""`optimizer.learning_rate` is a float32 Variable (`.assign`, `.numpy`), as in Keras 3; it is
logged only when a schedule or a callback drives it."""

import os

import numpy as np
import pytest

import ember
from ember.callbacks import LearningRateScheduler, ReduceLROnPlateau
from ember.optimizers import SGD, Adam, schedules


def tiny(optimizer):
    model = ember.models.Sequential([ember.layers.Input(shape=(2,)), ember.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    x = np.random.default_rng(0).standard_normal((16, 2)).astype("float32")
    return model, x, x[:, :1] * 2


def test_assign_and_numpy_as_keras():
    opt = Adam(learning_rate=0.01)
    lr = opt.learning_rate
    assert isinstance(lr, ember.Variable) and not lr.trainable
    assert lr.numpy().dtype == np.float32 and lr.numpy() == np.float32(0.01)
    lr.assign(0.5)
    assert float(opt.learning_rate) == 0.5
    opt.learning_rate = 0.25  # a float assigns the same Variable in place
    assert opt.learning_rate is lr and float(lr) == 0.25
    with pytest.raises(ValueError, match="learning_rate"):
        opt.learning_rate = -1.0


def test_keras_parity():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    ref, ours = keras.optimizers.Adam(learning_rate=0.01), Adam(learning_rate=0.01)
    assert ref.learning_rate.dtype == ours.learning_rate.dtype.name == "float32"
    ref.learning_rate.assign(0.003)
    ours.learning_rate.assign(0.003)
    assert float(ref.learning_rate.numpy()) == float(ours.learning_rate.numpy())
    assert ref.get_config()["learning_rate"] == ours.get_config()["learning_rate"]


def test_an_assigned_rate_drives_the_step_and_is_saved(tmp_path):
    model, x, y = tiny(SGD(learning_rate=0.1))
    w0 = model.get_weights()
    model.optimizer.learning_rate.assign(0.0)
    model.fit(x, y, epochs=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(w0, model.get_weights(), strict=True))
    model.optimizer.learning_rate.assign(0.03)
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.ember")
    loaded = ember.models.load_model(tmp_path / "m.ember")
    assert float(loaded.optimizer.learning_rate) == float(np.float32(0.03))
    assert isinstance(loaded.optimizer.learning_rate, ember.Variable)


def test_schedules_still_drive_the_rate_and_are_logged():
    schedule = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    model, x, y = tiny(SGD(learning_rate=schedule))
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)  # 2 steps an epoch
    assert isinstance(model.optimizer.learning_rate, float)
    assert model.optimizer.learning_rate == pytest.approx(0.1 * 0.5**4)
    assert history.history["learning_rate"] == pytest.approx([0.1 * 0.5**2, 0.1 * 0.5**4])
    with pytest.raises(TypeError, match="not settable"):
        model.optimizer.learning_rate = 0.5


def test_a_constant_rate_is_not_logged_a_callback_rate_is():
    model, x, y = tiny(SGD(learning_rate=0.1))
    assert "learning_rate" not in model.fit(x, y, epochs=2, verbose=0).history
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[
        LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3])
    lr = model.optimizer.learning_rate
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[
        ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=1e9)])
    # logged before the callback acts; it reduces at the end of the second epoch
    assert history.history["learning_rate"] == pytest.approx([0.1 / 3, 0.1 / 3])
    assert model.optimizer.learning_rate is lr  # changed in place
    assert float(lr) == pytest.approx(0.1 / 6)
