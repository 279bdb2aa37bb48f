"""Training curves: loss and metrics per epoch, train against validation."""

import numpy as np

from ember.plot._backend import new_figure

# Logged alongside the metrics but not a metric to compare train against validation.
_NOT_METRICS = ("learning_rate", "lr")


def history_panels(history):
    """The metric names of a history, one per panel (`loss` first, `val_*` paired with its
    training metric, the learning rate left out).

    >>> history_panels({"loss": [1], "val_loss": [1], "accuracy": [0], "val_accuracy": [0],
    ...                 "learning_rate": [0.1]})
    ['loss', 'accuracy']
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(f"plot_history: expected a History or a non-empty dict of lists; "
                         f"received {type(history).__name__} {logs!r:.60}")
    names = []
    for key in logs:
        base = key[4:] if key.startswith("val_") else key
        if base not in names and base not in _NOT_METRICS:
            names.append(base)
    names.sort(key=lambda n: (n != "loss", list(logs).index(n) if n in logs else 0))
    return names


def plot_history(history, metrics=None, title=None, width_per_panel=4.0):
    """Loss and metrics against epochs, one panel each, the training curve beside the
    validation curve (`val_*`) when there is one.

    Args:
        history: a `History` (what `fit` returns) or its `.history` dict.
        metrics: the names to draw (without `val_`). Defaults to None: every logged metric.
        title: a title over the panels. Defaults to None.
        width_per_panel: inches per panel. Defaults to 4.0.

    Returns:
        A matplotlib `Figure` with one axes per metric.

    >>> fig = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7],
    ...                     "accuracy": [0.5, 0.8], "val_accuracy": [0.4, 0.7]})
    >>> [ax.get_title() for ax in fig.axes]
    ['loss', 'accuracy']
    """
    logs = getattr(history, "history", history)
    names = list(metrics) if metrics is not None else history_panels(history)
    missing = [n for n in names if n not in logs and "val_" + n not in logs]
    if missing:
        raise ValueError(f"plot_history: no logs named {missing}; logged: {sorted(logs)}")
    fig = new_figure(width_per_panel * len(names), 3.4)  # says what to install if needed
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415  (optional dependency)

    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        for key, label, style in ((name, "train", "-"), ("val_" + name, "validation", "--")):
            if key in logs:
                values = np.asarray(logs[key], dtype=float)
                ax.plot(np.arange(1, len(values) + 1), values, style, marker="o",
                        markersize=3, label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
