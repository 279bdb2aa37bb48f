"""Data-parallel throughput on 1 and 2 MPI ranks (one BLAS thread each), the allreduce's share
of the step, and the scaling efficiency, for the training suite's `convnet` and `mlp`.

    python benchmarks/distributed.py                # convnet and mlp, 1 and 2 ranks
    python benchmarks/distributed.py --quick        # fewer steps
    python benchmarks/distributed.py --models mlp --ranks 1 2 4

The driver starts `mpiexec -n R python benchmarks/distributed.py --worker ...` for each model
and rank count. A worker trains the suite's model (Adam, sparse categorical cross-entropy
from logits, float32) under `ember.distribution.DataParallel` with `fit` on random data,
global batch 128 (strong scaling: each of R ranks computes 128 / R rows), `--steps` steps
after one warm-up epoch, in `--rounds` rounds; it reports the median wall time per step,
samples per second (global), the time spent in the gradient allreduce (inside
`Optimizer.apply`) and in the per-step synchronisation of logs, batch-norm statistics and
the stop flag, as shares of rank 0's wall time. Efficiency = samples/s on R ranks /
(R x samples/s on 1 rank). It also times a bare allreduce of float32 buffers from 4 KiB to
16 MiB on the same ranks (latency and bandwidth of this machine's shared-memory transport),
the inputs of the ring-allreduce cost model in docs/distributed.md.

Results are printed and written to benchmarks/results/distributed.json.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GLOBAL_BATCH = 128


def worker(args):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    sys.path.insert(0, str(HERE))
    import numpy as np
    import train_suite  # the suite's model specs (it sets 2 threads: reset below)

    import ember

    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass
    dist = ember.distribution.DataParallel(timeout=600)
    ember.distribution.set_distribution(dist)
    comm = dist.comm
    spec = train_suite.MODELS[args.model]
    ember.utils.set_random_seed(0)
    model = ember.models.Sequential([ember.layers.Input(shape=spec.input_shape),
                                     *spec.ember_layers()])
    model.compile(optimizer=ember.optimizers.Adam(),
                  loss=ember.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    n = GLOBAL_BATCH * args.steps
    x = rng.standard_normal((n, *spec.input_shape)).astype(np.float32)
    y = rng.integers(0, 10, n).astype(np.int64)
    params = int(sum(w.data.size for w in model.trainable_weights))
    model.fit(x[:GLOBAL_BATCH * 2], y[:GLOBAL_BATCH * 2], batch_size=GLOBAL_BATCH, verbose=0)
    step_times, shares, syncs = [], [], []
    for _ in range(args.rounds):
        comm.barrier()
        dist.timings.update(allreduce_s=0.0, sync_s=0.0, steps=0)
        start = time.perf_counter()
        model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=1, shuffle=False, verbose=0)
        comm.barrier()
        seconds = time.perf_counter() - start
        step_times.append(seconds / args.steps)
        shares.append(dist.timings["allreduce_s"] / seconds)
        syncs.append(dist.timings["sync_s"] / seconds)
    out = {"model": args.model, "ranks": comm.size, "params": params,
           "step_s": statistics.median(step_times), "step_s_min": min(step_times),
           "step_s_max": max(step_times),
           "samples_per_s": GLOBAL_BATCH / statistics.median(step_times),
           "allreduce_share": statistics.median(shares) if comm.size > 1 else 0.0,
           "logs_sync_share": statistics.median(syncs) if comm.size > 1 else 0.0}
    if comm.size > 1 and args.model == args.allreduce_on:
        out["allreduce"] = bare_allreduce(comm)
    if comm.rank == 0:
        print("RESULT " + json.dumps(out), flush=True)


def bare_allreduce(comm):
    import numpy as np

    rows = []
    for nbytes in (4 << 10, 64 << 10, 1 << 20, 4 << 20, 16 << 20):
        buf = np.ones(nbytes // 4, np.float32)
        reps = max(5, min(200, (64 << 20) // nbytes))
        comm.allreduce_sum(buf)
        comm.barrier()
        start = time.perf_counter()
        for _ in range(reps):
            comm.allreduce_sum(buf)
        seconds = (time.perf_counter() - start) / reps
        rows.append({"bytes": nbytes, "seconds": seconds,
                     "bus_gbytes_per_s": 2 * (comm.size - 1) / comm.size * nbytes / seconds
                     / 1e9})
    return rows


def run_ranks(model, ranks, steps, rounds, allreduce_on):
    sys.path.insert(0, str(ROOT))
    from ember.distribution.launch import mpiexec_command

    argv, env = mpiexec_command([str(Path(__file__).resolve()), "--worker", "--model", model,
                                 "--steps", str(steps), "--rounds", str(rounds),
                                 "--allreduce-on", allreduce_on], ranks)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"{model} on {ranks} ranks failed:\n{done.stdout}\n{done.stderr}")
    line = next(s for s in done.stdout.splitlines() if s.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--model", default="mlp", help=argparse.SUPPRESS)
    parser.add_argument("--allreduce-on", default="convnet", help=argparse.SUPPRESS)
    parser.add_argument("--models", nargs="+", default=["convnet", "mlp"])
    parser.add_argument("--ranks", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    results = []
    for model in args.models:
        steps = args.steps or (8 if args.quick else {"convnet": 20}.get(model, 60))
        base = None
        for ranks in args.ranks:
            r = run_ranks(model, ranks, steps, args.rounds, args.models[0])
            base = base or r["samples_per_s"] / r["ranks"]
            r["efficiency"] = r["samples_per_s"] / (r["ranks"] * base)
            results.append(r)
            print(f"{model:8s} ranks={ranks}  {r['samples_per_s']:8.1f} samples/s  "
                  f"step {r['step_s'] * 1e3:7.2f} ms ({r['step_s_min'] * 1e3:.2f}-"
                  f"{r['step_s_max'] * 1e3:.2f})  allreduce {100 * r['allreduce_share']:5.1f}%"
                  f" logs {100 * r['logs_sync_share']:4.1f}%  efficiency "
                  f"{100 * r['efficiency']:5.1f}%  params {r['params']:,}",
                  flush=True)
            for row in r.get("allreduce", []):
                print(f"    bare allreduce {row['bytes'] / 1024:8.0f} KiB: "
                      f"{row['seconds'] * 1e6:9.1f} us, bus {row['bus_gbytes_per_s']:.2f} GB/s")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    out = HERE / "results" / "distributed.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"global_batch": GLOBAL_BATCH, "cpus": os.cpu_count(),
                               "load_average": load, "results": results}, indent=1))
    print(f"written to {out} (load average {load})")


if __name__ == "__main__":
    main()
