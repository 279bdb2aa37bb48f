"""`ember experiment rnn-gradients`: SimpleRNN, LSTM and GRU on a long-memory task.

The task (copy the first symbol): a sequence of T steps of 3 features; step 1 holds the
symbol (+1 or -1 on feature 0) and a marker (1 on feature 1); steps 2..T are Gaussian noise
(std `noise`) on all three features, the distractors to remember past. The label is the first
symbol: a network must carry one bit across T - 1 noisy steps.

Two measurements:

- ||dL/dh_t|| against the time step t (`ember.layers.rnn_gradient_norms`), at
  initialisation, for three initialisations of the kernels: the notes' setting ("a [recurrent]
  weight below one can diminish to almost zero": N(0, 0.1) kernels, a contracting
  recurrence), Keras' defaults (Glorot input kernel, orthogonal recurrent kernel) and large
  recurrent weights (orthogonal, gain 3: "a bigger value can skyrocket"); on noisy inputs
  (std 1, which saturate tanh) and, for Keras' defaults, on quiet inputs (std 0.2).
- test accuracy against the sequence length T after the same training budget, in the notes'
  setting, and (full runs) with Keras' defaults.
"""

import numpy as np

import ember
from ember.experiments._common import Timer
from ember.experiments.report import Report

CELLS = ("SimpleRNN", "LSTM", "GRU")
INITS = {  # name -> what the report calls it
    "small": "the notes' setting: N(0, 0.1) kernels (recurrent weights below one)",
    "default": "Keras' defaults: Glorot input kernel, orthogonal recurrent kernel",
    "large": "large recurrent weights: orthogonal recurrent kernel with gain 3",
}


def first_symbol_task(n, steps, rng, noise=1.0):
    """x (n, steps, 3) float32, y (n,) int64: the symbol of step 1 (label 1 for +1).

    >>> import numpy as np
    >>> x, y = first_symbol_task(4, 6, np.random.default_rng(0))
    >>> x.shape, bool(np.all(x[:, 0, 0] == 2 * y - 1)), bool(np.all(x[:, 0, 1] == 1))
    ((4, 6, 3), True, True)
    """
    y = rng.integers(0, 2, n)
    x = (noise * rng.normal(size=(n, steps, 3))).astype(np.float32)
    x[:, 0, :] = 0
    x[:, 0, 0] = 2 * y - 1
    x[:, 0, 1] = 1
    return x, y.astype(np.int64)


OPEN_FORGET_BIAS = 3.0  # sigmoid(3) = 0.95: the cell state's conveyor belt open from the start


def build(cell, steps, units, init="default", seed=0):
    """Input (steps, 3) -> one recurrent layer -> softmax over the two symbols. The cell
    "LSTM-open" is an LSTM whose forget-gate bias starts at `OPEN_FORGET_BIAS` instead of
    Keras' 1 (unit_forget_bias), everything else alike.

    >>> m = build("LSTM-open", 5, 4)
    >>> m.layers[0].get_weights()[-1][4:8].tolist()
    [3.0, 3.0, 3.0, 3.0]
    """
    open_gate = cell == "LSTM-open"
    cell = "LSTM" if open_gate else cell
    kwargs = {}
    if init == "small":
        kwargs = {"kernel_initializer": ember.initializers.RandomNormal(stddev=0.1,
                                                                        seed=seed + 1),
                  "recurrent_initializer": ember.initializers.RandomNormal(stddev=0.1,
                                                                           seed=seed + 2)}
    elif init == "large":
        kwargs = {"recurrent_initializer": ember.initializers.Orthogonal(gain=3.0,
                                                                         seed=seed + 2)}
    elif init != "default":
        raise ValueError(f"rnn-gradients: init must be one of {sorted(INITS)}; received "
                         f"{init!r}")
    model = ember.Sequential([ember.Input(shape=(steps, 3)),
                              getattr(ember.layers, cell)(units, name=cell.lower(), **kwargs),
                              ember.layers.Dense(2, activation="softmax")], name=cell)
    if open_gate:  # Keras' gate order i, f, c, o: the second block of the bias
        layer = model.layers[0]
        weights = layer.get_weights()
        bias = weights[-1].copy()
        bias[units:2 * units] = OPEN_FORGET_BIAS
        layer.set_weights([*weights[:-1], bias])
    return model


def _ratio(norms):
    return float(norms[0] / norms[-1]) if norms[-1] > 0 else float("nan")


