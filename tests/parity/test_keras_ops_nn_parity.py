"""Keras 3 drop-in: `keras.ops.X` (torch backend) and `ember.ops.X` on the same inputs, for
every name of keras.ops.nn, keras.ops.linalg, keras.ops.image and the math/control-flow
names of issue 11. Values agree to float32 tolerance and dtypes agree exactly.
Skipped when keras or torch is absent."""

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
pytest.importorskip("torch")

import ember  # noqa: E402
from ember import ops  # noqa: E402

R = np.random.default_rng(0)


def f32(*shape, scale=1.0):
    return (R.standard_normal(shape) * scale).astype(np.float32)


def pos(*shape):
    return (np.abs(R.standard_normal(shape)) + 0.5).astype(np.float32)


def probs(*shape):
    e = np.exp(R.standard_normal(shape))
    return (e / e.sum(-1, keepdims=True)).astype(np.float32)


def spd(n):
    a = R.standard_normal((n, n))
    return (a @ a.T + n * np.eye(n)).astype(np.float32)


IMG = R.uniform(0, 1, (2, 6, 7, 3)).astype(np.float32)
SEQ = f32(2, 7, 3)
X = f32(3, 5, scale=2.0)
CPLX = (f32(4, 6), f32(4, 6))

# (id, namespace, name, args, kwargs)
CASES = [
    # ------------------------------------------------------------------ nn activations
    *[("nn", n, (X,), {}) for n in (
        "relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "swish", "log_sigmoid",
        "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "tanh_shrink", "selu",
        "sparse_plus", "sparse_sigmoid", "squareplus", "celu", "elu", "leaky_relu", "gelu",
        "softmax", "log_softmax", "hard_shrink", "soft_shrink")],
    ("nn", "glu", (f32(3, 4),), {}),
    ("nn", "glu", (f32(4, 3),), {"axis": 0}),
    ("nn", "sparsemax", (X,), {}),
    ("nn", "gelu", (X,), {"approximate": False}),
    ("nn", "leaky_relu", (X,), {"negative_slope": 0.1}),
    ("nn", "elu", (X,), {"alpha": 0.5}),
    ("nn", "softmax", (X,), {"axis": 0}),
    ("nn", "threshold", (X, 0.3, -1.0), {}),
    ("nn", "squareplus", (X,), {"b": 2}),
    # ------------------------------------------------------------------ nn convolutions
    ("nn", "conv", (IMG, f32(3, 3, 3, 4)), {"padding": "same", "strides": 2}),
    ("nn", "conv", (SEQ, f32(3, 3, 2)), {"dilation_rate": 2}),
    ("nn", "conv", (IMG, f32(2, 2, 1, 6)), {}),
    ("nn", "conv", (np.moveaxis(IMG, -1, 1).copy(), f32(3, 3, 3, 2)),
     {"data_format": "channels_first"}),
    ("nn", "depthwise_conv", (IMG, f32(3, 3, 3, 2)), {"padding": "same"}),
    ("nn", "separable_conv", (IMG, f32(3, 3, 3, 2), f32(1, 1, 6, 4)), {}),
    ("nn", "conv_transpose", (IMG, f32(3, 3, 5, 3)), {"strides": 2, "padding": "same"}),
    ("nn", "conv_transpose", (SEQ, f32(3, 2, 3)), {"strides": 2}),
    ("nn", "conv", (f32(2, 5, 6, 4, 2), f32(3, 2, 2, 2, 3)), {}),
    ("nn", "conv", (f32(1, 5, 5, 5, 4), f32(2, 3, 3, 2, 4)),
     {"strides": (2, 1, 2), "padding": "same"}),
    ("nn", "conv", (f32(1, 7, 5, 5, 2), f32(2, 2, 2, 2, 2)), {"dilation_rate": (2, 1, 1)}),
    ("nn", "depthwise_conv", (f32(1, 4, 4, 4, 2), f32(2, 2, 2, 2, 2)), {"padding": "same"}),
    ("nn", "max_pool", (f32(2, 5, 6, 4, 2), 2), {}),
    ("nn", "max_pool", (f32(1, 5, 5, 5, 2), 3), {"strides": 2, "padding": "same"}),
    ("nn", "average_pool", (f32(2, 4, 6, 4, 2), (2, 3, 2)), {}),
    ("nn", "average_pool", (f32(1, 5, 5, 5, 2), 3), {"strides": 2, "padding": "same"}),
    ("nn", "adaptive_average_pool", (f32(1, 5, 6, 7, 2), (2, 3, 3)), {}),
    ("nn", "max_pool", (IMG, 2), {}),
    ("nn", "max_pool", (IMG, 3), {"strides": 2, "padding": "same"}),
    ("nn", "average_pool", (IMG, 3), {"strides": 1, "padding": "same"}),
    ("nn", "average_pool", (SEQ, 2), {}),
    ("nn", "adaptive_average_pool", (IMG, (2, 3)), {}),
    ("nn", "adaptive_max_pool", (IMG, 4), {}),
    # ------------------------------------------------------------------ nn functions
    ("nn", "one_hot", (np.array([0, 2, -1, 1]), 3), {}),
    ("nn", "one_hot", (np.array([[0, 2], [1, 1]]), 3), {"axis": 0}),
    ("nn", "multi_hot", (np.array([[0, 2], [1, 1]]), 4), {}),
    ("nn", "moments", (X, (0,)), {}),
    ("nn", "moments", (f32(2, 3, 4), (0, 2)), {"keepdims": True}),
    ("nn", "batch_normalization", (X, f32(5), pos(5), -1), {"offset": f32(5), "scale": f32(5)}),
    ("nn", "layer_normalization", (X,), {}),
    ("nn", "layer_normalization", (X, pos(5), f32(5)), {"epsilon": 1e-3}),
    ("nn", "rms_normalization", (X, pos(5)), {}),
    ("nn", "normalize", (X,), {}),
    ("nn", "normalize", (X,), {"order": 1, "axis": 0}),
    ("nn", "psnr", (IMG, IMG * 0.9, 1.0), {}),
    ("nn", "polar", (pos(4), f32(4)), {}),
    ("nn", "binary_crossentropy", (probs(3, 4).round(), probs(3, 4)), {}),
    ("nn", "binary_crossentropy", (probs(3, 4).round(), f32(3, 4)), {"from_logits": True}),
    ("nn", "categorical_crossentropy", (probs(3, 4), probs(3, 4)), {}),
    ("nn", "categorical_crossentropy", (probs(3, 4), f32(3, 4)), {"from_logits": True}),
    ("nn", "sparse_categorical_crossentropy", (np.array([0, 3, 1]), probs(3, 4)), {}),
    ("nn", "sparse_categorical_crossentropy", (np.array([0, 3, 1]), f32(3, 4)),
     {"from_logits": True}),
    ("nn", "dot_product_attention", (f32(2, 3, 2, 4), f32(2, 5, 2, 4), f32(2, 5, 2, 4)), {}),
    ("nn", "dot_product_attention", (f32(1, 4, 1, 2), f32(1, 4, 1, 2), f32(1, 4, 1, 2)),
     {"is_causal": True, "scale": 0.5}),
    ("nn", "dot_product_attention", (f32(1, 3, 2, 2), f32(1, 4, 2, 2), f32(1, 4, 2, 2)),
     {"bias": f32(1, 2, 3, 4)}),
    ("nn", "dot_product_attention", (f32(1, 3, 2, 2), f32(1, 4, 2, 2), f32(1, 4, 2, 2)),
     {"mask": np.tril(np.ones((3, 4), bool))[None, None]}),
    ("nn", "depth_to_space", (f32(2, 2, 3, 8), 2), {}),
    ("nn", "space_to_depth", (f32(2, 4, 6, 2), 2), {}),
    ("nn", "unfold", (f32(2, 3, 5, 5), 3), {"stride": 2, "padding": 1}),
    ("nn", "fold", (f32(2, 12, 9), 4, 2), {}),
    ("nn", "ctc_loss", (np.array([[1, 2, 0], [2, 2, 1]]), f32(2, 6, 4),
                        np.array([2, 3]), np.array([6, 5])), {}),
    ("nn", "ctc_decode", (np.log(probs(2, 6, 4)), np.array([6, 4])), {}),
    ("nn", "ctc_decode", (f32(2, 6, 4), np.array([6, 4])),
     {"strategy": "beam_search", "beam_width": 3, "top_paths": 2}),
    ("nn", "ctc_decode", (f32(3, 7, 5), np.array([7, 2, 5])),
     {"strategy": "beam_search", "beam_width": 10, "top_paths": 3, "mask_index": 4}),
    # ------------------------------------------------------------------ math
    *[("math", n, (X,), {}) for n in ("erf", "erfc", "logsumexp")],
    ("math", "erfinv", (np.tanh(X) * 0.9,), {}),
    ("math", "rsqrt", (pos(3, 4),), {}),
    ("math", "logsumexp", (X,), {"axis": 1, "keepdims": True}),
    ("math", "logdet", (spd(3),), {}),
    ("math", "cdist", (f32(3, 2), f32(4, 2)), {}),
    ("math", "top_k", (X, 2), {}),
    ("math", "in_top_k", (np.array([1, 0, 4]), X, 2), {}),
    *[("math", f"segment_{k}", (f32(5, 2), np.array([0, 0, 2, 1, 2])), {})
      for k in ("sum", "max", "min", "prod")],
    ("math", "segment_sum", (f32(4), np.array([0, 1, 1, 0])), {"num_segments": 3}),
    ("math", "extract_sequences", (f32(2, 10), 4, 3), {}),
    ("math", "fft", (CPLX,), {}),
    ("math", "fft2", (CPLX,), {}),
    ("math", "ifft2", (CPLX,), {}),
    ("math", "rfft", (f32(3, 8),), {}),
    ("math", "rfft", (f32(3, 7),), {"fft_length": 10}),
    ("math", "irfft", ((f32(3, 5), f32(3, 5)),), {}),
    ("math", "irfft", ((f32(3, 5), f32(3, 5)),), {"fft_length": 9}),
    ("math", "stft", (f32(2, 32), 8, 4, 8), {}),
    ("math", "stft", (f32(20), 6, 3, 8), {"center": False}),
    ("math", "istft", ((f32(5, 5), f32(5, 5)), 8, 4, 8), {}),
    ("math", "view_as_complex", (f32(3, 2),), {}),
    ("math", "view_as_real", ((f32(3) + 1j * f32(3)).astype(np.complex64),), {}),
    # ------------------------------------------------------------------ linalg
    ("linalg", "det", (f32(3, 3),), {}),
    ("linalg", "inv", (spd(3),), {}),
    ("linalg", "solve", (spd(3), f32(3, 2)), {}),
    ("linalg", "solve_triangular", (np.triu(spd(3)), f32(3, 2)), {}),
    ("linalg", "solve_triangular", (np.tril(spd(3)), f32(3, 2)), {"lower": True}),
    ("linalg", "cholesky", (spd(3),), {}),
    ("linalg", "cholesky", (spd(3),), {"upper": True}),
    ("linalg", "cholesky_inverse", (np.linalg.cholesky(spd(3)),), {}),
    ("linalg", "norm", (X,), {}),
    ("linalg", "norm", (X,), {"ord": 1, "axis": 1}),
    ("linalg", "norm", (X,), {"ord": "nuc"}),
    ("linalg", "norm", (X,), {"ord": np.inf}),
    ("linalg", "eigh", (spd(3),), {}),
    ("linalg", "svd", (f32(3, 3),), {"compute_uv": False}),
    ("linalg", "lstsq", (f32(5, 2), f32(5, 1)), {}),
    ("linalg", "pinv", (f32(4, 2),), {}),
    ("linalg", "matrix_rank", (f32(3, 3),), {}),
    ("linalg", "lu_factor", (f32(3, 3),), {}),
    # ------------------------------------------------------------------ image
    ("image", "rgb_to_grayscale", (IMG,), {}),
    ("image", "rgb_to_hsv", (IMG,), {}),
    ("image", "hsv_to_rgb", (IMG,), {}),
    ("image", "resize", (IMG, (4, 9)), {}),
    ("image", "resize", (IMG, (3, 3)), {"antialias": True}),
    ("image", "resize", (IMG, (12, 5)), {"interpolation": "nearest"}),
    ("image", "resize", (IMG, (9, 10)), {"interpolation": "bicubic"}),
    ("image", "resize", (IMG, (4, 4)), {"crop_to_aspect_ratio": True}),
    ("image", "resize", (IMG, (4, 4)), {"pad_to_aspect_ratio": True, "fill_value": 0.5}),
    ("image", "affine_transform", (IMG, np.array([[1.1, 0.2, -0.5, -0.1, 0.9, 0.7, 0, 0],
                                                  [0.8, 0.0, 0.5, 0.1, 1.2, -0.3, 0, 0]],
                                                 np.float32)), {}),
    ("image", "affine_transform", (IMG[0], np.array([0.93, 0.11, 1.37, 0.21, 1.07, -0.93, 0, 0],
                                                    np.float32)),
     {"interpolation": "nearest", "fill_mode": "reflect"}),
    ("image", "affine_transform", (IMG[:1], np.array([0.9, 0.1, 1.5, 0.2, 1.1, -1.0, 0, 0],
                                                     np.float32)),
     {"fill_mode": "wrap", "fill_value": 0.5}),
    ("image", "map_coordinates", (f32(5, 6), R.uniform(-1, 6, (2, 3, 4)).astype(np.float32),
                                  1), {}),
    ("image", "map_coordinates", (f32(5, 6), R.uniform(-1, 6, (2, 7)).astype(np.float32), 1),
     {"fill_mode": "mirror"}),
    ("image", "gaussian_blur", (IMG,), {"kernel_size": (5, 5), "sigma": (1.0, 2.0)}),
    ("image", "gaussian_blur", (IMG[0],), {}),
    ("image", "sobel_edges", (IMG,), {}),
    ("image", "ssim", (IMG, np.clip(IMG + f32(*IMG.shape, scale=0.05), 0, 1)),
     {"filter_size": 3}),
    ("image", "extract_patches", (IMG, 2), {}),
    ("image", "extract_patches", (IMG, (3, 2)), {"strides": 1, "padding": "same"}),
    ("image", "extract_patches_3d", (f32(1, 4, 4, 4, 2), 2), {}),
    ("image", "crop_images", (IMG, 1, 2), {"target_height": 3, "target_width": 4}),
    ("image", "pad_images", (IMG, 1, 2), {"target_height": 9, "target_width": 10}),
    ("image", "perspective_transform", (IMG, [[0, 0], [6, 0], [0, 5], [6, 5]],
                                        [[0, 0], [6, 0], [0, 5], [6, 5]]), {}),
    ("image", "scale_and_translate", (f32(2, 6, 6, 1), (2, 3, 4, 1), np.array([0.5, 0.7]),
                                      np.array([0.0, 0.3]), (1, 2), "linear"), {}),
]

