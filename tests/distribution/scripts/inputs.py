"""Datasets, PyDatasets, generators and a custom train_step under DataParallel:
`mpiexec -n 2 python inputs.py`. Each is compared inside the script with one process
training on the same global batches (the distribution switched off)."""

import json
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

import ember

dist = ember.distribution.DataParallel(timeout=60)
rng = np.random.default_rng(0)
x = rng.normal(size=(40, 5)).astype("float32")
y = rng.integers(0, 3, 40)


def build():
    ember.utils.set_random_seed(0)
    model = ember.Sequential([ember.Input(shape=(5,)), ember.layers.Dense(6, activation="relu"),
                              ember.layers.Dense(3, activation="softmax")])
    model.compile(ember.optimizers.SGD(0.2, momentum=0.5), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


class Batches(ember.data.PyDataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8]


def generator():
    while True:
        for i in range(5):
            yield x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8]


class TwoOptimizers(ember.Model):
    """A custom train_step calling optimizer.apply itself, twice (as a GAN's does)."""

    def __init__(self):
        super().__init__()
        self.body = ember.layers.Dense(6, activation="tanh")
        self.head = ember.layers.Dense(1)
        self.tracker = ember.metrics.Mean(name="loss")
        self.rows = []  # rows of each batch this rank trained on

    def call(self, inputs, training=False):
        return self.head(self.body(inputs))

    @property
    def metrics(self):
        return [self.tracker]

    def train_step(self, data):
        xb, yb = data
        self.rows.append(len(xb))
        if not self.optimizer.built:
            self(xb)
            self.optimizer.build(self.trainable_weights)
        for part in (self.body, self.head):
            with ember.GradientTape() as tape:
                loss = ember.ops.mean((self(xb, training=True) - yb) ** 2)
            grads = tape.gradient(loss, part.trainable_weights)
            self.optimizer.apply(grads, part.trainable_weights)
        self.tracker.update_state(float(loss.numpy()), sample_weight=len(xb))
        return {"loss": self.tracker.result()}


def custom():
    ember.utils.set_random_seed(0)
    model = TwoOptimizers()
    model.compile(ember.optimizers.Adam(0.05))
    model(x[:1])
    model.optimizer.build(model.trainable_weights)
    return model


def fit(kind):
    if kind == "custom":
        model = custom()
        h = model.fit(x, y[:, None].astype("float32"), batch_size=8, epochs=3, shuffle=False,
                      verbose=0)
        return model, h.history
    model = build()
    if kind == "arrays":
        h = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    elif kind == "dataset":
        h = model.fit(ember.data.Dataset.from_tensor_slices((x, y)).batch(8), epochs=3,
                      verbose=0)
    elif kind == "pydataset":
        h = model.fit(Batches(), epochs=3, shuffle=False, verbose=0)
    else:
        h = model.fit(generator(), steps_per_epoch=5, epochs=3, verbose=0)
    return model, h.history


ember.distribution.set_distribution(None)
ref, ref_hist = fit("arrays")
ref_custom, ref_custom_hist = fit("custom")
ember.distribution.set_distribution(dist)
report = {"rank": dist.process_id}
for kind in ("arrays", "dataset", "pydataset", "generator", "custom"):
    model, hist = fit(kind)
    base, base_hist = (ref_custom, ref_custom_hist) if kind == "custom" else (ref, ref_hist)
    if kind == "custom":
        report["rows"] = sorted(set(model.rows))
    report[kind] = {
        "weights": max(float(np.max(np.abs(a - b))) for a, b in zip(model.get_weights(),
                                                                    base.get_weights())),
        "loss": max(abs(a - b) for a, b in zip(hist["loss"], base_hist["loss"])),
    }
# a subclassed model built by its first step, from a different seed on each rank: its weights
# are rank 0's after that step, so the ranks end equal
ember.utils.set_random_seed(100 + dist.process_id)
lazy = TwoOptimizers()
lazy.compile(ember.optimizers.SGD(0.1))
lazy.fit(x, y[:, None].astype("float32"), batch_size=8, epochs=1, verbose=0)
flat = np.concatenate([w.ravel() for w in lazy.get_weights()]).astype(float)
report["lazy"] = [float(flat.sum()), float((flat ** 2).sum())]
# dropout draws: ranks other than 0 were moved to streams of their own when fit began
report["draw"] = int(ember.utils.random.global_generator().integers(2**62))
every = dist.comm.allgather_json(report)  # one line, from rank 0: ranks' prints interleave
if dist.process_id == 0:
    print("REPORT " + json.dumps(every), flush=True)
