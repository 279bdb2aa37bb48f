"""Preprocessing layers (Rescaling, Normalization, CenterCrop, Resizing) and the samplers
under the augmentation layers: layer contract, values by hand, gradients (float64 gradcheck),
adapt against NumPy, bad arguments, and save/load in a Sequential."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.layers.preprocessing.affine import (
    affine_transform,
    fix_index,
    rotation_transforms,
)
from ember.layers.preprocessing.resize import interpolation_matrix, resize_images
from ember.testing import run_layer_test
from ember.utils import gradcheck


def _images(shape=(3, 6, 5, 2), seed=0):
    return np.random.default_rng(seed).uniform(0, 1, size=shape).astype(np.float32)


# ------------------------------------------------------------------------------- contract
@pytest.mark.parametrize(("cls", "kwargs", "out_shape"), [
    (layers.Rescaling, {"scale": 1 / 255}, (3, 6, 5, 2)),
    (layers.Rescaling, {"scale": [0.5, 2.0], "offset": -1.0}, (3, 6, 5, 2)),
    (layers.CenterCrop, {"height": 4, "width": 3}, (3, 4, 3, 2)),
    (layers.CenterCrop, {"height": 8, "width": 4}, (3, 8, 4, 2)),
    (layers.Resizing, {"height": 9, "width": 4}, (3, 9, 4, 2)),
    (layers.Resizing, {"height": 3, "width": 7, "interpolation": "nearest"}, (3, 3, 7, 2)),
    (layers.Resizing, {"height": 4, "width": 4, "crop_to_aspect_ratio": True}, (3, 4, 4, 2)),
    (layers.Resizing, {"height": 4, "width": 4, "pad_to_aspect_ratio": True,
                       "fill_value": 0.5}, (3, 4, 4, 2)),
    (layers.Normalization, {"mean": [0.5, 0.2], "variance": [0.1, 4.0]}, (3, 6, 5, 2)),
    (layers.Normalization, {"axis": None, "mean": 0.5, "variance": 2.0, "invert": True},
     (3, 6, 5, 2)),
])
def test_layer_contract(cls, kwargs, out_shape):
    run_layer_test(cls, kwargs, input_data=_images(), expected_output_shape=out_shape,
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0)


def test_normalization_contract_with_adapted_weights():
    layer = run_layer_test(layers.Normalization, {"axis": -1}, input_data=_images(),
                           expected_output_shape=(3, 6, 5, 2), expected_num_trainable_weights=0,
                           expected_num_non_trainable_weights=2, expected_num_params=4)
    assert [w.name.split("/")[-1] for w in layer.weights] == ["mean", "variance"]


# ------------------------------------------------------------------------------- Rescaling
def test_rescaling_by_hand():
    x = np.array([[0, 51, 255]], np.uint8)
    y = layers.Rescaling(1 / 255)(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), [[0.0, 0.2, 1.0]], rtol=1e-6)
    y = layers.Rescaling(1 / 127.5, offset=-1)(x.astype(np.float32)).numpy()
    np.testing.assert_allclose(y, [[-1.0, 51 / 127.5 - 1, 1.0]], rtol=1e-6)
    per_channel = layers.Rescaling([1.0, 10.0], offset=[0.0, 1.0])(np.ones((2, 2, 2)))
    np.testing.assert_allclose(per_channel.numpy()[..., 1], 11.0)


# ------------------------------------------------------------------------------- Normalization
def test_adapt_matches_numpy_per_channel_and_over_axes():
    data = np.random.default_rng(1).normal(3.0, 2.0, size=(50, 4, 3, 5)).astype(np.float32)
    norm = layers.Normalization()
    norm.adapt(data)
    np.testing.assert_allclose(norm.mean.numpy(), data.mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(norm.variance.numpy(), data.var(axis=(0, 1, 2)), rtol=1e-5)
    y = norm(data).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 1, 2)), 1.0, rtol=1e-4)
    # several kept axes, and axis=None (one scalar mean and variance)
    two = layers.Normalization(axis=(1, -1))
    two.adapt(data)
    np.testing.assert_allclose(two.mean.numpy(), data.mean(axis=(0, 2)), rtol=1e-5)
    assert two.mean.shape == (4, 5)
    scalar = layers.Normalization(axis=None)
    scalar.adapt(data)
    assert scalar.mean.shape == ()
    np.testing.assert_allclose(float(scalar.variance.numpy()), data.var(), rtol=1e-5)


def test_adapt_in_batches_and_from_an_iterable_is_exact():
    data = np.random.default_rng(2).uniform(-5, 5, size=(103, 3)).astype(np.float32)
    whole = layers.Normalization()
    whole.adapt(data)
    chunked = layers.Normalization()
    chunked.adapt(data, batch_size=10)
    streamed = layers.Normalization()
    streamed.adapt((data[i:i + 17], None) for i in range(0, 103, 17))
    for other in (chunked, streamed):
        np.testing.assert_allclose(other.mean.numpy(), whole.mean.numpy(), rtol=1e-6)
        np.testing.assert_allclose(other.variance.numpy(), whole.variance.numpy(), rtol=1e-6)
    partial = layers.Normalization()
    partial.adapt(iter([data[:20], data[20:40], data[40:]]), steps=2)
    np.testing.assert_allclose(partial.mean.numpy(), data[:40].mean(axis=0), rtol=1e-5)


def test_normalization_formula_epsilon_and_invert_by_hand():
    norm = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.0, 0.25])
    x = np.array([[3.0, 2.0, 4.0]], np.float32)
    np.testing.assert_allclose(norm(x).numpy(), [[1.0, 0.0, 2.0]])
    # a zero variance divides by max(sqrt(0), 1e-7), as Keras
    flat = layers.Normalization(mean=0.0, variance=0.0)
    np.testing.assert_allclose(flat(np.array([[1e-6]])).numpy(), [[10.0]], rtol=1e-5)
    inv = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25], invert=True)
    fwd = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25])
    np.testing.assert_allclose(inv(fwd(x)).numpy(), x, rtol=1e-6)
    scalar = layers.Normalization(mean=2.0, variance=4.0)  # broadcast to every channel
    np.testing.assert_allclose(scalar(np.full((1, 3), 4.0)).numpy(), [[1.0, 1.0, 1.0]])


def test_normalization_passes_gradients():
    norm = layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 0.25], dtype="float64")
    x = ember.tensor(np.random.default_rng(0).normal(size=(3, 2)), dtype="float64")
    assert gradcheck(lambda t: norm(t), [x])
    with ember.GradientTape() as tape:
        tape.watch(x)
        y = norm(x).sum()
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.tile([0.5, 2.0], (3, 1)))


def test_adapted_normalization_survives_save_and_load(tmp_path):
    data = np.random.default_rng(3).normal(5.0, 3.0, size=(40, 4, 4, 2)).astype(np.float32)
    norm = layers.Normalization()
    norm.adapt(data)
    model = ember.Sequential([layers.Input((4, 4, 2)), layers.Rescaling(0.5), norm,
                              layers.CenterCrop(2, 2), layers.Resizing(3, 3), layers.Flatten(),
                              layers.Dense(3)])
    path = tmp_path / "prep.ember"
    model.save(path)
    loaded = ember.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0),
                               rtol=1e-6)
    revived = loaded.layers[1]
    assert type(revived).__name__ == "Normalization"
    np.testing.assert_array_equal(revived.mean.numpy(), norm.mean.numpy())
    np.testing.assert_array_equal(revived.variance.numpy(), norm.variance.numpy())


# ------------------------------------------------------------------------------- CenterCrop
def test_center_crop_offsets_by_hand():
    x = np.arange(6 * 7.0, dtype=np.float32).reshape(1, 6, 7, 1)
    for (h, w), (top, left) in {(6, 7): (0, 0), (4, 3): (1, 2), (3, 4): (1, 1),
                                (1, 1): (2, 3), (5, 6): (0, 0)}.items():
        got = layers.CenterCrop(h, w)(x).numpy()
        np.testing.assert_array_equal(got, x[:, top:top + h, left:left + w], err_msg=str((h, w)))
    single = layers.CenterCrop(2, 2)(x[0]).numpy()  # a single image (H, W, C)
    np.testing.assert_array_equal(single, x[0, 2:4, 2:4])


def test_center_crop_of_a_small_image_is_keras_smart_resize():
    x = _images((2, 4, 6, 1))
    got = layers.CenterCrop(8, 6)(x).numpy()  # taller than the input: crop 4x3, resize
    want = layers.Resizing(8, 6)(x[:, :, 1:4]).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_center_crop_and_resizing_pass_gradients():
    x = ember.tensor(np.random.default_rng(4).normal(size=(2, 5, 4, 2)), dtype="float64")
    assert gradcheck(lambda t: layers.CenterCrop(3, 2, dtype="float64")(t), [x])
    assert gradcheck(lambda t: layers.CenterCrop(7, 4, dtype="float64")(t), [x])
    for kwargs in ({"height": 7, "width": 3}, {"height": 2, "width": 6},
                   {"height": 3, "width": 3, "interpolation": "nearest"},
                   {"height": 4, "width": 4, "crop_to_aspect_ratio": True},
                   {"height": 4, "width": 4, "pad_to_aspect_ratio": True}):
        assert gradcheck(lambda t, k=kwargs: layers.Resizing(**k, dtype="float64")(t), [x])


# ------------------------------------------------------------------------------- Resizing
def test_bilinear_resize_by_hand():
    # 2x2 -> 3x3: output cell o reads (o + 0.5) * 2/3 - 0.5 = -1/6 (clamped to 0), 1/2, 7/6
    x = np.array([[0.0, 3.0], [6.0, 9.0]], np.float32).reshape(1, 2, 2, 1)
    got = layers.Resizing(3, 3)(x).numpy()[0, ..., 0]
    want = np.array([[0.0, 1.5, 3.0], [3.0, 4.5, 6.0], [6.0, 7.5, 9.0]])
    np.testing.assert_allclose(got, want, rtol=1e-6)
    # 4 -> 2 halves: reads 0.5 and 2.5, the means of the pairs
    row = np.array([0.0, 2.0, 4.0, 10.0], np.float32).reshape(1, 1, 4, 1)
    np.testing.assert_allclose(layers.Resizing(1, 2)(row).numpy().ravel(), [1.0, 7.0])
    # nearest: 4 -> 3 reads floor((o + 0.5) * 4/3) = 0, 2, 3
    near = layers.Resizing(1, 3, interpolation="nearest")(row).numpy().ravel()
    np.testing.assert_array_equal(near, [0.0, 4.0, 10.0])


def test_interpolation_matrices_rows_sum_to_one():
    for n_in, n_out in ((1, 5), (5, 1), (7, 3), (3, 7), (6, 6)):
        for mode in ("bilinear", "nearest"):
            a = interpolation_matrix(n_in, n_out, mode)
            assert a.shape == (n_out, n_in) and a.dtype == np.float32
            np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(interpolation_matrix(4, 4, "bilinear"), np.eye(4))


def test_resizing_aspect_ratio_crop_and_pad_by_hand():
    x = np.arange(2 * 6.0, dtype=np.float32).reshape(1, 2, 6, 1)
    cropped = layers.Resizing(2, 2, crop_to_aspect_ratio=True)(x).numpy()
    np.testing.assert_array_equal(cropped, x[:, :, 2:4])  # the centred 2x2 window
    padded = layers.Resizing(6, 6, pad_to_aspect_ratio=True, fill_value=-1.0)(x).numpy()
    want = np.full((1, 6, 6, 1), -1.0, np.float32)
    want[:, 2:4] = x
    np.testing.assert_array_equal(padded, want)
    assert layers.Resizing(3, 2)(x[0]).shape == (3, 2, 1)  # a single image


def test_resize_of_an_empty_batch():
    assert resize_images(ember.zeros((0, 4, 4, 3)), 2, 3).shape == (0, 2, 3, 3)


# ------------------------------------------------------------------------------- samplers
def test_fill_modes_index_by_index():
    i = np.arange(-5, 9)
    assert fix_index(i, 4, "reflect").tolist() == [3, 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0]
    assert fix_index(i, 4, "wrap").tolist() == [3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0]
    assert fix_index(i, 4, "nearest").tolist() == [0] * 5 + [0, 1, 2, 3] + [3] * 5


def test_fill_modes_within_one_period_and_far_outside_agree_with_the_modulo_rule():
    for lo, hi in ((-7, 14), (-8, 15), (-50, 90), (3, 40), (0, 7)):
        i = np.arange(lo, hi)
        j = np.mod(i, 14)
        np.testing.assert_array_equal(fix_index(i, 7, "reflect"), np.where(j >= 7, 13 - j, j))
        np.testing.assert_array_equal(fix_index(i, 7, "wrap"), np.mod(i, 7))


def test_affine_identity_and_batch_of_different_transforms():
    x = _images((3, 5, 4, 2))
    eye = [1, 0, 0, 0, 1, 0, 0, 0]
    for mode in ("reflect", "wrap", "constant", "nearest"):
        for interp in ("bilinear", "nearest"):
            np.testing.assert_array_equal(affine_transform(x, eye, interp, mode).numpy(), x)
    t = rotation_transforms([0.0, np.pi, np.pi / 2], 5, 4)
    y = affine_transform(x, t, "nearest", "constant").numpy()
    np.testing.assert_array_equal(y[0], x[0])
    np.testing.assert_array_equal(y[1], x[1, ::-1, ::-1])
    # a 5x4 image turned by 90 degrees about (1.5, 2): out[i, j] reads (j + 0.5, 3.5 - i),
    # rounded to (j + 1, 4 - i); row 0 would read column 4, outside: filled
    np.testing.assert_array_equal(y[2, 0], 0)
    for i in range(1, 5):
        np.testing.assert_array_equal(y[2, i], x[2, 1:5, 4 - i])


def test_projective_row_divides_by_k():
    x = np.arange(8.0, dtype=np.float32).reshape(1, 1, 8, 1)
    # k = 0.5 x + 1 and x_in = 2x / k: a perspective row, read bilinearly
    t = [2, 0, 0, 0, 1, 0, 0.5, 0]
    got = affine_transform(x, t, "bilinear", "nearest").numpy().ravel()
    want = np.interp(2 * np.arange(8) / (0.5 * np.arange(8) + 1), np.arange(8), np.arange(8))
    np.testing.assert_allclose(got, want, rtol=1e-5)


@pytest.mark.parametrize("mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_sampler_gradcheck(mode, interpolation):
    x = ember.tensor(np.random.default_rng(5).normal(size=(2, 5, 4, 2)), dtype="float64")
    # non-integer positions, so bilinear weights are away from the kinks and nearest from ties
    t = np.array([[0.9, -0.31, 0.7, 0.27, 1.1, -0.43, 0.0, 0.0],
                  [1.0, 0.0, 1.37, 0.0, 1.0, -1.21, 0.01, 0.0]])
    assert gradcheck(lambda v: affine_transform(v, t, interpolation, mode, 0.5), [x])


def test_affine_sampler_bad_arguments():
    x = _images((1, 3, 3, 1))
    with pytest.raises(ValueError, match="fill_mode.*'mirror'"):
        affine_transform(x, np.eye(3).ravel()[:8], fill_mode="mirror")
    with pytest.raises(ValueError, match="interpolation.*'cubic'"):
        affine_transform(x, np.eye(3).ravel()[:8], interpolation="cubic")
    with pytest.raises(ValueError, match=r"transforms of shape.*\(6,\)"):
        affine_transform(x, np.zeros(6))
    with pytest.raises(ValueError, match=r"\(N, H, W, C\).*\(3, 3\)"):
        affine_transform(np.zeros((3, 3)), np.zeros(8))


# ------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("cls", "kwargs", "match"), [
    (layers.Resizing, {"height": 0, "width": 3}, r"Resizing .*`height`.*height=0"),
    (layers.Resizing, {"height": 3, "width": -1}, r"width=-1"),
    (layers.Resizing, {"height": 3, "width": 3, "interpolation": "bicubic"},
     r"interpolation='bicubic'"),
    (layers.Resizing, {"height": 3, "width": 3, "crop_to_aspect_ratio": True,
                       "pad_to_aspect_ratio": True}, r"only one of"),
    (layers.Resizing, {"height": 3, "width": 3, "antialias": True}, r"antialias=True"),
    (layers.CenterCrop, {"height": -3, "width": 3}, r"CenterCrop .*height=-3"),
    (layers.CenterCrop, {"height": 3, "width": "3"}, r"width='3'"),
    (layers.Rescaling, {"scale": "x"}, r"Rescaling .*scale='x'"),
    (layers.Rescaling, {"scale": 1.0, "offset": [float("inf")]}, r"offset=\[inf\]"),
    (layers.Normalization, {"mean": [1.0]}, r"Normalization .*both `mean` and `variance`"),
    (layers.Normalization, {"mean": [1.0], "variance": [-1.0]}, r"variance=\[-1.0\]"),
    (layers.Normalization, {"axis": 0}, r"batch axis.*axis=0"),
    (layers.Normalization, {"axis": "channels"}, r"axis='channels'"),
])
def test_bad_arguments_name_the_layer_and_the_value(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"Resizing .*rank 3.*\(4, 4\)"):
        layers.Resizing(2, 2)(np.zeros((4, 4), np.float32))
    with pytest.raises(ValueError, match=r"Normalization .*axis 3 is out of range.*\(2, 3\)"):
        layers.Normalization(axis=3)(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="given as `mean` and `variance`"):
        layers.Normalization(mean=0.0, variance=1.0).adapt(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="adapt.. received no data"):
        layers.Normalization().adapt(iter([]))
