"""Resizing and the affine sampler against PyTorch: `interpolate` (bilinear with
align_corners=False and no antialiasing, "nearest-exact") and `grid_sample` (zeros / border /
reflection padding = ember's constant-0 / nearest / reflect fill modes), values and
gradients."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.layers.preprocessing.affine import affine_transform, rotation_transforms

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _ember_value_and_grad(fn, x, gy):
    xt = ember.Variable(x)
    with ember.GradientTape() as tape:
        y = fn(xt)
        loss = (y * gy).sum()
    return y.numpy(), tape.gradient(loss, xt).numpy()


def _torch_value_and_grad(fn, x, gy):
    xt = torch.tensor(x.transpose(0, 3, 1, 2).copy(), requires_grad=True)  # NCHW
    y = fn(xt)
    (y * torch.tensor(gy.transpose(0, 3, 1, 2).copy())).sum().backward()
    return (y.detach().numpy().transpose(0, 2, 3, 1),
            xt.grad.numpy().transpose(0, 2, 3, 1))


SIZES = [((5, 7), (9, 4)), ((8, 8), (3, 3)), ((4, 6), (4, 11)), ((1, 5), (3, 2)),
         ((7, 3), (7, 3)), ((6, 9), (13, 17)), ((10, 10), (4, 7))]


@pytest.mark.parametrize(("size_in", "size_out"), SIZES)
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_resizing_matches_torch_interpolate(size_in, size_out, mode):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, *size_in, 3)).astype(np.float32)
    gy = rng.normal(size=(2, *size_out, 3)).astype(np.float32)
    layer = layers.Resizing(*size_out, interpolation=mode)
    y, gx = _ember_value_and_grad(layer, x, gy)
    if mode == "bilinear":
        ref = (lambda t: F.interpolate(t, size=size_out, mode="bilinear", align_corners=False,
                                       antialias=False))
    else:
        ref = (lambda t: F.interpolate(t, size=size_out, mode="nearest-exact"))
    ty, tgx = _torch_value_and_grad(ref, x, gy)
    np.testing.assert_allclose(y, ty, atol=1e-6, rtol=1e-3)
    np.testing.assert_allclose(gx, tgx, atol=1e-4, rtol=1e-3)


@pytest.mark.parametrize(("fill_mode", "padding_mode"),
                         [("constant", "zeros"), ("nearest", "border"),
                          ("reflect", "reflection")])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_sampler_matches_torch_grid_sample(fill_mode, padding_mode, interpolation):
    rng = np.random.default_rng(1)
    n, h, w = 3, 6, 5
    x = rng.normal(size=(n, h, w, 2)).astype(np.float32)
    gy = rng.normal(size=(n, h, w, 2)).astype(np.float32)
    # rotations with a zoom and a shift that read well outside the image
    t = rotation_transforms(rng.uniform(-np.pi, np.pi, n), h, w)
    t[:, [0, 1, 3, 4]] *= 1.3
    t[:, [2, 5]] += rng.uniform(-3, 3, size=(n, 2))
    y, gx = _ember_value_and_grad(
        lambda v: affine_transform(v, t, interpolation, fill_mode, 0.0), x, gy)
    ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    x_in = t[:, 0, None, None] * xs + t[:, 1, None, None] * ys + t[:, 2, None, None]
    y_in = t[:, 3, None, None] * xs + t[:, 4, None, None] * ys + t[:, 5, None, None]
    # torch's normalised coordinates with align_corners=False: pixel p sits at (2p + 1)/n - 1
    grid = np.stack([(2 * x_in + 1) / w - 1, (2 * y_in + 1) / h - 1], axis=-1)
    grid_t = torch.tensor(grid, dtype=torch.float32)
    ty, tgx = _torch_value_and_grad(
        lambda v: F.grid_sample(v, grid_t, mode=interpolation, padding_mode=padding_mode,
                                align_corners=False), x, gy)
    np.testing.assert_allclose(y, ty, atol=1e-5, rtol=1e-3)
    np.testing.assert_allclose(gx, tgx, atol=1e-4, rtol=1e-3)
