"""A training step of each suite model on the device module (benchmarks/suite_*.py: mlp,
convnet, lenet5, cifar_bn, lstm, gru), and fit / evaluate / predict of a model built on the
device: weights, optimizer slots, batch-norm statistics and gradients stay device arrays, the
values equal the host run's (models without dropout), predict returns NumPy, and saving writes
host copies that load on either side."""

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

import ember
from ember import layers, losses, models, optimizers
from ember.backend import is_device_array

REAL_GPU = os.environ.get("EMBER_TEST_GPU") == "1"


def tol(rtol, atol):
    """The stand-in runs NumPy itself (tight); a GPU gets RELIABILITY.md's float32 floor."""
    return dict(rtol=max(rtol, 1e-3), atol=max(atol, 1e-4)) if REAL_GPU else dict(
        rtol=rtol, atol=atol)


BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
CLASSES = 10


class Spec:
    """The part of benchmarks/train_suite.py's Spec the suite modules use."""

    def __init__(self, name, input_shape, ember_layers, torch_modules, dense_shapes):
        self.name, self.input_shape, self.ember_layers = name, input_shape, ember_layers


def _suite():
    specs = {"mlp": Spec("mlp", (28, 28, 1), lambda: [
        layers.Flatten(), layers.Dense(256, activation="relu"),
        layers.Dense(128, activation="relu"), layers.Dense(CLASSES)], None, None)}
    for name in ("suite_conv", "suite_rnn"):
        spec = importlib.util.spec_from_file_location(f"ember_bench_{name}", BENCH / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        specs.update(module.specs(Spec, CLASSES))
    return specs


SUITE = _suite()
HAS_DROPOUT = {"convnet", "cifar_bn"}


def _model(spec, device, batch=8):
    ember.utils.set_random_seed(0)
    with ember.device(device):
        model = models.Sequential([layers.Input(shape=spec.input_shape), *spec.ember_layers()])
        model.compile(optimizer=optimizers.Adam(),
                      loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, *spec.input_shape)).astype(np.float32)
    y = rng.integers(0, CLASSES, batch).astype(np.int64)
    return model, x, y


def _assert_on_device(model, where):
    for v in model.weights:
        assert is_device_array(v.data), f"{where}: weight {v.name} is not on the device"
    slots = [v for v in model.optimizer.variables if v is not model.optimizer.iterations]
    for v in slots:
        assert is_device_array(v.data), f"{where}: optimizer variable {v.name} left the device"
    # the step counter stays on the host on purpose (read as a number every step)
    assert type(model.optimizer.iterations.data) is np.ndarray


@pytest.mark.parametrize("name", sorted(SUITE))
def test_a_training_step_of_each_suite_model_stays_on_the_device(name):
    spec = SUITE[name]
    host, x, y = _model(spec, "cpu")
    dev, _, _ = _model(spec, "gpu")
    # inference first: the same seed gives the same initial weights on both sides
    np.testing.assert_allclose(dev.predict(x, verbose=0), host.predict(x, verbose=0),
                               **tol(1e-4, 1e-5))
    h_loss = host.train_on_batch(x, y)
    d_loss = dev.train_on_batch(x, y)
    _assert_on_device(dev, name)
    assert np.isfinite(d_loss).all()
    if name not in HAS_DROPOUT:
        np.testing.assert_allclose(d_loss, h_loss, **tol(1e-4, 1e-5))
        for dv, hv in zip(dev.weights, host.weights):
            # after an Adam step a GPU's rounding can move a weight by up to ~lr where its
            # gradient is ~0 (m / sqrt(v) is then a ratio of rounding errors)
            np.testing.assert_allclose(dv.numpy(), hv.numpy(),
                                       **tol(1e-4, 2e-3 if REAL_GPU else 1e-5))


@pytest.mark.slow
def test_fit_evaluate_predict_of_a_device_model_take_numpy_and_give_numpy(tmp_path):
    spec = SUITE["cifar_bn"]
    model, x, y = _model(spec, "gpu", batch=12)
    hist = model.fit(x, y, batch_size=4, epochs=2, validation_split=0.25, verbose=0)
    assert all(np.isfinite(v).all() for v in hist.history["loss"])
    assert set(hist.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    _assert_on_device(model, "fit")
    result = model.evaluate(x, y, batch_size=5, verbose=0, return_dict=True)
    assert isinstance(result["loss"], float)
    pred = model.predict(x, batch_size=5, verbose=0)
    assert type(pred) is np.ndarray and pred.shape == (12, CLASSES)
    # a host copy is written; it loads on the CPU with the same predictions
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = models.load_model(path)
    assert all(type(v.data) is np.ndarray for v in loaded.weights)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), pred, **tol(1e-5, 1e-6))
    # ... and on the device, from a model saved on the CPU
    with ember.device("gpu"):
        back = models.load_model(path)
    assert all(is_device_array(v.data) for v in back.weights)
    np.testing.assert_allclose(back.predict(x, verbose=0), pred, **tol(1e-5, 1e-6))


def test_a_model_built_on_the_device_trains_there_outside_the_block():
    spec = SUITE["lenet5"]
    model, x, y = _model(spec, "gpu")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)  # outside `ember.device`: still there
    _assert_on_device(model, "fit outside the block")
    assert str(ember.device_of(model)) == "gpu:0"


def test_set_weights_and_get_weights_cross_the_boundary():
    model, x, _ = _model(SUITE["mlp"], "gpu")
    host = [w + 1 for w in model.get_weights()]
    assert all(type(w) is np.ndarray for w in host)
    model.set_weights(host)
    _assert_on_device(model, "set_weights")
    np.testing.assert_allclose(model.get_weights()[0], host[0])


def test_fit_on_arrays_already_on_the_device():
    model, x, y = _model(SUITE["mlp"], "gpu", batch=12)
    with ember.device("gpu") as dev:
        xd, yd = dev.xp.asarray(x), dev.xp.asarray(y)
    hist = model.fit(xd, yd, batch_size=5, epochs=2, shuffle=True, verbose=0)
    assert len(hist.history["loss"]) == 2
    loss = model.train_on_batch(xd, yd)
    assert np.isfinite(loss).all()
    assert model.predict(xd, verbose=0).shape == (12, CLASSES)
    _assert_on_device(model, "fit on device arrays")


def test_datasets_and_generators_feed_a_device_model():
    from ember.data import Dataset

    model, x, y = _model(SUITE["mlp"], "gpu", batch=12)
    ds = Dataset.from_tensor_slices((x, y)).batch(4)
    hist = model.fit(ds, epochs=2, validation_data=Dataset.from_tensor_slices((x, y)).batch(6),
                     verbose=0)
    assert np.isfinite(hist.history["val_loss"]).all()

    def gen():
        for i in range(0, 12, 4):
            yield x[i:i + 4], y[i:i + 4]

    model.fit(gen(), epochs=1, steps_per_epoch=3, verbose=0)
    assert isinstance(model.evaluate(ds, verbose=0, return_dict=True)["loss"], float)
    pred = model.predict(Dataset.from_tensor_slices(x).batch(5), verbose=0)
    assert type(pred) is np.ndarray and pred.shape == (12, CLASSES)
    _assert_on_device(model, "datasets")
