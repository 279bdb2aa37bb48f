"""`ember experiment cifar10-regularization`: the notes' seven CIFAR-10 experiments on
dropout, batch normalization, L2 and network size, beside the notes' own figures.

The notes give the experiments and their train/validation accuracies, not the exact
network; the base here is the usual small VGG-style CIFAR network: blocks of two 3x3
convolutions (ReLU) and a 2x2 max-pool, then a 256-unit dense layer and the softmax. Each
experiment switches the notes' ingredients on or off: dropout after the conv blocks (0.25),
dropout in the dense part (0.5), batch normalization after every convolution, L2 (5e-4) on
the dense layer, one more convolution (in the last block, before its pool), twice the
feature maps.

Data: real CIFAR-10 (`ember.datasets.cifar10`) when its archive is in ember's cache (or with
`--dataset cifar10`, which may download it); otherwise, and always with `--dataset standin`,
a clearly labelled stand-in runs instead so the recipe is still exercised: the bundled
digits upscaled to 16x16 and painted in a random colour on a random-colour noisy background
(a 10-class colour-image task). `--quick` uses fewer images, narrower networks (one conv per
block) and 10 epochs on 600 images: enough for batch normalization's head start to show,
not for the notes' numbers.
"""

import os

import numpy as np

import ember
from ember.experiments._common import Timer, count_params
from ember.experiments.report import Report

# (key, the notes' description, settings, notes' train accuracy, notes' validation accuracy)
EXPERIMENTS = (
    ("I", "dropout after conv and FC layers, no batch normalization",
     {"conv_dropout": True, "fc_dropout": True, "bn": False, "l2": False}, 0.84, 0.79),
    ("II", "dropout in FC only, batch normalization",
     {"conv_dropout": False, "fc_dropout": True, "bn": True, "l2": False}, 0.98, 0.79),
    ("III", "dropout after conv and FC layers, batch normalization",
     {"conv_dropout": True, "fc_dropout": True, "bn": True, "l2": False}, 0.89, 0.82),
    ("IV", "L2 + dropout in FC (none in conv), batch normalization",
     {"conv_dropout": False, "fc_dropout": True, "bn": True, "l2": True}, 0.94, 0.76),
    ("V", "dropout after conv, L2 in FC, batch normalization after conv",
     {"conv_dropout": True, "fc_dropout": False, "bn": True, "l2": True}, 0.86, 0.83),
    ("VI", "V plus a new convolutional layer",
     {"conv_dropout": True, "fc_dropout": False, "bn": True, "l2": True, "extra_conv": True},
     0.89, 0.84),
    ("VII", "VI with more feature maps (twice the filters)",
     {"conv_dropout": True, "fc_dropout": False, "bn": True, "l2": True, "extra_conv": True,
      "wide": True}, 0.92, 0.84),
)


def cifar10_cached():
    """The cached CIFAR-10 archive's path, or None (nothing is downloaded)."""
    from ember.datasets import cifar10  # noqa: PLC0415
    from ember.utils.file_utils import ember_home  # noqa: PLC0415

    path = os.path.join(ember_home(), "datasets", "cifar10", cifar10.ARCHIVE["fname"])
    return path if os.path.isfile(path) else None


def coloured_digits(seed=0):
    """The stand-in: digits 16x16x3, a random colour on a random-colour noisy background."""
    (x, y), (xt, yt) = ember.datasets.digits.load_data()
    rng = np.random.default_rng(seed)

    def paint(images):
        big = np.kron(images.astype(np.float32) / 16, np.ones((2, 2), np.float32))[..., None]
        fg = rng.uniform(0.3, 1.0, (len(images), 1, 1, 3)).astype(np.float32)
        bg = rng.uniform(0.0, 0.6, (len(images), 1, 1, 3)).astype(np.float32)
        noise = rng.normal(0, 0.08, big.shape[:3] + (3,)).astype(np.float32)
        return np.clip(big * fg + (1 - big) * bg + noise, 0, 1)

    return (paint(x), y.astype(np.int64)), (paint(xt), yt.astype(np.int64))


