"""Callbacks under DataParallel: `mpiexec -n 2 python callbacks.py OUTDIR`.

Rank 0 alone writes the CSV log and the checkpoint and prints the progress bar; EarlyStopping
stops both ranks at the same epoch and ReduceLROnPlateau lowers the rate alike;
BackupAndRestore resumes both ranks from rank 0's backup, and the resumed run ends with the
weights of an uninterrupted one (checked against a one-process run inside this script, with
the distribution switched off).
"""

import json
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

import ember

OUT = sys.argv[1]
dist = ember.distribution.DataParallel(timeout=60)
rank = dist.process_id
rng = np.random.default_rng(0)
x = rng.normal(size=(48, 4)).astype("float32")
y = (x @ np.array([[1.0], [-2.0], [0.5], [0.0]], "float32")).astype("float32")
report = {"rank": rank}


def model_and_fit(epochs, callbacks, seed=0, verbose=0):
    ember.utils.set_random_seed(seed)
    model = ember.Sequential([ember.Input(shape=(4,)), ember.layers.Dense(8, activation="tanh"),
                              ember.layers.Dense(1)])
    model.compile(ember.optimizers.Adam(0.05), "mse")
    history = model.fit(x, y, batch_size=16, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=(x[:16], y[:16]))
    return model, history


# the reference, on one process: 6 epochs without interruption
reference, _ = model_and_fit(6, [])
ember.distribution.set_distribution(dist)

# files and console on rank 0 only; EarlyStopping alike on both ranks
csv = os.path.join(OUT, f"log_rank{rank}.csv")
ckpt = os.path.join(OUT, f"ckpt_rank{rank}.weights.ember")
stop = ember.callbacks.EarlyStopping(monitor="loss", min_delta=10.0, patience=1)
plateau = ember.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=0,
                                            min_delta=10.0)
stopped, history = model_and_fit(5, [ember.callbacks.CSVLogger(csv),
                                     ember.callbacks.ModelCheckpoint(ckpt,
                                                                     save_weights_only=True),
                                     stop, plateau], verbose=2)
report["learning_rate"] = float(stopped.optimizer.learning_rate)
report["epochs_run"] = len(history.history["loss"])
report["stopped_epoch"] = stop.stopped_epoch
report["loss"] = history.history["loss"]

# BackupAndRestore: 3 epochs with the backup kept (as if stopped there), then a new model
# with another initialisation resumes from rank 0's backup and trains to 6
backup = os.path.join(OUT, "backup")
model_and_fit(3, [ember.callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
resumed, history = model_and_fit(6, [ember.callbacks.BackupAndRestore(backup)], seed=123)
report["resumed_epochs"] = history.epoch
report["resume_max_diff"] = max(float(np.max(np.abs(a - b))) for a, b in zip(
    resumed.get_weights(), reference.get_weights()))
every = dist.comm.allgather_json(report)  # one line, from rank 0: ranks' prints interleave
if dist.process_id == 0:
    print("REPORT " + json.dumps(every), flush=True)
