"""A rank that fails, under `mpiexec -n 2 python faults.py MODE`: the run must end (never
hang) with a clear message. MODE: raise | die | kill | stall | model | data."""

import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

import ember

MODE = sys.argv[1]
dist = ember.distribution.DataParallel(timeout=5)
ember.distribution.set_distribution(dist)
rank = dist.process_id


class Fail(ember.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        if rank == 1 and batch == 2:
            if MODE == "raise":
                raise RuntimeError("rank 1 fails on purpose at step 2")
            if MODE == "die":
                os._exit(3)  # no message, no cleanup
            if MODE == "kill":
                os.kill(os.getpid(), 9)  # killed by the system (out of memory, ...)


ember.utils.set_random_seed(0)
width = 5 if (MODE == "model" and rank == 1) else 4
model = ember.Sequential([ember.Input(shape=(3,)), ember.layers.Dense(width),
                          ember.layers.Dense(1)])
model.compile("sgd", "mse")
n = 40 if (MODE == "data" and rank == 1) else 32
x, y = np.ones((n, 3), "float32"), np.ones((n, 1), "float32")
if MODE == "stall" and rank == 1:
    time.sleep(60)  # never joins the training loop
    sys.exit(0)
model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[Fail()])
print(f"rank {rank}: finished", flush=True)
