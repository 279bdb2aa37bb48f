"""conv2d and conv1d: values against a direct NumPy definition, float64 gradient checks over a
grid of geometries, the notes' worked examples, output sizes, and argument errors."""

import itertools
import math

import numpy as np
import pytest

import ember
from ember.ops import im2col
from ember.ops.convolution import conv1d, conv2d
from ember.utils import gradcheck


# ------------------------------------------------------------------------------------ reference
def tf_same(n, k, s, d=1):
    """TensorFlow's "same" padding of one axis, stated independently of ember."""
    out = math.ceil(n / s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def ref_conv2d(x, w, b=None, strides=(1, 1), pads=((0, 0), (0, 0)), dil=(1, 1), groups=1):
    """The definition: each output pixel is the dot product of its (dilated) window of the
    zero-padded input with the kernel of its group. Float64 loops over output pixels."""
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    n, hp, wp, _ = xp.shape
    kh, kw, cg, f = w.shape
    fg = f // groups
    (sh, sw), (dh, dw) = strides, dil
    ho = (hp - dh * (kh - 1) - 1) // sh + 1
    wo = (wp - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, ho, wo, f))
    for i in range(ho):
        for j in range(wo):
            win = xp[:, i * sh: i * sh + dh * (kh - 1) + 1: dh,
                     j * sw: j * sw + dw * (kw - 1) + 1: dw]
            for g in range(groups):
                y[:, i, j, g * fg:(g + 1) * fg] = np.einsum(
                    "nijc,ijcf->nf", win[..., g * cg:(g + 1) * cg], w[..., g * fg:(g + 1) * fg])
    return y if b is None else y + b


def pads_of(padding, hw, k, s, d):
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        return tuple(tf_same(n, kk, ss, dd) for n, kk, ss, dd in zip(hw, k, s, d))
    return padding


# ------------------------------------------------------------------------------------ the grid
KERNELS = (1, 2, 3, 5)
STRIDES = (1, 2, 3)
PADDINGS = ("valid", "same", ((1, 2), (2, 0)))
DILATIONS = (1, 2)
GROUPS = (1, 2, "depthwise")


def make_case(k, s, padding, d, groups, i, kernel=None):
    """Inputs for one geometry: odd height, even width, batch 1 or 2 (alternating), 4 input
    channels; depthwise uses a depth multiplier of 2."""
    kh, kw = kernel or (k, k)
    keh, kew = d * (kh - 1) + 1, d * (kw - 1) + 1
    h = max(5, keh + 2) | 1  # odd
    w = max(6, kew + 2) + (max(6, kew + 2) % 2)  # even
    n = 1 if i % 2 else 2
    c = 4
    g = c if groups == "depthwise" else groups
    f = 8 if groups == "depthwise" else 4
    rng = np.random.default_rng(i)
    x = rng.standard_normal((n, h, w, c))
    wt = rng.standard_normal((kh, kw, c // g, f))
    b = rng.standard_normal(f)
    return x, wt, b, g


GRID = list(itertools.product(KERNELS, STRIDES, PADDINGS, DILATIONS, GROUPS))


@pytest.fixture(params=["rows", "k_major"])
def layout(request, monkeypatch):
    """Both patch-matrix layouts: (rows, K) and the (K, rows) one used for few channels."""
    monkeypatch.setattr(im2col, "K_MAJOR_MAX_CHANNELS", 0 if request.param == "rows" else 64)
    return request.param


def _id(case):
    k, s, p, d, g = case
    p = p if isinstance(p, str) else "explicit"
    return f"k{k}-s{s}-{p}-d{d}-g{g}"


@pytest.mark.parametrize("case", GRID, ids=[_id(c) for c in GRID])
def test_forward_matches_definition(case, layout):
    k, s, padding, d, groups = case
    x, w, b, g = make_case(k, s, padding, d, groups, GRID.index(case))
    y = conv2d(ember.tensor(x, dtype="float64"), ember.tensor(w, dtype="float64"),
               ember.tensor(b, dtype="float64"), strides=s, padding=padding, dilation_rate=d,
               groups=g)
    pads = pads_of(padding, x.shape[1:3], (k, k), (s, s), (d, d))
    ref = ref_conv2d(x, w, b, (s, s), pads, (d, d), g)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-12, atol=1e-12)


# 36 gradient checks: every kernel x stride x padding, with dilation and groups cycling so
# that each (dilation, groups) pair appears six times.
GRAD_GRID = [(k, s, p, DILATIONS[i % 2], GROUPS[i % 3])
             for i, (k, s, p) in enumerate(itertools.product(KERNELS, STRIDES, PADDINGS))]


@pytest.mark.parametrize("case", GRAD_GRID, ids=[_id(c) for c in GRAD_GRID])
def test_gradcheck(case, layout):
    k, s, padding, d, groups = case
    x, w, b, g = make_case(k, s, padding, d, groups, GRAD_GRID.index(case) + 1000)
    assert gradcheck(lambda a, v, c: conv2d(a, v, c, s, padding, d, g), [x, w, b])


@pytest.mark.parametrize("kernel, strides, dil, padding", [
    ((1, 3), (1, 2), (1, 1), "same"),
    ((3, 1), (2, 1), (1, 2), "valid"),
    ((2, 5), (3, 1), (2, 1), "same"),
    ((5, 3), (1, 1), (1, 1), ((2, 2), (1, 1))),
    ((3, 2), (2, 2), (1, 1), "same"),
])
def test_rectangular_kernels(kernel, strides, dil, padding, layout):
    x, w, b, _ = make_case(None, None, padding, max(dil), 1, 7, kernel=kernel)
    y = conv2d(ember.tensor(x, dtype="float64"), ember.tensor(w, dtype="float64"),
               ember.tensor(b, dtype="float64"), strides, padding, dil)
    ref = ref_conv2d(x, w, b, strides, pads_of(padding, x.shape[1:3], kernel, strides, dil),
                     dil)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda a, v, c: conv2d(a, v, c, strides, padding, dil), [x, w, b])


