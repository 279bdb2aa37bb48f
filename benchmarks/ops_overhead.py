"""Per-op cost of ember against PyTorch (eager, CPU) and raw NumPy, in one process.

    python benchmarks/ops_overhead.py            # full run (about a minute on 2 cores)
    python benchmarks/ops_overhead.py --quick    # about 15 s
    python benchmarks/ops_overhead.py --threads 1 --no-torch
    python benchmarks/ops_overhead.py --profile  # cProfile of ember's tiny forward+backward

Four groups of cases, each forward only ("fwd", the graph is recorded: inputs require grad)
and forward + backward ("fwd+bwd", seeded with a fixed output gradient, leaf grads reset to
None after each call as a training loop does):

- tiny tensors (8x8 float32): add, mul, exp, tanh, relu, sum, matmul, softmax, getitem. Here
  the time *is* the per-op overhead of the framework;
- a tiny chain, 5x tanh(h*w + b) (15 ops, one backward): the marginal per-op cost inside a
  graph, without counting the fixed cost of starting a backward pass 15 times;
- large elementwise (1,000,000 float32): add, mul, relu, exp. Here the time is memory traffic;
- matmul 1024x1024 @ 1024x1024 and the MLP layer 128x784 @ 784x256, with GFLOP/s
  (2*m*k*n per product; the backward adds one product per input that needs a gradient).

The NumPy column is the same computation written by hand on arrays: the forward expression and
its hand-derived gradient; it is the floor an engine on NumPy can reach. Results go to
benchmarks/results/ops_overhead.json.
"""

import argparse
import math
import os
import statistics
import sys

import common

common.pin_thread_env(common.threads_from_argv(default=2))

import numpy as np  # noqa: E402  (after the thread environment is set)

import ember  # noqa: E402
from ember import ops  # noqa: E402

FRAMEWORKS = ("ember", "torch", "numpy")
TINY = (8, 8)
LARGE = (1_000_000,)


# ------------------------------------------------------------------------------------ cases
class Op:
    """One computation in three spellings.

    Args:
        name: the op's name in the table.
        shapes: input shapes.
        grads: which inputs require a gradient.
        ember/torch/numpy: forward on the inputs (Tensors, torch tensors, arrays).
        numpy_bwd: (inputs, y, gy) -> hand-written gradients (the NumPy reference backward).
            `numpy_bwd` may instead be a callable (inputs, gy) -> gradients doing the forward
            and backward together (marked by `numpy_step=True`), for compositions whose
            hand-written backward needs the intermediates.
        flops: floating-point operations of the forward, for GFLOP/s (None: not reported).
        bwd_flops: those of the backward.
        n_ops: primitive ops in one call (a chain reports its per-op time too).
    """

    def __init__(self, name, shapes, grads, ember, torch, numpy, numpy_bwd, flops=None,
                 bwd_flops=None, n_ops=1, numpy_step=False):
        self.name, self.shapes, self.grads = name, shapes, grads
        self.ember, self.torch, self.numpy, self.numpy_bwd = ember, torch, numpy, numpy_bwd
        self.flops, self.bwd_flops, self.n_ops = flops, bwd_flops, n_ops
        self.numpy_step = numpy_step

    def numpy_fwd_bwd(self, xs, gy):
        """The NumPy reference forward + backward: the gradients of the inputs."""
        if self.numpy_step:
            return self.numpy_bwd(xs, gy)
        return self.numpy_bwd(xs, self.numpy(*xs), gy)


