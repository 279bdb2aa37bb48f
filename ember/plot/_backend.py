"""Matplotlib, optional and headless: figures are made with `matplotlib.figure.Figure` and
rendered by the Agg canvas, so no display, no pyplot state and no global backend switch are
involved (safe in tests, servers and threads).
"""

import io

INSTALL_HINT = ("ember.plot needs matplotlib, an optional extra: pip install 'ember[plot]' "
                "(or pip install 'matplotlib>=3.7')")


def require_matplotlib():
    """Import matplotlib or raise an ImportError that says what to install.

    >>> require_matplotlib().__name__
    'matplotlib'
    """
    try:
        import matplotlib  # noqa: PLC0415  (optional dependency)
    except ImportError as e:
        raise ImportError(INSTALL_HINT) from e
    return matplotlib


def matplotlib_available():
    """Whether matplotlib can be imported (without raising).

    >>> matplotlib_available() in (True, False)
    True
    """
    try:
        import matplotlib  # noqa: F401, PLC0415  (optional dependency)
    except ImportError:
        return False
    return True


def new_figure(width=6.4, height=4.8, dpi=100):
    """A detached `Figure` (Agg canvas attached), not registered with pyplot.

    >>> fig = new_figure(2, 1)
    >>> [int(v) for v in fig.get_size_inches()]
    [2, 1]
    """
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def figure_to_png(fig, dpi=None):
    """The figure rendered as PNG bytes.

    >>> figure_to_png(new_figure(1, 1))[:4]
    b'\\x89PNG'
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def save_figure(fig, path, dpi=None):
    """Write the figure as a PNG file atomically (temp file, fsync, rename); returns the path."""
    from ember.saving.atomic import atomic_write_bytes  # noqa: PLC0415

    atomic_write_bytes(path, figure_to_png(fig, dpi=dpi))
    return path


def grid_shape(count, ncols=None):
    """(rows, cols) for `count` panels: `ncols` columns (default about sqrt(count)).

    >>> grid_shape(10), grid_shape(3, ncols=5), grid_shape(1)
    ((3, 4), (1, 3), (1, 1))
    """
    if count < 1:
        raise ValueError(f"grid_shape: expected at least one panel; received {count}")
    if ncols is None:
        ncols = int(count ** 0.5 + 0.999999)
    ncols = max(1, min(int(ncols), count))
    return (count + ncols - 1) // ncols, ncols
