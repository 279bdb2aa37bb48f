"""`ember experiment transfer`: does a network trained on one task give a better start on a
related task with few labels? Accuracy against the number of labels per class for the same
CNN trained from scratch, as a new head on the frozen pretrained base, and fine-tuned (the
base at a tenth of the learning rate), averaged over seeds
(`ember.applications.transfer.transfer_curve`).

Settings:

- "shifted digits": digits 0-4 -> 5-9, each 8x8 digit placed at a random position on a 12x12
  canvas with Gaussian noise (std 0.1). The source task has plenty of data (every training
  image of 0-4 at several random positions); the target has k labelled images per class.
- "centred digits": digits 0-4 -> 5-9 as bundled (8x8, centred): the zoo's example.
- "MNIST -> Fashion-MNIST" (full runs, only when both are in ember's cache, or with
  `--dataset mnist-fashion`, which may download them).
"""

import os

import numpy as np

import ember
from ember.experiments._common import Timer
from ember.experiments.report import Report

KINDS = ("scratch", "frozen", "finetuned")
LABELS = {"scratch": "from scratch", "frozen": "frozen base + new head",
          "finetuned": "fine-tuned (base at 0.1x lr)"}


def _digits():
    (x, y), (xt, yt) = ember.datasets.digits.load_data()
    return ((x.astype(np.float32) / 16, y.astype(np.int64)),
            (xt.astype(np.float32) / 16, yt.astype(np.int64)))


def place(images, rng, canvas=12, noise=0.1, copies=1):
    """Each (H, W) image `copies` times at random positions on a `canvas` x `canvas` field
    with Gaussian noise, clipped to [0, 1]: (N * copies, canvas, canvas, 1) float32.

    >>> import numpy as np
    >>> out = place(np.ones((2, 8, 8), np.float32), np.random.default_rng(0), noise=0.0)
    >>> out.shape, float(out.sum())
    ((2, 12, 12, 1), 128.0)
    """
    h, w = images.shape[1:3]
    src = np.repeat(images, copies, axis=0)
    out = np.zeros((len(src), canvas, canvas), np.float32)
    rows = rng.integers(0, canvas - h + 1, len(src))
    cols = rng.integers(0, canvas - w + 1, len(src))
    for i, (r, c) in enumerate(zip(rows, cols)):
        out[i, r:r + h, c:c + w] = src[i]
    if noise:
        out += rng.normal(0, noise, out.shape).astype(np.float32)
    return np.clip(out, 0, 1)[..., None]


def split_digits(shifted, copies, seed=0):
    """(source, target) for `transfer_curve`: digits 0-4 (source, labels 0..4) and digits
    5-9 (target, labels 0..4), centred 8x8 or shifted on a noisy 12x12 canvas."""
    (x, y), (xt, yt) = _digits()
    s, st = y < 5, yt < 5
    if not shifted:
        return (((x[s][..., None], y[s]), (xt[st][..., None], yt[st])),
                ((x[~s][..., None], y[~s] - 5), (xt[~st][..., None], yt[~st] - 5)))
    rng = np.random.default_rng(10_000 + seed)
    source = ((place(x[s], rng, copies=copies), np.repeat(y[s], copies)),
              (place(xt[st], rng), yt[st]))
    target = ((place(x[~s], rng), y[~s] - 5), (place(xt[~st], rng), yt[~st] - 5))
    return source, target


def mnist_fashion_cached():
    """True when MNIST and Fashion-MNIST are both in ember's cache (nothing is downloaded)."""
    from ember.datasets import fashion_mnist, mnist  # noqa: PLC0415
    from ember.utils.file_utils import ember_home  # noqa: PLC0415

    for name, module in (("mnist", mnist), ("fashion_mnist", fashion_mnist)):
        for key, spec in module.FILES.items():
            if key != "counts" and not os.path.isfile(
                    os.path.join(ember_home(), "datasets", name, spec["fname"])):
                return False
    return True


