"""ember's convolution and pooling ops against PyTorch (eager, CPU), in one process.

    python benchmarks/conv_ops.py              # full run (a few minutes on 2 cores)
    python benchmarks/conv_ops.py --quick      # fewer rounds
    python benchmarks/conv_ops.py --memory     # also peak memory, one subprocess per case
    python benchmarks/conv_ops.py --threads 1

Cases: the convolution layers of the training-step suite (BENCHMARKS.md: convnet, lenet5,
cifar_bn) at batch 128, and 2x2 max/average pooling on their feature maps, each forward
("fwd") and forward + backward ("fwd+bwd", seeded with a fixed output gradient). ember runs
channels-last (N, H, W, C); PyTorch runs `torch.nn.functional.conv2d` / `max_pool2d` /
`avg_pool2d` on NCHW copies of the same data made beforehand. Both record the graph (weights
and bias require grad); the input requires grad except for a model's first layer (the image),
as in a training step, so the first layers compute no data gradient.

GFLOP/s counts 2*N*Ho*Wo*kh*kw*Cin*Cout per forward convolution; the backward adds one such
product for the weight gradient and one for the data gradient when it is computed (so
fwd+bwd is 3x the forward, 2x for first layers). Ratio = PyTorch time / ember time
(throughput; higher is better for ember). Threads: BLAS and OpenMP pinned to --threads
through the environment before NumPy is imported, `torch.set_num_threads` the same.

With --memory (Linux) every case also runs once per framework in a fresh subprocess and reports
the growth of the resident set during one forward + backward over the live data before it (a
warm-up step first, freed memory returned to the system, the high-water mark reset), in MiB.
Results: benchmarks/results/conv_ops.json.
"""

import argparse
import gc
import math
import os
import statistics
import subprocess
import sys
import time

import common

common.pin_thread_env(common.threads_from_argv(default=2))

import numpy as np  # noqa: E402  (after the thread environment is set)

import ember  # noqa: E402
from ember.ops.convolution import conv2d  # noqa: E402
from ember.ops.pooling import avg_pool2d, max_pool2d  # noqa: E402

BATCH = 128
# name, (H, W, Cin), Cout, kernel, padding, first layer of its model
CONVS = [
    ("convnet conv1 28x28x1->32 3x3", (28, 28, 1), 32, 3, "valid", True),
    ("convnet conv2 13x13x32->64 3x3", (13, 13, 32), 64, 3, "valid", False),
    ("lenet5 conv1 28x28x1->6 5x5 same", (28, 28, 1), 6, 5, "same", True),
    ("lenet5 conv2 14x14x6->16 5x5", (14, 14, 6), 16, 5, "valid", False),
    ("cifar conv1 32x32x3->32 3x3 same", (32, 32, 3), 32, 3, "same", True),
    ("cifar conv2 32x32x32->32 3x3 same", (32, 32, 32), 32, 3, "same", False),
    ("cifar conv3 16x16x32->64 3x3 same", (16, 16, 32), 64, 3, "same", False),
    ("cifar conv4 16x16x64->64 3x3 same", (16, 16, 64), 64, 3, "same", False),
]
# name, (H, W, C), kind
POOLS = [
    ("convnet maxpool 26x26x32", (26, 26, 32), "max"),
    ("convnet maxpool 11x11x64", (11, 11, 64), "max"),
    ("lenet5 avgpool 28x28x6", (28, 28, 6), "avg"),
    ("cifar maxpool 32x32x32", (32, 32, 32), "max"),
    ("cifar maxpool 16x16x64", (16, 16, 64), "max"),
    ("avgpool 32x32x32", (32, 32, 32), "avg"),
]


