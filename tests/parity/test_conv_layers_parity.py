"""The convolution, pooling and image layers against PyTorch: forward values and the gradients
of the input and of every trainable weight, through the public layers.

Conversions, each made once here:

- Layout: ember is channels-last; the torch side permutes (N, H, W, C) -> (N, C, H, W) inside
  its graph, so its gradients come back in ember's layout.
- Kernels: ember/Keras (kh, kw, C_in/groups, F) is torch's (F, C_in/groups, kh, kw); a
  depthwise kernel (kh, kw, C, m) is torch's grouped (C*m, 1, kh, kw) (output channel c*m + j);
  a transposed kernel (kh, kw, F, C_in) is torch's ConvTranspose2d (C_in, F, kh, kw).
- "same" padding is TensorFlow's (the odd cell at the bottom/right): torch pads with F.pad.
- LRN: torch averages the squares over its `size` = 2r + 1 channels, so alpha_torch =
  alpha * size.
"""

import math

import numpy as np
import pytest

import ember
from ember import layers

torch = pytest.importorskip("torch")
F = torch.nn.functional

FWD = {"rtol": 1e-4, "atol": 1e-5}
GRAD = {"rtol": 1e-3, "atol": 1e-4}


def _tf_same(n, k, s, d=1):
    """TensorFlow's "same" padding (before, after) of one axis."""
    total = max((math.ceil(n / s) - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def _check(layer, x, torch_fn, training=False, seed=1):
    """Run `layer` on x in ember and `torch_fn(x_t, *weights_t)` in torch (both channels-last
    at the boundary); compare outputs and the gradients of x and every trainable weight."""
    layer(x[:1], training=training)  # build
    weights = list(layer.trainable_weights)
    xv = ember.Variable(x)
    with ember.GradientTape() as tape:
        y = layer(xv, training=training)
        up = np.random.default_rng(seed).standard_normal(y.shape).astype(np.float32)
        loss = (y * up).sum()
    grads = tape.gradient(loss, [xv, *weights])
    xt = torch.tensor(x, requires_grad=True)
    wt = [torch.tensor(w.numpy(), requires_grad=True) for w in weights]
    yt = torch_fn(xt, *wt)
    (yt * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), **FWD)
    for g, t in zip(grads, [xt, *wt]):
        np.testing.assert_allclose(g.numpy(), t.grad.numpy(), **GRAD)


def _nchw(x):
    return x.permute(0, 3, 1, 2)


def _nhwc(x):
    return x.permute(0, 2, 3, 1)


def _images(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("filters, k, s, padding, d, groups, hw", [
    (4, 3, 1, "valid", 1, 1, (7, 8)),
    (4, 3, 1, "same", 1, 1, (6, 6)),
    (3, 3, 2, "same", 1, 1, (7, 6)),
    (5, (2, 3), (2, 1), "valid", 1, 1, (8, 7)),
    (4, 3, 1, "same", 2, 1, (9, 9)),
    (6, 3, 2, "valid", 1, 2, (9, 8)),
    (2, 1, 1, "valid", 1, 1, (5, 5)),
    (3, 5, 3, "same", 1, 1, (11, 10)),
])
def test_conv2d(filters, k, s, padding, d, groups, hw):
    c = 4
    layer = layers.Conv2D(filters, k, strides=s, padding=padding, dilation_rate=d, groups=groups,
                          bias_initializer="random_normal")
    kh, kw = (k, k) if isinstance(k, int) else k
    sh, sw = (s, s) if isinstance(s, int) else s

    def ref(x, w, b):
        xc = _nchw(x)
        if padding == "same":
            (t, bo), (le, r) = _tf_same(hw[0], kh, sh, d), _tf_same(hw[1], kw, sw, d)
            xc = F.pad(xc, (le, r, t, bo))
        return _nhwc(F.conv2d(xc, w.permute(3, 2, 0, 1), b, (sh, sw), 0, d, groups))

    _check(layer, _images((2, *hw, c)), ref)


def test_conv2d_batch_of_one_with_activation():
    layer = layers.Conv2D(3, 3, padding="same", activation="tanh")
    _check(layer, _images((1, 5, 6, 2)),
           lambda x, w, b: torch.tanh(_nhwc(F.conv2d(_nchw(x), w.permute(3, 2, 0, 1), b,
                                                     padding=1))))


@pytest.mark.parametrize("k, s, padding, d", [(3, 1, "valid", 1), (3, 2, "same", 1),
                                              (3, 1, "causal", 2), (4, 1, "same", 1)])
def test_conv1d(k, s, padding, d):
    n = 11
    layer = layers.Conv1D(5, k, strides=s, padding=padding, dilation_rate=d,
                          bias_initializer="random_normal")

    def ref(x, w, b):
        xc = x.permute(0, 2, 1)
        if padding == "same":
            xc = F.pad(xc, _tf_same(n, k, s, d))
        elif padding == "causal":
            xc = F.pad(xc, (d * (k - 1), 0))
        return F.conv1d(xc, w.permute(2, 1, 0), b, s, 0, d).permute(0, 2, 1)

    _check(layer, _images((2, n, 3)), ref)


@pytest.mark.parametrize("k, s, padding, output_padding", [
    (3, 2, "valid", None), (4, 2, "same", None), (3, 2, "same", 1), (3, 1, "same", None),
    (5, 3, "same", 2),
])
def test_conv2d_transpose(k, s, padding, output_padding):
    # TensorFlow's transposed convolution is the data gradient of a convolution on an output of
    # the Keras size: the full transposed convolution cropped by total // 2 cells at the
    # top/left and the rest at the bottom/right (torch's `padding` crops symmetrically).
    layer = layers.Conv2DTranspose(3, k, strides=s, padding=padding,
                                   output_padding=output_padding,
                                   bias_initializer="random_normal")
    x = _images((2, 4, 5, 2))
    out = layer.compute_output_shape(x.shape)

    def ref(x, w, b):
        full = _nhwc(F.conv_transpose2d(_nchw(x), w.permute(3, 2, 0, 1), b, s))
        pads = [(full.shape[a] - out[a]) // 2 for a in (1, 2)]
        return full[:, pads[0]: pads[0] + out[1], pads[1]: pads[1] + out[2]]

    _check(layer, x, ref)


@pytest.mark.parametrize("k, s, padding, m", [(3, 1, "valid", 1), (3, 2, "same", 2),
                                              (2, 1, "valid", 3)])
def test_depthwise_conv2d(k, s, padding, m):
    c, hw = 3, (7, 6)
    layer = layers.DepthwiseConv2D(k, strides=s, padding=padding, depth_multiplier=m,
                                   bias_initializer="random_normal")

    def ref(x, w, b):
        xc = _nchw(x)
        if padding == "same":
            (t, bo), (le, r) = _tf_same(hw[0], k, s), _tf_same(hw[1], k, s)
            xc = F.pad(xc, (le, r, t, bo))
        wt = w.reshape(k, k, c * m).permute(2, 0, 1).unsqueeze(1)
        return _nhwc(F.conv2d(xc, wt, b, s, groups=c))

    _check(layer, _images((2, *hw, c)), ref)


def test_separable_conv2d():
    c, m, f = 3, 2, 4
    layer = layers.SeparableConv2D(f, 3, padding="same", depth_multiplier=m,
                                   bias_initializer="random_normal")

    def ref(x, wd, wp, b):
        h = F.conv2d(_nchw(x), wd.reshape(3, 3, c * m).permute(2, 0, 1).unsqueeze(1),
                     padding=1, groups=c)
        return _nhwc(F.conv2d(h, wp.permute(3, 2, 0, 1), b))

    _check(layer, _images((2, 6, 5, c)), ref)


@pytest.mark.parametrize("cls, pool, s, padding", [
    (layers.MaxPooling2D, 2, None, "valid"), (layers.MaxPooling2D, 3, 2, "valid"),
    (layers.MaxPooling2D, 3, 2, "same"), (layers.AveragePooling2D, 2, None, "valid"),
    (layers.AveragePooling2D, (3, 2), (2, 1), "valid"),
])
def test_pooling2d(cls, pool, s, padding):
    hw = (7, 8)
    layer = cls(pool, strides=s, padding=padding)
    ph, pw = (pool, pool) if isinstance(pool, int) else pool
    s = (ph, pw) if s is None else ((s, s) if isinstance(s, int) else s)

    def ref(x):
        xc = _nchw(x)
        if cls is layers.MaxPooling2D:
            if padding == "same":
                (t, bo), (le, r) = _tf_same(hw[0], ph, s[0]), _tf_same(hw[1], pw, s[1])
                xc = F.pad(xc, (le, r, t, bo), value=-math.inf)
            return _nhwc(F.max_pool2d(xc, (ph, pw), s))
        return _nhwc(F.avg_pool2d(xc, (ph, pw), s))

    _check(layer, _images((2, *hw, 3)), ref)


@pytest.mark.parametrize("cls, fn", [(layers.MaxPooling1D, F.max_pool1d),
                                     (layers.AveragePooling1D, F.avg_pool1d)])
def test_pooling1d(cls, fn):
    _check(cls(3, strides=2), _images((2, 10, 3)),
           lambda x: fn(x.permute(0, 2, 1), 3, 2).permute(0, 2, 1))


@pytest.mark.parametrize("cls, fn, shape, keepdims", [
    (layers.GlobalAveragePooling2D, lambda x, k: x.mean((1, 2), keepdim=k), (2, 4, 5, 3), False),
    (layers.GlobalMaxPooling2D, lambda x, k: x.amax((1, 2), keepdim=k), (2, 4, 5, 3), True),
    (layers.GlobalAveragePooling1D, lambda x, k: x.mean(1, keepdim=k), (2, 6, 3), True),
    (layers.GlobalMaxPooling1D, lambda x, k: x.amax(1, keepdim=k), (2, 6, 3), False),
])
def test_global_pooling(cls, fn, shape, keepdims):
    _check(cls(keepdims=keepdims), _images(shape), lambda x: fn(x, keepdims))


def test_zero_padding_and_cropping():
    _check(layers.ZeroPadding2D(((1, 2), (0, 3))), _images((2, 4, 5, 2)),
           lambda x: F.pad(x, (0, 0, 0, 3, 1, 2)))
    _check(layers.Cropping2D(((1, 0), (2, 1))), _images((2, 5, 6, 2)),
           lambda x: x[:, 1:, 2:-1])


@pytest.mark.parametrize("size, interpolation", [((2, 3), "nearest"), ((2, 2), "bilinear"),
                                                 ((3, 2), "bilinear")])
def test_upsampling2d(size, interpolation):
    _check(layers.UpSampling2D(size, interpolation=interpolation), _images((2, 3, 4, 2)),
           lambda x: _nhwc(F.interpolate(_nchw(x), scale_factor=size, mode=interpolation,
                                         **({"align_corners": False}
                                            if interpolation == "bilinear" else {}))))


def test_local_response_normalization():
    r, bias, alpha, beta = 2, 2.0, 1e-2, 0.75
    _check(layers.LocalResponseNormalization(r, bias, alpha, beta), _images((2, 3, 3, 8)),
           lambda x: _nhwc(F.local_response_norm(_nchw(x), 2 * r + 1, alpha * (2 * r + 1),
                                                 beta, bias)))


def test_batch_normalization_over_image_channels_is_batchnorm2d():
    layer = layers.BatchNormalization(gamma_initializer="random_normal",
                                      beta_initializer="random_normal")
    _check(layer, _images((4, 5, 6, 3)),
           lambda x, g, b: _nhwc(F.batch_norm(_nchw(x), None, None, g, b, training=True,
                                              eps=1e-3)),
           training=True)
