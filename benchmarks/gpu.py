"""The training-step suite on an NVIDIA GPU: ember through CuPy against PyTorch CUDA.

    python benchmarks/gpu.py                       # six models, batch 128 and 1024
    python benchmarks/gpu.py --quick               # fewer rounds (about a minute)
    python benchmarks/gpu.py --models lstm gru --batches 128
    python benchmarks/gpu.py --device gpu:1        # another card (PyTorch uses the same index)

The models are those of `train_suite.py` (mlp, convnet, lenet5, cifar_bn from `suite_conv.py`,
lstm and gru from `suite_rnn.py`): one training step = forward, loss, backward and Adam update
on one batch, float32, sparse categorical cross-entropy from logits. ember builds the model
inside `ember.device("gpu")` and calls `model.train_on_batch(x, y)` with x and y already on the
GPU (CuPy arrays); PyTorch runs the same layers with `.cuda()` tensors (NCHW for images).
Each step ends with a device synchronisation (ember's `train_on_batch` already waits for its
loss value; PyTorch's step calls `loss.item()`), so the time is the step's full GPU time.

Timing follows `common.compare`: calibrated batches of calls, warm-up, then rounds alternating
the two frameworks; the median per-step time and ratio = PyTorch time / ember time (above 1:
ember is faster). Peak device memory: ember's CuPy memory-pool high-water mark
(`total_bytes()` after the steps: the pool keeps what it has grown to) against PyTorch's
`torch.cuda.max_memory_reserved()`, both measured in fresh subprocesses so that one model's
cache does not count against the next.

Targets (issue 16): within 2x of PyTorch CUDA on every model (ratio >= 0.5), at least 1.0x on
the GRU and the LSTM. Results are printed and written to benchmarks/results/gpu.json.
"""

import argparse
import gc
import json
import math
import os
import subprocess
import sys

import common
import numpy as np

import ember
from ember.device import DeviceUnavailableError, get_device

CLASSES = 10


def _suite():
    """The six model specs of train_suite.py (imported lazily: it pins CPU threads)."""
    import train_suite

    return train_suite.MODELS, train_suite.Spec


def ember_step(spec, batch, device):
    """A training step of `spec` on the GPU, data already there."""
    from ember import layers, losses, models, optimizers

    ember.utils.set_random_seed(0)
    with ember.device(device) as dev:
        model = models.Sequential([layers.Input(shape=spec.input_shape), *spec.ember_layers()])
        model.compile(optimizer=optimizers.Adam(),
                      loss=losses.SparseCategoricalCrossentropy(from_logits=True))
        rng = np.random.default_rng(0)
        x = dev.xp.asarray(rng.standard_normal((batch, *spec.input_shape)).astype(np.float32))
        y = dev.xp.asarray(rng.integers(0, CLASSES, batch).astype(np.int64))
    return lambda: model.train_on_batch(x, y)


def torch_step(spec, batch, torch, index):
    torch.manual_seed(0)
    dev = torch.device("cuda", index)
    model = torch.nn.Sequential(*spec.torch_modules(torch.nn)).to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, *spec.input_shape)).astype(np.float32)
    y = rng.integers(0, CLASSES, batch).astype(np.int64)
    if x.ndim == 4:
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    xt, yt = torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xt), yt)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def memory_child(name, framework, batch, device, steps=10):
    """Run `steps` steps of one model in this fresh process; print peak device MiB."""
    models, _ = _suite()
    spec = models[name]
    if framework == "ember":
        import cupy

        step = ember_step(spec, batch, device)
        for _ in range(steps):
            step()
        cupy.cuda.get_current_stream().synchronize()
        peak = cupy.get_default_memory_pool().total_bytes()
    else:
        import torch

        index = int(device.split(":")[1]) if ":" in device else 0
        step = torch_step(spec, batch, torch, index)
        for _ in range(steps):
            step()
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_reserved(index)
    print(json.dumps({"peak_mib": peak / 2**20}))