def _sizes(options):
    if options.quick:
        return {"probe_steps": 40, "lengths": (10, 30), "n_train": 2048, "n_test": 256,
                "units": 16, "epochs": options.epochs_or(12, 10), "batch_size": 32,
                "accuracy_inits": ("small",)}
    return {"probe_steps": 50, "lengths": (10, 20, 30, 40), "n_train": 2048, "n_test": 512,
            "units": 16, "epochs": options.epochs_or(12, 10), "batch_size": 32,
            "accuracy_inits": ("small", "default")}


def run(options):
    from ember import plot  # noqa: PLC0415  (optional extra)

    if options.dataset not in (None, "first-symbol"):
        raise ValueError(f"experiment rnn-gradients: --dataset must be 'first-symbol' (the "
                         f"synthetic task); received {options.dataset!r}")
    z = _sizes(options)
    probe_steps, lengths, units, epochs = z["probe_steps"], z["lengths"], z["units"], z["epochs"]
    rng = np.random.default_rng(options.seed)
    loss = ember.losses.SparseCategoricalCrossentropy()
    report = Report("rnn-gradients", "Vanishing gradients through time: SimpleRNN, LSTM, GRU",
                    "The task: copy the first symbol (+1 or -1) of a sequence whose T - 1 "
                    "later steps are Gaussian noise. Gradient norms at initialisation over "
                    f"{probe_steps} steps on a batch of 64; accuracy after {epochs} epochs of "
                    f"Adam(0.01), batch {z['batch_size']}, on {z['n_train']} sequences "
                    f"({units} units), chance 0.5.")

    # -------------------------------------------------- gradient norm against the time step
    probes = {"noisy": first_symbol_task(64, probe_steps, rng, noise=1.0),
              "quiet": first_symbol_task(64, probe_steps, rng, noise=0.2)}
    settings = [(init, "noisy") for init in INITS] + [("default", "quiet")]
    norms = {}
    for init, inputs in settings:
        for cell in CELLS:
            ember.utils.set_random_seed(options.seed)
            model = build(cell, probe_steps, units, init=init, seed=options.seed)
            x_probe, y_probe = probes[inputs]
            norms[f"{cell}, {init}, {inputs}"] = ember.layers.rnn_gradient_norms(
                model, x_probe, y_probe, loss).tolist()
    ratios = {k: _ratio(v) for k, v in norms.items()}

    # -------------------------------------------------- accuracy against the sequence length
    accuracy, seconds, trained_ratio = {}, {}, {}
    data = {}
    for steps in lengths:
        data[steps] = (first_symbol_task(z["n_train"], steps, rng),
                       first_symbol_task(z["n_test"], steps, rng))
    for init in z["accuracy_inits"]:
        for cell in (*CELLS, "LSTM-open"):
            key = f"{cell}, {init}"
            accuracy[key], seconds[key] = [], []
            for steps in lengths:
                (x, y), (xt, yt) = data[steps]
                ember.utils.set_random_seed(options.seed)
                model = build(cell, steps, units, init=init, seed=options.seed)
                model.compile(ember.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                              metrics=["accuracy"])
                with Timer() as t:
                    model.fit(x, y, batch_size=z["batch_size"], epochs=epochs, verbose=0)
                accuracy[key].append(float(model.evaluate(xt, yt, verbose=0)[1]))
                seconds[key].append(t.seconds)
                if steps == lengths[-1]:  # after training: how much gradient reaches step 1
                    trained_ratio[key] = _ratio(ember.layers.rnn_gradient_norms(
                        model, xt[:64], yt[:64], loss))

    report.results.update({"probe_steps": probe_steps, "lengths": list(lengths),
                           "epochs": epochs, "units": units, "n_train": z["n_train"],
                           "gradient_norms": norms, "gradient_ratios": ratios,
                           "accuracy": accuracy, "trained_gradient_ratios": trained_ratio,
                           "train_seconds": seconds, "inits": INITS})
    rows = []
    for cell in (*CELLS, "LSTM-open"):
        rows.append([cell, *[ratios.get(f"{cell}, {init}, {inputs}") for init, inputs in settings],
                     *accuracy[f"{cell}, small"]])
    report.set_summary(["cell", "|dL/dh_1|/|dL/dh_T| small init",
                        "... Keras default", "... large init", "... default, quiet inputs",
                        *[f"accuracy T={t} (small init)" for t in lengths]], rows)

    # -------------------------------------------------- the claims, from the numbers
    longest = lengths[-1]
    rnn_small, lstm_small = ratios["SimpleRNN, small, noisy"], ratios["LSTM, small, noisy"]
    vanishes = rnn_small < 1e-10 and lstm_small > 1e3 * rnn_small
    explodes = ratios["SimpleRNN, large, noisy"] > 1e3 and ratios["LSTM, large, noisy"] < 1e2
    report.add_claim(
        "A plain RNN's gradient vanishes (recurrent weights below one) or explodes (above "
        "one) going back in time, while the LSTM's cell state, with no weight matrix on its "
        "path, carries it.", vanishes and explodes,
        f"|dL/dh_1|/|dL/dh_{probe_steps}| at initialisation: small weights SimpleRNN "
        f"{rnn_small:.1e}, LSTM {lstm_small:.1e}, GRU {ratios['GRU, small, noisy']:.1e}; "
        f"large weights SimpleRNN {ratios['SimpleRNN, large, noisy']:.1e} (exploding), LSTM "
        f"{ratios['LSTM, large, noisy']:.1e}; with Keras' defaults SimpleRNN "
        f"{ratios['SimpleRNN, default, noisy']:.1e} on noisy inputs but "
        f"{ratios['SimpleRNN, default, quiet']:.1e} on quiet ones, LSTM "
        f"{ratios['LSTM, default, noisy']:.1e}")
    acc = {cell: accuracy[f"{cell}, small"] for cell in (*CELLS, "LSTM-open")}
    lstm_gap = acc["LSTM"][-1] - acc["SimpleRNN"][-1]
    open_gap = acc["LSTM-open"][-1] - acc["SimpleRNN"][-1]
    report.add_claim(
        "So an LSTM, whose cell state carries information down the sequence (the forget gate "
        "deciding how much is kept), learns long-range dependencies that a plain RNN cannot.",
        open_gap > 0.2,
        f"copy the first symbol over T={longest} steps, notes' initialisation: LSTM with its "
        f"forget gate open from the start (bias {OPEN_FORGET_BIAS:g}, f = 0.95) "
        f"{acc['LSTM-open'][-1]:.3f} against SimpleRNN {acc['SimpleRNN'][-1]:.3f} (chance 0.5); "
        f"with Keras' default forget bias 1 (f = 0.73) LSTM {acc['LSTM'][-1]:.3f}, GRU "
        f"{acc['GRU'][-1]:.3f}; at T={lengths[0]} every cell learns (SimpleRNN "
        f"{acc['SimpleRNN'][0]:.3f}, LSTM {acc['LSTM'][0]:.3f}, GRU {acc['GRU'][0]:.3f})")
    if open_gap <= 0.2:
        report.add_note(
            f"Not confirmed here: at T={longest} even the LSTM with an open forget gate "
            f"({acc['LSTM-open'][-1]:.3f}) did not beat the SimpleRNN "
            f"({acc['SimpleRNN'][-1]:.3f}) by a clear margin in this budget: the SimpleRNN learnt "
            "it too. Its gradient vanishes at the start (table above), but training can grow "
            "its recurrent weights out of the contracting regime; whether it does within the "
            "budget depends on the seed (in our runs it failed at some lengths and succeeded at "
            "longer ones), while the open-gate LSTM learnt every length.")
    if lstm_gap <= 0.2:
        report.add_note(
            f"With Keras' default forget bias (1) the LSTM ({acc['LSTM'][-1]:.3f} at "
            f"T={longest}) did not beat the SimpleRNN ({acc['SimpleRNN'][-1]:.3f}) by a clear "
            "margin in this budget"
            + ("; the claim holds here for the LSTM whose forget gate starts open (the conveyor "
               "belt of the notes), which is a choice of initialisation. In " if open_gap > 0.2
               else ". In ")
            + "our runs of this task (2048 sequences), the cells learnt T=30-40 only for some "
            "seeds, even with 25 epochs, and the LSTM no more reliably than the others: the "
            "LSTM's forget gate starts at sigmoid(1) = 0.73 (Keras' "
            "unit_forget_bias), so at initialisation its memory of step 1 also decays "
            f"geometrically (0.73^{longest - 1} = {0.73 ** (longest - 1):.0e}); it learns the "
            "task only once training has opened the gate, which this budget does not always "
            "reach. With the gate open from the start the memory decays as 0.95^T instead.")
    gru_fails = acc["GRU"][-1] < acc["LSTM"][-1] - 0.2
    if gru_fails:
        report.add_note(
            f"The GRU did not learn T={longest} in this budget (accuracy {acc['GRU'][-1]:.3f}): "
            "its state is carried by the update gate z, whose bias starts at 0, so z = 0.5 and "
            "the memory of step 1 halves at every step (0.5^T) until training moves the gate; "
            "the LSTM's forget gate starts at sigmoid(1) = 0.73 (Keras' unit_forget_bias), a "
            "much slower decay that training opens further.")
    quiet = ratios["SimpleRNN, default, quiet"]
    report.add_note(
        "Where the notes' picture needs conditions: with Keras' defaults the SimpleRNN's "
        f"recurrent kernel is orthogonal (norm-preserving), so on quiet inputs its gradient "
        f"barely shrinks ({quiet:.1e} over {probe_steps} steps) and it can carry a symbol a "
        "long way; it vanishes when the recurrence contracts: small recurrent weights (the "
        "notes' setting) or inputs large enough to saturate tanh (noise std 1: "
        f"{ratios['SimpleRNN, default, noisy']:.1e}). At initialisation the LSTM's gradient "
        "decays too (its forget gate starts at 0.73); what it has is a path that training can "
        "open: after training on the longest sequences, |dL/dh_1|/|dL/dh_T| is "
        + ", ".join(f"{k.split(',')[0]} {v:.1e}" for k, v in trained_ratio.items()
                    if k.endswith("small")) + " (notes' initialisation).")

    # -------------------------------------------------- figures
    fig = plot.new_figure(13, 4)
    axes = fig.subplots(1, 3, sharey=True)
    steps_axis = np.arange(1, probe_steps + 1)
    for ax, init in zip(axes, INITS):
        for i, cell in enumerate(CELLS):
            values = np.asarray(norms[f"{cell}, {init}, noisy"])
            shown = np.where(values > 0, values, np.nan)  # float32 underflow to 0: not drawn
            ax.semilogy(steps_axis, shown, color=f"C{i}", label=cell)
        if init == "default":
            values = np.asarray(norms["SimpleRNN, default, quiet"])
            ax.semilogy(steps_axis, np.where(values > 0, values, np.nan), color="C0", ls="--",
                        label="SimpleRNN, quiet inputs")
        ax.set_title(f"{init} initialisation", fontsize=10)
        ax.set_xlabel("time step t (loss at the last step)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("||dL/dh_t|| at initialisation (log)")
    fig.tight_layout()
    report.add_figure("gradient_per_step", fig, "Gradient norm against the time step, three "
                                                "initialisations")
    fig = plot.new_figure(5.5 * len(z["accuracy_inits"]), 4)
    axes = np.atleast_1d(fig.subplots(1, len(z["accuracy_inits"]), sharey=True))
    for ax, init in zip(axes, z["accuracy_inits"]):
        for i, cell in enumerate((*CELLS, "LSTM-open")):
            ax.plot(lengths, accuracy[f"{cell}, {init}"], marker="o", color=f"C{i}",
                    ls="--" if cell == "LSTM-open" else "-",
                    label=f"LSTM, forget bias {OPEN_FORGET_BIAS:g}" if cell == "LSTM-open"
                    else cell)
        ax.axhline(0.5, color="gray", ls=":", label="chance")
        ax.set_xticks(list(lengths), [str(t) for t in lengths])
        ax.set_xlabel("sequence length T")
        ax.set_title(f"{init} initialisation", fontsize=10)
        ax.set_ylim(0.3, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("test accuracy")
    fig.tight_layout()
    report.add_figure("accuracy_vs_length", fig, "Test accuracy against the sequence length")
    report.add_section(
        "Gradient norm against the time step",
        "Backpropagation through time multiplies by the recurrent Jacobian W^T diag(tanh') at "
        "every step back: when it contracts (small weights, or tanh saturated by large inputs) "
        "the gradient vanishes geometrically; when it expands (large weights) it explodes. "
        "The LSTM's cell state passes the gradient through the forget gate only, with no "
        "weight matrix. Points where float32 underflowed to 0 are not drawn.",
        table=(["setting", "what it is"], [[k, v] for k, v in INITS.items()]),
        figures=["gradient_per_step.png"])
    report.add_section(
        "Accuracy against sequence length",
        "The same budget for every cell and length; chance is 0.5. |dL/dh_1|/|dL/dh_T| of the "
        "trained networks at the longest length in the table.",
        table=(["cell, initialisation", *[f"T={t}" for t in lengths],
                f"gradient ratio after training (T={longest})"],
               [[k, *v, trained_ratio[k]] for k, v in accuracy.items()]),
        figures=["accuracy_vs_length.png"])
    return report
