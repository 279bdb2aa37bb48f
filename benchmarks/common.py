"""Shared helpers for ember's benchmark scripts: thread pinning, timing, tables, JSON, memory.

The method is the one in the project's benchmark notes: every framework runs in the same process
with the same threads on identical data; each is warmed up, then the frameworks alternate in
rounds (the order rotates each round, so drift hits everyone alike) and the median and min-max
of the per-call time are reported, with the throughput ratio reference time / ember time
(higher is better for ember).

This module imports only the standard library at the top: a script imports it, calls
`pin_thread_env(threads_from_argv())` and only then imports NumPy or PyTorch, because BLAS
libraries read their thread count from the environment once, when they are loaded.
"""

import datetime
import gc
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field

THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


# ------------------------------------------------------------------------------------ threads
def threads_from_argv(argv=None, default=2):
    """The value of `--threads N` (or `--threads=N`) in `argv`, read before argparse runs.

    The thread count must reach the environment before NumPy is imported, which is before a
    script's `main()` parses its arguments; argparse still defines and validates the option.
    """
    argv = sys.argv[1:] if argv is None else argv
    for i, arg in enumerate(argv):
        value = None
        if arg == "--threads" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--threads="):
            value = arg.split("=", 1)[1]
        if value is not None:
            try:
                return max(1, int(value))
            except ValueError:
                return default  # argparse reports the bad value later
    return default


def pin_thread_env(n):
    """Set every BLAS/OpenMP thread variable to `n`. Call before importing NumPy or torch."""
    for var in THREAD_ENV_VARS:
        os.environ[var] = str(n)


def pin_threads(n, torch=None):
    """Pin thread pools that are already loaded: BLAS through threadpoolctl when it is
    installed (else the environment set by `pin_thread_env` applies), and torch's intra-op
    pool. Returns a description of what was pinned, for the report."""
    info = {"threads": n, "env": {v: os.environ.get(v) for v in THREAD_ENV_VARS}}
    try:
        import threadpoolctl
    except ImportError:
        info["blas"] = "environment variables (threadpoolctl not installed)"
    else:
        threadpoolctl.threadpool_limits(n)
        info["blas"] = [
            {k: p.get(k) for k in ("internal_api", "num_threads", "version")}
            for p in threadpoolctl.threadpool_info()
        ]
    if torch is not None:
        torch.set_num_threads(n)
        info["torch_threads"] = torch.get_num_threads()
    return info


# ------------------------------------------------------------------------------------ timing
@dataclass
class Stats:
    """Per-call times in seconds over the timed rounds."""

    median: float
    min: float
    max: float
    number: int  # calls per timed batch
    rounds: int
    samples: list = field(repr=False, default_factory=list)

    def to_dict(self):
        return asdict(self)


def _time_batch(fn, number):
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return time.perf_counter() - start


def calibrate(fn, target_s, max_number=1_000_000):
    """How many calls of `fn` make a batch of about `target_s` seconds (at least 1).

    Doubles the batch until it takes a tenth of the target, then scales; the calls made here
    double as the first warm-up.
    """
    number = 1
    while True:
        t = _time_batch(fn, number)
        if t >= target_s / 10 or number >= max_number:
            break
        number *= 2
    per_call = t / number
    return max(1, min(max_number, int(target_s / per_call))) if per_call > 0 else max_number


def compare(fns, rounds=15, target_s=0.02, warmup_batches=1):
    """Time several implementations of one computation side by side.

    Args:
        fns: dict name -> zero-argument callable (one call = one unit of work).
        rounds: timed rounds; in each round every callable runs one batch, in an order that
            rotates from round to round.
        target_s: about how long one batch takes (calls per batch are calibrated per callable).
        warmup_batches: untimed batches per callable after calibration.

    Returns:
        dict name -> Stats of the per-call time.
    """
    return compare_many([fns], rounds, target_s, warmup_batches)[0]