def _softmax_np(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _getitem_bwd(xs, y, g):
    gx = np.zeros_like(xs[0])
    gx[2:6] = g
    return (gx,)


def unary_ops(shape):
    """exp, tanh, relu on one tensor of `shape`."""
    return [
        Op("exp", [shape], [True], ops.exp, lambda x: x.exp(), np.exp,
           lambda xs, y, g: (g * y,)),
        Op("tanh", [shape], [True], ops.tanh, lambda x: x.tanh(), np.tanh,
           lambda xs, y, g: (g * (1 - y * y),)),
        Op("relu", [shape], [True], ops.relu, lambda x: x.relu(),
           lambda x: np.maximum(x, 0), lambda xs, y, g: (g * (y > 0),)),
    ]


def binary_ops(shape):
    """add and mul of two tensors of `shape`, both requiring gradients."""
    return [
        Op("add", [shape, shape], [True, True], lambda x, w: x + w, lambda x, w: x + w,
           lambda x, w: x + w, lambda xs, y, g: (g, g)),
        Op("mul", [shape, shape], [True, True], lambda x, w: x * w, lambda x, w: x * w,
           lambda x, w: x * w, lambda xs, y, g: (g * xs[1], g * xs[0])),
    ]


def tiny_ops():
    n = TINY[0]
    return binary_ops(TINY) + unary_ops(TINY) + [
        Op("sum", [TINY], [True], ops.sum, lambda x: x.sum(), lambda x: x.sum(),
           lambda xs, y, g: (np.full_like(xs[0], g),)),
        Op(f"matmul {n}x{n}", [TINY, TINY], [True, True], lambda x, w: x @ w,
           lambda x, w: x @ w, lambda x, w: x @ w,
           lambda xs, y, g: (g @ xs[1].T, xs[0].T @ g)),
        Op("softmax", [TINY], [True], lambda x: ops.softmax(x, -1),
           lambda x: x.softmax(-1), _softmax_np,
           lambda xs, y, g: (y * (g - (g * y).sum(axis=-1, keepdims=True)),)),
        Op("getitem [2:6]", [TINY], [True], lambda x: x[2:6], lambda x: x[2:6],
           lambda x: x[2:6], _getitem_bwd),
    ]


CHAIN_LAYERS = 5


def _chain(tanh):
    def f(x, w, b):
        h = x
        for _ in range(CHAIN_LAYERS):
            h = tanh(h * w + b)
        return h
    return f


def _chain_np_step(xs, g):
    """Hand-written backward of `_chain`: h_{i+1} = tanh(h_i * w + b)."""
    x, w, b = xs
    hs = [x]
    for _ in range(CHAIN_LAYERS):
        hs.append(np.tanh(hs[-1] * w + b))
    gw = np.zeros_like(w)
    gb = np.zeros_like(b)
    gh = g
    for i in reversed(range(CHAIN_LAYERS)):
        y = hs[i + 1]
        gz = gh * (1 - y * y)
        gw += gz * hs[i]
        gb += gz
        gh = gz * w
    return gh, gw, gb


def chain_ops():
    """A chain of small ops and one backward: the marginal per-op cost, without the fixed
    cost of starting a backward pass (large in PyTorch)."""
    n = 3 * CHAIN_LAYERS
    return [
        Op(f"chain of {n} ops: {CHAIN_LAYERS}x tanh(h*w+b)", [TINY] * 3, [True] * 3,
           _chain(ops.tanh), _chain(lambda h: h.tanh()), _chain(np.tanh), _chain_np_step,
           n_ops=n, numpy_step=True),
    ]


def large_ops():
    return binary_ops(LARGE) + [op for op in unary_ops(LARGE) if op.name in ("relu", "exp")]


def matmul_ops():
    n = 1024
    m, k, u = 128, 784, 256
    mm = lambda x, w: x @ w
    return [
        Op(f"matmul {n}x{n}", [(n, n), (n, n)], [True, True], mm, mm, mm,
           lambda xs, y, g: (g @ xs[1].T, xs[0].T @ g),
           flops=2 * n**3, bwd_flops=4 * n**3),
        # The MLP's first layer: the input needs no gradient, the weight does.
        Op(f"mlp layer {m}x{k} @ {k}x{u}", [(m, k), (k, u)], [False, True], mm, mm, mm,
           lambda xs, y, g: (None, xs[0].T @ g),
           flops=2 * m * k * u, bwd_flops=2 * m * k * u),
    ]


# ------------------------------------------------------------------------------------ closures
def make_inputs(op, rng):
    return [rng.standard_normal(s).astype(np.float32) for s in op.shapes]


def build_fns(op, arrays, backward, torch):
    """Zero-argument callables, one per framework, running `op` once (with backward)."""
    y0 = op.numpy(*arrays)
    gy = np.asarray(np.random.default_rng(1).standard_normal(np.shape(y0)), dtype=np.float32)
    fns = {}

    ex = [ember.Tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, op.grads)]
    e_leaves = [t for t, r in zip(ex, op.grads) if r]
    e_seed = None if gy.ndim == 0 else gy
    if backward:
        def ember_step():
            op.ember(*ex).backward(e_seed)
            for t in e_leaves:
                t.grad = None
    else:
        def ember_step():
            op.ember(*ex)
    fns["ember"] = ember_step

    if torch is not None:
        tx = [torch.tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, op.grads)]
        t_leaves = [t for t, r in zip(tx, op.grads) if r]
        t_seed = None if gy.ndim == 0 else torch.from_numpy(gy.copy())
        if backward:
            def torch_step():
                op.torch(*tx).backward(t_seed)
                for t in t_leaves:
                    t.grad = None
        else:
            def torch_step():
                op.torch(*tx)
        fns["torch"] = torch_step

    nx = [a.copy() for a in arrays]
    n_gy = np.float32(1.0) if gy.ndim == 0 else gy
    if backward:
        def numpy_step():
            op.numpy_fwd_bwd(nx, n_gy)
    else:
        def numpy_step():
            op.numpy(*nx)
    fns["numpy"] = numpy_step
    return fns, gy


