"""Activation functions beside their derivatives, and latent spaces."""

import numpy as np

from ember.plot._backend import new_figure

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "step")


def activation_and_derivative(name, x):
    """(f(x), f'(x)) for a named activation, the derivative taken by ember's autodiff (the
    step function's is 0 wherever it is defined: it passes no gradient, which is why the
    perceptron's step gave way to smooth activations).

    Args:
        name: an `ember.activations` name ("sigmoid", "tanh", "relu", "leaky_relu", ...) or
            "step" (1 for x > 0, else 0).
        x: points, a 1-D array.

    Returns:
        Two float32 arrays of x's shape.

    >>> y, dy = activation_and_derivative("sigmoid", np.array([0.0]))
    >>> float(y[0]), float(dy[0])
    (0.5, 0.25)
    """
    import ember  # noqa: PLC0415  (ember.plot is imported by ember's submodules' users)

    x = np.asarray(x, dtype=np.float32)
    if name == "step":
        return (x > 0).astype(np.float32), np.zeros_like(x)
    fn = ember.activations.get(name)
    t = ember.Variable(x)
    with ember.GradientTape() as tape:
        y = fn(t)
        total = ember.ops.sum(y)
    (dy,) = tape.gradient(total, [t])
    return np.asarray(y.numpy(), np.float32), np.asarray(dy.numpy(), np.float32)


def plot_activations(names=ACTIVATIONS, x_range=(-5.0, 5.0), points=401):
    """Each activation (top row) above its derivative (bottom row).

    Args:
        names: activation names. Defaults to sigmoid, tanh, relu, leaky_relu and step.
        x_range: the x interval. Defaults to (-5, 5).
        points: samples. Defaults to 401.

    Returns:
        A `Figure` with 2 * len(names) axes.

    >>> len(plot_activations(["relu", "tanh"]).axes)
    4
    """
    names = list(names)
    x = np.linspace(x_range[0], x_range[1], points, dtype=np.float32)
    fig = new_figure(2.6 * len(names), 4.6)
    axes = fig.subplots(2, len(names), squeeze=False, sharex=True)
    for c, name in enumerate(names):
        y, dy = activation_and_derivative(name, x)
        axes[0, c].plot(x, y, color="C0")
        axes[0, c].set_title(name)
        axes[1, c].plot(x, dy, color="C3")
        axes[1, c].set_title(f"{name}'", fontsize=9)
        axes[1, c].set_xlabel("x")
        for ax in axes[:, c]:
            ax.axhline(0, color="gray", lw=0.5)
            ax.axvline(0, color="gray", lw=0.5)
            ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("f(x)")
    axes[1, 0].set_ylabel("f'(x)")
    fig.tight_layout()
    return fig


def plot_latent_space(z, labels=None, title=None, ax=None):
    """A 2-D latent space (or the first two coordinates of a wider one), coloured by label.

    Args:
        z: array (N, D) with D >= 2 (e.g. a VAE encoder's means).
        labels: N class labels for the colours. Defaults to None.
        title: axes title. Defaults to None.
        ax: draw into this axes. Defaults to None (a new figure).

    Returns:
        The `Figure`.

    >>> fig = plot_latent_space(np.random.default_rng(0).normal(size=(50, 2)),
    ...                         labels=np.arange(50) % 3)
    >>> len(fig.axes)  # the scatter and its colour bar
    2
    """
    z = np.asarray(z)
    if z.ndim != 2 or z.shape[1] < 2:
        raise ValueError(f"plot_latent_space: expected z of shape (N, D >= 2); received "
                         f"{z.shape}")
    own = ax is None
    if own:
        fig = new_figure(5, 4.2)
        ax = fig.add_subplot(1, 1, 1)
    fig = ax.figure
    if labels is None:
        ax.scatter(z[:, 0], z[:, 1], s=6)
    else:
        points = ax.scatter(z[:, 0], z[:, 1], c=np.asarray(labels), cmap="tab10", s=6)
        fig.colorbar(points, ax=ax, label="label")
    ax.set_xlabel("z[0]")
    ax.set_ylabel("z[1]")
    if title:
        ax.set_title(title)
    if own:
        fig.tight_layout()
    return fig