def measure_memory(name, batch, device):
    row = {}
    for fw in ("ember", "torch"):
        cmd = [sys.executable, os.path.abspath(__file__), "--memory-child", name, fw,
               str(batch), "--device", device]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            row[fw] = None
            print(f"  memory child {name} {fw} failed:\n{res.stderr[-2000:]}", file=sys.stderr)
            continue
        row[fw] = json.loads(res.stdout.strip().splitlines()[-1])["peak_mib"]
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="*", default=None)
    parser.add_argument("--batches", nargs="*", type=int, default=[128, 1024])
    parser.add_argument("--device", default="gpu")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--json", default=None, help="where to write the results "
                        "(default benchmarks/results/gpu.json)")
    parser.add_argument("--memory-child", nargs=3, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        name, fw, batch = args.memory_child
        memory_child(name, fw, int(batch), args.device)
        return
    try:
        dev = get_device(args.device)  # no CuPy or no CUDA device: stops here, saying which
    except DeviceUnavailableError as e:
        sys.exit(f"gpu.py: {e}")
    import cupy
    import torch

    if not torch.cuda.is_available():
        sys.exit("gpu.py: PyTorch was built without CUDA or sees no GPU; the comparison needs "
                 "PyTorch CUDA on the same machine")
    models, _ = _suite()
    names = args.models or ["mlp", "convnet", "lenet5", "cifar_bn", "lstm", "gru"]
    unknown = [n for n in names if n not in models]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; available: {sorted(models)}")
    gpu_name = cupy.cuda.runtime.getDeviceProperties(dev.index)["name"].decode()
    rounds = args.rounds or (5 if args.quick else 10)
    target_s = 0.1 if args.quick else 0.25
    log = lambda msg: print(msg, file=sys.stderr, flush=True)
    log(f"GPU {dev.index}: {gpu_name}; CuPy {cupy.__version__}, torch {torch.__version__}")
    results = []
    for batch in args.batches:
        for name in names:
            spec = models[name]
            gc.collect()
            stats = common.compare({"ember": ember_step(spec, batch, args.device),
                                    "torch": torch_step(spec, batch, torch, dev.index)},
                                   rounds=rounds, target_s=target_s, warmup_batches=2)
            e, t = stats["ember"].median, stats["torch"].median
            mem = None if args.no_memory else measure_memory(name, batch, args.device)
            results.append({"model": name, "batch": batch, "stats": stats,
                            "ratio_vs_torch": t / e, "memory_mib": mem})
            log(f"  {name:<9} batch {batch:<5} ember {common.fmt_time(e)}  torch "
                f"{common.fmt_time(t)}  ratio {t / e:.2f}x")
    headers = ["model", "batch", "ember ms/step", "torch ms/step", "ratio", "target",
               "peak MiB ember / torch"]
    rows = []
    for r in results:
        s = r["stats"]
        target = 1.0 if r["model"] in ("lstm", "gru") else 0.5
        mem = r["memory_mib"]
        mem_text = "-" if not mem else " / ".join(
            "?" if mem[k] is None else f"{mem[k]:.0f}" for k in ("ember", "torch"))
        rows.append([r["model"], str(r["batch"]),
                     f"{s['ember'].median * 1e3:.2f}", f"{s['torch'].median * 1e3:.2f}",
                     f"{r['ratio_vs_torch']:.2f}x",
                     ("met" if r["ratio_vs_torch"] >= target else "MISSED") + f" (>= {target})",
                     mem_text])
    print(f"\n{gpu_name} (device {dev.index})")
    common.print_table(headers, rows)
    ratios = [r["ratio_vs_torch"] for r in results]
    print(f"\ngeometric mean ratio {math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f}x, "
          f"min {min(ratios):.2f}x over {len(ratios)} runs")
    path = args.json or os.path.join(common.results_dir(), "gpu.json")
    common.write_json(path, {"gpu": gpu_name, "device": str(dev), "results": results,
                             "machine": common.machine_info(numpy=np, torch=torch, ember=ember,
                                                            cupy=cupy)})
    print(f"written to {path}")


if __name__ == "__main__":
    main()