def check(op, arrays, torch):
    """ember's forward and gradients against the NumPy reference (and torch): the benchmark
    must time the same computation everywhere."""
    ex = [ember.Tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, op.grads)]
    y = op.ember(*ex)
    ref = op.numpy(*arrays)
    gy = np.ones_like(ref) if np.ndim(ref) else None
    y.backward(gy)
    ref_g = op.numpy_fwd_bwd(arrays, np.ones_like(ref))
    tol = dict(rtol=1e-4, atol=1e-4 * math.sqrt(max(1, arrays[0].shape[-1])))
    np.testing.assert_allclose(y.data, ref, **tol, err_msg=f"{op.name} forward")
    for t, r, g in zip(ex, op.grads, ref_g):
        if r:
            np.testing.assert_allclose(t.grad.data, g, **tol, err_msg=f"{op.name} gradient")
    if torch is not None:
        tx = [torch.tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, op.grads)]
        ty = op.torch(*tx)
        ty.backward(None if gy is None else torch.from_numpy(gy))
        np.testing.assert_allclose(ty.detach().numpy(), ref, **tol,
                                   err_msg=f"{op.name} torch forward")
        for t, r, g in zip(tx, op.grads, ref_g):
            if r:
                np.testing.assert_allclose(t.grad.numpy(), g, **tol,
                                           err_msg=f"{op.name} torch gradient")


# ------------------------------------------------------------------------------------ running
def run_cases(groups, torch, rounds, target_s, log):
    """Check every case, build its closures, then time all cases with interleaved rounds."""
    rng = np.random.default_rng(0)
    plan = []
    for group, op_list in groups:
        for op in op_list:
            arrays = make_inputs(op, rng)
            check(op, arrays, torch)
            for backward in (False, True):
                fns, _ = build_fns(op, arrays, backward, torch)
                plan.append((group, op, "fwd+bwd" if backward else "fwd", fns))
    log(f"  {len(plan)} cases checked against NumPy{' and torch' if torch else ''}")
    all_stats = common.compare_many([p[3] for p in plan], rounds=rounds, target_s=target_s,
                                    log=log)
    results = []
    for (group, op, mode, _), stats in zip(plan, all_stats):
        flops = None
        if op.flops is not None:
            flops = op.flops + (op.bwd_flops if mode == "fwd+bwd" else 0)
        results.append(summarise(group, op, mode, stats, flops))
    return results