# Keras (torch backend) differences that are Keras' own, not ember's
# Keras' torch backend: top_k's indices are torch.topk's int64 (int32 in Keras' other
# backends and in ember); sparsemax sums the cumulative sums over the support where the
# threshold needs the one at the support's end (wrong for supports of 2 or more: its rows do
# not sum to 1), so ember is checked against the definition instead.
INT_WIDTH_DIFFERS = {"top_k"}
WRONG_IN_KERAS_TORCH = {"sparsemax", "gaussian_blur"}  # gaussian_blur: see below


def _check_sparsemax(out, z, **_):
    p = out[0].numpy()
    np.testing.assert_allclose(p.sum(-1), 1.0, rtol=1e-6)
    srt = -np.sort(-z, -1)
    k = np.arange(1, z.shape[-1] + 1)
    cs = np.cumsum(srt, -1)
    kz = ((1 + k * srt) > cs).sum(-1, keepdims=True)
    tau = (np.take_along_axis(cs, kz - 1, -1) - 1) / kz
    np.testing.assert_allclose(p, np.maximum(z - tau, 0), rtol=1e-5, atol=1e-6)


def _check_gaussian_blur(out, images, kernel_size=(3, 3), sigma=(1.0, 1.0)):
    """Keras' torch backend mixes rows (a delta comes out as one blurred row): ember is
    checked against the per-channel 2-D Gaussian with zero padding that Keras documents."""
    x = images if images.ndim == 4 else images[None]
    (kh, kw), (sh, sw) = kernel_size, sigma
    g = [np.exp(-0.5 * ((np.arange(k) - (k - 1) / 2) / s) ** 2) for k, s in ((kh, sh), (kw, sw))]
    k2 = np.outer(g[0] / g[0].sum(), g[1] / g[1].sum())
    xp = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    ref = sum(k2[i, j] * xp[:, i:i + x.shape[1], j:j + x.shape[2]]
              for i in range(kh) for j in range(kw))
    np.testing.assert_allclose(out[0].numpy().reshape(ref.shape), ref, rtol=1e-5, atol=1e-6)


