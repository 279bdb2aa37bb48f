"""conv2d_transpose: it is the data gradient of conv2d, its output size is Keras', its own
gradients pass float64 checks, and bad arguments fail clearly."""

import itertools

import numpy as np
import pytest

import ember
from ember.ops.convolution import conv2d, conv2d_transpose
from ember.utils import gradcheck


def keras_deconv_output_length(n, k, padding, output_padding, stride, dilation):
    """keras.src.utils.conv_utils / ops.operation_utils `compute_conv_transpose_output_length`,
    restated."""
    k = k + (k - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return n * stride + max(k - stride, 0)
        return n * stride
    pad = k // 2 if padding == "same" else 0
    return (n - 1) * stride + k - 2 * pad + output_padding


SIZES = [(k, s, p, d) for k, s, p, d in itertools.product((1, 2, 3, 4, 5), (1, 2, 3),
                                                            ("valid", "same"), (1, 2))]


@pytest.mark.parametrize("k, s, padding, d", SIZES)
def test_output_size_is_keras(k, s, padding, d):
    x = np.zeros((1, 5, 4, 2), np.float32)
    w = np.zeros((k, k, 3, 2), np.float32)
    for op in [None] + list(range(s)):
        z = conv2d_transpose(x, w, strides=s, padding=padding, output_padding=op,
                             dilation_rate=d)
        assert z.shape == (1, keras_deconv_output_length(5, k, padding, op, s, d),
                           keras_deconv_output_length(4, k, padding, op, s, d), 3), op


@pytest.mark.parametrize("k, s, padding, d", SIZES)
def test_equals_the_data_gradient_of_conv2d(k, s, padding, d):
    # conv2d_transpose(x, w) == d/du sum(conv2d(u, w) * x) for u of the output's size.
    rng = np.random.default_rng(k * 100 + s * 10 + d)
    x = rng.standard_normal((2, 4, 3, 2))
    w = rng.standard_normal((k, k, 3, 2))
    z = conv2d_transpose(ember.tensor(x, dtype="float64"), ember.tensor(w, dtype="float64"),
                         strides=s, padding=padding, dilation_rate=d)
    u = ember.Variable(np.zeros(z.shape), dtype="float64")
    y = conv2d(u, ember.tensor(w, dtype="float64"), strides=s, padding=padding,
               dilation_rate=d)
    assert y.shape == x.shape
    (gu,) = ember.grad((y * x).sum(), [u])
    np.testing.assert_allclose(z.numpy(), gu.numpy(), rtol=1e-12, atol=1e-12)


def scatter_reference(x, w, s, d, out_hw, top_left):
    """The definition as a scatter: each input pixel adds w * x[pixel] into the output at
    stride s (with the kernel dilated by d), then the window starting at `top_left` of size
    `out_hw` is kept (cells past the scattered area stay 0)."""
    n, h, wd, _ = x.shape
    kh, kw, c_out, _ = w.shape
    full = np.zeros((n, (h - 1) * s + d * (kh - 1) + 1 + out_hw[0],
                     (wd - 1) * s + d * (kw - 1) + 1 + out_hw[1], c_out))
    for i in range(h):
        for j in range(wd):
            for a in range(kh):
                for b in range(kw):
                    full[:, i * s + a * d, j * s + b * d] += x[:, i, j] @ w[a, b].T
    t, left = top_left
    return full[:, t:t + out_hw[0], left:left + out_hw[1]]


@pytest.mark.parametrize("k, s, padding, op", [
    (3, 2, "same", 1), (3, 2, "valid", 1), (4, 2, "same", 1), (2, 3, "valid", 2),
    (5, 3, "same", 2), (3, 1, "same", 0), (1, 2, "valid", 1),
])
def test_output_padding_against_the_scatter_definition(k, s, padding, op):
    rng = np.random.default_rng(k + s + op)
    x = rng.standard_normal((1, 3, 4, 2))
    w = rng.standard_normal((k, k, 3, 2))
    z = conv2d_transpose(ember.tensor(x, dtype="float64"), ember.tensor(w, dtype="float64"),
                         strides=s, padding=padding, output_padding=op)
    # TensorFlow's conv2d_transpose(output_shape=Keras' length, padding="SAME") is the gradient
    # of a SAME convolution on the output: it crops top = total // 2 with
    # total = (n - 1)*s + k - n_out from the scattered result (Keras' JAX and PyTorch backends
    # agree); "valid" crops nothing. output_padding adds rows at the bottom/right.
    def crop(n, n_out):
        return ((n - 1) * s + k - n_out) // 2 if padding == "same" else 0

    top_left = (crop(3, z.shape[1]), crop(4, z.shape[2]))
    ref = scatter_reference(x, w, s, 1, z.shape[1:3], top_left)
    np.testing.assert_allclose(z.numpy(), ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("k, s, padding, op, d", [
    (3, 2, "same", None, 1), (2, 2, "valid", None, 1), (3, 1, "valid", None, 2),
    (4, 3, "same", 1, 1), (3, 2, "valid", 1, 1), (1, 1, "same", None, 1),
])
def test_gradcheck(k, s, padding, op, d):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 3, 4, 2))
    w = rng.standard_normal((k, k, 3, 2))
    b = rng.standard_normal(3)
    assert gradcheck(lambda a, v, c: conv2d_transpose(a, v, c, s, padding, op, d), [x, w, b])


def test_float32_and_bias():
    x = ember.Variable(np.ones((1, 2, 2, 1)))
    w = ember.Variable(np.ones((2, 2, 1, 1)))
    b = ember.Variable(np.array([0.5]))
    z = conv2d_transpose(x, w, b, strides=2)
    assert z.dtype == np.float32 and z.shape == (1, 4, 4, 1)
    np.testing.assert_array_equal(z.numpy(), np.full((1, 4, 4, 1), 1.5, np.float32))
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((1, 2, 2, 1), 4.0))
    np.testing.assert_array_equal(b.grad.numpy(), [16.0])


def test_errors():
    x, w = np.zeros((1, 4, 4, 2), np.float32), np.zeros((3, 3, 5, 2), np.float32)
    with pytest.raises(ValueError, match=r"conv2d_transpose: output_padding must be smaller "
                                         r"than the strides \(2, 2\); received 2"):
        conv2d_transpose(x, w, strides=2, output_padding=2)
    with pytest.raises(ValueError, match=r"conv2d_transpose: padding must be 'valid' or 'same'"):
        conv2d_transpose(x, w, padding=1)
    with pytest.raises(ValueError, match=r"conv2d_transpose: .*expects 2 input channels.*"
                                         r"received an input of shape \(1, 4, 4, 3\)"):
        conv2d_transpose(np.zeros((1, 4, 4, 3), np.float32), w)
    with pytest.raises(ValueError, match=r"conv2d_transpose: strides must be positive"):
        conv2d_transpose(x, w, strides=0)
    with pytest.raises(ValueError, match=r"conv2d_transpose expects a 4-D channels-last"):
        conv2d_transpose(x[0], w)
    with pytest.raises(ValueError, match=r"conv2d_transpose: the bias must have shape \(5,\)"):
        conv2d_transpose(x, w, np.zeros(2, np.float32))
