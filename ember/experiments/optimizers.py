"""`ember experiment optimizers`: the notes' gradient-descent variants side by side.

One problem (a 64-32-10 tanh network on the digits), one initialisation, one budget (the
same number of passes over the training set): batch gradient descent (one step per epoch),
stochastic (one example per step), mini-batch (32), then mini-batch with momentum (the notes'
moving-average form), Adagrad, RMSprop and Adam. Loss on the training set against steps and
against training time, one figure with two panels.
"""

import numpy as np

import ember
from ember.experiments._common import LossClock, Timer, accuracy, digits
from ember.experiments.report import Report

opt = ember.optimizers


def _methods(n):
    """(name, batch size, optimizer factory, what the notes call it)."""
    return [
        ("batch GD", n, lambda: opt.SGD(0.5), "theta -= lr * grad J(theta) over the whole set"),
        ("stochastic GD", 1, lambda: opt.SGD(0.01), "one example per update"),
        ("mini-batch GD", 32, lambda: opt.SGD(0.1), "32 examples per update"),
        ("momentum", 32, lambda: opt.SGD(0.5, momentum=0.9, momentum_style="ema"),
         "v = b v + (1 - b) dW; W -= lr v (b = 0.9)"),
        ("Adagrad", 32, lambda: opt.Adagrad(0.1), "s += dW^2; W -= lr dW / sqrt(s + eps)"),
        ("RMSprop", 32, lambda: opt.RMSprop(0.003), "s = b s + (1 - b) dW^2"),
        ("Adam", 32, lambda: opt.Adam(0.003), "momentum + RMSprop, bias-corrected"),
    ]


def _problem(options):
    if options.dataset not in (None, "digits"):
        raise ValueError(f"experiment optimizers: --dataset must be 'digits'; received "
                         f"{options.dataset!r}")
    limit = 256 if options.quick else None
    return digits(limit_train=limit, seed=options.seed)


def _build():
    return ember.Sequential([ember.Input(shape=(64,)),
                             ember.layers.Dense(32, activation="tanh"),
                             ember.layers.Dense(10, activation="softmax")])


def grid(options):
    """The runs of the recipe, one per method (`ember experiment ... --sweep` spreads them
    over workers); every method starts from the same initial weights (same seed)."""
    (x, _), _ = _problem(options)
    return [{"key": name, "seed": options.seed} for name, *_ in _methods(len(x))]


def run_one(options, spec):
    """Train one method of `grid` from the seed's initial weights; returns its numbers."""
    (x, y), (xt, yt) = _problem(options)
    n = len(x)
    epochs = options.epochs_or(10, 10)
    ember.utils.set_random_seed(spec["seed"])
    start = _build().get_weights()
    _, batch_size, make, rule = next(m for m in _methods(n) if m[0] == spec["key"])
    model = _build()
    model.set_weights(start)
    model.compile(make(), "sparse_categorical_crossentropy")
    steps_total = epochs * -(-n // batch_size)
    clock = LossClock(x, y, every=max(1, steps_total // 60))
    with Timer() as t:
        model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=True,
                  callbacks=[clock])
    acc, _ = accuracy(model, xt, yt)
    return {"batch_size": batch_size, "rule": rule, "steps": clock.steps,
            "seconds": clock.seconds, "loss": clock.losses, "final_loss": clock.losses[-1],
            "test_accuracy": acc, "train_seconds": clock.seconds[-1],
            "wall_seconds": t.seconds, "train_size": n}


def run(options):
    return assemble(options, {spec["key"]: run_one(options, spec) for spec in grid(options)})


def assemble(options, runs):
    """The report from the results of every run of `grid` (`{method: run_one(...)}`)."""
    from ember import plot  # noqa: PLC0415  (optional extra)

    epochs = options.epochs_or(10, 10)
    n = next(iter(runs.values()))["train_size"]
    report = Report("optimizers", "Gradient descent variants on one problem and budget",
                    f"A 64-32-10 tanh network on the digits ({n} training images), every method "
                    f"from the same initial weights for {epochs} passes over the training set. "
                    "Batch GD makes one update per pass, stochastic GD one per example: the "
                    "notes' trade-off between the accuracy of each step and their number.")
    runs = {name: runs[name] for name, *_ in _methods(n)}  # the methods' order
    rows = [[name, r["batch_size"], r["steps"][-1], r["final_loss"], r["test_accuracy"],
             r["train_seconds"]] for name, r in runs.items()]
    report.results.update({"epochs": epochs, "train_size": n, "runs": runs})
    report.set_summary(["method", "batch", "steps", "final train loss", "test accuracy",
                        "train seconds"], rows)
    final = {name: r["final_loss"] for name, r in runs.items()}
    improved = ("momentum", "Adagrad", "RMSprop", "Adam")
    report.add_claim("With the same budget, momentum and the adaptive methods (Adagrad, "
                     "RMSprop, Adam: a learning rate for each weight) get further than plain "
                     "mini-batch gradient descent.",
                     all(final[m] < final["mini-batch GD"] for m in improved),
                     f"final training loss after {epochs} passes: mini-batch GD "
                     f"{final['mini-batch GD']:.3f}; "
                     + ", ".join(f"{m} {final[m]:.3f}" for m in improved))
    report.add_claim("Per pass over the data, many small noisy steps (stochastic and mini-batch "
                     "GD) beat one exact step of batch gradient descent.",
                     final["stochastic GD"] < final["batch GD"]
                     and final["mini-batch GD"] < final["batch GD"],
                     f"final training loss: batch GD {final['batch GD']:.3f} ({epochs} steps), "
                     f"mini-batch GD {final['mini-batch GD']:.3f}, stochastic GD "
                     f"{final['stochastic GD']:.3f} ({runs['stochastic GD']['steps'][-1]} "
                     "steps)")

    fig = plot.new_figure(11, 4)
    by_step, by_time = fig.subplots(1, 2)
    for name, r in runs.items():
        by_step.plot(np.asarray(r["steps"]) + 1, r["loss"], label=name)
        by_time.plot(r["seconds"], r["loss"], label=name)
    by_step.set_xscale("log")
    by_step.set_xlabel("update steps + 1 (log scale)")
    by_time.set_xlabel("training seconds")
    for ax in (by_step, by_time):
        ax.set_ylabel("training loss")
        ax.grid(alpha=0.3)
    by_step.set_title("loss against steps")
    by_time.set_title("loss against time")
    by_time.legend(fontsize=8)
    fig.tight_layout()
    report.add_figure("loss_curves", fig, "Training loss against update steps and against "
                                          "training time (evaluations excluded)")
    report.add_section("Loss against steps and time", "Same data, same start, same number of "
                       "passes. Per step, batch GD is the most accurate; per second and per "
                       "pass, smaller batches and adaptive methods get further.",
                       table=(["method", "update rule"], [[k, r["rule"]] for k, r in
                                                          runs.items()]),
                       figures=["loss_curves.png"])
    return report