def _leaves(out):
    if isinstance(out, tuple | list):
        return [leaf for o in out for leaf in _leaves(o)]
    return [out]


def _np(v):
    if isinstance(v, ember.Tensor):
        return v.numpy()
    return np.asarray(keras.ops.convert_to_numpy(v))


def _ids():
    seen = {}
    out = []
    for ns, name, _, _ in CASES:
        seen[name] = seen.get(name, 0) + 1
        out.append(f"{ns}.{name}-{seen[name]}")
    return out


@pytest.mark.parametrize(("ns", "name", "args", "kwargs"), CASES, ids=_ids())
def test_keras_and_ember_agree(ns, name, args, kwargs):
    k_fn = getattr(getattr(keras.ops, ns) if ns != "math" else keras.ops, name)
    e_fn = getattr(getattr(ops, ns), name)
    ours = _leaves(e_fn(*args, **kwargs))
    if name in WRONG_IN_KERAS_TORCH:
        globals()[f"_check_{name}"](ours, *args, **kwargs)
        return
    theirs = _leaves(k_fn(*[keras.ops.convert_to_tensor(a) if isinstance(a, np.ndarray)
                            else a for a in args], **kwargs))
    assert len(ours) == len(theirs), name
    for o, t in zip(ours, theirs):
        o, t = _np(o), _np(t)
        assert o.shape == t.shape, f"{name}: shape {o.shape} != keras {t.shape}"
        if name in INT_WIDTH_DIFFERS and o.dtype.kind == "i":
            assert t.dtype.kind == "i"
        else:
            assert o.dtype == t.dtype, f"{name}: dtype {o.dtype} != keras {t.dtype}"
        if o.dtype.kind in "fc":
            np.testing.assert_allclose(o, t, rtol=2e-4, atol=2e-5, err_msg=name)
        else:
            np.testing.assert_array_equal(o, t, err_msg=name)


