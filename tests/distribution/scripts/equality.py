"""Train three small models under DataParallel and save rank 0's weights and history.

Run as `mpiexec -n 2 python equality.py OUT.npz` (or plain `python equality.py OUT.npz` for
the one-process reference); the test compares the two files. Every rank also checks that
all ranks hold the same weights at the end.
"""

import json
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

import ember
from ember import layers

OUT = sys.argv[1]
dist = ember.distribution.DataParallel(timeout=60)
ember.distribution.set_distribution(dist)


def data(seed, n=64):
    rng = np.random.default_rng(seed)
    return {
        "convnet": (rng.normal(size=(n, 8, 8, 1)).astype("float32"), rng.integers(0, 4, n)),
        "lstm": (rng.normal(size=(n, 5, 3)).astype("float32"),
                 rng.normal(size=(n, 1)).astype("float32")),
        "batchnorm": (rng.normal(size=(n, 6)).astype("float32") * 3 + 1,
                      rng.integers(0, 3, n)),
    }


def build(name):
    if name == "convnet":
        return ember.Sequential([ember.Input(shape=(8, 8, 1)),
                                 layers.Conv2D(4, 3, activation="relu"),
                                 layers.MaxPooling2D(2), layers.Flatten(),
                                 layers.Dense(4, activation="softmax")])
    if name == "lstm":
        return ember.Sequential([ember.Input(shape=(5, 3)), layers.LSTM(6), layers.Dense(1)])
    return ember.Sequential([ember.Input(shape=(6,)), layers.Dense(8, use_bias=False),
                             layers.BatchNormalization(synchronized=True),
                             layers.Activation("relu"), layers.Dense(3, activation="softmax")])


results = {}
for name, (x, y) in data(1).items():
    ember.utils.set_random_seed(0)
    model = build(name)
    loss = "mse" if name == "lstm" else "sparse_categorical_crossentropy"
    metrics = [] if name == "lstm" else ["accuracy"]
    opt = ember.optimizers.Adam(0.01) if name != "lstm" else ember.optimizers.SGD(0.1, 0.9)
    model.compile(opt, loss, metrics=metrics)
    xv, yv = data(2, 24)[name]
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=True,
                        validation_data=(xv, yv))
    for i, w in enumerate(model.get_weights()):
        results[f"{name}/w{i}"] = w
    results[f"{name}/history"] = np.array(json.dumps(history.history))
    flat = np.concatenate([w.ravel() for w in model.get_weights()]).astype(np.float64)
    total = dist.comm.allgather_json([float(flat.sum()), float((flat ** 2).sum())])
    if any(t != total[0] for t in total):
        raise SystemExit(f"rank {dist.process_id}: ranks hold different weights: {total}")
if dist.process_id == 0:
    np.savez(OUT, **results)
print(f"rank {dist.process_id} of {dist.num_processes}: done", flush=True)
