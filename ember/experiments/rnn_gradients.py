"""`ember experiment rnn-gradients`: SimpleRNN, LSTM and GRU on a long-range task.

The task (the notes' long-range dependency): a sequence of T steps of 3 Gaussian features;
the label is the sign of the FIRST step's first feature, everything after it is noise to
remember past. Two measurements:

- ||dL/dh_t|| against the time step t (`ember.layers.rnn_gradient_norms`) for each cell, at
  Keras' default initialisation (orthogonal recurrent kernel) and with a small random
  initialisation (N(0, 0.1) kernels, a contracting recurrence): how much gradient from the
  loss at step T reaches step 1.
- test accuracy against the sequence length T after the same training budget.
"""

import numpy as np

import ember
from ember.experiments._common import Timer
from ember.experiments.report import Report

CELLS = ("SimpleRNN", "LSTM", "GRU")


def long_range_task(n, steps, rng):
    """x (n, steps, 3) ~ N(0, 1); y = 1 where x[:, 0, 0] > 0 (int64)."""
    x = rng.normal(size=(n, steps, 3)).astype(np.float32)
    return x, (x[:, 0, 0] > 0).astype(np.int64)


def build(cell, steps, units, small_init=False, seed=0):
    kwargs = {}
    if small_init:
        init = ember.initializers.RandomNormal(stddev=0.1, seed=seed + 1)
        kwargs = {"kernel_initializer": init, "recurrent_initializer": init}
    return ember.Sequential([ember.Input(shape=(steps, 3)),
                             getattr(ember.layers, cell)(units, name=cell.lower(), **kwargs),
                             ember.layers.Dense(2, activation="softmax")], name=cell)


def run(options):
    from ember import plot  # noqa: PLC0415  (optional extra)

    if options.dataset not in (None, "long-range"):
        raise ValueError(f"experiment rnn-gradients: --dataset must be 'long-range' (the "
                         f"synthetic task); received {options.dataset!r}")
    quick = options.quick
    probe_steps = 30 if quick else 50
    lengths = (5, 15) if quick else (5, 10, 20, 40, 80)
    n_train, n_test = (256, 128) if quick else (2048, 512)
    units = 8 if quick else 16
    epochs = options.epochs_or(15, 3)
    rng = np.random.default_rng(options.seed)
    loss = ember.losses.SparseCategoricalCrossentropy()
    x_probe, y_probe = long_range_task(64, probe_steps, rng)
    report = Report("rnn-gradients", "Vanishing gradients through time: SimpleRNN, LSTM, GRU",
                    f"A long-range task: the label is the sign of the first of T steps of "
                    f"noise. Gradient norms over {probe_steps} steps on a batch of 64; "
                    f"accuracy after {epochs} epochs of Adam on {n_train} sequences "
                    f"({units} units).")
    norms, rows = {}, []
    for init in ("default", "small"):
        for cell in CELLS:
            ember.utils.set_random_seed(options.seed)
            model = build(cell, probe_steps, units, small_init=init == "small",
                          seed=options.seed)
            g = ember.layers.rnn_gradient_norms(model, x_probe, y_probe, loss)
            norms[f"{cell} ({init} init)"] = g.tolist()
    accuracy = {cell: [] for cell in CELLS}
    seconds = {cell: [] for cell in CELLS}
    for steps in lengths:
        x, y = long_range_task(n_train, steps, rng)
        xt, yt = long_range_task(n_test, steps, rng)
        for cell in CELLS:
            ember.utils.set_random_seed(options.seed)
            model = build(cell, steps, units)
            model.compile(ember.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                          metrics=["accuracy"])
            with Timer() as t:
                model.fit(x, y, batch_size=32, epochs=epochs, verbose=0)
            accuracy[cell].append(float(model.evaluate(xt, yt, verbose=0)[1]))
            seconds[cell].append(t.seconds)
    for cell in CELLS:
        d, s = norms[f"{cell} (default init)"], norms[f"{cell} (small init)"]
        rows.append([cell, d[0] / d[-1], s[0] / s[-1], *accuracy[cell], sum(seconds[cell])])
    report.results.update({"probe_steps": probe_steps, "lengths": list(lengths),
                           "epochs": epochs, "units": units, "gradient_norms": norms,
                           "accuracy": accuracy, "train_seconds": seconds})
    report.set_summary(["cell", "|dL/dh_1| / |dL/dh_T| (default)",
                        "|dL/dh_1| / |dL/dh_T| (small init)",
                        *[f"accuracy T={t}" for t in lengths], "train seconds"], rows)

    fig = plot.new_figure(11, 4)
    axes = fig.subplots(1, 2, sharey=True)
    steps_axis = np.arange(1, probe_steps + 1)
    for ax, init in zip(axes, ("default", "small")):
        for i, cell in enumerate(CELLS):
            values = np.asarray(norms[f"{cell} ({init} init)"])
            shown = np.where(values > 0, values, np.nan)  # float32 underflow to 0: not drawn
            ax.semilogy(steps_axis, shown, color=f"C{i}", label=cell)
        ax.set_title(f"||dL/dh_t||, {init} initialisation")
        ax.set_xlabel("time step t (loss at the last step)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("gradient norm (log)")
    axes[1].legend()
    fig.tight_layout()
    report.add_figure("gradient_per_step", fig, "Gradient norm against the time step")
    fig = plot.new_figure(5.5, 4)
    ax = fig.add_subplot(1, 1, 1)
    for i, cell in enumerate(CELLS):
        ax.plot(lengths, accuracy[cell], marker="o", color=f"C{i}", label=cell)
    ax.axhline(0.5, color="gray", ls=":", label="chance")
    ax.set_xscale("log")
    ax.set_xticks(list(lengths), [str(t) for t in lengths])
    ax.set_xlabel("sequence length T")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0.3, 1.02)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    report.add_figure("accuracy_vs_length", fig, "Test accuracy against the sequence length")
    report.add_section("Gradient norm against the time step", "Backpropagation through time "
                       "multiplies by the recurrent Jacobian at every step back; when it "
                       "contracts (small weights, saturated tanh) the gradient vanishes "
                       "geometrically. The LSTM's cell state carries it additively through "
                       "the forget gate. Points where float32 underflowed to 0 are not drawn.",
                       figures=["gradient_per_step.png"])
    report.add_section("Accuracy against sequence length", "The same budget for every cell "
                       "and length; chance is 0.5.", figures=["accuracy_vs_length.png"])
    return report
