"""`ember experiment transfer`: the zoo's transfer-learning example as a report. A small CNN
is pretrained on digits 0-4; digits 5-9 are then learnt from a few examples per class by a
new head on the frozen base, then by fine-tuning everything (the base at a tenth of the
learning rate), and by the same network trained from scratch on those few examples
(`ember.applications.transfer.digits_transfer`)."""

from ember.experiments._common import Timer
from ember.experiments.report import Report


def run(options):
    from ember import plot  # noqa: PLC0415  (optional extra)
    from ember.applications.transfer import digits_transfer  # noqa: PLC0415

    if options.dataset not in (None, "digits"):
        raise ValueError(f"experiment transfer: --dataset must be 'digits'; received "
                         f"{options.dataset!r}")
    if options.quick:
        sizes = {"shots": 10, "pretrain_epochs": options.epochs_or(0, 3), "head_epochs": 8,
                 "finetune_epochs": 4}
    else:
        e = options.epochs_or(15, 15)
        sizes = {"shots": 10, "pretrain_epochs": e, "head_epochs": 2 * e,
                 "finetune_epochs": e}
    with Timer() as t:
        acc = digits_transfer(seed=options.seed, **sizes)
    report = Report("transfer", "Transfer learning: frozen features, fine-tuning, scratch",
                    f"Pretrained on digits 0-4 ({sizes['pretrain_epochs']} epochs), then "
                    f"digits 5-9 from {sizes['shots']} examples per class: a new head on the "
                    f"frozen base ({sizes['head_epochs']} epochs), then fine-tuning everything "
                    f"({sizes['finetune_epochs']} epochs, base at 0.1x the learning rate), "
                    "against the same network trained from scratch on the same few examples.")
    report.results.update({"accuracy": acc, "sizes": sizes, "train_seconds": t.seconds})
    labels = {"source": "pretrained, digits 0-4 (source task)",
              "frozen": "frozen base + new head, digits 5-9",
              "finetuned": "fine-tuned, digits 5-9", "scratch": "from scratch, digits 5-9"}
    report.set_summary(["model", "test accuracy"], [[labels[k], acc[k]] for k in labels])
    fig = plot.new_figure(6, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    keys = ["scratch", "frozen", "finetuned"]
    ax.bar(range(3), [acc[k] for k in keys], color=["C7", "C0", "C2"])
    ax.set_xticks(range(3), ["from scratch", "frozen + head", "fine-tuned"])
    ax.set_ylim(0, 1)
    ax.set_ylabel("test accuracy, digits 5-9")
    ax.axhline(acc["source"], color="gray", ls=":", label="source task accuracy")
    ax.legend(fontsize=8)
    fig.tight_layout()
    report.add_figure("accuracies", fig, "Test accuracy on the new task, with "
                                         f"{sizes['shots']} examples per class")
    report.add_section("Before and after transfer", "The initial layers extract generic "
                       "features: reused, they let a few examples go much further.",
                       figures=["accuracies.png"])
    return report