@pytest.mark.parametrize("strides, padding", [(1, "valid"), (2, "valid"), (1, 1), (3, "same")])
def test_pointwise_kernels(strides, padding):
    # (1, 1)/valid is the plain-GEMM path; the others go through the patch matrix.
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 5, 4, 3)), rng.standard_normal((1, 1, 3, 5)), None
    y = conv2d(ember.tensor(x, dtype="float64"), ember.tensor(w, dtype="float64"),
               strides=strides, padding=padding)
    pads = pads_of(padding if isinstance(padding, str) else ((padding,) * 2,) * 2,
                   x.shape[1:3], (1, 1), (strides,) * 2, (1, 1))
    np.testing.assert_allclose(y.numpy(), ref_conv2d(x, w, b, (strides,) * 2, pads), atol=1e-12)
    assert gradcheck(lambda a, v: conv2d(a, v, strides=strides, padding=padding), [x, w])


def test_chunked_batch_matches_one_chunk(monkeypatch):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((7, 9, 8, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    gy = rng.standard_normal((7, 5, 4, 4)).astype(np.float32)

    def run():
        xt, wt = ember.Variable(x), ember.Variable(w)
        y = conv2d(xt, wt, strides=(2, 2), padding="same", dilation_rate=1)
        y.backward(gy)
        return y.numpy(), xt.grad.numpy(), wt.grad.numpy()

    whole = run()
    monkeypatch.setattr(im2col, "CHUNK_BYTES", 1)  # one image per chunk
    chunked = run()
    for a, c in zip(whole, chunked):
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-5)


def test_float32_in_float32_out_and_only_requested_gradients():
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((2, 6, 6, 3)))
    w = ember.Variable(rng.standard_normal((3, 3, 3, 2)))
    b = ember.Variable(np.zeros(2))
    y = conv2d(x, w, b, padding="same")
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad is None
    assert w.grad.dtype == np.float32 and w.grad.shape == (3, 3, 3, 2)
    np.testing.assert_allclose(b.grad.numpy(), [72.0, 72.0])  # one per output pixel


