"""`ember experiment feature-maps`: what a trained CNN sees. The filters of its first
convolution, and for a few test inputs the feature maps (the activations after ReLU, as the
notes define them) of every convolutional layer."""

import numpy as np

import ember
from ember.experiments._common import Timer, count_params
from ember.experiments.report import Report


def conv_outputs(model, x):
    """{conv layer name: its output for x}, walking a Sequential layer by layer."""
    out, h = {}, ember.constant(np.asarray(x, np.float32))
    with ember.no_grad():
        for layer in model.layers:
            h = layer(h, training=False)
            if isinstance(layer, ember.layers.Conv2D):
                out[layer.name] = h.numpy()
    return out


def run(options):
    from ember import plot  # noqa: PLC0415  (optional extra)
    from ember.experiments.cnn_vs_mlp import _data, build_cnn  # noqa: PLC0415

    name, (x, y), (xt, yt) = _data(options, quick_default="digits")
    epochs = options.epochs_or(15, 8)
    ember.utils.set_random_seed(options.seed)
    model = build_cnn(x.shape[1:])
    model.compile(ember.optimizers.Adam(1e-3), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    initial = next(la for la in model.layers
                   if isinstance(la, ember.layers.Conv2D)).kernel.numpy().copy()
    with Timer() as t:
        model.fit(x, y, batch_size=32, epochs=epochs, verbose=0)
    acc = float(model.evaluate(xt, yt, verbose=0)[1])
    picks = [int(np.flatnonzero(yt == d)[0]) for d in (0, 3, 7) if np.any(yt == d)]
    maps = conv_outputs(model, xt)
    convs = [la for la in model.layers if isinstance(la, ember.layers.Conv2D)]
    report = Report("feature-maps", "What the network sees: filters and feature maps",
                    f"The CNN of cnn-vs-mlp trained {epochs} epochs on {name} (test accuracy "
                    f"{acc:.4f}); its first layer's filters and, for {len(picks)} test "
                    "images, the feature maps of each convolutional layer.")
    rows, layers = [], {}
    for layer in convs:
        m = maps[layer.name]
        kernel = layer.kernel.numpy()
        layers[layer.name] = {"kernel_shape": list(kernel.shape), "params": count_params(layer),
                              "output_shape": list(m.shape[1:]),
                              "mean_activation": float(m.mean()),
                              "zero_fraction": float(np.mean(m <= 0))}
        rows.append([layer.name, "x".join(map(str, kernel.shape)), layers[layer.name]["params"],
                     "x".join(map(str, m.shape[1:])), float(m.mean()), float(np.mean(m <= 0))])
    report.results.update({"dataset": name, "epochs": epochs, "test_accuracy": acc,
                           "train_seconds": t.seconds, "layers": layers,
                           "inputs": [{"index": i, "label": int(yt[i])} for i in picks]})
    report.set_summary(["layer", "kernel", "params", "feature maps", "mean activation",
                        "zero fraction"], rows)
    first = convs[0].kernel.numpy()
    moved = float(np.linalg.norm(first - initial) / np.linalg.norm(initial))
    report.results.update({"filter_change": moved})
    report.add_claim("The filters are learnt during training (backpropagation), and the "
                     "convolutional layers act as a feature extractor: each filter's feature "
                     "map shows where its pattern appears.",
                     moved > 0.05 and acc > 0.5,
                     f"the first layer's filters moved {moved:.0%} (relative norm) from their "
                     f"random start; the network classifies the test set at {acc:.3f} (chance "
                     "0.1)")
    report.add_figure("filters", plot.plot_filters(convs[0].kernel.numpy(),
                                                   title=f"{convs[0].name} filters"),
                      f"The {convs[0].kernel.shape[-1]} learnt filters of {convs[0].name}")
    names = []
    for i in picks:
        fig = plot.plot_feature_maps({la.name: maps[la.name][i] for la in convs}, max_maps=8,
                                     title=f"test image {i} (digit {yt[i]})")
        names.append(report.add_figure(f"feature_maps_{i}", fig,
                                       f"Feature maps for test image {i} (digit {yt[i]})"))
    report.add_figure("inputs", plot.image_grid(xt[picks], labels=[str(yt[i]) for i in picks]),
                      "The inputs")
    report.add_section("Filters", "Each filter is one neuron's weights, shared across the "
                       "image (a feature map is where that feature is found).",
                       figures=["filters.png"])
    report.add_section("Feature maps", "Early layers respond to strokes and edges; deeper, "
                       "pooled maps are coarser and more abstract.",
                       figures=["inputs.png", *names])
    return report
