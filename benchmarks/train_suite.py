"""The training-step suite of the benchmark notes: ember against PyTorch (eager, CPU).

    python benchmarks/train_suite.py                 # every model, 2 threads, memory too
    python benchmarks/train_suite.py --quick         # fewer rounds
    python benchmarks/train_suite.py --models mlp    # a subset, by name
    python benchmarks/train_suite.py --no-memory     # skip the peak-RSS subprocesses
    python benchmarks/train_suite.py --profile mlp   # cProfile of ember's step, then exit

One training step = forward, loss, backward and optimizer update on one batch of 128, float32,
Adam (lr 1e-3, Keras defaults; PyTorch with eps=1e-7 to match), sparse categorical
cross-entropy from logits on 10 classes. ember runs through its public API,
`model.train_on_batch(x, y)` on a model built with `Sequential` and compiled with
`compile(optimizer=Adam(), loss=SparseCategoricalCrossentropy(from_logits=True))`; PyTorch
runs `zero_grad(set_to_none=True)`, forward, `CrossEntropyLoss`, `backward()`, `step()` on the
same shapes (NCHW copies of the images, made beforehand, for convolutions).

Both frameworks are warmed up, then alternate in rounds (the order rotates each round) and the
median time per step is reported with its min-max; ratio = PyTorch time / ember time (higher
is better for ember). GFLOP/s counts the dense matrix products only, forward and backward:
6 * batch * in * out per Dense layer (2 for the forward product, 4 for the two backward ones).
Peak memory: each framework runs 30 steps of each model in a fresh subprocess and reports its
peak resident set (VmHWM on Linux, else `getrusage` max RSS), the libraries included.

Models are registered in `MODELS` by name (the notes' ids: mlp, convnet, lenet5, cifar_bn,
lstm, gru); only those whose ember layers exist are built. Results are printed as a table and
written to benchmarks/results/train_suite.json.
"""

import argparse
import gc
import json
import math
import os
import subprocess
import sys

import common

common.pin_thread_env(common.threads_from_argv(default=2))

import numpy as np  # noqa: E402  (after the thread environment is set)

import ember  # noqa: E402

BATCH = 128
CLASSES = 10


# ------------------------------------------------------------------------------------ models
class Spec:
    """One model of the suite: ember and PyTorch builders of the same architecture."""

    def __init__(self, name, input_shape, ember_layers, torch_modules, dense_shapes):
        self.name = name
        self.input_shape = input_shape  # one example, channels last
        self.ember_layers = ember_layers  # () -> list of ember layers
        self.torch_modules = torch_modules  # (nn) -> list of torch modules
        self.dense_shapes = dense_shapes  # [(in, out)] of the dense products, for FLOPs

    def flops(self):
        return sum(6 * BATCH * i * o for i, o in self.dense_shapes)

    def data(self):
        rng = np.random.default_rng(0)
        x = rng.standard_normal((BATCH, *self.input_shape)).astype(np.float32)
        y = rng.integers(0, CLASSES, BATCH).astype(np.int64)
        return x, y

    def ember_step(self):
        from ember import layers, losses, models, optimizers

        ember.utils.set_random_seed(0)
        model = models.Sequential([layers.Input(shape=self.input_shape), *self.ember_layers()])
        model.compile(optimizer=optimizers.Adam(),
                      loss=losses.SparseCategoricalCrossentropy(from_logits=True))
        x, y = self.data()
        return lambda: model.train_on_batch(x, y)

    def torch_step(self, torch):
        torch.manual_seed(0)
        model = torch.nn.Sequential(*self.torch_modules(torch.nn))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        loss_fn = torch.nn.CrossEntropyLoss()
        x, y = self.data()
        xt = torch.from_numpy(np.ascontiguousarray(np.moveaxis(x, -1, 1)) if x.ndim == 4 else x)
        yt = torch.from_numpy(y)

        def step():
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xt), yt)
            loss.backward()
            optimizer.step()
            return loss

        return step


def _mlp():
    from ember import layers

    return [layers.Flatten(), layers.Dense(256, activation="relu"),
            layers.Dense(128, activation="relu"), layers.Dense(CLASSES)]


def _mlp_torch(nn):
    return [nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
            nn.Linear(128, CLASSES)]


MODELS = {
    "mlp": Spec("mlp", (28, 28, 1), _mlp, _mlp_torch, [(784, 256), (256, 128), (128, 10)]),
}


def _register(module_name):
    """Add the specs of a sibling module (`suite_conv`: convnet, lenet5, cifar_bn; `suite_rnn`:
    lstm, gru), each exposing `specs(Spec, CLASSES)` -> {name: Spec}."""
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name != module_name:
            raise
        return
    MODELS.update(module.specs(Spec, CLASSES))


