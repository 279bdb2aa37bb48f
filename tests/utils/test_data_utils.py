"""ember.utils' data functions with Keras' arguments, defaults and rules, on small folders
and arrays built in tmp_path."""

import os
import sys

import numpy as np
import pytest

import ember
from ember.utils import (
    array_to_img,
    image_dataset_from_directory,
    img_to_array,
    load_img,
    save_img,
    split_dataset,
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)

COLOURS = {"cats": (250, 10, 10), "dogs": (10, 10, 250), "fish": (10, 250, 10)}


def keras_utils():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras").utils


@pytest.fixture
def image_dir(tmp_path):
    pytest.importorskip("PIL")
    from PIL import Image

    sizes = [(20, 12), (9, 16), (14, 14), (30, 10)]
    for c, (name, colour) in enumerate(COLOURS.items()):
        os.makedirs(tmp_path / name / "sub")
        for i in range(4 + c):
            w, h = sizes[i % 4]
            img = Image.new("RGB", (w, h), colour)
            folder = tmp_path / name / ("sub" if i == 0 else "")
            img.save(folder / f"img_{i}.{'png' if i % 2 else 'jpg'}", quality=100)
    (tmp_path / "cats" / "notes.txt").write_text("not an image")
    (tmp_path / ".hidden").mkdir()
    return tmp_path


def test_image_dataset_from_directory_defaults_and_labels(image_dir, capsys):
    ds = image_dataset_from_directory(image_dir, image_size=(8, 6), batch_size=5, seed=1)
    assert "Found 15 files belonging to 3 classes." in capsys.readouterr().out
    assert ds.class_names == ["cats", "dogs", "fish"] and len(ds.file_paths) == 15
    images, labels = [], []
    for x, y in ds:
        assert x.dtype == np.float32 and x.shape[1:] == (8, 6, 3) and y.dtype == np.int32
        images.append(x)
        labels.append(y)
    images, labels = np.concatenate(images), np.concatenate(labels)
    assert np.bincount(labels).tolist() == [4, 5, 6]
    dominant = np.argmax(images.mean(axis=(1, 2)), axis=1)  # red, blue, green by class
    assert np.array_equal(dominant, np.array([0, 2, 1])[labels])
    assert images.max() <= 255.0 and images.max() > 200
    x, y = next(iter(image_dataset_from_directory(
        image_dir, label_mode="categorical", color_mode="grayscale", image_size=5,
        batch_size=4, shuffle=False, verbose=False)))
    assert x.shape == (4, 5, 5, 1) and y.shape == (4, 3) and y.dtype == np.float32
    assert y[:, 0].tolist() == [1.0] * 4  # unshuffled: the cats first
    two = image_dataset_from_directory(image_dir, label_mode="binary", class_names=["dogs",
                                       "cats"], image_size=(4, 4), verbose=False, seed=3)
    x, y = next(iter(two))
    assert two.class_names == ["dogs", "cats"] and y.shape == (9, 1)
    only = image_dataset_from_directory(image_dir, labels=None, image_size=(4, 4),
                                        batch_size=None, verbose=False, shuffle=False)
    first = next(iter(only))
    assert isinstance(first, np.ndarray) and first.shape == (4, 4, 3)
    chw = image_dataset_from_directory(image_dir, image_size=(4, 6), data_format=
                                       "channels_first", verbose=False, seed=0)
    assert next(iter(chw))[0].shape[1:] == (3, 4, 6)


def test_image_validation_split_both_is_a_partition(image_dir):
    train, val = image_dataset_from_directory(image_dir, validation_split=0.2, subset="both",
                                              seed=7, image_size=(4, 4), verbose=False)
    assert len(val.file_paths) == int(0.2 * 15) and len(train.file_paths) == 12
    assert not set(train.file_paths) & set(val.file_paths)
    again = image_dataset_from_directory(image_dir, validation_split=0.2, subset="validation",
                                         seed=7, image_size=(4, 4), verbose=False)
    assert again.file_paths == val.file_paths
    with pytest.raises(ValueError, match="you must provide a `seed`"):
        image_dataset_from_directory(image_dir, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="If `subset` is set"):
        image_dataset_from_directory(image_dir, subset="training")
    with pytest.raises(ValueError, match="exactly 2"):
        image_dataset_from_directory(image_dir, label_mode="binary")
    with pytest.raises(ValueError, match="`color_mode` must be one of"):
        image_dataset_from_directory(image_dir, color_mode="cmyk")
    with pytest.raises(ValueError, match="did not match"):
        image_dataset_from_directory(image_dir, class_names=["birds"])