@pytest.mark.parametrize("strides", [1, 2])
def test_input_gradient_alone_and_weight_gradient_alone(strides):
    # Each gradient computed on its own (the other input constant) equals the joint one.
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 7, 6, 3)), rng.standard_normal((3, 3, 3, 4))
    gy_shape = conv2d(x, w, strides=strides, padding="same").shape
    gy = rng.standard_normal(gy_shape)

    def grads(track_x, track_w):
        xt = ember.Tensor(x, dtype="float64", requires_grad=track_x)
        wt = ember.Tensor(w, dtype="float64", requires_grad=track_w)
        conv2d(xt, wt, strides=strides, padding="same").backward(gy)
        return xt.grad, wt.grad

    both = grads(True, True)
    only_x, none_w = grads(True, False)
    none_x, only_w = grads(False, True)
    assert none_w is None and none_x is None
    np.testing.assert_allclose(only_x.numpy(), both[0].numpy(), atol=1e-12)
    np.testing.assert_allclose(only_w.numpy(), both[1].numpy(), atol=1e-12)


def test_empty_batch():
    x = ember.Variable(np.zeros((0, 5, 5, 2)))
    w = ember.Variable(np.ones((3, 3, 2, 4)))
    y = conv2d(x, w, padding="same")
    assert y.shape == (0, 5, 5, 4)
    y.sum().backward()
    assert x.grad.shape == (0, 5, 5, 2) and not w.grad.numpy().any()


def test_bias_gradient_and_no_bias():
    x = np.random.default_rng(1).standard_normal((1, 4, 5, 2))
    w = np.random.default_rng(2).standard_normal((2, 2, 2, 3))
    assert gradcheck(lambda a, v: conv2d(a, v, padding="same", strides=2), [x, w])
    assert gradcheck(lambda c: conv2d(x, w, c, padding="same"),
                     [np.array([0.5, -1.0, 2.0])])


# ------------------------------------------------------------------------------------ conv1d
def ref_conv1d(x, w, b, s, pads, d, groups=1):
    return ref_conv2d(x[:, None], w[None], b, (1, s), ((0, 0), pads), (1, d), groups)[:, 0]


