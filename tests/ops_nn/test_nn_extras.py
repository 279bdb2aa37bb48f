"""Behaviour of the Keras-named ops that the op table's samples do not pin down: defaults,
errors, random transforms, CTC edge cases, the namespaces."""

import numpy as np
import pytest

import ember
from ember import ops
from ember.utils import gradcheck


def test_namespaces_are_keras_names_and_share_functions_with_the_top_level():
    assert ops.nn.relu is ops.relu and ops.linalg.solve is ops.solve
    assert ops.math.stft is ops.stft and ops.image.resize is not None
    assert not hasattr(ops, "resize")  # Keras keeps image ops inside ops.image


def test_keras_defaults():
    x = ember.tensor([-1.0, 2.0])
    np.testing.assert_allclose(ops.leaky_relu(x).numpy(), [-0.2, 2.0])
    np.testing.assert_allclose(ops.nn.elu(x).numpy(), [np.expm1(-1.0), 2.0], rtol=1e-6)
    # gelu's default is Keras' tanh approximation
    np.testing.assert_allclose(ops.gelu(ember.tensor([1.0])).numpy(), [0.841192], rtol=1e-5)
    assert ops.one_hot(ember.tensor([1]), 2).dtype == np.float32


def test_integer_inputs_become_floatx():
    assert ops.erf(ember.tensor([0, 1])).dtype == np.float32
    assert ops.silu(np.array([1, 2])).dtype == np.float32


def test_conv_3d_inputs_say_what_is_missing():
    with pytest.raises(NotImplementedError, match="3-D"):
        ops.conv_transpose(ember.ones((1, 4, 4, 4, 1)), ember.ones((2, 2, 2, 1, 1)))
    with pytest.raises(ValueError, match="multiple of the kernel"):
        ops.conv(ember.ones((1, 4, 4, 3)), ember.ones((2, 2, 2, 1)))


def test_ctc_loss_is_infinite_when_no_alignment_fits_and_its_gradient_is_zero():
    z = ember.Tensor(np.zeros((1, 2, 3)), dtype="float64", requires_grad=True)
    loss = ops.ctc_loss(np.array([[1, 1]]), z, np.array([2]), np.array([2]))
    assert np.isinf(loss.numpy()).all()  # "1 1" needs a blank between: 3 steps
    loss.sum().backward()
    assert np.all(z.grad.numpy() == 0)


def test_ctc_loss_gradient_matches_central_differences_in_float64():
    rng = np.random.default_rng(3)
    z = rng.standard_normal((2, 5, 4))
    tgt, tl, ol = np.array([[1, 3, 3], [2, 0, 0]]), np.array([3, 1]), np.array([5, 4])
    assert gradcheck(lambda t: ops.ctc_loss(tgt, t, tl, ol), [z], eps=1e-6, atol=1e-5,
                     rtol=1e-3)


def test_ctc_beam_search_finds_the_most_probable_labelling():
    """Brute force over all paths: p(labelling) sums its paths' probabilities; a wide beam
    must return the best labelling and its log-probability."""
    import itertools  # noqa: PLC0415

    rng = np.random.default_rng(5)
    logits = rng.standard_normal((1, 4, 3)).astype(np.float32)
    p = np.exp(logits[0]) / np.exp(logits[0]).sum(-1, keepdims=True)
    totals = {}
    for path in itertools.product(range(3), repeat=4):
        lab = tuple(c for i, c in enumerate(path) if c != 0 and (i == 0 or path[i - 1] != c))
        totals[lab] = totals.get(lab, 0.0) + np.prod(p[np.arange(4), path])
    best = max(totals, key=totals.get)
    decoded, scores = ops.ctc_decode(logits, [4], strategy="beam_search", beam_width=50)
    got = tuple(v for v in decoded.numpy()[0, 0] if v != -1)
    assert got == best
    np.testing.assert_allclose(scores.numpy()[0, 0], np.log(totals[best]), rtol=1e-5)


def test_elastic_transform_is_seeded_and_zero_alpha_is_the_identity():
    x = ember.random.uniform((1, 8, 8, 2), seed=0)
    a = ops.image.elastic_transform(x, seed=3).numpy()
    b = ops.image.elastic_transform(x, seed=3).numpy()
    np.testing.assert_array_equal(a, b)
    same = ops.image.elastic_transform(x, alpha=0.0, seed=1).numpy()
    np.testing.assert_allclose(same, x.numpy(), rtol=1e-6)
    w = ember.Variable(x.numpy())
    ops.image.elastic_transform(w, seed=2).sum().backward()
    assert w.grad is not None and np.isfinite(w.grad.numpy()).all()


def test_perspective_transform_moves_the_corners():
    img = np.zeros((1, 5, 5, 1), np.float32)
    img[0, 1, 1, 0] = 1.0
    start = [[1, 1], [3, 1], [1, 3], [3, 3]]
    end = [[2, 2], [4, 2], [2, 4], [4, 4]]  # a shift by (1, 1)
    out = ops.image.perspective_transform(img, start, end).numpy()
    assert out[0, 2, 2, 0] == pytest.approx(1.0, abs=1e-5)


def test_istft_inverts_stft():
    sig = np.random.default_rng(0).standard_normal((2, 40)).astype(np.float32)
    spec = ops.stft(sig, 16, 4, 16)
    back = ops.istft(spec, 16, 4, 16, length=40).numpy()
    np.testing.assert_allclose(back, sig, rtol=1e-4, atol=1e-5)


def test_custom_gradient_with_several_inputs():
    @ops.custom_gradient
    def weighted(x, y):
        def grad(g):
            return g * 2.0, g * 3.0
        return x * 2.0 + y * 3.0, grad

    x, y = ember.Variable([1.0]), ember.Variable([[1.0], [2.0]])
    weighted(x, y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0])  # broadcast over y's 2 rows
    np.testing.assert_allclose(y.grad.numpy(), [[3.0], [3.0]])


def test_linalg_errors_name_the_op():
    with pytest.raises(ValueError, match="det"):
        ops.det(ember.ones((2, 3)))
    with pytest.raises(ValueError, match="positive definite"):
        ops.cholesky(ember.tensor([[1.0, 2.0], [2.0, 1.0]]))


def test_pinv_of_a_rank_deficient_matrix_is_numpys_and_a_constant():
    x = ember.Variable(np.outer([1.0, 2.0, 3.0], [1.0, -1.0]).astype(np.float32))
    y = ops.pinv(x)
    np.testing.assert_allclose(y.numpy(), np.linalg.pinv(x.numpy()), rtol=1e-5, atol=1e-6)
    assert not y.requires_grad
    full = ember.Variable(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]], np.float32))
    assert ops.lstsq(full, ember.ones((3,))).requires_grad


def test_normalize_of_a_zero_row_is_zero_with_a_finite_gradient():
    x = ember.Variable(np.array([[0.0, 0.0], [3.0, 4.0]], np.float32))
    y = ops.normalize(x)
    np.testing.assert_allclose(y.numpy(), [[0.0, 0.0], [0.6, 0.8]], rtol=1e-6)
    y.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_cdist_of_coincident_points_has_a_zero_gradient():
    x = ember.Variable(np.array([[1.0, 2.0]], np.float32))
    d = ops.cdist(x, np.array([[1.0, 2.0], [4.0, 6.0]], np.float32))
    np.testing.assert_allclose(d.numpy(), [[0.0, 5.0]], rtol=1e-6)
    d.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[-0.6, -0.8]], rtol=1e-5)