class Case:
    """One op on fixed data, with per-framework step closures."""

    def __init__(self, name, kind, shape, cout=None, k=None, padding=None, first=False):
        self.name, self.kind, self.shape = name, kind, shape
        self.cout, self.k, self.padding, self.first = cout, k, padding, first
        rng = np.random.default_rng(0)
        h, w, c = shape
        self.x = rng.standard_normal((BATCH, h, w, c), dtype=np.float32)
        if kind == "conv":
            fan_in = k * k * c
            self.w = (rng.standard_normal((k, k, c, cout), dtype=np.float32)
                      / np.float32(math.sqrt(fan_in)))
            self.b = rng.standard_normal(cout, dtype=np.float32)
        y = self.ember_forward(*self.ember_inputs())
        self.gy = rng.standard_normal(y.shape, dtype=np.float32)
        self.out_shape = y.shape

    def flops(self, backward):
        if self.kind != "conv":
            return None
        _, ho, wo, _ = self.out_shape
        fwd = 2 * BATCH * ho * wo * self.k * self.k * self.shape[2] * self.cout
        return fwd * ((2 if self.first else 3) if backward else 1)

    # ---- ember
    def ember_inputs(self):
        x = ember.Tensor(self.x.copy(), requires_grad=not self.first)
        if self.kind != "conv":
            return (x,)
        return (x, ember.Variable(self.w.copy()), ember.Variable(self.b.copy()))

    def ember_forward(self, *ts):
        if self.kind == "conv":
            return conv2d(ts[0], ts[1], ts[2], padding=self.padding)
        return (max_pool2d if self.kind == "max" else avg_pool2d)(ts[0], 2)

    # ---- torch
    def torch_inputs(self, torch):
        x = torch.tensor(self.x.transpose(0, 3, 1, 2).copy(), requires_grad=not self.first)
        if self.kind != "conv":
            return (x,)
        w = torch.tensor(self.w.transpose(3, 2, 0, 1).copy(), requires_grad=True)
        return (x, w, torch.tensor(self.b.copy(), requires_grad=True))

    def torch_forward(self, torch, *ts):
        f = torch.nn.functional
        if self.kind == "conv":
            return f.conv2d(ts[0], ts[1], ts[2], padding=self.padding)
        return (f.max_pool2d if self.kind == "max" else f.avg_pool2d)(ts[0], 2)

    def steps(self, backward, torch):
        fns = {}
        ex = self.ember_inputs()
        e_leaves = [t for t in ex if t.requires_grad]
        gy = self.gy
        if backward:
            def ember_step():
                self.ember_forward(*ex).backward(gy)
                for t in e_leaves:
                    t.grad = None
        else:
            def ember_step():
                self.ember_forward(*ex)
        fns["ember"] = ember_step
        if torch is not None:
            tx = self.torch_inputs(torch)
            t_leaves = [t for t in tx if t.requires_grad]
            tgy = torch.tensor(self.gy.transpose(0, 3, 1, 2).copy())
            if backward:
                def torch_step():
                    self.torch_forward(torch, *tx).backward(tgy)
                    for t in t_leaves:
                        t.grad = None
            else:
                def torch_step():
                    self.torch_forward(torch, *tx)
            fns["torch"] = torch_step
        return fns

    def check(self, torch):
        """Both frameworks compute the same values and gradients (else the timing is moot)."""
        ex = self.ember_inputs()
        y = self.ember_forward(*ex)
        y.backward(self.gy)
        tx = self.torch_inputs(torch)
        ty = self.torch_forward(torch, *tx)
        ty.backward(torch.tensor(self.gy.transpose(0, 3, 1, 2).copy()))
        scale = math.sqrt(self.k * self.k * self.shape[2]) if self.kind == "conv" else 1
        tol = dict(rtol=1e-3, atol=1e-4 * scale)
        np.testing.assert_allclose(y.data, ty.detach().numpy().transpose(0, 2, 3, 1), **tol,
                                   err_msg=f"{self.name} forward")
        pairs = [(ex[0], tx[0], (0, 2, 3, 1))]
        if self.kind == "conv":
            pairs += [(ex[1], tx[1], (2, 3, 1, 0)), (ex[2], tx[2], (0,))]
        for e, t, perm in pairs:
            if e.requires_grad:
                gtol = dict(rtol=1e-3, atol=1e-4 * math.sqrt(BATCH * np.prod(self.out_shape[1:3])))
                np.testing.assert_allclose(e.grad.data, t.grad.numpy().transpose(perm), **gtol,
                                           err_msg=f"{self.name} gradient")


def all_cases():
    cases = [Case(n, "conv", s, c, k, p, f) for n, s, c, k, p, f in CONVS]
    cases += [Case(n, kind, s) for n, s, kind in POOLS]
    return cases


# ------------------------------------------------------------------------------------ timing
def compare_settled(cases, rounds, target_s, settle_s, log):
    """`common.compare_many` (rounds interleaved across cases, frameworks alternating in a
    rotating order) with a pause before every timed batch.

    Both libraries keep worker threads spinning after their last parallel region (OpenBLAS
    for about 0.1 s, PyTorch's OpenMP pool for milliseconds); on a 2-core machine a batch
    that starts while the other library's threads still spin is slowed by 2-50x at random.
    The pause lets them go to sleep; one untimed call then wakes the library's own threads
    and caches, so each batch measures back-to-back calls, as in a training loop.
    """
    numbers = []
    for fns in cases:
        nums = {}
        for name, fn in fns.items():
            time.sleep(settle_s)
            nums[name] = common.calibrate(fn, target_s)
            common._time_batch(fn, nums[name])  # warm-up
        numbers.append(nums)
    samples = [{name: [] for name in fns} for fns in cases]
    gc.collect()
    for r in range(rounds):
        for fns, nums, out in zip(cases, numbers, samples):
            names = list(fns)
            k = r % len(names)
            for name in names[k:] + names[:k]:
                time.sleep(settle_s)
                out[name].append(common._time_batch(fns[name], nums[name]) / nums[name])
        log(f"  round {r + 1}/{rounds}")
    return [{name: common.Stats(median=statistics.median(v), min=min(v), max=max(v),
                                number=nums[name], rounds=rounds, samples=v)
             for name, v in out.items()} for out, nums in zip(samples, numbers)]


