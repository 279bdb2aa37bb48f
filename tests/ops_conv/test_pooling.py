"""Max and average pooling (1-D, 2-D, global): the notes' 6x6 example, values against a
direct definition, gradients (float64 checks, and ties going to one element), "same" padding
as Keras, and argument errors."""

import itertools
import math

import numpy as np
import pytest

import ember
from ember.ops.pooling import (
    avg_pool1d,
    avg_pool2d,
    global_avg_pool1d,
    global_avg_pool2d,
    global_max_pool1d,
    global_max_pool2d,
    max_pool1d,
    max_pool2d,
)
from ember.utils import gradcheck

# The notes' max-pooling example (2x2 window, stride 2), input and output copied verbatim.
NOTES_INPUT = np.array([
    [3, 0, 1, 5, 1, 3],
    [5, 7, 3, 4, 4, 6],
    [7, 7, 1, 8, 3, 5],
    [6, 1, 7, 0, 0, 5],
    [0, 4, 5, 5, 7, 2],
    [3, 2, 0, 2, 0, 2],
], np.float32)
NOTES_MAX = [[7, 5, 6], [7, 8, 5], [4, 5, 7]]


def as_image(a):
    return a[None, :, :, None]


def test_notes_max_pooling_example():
    x = ember.Variable(as_image(NOTES_INPUT))
    y = max_pool2d(x, pool_size=(2, 2), strides=(2, 2))
    np.testing.assert_array_equal(y.numpy()[0, :, :, 0], NOTES_MAX)
    y.sum().backward()
    # One cell per window receives the gradient; three windows hold a tied maximum
    # (7, 7 / 5, 5 / 5, 5) and the first in row-major order takes it.
    expected = np.zeros((6, 6), np.float32)
    for r, c in [(1, 1), (0, 3), (1, 5), (2, 0), (2, 3), (2, 5), (4, 1), (4, 2), (4, 4)]:
        expected[r, c] = 1
    np.testing.assert_array_equal(x.grad.numpy()[0, :, :, 0], expected)


def test_notes_example_average_pooling():
    y = avg_pool2d(as_image(NOTES_INPUT), pool_size=(2, 2))
    means = [[(3 + 0 + 5 + 7) / 4, (1 + 5 + 3 + 4) / 4, (1 + 3 + 4 + 6) / 4],
             [(7 + 7 + 6 + 1) / 4, (1 + 8 + 7 + 0) / 4, (3 + 5 + 0 + 5) / 4],
             [(0 + 4 + 3 + 2) / 4, (5 + 5 + 0 + 2) / 4, (7 + 2 + 0 + 2) / 4]]
    np.testing.assert_allclose(y.numpy()[0, :, :, 0], means)


