"""ember.utils.bounding_boxes against Keras 3's keras.utils.bounding_boxes (same formulas)."""

import os

import numpy as np
import pytest

import ember
from ember.utils import bounding_boxes as bb

RNG = np.random.default_rng(0)


def _boxes(shape):
    xy = RNG.uniform(0, 50, shape + (2,))
    wh = RNG.uniform(1, 40, shape + (2,))
    return np.concatenate([xy, xy + wh], axis=-1).astype("float32")  # xyxy


@pytest.fixture(scope="module")
def kbb():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    return keras.utils.bounding_boxes, keras.ops.convert_to_numpy


def test_namespace_has_every_keras_name():
    for name in ("affine_transform", "clip_to_image_size", "compute_ciou", "compute_iou",
                 "convert_format", "crop", "decode_deltas_to_boxes", "encode_box_to_deltas",
                 "pad"):
        assert callable(getattr(ember.utils.bounding_boxes, name))


@pytest.mark.slow
@pytest.mark.parametrize("source", bb.SUPPORTED_FORMATS)
@pytest.mark.parametrize("target", bb.SUPPORTED_FORMATS)
def test_convert_format_matches_keras(kbb, source, target):
    k, np_ = kbb
    boxes = bb.convert_format(_boxes((2, 5)), "xyxy", source, height=90, width=120)
    ours = bb.convert_format(boxes, source, target, height=90, width=120)
    theirs = np_(k.convert_format(boxes.copy(), source, target, height=90, width=120))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-4)
    back = bb.convert_format(ours, target, source, height=90, width=120)
    np.testing.assert_allclose(back, boxes, rtol=1e-4, atol=1e-3)


def test_convert_format_errors():
    with pytest.raises(ValueError, match="last dimension of 4"):
        bb.convert_format(np.zeros((2, 3)), "xyxy", "xywh")
    with pytest.raises(ValueError, match="Invalid source or target"):
        bb.convert_format(np.zeros((2, 4)), "xyxy", "corners")
    with pytest.raises(ValueError, match="height"):
        bb.convert_format(np.zeros((2, 4)), "xyxy", "rel_xyxy")


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["xyxy", "yxyx", "center_xywh", "rel_xyxy"])
@pytest.mark.parametrize("batched", [False, True])
def test_compute_iou_matches_keras(kbb, fmt, batched):
    k, np_ = kbb
    shape1, shape2 = ((2, 4), (2, 6)) if batched else ((4,), (6,))
    b1 = bb.convert_format(_boxes(shape1), "xyxy", fmt, height=100, width=100)
    b2 = bb.convert_format(_boxes(shape2), "xyxy", fmt, height=100, width=100)
    b2[..., 0, :] = -1.0  # a padded (background) box
    for masking in (False, True):
        ours = bb.compute_iou(b1, b2, fmt, use_masking=masking, image_shape=(100, 100, 3))
        theirs = np_(k.compute_iou(b1, b2, fmt, use_masking=masking,
                                   image_shape=(100, 100, 3)))
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_compute_ciou_matches_keras(kbb):
    k, np_ = kbb
    b1, b2 = _boxes((3, 5)), _boxes((3, 5))
    np.testing.assert_allclose(bb.compute_ciou(b1, b2, "xyxy"),
                               np_(k.compute_ciou(b1, b2, "xyxy")), rtol=1e-4, atol=1e-5)
    same = bb.compute_ciou(b1, b1, "xyxy")
    np.testing.assert_allclose(same, 1.0, atol=1e-5)


@pytest.mark.slow
def test_clip_crop_pad_match_keras(kbb):
    k, np_ = kbb
    boxes = _boxes((6,)) - 10.0
    labels = np.arange(6)
    boxes[0] = [-20, -20, -5, -5]  # entirely outside: label -1
    ours = bb.clip_to_image_size({"boxes": boxes, "labels": labels}, height=40, width=45)
    theirs = k.clip_to_image_size({"boxes": boxes, "labels": labels}, height=40, width=45)
    np.testing.assert_allclose(ours["boxes"], np_(theirs["boxes"]), rtol=1e-6)
    np.testing.assert_array_equal(ours["labels"], np_(theirs["labels"]))
    assert ours["labels"][0] == -1
    np.testing.assert_allclose(bb.crop(boxes, 5, 7, 30, 35), np_(k.crop(boxes, 5, 7, 30, 35)),
                               rtol=1e-6)
    np.testing.assert_allclose(bb.pad(boxes, 5, 7), np_(k.pad(boxes, 5, 7)), rtol=1e-6)


@pytest.mark.slow
def test_affine_transform_matches_keras(kbb):
    k, np_ = kbb
    boxes = _boxes((2, 3))
    args = dict(angle=np.array([30.0, -10.0], "float32"),
                translate_x=np.array([0.1, 0.0], "float32"),
                translate_y=np.array([0.0, -0.2], "float32"),
                scale=np.array([1.0, 1.2], "float32"),
                shear_x=np.array([0.0, 5.0], "float32"),
                shear_y=np.array([3.0, 0.0], "float32"), height=100, width=120)
    ours = bb.affine_transform(boxes, **args)
    import torch

    theirs = np_(k.affine_transform(torch.tensor(boxes), **{
        key: torch.tensor(v) if isinstance(v, np.ndarray) else v for key, v in args.items()}))
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["center_yxhw", "center_xywh"])
def test_box_deltas_match_keras_and_round_trip(kbb, encoding):
    k, np_ = kbb
    anchors, boxes = _boxes((7,)), _boxes((2, 7))
    variance = [0.1, 0.1, 0.2, 0.2]
    ours = bb.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy", encoding, variance)
    theirs = np_(k.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy", encoding, variance))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    back = bb.decode_deltas_to_boxes(anchors, ours, "xyxy", "xyxy", encoding, variance)
    np.testing.assert_allclose(back, boxes, rtol=1e-4, atol=1e-3)
    levels = bb.decode_deltas_to_boxes({"p3": anchors}, {"p3": ours}, "xyxy", "xyxy", encoding,
                                       variance)
    np.testing.assert_allclose(levels["p3"], back)
    with pytest.raises(ValueError, match="variance"):
        bb.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy", encoding, [1.0, 1.0])
