"""Image ops: zero padding, cropping, nearest and bilinear up-sampling (TensorFlow's
half-pixel resize), local response normalisation (TensorFlow's semantics)."""

import math

import numpy as np
import pytest

import ember
from ember.ops.spatial import (
    crop2d,
    local_response_normalization,
    upsample2d,
    zero_pad2d,
)
from ember.utils import gradcheck

RNG = np.random.default_rng(0)


# ------------------------------------------------------------------------------------ pad, crop
@pytest.mark.parametrize("padding, pads", [(1, ((1, 1), (1, 1))), ((2, 0), ((2, 2), (0, 0))),
                                           (((1, 0), (2, 3)), ((1, 0), (2, 3)))])
def test_zero_pad2d(padding, pads):
    x = RNG.standard_normal((2, 3, 4, 2))
    y = zero_pad2d(ember.tensor(x, dtype="float64"), padding)
    np.testing.assert_array_equal(y.numpy(), np.pad(x, ((0, 0), *pads, (0, 0))))
    assert gradcheck(lambda t: zero_pad2d(t, padding), [x])


@pytest.mark.parametrize("cropping, window", [(1, (slice(1, 4), slice(1, 5))),
                                              ((0, 2), (slice(0, 5), slice(2, 4))),
                                              (((1, 2), (0, 1)), (slice(1, 3), slice(0, 5)))])
def test_crop2d(cropping, window):
    x = RNG.standard_normal((2, 5, 6, 3))
    y = crop2d(ember.tensor(x, dtype="float64"), cropping)
    np.testing.assert_array_equal(y.numpy(), x[:, window[0], window[1]])
    assert gradcheck(lambda t: crop2d(t, cropping), [x])


def test_pad_and_crop_errors():
    x = np.zeros((1, 4, 4, 1), np.float32)
    with pytest.raises(ValueError, match=r"crop2d: cropping \(\(2, 2\), \(0, 0\)\) removes every"):
        crop2d(x, ((2, 2), (0, 0)))
    with pytest.raises(ValueError, match=r"zero_pad2d: padding must be >= 0"):
        zero_pad2d(x, -1)
    with pytest.raises(ValueError, match=r"zero_pad2d: padding must be an int"):
        zero_pad2d(x, (1, 2, 3))
    with pytest.raises(ValueError, match=r"crop2d expects a 4-D"):
        crop2d(x[0], 1)


# ------------------------------------------------------------------------------------ upsampling
def test_nearest_repeats_each_pixel():
    x = RNG.standard_normal((2, 3, 4, 2))
    y = upsample2d(ember.tensor(x, dtype="float64"), (2, 3))
    np.testing.assert_array_equal(y.numpy(), np.repeat(np.repeat(x, 2, axis=1), 3, axis=2))
    assert gradcheck(lambda t: upsample2d(t, (3, 2)), [x])


def tf_bilinear(x, factor):
    """tf.image.resize(..., "bilinear") (half_pixel_centers=True, TF 2's resize_images_v2),
    transcribed from TensorFlow's compute_interpolation_weights: per output cell,
    in = (out + 0.5) * scale - 0.5, lower = max(floor(in), 0), upper = min(ceil(in), n - 1),
    lerp = in - floor(in)."""
    n, h, w, c = x.shape
    oh, ow = h * factor[0], w * factor[1]

    def weights(out, size):
        scale = size / out
        res = []
        for o in range(out):
            src = (o + 0.5) * scale - 0.5
            res.append((max(math.floor(src), 0), min(math.ceil(src), size - 1),
                        src - math.floor(src)))
        return res

    y = np.zeros((n, oh, ow, c))
    for i, (t0, b0, ly) in enumerate(weights(oh, h)):
        for j, (l0, r0, lx) in enumerate(weights(ow, w)):
            top = x[:, t0, l0] + (x[:, t0, r0] - x[:, t0, l0]) * lx
            bottom = x[:, b0, l0] + (x[:, b0, r0] - x[:, b0, l0]) * lx
            y[:, i, j] = top + (bottom - top) * ly
    return y


@pytest.mark.parametrize("factor", [(2, 2), (3, 2), (1, 4), (4, 3)])
def test_bilinear_is_tensorflows_half_pixel_resize(factor):
    x = RNG.standard_normal((2, 4, 3, 2))
    y = upsample2d(ember.tensor(x, dtype="float64"), factor, interpolation="bilinear")
    np.testing.assert_allclose(y.numpy(), tf_bilinear(x, factor), rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda t: upsample2d(t, factor, "bilinear"), [x])


def test_bilinear_values_by_hand():
    # 2x on [0, 4]: cells at source 0 - 1/4 (clamped), 1/4, 3/4, 1 + 1/4 (clamped).
    x = np.array([0.0, 4.0]).reshape(1, 1, 2, 1)
    y = upsample2d(x, (1, 2), "bilinear")
    np.testing.assert_allclose(y.numpy().ravel(), [0.0, 1.0, 3.0, 4.0])
    # A constant image stays constant; the gradient of the sum is the factor product per cell.
    t = ember.Variable(np.full((1, 3, 3, 1), 2.0))
    y = upsample2d(t, 2, "bilinear")
    np.testing.assert_allclose(y.numpy(), 2.0)
    y.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), 4.0, rtol=1e-6)


def test_upsample_errors():
    x = np.zeros((1, 2, 2, 1), np.float32)
    with pytest.raises(ValueError, match=r"upsample2d: interpolation must be 'nearest' or "
                                         r"'bilinear'; received 'bicubic'"):
        upsample2d(x, 2, "bicubic")
    with pytest.raises(ValueError, match=r"upsample2d: size must be positive"):
        upsample2d(x, (0, 2))


# ------------------------------------------------------------------------------------ LRN
def ref_lrn(x, r, bias, alpha, beta):
    """tf.nn.local_response_normalization, as its documentation states it."""
    c = x.shape[-1]
    y = np.empty_like(x)
    for d in range(c):
        sqr_sum = np.sum(x[..., max(0, d - r):d + r + 1] ** 2, axis=-1)
        y[..., d] = x[..., d] / (bias + alpha * sqr_sum) ** beta
    return y


@pytest.mark.parametrize("r, bias, alpha, beta", [(5, 1.0, 1.0, 0.5), (2, 2.0, 1e-4, 0.75),
                                                  (0, 1.0, 0.5, 1.0), (1, 0.5, 2.0, 0.3)])
def test_lrn(r, bias, alpha, beta):
    x = RNG.standard_normal((2, 3, 3, 7))
    y = local_response_normalization(ember.tensor(x, dtype="float64"), r, bias, alpha, beta)
    np.testing.assert_allclose(y.numpy(), ref_lrn(x, r, bias, alpha, beta), rtol=1e-12)
    assert gradcheck(lambda t: local_response_normalization(t, r, bias, alpha, beta), [x])


def test_lrn_float32_and_errors():
    x = RNG.standard_normal((2, 4, 4, 16)).astype(np.float32)
    y = local_response_normalization(x, 2, 2.0, 1e-4, 0.75)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), ref_lrn(x.astype(np.float64), 2, 2.0, 1e-4, 0.75),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"local_response_normalization: depth_radius must be"):
        local_response_normalization(x, -1)