@pytest.mark.parametrize("k, s, padding, d, groups", [
    (3, 1, "valid", 1, 1), (2, 2, "same", 1, 2), (5, 1, "causal", 2, 1), (3, 3, "same", 2, 4),
    (1, 2, (2, 1), 1, 1), (4, 1, "causal", 1, 2), (2, 1, 3, 1, 1),
])
def test_conv1d(k, s, padding, d, groups):
    rng = np.random.default_rng(k * 10 + s)
    x = rng.standard_normal((2, 11, 4))
    w = rng.standard_normal((k, 4 // groups, 8))
    b = rng.standard_normal(8)
    y = conv1d(ember.tensor(x, dtype="float64"), ember.tensor(w, dtype="float64"),
               ember.tensor(b, dtype="float64"), s, padding, d, groups)
    if padding == "causal":
        pads = (d * (k - 1), 0)
    elif padding == "same":
        pads = tf_same(11, k, s, d)
    elif padding == "valid":
        pads = (0, 0)
    else:
        pads = padding if isinstance(padding, tuple) else (padding, padding)
    np.testing.assert_allclose(y.numpy(), ref_conv1d(x, w, b, s, pads, d, groups), atol=1e-12)
    assert gradcheck(lambda a, v, c: conv1d(a, v, c, s, padding, d, groups), [x, w, b])


def test_conv1d_causal_output_sees_only_the_past():
    x = ember.Variable(np.random.default_rng(0).standard_normal((1, 8, 1)), dtype="float64")
    w = np.ones((3, 1, 1))
    y = conv1d(x, w, padding="causal", dilation_rate=2)
    assert y.shape == (1, 8, 1)
    (gx,) = ember.grad(y[0, 5, 0], [x])
    np.testing.assert_array_equal(np.nonzero(gx.numpy()[0, :, 0])[0], [1, 3, 5])


# ------------------------------------------------------------------------------------ the notes
@pytest.mark.parametrize("n, p, k, s", [
    (n, p, k, s) for n in (5, 6, 7, 28, 32) for p in (0, 1, 2) for k in (1, 2, 3, 5)
    for s in (1, 2, 3) if n + 2 * p >= k
])
def test_output_size_formula(n, p, k, s):
    # The notes: ((n + 2P - k) / S) + 1 per axis (floored when not divisible, as Keras).
    y = conv2d(np.zeros((1, n, n, 1), np.float32), np.zeros((k, k, 1, 2), np.float32),
               strides=s, padding=p)
    expected = (n + 2 * p - k) // s + 1
    assert y.shape == (1, expected, expected, 2)
    if (n + 2 * p - k) % s == 0:
        assert expected == (n + 2 * p - k) / s + 1


def test_128x128x3_image_with_a_3x3x3_filter_keeps_128x128():
    # The notes: 128 x 128 x 3, stride 1, padding 1, a 3x3x3 kernel -> 128 x 128 per filter;
    # the filter has 27 weights and one tied bias: 28 parameters.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 128, 128, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 1)).astype(np.float32)
    b = np.array([0.5], np.float32)
    y = conv2d(x, w, b, strides=1, padding=1)
    assert y.shape == (1, 128, 128, 1)
    assert w.size + b.size == 28
    # One output pixel is the 27-term dot product of its window with the filter, plus bias.
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    np.testing.assert_allclose(y.numpy()[0, 40, 77, 0],
                               np.sum(xp[0, 40:43, 77:80, :] * w[..., 0]) + 0.5, rtol=1e-5)


def test_vertical_edge_filter():
    # The notes' vertical-edge example: a bright left half next to a dark right half,
    # filter [[1, 0, -1]] * 3: the response is 30 where the window straddles the edge and 0 on
    # the flat regions.
    img = np.zeros((1, 6, 6, 1), np.float32)
    img[:, :, :3] = 10.0
    w = np.array([[1.0, 0.0, -1.0]] * 3, np.float32)[:, :, None, None]
    y = conv2d(img, w).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, [[0, 30, 30, 0]] * 4)
    # A horizontal edge gives nothing with the vertical filter, and its own with the
    # transposed (horizontal) filter [[1, 1, 1], [0, 0, 0], [-1, -1, -1]].
    flat_h = np.transpose(img, (0, 2, 1, 3))
    assert not conv2d(flat_h, w).numpy().any()
    np.testing.assert_array_equal(
        conv2d(flat_h, np.transpose(w, (1, 0, 2, 3))).numpy()[0, :, :, 0], [[0] * 4, [30] * 4,
                                                                           [30] * 4, [0] * 4])


def test_two_stacked_3x3_convolutions_see_a_5x5_field():
    rng = np.random.default_rng(0)
    x = ember.Variable(rng.standard_normal((1, 11, 11, 2)), dtype="float64")
    w1 = ember.tensor(rng.uniform(0.5, 1.0, (3, 3, 2, 3)), dtype="float64")
    w2 = ember.tensor(rng.uniform(0.5, 1.0, (3, 3, 3, 1)), dtype="float64")
    y = conv2d(conv2d(x, w1), w2)  # 11 -> 9 -> 7
    (gx,) = ember.grad(y[0, 3, 2, 0], [x])
    rows, cols = np.nonzero(np.abs(gx.numpy()[0]).sum(-1))
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (3, 7, 2, 6)
    assert len(rows) == 25  # every cell of the 5x5 patch, none outside


def test_same_padding_is_tensorflows():
    # ceil(n / s) outputs, extra padding at the bottom/right: compare with explicit pads.
    rng = np.random.default_rng(2)
    for n, k, s, d in [(6, 2, 1, 1), (7, 4, 2, 1), (8, 3, 3, 2), (5, 5, 2, 1), (4, 1, 3, 1)]:
        x = rng.standard_normal((1, n, n, 1))
        w = rng.standard_normal((k, k, 1, 1))
        y = conv2d(ember.tensor(x, dtype="float64"), ember.tensor(w, dtype="float64"),
                   strides=s, padding="same", dilation_rate=d)
        assert y.shape[1] == math.ceil(n / s)
        p = tf_same(n, k, s, d)
        np.testing.assert_allclose(y.numpy(), ref_conv2d(x, w, None, (s, s), (p, p), (d, d)),
                                   atol=1e-12)


# ------------------------------------------------------------------------------------ errors
def _x(*shape):
    return np.zeros(shape, np.float32)


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"conv2d: the kernel's height 5 is larger than the "
                                         r"padded input's height 4"):
        conv2d(_x(1, 4, 8, 1), _x(5, 3, 1, 2))
    with pytest.raises(ValueError, match=r"conv2d: the kernel's width 3 \(dilated to 5\)"):
        conv2d(_x(1, 8, 4, 1), _x(3, 3, 1, 2), dilation_rate=2)
    conv2d(_x(1, 4, 4, 1), _x(5, 5, 1, 2), padding=1)  # fits once padded