# ------------------------------------------------------------------------------------ reference
def ref_pool(x, pool, strides, padding, kind):
    """The definition, window by window: max or mean of the window's real (unpadded) cells,
    with TensorFlow's "same" padding (extra cell at the bottom/right)."""
    n, h, w, c = x.shape
    pads = []
    for size, k, s in zip((h, w), pool, strides):
        if padding == "same":
            out = math.ceil(size / s)
            total = max((out - 1) * s + k - size, 0)
            pads.append((out, total // 2))
        else:
            pads.append(((size - k) // s + 1, 0))
    (ho, top), (wo, left) = pads
    y = np.zeros((n, ho, wo, c))
    for i in range(ho):
        for j in range(wo):
            r0, c0 = i * strides[0] - top, j * strides[1] - left
            win = x[:, max(r0, 0):r0 + pool[0], max(c0, 0):c0 + pool[1]]
            y[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return y


POOL_GRID = list(itertools.product(("max", "avg"), ((2, 2), (3, 3), (1, 2), (3, 2)),
                                   (None, (1, 1), (2, 2), (3, 1)), ("valid", "same")))


@pytest.mark.parametrize("kind, pool, strides, padding", POOL_GRID)
def test_against_the_definition_and_gradcheck(kind, pool, strides, padding):
    rng = np.random.default_rng(abs(hash((kind, pool, strides, padding))) % 1000)
    # Odd height, even width; distinct values, so maxima are unique (no ties here).
    x = rng.permutation(2 * 7 * 6 * 3).reshape(2, 7, 6, 3) / 10.0
    fn = max_pool2d if kind == "max" else avg_pool2d
    y = fn(ember.tensor(x, dtype="float64"), pool, strides, padding)
    ref = ref_pool(x, pool, strides or pool, padding, kind)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda t: fn(t, pool, strides, padding), [x])


def test_exact_tiling_and_remainders():
    # Sizes that divide (the one-write backward) and sizes that leave a remainder row/column
    # (never read, so its gradient is 0).
    rng = np.random.default_rng(1)
    for shape in [(2, 8, 6, 3), (2, 9, 7, 3)]:
        x = rng.standard_normal(shape)
        for fn in (max_pool2d, avg_pool2d):
            t = ember.Variable(x, dtype="float64")
            y = fn(t, 2)
            ref = ref_pool(x, (2, 2), (2, 2), "valid", "max" if fn is max_pool2d else "avg")
            np.testing.assert_allclose(y.numpy(), ref, atol=1e-12)
            y.sum().backward()
            g = t.grad.numpy()
            if shape[1] % 2:
                assert not g[:, -1].any() and not g[:, :, -1].any()
            np.testing.assert_allclose(g.sum(), y.size if fn is max_pool2d else y.size)


def test_ties_send_the_gradient_to_one_element():
    # A constant window: the top-left cell takes all of it; a tie on the second row only:
    # its left cell. Overlapping windows (3x3, stride 1) add up at a shared maximum.
    x = ember.Variable(np.array([[1.0, 1.0, 0.0, 2.0],
                                 [1.0, 1.0, 2.0, 2.0]])[None, :, :, None])
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, :, :, 0], [[1, 0, 0, 1], [0, 0, 0, 0]])

    x = ember.Variable(np.array([[0.0, 0.0], [3.0, 3.0]])[None, :, :, None])
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, :, :, 0], [[0, 0], [1, 0]])

    big = np.zeros((1, 5, 5, 1))
    big[0, 2, 2, 0] = 9.0
    x = ember.Variable(big)
    y = max_pool2d(x, 3, strides=1)
    assert (y.numpy() == 9).all()
    y.sum().backward()
    assert x.grad.numpy()[0, 2, 2, 0] == 9 and x.grad.numpy().sum() == 9


def test_same_padding_max_never_picks_padding():
    x = -np.arange(1.0, 26.0).reshape(1, 5, 5, 1)  # all negative: a zero pad would win
    y = max_pool2d(x, 2, padding="same")
    assert y.shape == (1, 3, 3, 1)
    assert (y.numpy() < 0).all()
    np.testing.assert_allclose(y.numpy(), ref_pool(x, (2, 2), (2, 2), "same", "max"))


def test_same_padding_average_counts_only_real_cells():
    # Keras/TF: a 3x3 window at the corner of a 4x4 input with stride 1 covers 2x2 real cells
    # and divides by 4, not 9.
    x = np.ones((1, 4, 4, 1))
    y = avg_pool2d(x, 3, strides=1, padding="same")
    np.testing.assert_allclose(y.numpy(), np.ones((1, 4, 4, 1)), rtol=1e-6)
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    y = avg_pool2d(x, 3, strides=1, padding="same")
    assert y.numpy()[0, 0, 0, 0] == pytest.approx((0 + 1 + 4 + 5) / 4)
    assert y.numpy()[0, 3, 3, 0] == pytest.approx((10 + 11 + 14 + 15) / 4)