def compare_many(cases, rounds=15, target_s=0.02, warmup_batches=1, log=None):
    """`compare` for several cases at once, with the rounds interleaved across cases.

    Round r of every case runs before round r + 1 of any, so a burst of load from another
    process spoils one round of many cases (which the median discards) rather than every
    round of the few cases that happened to run during it.

    Args:
        cases: list of dicts name -> zero-argument callable.
        log: optional callable taking a progress message.

    Returns:
        list (one per case) of dicts name -> Stats.
    """
    numbers = []
    for fns in cases:
        nums = {}
        for name, fn in fns.items():
            nums[name] = calibrate(fn, target_s)
            for _ in range(warmup_batches):
                _time_batch(fn, nums[name])
        numbers.append(nums)
    if log is not None:
        log(f"  {len(cases)} cases calibrated and warmed up")
    samples = [{name: [] for name in fns} for fns in cases]
    gc.collect()
    for r in range(rounds):
        for fns, nums, out in zip(cases, numbers, samples):
            names = list(fns)
            k = r % len(names)
            for name in names[k:] + names[:k]:
                out[name].append(_time_batch(fns[name], nums[name]) / nums[name])
        if log is not None:
            log(f"  round {r + 1}/{rounds}")
    return [
        {
            name: Stats(median=statistics.median(s), min=min(s), max=max(s),
                        number=nums[name], rounds=rounds, samples=s)
            for name, s in out.items()
        }
        for out, nums in zip(samples, numbers)
    ]


# ------------------------------------------------------------------------------------ memory
def peak_rss_mb():
    """Peak resident set size of this process so far, in MiB (`getrusage`)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kibibytes, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def load_average():
    """The 1-minute load average (None where the OS does not say): on a shared 2-core
    machine, other processes competing for the cores show here and in the min-max spread."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


# ------------------------------------------------------------------------------------ formatting
def fmt_time(seconds):
    """A duration with a readable unit: '812 ns', '3.41 us', '12.6 ms', '1.20 s'."""
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            v = seconds / scale
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return f"{seconds * 1e9:.0f} ns"


def fmt_stats(stats):
    """'median [min-max]' for one framework's Stats, or '-' when it did not run."""
    if stats is None:
        return "-"
    return f"{fmt_time(stats.median)} [{fmt_time(stats.min)}-{fmt_time(stats.max)}]"


def fmt_ratio(x):
    return "-" if x is None else f"{x:.2f}x"


def print_table(headers, rows, align=None, file=None):
    """Print rows of strings under `headers` as a Markdown-compatible table.

    A row that is a single string is printed as a section line spanning the table.
    `align` is one of '<' / '>' per column (left for the first column, right otherwise).
    """
    file = file or sys.stdout
    align = align or ["<"] + [">"] * (len(headers) - 1)
    cells = [r for r in rows if not isinstance(r, str)]
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *cells)]

    def line(values):
        parts = [f"{str(v):{a}{w}}" for v, a, w in zip(values, align, widths)]
        return "| " + " | ".join(parts) + " |"

    print(line(headers), file=file)
    print("|" + "|".join(("-" * (w + 1) + ":") if a == ">" else "-" * (w + 2)
                         for a, w in zip(align, widths)) + "|", file=file)
    for r in rows:
        if isinstance(r, str):
            print(line([f"**{r}**"] + [""] * (len(headers) - 1)), file=file)
        else:
            print(line(r), file=file)


# ------------------------------------------------------------------------------------ results
def machine_info(**modules):
    """Versions and machine facts for the JSON report; `modules` maps names to imported
    modules (or None when missing)."""
    info = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "argv": sys.argv,
        "loadavg": load_average(),
    }
    for name, mod in modules.items():
        info[name] = getattr(mod, "__version__", None) if mod is not None else None
    return info


def results_dir():
    """benchmarks/results/ (created on demand; git-ignored)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(path, exist_ok=True)
    return path


def write_json(path, obj):
    """Write `obj` as indented JSON atomically (temp file in the same folder, fsync, replace)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=2, default=_json_default)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _json_default(obj):
    if isinstance(obj, Stats):
        return obj.to_dict()
    if hasattr(obj, "item"):  # NumPy scalars
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)