def summarise(group, op, mode, stats, flops):
    e = stats["ember"].median
    t = stats["torch"].median if "torch" in stats else None
    n = stats["numpy"].median
    row = {
        "group": group,
        "op": op.name,
        "mode": mode,
        "case": f"{op.name} {mode}",
        "shapes": op.shapes,
        "stats": {k: v.to_dict() for k, v in stats.items()},
        "ratio_vs_torch": (t / e) if t is not None else None,  # throughput: higher is better
        "ember_over_numpy": e / n,
        "overhead_vs_numpy_s": e - n,
        "flops": flops,
        "n_ops": op.n_ops,
    }
    if flops is not None:
        row["gflops"] = {k: flops / v.median / 1e9 for k, v in stats.items()}
    return row


def table_rows(results, have_torch):
    rows = []
    group = None
    for r in results:
        if r["group"] != group:
            group = r["group"]
            rows.append(group)
        s = {k: common.Stats(**v) for k, v in r["stats"].items()}
        d = r["overhead_vs_numpy_s"]
        sign = "+" if d >= 0 else "-"
        overhead = f"{r['ember_over_numpy']:.2f}x ({sign}{common.fmt_time(abs(d))})"
        row = [r["case"], common.fmt_stats(s["ember"])]
        if have_torch:
            row.append(common.fmt_stats(s.get("torch")))
        row += [common.fmt_stats(s["numpy"])]
        if have_torch:
            row.append(common.fmt_ratio(r["ratio_vs_torch"]))
        row.append(overhead)
        if "gflops" in r:
            row.append(" / ".join(f"{r['gflops'][k]:.0f}" for k in FRAMEWORKS if k in r["gflops"]))
        else:
            row.append("")
        rows.append(row)
    return rows


def headers(have_torch):
    h = ["case", "ember"]
    if have_torch:
        h.append("torch")
    h.append("numpy")
    if have_torch:
        h.append("ember/torch")
    h.append("ember/numpy (+diff)")
    h.append("GFLOP/s " + " / ".join(k[0] for k in FRAMEWORKS if k != "torch" or have_torch))
    return h


ELEMENTWISE = ("add", "mul", "exp", "tanh", "relu")


def summary(results, have_torch):
    """Headline numbers: per-op time on tiny tensors (one elementwise op alone, and per op in a
    chain with one backward), geometric-mean ratios per group."""
    out = {}
    for mode in ("fwd", "fwd+bwd"):
        rs = [r for r in results if r["group"].startswith("tiny tensors")
              and r["op"] in ELEMENTWISE and r["mode"] == mode]
        if rs:
            out[f"one tiny elementwise op {mode}, median of {len(rs)} ops (s)"] = {
                k: statistics.median(r["stats"][k]["median"] for r in rs)
                for k in FRAMEWORKS if k in rs[0]["stats"]}
        for r in results:
            if r["group"].startswith("tiny chain") and r["mode"] == mode:
                out[f"per op in the {r['n_ops']}-op chain, {mode} (s)"] = {
                    k: v["median"] / r["n_ops"] for k, v in r["stats"].items()}
    for group in dict.fromkeys(r["group"] for r in results):
        rs = [r for r in results if r["group"] == group and r["ratio_vs_torch"]]
        if have_torch and rs:
            gm = math.exp(sum(math.log(r["ratio_vs_torch"]) for r in rs) / len(rs))
            out[f"{group}: geometric-mean ember/torch ratio"] = gm
    return out


def print_summary(summ):
    for key, value in summ.items():
        if isinstance(value, dict):
            parts = ", ".join(f"{k} {common.fmt_time(v)}" for k, v in value.items())
            print(f"- {key.replace(' (s)', '')}: {parts}")
        else:
            print(f"- {key}: {value:.2f}x")


