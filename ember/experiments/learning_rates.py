"""`ember experiment learning-rates`: a learning-rate grid for SGD and Adam on one problem.

The notes' advice on the learning rate (too small crawls, too large diverges, the best is
near the largest stable one) measured: the 64-32-10 tanh network on the digits, every run
from the same initial weights, mini-batches of 32, for each optimizer and each rate of a
log-spaced grid. A grid of independent runs: `--sweep` spreads it over a Ray cluster or a
local process pool.
"""

import math

import ember
from ember.experiments._common import Timer, accuracy, cross_entropy, digits
from ember.experiments.report import Report

RATES = (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
QUICK = (("sgd", 0.001), ("sgd", 0.1), ("sgd", 10.0), ("adam", 0.01))
OPTIMIZERS = {"sgd": lambda lr: ember.optimizers.SGD(lr),
              "adam": lambda lr: ember.optimizers.Adam(lr)}


def grid(options):
    """One run per (optimizer, learning rate): 14 runs, or 4 with --quick."""
    pairs = QUICK if options.quick else [(o, r) for o in OPTIMIZERS for r in RATES]
    return [{"key": f"{o} lr={r:g}", "optimizer": o, "learning_rate": r, "seed": options.seed}
            for o, r in pairs]


def _build():
    return ember.Sequential([ember.Input(shape=(64,)),
                             ember.layers.Dense(32, activation="tanh"),
                             ember.layers.Dense(10, activation="softmax")])


def run_one(options, spec):
    """Train one (optimizer, rate) of `grid`; returns its losses and accuracy."""
    if options.dataset not in (None, "digits"):
        raise ValueError(f"experiment learning-rates: --dataset must be 'digits'; received "
                         f"{options.dataset!r}")
    (x, y), (xt, yt) = digits(limit_train=256 if options.quick else None, seed=options.seed)
    ember.utils.set_random_seed(spec["seed"])
    model = _build()
    model.compile(OPTIMIZERS[spec["optimizer"]](spec["learning_rate"]),
                  "sparse_categorical_crossentropy")
    with Timer() as t:
        history = model.fit(x, y, batch_size=32, epochs=options.epochs_or(10, 2), verbose=0)
    final = cross_entropy(model, x, y)
    acc, _ = accuracy(model, xt, yt)
    return {"optimizer": spec["optimizer"], "learning_rate": spec["learning_rate"],
            "loss": history.history["loss"],
            "final_loss": final if math.isfinite(final) else float("inf"),
            "test_accuracy": acc, "train_seconds": t.seconds, "train_size": len(x)}


def run(options):
    return assemble(options, {spec["key"]: run_one(options, spec) for spec in grid(options)})


def assemble(options, runs):
    """The report from the results of every run of `grid`."""
    from ember import plot  # noqa: PLC0415  (optional extra)

    epochs = options.epochs_or(10, 2)
    n = next(iter(runs.values()))["train_size"]
    report = Report("learning-rates", "Learning-rate grid: SGD and Adam",
                    f"The 64-32-10 tanh network on the digits ({n} training images), batches "
                    f"of 32, {epochs} epochs, every run from the same initial weights; the "
                    "final loss on the training set and the test accuracy for each rate.")
    if options.quick:
        report.add_note("--quick: four runs (SGD at 0.001, 0.1 and 10, Adam at 0.01) on a "
                        "subset for 2 epochs: enough to see both failures of a badly chosen "
                        "rate.")
    order = [s["key"] for s in grid(options)]
    runs = {k: runs[k] for k in order}
    report.set_summary(["optimizer", "learning rate", "final train loss", "test accuracy",
                        "train seconds"],
                       [[r["optimizer"], r["learning_rate"], r["final_loss"],
                         r["test_accuracy"], r["train_seconds"]] for r in runs.values()])
    best = {}
    for r in runs.values():
        if r["optimizer"] not in best or r["final_loss"] < best[r["optimizer"]]["final_loss"]:
            best[r["optimizer"]] = r
    report.results.update({"epochs": epochs, "train_size": n, "runs": runs,
                           "best": {o: r["learning_rate"] for o, r in best.items()}})
    sgd = sorted((r for r in runs.values() if r["optimizer"] == "sgd"),
                 key=lambda r: r["learning_rate"])
    low, top, high = sgd[0], best["sgd"], sgd[-1]
    report.add_claim("The learning rate decides whether gradient descent works: too small a "
                     "rate crawls, too large a rate overshoots and diverges; the best lies "
                     "between.",
                     low is not top and high is not top
                     and low["final_loss"] > top["final_loss"] < high["final_loss"],
                     f"SGD final training loss after {epochs} epochs: "
                     + ", ".join(f"lr {r['learning_rate']:g}: {r['final_loss']:.3f}"
                                 for r in sgd)
                     + f"; best lr {top['learning_rate']:g}")
    fig = plot.new_figure(10, 4)
    loss_ax, acc_ax = fig.subplots(1, 2)
    for i, name in enumerate(OPTIMIZERS):
        mine = [r for r in runs.values() if r["optimizer"] == name]
        if not mine:
            continue
        rates = [r["learning_rate"] for r in mine]
        loss_ax.plot(rates, [min(r["final_loss"], 10.0) for r in mine], "o-", color=f"C{i}",
                     label=name)
        acc_ax.plot(rates, [r["test_accuracy"] for r in mine], "o-", color=f"C{i}",
                    label=name)
    for ax, label in ((loss_ax, "final training loss (capped at 10)"),
                      (acc_ax, "test accuracy")):
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    acc_ax.legend()
    fig.tight_layout()
    report.add_figure("learning_rates", fig, "Final loss and test accuracy against the "
                                             "learning rate")
    report.add_section("Loss and accuracy against the learning rate",
                       "Best rate by final training loss: " + ", ".join(
                           f"{o}: {r['learning_rate']:g}" for o, r in best.items()) + ".",
                       figures=["learning_rates.png"])
    return report
