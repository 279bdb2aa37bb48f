"""Pictures of training and of models, with matplotlib (an optional extra: `pip install
'ember[plot]'`). ember itself imports without matplotlib; a plotting function raises an
ImportError that says what to install. Figures are detached `matplotlib.figure.Figure`s drawn
by the Agg canvas: no display and no pyplot state, so they work headless. Save one with
`save_figure(fig, "x.png")` (atomic) or `fig.savefig`.

>>> from ember import plot
>>> fig = plot.plot_history({"loss": [0.9, 0.4], "val_loss": [1.0, 0.6]})
>>> len(fig.axes)
1
"""

from ember.plot._backend import (
    INSTALL_HINT,
    figure_to_png,
    new_figure,
    require_matplotlib,
    save_figure,
)
from ember.plot.diagram import model_diagram, model_graph, model_to_dot, plot_model
from ember.plot.functions import activation_and_derivative, plot_activations, plot_latent_space
from ember.plot.images import (
    confusion_matrix,
    image_grid,
    plot_confusion_matrix,
    plot_feature_maps,
    plot_filters,
)
from ember.plot.training import plot_history

__all__ = [
    "INSTALL_HINT", "activation_and_derivative", "confusion_matrix", "figure_to_png",
    "image_grid", "model_diagram", "model_graph", "model_to_dot", "new_figure",
    "plot_activations", "plot_confusion_matrix", "plot_feature_maps", "plot_filters",
    "plot_history", "plot_latent_space", "plot_model", "require_matplotlib", "save_figure",
]