# ------------------------------------------------------------------------------------ memory
def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _hwm_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def memory_child(index, framework, backward):
    """Run one case in this (fresh) process; print the step's peak-RSS growth in MiB.

    One warm-up step first (library buffers, thread pools, kernel caches), then glibc's free
    memory is returned to the system (`malloc_trim`) so the resident set is the live data,
    the kernel's high-water mark is reset (/proc/self/clear_refs), and one step runs: the
    growth is the step's transient memory (temporaries, saved tensors, outputs, gradients).
    """
    import ctypes

    torch = None
    if framework == "torch":
        import torch
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    case = all_cases()[index]
    fn = case.steps(backward, torch)[framework]
    fn()
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    before = _rss_mb()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    fn()
    print(f"{_hwm_mb() - before:.1f}")


def measure_memory(cases, threads, log):
    out = {}
    for i, case in enumerate(cases):
        row = {}
        for fw in ("ember", "torch"):
            cmd = [sys.executable, os.path.abspath(__file__), "--memory-child", str(i), fw,
                   "--threads", str(threads)]
            res = subprocess.run(cmd, capture_output=True, text=True, check=True)
            row[fw] = float(res.stdout.strip().splitlines()[-1])
        out[case.name] = row
        log(f"  memory {case.name}: ember +{row['ember']:.0f} MiB, torch +{row['torch']:.0f} MiB")
    return out


# ------------------------------------------------------------------------------------ main
def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--only", default=None, help="run cases whose name contains this")
    parser.add_argument("--settle", type=float, default=0.15,
                        help="seconds of pause before each timed batch (thread pools idle)")
    parser.add_argument("--memory-child", nargs=2, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(int(args.memory_child[0]), args.memory_child[1], True)
        return
    import torch

    pinned = common.pin_threads(args.threads, torch)
    rounds = args.rounds or (5 if args.quick else 11)
    target_s = 0.05 if args.quick else 0.1
    log = lambda msg: print(msg, file=sys.stderr, flush=True)
    cases = [c for c in all_cases() if args.only is None or args.only in c.name]
    runs = []
    for case in cases:
        case.check(torch)
        for backward in (False, True):
            runs.append((case, "fwd+bwd" if backward else "fwd", case.steps(backward, torch)))
    log(f"{len(runs)} runs checked; timing {rounds} rounds")
    all_stats = compare_settled([fns for _, _, fns in runs], rounds, target_s, args.settle, log)
    results = []
    for (case, mode, _), stats in zip(runs, all_stats):
        e, t = stats["ember"].median, stats["torch"].median
        flops = case.flops(mode == "fwd+bwd")
        results.append({
            "case": case.name, "mode": mode, "stats": stats,
            "ratio_vs_torch": t / e, "flops": flops,
            "gflops": None if flops is None else {"ember": flops / e / 1e9,
                                                  "torch": flops / t / 1e9},
        })
    memory = measure_memory(cases, args.threads, log) if args.memory else None

    headers = ["case", "mode", "ember ms", "torch ms", "ratio", "GFLOP/s ember / torch"]
    if memory:
        headers.append("peak MiB ember / torch")
    rows = []
    for r in results:
        g = r["gflops"]
        row = [r["case"], r["mode"], f"{r['stats']['ember'].median * 1e3:.2f}",
               f"{r['stats']['torch'].median * 1e3:.2f}", f"{r['ratio_vs_torch']:.2f}x",
               "-" if g is None else f"{g['ember']:.0f} / {g['torch']:.0f}"]
        if memory:
            m = memory[r["case"]]
            row.append(f"{m['ember']:.0f} / {m['torch']:.0f}" if r["mode"] == "fwd+bwd" else "")
        rows.append(row)
    print()
    common.print_table(headers, rows)
    groups = {}
    for r in results:
        kind = "conv" if r["flops"] is not None else "pool"
        groups.setdefault((kind, r["mode"]), []).append(r["ratio_vs_torch"])
    print()
    for (kind, mode), ratios in groups.items():
        gm = math.exp(sum(math.log(x) for x in ratios) / len(ratios))
        print(f"geometric mean ratio, {kind} {mode}: {gm:.2f}x (min {min(ratios):.2f}x)")
    allr = [r["ratio_vs_torch"] for r in results]
    print(f"geometric mean ratio, all: "
          f"{math.exp(sum(math.log(x) for x in allr) / len(allr)):.2f}x")
    path = os.path.join(common.results_dir(), "conv_ops.json")
    common.write_json(path, {
        "machine": common.machine_info(numpy=np, torch=torch, ember=ember),
        "threads": pinned, "batch": BATCH, "rounds": rounds,
        "results": results, "memory_mib": memory,
    })
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