# ------------------------------------------------------------------------------------ profiling
def profile_tiny(seconds=2.0, top=25):
    """cProfile ember's tiny forward+backward cases (one after another) and print the
    functions where the time goes, sorted by own time."""
    import cProfile
    import pstats

    rng = np.random.default_rng(0)
    steps = []
    for op in tiny_ops():
        fns, _ = build_fns(op, make_inputs(op, rng), True, None)
        steps.append(fns["ember"])
    calls = max(1, int(seconds / (len(steps) * 20e-6)))
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        for step in steps:
            step()
    prof.disable()
    print(f"cProfile: {calls} x {len(steps)} tiny fwd+bwd steps (profiler overhead inflates "
          "absolute times; compare the shares)")
    pstats.Stats(prof).strip_dirs().sort_stats("tottime").print_stats(top)


# ------------------------------------------------------------------------------------ main
def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2,
                   help="threads for BLAS and torch, the same for everyone (default 2)")
    p.add_argument("--quick", action="store_true", help="a ~15 s run with fewer rounds")
    p.add_argument("--rounds", type=int, default=None, help="timed rounds per case")
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    p.add_argument("--only", choices=("tiny", "large", "matmul"), action="append",
                   help="run only this group (repeatable)")
    p.add_argument("--profile", action="store_true",
                   help="profile ember's tiny forward+backward with cProfile, then exit")
    p.add_argument("--json", default=None,
                   help="where to write the JSON (default benchmarks/results/ops_overhead.json)")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.threads < 1:
        raise SystemExit(f"--threads must be at least 1; received {args.threads}")
    if args.profile:
        common.pin_threads(args.threads)
        profile_tiny()
        return 0
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("torch is not importable: reporting ember and NumPy only", file=sys.stderr)
    pinned = common.pin_threads(args.threads, torch)
    rounds = args.rounds or (5 if args.quick else 15)
    target_s = 0.003 if args.quick else 0.02
    groups = [
        ("tiny tensors (8x8 float32)", tiny_ops()),
        ("tiny chain (8x8 float32)", chain_ops()),
        ("large elementwise (1e6 float32)", large_ops()),
        ("matmul (float32)", matmul_ops()),
    ]
    if args.only:
        groups = [g for g in groups if g[0].split()[0] in args.only]

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    mode = "quick" if args.quick else "full"
    load_start = common.load_average()
    log(f"ops_overhead: {mode} run, {args.threads} threads, {rounds} rounds per case")
    results = run_cases(groups, torch, rounds, target_s, log)
    have_torch = torch is not None

    print()
    print(f"ember per-op cost vs PyTorch {torch.__version__ if have_torch else '(absent)'} "
          f"and NumPy {np.__version__}; {args.threads} threads; {mode} run, {rounds} rounds")
    print("cells: median [min-max] time per call; ember/torch = torch time / ember time "
          "(throughput ratio, higher is better); ember/numpy = ember time / numpy time "
          "(+ the difference)")
    print()
    common.print_table(headers(have_torch), table_rows(results, have_torch))
    summ = summary(results, have_torch)
    rss = common.peak_rss_mb()
    print()
    print_summary(summ)
    print(f"- peak RSS of this process: {rss:.0f} MiB")
    load_end = common.load_average()
    if load_start is not None:
        print(f"- 1-minute load average at start / end: {load_start:.2f} / {load_end:.2f} "
              f"on {os.cpu_count()} CPUs" + (" (other processes competed for the cores: "
              "trust the ratios and the min column more than absolute medians)"
              if max(load_start, load_end) > 1.5 else ""))

    report = {
        "benchmark": "ops_overhead",
        "mode": mode,
        "rounds": rounds,
        "batch_target_s": target_s,
        "machine": common.machine_info(numpy=np, torch=torch, ember=ember),
        "threads": pinned,
        "peak_rss_mb": rss,
        "loadavg_start_end": [load_start, load_end],
        "summary": summ,
        "cases": results,
    }
    path = args.json or os.path.join(common.results_dir(), "ops_overhead.json")
    common.write_json(path, report)
    print(f"- JSON: {os.path.relpath(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