def test_float32_stays_float32():
    x = np.random.default_rng(0).standard_normal((2, 6, 6, 4)).astype(np.float32)
    for fn in (max_pool2d, avg_pool2d):
        t = ember.Variable(x)
        y = fn(t, 2, padding="same")
        y.sum().backward()
        assert y.dtype == np.float32 and t.grad.dtype == np.float32


# ------------------------------------------------------------------------------------ 1-D, global
@pytest.mark.parametrize("pool, strides, padding", [(2, None, "valid"), (3, 1, "same"),
                                                    (3, 2, "same"), (1, 3, "valid")])
def test_pool1d(pool, strides, padding):
    rng = np.random.default_rng(pool)
    x = rng.permutation(2 * 9 * 3).reshape(2, 9, 3) / 7.0
    for kind, fn in (("max", max_pool1d), ("avg", avg_pool1d)):
        y = fn(ember.tensor(x, dtype="float64"), pool, strides, padding)
        ref = ref_pool(x[:, None], (1, pool), (1, strides or pool), padding, kind)[:, 0]
        np.testing.assert_allclose(y.numpy(), ref, atol=1e-12)
        assert gradcheck(lambda t, f=fn: f(t, pool, strides, padding), [x])


def test_global_pools():
    rng = np.random.default_rng(0)
    x2 = rng.standard_normal((2, 3, 4, 5))
    x1 = rng.standard_normal((2, 6, 5))
    tol = dict(rtol=1e-6, atol=1e-7)  # float32 means of float64 data
    np.testing.assert_allclose(global_avg_pool2d(x2).numpy(), x2.mean(axis=(1, 2)), **tol)
    np.testing.assert_allclose(global_max_pool2d(x2).numpy(), x2.max(axis=(1, 2)), **tol)
    assert global_avg_pool2d(x2, keepdims=True).shape == (2, 1, 1, 5)
    assert global_max_pool2d(x2, keepdims=True).shape == (2, 1, 1, 5)
    np.testing.assert_allclose(global_avg_pool1d(x1).numpy(), x1.mean(axis=1), **tol)
    np.testing.assert_allclose(global_max_pool1d(x1).numpy(), x1.max(axis=1), **tol)
    assert global_max_pool1d(x1, keepdims=True).shape == (2, 1, 5)
    for fn, x in ((global_avg_pool2d, x2), (global_max_pool2d, x2), (global_avg_pool1d, x1),
                  (global_max_pool1d, x1)):
        assert gradcheck(lambda t, f=fn: f(t), [x])
    # Keras' GlobalMaxPooling is a reduce-max: tied maxima share the gradient.
    t = ember.Variable(np.ones((1, 2, 2, 1)))
    global_max_pool2d(t).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), np.full((1, 2, 2, 1), 0.25))


# ------------------------------------------------------------------------------------ errors
def test_errors():
    x = np.zeros((1, 4, 4, 2), np.float32)
    with pytest.raises(ValueError, match=r"max_pool2d: the kernel's height 5 is larger than "
                                         r"the padded input's height 4"):
        max_pool2d(x, 5)
    with pytest.raises(ValueError, match=r"avg_pool2d: pool_size must be positive"):
        avg_pool2d(x, 0)
    with pytest.raises(ValueError, match=r"max_pool2d: strides must be positive"):
        max_pool2d(x, 2, strides=(1, -1))
    with pytest.raises(ValueError, match=r"max_pool2d: padding must be 'valid' or 'same'"):
        max_pool2d(x, 2, padding=1)
    with pytest.raises(ValueError, match=r"max_pool2d expects a 4-D channels-last input.*"
                                         r"\(4, 4, 2\).*batch axis"):
        max_pool2d(x[0], 2)
    with pytest.raises(ValueError, match=r"avg_pool1d expects a 3-D"):
        avg_pool1d(x, 2)
    with pytest.raises(ValueError, match=r"max_pool1d: strides must be"):
        max_pool1d(x[0], 2, strides=0)
    with pytest.raises(ValueError, match=r"global_avg_pool2d expects a 4-D"):
        global_avg_pool2d(x[0])