def test_image_crop_pad_and_interpolation(image_dir):
    for kwargs in ({"crop_to_aspect_ratio": True}, {"pad_to_aspect_ratio": True},
                   {"interpolation": "nearest"}, {"interpolation": "area"}):
        x, _ = next(iter(image_dataset_from_directory(image_dir, image_size=(10, 10),
                                                      verbose=False, seed=0, **kwargs)))
        assert x.shape[1:] == (10, 10, 3)
    x = next(iter(image_dataset_from_directory(image_dir / "cats", labels=None,
                                               image_size=(10, 10), pad_to_aspect_ratio=True,
                                               shuffle=False, verbose=False)))
    # sorted walk: img_1 (9x16), img_2, img_3 (30x10, wide: 10x3 after scaling, zero rows
    # above and below), then sub/img_0
    assert x[2, 0].max() == 0 and x[2, 9].max() == 0 and x[2, 4, :, 0].min() > 200
    with pytest.raises(ValueError, match="interpolation"):
        image_dataset_from_directory(image_dir, interpolation="cubic-ish")


def test_explicit_labels_follow_sorted_paths(image_dir):
    labels = list(range(15))
    ds = image_dataset_from_directory(image_dir, labels=labels, shuffle=False,
                                      image_size=(3, 3), verbose=False, batch_size=100)
    assert ds.file_paths == sorted(ds.file_paths, key=lambda p: os.path.relpath(p, image_dir))
    assert next(iter(ds))[1].tolist() == labels
    with pytest.raises(ValueError, match="lengths of `labels`"):
        image_dataset_from_directory(image_dir, labels=[0, 1], verbose=False)


def test_image_files_round_trip_and_keras_parity(tmp_path):
    pytest.importorskip("PIL")
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, size=(6, 8, 3)).astype(np.float32)
    save_img(tmp_path / "a.png", x, scale=False)
    img = load_img(tmp_path / "a.png")
    assert img.size == (8, 6) and img.mode == "RGB"
    np.testing.assert_array_equal(img_to_array(img), x.astype(np.uint8).astype(np.float32))
    assert img_to_array(load_img(tmp_path / "a.png", color_mode="grayscale")).shape == (6, 8, 1)
    assert load_img(tmp_path / "a.png", target_size=(3, 4), keep_aspect_ratio=True).size == (4, 3)
    scaled = img_to_array(array_to_img(x / 255.0))
    assert scaled.min() == 0 and scaled.max() == 255
    assert img_to_array(img, data_format="channels_first").shape == (3, 6, 8)
    with pytest.warns(UserWarning, match="RGBA"):
        save_img(tmp_path / "b.jpg", np.ones((4, 4, 4)))
    ku = keras_utils()
    for kwargs in ({}, {"color_mode": "grayscale"}, {"target_size": (3, 5)},
                   {"target_size": (4, 4), "interpolation": "bilinear",
                    "keep_aspect_ratio": True}):
        np.testing.assert_array_equal(img_to_array(load_img(tmp_path / "a.png", **kwargs)),
                                      ku.img_to_array(ku.load_img(tmp_path / "a.png", **kwargs)))
    np.testing.assert_array_equal(img_to_array(array_to_img(x)),
                                  ku.img_to_array(ku.array_to_img(x)))


def test_pillow_missing_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install pillow"):
        load_img(tmp_path / "x.png")


@pytest.fixture
def text_dir(tmp_path):
    for label, words in (("neg", "bad awful"), ("pos", "good great")):
        os.makedirs(tmp_path / label)
        for i in range(5):
            (tmp_path / label / f"{i}.txt").write_text(f"{words} number {i} é", encoding="utf-8")
    (tmp_path / "pos" / "skip.md").write_text("ignored")
    return tmp_path