@pytest.mark.parametrize("arg, value", [("strides", 0), ("strides", (1, -1)),
                                        ("dilation_rate", 0), ("dilation_rate", (2, 0)),
                                        ("strides", 1.5), ("strides", (1, 2, 3))])
def test_bad_strides_and_dilation(arg, value):
    with pytest.raises(ValueError, match=rf"conv2d: {arg} must be"):
        conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 1), **{arg: value})
    with pytest.raises(ValueError, match=rf"conv1d: {arg} must be"):
        conv1d(_x(1, 5, 1), _x(3, 1, 1), **{arg: value if np.ndim(value) == 0 else (0,)})


def test_channel_mismatch_names_expected_and_received():
    with pytest.raises(ValueError, match=r"conv2d: .*expects 3 input channels.* received an "
                                         r"input of shape \(2, 8, 8, 4\) with 4"):
        conv2d(_x(2, 8, 8, 4), _x(3, 3, 3, 6))
    with pytest.raises(ValueError, match=r"groups=2 expects 4 input channels"):
        conv2d(_x(2, 8, 8, 3), _x(3, 3, 2, 6), groups=2)
    with pytest.raises(ValueError, match=r"filters \(5.*divisible by groups=2"):
        conv2d(_x(2, 8, 8, 4), _x(3, 3, 2, 5), groups=2)


def test_channels_first_input_gets_a_hint():
    with pytest.raises(ValueError, match=r"looks channels-first.*x\.transpose\(0, 2, 3, 1\)"):
        conv2d(_x(2, 3, 32, 32), _x(3, 3, 3, 8))
    with pytest.raises(ValueError, match=r"looks channels-first.*x\.transpose\(0, 2, 1\)"):
        conv1d(_x(2, 3, 50), _x(3, 3, 8))


def test_wrong_rank():
    with pytest.raises(ValueError, match=r"conv2d expects a 4-D channels-last input \(batch, "
                                         r"height, width, channels\); received an input of "
                                         r"shape \(32, 32, 3\).*batch axis"):
        conv2d(_x(32, 32, 3), _x(3, 3, 3, 8))
    with pytest.raises(ValueError, match=r"shape \(3, 32, 32\).*channels-first"):
        conv2d(_x(3, 32, 32), _x(3, 3, 3, 8))
    with pytest.raises(ValueError, match=r"conv1d expects a 3-D"):
        conv1d(_x(2, 5, 5, 1), _x(3, 1, 1))
    with pytest.raises(ValueError, match=r"conv2d: the kernel must be 4-D"):
        conv2d(_x(1, 5, 5, 1), _x(3, 3, 1))


def test_bad_padding_groups_and_bias():
    with pytest.raises(ValueError, match=r"conv2d: padding must be 'valid', 'same'"):
        conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 1), padding="full")
    with pytest.raises(ValueError, match=r"conv2d: padding must be >= 0"):
        conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 1), padding=-1)
    with pytest.raises(ValueError, match=r"conv2d: groups must be a positive integer"):
        conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 1), groups=0)
    with pytest.raises(ValueError, match=r"conv2d: the bias must have shape \(4,\)"):
        conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 4), _x(3))
    with pytest.raises(ValueError, match=r"conv1d: padding must be 'valid', 'same', 'causal'"):
        conv1d(_x(1, 5, 1), _x(3, 1, 1), padding="full")
