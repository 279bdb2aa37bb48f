"""`ember experiment activations`: the notes' activation functions, their derivatives, and
what they do to a deep network's gradients.

Part 1 draws sigmoid, tanh, ReLU, leaky ReLU and the perceptron's step with their
derivatives (taken by ember's autodiff). Part 2 trains the same deep MLP (8 hidden layers of
32 units, Glorot initialisation, plain SGD) once per activation, from the same seed, and
measures ||dL/dW_l|| for every layer l on one batch, before and after training: with the
sigmoid (whose derivative is at most 1/4) the norm shrinks layer by layer towards the input,
the vanishing gradient. A ReLU unit is counted dead when its pre-activation is <= 0 for every
test input (it then passes no gradient at all); a run with a 10x learning rate shows ReLUs
dying; leaky ReLU units in the same state still pass a gradient of slope alpha.
"""

import numpy as np

import ember
from ember.experiments._common import Timer, accuracy, digits
from ember.experiments.report import Report

RUNS = (  # (label, activation, learning rate)
    ("sigmoid", "sigmoid", 0.1),
    ("tanh", "tanh", 0.1),
    ("relu", "relu", 0.1),
    ("leaky_relu", "leaky_relu", 0.1),
    ("relu, lr x10", "relu", 1.0),
)


def build(activation, depth, width):
    """Dense and Activation as separate layers, so the pre-activations can be read."""
    layers = [ember.Input(shape=(64,))]
    for i in range(depth):
        layers += [ember.layers.Dense(width, name=f"dense_{i + 1}"),
                   ember.layers.Activation(activation, name=f"{activation}_{i + 1}")]
    layers.append(ember.layers.Dense(10, activation="softmax", name="output"))
    return ember.Sequential(layers, name=f"deep_{activation}")


def layer_gradient_norms(model, x, y):
    """||dL/dW|| of every Dense kernel (input side first) for the mean cross-entropy."""
    kernels = [la.kernel for la in model.layers if isinstance(la, ember.layers.Dense)]
    loss_fn = ember.losses.get("sparse_categorical_crossentropy")
    with ember.GradientTape() as tape:
        loss = ember.ops.mean(loss_fn(y, model(x, training=True)))
    grads = tape.gradient(loss, kernels)
    return [float(np.linalg.norm(g.numpy())) for g in grads]


def dead_units(model, x):
    """Per hidden layer: units whose pre-activation is <= 0 for every row of x."""
    counts, h = [], ember.constant(x)
    with ember.no_grad():
        for layer in model.layers[:-1]:
            h = layer(h)
            if isinstance(layer, ember.layers.Dense):
                counts.append(int(np.sum(np.all(h.numpy() <= 0, axis=0))))
    return counts


