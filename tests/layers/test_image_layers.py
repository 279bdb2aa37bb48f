"""ZeroPadding2D, Cropping2D, UpSampling2D, SpatialDropout2D and LocalResponseNormalization by
hand: values against NumPy, configs, training-only dropout of whole feature maps."""

import numpy as np
import pytest

from ember import layers


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_zero_padding_and_cropping_values():
    x = _x((2, 3, 4, 2))
    y = layers.ZeroPadding2D(((1, 2), (3, 0)))(x).numpy()
    np.testing.assert_array_equal(y, np.pad(x, ((0, 0), (1, 2), (3, 0), (0, 0))))
    np.testing.assert_array_equal(layers.ZeroPadding2D()(x).numpy(),
                                  np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0))))
    np.testing.assert_array_equal(layers.Cropping2D(((1, 0), (1, 2)))(x).numpy(),
                                  x[:, 1:, 1:-2])


def test_upsampling_nearest_repeats_rows_and_columns():
    x = _x((2, 3, 2, 2))
    y = layers.UpSampling2D((2, 3))(x).numpy()
    np.testing.assert_array_equal(y, x.repeat(2, axis=1).repeat(3, axis=2))


def test_upsampling_bilinear_keeps_constants_and_interpolates_ramps():
    x = np.full((1, 3, 3, 1), 4.0, np.float32)
    np.testing.assert_allclose(layers.UpSampling2D(interpolation="bilinear")(x).numpy(), 4.0)
    ramp = np.arange(4, dtype=np.float32).reshape(1, 1, 4, 1).repeat(2, axis=1)
    y = layers.UpSampling2D((1, 2), interpolation="bilinear")(ramp).numpy()[0, 0, :, 0]
    # half-pixel centres: interior samples at i/2 - 1/4, edges clamped
    np.testing.assert_allclose(y, [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3])


def test_spatial_dropout_zeroes_whole_maps_and_is_identity_at_inference():
    x = np.ones((8, 4, 4, 16), np.float32)
    layer = layers.SpatialDropout2D(0.5, seed=3)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    y = layer(x, training=True).numpy()
    maps = y.transpose(0, 3, 1, 2).reshape(8 * 16, 16)  # one row per (example, channel)
    for m in maps:
        assert np.all(m == 0) or np.allclose(m, 2.0)  # a map is dropped or scaled by 1/(1-rate)
    dropped = np.mean([np.all(m == 0) for m in maps])
    assert 0.3 < dropped < 0.7
    assert layers.SpatialDropout2D.from_config(layer.get_config()).rate == 0.5


def test_local_response_normalization_is_alexnets_formula():
    r, k, alpha, beta = 2, 2.0, 1e-1, 0.75
    x = _x((2, 3, 3, 7))
    y = layers.LocalResponseNormalization(r, k, alpha, beta)(x).numpy()
    ref = np.empty_like(x)
    for c in range(7):
        lo, hi = max(0, c - r), min(7, c + r + 1)
        ref[..., c] = x[..., c] / (k + alpha * (x[..., lo:hi] ** 2).sum(-1)) ** beta
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)
    cfg = layers.LocalResponseNormalization(r, k, alpha, beta).get_config()
    assert (cfg["depth_radius"], cfg["bias"], cfg["alpha"], cfg["beta"]) == (r, k, alpha, beta)


def test_bad_image_layer_input_names_the_layer():
    with pytest.raises(ValueError, match="ZeroPadding2D"):
        layers.ZeroPadding2D()(np.zeros((3, 3, 1), np.float32))
    with pytest.raises(ValueError, match="UpSampling2D"):
        layers.UpSampling2D(0)