def _data(options):
    choice = options.dataset or "auto"
    if choice not in ("auto", "cifar10", "standin"):
        raise ValueError(f"experiment cifar10-regularization: --dataset must be 'auto', "
                         f"'cifar10' or 'standin'; received {choice!r}")
    if choice == "cifar10" or (choice == "auto" and cifar10_cached() is not None):
        (x, y), (xt, yt) = ember.datasets.cifar10.load_data()
        x, xt = x.astype(np.float32) / 255, xt.astype(np.float32) / 255
        data = "CIFAR-10", (x, y.astype(np.int64).ravel()), (xt, yt.astype(np.int64).ravel())
    else:
        data = ("stand-in: coloured digits 16x16x3 (CIFAR-10 is not in ember's cache)",
                *coloured_digits(options.seed))
    name, (x, y), (xt, yt) = data
    if options.quick:
        rng = np.random.default_rng(options.seed)
        keep, keep_t = rng.permutation(len(x))[:600], rng.permutation(len(xt))[:300]
        x, y, xt, yt = x[keep], y[keep], xt[keep_t], yt[keep_t]
    return name, (x, y), (xt, yt)


def build(shape, conv_dropout, fc_dropout, bn, l2, extra_conv=False, wide=False, quick=False):
    L = ember.layers
    filters = [f * (2 if wide else 1) for f in ((8, 16) if quick else (32, 64))]
    layers = [ember.Input(shape=shape)]
    for b, f in enumerate(filters):
        convs = (1 if quick else 2) + (1 if extra_conv and b == len(filters) - 1 else 0)
        for c in range(convs):
            layers.append(L.Conv2D(f, 3, padding="same", name=f"block{b + 1}_conv{c + 1}"))
            if bn:
                layers.append(L.BatchNormalization(name=f"block{b + 1}_bn{c + 1}"))
            layers.append(L.Activation("relu"))
        layers.append(L.MaxPooling2D(2, name=f"block{b + 1}_pool"))
        if conv_dropout:
            layers.append(L.Dropout(0.25))
    layers.append(L.Flatten())
    reg = ember.regularizers.L2(5e-4) if l2 else None
    layers.append(L.Dense(64 if quick else 256, activation="relu", kernel_regularizer=reg,
                          name="fc"))
    if fc_dropout:
        layers.append(L.Dropout(0.5))
    layers.append(L.Dense(10, activation="softmax", name="predictions"))
    return ember.Sequential(layers)


def grid(options):
    """The runs of the recipe, one per experiment (`ember experiment ... --sweep` spreads
    them over workers); every experiment starts from the same seed, as in the notes."""
    return [{"key": key, "seed": options.seed} for key, *_ in EXPERIMENTS]


_DATA = {}  # (dataset, seed, quick) -> _data(options), while `run` trains the grid


