"""Pieces the recipes share: data, small models, a step clock, loss on a fixed set."""

import time

import numpy as np

import ember
from ember.callbacks import Callback


def digits(limit_train=None, limit_test=None, image=False, seed=0):
    """The bundled 8x8 digits scaled to [0, 1]: ((x, y), (x_test, y_test)) with x of shape
    (N, 64), or (N, 8, 8, 1) with `image=True`; optional random subsets (seeded)."""
    (x, y), (xt, yt) = ember.datasets.digits.load_data()
    scale = np.float32(1 / 16)
    x, xt = x.astype(np.float32) * scale, xt.astype(np.float32) * scale
    y, yt = y.astype(np.int64), yt.astype(np.int64)
    rng = np.random.default_rng(seed)
    if limit_train is not None and limit_train < len(x):
        keep = rng.permutation(len(x))[:limit_train]
        x, y = x[keep], y[keep]
    if limit_test is not None and limit_test < len(xt):
        keep = rng.permutation(len(xt))[:limit_test]
        xt, yt = xt[keep], yt[keep]
    shape = (-1, 8, 8, 1) if image else (-1, 64)
    return (x.reshape(shape), y), (xt.reshape(shape), yt)


def images(options, recipe, limit):
    """Images in [0, 1] of shape (N, H, W) and labels, train and test: the bundled digits,
    or MNIST with --dataset mnist (ember.datasets.mnist: downloaded or from its cache)."""
    name = options.dataset or "digits"
    if name == "digits":
        (x, y), (xt, yt) = ember.datasets.digits.load_data()
        x, xt = x.astype(np.float32) / 16, xt.astype(np.float32) / 16
    elif name == "mnist":
        (x, y), (xt, yt) = ember.datasets.mnist.load_data()
        x, xt = x.astype(np.float32) / 255, xt.astype(np.float32) / 255
    else:
        raise ValueError(f"experiment {recipe}: --dataset must be 'digits' or 'mnist'; "
                         f"received {name!r}")
    if limit is not None:
        rng = np.random.default_rng(options.seed)
        keep, keep_t = rng.permutation(len(x))[:limit], rng.permutation(len(xt))[:limit // 2]
        x, y, xt, yt = x[keep], y[keep], xt[keep_t], yt[keep_t]
    return name, (x, y.astype(np.int64)), (xt, yt.astype(np.int64))


def cross_entropy(model, x, y):
    """Mean sparse categorical cross-entropy of a softmax model on (x, y), no gradients."""
    with ember.no_grad():
        p = np.asarray(model(x, training=False).numpy(), dtype=np.float64)  # float64 on purpose
    return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, 1.0))))


def accuracy(model, x, y, batch_size=512):
    """Top-1 accuracy and the predicted classes."""
    pred = model.predict(x, batch_size=batch_size, verbose=0).argmax(axis=-1)
    return float(np.mean(pred == y)), pred


class LossClock(Callback):
    """Records (step, training seconds, loss on a fixed set) at steps 1, 2, 4, ... below
    `every`, then every `every` steps, and at the end; the seconds count train steps only,
    not the evaluations."""

    def __init__(self, x, y, every):
        super().__init__()
        self.x, self.y, self.every = x, y, max(1, int(every))
        self.steps, self.seconds, self.losses = [], [], []
        self._step, self._elapsed, self._t0 = 0, 0.0, 0.0

    def _record(self):
        self.steps.append(self._step)
        self.seconds.append(self._elapsed)
        self.losses.append(cross_entropy(self.model, self.x, self.y))

    def on_train_begin(self, logs=None):
        self._record()

    def on_train_batch_begin(self, batch, logs=None):
        self._t0 = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._elapsed += time.perf_counter() - self._t0
        self._step += 1
        # every `every` steps, and at powers of two before that (the log-scale axis)
        if self._step % self.every == 0 or (self._step < self.every
                                            and self._step & (self._step - 1) == 0):
            self._record()

    def on_train_end(self, logs=None):
        if self.steps[-1] != self._step:
            self._record()


class Timer:
    """`with Timer() as t: ...; t.seconds`."""

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        return False


def count_params(model):
    return int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))
