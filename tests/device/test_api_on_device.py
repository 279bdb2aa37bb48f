"""Every loss, metric, optimizer and callback on the device module: values equal the host's,
results and state stay device arrays (metric sums, optimizer slots), and the callbacks of a
`fit` on a device model work (checkpoints are host files). Coverage tests fail for a public
class without a case."""

import inspect
import os

import numpy as np
import pytest

import ember
from ember import callbacks, layers, losses, metrics, models, optimizers
from ember.backend import is_device_array
from ember.tensor import Tensor, Variable

REAL_GPU = os.environ.get("EMBER_TEST_GPU") == "1"


def tol(rtol, atol):
    """The stand-in runs NumPy itself (tight); a GPU gets RELIABILITY.md's float32 floor."""
    return dict(rtol=max(rtol, 1e-3), atol=max(atol, 1e-4)) if REAL_GPU else dict(
        rtol=rtol, atol=atol)


RNG = np.random.default_rng(0)
N, K = 6, 4
PROBS = RNG.dirichlet(np.ones(K), N).astype(np.float32)
ONEHOT = np.eye(K, dtype=np.float32)[RNG.integers(0, K, N)]
LABELS = ONEHOT.argmax(-1)
BIN_T = RNG.integers(0, 2, (N, 1)).astype(np.float32)
BIN_P = RNG.uniform(0.05, 0.95, (N, 1)).astype(np.float32)
REG_T = RNG.uniform(0.5, 2.0, (N, 3)).astype(np.float32)
REG_P = RNG.uniform(0.5, 2.0, (N, 3)).astype(np.float32)
SIGNS = np.where(BIN_T > 0, 1.0, -1.0).astype(np.float32)

# (y_true, y_pred) per kind of target
DATA = {"categorical": (ONEHOT, PROBS), "sparse": (LABELS, PROBS), "binary": (BIN_T, BIN_P),
        "regression": (REG_T, REG_P), "hinge": (SIGNS, BIN_P - 0.5)}

LOSSES = {
    "BinaryCrossentropy": "binary", "CategoricalCrossentropy": "categorical",
    "CategoricalHinge": "categorical", "CosineSimilarity": "regression", "Hinge": "hinge",
    "Huber": "regression", "KLDivergence": "categorical", "LogCosh": "regression",
    "MeanAbsoluteError": "regression", "MeanAbsolutePercentageError": "regression",
    "MeanSquaredError": "regression", "MeanSquaredLogarithmicError": "regression",
    "Poisson": "regression", "SparseCategoricalCrossentropy": "sparse",
    "SquaredHinge": "hinge",
}
METRICS = {
    "AUC": "binary", "Accuracy": "sparse_argmax", "BinaryAccuracy": "binary",
    "BinaryCrossentropy": "binary", "CategoricalAccuracy": "categorical",
    "CategoricalCrossentropy": "categorical", "CategoricalHinge": "categorical",
    "CosineSimilarity": "regression", "FalseNegatives": "binary", "FalsePositives": "binary",
    "Hinge": "hinge", "KLDivergence": "categorical", "LogCoshError": "regression",
    "MeanAbsoluteError": "regression", "MeanAbsolutePercentageError": "regression",
    "MeanSquaredError": "regression", "MeanSquaredLogarithmicError": "regression",
    "Poisson": "regression", "Precision": "binary", "Recall": "binary",
    "RootMeanSquaredError": "regression", "SparseCategoricalAccuracy": "sparse",
    "SparseCategoricalCrossentropy": "sparse", "SparseTopKCategoricalAccuracy": "sparse",
    "SquaredHinge": "hinge", "TopKCategoricalAccuracy": "categorical",
    "TrueNegatives": "binary", "TruePositives": "binary",
}
ABSTRACT = {"Loss", "LossFunctionWrapper", "Metric", "MeanMetricWrapper", "Optimizer",
            "Callback", "CallbackList", "Mean", "Sum"}


def _classes(module):
    return {n for n in dir(module) if inspect.isclass(getattr(module, n))
            and not n.startswith("_") and n not in ABSTRACT}


def _data(kind):
    if kind == "sparse_argmax":
        return LABELS[:, None], PROBS.argmax(-1)[:, None]
    return DATA[kind]


def test_every_loss_and_metric_has_a_device_case():
    assert _classes(losses) <= set(LOSSES), sorted(_classes(losses) - set(LOSSES))
    assert _classes(metrics) <= set(METRICS), sorted(_classes(metrics) - set(METRICS))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_on_the_device(name):
    t, p = _data(LOSSES[name])
    host = getattr(losses, name)()(t, Tensor(p))
    with ember.device("gpu"):
        yt, yp = Tensor(t), Tensor(p)
    dev = getattr(losses, name)()(yt, yp)
    assert is_device_array(dev.data), name
    np.testing.assert_allclose(dev.numpy(), host.numpy(), **tol(1e-5, 1e-6))


