"""The fused recurrent ops against PyTorch: the BENCHMARKS.md `lstm` and `gru` models.

Model (batch 128, float32): LSTM 128 / GRU 128 over 40 steps of 1 feature, last state, then
Dense 10 and softmax cross-entropy on 10 classes (mean over the batch). Each timed step is a
forward and a backward pass only, on both sides: no optimizer update (no Adam), so what is
compared is the sequence op's forward + BPTT plus the small dense head.

- ember: `ember.ops.lstm.lstm` / `ember.ops.gru.gru` (return_sequences=False), `matmul`,
  `sparse_softmax_cross_entropy`, gradients with `ember.grad` for every weight.
- PyTorch: nn.LSTM / nn.GRU (batch_first) + nn.Linear + F.cross_entropy, `loss.backward()`.

Both sides start from the same weights (PyTorch's initialisation mapped into Keras layout) and
the same data, and the first losses are compared. One process; BLAS/OpenMP and PyTorch pinned
to the same thread count (2 by default); warm-up steps, then rounds that alternate the
frameworks; median ms/step with min-max; ratio = PyTorch ms / ember ms (> 1: ember faster).

Each block of a round starts with a short pause and one untimed step: PyTorch's OpenMP
workers keep spinning for a while after its last op, and on a 2-core machine they take a core
away from whatever runs next (measured: ember steps several times slower right after a
PyTorch step); OpenBLAS's idle workers yield, but get the same courtesy.
`--unfused` adds an LSTM built from ember's elementwise ops and matmul step by step, the
"before" that the fused op replaces.

    python benchmarks/rnn_ops.py [--threads 2] [--rounds 15] [--steps 3] [--json out.json]
"""

import argparse
import os
import sys


def _threads_from_argv(default=2):
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return str(default)


# Thread counts must be fixed before NumPy (OpenBLAS) and torch are imported.
_THREADS = _threads_from_argv()
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _THREADS

import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import ember  # noqa: E402
from ember import ops  # noqa: E402
from ember.ops.gru import gru  # noqa: E402
from ember.ops.lstm import lstm  # noqa: E402

N, T, F, U, C = 128, 40, 1, 128, 10


def torch_to_keras_gru(a):
    """PyTorch stacks GRU gates r, z, n along axis 0; Keras orders them z, r, h."""
    r, z, n = np.split(a, 3, axis=0)
    return np.concatenate([z, r, n], axis=0)


def build(kind, torch, seed=0):
    """The PyTorch model and the same weights for ember."""
    torch.manual_seed(seed)
    rnn = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(F, U, batch_first=True)
    head = torch.nn.Linear(U, C)
    p = {k: v.detach().numpy().astype(np.float32) for k, v in rnn.named_parameters()}
    if kind == "lstm":
        weights = [p["weight_ih_l0"].T, p["weight_hh_l0"].T, p["bias_ih_l0"] + p["bias_hh_l0"]]
    else:
        weights = [torch_to_keras_gru(p["weight_ih_l0"]).T,
                   torch_to_keras_gru(p["weight_hh_l0"]).T,
                   np.stack([torch_to_keras_gru(p["bias_ih_l0"]),
                             torch_to_keras_gru(p["bias_hh_l0"])])]
    weights += [head.weight.detach().numpy().T, head.bias.detach().numpy()]
    params = [ember.Variable(np.ascontiguousarray(w, dtype=np.float32)) for w in weights]
    return rnn, head, params


def ember_step(kind, params, x, y):
    k, rk, b, w, c = params
    if kind == "lstm":
        h = lstm(x, k, rk, b, return_sequences=False)[1]
    else:
        h = gru(x, k, rk, b, return_sequences=False)[1]
    loss = ops.mean(ops.sparse_softmax_cross_entropy(y, ops.matmul(h, w) + c))
    grads = ember.grad(loss, params)
    return float(loss.item()), grads


def ember_unfused_lstm_step(params, x, y):
    """The same LSTM composed from ember primitives, one graph node per elementwise op."""
    k, rk, b, w, c = params
    xp = ops.reshape(ops.matmul(ops.reshape(x, (N * T, F)), k) + b, (N, T, 4 * U))
    h = c_state = ember.zeros((N, U))
    for t in range(T):
        a = xp[:, t] + ops.matmul(h, rk)
        i, f, g, o = ops.split(a, 4, axis=1)
        c_state = ops.sigmoid(f) * c_state + ops.sigmoid(i) * ops.tanh(g)
        h = ops.sigmoid(o) * ops.tanh(c_state)
    loss = ops.mean(ops.sparse_softmax_cross_entropy(y, ops.matmul(h, w) + c))
    return float(loss.item()), ember.grad(loss, params)


