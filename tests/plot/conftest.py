"""Image checks for plots: a PNG is read back and measured, never judged by eye."""

import io

import numpy as np
import pytest


def read_png(data):
    """PNG bytes (or a path) -> float array (H, W, channels) in [0, 1]."""
    import matplotlib.image

    if isinstance(data, bytes | bytearray):
        data = io.BytesIO(data)
    return matplotlib.image.imread(data, format="png")


def assert_picture(data, min_size=(100, 100)):
    """The PNG is at least `min_size` (width, height) pixels and not blank: several distinct
    colours, a fair share of non-background pixels, and real contrast."""
    image = read_png(data)
    h, w = image.shape[:2]
    assert w >= min_size[0] and h >= min_size[1], f"picture is only {w}x{h}"
    rgb = image[..., :3]
    background = np.median(rgb.reshape(-1, 3), axis=0)
    drawn = np.abs(rgb - background).max(axis=-1) > 0.05
    assert drawn.mean() > 0.01, f"picture is blank: {drawn.mean():.4f} of its pixels drawn"
    assert float(rgb.std()) > 0.02
    colours = np.unique((rgb.reshape(-1, 3) * 255).astype(np.uint8), axis=0)
    assert len(colours) > 8
    return image


@pytest.fixture
def picture():
    pytest.importorskip("matplotlib", reason="the plot extra (pip install 'ember[plot]')")
    return assert_picture
