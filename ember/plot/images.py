"""Pictures of data and of what a network holds: image grids, confusion matrices, filters and
feature maps."""

import numpy as np

from ember.plot._backend import grid_shape, new_figure


def _as_images(images):
    x = np.asarray(images)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim not in (3, 4) or (x.ndim == 4 and x.shape[-1] not in (3, 4)):
        raise ValueError(f"image_grid: expected images of shape (N, H, W), (N, H, W, 1) or "
                         f"(N, H, W, 3); received {x.shape}")
    return x


def image_grid(images, labels=None, ncols=None, cmap="gray", title=None, size=1.3):
    """A grid of images with optional captions (labels, predictions, ...).

    Args:
        images: array (N, H, W), (N, H, W, 1) or (N, H, W, 3); colour images are shown as
            they are after scaling each to [0, 1].
        labels: N captions. Defaults to None.
        ncols: columns. Defaults to None (about sqrt(N)).
        cmap: colour map for one-channel images. Defaults to "gray".
        title: figure title. Defaults to None.
        size: inches per cell. Defaults to 1.3.

    Returns:
        A `Figure` with N axes.

    >>> fig = image_grid(np.zeros((5, 8, 8)), labels=list("abcde"))
    >>> len(fig.axes), fig.axes[4].get_title()
    (5, 'e')
    """
    x = _as_images(images)
    if labels is not None and len(labels) != len(x):
        raise ValueError(f"image_grid: {len(x)} images but {len(labels)} labels")
    rows, cols = grid_shape(len(x), ncols)
    fig = new_figure(size * cols, size * rows + (0.4 if title else 0.0))
    for i, image in enumerate(x):
        ax = fig.add_subplot(rows, cols, i + 1)
        if image.ndim == 3:
            lo, hi = float(image.min()), float(image.max())
            image = (image - lo) / (hi - lo) if hi > lo else np.zeros_like(image)
            ax.imshow(np.clip(image, 0, 1))
        else:
            ax.imshow(image, cmap=cmap)
        ax.set_xticks([])
        ax.set_yticks([])
        if labels is not None:
            ax.set_title(str(labels[i]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts (num_classes, num_classes): row = true class, column = predicted class.

    >>> confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 1]])
    """
    t = np.asarray(y_true).astype(np.int64).ravel()
    p = np.asarray(y_pred).astype(np.int64).ravel()
    if t.shape != p.shape:
        raise ValueError(f"confusion_matrix: y_true has {t.size} labels, y_pred {p.size}")
    n = int(num_classes) if num_classes is not None else int(max(t.max(), p.max()) + 1)
    if t.min(initial=0) < 0 or p.min(initial=0) < 0 or max(t.max(initial=0),
                                                            p.max(initial=0)) >= n:
        raise ValueError(f"confusion_matrix: labels must be in [0, {n}); received "
                         f"{sorted(set(t.tolist()) | set(p.tolist()))}")
    return np.bincount(t * n + p, minlength=n * n).reshape(n, n)


def plot_confusion_matrix(y_true, y_pred, class_names=None, normalize=False, title=None,
                          ax=None):
    """The confusion matrix as a heat map with the counts (or row fractions) written in.

    Args:
        y_true: true class indices.
        y_pred: predicted class indices (take `argmax(-1)` of probabilities first).
        class_names: tick labels. Defaults to None (0, 1, ...).
        normalize: divide each row by its total. Defaults to False.
        title: axes title. Defaults to None.
        ax: draw into this axes instead of a new figure. Defaults to None.

    Returns:
        The `Figure`.

    >>> fig = plot_confusion_matrix([0, 1, 1], [0, 1, 0], class_names=["a", "b"])
    >>> len(fig.axes)  # the matrix and its colour bar
    2
    """
    n = len(class_names) if class_names is not None else None
    cm = confusion_matrix(y_true, y_pred, n)
    n = cm.shape[0]
    shown = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm
    own = ax is None
    if own:
        fig = new_figure(1.2 + 0.45 * n, 1.0 + 0.42 * n)
        ax = fig.add_subplot(1, 1, 1)
    fig = ax.figure
    image = ax.imshow(shown, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    names = [str(c) for c in (class_names if class_names is not None else range(n))]
    ax.set_xticks(range(n), names, fontsize=7)
    ax.set_yticks(range(n), names, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    top = shown.max() if shown.size else 0
    for i in range(n):
        for j in range(n):
            text = f"{shown[i, j]:.2f}" if normalize else str(int(cm[i, j]))
            ax.text(j, i, text, ha="center", va="center", fontsize=6,
                    color="white" if top and shown[i, j] > top / 2 else "black")
    if title:
        ax.set_title(title)
    if own:
        fig.tight_layout()
    return fig


def plot_filters(kernel, max_filters=64, ncols=None, title=None):
    """The filters of a convolution kernel, one panel each.

    Args:
        kernel: array (kh, kw, in_channels, filters) (Keras' Conv2D kernel layout). With 3
            input channels each filter is shown in colour; otherwise channel 0 of each.
        max_filters: show at most this many. Defaults to 64.
        ncols: columns. Defaults to None.
        title: figure title. Defaults to None.

    Returns:
        A `Figure` with one axes per filter shown.

    >>> fig = plot_filters(np.random.default_rng(0).normal(size=(3, 3, 1, 6)))
    >>> len(fig.axes)
    6
    """
    k = np.asarray(kernel, dtype=np.float64)  # float64 on purpose: display only
    if k.ndim != 4:
        raise ValueError(f"plot_filters: expected a kernel of shape (kh, kw, in_channels, "
                         f"filters); received {k.shape}")
    k = np.moveaxis(k[..., :max_filters], -1, 0)  # (F, kh, kw, cin)
    images = k if k.shape[-1] == 3 else k[..., 0]
    labels = [f"{i}" for i in range(len(images))]
    return image_grid(images, labels=labels, ncols=ncols, cmap="viridis", title=title,
                      size=1.0)


def plot_feature_maps(feature_maps, max_maps=16, ncols=None, title=None):
    """Feature maps of one input: one panel per channel.

    Args:
        feature_maps: array (H, W, C) or (1, H, W, C) (a layer's output for one image), or a
            dict name -> such an array, drawn as one row per entry.
        max_maps: channels per map to show. Defaults to 16.
        ncols: columns for a single map. Defaults to None.
        title: figure title. Defaults to None.

    Returns:
        A `Figure`.

    >>> fig = plot_feature_maps({"conv1": np.ones((6, 6, 4)), "conv2": np.ones((2, 2, 8))},
    ...                         max_maps=4)
    >>> len(fig.axes)
    8
    """
    def channels(name, m):
        m = np.asarray(m)
        if m.ndim == 4 and m.shape[0] == 1:
            m = m[0]
        if m.ndim != 3:
            raise ValueError(f"plot_feature_maps: {name}: expected (H, W, C) or (1, H, W, C); "
                             f"received {m.shape}")
        return np.moveaxis(m[..., :max_maps], -1, 0)

    if not isinstance(feature_maps, dict):
        maps = channels("feature_maps", feature_maps)
        return image_grid(maps, labels=[str(i) for i in range(len(maps))], ncols=ncols,
                          cmap="magma", title=title, size=1.1)
    rows = [(name, channels(name, m)) for name, m in feature_maps.items()]
    cols = max(len(m) for _, m in rows)
    fig = new_figure(1.1 * cols + 0.8, 1.2 * len(rows) + (0.4 if title else 0.0))
    for r, (name, maps) in enumerate(rows):
        for c, image in enumerate(maps):
            ax = fig.add_subplot(len(rows), cols, r * cols + c + 1)
            ax.imshow(image, cmap="magma")
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(name, fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