def run(options):
    from ember import plot  # noqa: PLC0415  (optional extra)

    if options.dataset not in (None, "digits"):
        raise ValueError(f"experiment activations: --dataset must be 'digits'; received "
                         f"{options.dataset!r}")
    depth, width = (6, 16) if options.quick else (8, 32)
    epochs = options.epochs_or(20, 30)
    (x, y), (xt, yt) = digits(limit_train=512 if options.quick else None, seed=options.seed)
    probe = slice(0, 256)
    report = Report("activations", "Activation functions and the vanishing gradient",
                    f"The same {depth}-hidden-layer MLP ({width} units per layer) trained on "
                    f"the digits ({len(x)} images, {epochs} epochs of SGD, batch 32) with each "
                    "activation, from the same seed; gradient norms per layer on one batch of "
                    f"{probe.stop} images.")
    report.add_figure("activations", plot.plot_activations(),
                      "Each activation (top) above its derivative (bottom)")
    runs, rows = {}, []
    for label, activation, lr in RUNS:
        ember.utils.set_random_seed(options.seed)
        model = build(activation, depth, width)
        before = layer_gradient_norms(model, x[probe], y[probe])
        model.compile(ember.optimizers.SGD(lr), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        with Timer() as t:
            history = model.fit(x, y, batch_size=32, epochs=epochs, verbose=0)
        after = layer_gradient_norms(model, x[probe], y[probe])
        acc, _ = accuracy(model, xt, yt)
        relu_like = activation in ("relu", "leaky_relu")
        dead = dead_units(model, xt) if relu_like else None
        ratio = before[0] / before[-1] if before[-1] > 0 else float("nan")
        runs[label] = {"activation": activation, "learning_rate": lr,
                       "grad_norms_before": before, "grad_norms_after": after,
                       "first_to_last_ratio": ratio, "test_accuracy": acc,
                       "dead_units_per_layer": dead,
                       "dead_units": int(sum(dead)) if relu_like else None,
                       "hidden_units": depth * width, "loss": history.history["loss"],
                       "train_seconds": t.seconds}
        rows.append([label, lr, before[0], before[-1], ratio, runs[label]["dead_units"], acc])
    report.results.update({"depth": depth, "width": width, "epochs": epochs,
                           "train_size": len(x), "runs": runs})
    report.set_summary(["activation", "lr", "|dL/dW| layer 1", "|dL/dW| output",
                        "layer 1 / output", f"dead units (of {depth * width})",
                        "test accuracy"], rows)
    ratio = {k: r["first_to_last_ratio"] for k, r in runs.items()}
    acc = {k: r["test_accuracy"] for k, r in runs.items()}
    report.add_claim("The sigmoid's gradient vanishes in a deep network (its derivative is at "
                     "most 1/4), tanh's much less, and ReLU reduces the problem.",
                     ratio["sigmoid"] < 1e-2 and ratio["sigmoid"] < 0.1 * ratio["tanh"]
                     and ratio["sigmoid"] < 0.1 * ratio["relu"],
                     f"{depth} hidden layers at initialisation, |dL/dW| layer 1 / output: "
                     f"sigmoid {ratio['sigmoid']:.1e}, tanh {ratio['tanh']:.2f}, ReLU "
                     f"{ratio['relu']:.2f}, leaky ReLU {ratio['leaky_relu']:.2f}")
    report.add_claim("So the deep network learns with ReLU (and tanh) where the sigmoid "
                     "leaves it stuck.",
                     min(acc["relu"], acc["tanh"]) > acc["sigmoid"] + 0.2,
                     f"test accuracy after {epochs} epochs of SGD: ReLU {acc['relu']:.3f}, "
                     f"tanh {acc['tanh']:.3f}, leaky ReLU {acc['leaky_relu']:.3f}, sigmoid "
                     f"{acc['sigmoid']:.3f} (chance 0.1)")
    dead = {k: runs[k]["dead_units"] for k in ("relu", "relu, lr x10")}
    report.add_claim("ReLUs can die: a unit whose input is negative for every example outputs "
                     "0 and learns nothing, and large steps push units there.",
                     dead["relu, lr x10"] > dead["relu"],
                     f"dead units of {depth * width}: {dead['relu']} at lr 0.1, "
                     f"{dead['relu, lr x10']} at lr 1.0")

    fig = plot.new_figure(11, 4)
    at_init, trained = fig.subplots(1, 2, sharey=True)
    layers = np.arange(1, depth + 2)
    for i, (label, r) in enumerate(runs.items()):
        at_init.semilogy(layers, r["grad_norms_before"], marker="o", color=f"C{i}", label=label)
        trained.semilogy(layers, r["grad_norms_after"], marker="o", color=f"C{i}", label=label)
    for ax, title in ((at_init, "at initialisation"), (trained, f"after {epochs} epochs")):
        ax.set_title(f"gradient norm per layer, {title}")
        ax.set_xlabel("layer (1 = next to the input)")
        ax.grid(alpha=0.3)
    at_init.set_ylabel("||dL/dW|| (log)")
    trained.legend(fontsize=8)
    fig.tight_layout()
    report.add_figure("gradient_norms", fig, "||dL/dW_l|| per layer: the sigmoid's shrink "
                                             "by orders of magnitude towards the input")

    fig = plot.new_figure(11, 3.6)
    dead_ax, loss_ax = fig.subplots(1, 2)
    hidden = np.arange(1, depth + 1)
    relu_runs = [k for k in runs if runs[k]["activation"] in ("relu", "leaky_relu")]
    w = 0.8 / len(relu_runs)
    for j, label in enumerate(relu_runs):
        dead_ax.bar(hidden + (j - (len(relu_runs) - 1) / 2) * w,
                    runs[label]["dead_units_per_layer"], width=w, label=label)
    dead_ax.set_title("units with pre-activation <= 0 on every test input")
    dead_ax.set_xlabel("hidden layer")
    dead_ax.set_ylabel(f"units (of {width})")
    dead_ax.legend(fontsize=8)
    for i, (label, r) in enumerate(runs.items()):
        loss_ax.plot(np.arange(1, epochs + 1), r["loss"], marker="o", color=f"C{i}",
                     label=label)
    loss_ax.set_title("training loss")
    loss_ax.set_xlabel("epoch")
    loss_ax.legend(fontsize=8)
    fig.tight_layout()
    report.add_figure("dead_units_and_loss", fig, "Dead ReLUs per layer, and the training "
                                                  "loss of every run")
    report.add_section("The functions", "Sigmoid and tanh saturate: their derivatives vanish "
                       "for large |x| (the sigmoid's never exceeds 0.25). ReLU's derivative is "
                       "1 or 0; leaky ReLU keeps a slope alpha = 0.2 (Keras' default) for x < "
                       "0; the step function has derivative 0 everywhere it is defined, so it "
                       "passes no gradient.", figures=["activations.png"])
    report.add_section("Gradient norms per layer", "Backpropagation multiplies by f'(z) at "
                       "every layer: below 1 each time, the gradient reaching the first layers "
                       "vanishes.", figures=["gradient_norms.png"])
    report.add_section("Dying ReLUs", "A dead unit outputs 0 for every input, so its weights "
                       "get no gradient and it never recovers; large steps push units there.",
                       table=(["run", *[f"layer {i}" for i in hidden]],
                              [[k, *runs[k]["dead_units_per_layer"]] for k in relu_runs]),
                       figures=["dead_units_and_loss.png"])
    return report