def test_every_assigned_name_exists_in_ember_with_keras_signature():
    import inspect  # noqa: PLC0415

    names = {ns: [n for n in dir(getattr(keras.ops, ns)) if not n.startswith("_")]
             for ns in ("nn", "linalg", "image")}
    assert len(names["nn"]) == 55 and len(names["linalg"]) == 16 and len(names["image"]) == 16
    extra = ("cond while_loop fori_loop scan associative_scan map switch vectorized_map "
             "custom_gradient erf erfc erfinv rsqrt logsumexp logdet cdist top_k in_top_k "
             "segment_sum segment_max segment_min segment_prod extract_sequences fft fft2 "
             "ifft2 rfft irfft stft istft view_as_complex view_as_real").split()
    pairs = [(getattr(keras.ops, ns), getattr(ops, ns), n) for ns in names for n in names[ns]]
    pairs += [(keras.ops, ops, n) for n in extra]
    for kmod, emod, n in pairs:
        assert hasattr(emod, n), f"ember.ops{'.' + emod.__name__.split('.')[-1]} lacks {n}"
        kp = list(inspect.signature(getattr(kmod, n)).parameters)
        ep = list(inspect.signature(getattr(emod, n)).parameters)
        assert ep == kp, f"{n}: ember parameters {ep} != keras {kp}"
    for ns in ("nn", "linalg"):  # at the top level too, as in Keras
        for n in names[ns]:
            assert getattr(ops, n) is getattr(getattr(ops, ns), n), n
    for n in extra:
        assert hasattr(ops, n), n


