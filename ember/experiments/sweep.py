"""`ember experiment NAME --sweep`: a recipe's grid of independent runs spread over workers.

A recipe with a grid offers `grid(options) -> [spec, ...]` (plain dicts, each with a `key`
and its `seed`), `run_one(options, spec) -> result` (plain data) and `assemble(options,
{key: result}) -> Report`; its `run(options)` is the three in sequence on one process. A
sweep runs each spec as a separate task, with its own seed and CPU allotment (BLAS threads
limited to `cpus_per_run`), then assembles the same report from the gathered results:

- on Ray (`pip install 'ember[ray]'`): `ray.init(address)` joins a cluster (`"auto"`, or
  `ray://host:10001`); without an address a local Ray starts with `num_cpus` CPUs;
- without Ray (or with `backend="process"`): a local pool of `num_cpus // cpus_per_run`
  processes (spawned, so no state leaks between runs).

>>> from ember.experiments.sweep import sweepable
>>> sorted(sweepable())
['cifar10-regularization', 'learning-rates', 'optimizers']
"""

import concurrent.futures
import importlib
import multiprocessing
import os
import time

from ember.experiments.registry import RECIPES, Options, finish

BACKENDS = ("auto", "ray", "process", "serial")
_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _module(name):
    if name not in RECIPES:
        raise ValueError(f"experiment: unknown recipe {name!r}; available: "
                         f"{', '.join(sorted(RECIPES))}")
    return importlib.import_module(f"ember.experiments.{RECIPES[name][0]}")


def sweepable():
    """The recipes that have a grid of independent runs."""
    out = []
    for name in RECIPES:
        module = importlib.import_module(f"ember.experiments.{RECIPES[name][0]}")
        if all(hasattr(module, f) for f in ("grid", "run_one", "assemble")):
            out.append(name)
    return out


def ray_module():
    """The `ray` package, or None when it is not installed."""
    try:
        import ray  # noqa: PLC0415  (optional extra: ember[ray])
    except ImportError:
        return None
    return ray


def run_task(name, options, spec, cpus=1):
    """One run of a sweep, in a worker: threads capped at `cpus`, the spec's seed set."""
    for key in _THREADS:
        os.environ[key] = str(cpus)
    try:
        from threadpoolctl import threadpool_limits  # noqa: PLC0415  (optional)
    except ImportError:
        threadpool_limits = None
    import ember  # noqa: PLC0415

    options = Options(**options) if isinstance(options, dict) else options
    module = _module(name)
    ember.utils.set_random_seed(spec.get("seed", options.seed))
    start = time.perf_counter()
    if threadpool_limits is not None:
        with threadpool_limits(limits=cpus):
            result = module.run_one(options, spec)
    else:
        result = module.run_one(options, spec)
    return spec["key"], result, {"seconds": time.perf_counter() - start, "pid": os.getpid(),
                                 "host": os.uname().nodename if hasattr(os, "uname") else ""}


def _options_dict(options):
    d = options.as_dict()
    d["extra"] = dict(options.extra)
    return d


def _run_ray(ray, name, options, specs, cpus, address, num_cpus):
    started = False
    if not ray.is_initialized():
        kwargs = {"include_dashboard": False, "log_to_driver": False}
        if address is None:
            kwargs["num_cpus"] = num_cpus
        ray.init(address=address, **kwargs)
        started = True
    try:
        task = ray.remote(num_cpus=cpus, max_retries=0)(run_task)
        futures = [task.remote(name, _options_dict(options), spec, cpus) for spec in specs]
        return ray.get(futures)
    finally:
        if started:
            ray.shutdown()


def _run_pool(name, options, specs, cpus, workers):
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers,
                                                mp_context=context) as pool:
        futures = [pool.submit(run_task, name, _options_dict(options), spec, cpus)
                   for spec in specs]
        return [f.result() for f in futures]


def sweep(name, options=None, backend="auto", address=None, num_cpus=None, cpus_per_run=1,
          write=True, echo=print):
    """Run the grid of recipe `name` as parallel tasks and return its Report.

    Args:
        name: a recipe with a grid (see `sweepable()`).
        options: the recipe's `Options`. Defaults to `Options()`.
        backend: "ray", "process" (a local process pool), "serial" (one process, in order)
            or "auto" (Ray when installed, else the pool). Defaults to "auto".
        address: the Ray cluster to join ("auto", "ray://host:10001"); None starts a local
            Ray. Defaults to None.
        num_cpus: CPUs of the local Ray or pool. Defaults to `os.cpu_count()`.
        cpus_per_run: CPUs (and BLAS threads) of each run. Defaults to 1.
        write: write the report folder (`options.output`, default `reports/NAME`).
        echo: where the summary is printed (None for silence).

    Raises:
        ValueError: an unknown recipe, one without a grid, or a bad argument.
        ImportError: backend="ray" without Ray installed.
    """
    options = options or Options()
    module = _module(name)
    if not all(hasattr(module, f) for f in ("grid", "run_one", "assemble")):
        raise ValueError(f"experiment {name}: this recipe has no grid of independent runs to "
                         f"sweep; recipes with one: {', '.join(sweepable())}")
    if backend not in BACKENDS:
        raise ValueError(f"sweep: `backend` must be one of {BACKENDS}; received {backend!r}")
    if isinstance(cpus_per_run, bool) or not isinstance(cpus_per_run, int) or cpus_per_run < 1:
        raise ValueError(f"sweep: `cpus_per_run` must be a positive integer; received "
                         f"{cpus_per_run!r}")
    if options.epochs is not None and options.epochs < 1:
        raise ValueError(f"experiment: --epochs must be >= 1; received {options.epochs}")
    import ember  # noqa: PLC0415
    from ember.plot import require_matplotlib  # noqa: PLC0415

    require_matplotlib()
    ember.utils.set_random_seed(options.seed)
    num_cpus = num_cpus or os.cpu_count() or 1
    specs = module.grid(options)
    ray = ray_module() if backend in ("auto", "ray") else None
    if backend == "ray" and ray is None:
        raise ImportError("sweep: backend='ray' needs Ray: pip install 'ember[ray]'")
    used = "ray" if ray is not None else ("serial" if backend == "serial" else "process")
    start = time.perf_counter()
    if used == "ray":
        gathered = _run_ray(ray, name, options, specs, cpus_per_run, address, num_cpus)
    elif used == "process":
        workers = max(1, min(len(specs), num_cpus // cpus_per_run))
        gathered = _run_pool(name, options, specs, cpus_per_run, workers)
    else:
        gathered = [run_task(name, options, spec, cpus_per_run) for spec in specs]
    wall = time.perf_counter() - start
    results = {key: result for key, result, _ in gathered}
    report = module.assemble(options, results)
    report.results.setdefault("wall_time_s", round(wall, 3))
    report.results["sweep"] = {
        "backend": used, "runs": len(specs), "cpus_per_run": cpus_per_run,
        "address": address, "task_seconds": {k: round(info["seconds"], 3)
                                             for k, _, info in gathered},
        "workers": sorted({f"{info['host']}:{info['pid']}" for _, _, info in gathered}),
    }
    report.add_note(f"Swept: {len(specs)} runs as separate tasks on {used} "
                    f"({len(report.results['sweep']['workers'])} worker processes, "
                    f"{cpus_per_run} CPU each), {wall:.1f} s in all.")
    return finish(report, name, options, write, echo)