def torch_step(torch, rnn, head, x, y):
    rnn.zero_grad(set_to_none=True)
    head.zero_grad(set_to_none=True)
    out, _ = rnn(x)
    loss = torch.nn.functional.cross_entropy(head(out[:, -1]), y)
    loss.backward()
    return float(loss.item())


def flops(kind):
    """Multiply-adds x 2 of the GEMMs: forward, and twice that backward (input and weight
    gradients); the elementwise work is not counted."""
    g = 4 if kind == "lstm" else 3
    fwd = 2 * N * T * (F + U) * g * U + 2 * N * U * C
    return 3 * fwd


def timed(fn, steps):
    out = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--steps", type=int, default=3, help="steps per framework per round")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--pause", type=float, default=0.3,
                    help="seconds of pause before each block (idle thread pools settle)")
    ap.add_argument("--models", default="lstm,gru")
    ap.add_argument("--unfused", action="store_true", help="also time an unfused ember LSTM")
    ap.add_argument("--json", default=None, help="write the results to this file")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    xa = rng.normal(size=(N, T, F)).astype(np.float32)
    ya = rng.integers(0, C, size=N)
    x_e, y_e = ember.constant(xa), ya
    x_t, y_t = torch.tensor(xa), torch.tensor(ya)

    rows = []
    print(f"# batch {N}, {T} steps x {F} feature, {U} units, Dense {C}; forward+backward only "
          f"(no optimizer); threads={args.threads}; numpy {np.__version__}, "
          f"torch {torch.__version__}")
    for kind in args.models.split(","):
        rnn, head, params = build(kind, torch)
        contenders = {
            "ember": lambda kind=kind, params=params: ember_step(kind, params, x_e, y_e),
            "torch": lambda rnn=rnn, head=head: torch_step(torch, rnn, head, x_t, y_t),
        }
        if args.unfused and kind == "lstm":
            contenders["ember_unfused"] = lambda params=params: ember_unfused_lstm_step(
                params, x_e, y_e)
        losses = {name: (fn()[0] if name.startswith("ember") else fn())
                  for name, fn in contenders.items()}
        for fn in contenders.values():
            timed(fn, args.warmup)
        times = {name: [] for name in contenders}
        for _ in range(args.rounds):
            for name, fn in contenders.items():
                time.sleep(args.pause)
                fn()
                times[name] += timed(fn, args.steps)
        med = {name: 1e3 * float(np.median(v)) for name, v in times.items()}
        row = {
            "model": kind,
            "ember_ms": med["ember"],
            "ember_min_max": [1e3 * min(times["ember"]), 1e3 * max(times["ember"])],
            "torch_ms": med["torch"],
            "torch_min_max": [1e3 * min(times["torch"]), 1e3 * max(times["torch"])],
            "ratio": med["torch"] / med["ember"],
            "ember_gflops": flops(kind) / (med["ember"] * 1e6),
            "loss_ember": losses["ember"],
            "loss_torch": losses["torch"],
        }
        if "ember_unfused" in med:
            row["ember_unfused_ms"] = med["ember_unfused"]
        rows.append(row)

    head_line = (f"{'model':6} {'ember ms/step':>22} {'torch ms/step':>22} {'ratio':>6} "
                 f"{'GFLOP/s':>8} {'first loss (ember / torch)':>28}")
    print(head_line)
    for r in rows:
        e, t = r["ember_min_max"], r["torch_min_max"]
        print(f"{r['model']:6} {r['ember_ms']:8.2f} ({e[0]:5.1f}-{e[1]:5.1f}) "
              f"{r['torch_ms']:8.2f} ({t[0]:5.1f}-{t[1]:5.1f}) {r['ratio']:6.2f} "
              f"{r['ember_gflops']:8.1f} {r['loss_ember']:13.6f} / {r['loss_torch']:.6f}")
        if "ember_unfused_ms" in r:
            print(f"{'':6} unfused ember LSTM (composed ops): {r['ember_unfused_ms']:.2f} ms/step")
    print("ratio = torch ms / ember ms (higher is better; target >= 1.2)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"threads": args.threads, "rows": rows}, fh, indent=2)


if __name__ == "__main__":
    main()