def test_custom_gradient_replaces_the_derivative():
    @ops.custom_gradient
    def clipped_identity(x):
        return x * 1.0, lambda g: ops.clip(g, -0.5, 0.5)

    x = ember.Variable([1.0, 2.0])
    (clipped_identity(x) * ember.tensor([3.0, 0.25])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.25])


def test_control_flow_matches_keras():
    xs = keras.ops.convert_to_numpy(keras.ops.convert_to_tensor(f32(4, 3)))
    kxs = keras.ops.convert_to_tensor(xs)
    k = keras.ops.scan(lambda c, x: (c + x, c * x), np.zeros(3, np.float32), xs)
    e = ops.scan(lambda c, x: (c + x, c * x), np.zeros(3, np.float32), xs)
    for a, b in zip(_leaves(e), _leaves(k)):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-5, atol=1e-6)
    k = keras.ops.associative_scan(lambda a, b: a + b, xs, axis=1)
    e = ops.associative_scan(lambda a, b: a + b, xs, axis=1)
    np.testing.assert_allclose(_np(e), _np(k), rtol=1e-5, atol=1e-6)
    k = keras.ops.while_loop(lambda i, v: i < 5, lambda i, v: (i + 1, v * 2), (0, 1.0))
    e = ops.while_loop(lambda i, v: i < 5, lambda i, v: (i + 1, v * 2), (0, 1.0))
    assert [float(_np(v)) for v in e] == [float(_np(v)) for v in k]
    assert float(_np(ops.fori_loop(0, 5, lambda i, v: v + i, 0.0))) == float(
        _np(keras.ops.fori_loop(0, 5, lambda i, v: v + i, 0.0)))
    assert ops.switch(3, [lambda x: x, lambda x: -x], 2.0) == keras.ops.switch(
        3, [lambda x: x, lambda x: -x], 2.0)
    np.testing.assert_allclose(_np(ops.map(lambda r: r * 2, xs)),
                               _np(keras.ops.map(lambda r: r * 2, kxs)))
    np.testing.assert_allclose(_np(ops.vectorized_map(lambda r: r.sum(), xs)),
                               _np(keras.ops.vectorized_map(lambda r: r.sum(), kxs)),
                               rtol=1e-6)
