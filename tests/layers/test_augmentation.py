"""Augmentation layers (RandomFlip, RandomRotation, RandomZoom, RandomTranslation,
RandomCrop, RandomBrightness, RandomContrast): layer contract, identity at inference, seeding,
exact small cases by hand, statistics, bad arguments, save/load, and training on the digits."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.testing import run_layer_test
from ember.utils.random import global_generator

RANDOM = [
    (layers.RandomFlip, {"mode": "horizontal", "seed": 1}),
    (layers.RandomFlip, {}),
    (layers.RandomRotation, {"factor": 0.2, "seed": 2}),
    (layers.RandomRotation, {"factor": [-0.1, 0.3], "fill_mode": "constant",
                             "interpolation": "nearest", "fill_value": 1.5}),
    (layers.RandomZoom, {"height_factor": 0.3, "seed": 3}),
    (layers.RandomZoom, {"height_factor": [-0.2, 0.2], "width_factor": 0.1,
                         "fill_mode": "wrap"}),
    (layers.RandomTranslation, {"height_factor": 0.2, "width_factor": [-0.1, 0.2],
                                "seed": 4, "fill_mode": "nearest"}),
    (layers.RandomBrightness, {"factor": 0.2, "value_range": [0, 1], "seed": 5}),
    (layers.RandomContrast, {"factor": [0.1, 0.4], "value_range": [0, 1], "seed": 6}),
]
IDS = [f"{cls.__name__}-{i}" for i, (cls, _) in enumerate(RANDOM)]


def _images(shape=(4, 6, 5, 2), seed=0):
    return np.random.default_rng(seed).uniform(0, 1, size=shape).astype(np.float32)


# ------------------------------------------------------------------------------- contract
@pytest.mark.parametrize(("cls", "kwargs"), RANDOM, ids=IDS)
def test_layer_contract_in_training(cls, kwargs):
    # in training every augmentation is differentiable in its input (flips and crops are
    # slices, the affine sampler has a backward pass, lighting changes are clipped sums)
    run_layer_test(cls, kwargs, input_data=_images(), expected_output_shape=(4, 6, 5, 2),
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0,
                   call_kwargs={"training": True})


def test_random_crop_contract():
    run_layer_test(layers.RandomCrop, {"height": 4, "width": 3, "seed": 0},
                   input_data=_images(), expected_output_shape=(4, 4, 3, 2),
                   expected_num_trainable_weights=0, call_kwargs={"training": True})
    run_layer_test(layers.RandomCrop, {"height": 8, "width": 8}, input_data=_images(),
                   expected_output_shape=(4, 8, 8, 2))


@pytest.mark.parametrize(("cls", "kwargs"), RANDOM, ids=IDS)
def test_identity_at_inference(cls, kwargs):
    x = _images()
    layer = cls(**kwargs)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    assert layer(x).dtype == np.float32


@pytest.mark.parametrize(("cls", "kwargs"), RANDOM, ids=IDS)
def test_training_changes_the_images(cls, kwargs):
    x = _images((16, 6, 5, 2))
    assert not np.array_equal(cls(**kwargs)(x, training=True).numpy(), x)


@pytest.mark.parametrize(("cls", "kwargs"), RANDOM, ids=IDS)
def test_seeded_layers_repeat_and_advance(cls, kwargs):
    x = _images((8, 6, 5, 2))
    kwargs = {**kwargs, "seed": 42}
    a, b = cls(**kwargs), cls(**kwargs)
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())
    assert not np.array_equal(first, a(x, training=True).numpy())  # a new draw per call
    assert not np.array_equal(first, cls(**{**kwargs, "seed": 43})(x, training=True).numpy())


@pytest.mark.parametrize(("cls", "kwargs"), RANDOM, ids=IDS)
def test_unseeded_layers_follow_set_random_seed(cls, kwargs):
    x = _images((8, 6, 5, 2))
    layer = cls(**{k: v for k, v in kwargs.items() if k != "seed"})
    assert layer.generator is global_generator()
    ember.utils.set_random_seed(7)
    first = layer(x, training=True).numpy()
    ember.utils.set_random_seed(7)
    np.testing.assert_array_equal(first, layer(x, training=True).numpy())


def test_generator_state_restores_the_draws():
    layer = layers.RandomRotation(0.3, seed=3)
    x = _images()
    state = layer.generator.bit_generator.state
    first = layer(x, training=True).numpy()
    layer.generator.bit_generator.state = state  # what a checkpoint restore does
    np.testing.assert_array_equal(first, layer(x, training=True).numpy())


@pytest.mark.parametrize(("cls", "kwargs"), RANDOM, ids=IDS)
def test_a_single_image_is_augmented_like_a_batch_of_one(cls, kwargs):
    x = _images((6, 5, 2))
    kwargs = {**kwargs, "seed": 9}
    single = cls(**kwargs)(x, training=True).numpy()
    batch = cls(**kwargs)(x[None], training=True).numpy()
    assert single.shape == (6, 5, 2)
    np.testing.assert_array_equal(single, batch[0])
    np.testing.assert_array_equal(cls(**kwargs)(x).numpy(), x)


# ------------------------------------------------------------------------------- by hand
def test_rotation_by_exactly_a_quarter_turn_is_rot90():
    x = np.arange(2 * 5 * 5 * 3, dtype=np.float32).reshape(2, 5, 5, 3)
    want = np.rot90(x, k=1, axes=(1, 2))  # counter-clockwise on the screen
    for interpolation in ("nearest", "bilinear"):
        turn = layers.RandomRotation((0.25, 0.25), interpolation=interpolation,
                                     fill_mode="constant")
        np.testing.assert_allclose(turn(x, training=True).numpy(), want, atol=1e-4)
    back = layers.RandomRotation((-0.25, -0.25), interpolation="nearest")
    np.testing.assert_array_equal(back(x, training=True).numpy(), np.rot90(x, -1, (1, 2)))
    half = layers.RandomRotation((0.5, 0.5), interpolation="nearest")
    np.testing.assert_array_equal(half(x, training=True).numpy(), x[:, ::-1, ::-1])


def test_rotation_of_a_non_square_image_fills_the_corners():
    x = np.ones((1, 2, 4, 1), np.float32)
    y = layers.RandomRotation((0.25, 0.25), fill_mode="constant", interpolation="nearest",
                              fill_value=-1.0)(x, training=True).numpy()[0, ..., 0]
    # a 2x4 strip turned about its centre (1.5, 0.5) covers the middle 2x2 only
    np.testing.assert_array_equal(y, [[-1, 1, 1, -1], [-1, 1, 1, -1]])


def test_translation_by_one_pixel_with_each_fill_mode():
    x = np.arange(1.0, 5.0, dtype=np.float32).reshape(1, 4, 1, 1)  # a column 1, 2, 3, 4
    cases = {"constant": [9, 1, 2, 3], "nearest": [1, 1, 2, 3], "reflect": [1, 1, 2, 3],
             "wrap": [4, 1, 2, 3]}
    for mode, want in cases.items():
        down = layers.RandomTranslation((0.25, 0.25), 0.0, fill_mode=mode, fill_value=9.0)
        np.testing.assert_allclose(down(x, training=True).numpy().ravel(), want, atol=1e-6)
    up2 = layers.RandomTranslation((-0.5, -0.5), 0.0, fill_mode="reflect")
    np.testing.assert_allclose(up2(x, training=True).numpy().ravel(), [3, 4, 4, 3])
    row = x.reshape(1, 1, 4, 1)
    right = layers.RandomTranslation(0.0, (0.25, 0.25), fill_mode="constant")
    np.testing.assert_allclose(right(row, training=True).numpy().ravel(), [0, 1, 2, 3])


def test_translation_by_half_a_pixel_mixes_neighbours():
    x = np.array([0.0, 2.0, 4.0, 6.0], np.float32).reshape(1, 1, 4, 1)
    right = layers.RandomTranslation(0.0, (0.125, 0.125), fill_mode="nearest")
    np.testing.assert_allclose(right(x, training=True).numpy().ravel(), [0, 1, 3, 5],
                               atol=1e-6)


def test_zoom_by_hand():
    x = np.arange(16.0, dtype=np.float32).reshape(1, 4, 4, 1)
    # zoom in by 2 (factor -0.5): output (i, j) reads ((i - 1.5) / 2 + 1.5, (j - 1.5) / 2 + 1.5)
    y = layers.RandomZoom((-0.5, -0.5))(x, training=True).numpy()[0, ..., 0]
    src = (np.arange(4) - 1.5) / 2 + 1.5  # 0.75, 1.25, 1.75, 2.25
    want = 4 * src[:, None] + src[None, :]  # bilinear of a linear ramp is exact
    np.testing.assert_allclose(y, want, atol=1e-5)
    # width_factor None: the width follows the height's draw; a width-only zoom leaves rows
    w_only = layers.RandomZoom(0.0, (1.0, 1.0), fill_mode="constant", interpolation="nearest")
    y = w_only(x, training=True).numpy()[0, ..., 0]
    np.testing.assert_array_equal(y[:, [0, 3]], 0)
    np.testing.assert_array_equal(y[:, 1:3], x[0, :, [1, 3], 0].T)


def test_flip_modes_by_hand():
    x = np.arange(2 * 3 * 1.0, dtype=np.float32).reshape(1, 2, 3, 1)
    ember.utils.set_random_seed(0)
    for mode, flip in (("horizontal", x[:, :, ::-1]), ("vertical", x[:, ::-1]),
                       ("horizontal_and_vertical", x[:, ::-1, ::-1])):
        layer = layers.RandomFlip(mode, seed=0)
        outs = [layer(x, training=True).numpy() for _ in range(20)]
        assert all(np.array_equal(o, x) or np.array_equal(o, flip) for o in outs), mode
        assert any(np.array_equal(o, flip) for o in outs), mode
        assert any(np.array_equal(o, x) for o in outs), mode


def test_flip_flips_about_half_the_images():
    x = np.arange(10 * 3.0, dtype=np.float32).reshape(10, 1, 3, 1)
    y = layers.RandomFlip("horizontal", seed=0)(np.repeat(x, 200, axis=0), training=True)
    flipped = (y.numpy()[:, 0, 0, 0] != np.repeat(x, 200, axis=0)[:, 0, 0, 0]).mean()
    assert 0.45 < flipped < 0.55  # 2000 coin tosses: sd 0.011


def test_brightness_stays_in_range_and_shifts_each_image_uniformly():
    x = np.random.default_rng(0).uniform(50, 200, size=(500, 3, 3, 2)).astype(np.float32)
    y = layers.RandomBrightness(0.1, seed=0)(x, training=True).numpy()
    delta = y - x  # no clipping can happen: |delta| <= 25.5
    per_image = delta.reshape(500, -1)
    np.testing.assert_allclose(per_image, per_image[:, :1].repeat(18, axis=1), atol=1e-4)
    assert np.abs(delta).max() <= 25.5 + 1e-4
    assert per_image[:, 0].min() < -20 and per_image[:, 0].max() > 20  # spread over the range
    assert abs(per_image[:, 0].mean()) < 2.0  # uniform on [-25.5, 25.5]: sd of mean 0.66
    clipped = layers.RandomBrightness((0.5, 0.9), value_range=(0, 1))(
        np.full((4, 2, 2, 1), 0.8, np.float32), training=True).numpy()
    np.testing.assert_array_equal(clipped, 1.0)


def test_brightness_and_contrast_by_hand_from_the_seeded_draws():
    x = _images((3, 4, 4, 2)) * 100 + 50
    rng = np.random.default_rng(11)
    u = rng.uniform(-0.2, 0.2, size=(3, 1, 1, 1))
    want = np.clip(x + (u * 255).astype(np.float32), 0, 255)
    got = layers.RandomBrightness(0.2, seed=11)(x, training=True).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6)
    rng = np.random.default_rng(12)
    c = rng.uniform(1 - 0.3, 1 + 0.5, size=(3, 1, 1, 1)).astype(np.float32)
    mean = x.mean(axis=(1, 2), keepdims=True)
    want = np.clip((x - mean) * c + mean, 0, 255)
    got = layers.RandomContrast((0.3, 0.5), seed=12)(x, training=True).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


def test_contrast_keeps_each_channel_mean_and_scales_its_spread():
    x = _images((200, 5, 5, 3)) * 100 + 50  # in [50, 150]: factors in [0.6, 1.4] never clip
    y = layers.RandomContrast(0.4, seed=0)(x, training=True).numpy()
    np.testing.assert_allclose(y.mean(axis=(1, 2)), x.mean(axis=(1, 2)), rtol=1e-5)
    ratio = y.std(axis=(1, 2)) / x.std(axis=(1, 2))  # (200, 3), one factor per image
    np.testing.assert_allclose(ratio, ratio[:, :1].repeat(3, axis=1), rtol=1e-4)
    assert 0.6 - 1e-5 <= ratio.min() and ratio.max() <= 1.4 + 1e-5
    assert ratio.min() < 0.7 and ratio.max() > 1.3


def test_random_crop_training_and_inference():
    x = np.arange(6 * 7.0, dtype=np.float32).reshape(1, 6, 7, 1)
    layer = layers.RandomCrop(3, 4, seed=0)
    seen = set()
    for _ in range(60):
        y = layer(x, training=True).numpy()[0, ..., 0]
        top, left = int(y[0, 0]) // 7, int(y[0, 0]) % 7
        np.testing.assert_array_equal(y, x[0, top:top + 3, left:left + 4, 0])
        seen.add((top, left))
    assert seen == {(t, s) for t in range(4) for s in range(4)}  # every window is reachable
    # inference: Keras' smart_resize: the centred 3:4 window of the 6x7 image (5x7) resized
    want = ember.layers.Resizing(3, 4, crop_to_aspect_ratio=True)(x).numpy()
    np.testing.assert_array_equal(layer(x).numpy(), want)
    np.testing.assert_array_equal(layers.RandomCrop(6, 7)(x, training=True).numpy(), x)


def test_random_crop_uses_one_window_per_batch():
    x = np.stack([np.arange(36.0).reshape(6, 6)] * 5)[..., None].astype(np.float32)
    y = layers.RandomCrop(2, 2, seed=3)(x, training=True).numpy()
    assert all(np.array_equal(y[0], y[i]) for i in range(5))


# ------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("cls", "kwargs", "match"), [
    (layers.RandomRotation, {"factor": 1.5}, r"RandomRotation .*`factor`.*factor=1.5"),
    (layers.RandomRotation, {"factor": (0.1, 2.0)}, r"factor=\(0.1, 2.0\)"),
    (layers.RandomRotation, {"factor": (0.1, 0.2, 0.3)}, r"pair of numbers"),
    (layers.RandomRotation, {"factor": "big"}, r"factor='big'"),
    (layers.RandomRotation, {"factor": 0.1, "fill_mode": "mirror"}, r"fill_mode='mirror'"),
    (layers.RandomRotation, {"factor": 0.1, "interpolation": "bicubic"},
     r"interpolation='bicubic'"),
    (layers.RandomZoom, {"height_factor": -1.2}, r"RandomZoom .*height_factor=-1.2"),
    (layers.RandomZoom, {"height_factor": 0.1, "width_factor": 3}, r"width_factor=3"),
    (layers.RandomTranslation, {"height_factor": 0.1, "width_factor": float("nan")},
     r"width_factor=nan"),
    (layers.RandomBrightness, {"factor": 1.01}, r"RandomBrightness .*factor=1.01"),
    (layers.RandomBrightness, {"factor": 0.1, "value_range": 255}, r"value_range=255"),
    (layers.RandomContrast, {"factor": -0.1}, r"RandomContrast .*\[0, 1\].*factor=-0.1"),
    (layers.RandomContrast, {"factor": (0.1, 1.5)}, r"factor=\(0.1, 1.5\)"),
    (layers.RandomFlip, {"mode": "diagonal"}, r"RandomFlip .*mode='diagonal'"),
    (layers.RandomCrop, {"height": -2, "width": 3}, r"RandomCrop .*height=-2"),
    (layers.RandomCrop, {"height": 2, "width": 0}, r"width=0"),
    (layers.RandomCrop, {"height": 2.5, "width": 2}, r"height=2.5"),
    (layers.RandomFlip, {"seed": -1}, r"RandomFlip .*seed=-1"),
    (layers.RandomFlip, {"data_format": "channels_first"}, r"channels-last.*transpose"),
])
def test_bad_arguments_name_the_layer_and_the_value(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


@pytest.mark.parametrize("cls_kwargs", [*RANDOM, (layers.RandomCrop, {"height": 2,
                                                                       "width": 2})],
                         ids=[*IDS, "RandomCrop"])
def test_wrong_rank_names_the_layer_and_the_shape(cls_kwargs):
    cls, kwargs = cls_kwargs
    layer = cls(**kwargs)
    with pytest.raises(ValueError, match=rf"{cls.__name__} .*rank 3.*or 4.*\(2, 5\)"):
        layer(np.zeros((2, 5), np.float32), training=True)


# ------------------------------------------------------------------------------- saving
def _augmenting_model():
    return ember.Sequential([
        layers.Input((8, 8, 1)), layers.RandomFlip("horizontal", seed=1),
        layers.RandomRotation(0.05, fill_mode="nearest", seed=2), layers.RandomZoom(0.1, seed=3),
        layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=4),
        layers.RandomContrast(0.2, value_range=(0, 1), seed=5),
        layers.RandomBrightness(0.05, value_range=(0, 1), seed=6),
        layers.Flatten(), layers.Dense(10, activation="softmax")])


def test_config_round_trip_and_model_save_load(tmp_path):
    model = _augmenting_model()
    x = _images((5, 8, 8, 1))
    path = tmp_path / "augment.ember"
    model.save(path)
    loaded = ember.saving.load_model(path)
    assert [type(a).__name__ for a in loaded.layers] == [type(a).__name__ for a in model.layers]
    for a, b in zip(model.layers, loaded.layers):
        assert a.get_config() == b.get_config()
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    for cls, kwargs in RANDOM:
        layer = cls(**kwargs)
        again = layers.deserialize(layers.serialize(layer))
        assert type(again) is cls and again.get_config() == layer.get_config()


def _digits():
    (x, y), (xt, yt) = ember.datasets.digits.load_data()
    prep = (lambda a: (a / 16.0).astype(np.float32).reshape(-1, 8, 8, 1))
    return prep(x), y, prep(xt), yt


def _train(model, x, y, epochs):
    model.compile(optimizer=ember.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    return model.fit(x, y, batch_size=64, epochs=epochs, verbose=0)


def test_augmented_model_trains_on_digits_and_predict_ignores_augmentation():
    x, y, xt, yt = _digits()
    ember.utils.set_random_seed(0)
    model = ember.Sequential([  # mild: one pixel of an 8x8 digit is 12.5% of its size
        layers.Input((8, 8, 1)), layers.RandomRotation(0.02, fill_mode="constant", seed=2),
        layers.RandomZoom(0.05, fill_mode="constant", seed=3),
        layers.RandomTranslation(0.05, 0.05, fill_mode="constant", seed=4),
        layers.RandomContrast(0.2, value_range=(0, 1), seed=5),
        layers.RandomBrightness(0.05, value_range=(0, 1), seed=6),
        layers.Flatten(), layers.Dense(32, activation="relu"),
        layers.Dense(10, activation="softmax")])
    loss = _train(model, x, y, epochs=8).history["loss"]
    assert loss[-1] < 0.3 * loss[0]  # seen: 1.88 -> 0.26
    accuracy = float(np.mean(np.argmax(model.predict(xt, verbose=0), axis=1) == yt))
    assert accuracy > 0.85  # seen: 0.925
    # predict (training=False) skips every augmentation: the same as the bare MLP
    bare = ember.Sequential([layers.Input((8, 8, 1)), layers.Flatten(),
                             layers.Dense(32, activation="relu"),
                             layers.Dense(10, activation="softmax")])
    bare.set_weights(model.get_weights())
    np.testing.assert_allclose(model.predict(xt, verbose=0), bare.predict(xt, verbose=0),
                               rtol=1e-6)
    np.testing.assert_array_equal(model.predict(xt, verbose=0), model.predict(xt, verbose=0))


def test_fit_with_augmentation_repeats_bit_for_bit():
    x, y, _, _ = _digits()
    x, y = x[:256], y[:256]

    def run(augment):
        ember.utils.set_random_seed(3)
        aug = [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1),
               layers.RandomBrightness(0.1, value_range=(0, 1))]
        no_op = [layers.RandomBrightness((0.0, 0.0), value_range=(0, 1))]  # draws, adds 0
        model = ember.Sequential([
            layers.Input((8, 8, 1)), *{"yes": aug, "no-op": no_op, "no": []}[augment],
            layers.Flatten(), layers.Dense(10, activation="softmax")])
        _train(model, x, y, epochs=2)
        return model.get_weights()

    first, second, plain, no_op = run("yes"), run("yes"), run("no"), run("no-op")
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    # the same seed gives the same initial weights and shuffling (the no-op layer proves it),
    # so the difference is the augmentation, active in fit
    for a, b in zip(no_op, plain):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], plain[0])


class _StopAfter(ember.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        self.seen = getattr(self, "seen", 0) + 1
        if self.seen == 9:
            raise KeyboardInterrupt("simulated crash")


def test_backup_and_restore_resumes_the_augmentation_draws_bit_for_bit(tmp_path):
    x, y, _, _ = _digits()
    x, y = x[:192], y[:192]

    def build():
        model = ember.Sequential([
            layers.Input((8, 8, 1)), layers.RandomRotation(0.05, seed=1),  # own generator
            layers.RandomTranslation(0.1, 0.1),  # ember's global generator
            layers.Flatten(), layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return model

    fit = {"batch_size": 32, "epochs": 3, "verbose": 0}
    ember.utils.set_random_seed(0)
    ref = build()
    ref.fit(x, y, **fit)
    ember.utils.set_random_seed(0)
    model = build()
    backup = ember.callbacks.BackupAndRestore(tmp_path / "b", save_freq=4)
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, **fit, callbacks=[backup, _StopAfter()])
    ember.utils.set_random_seed(5)  # the resumed run must not depend on the seed any more
    model.layers[0].generator.random()  # nor on draws made since the checkpoint
    model.fit(x, y, **fit, callbacks=[backup])
    for a, b in zip(model.get_weights(), ref.get_weights()):
        np.testing.assert_array_equal(a, b)