def test_text_dataset_from_directory(text_dir, capsys):
    ds = text_dataset_from_directory(text_dir, batch_size=4, seed=2)
    assert "Found 10 files belonging to 2 classes." in capsys.readouterr().out
    texts, labels = zip(*ds)
    texts, labels = np.concatenate(texts), np.concatenate(labels)
    assert texts.dtype.kind == "U" and len(texts) == 10 and ds.class_names == ["neg", "pos"]
    for text, label in zip(texts, labels):
        assert ("good" in text) == (label == 1) and text.endswith("é")
    short = text_dataset_from_directory(text_dir, max_length=3, label_mode="binary",
                                        shuffle=False, verbose=False)
    texts, labels = next(iter(short))
    assert texts.tolist()[:1] == ["bad"] and labels.shape == (10, 1)
    train, val = text_dataset_from_directory(text_dir, validation_split=0.3, subset="both",
                                             seed=1, verbose=False)
    assert len(train.file_paths) == 7 and len(val.file_paths) == 3
    single = next(iter(text_dataset_from_directory(text_dir, labels=None, batch_size=None,
                                                   verbose=False)))
    assert np.ndim(single) == 0 and "number" in str(single)  # one text, as a scalar


def test_timeseries_windows_as_keras_documents():
    data = np.arange(99)
    ds = timeseries_dataset_from_array(data, None, sequence_length=10, sampling_rate=2,
                                       sequence_stride=3, batch_size=1000)
    windows = next(iter(ds))
    assert windows[0].tolist() == list(range(0, 20, 2))
    assert windows[1].tolist() == list(range(3, 23, 2))
    assert windows[-1].tolist() == list(range(78, 98, 2))
    # Example 2: the past 10 steps predict the next
    ds = timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10, batch_size=7)
    inputs, targets = next(iter(ds))
    assert inputs[0].tolist() == list(range(10)) and targets[0] == 10 and len(inputs) == 7
    assert sum(len(b[0]) for b in ds) == 80
    ds = timeseries_dataset_from_array(data, data, sequence_length=5, start_index=10,
                                       end_index=30, batch_size=None)
    first = next(iter(ds))
    assert first[0].tolist() == list(range(10, 15)) and first[1] == 10
    assert len(list(ds)) == 16
    a = [b[1].tolist() for b in timeseries_dataset_from_array(data, data, 4, shuffle=True,
                                                              seed=3, batch_size=200)]
    assert sorted(a[0]) == list(range(96)) and a[0] != list(range(96))
    with pytest.raises(ValueError, match="`start_index` must be lower"):
        timeseries_dataset_from_array(data, None, 4, start_index=99)
    with pytest.raises(ValueError, match="`sampling_rate` must be higher than 0"):
        timeseries_dataset_from_array(data, None, 4, sampling_rate=0)


def test_split_dataset_rules():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    left, right = split_dataset((x, y), left_size=0.7)
    assert len(left) == 7 and len(right) == 3
    assert [int(b) for _, b in right] == [7, 8, 9]
    left, right = split_dataset((x, y), right_size=2, shuffle=True, seed=0)
    assert len(left) == 8 and sorted(int(b) for _, b in list(left) + list(right)) == list(
        range(10))
    left, right = split_dataset(ember.data.Dataset.from_tensor_slices({"a": x, "b": y}),
                                left_size=4, right_size=3)
    assert len(left) == 4 and len(right) == 3 and set(next(iter(right))) == {"a", "b"}
    with pytest.raises(ValueError, match="At least one"):
        split_dataset(x)
    with pytest.raises(ValueError, match="should be either a positive integer"):
        split_dataset(x, left_size=1.5)
    with pytest.raises(TypeError, match="invalid `left_size` type"):
        split_dataset(x, left_size="half")
    with pytest.raises(ValueError, match="greater than 1"):
        split_dataset(x, left_size=0.6, right_size=0.6)


def test_split_dataset_of_a_torch_dataset():
    torch = pytest.importorskip("torch")
    from torch.utils.data import TensorDataset

    ds = TensorDataset(torch.arange(10.0).reshape(5, 2), torch.arange(5))
    left, right = split_dataset(ds, left_size=3)
    assert [b.tolist() for _, b in right] == [3, 4]