_register("suite_conv")
_register("suite_rnn")


# ------------------------------------------------------------------------------------ memory
def peak_rss_mib():
    """This process's peak resident set in MiB. On Linux from /proc's VmHWM: getrusage's
    ru_maxrss keeps the high-water mark of the process image before `exec`, so a child
    started by the (large) benchmark process would report the parent's peak."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return common.peak_rss_mb()


def memory_child(name, framework, steps=30):
    """Run `steps` training steps of one model in this fresh process; print peak RSS (MiB)."""
    torch = None
    if framework == "torch":
        import torch

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    spec = MODELS[name]
    step = spec.ember_step() if framework == "ember" else spec.torch_step(torch)
    for _ in range(steps):
        step()
    print(json.dumps({"peak_rss_mib": peak_rss_mib()}))


def measure_memory(names, threads, log):
    out = {}
    for name in names:
        row = {}
        for fw in ("ember", "torch"):
            cmd = [sys.executable, os.path.abspath(__file__), "--memory-child", name, fw,
                   "--threads", str(threads)]
            res = subprocess.run(cmd, capture_output=True, text=True, check=True)
            row[fw] = json.loads(res.stdout.strip().splitlines()[-1])["peak_rss_mib"]
        out[name] = row
        log(f"  memory {name}: ember {row['ember']:.0f} MiB, torch {row['torch']:.0f} MiB")
    return out


def profile(name):
    import cProfile
    import pstats

    step = MODELS[name].ember_step()
    for _ in range(20):
        step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(200):
        step()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


# ------------------------------------------------------------------------------------ main
def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--models", nargs="*", default=None, help=f"of {sorted(MODELS)}")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--profile", default=None, help="cProfile ember's step of one model")
    parser.add_argument("--memory-child", nargs=2, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    if args.profile:
        profile(args.profile)
        return
    import torch

    names = args.models or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; available: {sorted(MODELS)}")
    pinned = common.pin_threads(args.threads, torch)
    rounds = args.rounds or (5 if args.quick else 15)
    target_s = 0.1 if args.quick else 0.25
    log = lambda msg: print(msg, file=sys.stderr, flush=True)
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    results = []
    for name in names:
        spec = MODELS[name]
        gc.collect()
        stats = common.compare({"ember": spec.ember_step(), "torch": spec.torch_step(torch)},
                               rounds=rounds, target_s=target_s, warmup_batches=2)
        e, t = stats["ember"].median, stats["torch"].median
        results.append({"model": name, "stats": stats, "ratio_vs_torch": t / e,
                        "flops": spec.flops(),
                        "gflops": {"ember": spec.flops() / e / 1e9,
                                   "torch": spec.flops() / t / 1e9}})
        log(f"  {name:<10} ember {common.fmt_time(e)}  torch {common.fmt_time(t)}  "
            f"ratio {t / e:.2f}x")
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    memory = None if args.no_memory else measure_memory(names, args.threads, log)

    headers = ["model", "ember ms/step", "torch ms/step", "ratio", "GFLOP/s ember / torch"]
    if memory:
        headers.append("peak RSS MiB ember / torch")
    rows = []
    for r in results:
        s, g = r["stats"], r["gflops"]
        row = [r["model"],
               f"{s['ember'].median * 1e3:.2f} [{s['ember'].min * 1e3:.2f}-"
               f"{s['ember'].max * 1e3:.2f}]",
               f"{s['torch'].median * 1e3:.2f} [{s['torch'].min * 1e3:.2f}-"
               f"{s['torch'].max * 1e3:.2f}]",
               f"{r['ratio_vs_torch']:.2f}x", f"{g['ember']:.1f} / {g['torch']:.1f}"]
        if memory:
            m = memory[r["model"]]
            row.append(f"{m['ember']:.0f} / {m['torch']:.0f}")
        rows.append(row)
    print()
    common.print_table(headers, rows)
    ratios = [r["ratio_vs_torch"] for r in results]
    print(f"\ngeometric mean ratio: {math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f}x "
          f"(min {min(ratios):.2f}x) over {len(ratios)} model(s); 1-min load average "
          f"{load_before} before, {load_after} after (other processes on these cores make "
          "the absolute times noisy)")
    path = os.path.join(common.results_dir(), "train_suite.json")
    common.write_json(path, {
        "machine": common.machine_info(numpy=np, torch=torch, ember=ember),
        "threads": pinned, "batch": BATCH, "rounds": rounds, "results": results,
        "memory_peak_rss_mib": memory, "load_average": [load_before, load_after],
    })
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
