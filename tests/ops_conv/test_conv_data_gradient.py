"""The two stride-1 data-gradient paths of `ember.ops.im2col.conv_pass` (the full correlation
with the flipped kernel, and col2im when gy has more channels than x): both give the same
gradient, and the col2im path passes the float64 gradient check."""

import numpy as np
import pytest

import ember
from ember.ops import im2col
from ember.ops.convolution import _conv_geometry, as_tensors, conv2d
from ember.utils import gradcheck


def _geometry(x, w, padding):
    xt, wt, _ = as_tensors(x, w, None)
    return _conv_geometry(xt, wt, None, 1, padding, 1, 1, "conv2d")


@pytest.mark.parametrize("c, f, k, padding", [
    (16, 24, 3, "valid"), (16, 32, 3, "same"), (20, 21, (3, 2), "same"), (16, 17, 1, 1),
])
def test_col2im_and_correlation_give_the_same_data_gradient(c, f, k, padding, monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 7, 6, c)).astype(np.float32)
    kh, kw = (k, k) if isinstance(k, int) else k
    w = rng.standard_normal((kh, kw, c, f)).astype(np.float32)
    geo = _geometry(x, w, padding)
    assert im2col.col2im_is_cheaper(geo)
    gy = rng.standard_normal((2, geo.Ho, geo.Wo, f)).astype(np.float32)
    by_col2im = im2col.conv_pass(geo, w, gy=gy, want_gx=True)[2]
    monkeypatch.setattr(im2col, "col2im_is_cheaper", lambda geo: False)
    by_correlation = im2col.conv_pass(geo, w, gy=gy, want_gx=True)[2]
    np.testing.assert_allclose(by_col2im, by_correlation, rtol=1e-4, atol=1e-4)


def test_the_choice_follows_the_channel_counts():
    x = np.zeros((1, 6, 6, 6), np.float32)
    assert not im2col.col2im_is_cheaper(_geometry(x, np.zeros((5, 5, 6, 16), np.float32),
                                                  "same"))  # few input channels
    x = np.zeros((1, 6, 6, 32), np.float32)
    assert not im2col.col2im_is_cheaper(_geometry(x, np.zeros((3, 3, 32, 32), np.float32),
                                                  "same"))  # F == C
    assert im2col.col2im_is_cheaper(_geometry(x, np.zeros((3, 3, 32, 64), np.float32), "same"))


def test_gradcheck_through_the_col2im_path():
    rng = np.random.default_rng(1)
    x = ember.tensor(rng.standard_normal((1, 5, 4, 16)), dtype="float64")
    w = ember.tensor(rng.standard_normal((3, 3, 16, 18)) * 0.3, dtype="float64")
    b = ember.tensor(rng.standard_normal(18), dtype="float64")
    assert gradcheck(lambda a, v, c: conv2d(a, v, c, 1, "same"), [x, w, b])