@pytest.mark.parametrize("name", sorted(METRICS))
def test_metric_on_the_device(name):
    t, p = _data(METRICS[name])
    host = getattr(metrics, name)()
    host.update_state(t, p)
    host.update_state(t[:3], p[:3], sample_weight=np.arange(3.0))
    with ember.device("gpu"):
        m = getattr(metrics, name)()
        yt, yp = Tensor(t), Tensor(p)
    m.update_state(yt, yp)
    m.update_state(yt[:3], yp[:3], sample_weight=np.arange(3.0))
    for v in m.variables:
        assert is_device_array(v.data), f"{name}: state {v.name} is not on the device"
    result = m.result()
    assert is_device_array(result.data), name
    np.testing.assert_allclose(result.numpy(), host.result().numpy(), **tol(1e-5, 1e-6))


OPTIMIZERS = {
    "SGD": {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
    "Adam": {"amsgrad": True}, "AdamW": {"weight_decay": 0.1}, "Nadam": {},
    "Adagrad": {}, "RMSprop": {"momentum": 0.5, "centered": True},
}


def test_every_optimizer_has_a_device_case():
    assert _classes(optimizers) - {"LossScaleOptimizer"} <= set(OPTIMIZERS)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("clip", [None, "clipnorm", "global_clipnorm", "clipvalue"])
def test_optimizer_on_the_device(name, clip):
    kwargs = dict(OPTIMIZERS[name])
    if clip:
        kwargs[clip] = 0.5
    grads = [RNG.standard_normal((3, 2)).astype(np.float32) for _ in range(3)]
    start = np.arange(6, dtype=np.float32).reshape(3, 2)
    host_v = Variable(start)
    host = getattr(optimizers, name)(**kwargs)
    with ember.device("gpu"):
        v = Variable(start)
        opt = getattr(optimizers, name)(**kwargs)
        gs = [Tensor(g) for g in grads]
    for g, hg in zip(gs, grads):
        opt.apply_gradients([(g, v)])
        host.apply_gradients([(hg, host_v)])
    assert is_device_array(v.data)
    for slot in opt.variables:
        if slot is not opt.iterations:
            assert is_device_array(slot.data), f"{name}: slot {slot.name} left the device"
    np.testing.assert_allclose(v.numpy(), host_v.numpy(), **tol(1e-5, 1e-6))
    # optimizer state crosses the boundary both ways
    state = opt.get_state()
    assert all(type(a) is np.ndarray for a in state.values())
    opt.set_state(state)
    assert all(is_device_array(s.data) for s in opt.variables if s is not opt.iterations)


def test_callbacks_during_fit_on_the_device(tmp_path):
    with ember.device("gpu"):
        model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(8, activation="relu"),
                                   layers.Dropout(0.2), layers.Dense(2)])
        model.compile(optimizers.Adam(1e-2),
                      losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
    x = RNG.standard_normal((24, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    seen = []
    cbs = [
        callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True),
        callbacks.ModelCheckpoint(str(tmp_path / "best.keras"), save_best_only=True),
        callbacks.ReduceLROnPlateau(patience=1, factor=0.5),
        callbacks.LearningRateScheduler(lambda epoch, lr: lr),
        callbacks.TerminateOnNaN(),
        callbacks.CSVLogger(str(tmp_path / "log.csv")),
        callbacks.BackupAndRestore(str(tmp_path / "backup")),
        callbacks.TensorBoard(str(tmp_path / "tb")),
        callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs["loss"])),
        callbacks.ProgbarLogger(),
    ]
    hist = model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, callbacks=cbs,
                     verbose=0)
    assert len(seen) == 3 and all(isinstance(v, float) for v in seen)
    assert isinstance(hist, callbacks.History) and len(hist.history["loss"]) == 3
    assert all(is_device_array(v.data) for v in model.weights)
    best = models.load_model(tmp_path / "best.keras")
    assert all(type(v.data) is np.ndarray for v in best.weights)
    assert (tmp_path / "log.csv").read_text().count("\n") == 4


def test_every_callback_has_a_device_case():
    covered = {"EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau", "LearningRateScheduler",
               "TerminateOnNaN", "CSVLogger", "BackupAndRestore", "TensorBoard",
               "LambdaCallback", "ProgbarLogger", "History", "Progbar"}
    assert _classes(callbacks) <= covered, sorted(_classes(callbacks) - covered)