def mnist_fashion(limit_source=10_000, limit_test=2_000, seed=0):
    """Source: MNIST digits (a seeded subset); target: Fashion-MNIST, both 28x28x1 in [0, 1]."""
    rng = np.random.default_rng(seed)

    def prepare(data, n_train):
        (x, y), (xt, yt) = data
        keep, keep_t = rng.permutation(len(x))[:n_train], rng.permutation(len(xt))[:limit_test]
        return ((x[keep].astype(np.float32)[..., None] / 255, y[keep].astype(np.int64)),
                (xt[keep_t].astype(np.float32)[..., None] / 255, yt[keep_t].astype(np.int64)))

    return (prepare(ember.datasets.mnist.load_data(), limit_source),
            prepare(ember.datasets.fashion_mnist.load_data(), 60_000))


def _settings(options):
    quick = options.quick
    copies = 8
    pretrain = options.epochs_or(8, 6)
    settings = [
        {"key": "shifted digits", "shifted": True, "copies": copies,
         "text": f"digits 0-4 -> 5-9 at random positions on a noisy 12x12 canvas; source: "
                 f"every training image of 0-4 at {copies} positions",
         "shots": (5,) if quick else (5, 10, 20, 50),
         "seeds": (0, 1) if quick else (0, 1, 2), "pretrain_epochs": pretrain},
        {"key": "centred digits", "shifted": False, "copies": 1,
         "text": "digits 0-4 -> 5-9 as bundled (8x8, centred)",
         "shots": (5,) if quick else (5, 10, 20, 50),
         "seeds": (0, 1) if quick else (0, 1, 2), "pretrain_epochs": options.epochs_or(10, 8)},
    ]
    if options.dataset == "mnist-fashion" or (not quick and options.dataset is None
                                              and mnist_fashion_cached()):
        settings.append({"key": "MNIST -> Fashion-MNIST", "mnist": True,
                         "text": "pretrained on 10,000 MNIST digits; Fashion-MNIST's 10 "
                                 "classes from k labels each",
                         "shots": (5, 10) if quick else (5, 10, 20, 50),
                         "seeds": (0, 1) if quick else (0, 1, 2),
                         "pretrain_epochs": options.epochs_or(5, 2)})
    return settings


def _mean_spread(values):
    v = np.asarray(values, dtype=np.float64)  # float64 on purpose: a handful of accuracies
    return float(v.mean()), float(v.std())