def run_one(options, spec):
    """Train one experiment of `grid`; returns its numbers (plain data)."""
    key = (options.dataset, options.seed, options.quick)
    name, (x, y), (xt, yt) = _DATA[key] if key in _DATA else _data(options)
    _, text, settings, notes_train, notes_val = next(e for e in EXPERIMENTS
                                                     if e[0] == spec["key"])
    ember.utils.set_random_seed(spec["seed"])
    model = build(x.shape[1:], quick=options.quick, **settings)
    model.compile(ember.optimizers.Adam(1e-3), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    with Timer() as t:
        history = model.fit(x, y, batch_size=64, epochs=options.epochs_or(30, 10), verbose=0,
                            validation_data=(xt, yt))
    h = history.history
    return {"description": text, "settings": settings, "params": count_params(model),
            "train_accuracy": h["accuracy"][-1], "val_accuracy": h["val_accuracy"][-1],
            "notes_train_accuracy": notes_train, "notes_val_accuracy": notes_val,
            "history": h, "train_seconds": t.seconds, "dataset": name, "train_size": len(x),
            "val_size": len(xt)}


def run(options):
    _DATA[(options.dataset, options.seed, options.quick)] = _data(options)  # loaded once
    try:
        runs = {spec["key"]: run_one(options, spec) for spec in grid(options)}
    finally:
        _DATA.clear()
    return assemble(options, runs)


def assemble(options, runs):
    """The report from the results of every run of `grid` (`{key: run_one(...)}`)."""
    from ember import plot  # noqa: PLC0415  (optional extra)

    first = runs[EXPERIMENTS[0][0]]
    name, train_size, val_size = first["dataset"], first["train_size"], first["val_size"]
    standin = not name.startswith("CIFAR-10")
    epochs = options.epochs_or(30, 10)
    report = Report("cifar10-regularization", "The notes' seven CIFAR-10 experiments",
                    f"Data: {name}; {train_size} training and {val_size} validation images; "
                    f"{epochs} epochs of Adam(1e-3), batch 64, each experiment from the same "
                    "seed. Train accuracy is the last epoch's running accuracy (with dropout "
                    "active), as the fit log reports it.")
    if standin:
        report.add_note("CIFAR-10 was not used: these are stand-in numbers on coloured "
                        "digits, not comparable with the notes' figures (place "
                        "cifar-10-binary.tar.gz in ember's cache or pass --dataset cifar10).")
    if options.quick:
        report.add_note("--quick: small subset, narrow networks, few epochs: batch "
                        "normalization's head start shows; the notes' numbers need the full "
                        "run on CIFAR-10.")
    rows = []
    for key, text, _, notes_train, notes_val in EXPERIMENTS:
        r = runs[key]
        rows.append([key, text, r["params"], r["train_accuracy"], r["val_accuracy"],
                     notes_train, notes_val])
    report.results.update({"dataset": name, "standin": standin, "epochs": epochs,
                           "train_size": train_size, "val_size": val_size, "runs": runs})
    report.set_summary(["exp", "setting", "params", "train acc", "val acc", "notes train",
                        "notes val"], rows)
    one, three = runs["I"], runs["III"]
    loss1, loss3 = one["history"]["loss"][-1], three["history"]["loss"][-1]
    report.add_claim("Batch normalization stabilizes learning and cuts the epochs a network "
                     "needs to train: with the same dropout, experiment III (batch norm) trains "
                     "further than experiment I (none) in the same epochs, as in the notes (III "
                     "89% against I 84% training accuracy).",
                     loss3 < loss1 and three["train_accuracy"] > one["train_accuracy"],
                     f"{name.split(':')[0]}, {epochs} epochs: final training loss III "
                     f"{loss3:.3f} against I {loss1:.3f}; training accuracy III "
                     f"{three['train_accuracy']:.3f} against I {one['train_accuracy']:.3f} "
                     f"(validation: III {three['val_accuracy']:.3f}, I "
                     f"{one['val_accuracy']:.3f})")
    if options.quick:
        report.add_note("In the narrow --quick networks, dropout after both the conv and the FC "
                        "layers (I and III) leaves them barely learning in a few epochs, so "
                        "their validation accuracies say little; batch normalization's effect is "
                        "the training one the notes name (faster, steadier training).")
    keys = [e[0] for e in EXPERIMENTS]
    fig = plot.new_figure(11, 4)
    ours, theirs = fig.subplots(1, 2, sharey=True)
    pos = np.arange(len(keys))
    for ax, tr, va, title in ((ours, "train_accuracy", "val_accuracy", f"ember ({name[:30]})"),
                              (theirs, "notes_train_accuracy", "notes_val_accuracy",
                               "the notes (CIFAR-10)")):
        ax.bar(pos - 0.2, [runs[k][tr] for k in keys], 0.4, label="train")
        ax.bar(pos + 0.2, [runs[k][va] for k in keys], 0.4, label="validation")
        ax.set_xticks(pos, keys)
        ax.set_title(title, fontsize=9)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3, axis="y")
    ours.set_ylabel("accuracy")
    theirs.legend()
    fig.tight_layout()
    report.add_figure("accuracies", fig, "Train and validation accuracy per experiment, ember "
                                         "beside the notes")
    fig = plot.new_figure(11, 4)
    train_ax, val_ax = fig.subplots(1, 2, sharey=True)
    for i, k in enumerate(keys):
        epochs_axis = np.arange(1, epochs + 1)
        train_ax.plot(epochs_axis, runs[k]["history"]["accuracy"], color=f"C{i}", label=k)
        val_ax.plot(epochs_axis, runs[k]["history"]["val_accuracy"], color=f"C{i}", label=k)
    train_ax.set_title("train accuracy")
    val_ax.set_title("validation accuracy")
    for ax in (train_ax, val_ax):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    val_ax.legend(fontsize=8)
    fig.tight_layout()
    report.add_figure("curves", fig, "Accuracy per epoch for every experiment")
    report.add_section("Accuracies beside the notes", "The gap between train and validation "
                       "accuracy is the overfitting each ingredient fights.",
                       table=(["exp", "conv dropout", "FC dropout", "batch norm", "L2",
                               "extra conv", "filters x2"],
                              [[k, s["conv_dropout"], s["fc_dropout"], s["bn"], s["l2"],
                                s.get("extra_conv", False), s.get("wide", False)]
                               for k, _, s, _, _ in EXPERIMENTS]),
                       figures=["accuracies.png"])
    report.add_section("Training curves", "", figures=["curves.png"])
    return report
