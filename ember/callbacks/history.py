"""`History`: the per-epoch logs of `fit`, returned by it (Keras' `History`)."""

from ember.callbacks.base import Callback


class History(Callback):
    """Records the epoch-end logs; `fit` adds one automatically and returns it.

    Attributes:
        history: dict name -> list of values, one per epoch (`loss`, metrics, `val_*`,
            `learning_rate`).
        epoch: the list of epoch indices seen (0-based).

    >>> h = History()
    >>> h.on_train_begin()
    >>> h.on_epoch_end(0, {"loss": 0.5})
    >>> h.on_epoch_end(1, {"loss": 0.25})
    >>> h.history, h.epoch
    ({'loss': [0.5, 0.25]}, [0, 1])
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self

    def plot(self, metrics=None, to_file=None):
        """The loss and metrics against epochs, train beside validation (`ember.plot.
        plot_history`; needs matplotlib: `pip install 'ember[plot]'`).

        Args:
            metrics: names to draw. Defaults to None (all).
            to_file: also write the figure there as a PNG. Defaults to None.

        Returns:
            The matplotlib `Figure`.
        """
        from ember.plot import plot_history, save_figure  # noqa: PLC0415  (optional extra)

        fig = plot_history(self, metrics=metrics)
        if to_file is not None:
            save_figure(fig, to_file)
        return fig