def run(options):
    from ember import plot  # noqa: PLC0415  (optional extra)
    from ember.applications.transfer import transfer_curve  # noqa: PLC0415

    if options.dataset not in (None, "digits", "mnist-fashion"):
        raise ValueError(f"experiment transfer: --dataset must be 'digits' or 'mnist-fashion';"
                         f" received {options.dataset!r}")
    settings = _settings(options)
    report = Report("transfer", "Transfer learning: accuracy against the number of labels",
                    "The same small CNN (two conv-BN-ReLU-pool blocks) on the target task from "
                    "k labelled examples per class: from scratch (200 updates of Adam 3e-3), "
                    "as a new softmax head on the frozen base pretrained on the source task "
                    "(100 updates), then fine-tuned (100 more, the base at 0.1x the learning "
                    "rate, its batch norm in inference mode). Mean and spread (std) over "
                    "seeds; each seed pretrains anew and draws its own k examples per class.")
    results, rows = {}, []
    for s in settings:
        if s.get("mnist"):
            source, target = mnist_fashion(seed=options.seed)
        else:
            source, target = split_digits(s["shifted"], s["copies"], seed=options.seed)
        with Timer() as t:
            curve = transfer_curve(source, target, shots=s["shots"],
                                   seeds=[options.seed + k for k in s["seeds"]],
                                   pretrain_epochs=s["pretrain_epochs"])
        stats = {kind: [_mean_spread(v) for v in curve[kind]] for kind in KINDS}
        gain = [max(stats["frozen"][i][0], stats["finetuned"][i][0]) - stats["scratch"][i][0]
                for i in range(len(s["shots"]))]
        results[s["key"]] = {"description": s["text"], "curve": curve, "stats": stats,
                             "gain": gain, "source_accuracy": _mean_spread(curve["source"]),
                             "train_size_source": len(source[0][0]),
                             "target_pool": len(target[0][0]),
                             "target_test": len(target[1][0]), "seconds": t.seconds}
        for i, k in enumerate(s["shots"]):
            rows.append([s["key"], k, *[f"{stats[kind][i][0]:.3f} ± {stats[kind][i][1]:.3f}"
                                        for kind in KINDS], gain[i]])
    report.results.update({"settings": results})
    report.set_summary(["setting", "labels per class", *[LABELS[k] for k in KINDS],
                        "best transfer - scratch"], rows)

    shifted = results["shifted digits"]
    g0 = shifted["gain"][0]
    k0 = shifted["curve"]["shots"][0]
    st = shifted["stats"]
    report.add_claim(
        "A network trained on a task with plenty of data gives a better start on a related "
        "task with little data: freeze its base and train a new head, then fine-tune with a "
        "lower learning rate.", g0 > 0.05,
        f"shifted digits 0-4 -> 5-9 with {k0} labels per class: scratch "
        f"{st['scratch'][0][0]:.3f} ± {st['scratch'][0][1]:.3f}, frozen "
        f"{st['frozen'][0][0]:.3f} ± {st['frozen'][0][1]:.3f}, fine-tuned "
        f"{st['finetuned'][0][0]:.3f} ± {st['finetuned'][0][1]:.3f} (mean ± std over "
        f"{len(shifted['curve']['seeds'])} seeds; source task "
        f"{shifted['source_accuracy'][0]:.3f})")
    for key, r in results.items():
        no_gain = [k for k, g in zip(r["curve"]["shots"], r["gain"]) if g <= 0.02]
        if not no_gain:
            continue
        why = ("the 8x8 centred digits are easy from raw pixels: from scratch the same CNN "
               "already reaches these accuracies from a handful of examples, so the pretrained "
               "features have little to add, and features tuned to 0-4 can even discard what "
               "separates 5-9") if key == "centred digits" else (
               "with enough labels the target task teaches its own features, and a base tuned "
               "to the source's classes no longer helps (frozen, it can hold the head back)")
        gains = ", ".join(f"{g:+.3f}" for k, g in zip(r["curve"]["shots"], r["gain"])
                          if k in no_gain)
        report.add_note(f"{key}: no gain from transfer at {', '.join(map(str, no_gain))} labels "
                        f"per class (best transfer - scratch {gains}): {why}.")

    fig = plot.new_figure(5.2 * len(results), 4)
    axes = np.atleast_1d(fig.subplots(1, len(results), sharey=True))
    for ax, (key, r) in zip(axes, results.items()):
        shots = r["curve"]["shots"]
        for i, kind in enumerate(KINDS):
            mean = np.array([m for m, _ in r["stats"][kind]])
            spread = np.array([s for _, s in r["stats"][kind]])
            ax.errorbar(shots, mean, yerr=spread, marker="o", capsize=3, color=f"C{i}",
                        label=LABELS[kind])
        ax.set_xscale("log")
        ax.minorticks_off()  # only the label counts as ticks
        ax.set_xticks(shots, [str(k) for k in shots])
        ax.set_xlabel("labelled examples per class (target task)")
        ax.set_title(key, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("test accuracy on the target task")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    report.add_figure("accuracy_vs_labels", fig, "Accuracy against the number of labels per "
                                                 "class, mean ± std over seeds")
    examples = []
    for key in results:
        if key.endswith("digits"):
            _, target = split_digits(key == "shifted digits", 1, seed=options.seed)
            name = "examples_" + key.split()[0]
            examples.append(report.add_figure(name, plot.image_grid(
                target[1][0][:8], labels=[str(int(v) + 5) for v in target[1][1][:8]], ncols=8,
                title=f"{key}: target-task test images"), f"{key}: target-task test images"))
    report.add_section(
        "Accuracy against the number of labels",
        "The notes: the initial layers extract generic features; a related task with little "
        "data reuses them. Source-task accuracy of the pretrained networks: "
        + "; ".join(f"{k} {r['source_accuracy'][0]:.3f}" for k, r in results.items()) + ".",
        table=(["setting", "what", "source train size", "target pool", "target test"],
               [[k, r["description"], r["train_size_source"], r["target_pool"],
                 r["target_test"]] for k, r in results.items()]),
        figures=["accuracy_vs_labels.png", *examples])
    return report
