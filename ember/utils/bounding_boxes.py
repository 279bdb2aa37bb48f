"""Bounding-box utilities (Keras' `keras.utils.bounding_boxes`), in NumPy.

Formats (case-insensitive): "xyxy" [left, top, right, bottom], "yxyx", "xywh" [left, top,
width, height], "center_xywh", "center_yxhw", and the relative "rel_xyxy", "rel_yxyx",
"rel_xywh", "rel_center_xywh" (coordinates divided by the image width and height). Boxes are
arrays whose last axis has 4 entries; a dict `{"boxes": ..., "labels": ...}` is accepted where
Keras accepts one. Results are NumPy arrays (float32 unless `dtype` says otherwise), with
Keras' formulas (its `epsilon()` where it adds one).

>>> boxes = np.array([[10, 20, 30, 40], [50, 60, 70, 80]])
>>> convert_format(boxes, source="xyxy", target="xywh").tolist()
[[10.0, 20.0, 20.0, 20.0], [50.0, 60.0, 20.0, 20.0]]
>>> iou = compute_iou(np.array([[0, 0, 2, 2]]), np.array([[1, 1, 3, 3]]), "xyxy")
>>> iou.shape, round(float(iou[0, 0]), 4)  # 1 / (4 + 4 - 1)
((1, 1), 0.1429)
"""

import math

import numpy as np

from ember import config

SUPPORTED_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy",
                     "rel_yxyx", "rel_xywh", "rel_center_xywh")


def _split(boxes):
    return [boxes[..., i:i + 1] for i in range(4)]


def _cat(parts):
    return np.concatenate(parts, axis=-1)


def _to_xyxy(boxes, source, height, width):
    a, b, c, d = _split(boxes)
    if source == "xyxy":
        return boxes
    if source == "yxyx":
        return _cat([b, a, d, c])
    if source == "xywh":
        return _cat([a, b, a + c, b + d])
    if source == "center_xywh":
        return _cat([a - c / 2.0, b - d / 2.0, a + c / 2.0, b + d / 2.0])
    if source == "center_yxhw":  # cy, cx, h, w
        return _cat([b - d / 2.0, a - c / 2.0, b + d / 2.0, a + c / 2.0])
    if source == "rel_xyxy":
        return _cat([a * width, b * height, c * width, d * height])
    if source == "rel_yxyx":
        return _cat([b * width, a * height, d * width, c * height])
    if source == "rel_xywh":
        return _cat([a * width, b * height, (a + c) * width, (b + d) * height])
    # rel_center_xywh
    return _cat([(a - c / 2.0) * width, (b - d / 2.0) * height, (a + c / 2.0) * width,
                 (b + d / 2.0) * height])


def _from_xyxy(boxes, target, height, width):
    x1, y1, x2, y2 = _split(boxes)
    w, h = x2 - x1, y2 - y1
    cx, cy = x1 + w / 2.0, y1 + h / 2.0
    out = {"xyxy": lambda: boxes, "yxyx": lambda: _cat([y1, x1, y2, x2]),
           "xywh": lambda: _cat([x1, y1, w, h]), "center_xywh": lambda: _cat([cx, cy, w, h]),
           "center_yxhw": lambda: _cat([cy, cx, h, w]),
           "rel_xyxy": lambda: _cat([x1 / width, y1 / height, x2 / width, y2 / height]),
           "rel_yxyx": lambda: _cat([y1 / height, x1 / width, y2 / height, x2 / width]),
           "rel_xywh": lambda: _cat([x1 / width, y1 / height, w / width, h / height]),
           "rel_center_xywh": lambda: _cat([cx / width, cy / height, w / width, h / height])}
    return out[target]()


def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """Boxes converted from format `source` to `target` (see the module docstring).

    Args:
        boxes: an array (..., 4), or a dict whose "boxes" is converted (in place, as Keras).
        source, target: format names.
        height, width: the image size, needed when either format is relative.
        dtype: the result's dtype. Defaults to "float32".

    Raises:
        ValueError: unknown formats, a last axis that is not 4, or a missing image size.
    """
    if isinstance(boxes, dict):
        boxes["boxes"] = convert_format(boxes["boxes"], source, target, height, width, dtype)
        return boxes
    boxes = np.asarray(boxes)
    if boxes.ndim == 0 or boxes.shape[-1] != 4:
        raise ValueError("`boxes` must be a tensor with the last dimension of 4. Received: "
                         f"boxes.shape={boxes.shape}")
    source, target = str(source).lower(), str(target).lower()
    if source not in SUPPORTED_FORMATS or target not in SUPPORTED_FORMATS:
        raise ValueError(f"Invalid source or target format (received source={source!r}, "
                         f"target={target!r}). Supported formats: {SUPPORTED_FORMATS}")
    if (source.startswith("rel_") or target.startswith("rel_")) and (
            width is None or height is None):
        raise ValueError("convert_format() must receive `height` and `width` transforming "
                         f"between relative and absolute formats; received source={source!r}, "
                         f"target={target!r}, height={height}, width={width}")
    boxes = boxes.astype(dtype)
    if source == target:
        return boxes
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    if width is not None:
        width, height = np.asarray(width, dtype), np.asarray(height, dtype)
    return _from_xyxy(_to_xyxy(boxes, source, height, width), target, height,
                      width).astype(dtype)


def clip_to_image_size(bounding_boxes, height=None, width=None, bounding_box_format="xyxy"):
    """`{"boxes", "labels"}` with boxes clipped to the image; labels of boxes left with no
    area become -1. Formats "xyxy" (needs height and width) and "rel_xyxy".

    >>> out = clip_to_image_size({"boxes": np.array([[-10, -20, 150, 160], [50, 40, 70, 80]]),
    ...                           "labels": np.array([0, 1])}, height=100, width=120)
    >>> out["boxes"].tolist(), out["labels"].tolist()
    ([[0, 0, 120, 100], [50, 40, 70, 80]], [0, 1])
    """
    if bounding_box_format not in ("xyxy", "rel_xyxy"):
        raise NotImplementedError(f"clip_to_image_size: only 'xyxy' and 'rel_xyxy' are "
                                  f"supported (as Keras); received {bounding_box_format!r}")
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError("`height` and `width` must be set if `format='xyxy'`.")
    boxes = np.asarray(bounding_boxes["boxes"])
    labels = bounding_boxes.get("labels")
    hi_x, hi_y = (width, height) if bounding_box_format == "xyxy" else (1.0, 1.0)
    x1, y1, x2, y2 = _split(boxes)
    boxes = _cat([np.clip(x1, 0, hi_x), np.clip(y1, 0, hi_y), np.clip(x2, 0, hi_x),
                  np.clip(y2, 0, hi_y)]).astype(boxes.dtype)
    result = dict(bounding_boxes)
    result["boxes"] = boxes
    if labels is not None:
        area = ((boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1]))
        result["labels"] = np.where(area > 0, labels, -1)
    return result


def _inverse_affine_matrix(center_x, center_y, angle, translate_x, translate_y, scale,
                           shear_x, shear_y, height, width):
    """Keras' (batch, 3, 3) inverse affine matrices (angles in degrees)."""
    angle = np.asarray(angle, config.floatx())
    angle, shear_x, shear_y = -angle, -np.asarray(shear_x), -np.asarray(shear_y)
    cx, cy = center_x * (width - 1), center_y * (height - 1)
    rot = angle * (math.pi / 180.0)
    tx, ty = -np.asarray(translate_x) * (width - 1), -np.asarray(translate_y) * (height - 1)
    sx, sy = shear_x * (math.pi / 180.0), shear_y * (math.pi / 180.0)
    a = np.cos(rot - sy) / np.cos(sy)
    b = a * np.tan(sx) + np.sin(rot)
    c = -np.sin(rot - sy) / np.cos(sy)
    d = np.cos(rot) - c * np.tan(sx)
    a0, a1, b0, b1 = d * scale, -b * scale, -c * scale, a * scale
    a2 = cx - a0 * (cx + tx) - a1 * (cy + ty)
    b2 = cy - b0 * (cx + tx) - b1 * (cy + ty)
    zeros, ones = np.zeros_like(angle), np.ones_like(angle)
    rows = [a0, a1, a2, b0, b1, b2, zeros, zeros, ones]
    rows = [np.broadcast_to(np.asarray(r, angle.dtype), angle.shape) for r in rows]
    return np.stack(rows, axis=-1).reshape(-1, 3, 3)


def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x, shear_y, height,
                     width, center_x=None, center_y=None, bounding_box_format="xyxy"):
    """Boxes (batch, N, 4) "xyxy" moved by the per-image affine transforms Keras' random
    affine layers apply (angle and shears in degrees, translations as fractions of the image):
    each box's four corners are transformed and their bounding box returned."""
    if bounding_box_format != "xyxy":
        raise NotImplementedError(f"affine_transform: only 'xyxy' is supported (as Keras); "
                                  f"received {bounding_box_format!r}")
    boxes = np.asarray(boxes)
    batch, n = boxes.shape[0], boxes.shape[1]
    matrix = _inverse_affine_matrix(0.5 if center_x is None else center_x,
                                    0.5 if center_y is None else center_y, angle, translate_x,
                                    translate_y, scale, shear_x, shear_y, height, width)
    b = boxes.astype(matrix.dtype)
    points = np.stack([b[..., 0], b[..., 1], b[..., 2], b[..., 1], b[..., 2], b[..., 3],
                       b[..., 0], b[..., 3]], axis=-1).reshape(batch, n, 4, 2)
    points = np.concatenate([points, np.ones((batch, n, 4, 1), points.dtype)], axis=-1)
    moved = np.einsum("bnxy,byz->bnxz", points, np.transpose(matrix[:, :2, :], (0, 2, 1)))
    return np.concatenate([moved.min(axis=2), moved.max(axis=2)], axis=-1)


def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """"xyxy" boxes in the frame of the crop at (top, left) of size (height, width), clipped.

    >>> crop(np.array([[10.0, 10.0, 50.0, 50.0]]), top=20, left=5, height=20, width=30).tolist()
    [[5.0, 0.0, 30.0, 20.0]]
    """
    if bounding_box_format != "xyxy":
        raise NotImplementedError(f"crop: only 'xyxy' is supported (as Keras); received "
                                  f"{bounding_box_format!r}")
    x1, y1, x2, y2 = _split(np.asarray(boxes))
    return _cat([np.clip(x1 - left, 0, width), np.clip(y1 - top, 0, height),
                 np.clip(x2 - left, 0, width), np.clip(y2 - top, 0, height)])


def pad(boxes, top, left, height=None, width=None, bounding_box_format="xyxy"):
    """"xyxy" boxes shifted by padding `top` rows and `left` columns."""
    if bounding_box_format != "xyxy":
        raise NotImplementedError(f"pad: only 'xyxy' is supported (as Keras); received "
                                  f"{bounding_box_format!r}")
    x1, y1, x2, y2 = _split(np.asarray(boxes))
    return _cat([x1 + left, y1 + top, x2 + left, y2 + top])


def _image_size(image_shape):
    return (None, None) if image_shape is None else (image_shape[0], image_shape[1])


def compute_iou(boxes1, boxes2, bounding_box_format, use_masking=False, mask_val=-1,
                image_shape=None):
    """Pairwise intersection over union: (N, M), or (batch, N, M) for batched boxes; with
    `use_masking`, pairs involving a box whose coordinates are all negative get `mask_val`."""
    boxes1, boxes2 = np.asarray(boxes1), np.asarray(boxes2)
    for name, b in (("boxes1", boxes1), ("boxes2", boxes2)):
        if b.ndim not in (2, 3):
            raise ValueError(f"compute_iou() expects {name} to be batched (rank 3) or "
                             f"unbatched (rank 2); received shape {b.shape}")
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError("When using relative bounding box formats (e.g. `rel_yxyx`) the "
                         "`image_shape` argument must be provided.")
    height, width = _image_size(image_shape)
    b1 = convert_format(boxes1, bounding_box_format, "yxyx", height, width)
    b2 = convert_format(boxes2, bounding_box_format, "yxyx", height, width)
    perm = (1, 0) if b2.ndim == 2 else (0, 2, 1)
    y1a, x1a, y2a, x2a = _split(b1)
    y1b, x1b, y2b, x2b = (np.transpose(p, perm) for p in _split(b2))
    inter = (np.maximum(0.0, np.minimum(y2a, y2b) - np.maximum(y1a, y1b))
             * np.maximum(0.0, np.minimum(x2a, x2b) - np.maximum(x1a, x1b)))
    area1 = ((b1[..., 2] - b1[..., 0]) * (b1[..., 3] - b1[..., 1]))[..., :, None]
    area2 = (b2[..., 2] - b2[..., 0]) * (b2[..., 3] - b2[..., 1])
    area2 = area2[:, None, :] if area2.ndim == 2 else area2[None, :]
    iou = inter / (area1 + area2 - inter + config.epsilon())
    if not use_masking:
        return iou.astype("float32")
    perm1 = (1, 0) if b1.ndim == 2 else (0, 2, 1)
    background = (b1.max(axis=-1, keepdims=True) < 0) | np.transpose(
        b2.max(axis=-1, keepdims=True) < 0, perm1)
    return np.where(background, np.float32(mask_val), iou).astype("float32")


def compute_ciou(boxes1, boxes2, bounding_box_format, image_shape=None):
    """Complete IoU of matching boxes (element-wise): IoU minus the normalised centre distance
    and the aspect-ratio term (Zheng et al. 2020), Keras' formula."""
    if "rel" in bounding_box_format:
        raise ValueError("compute_ciou: relative formats (e.g. 'rel_yxyx') are not supported "
                         "(as Keras); convert the boxes to absolute coordinates first")
    height, width = _image_size(image_shape)
    b1 = convert_format(boxes1, bounding_box_format, "xyxy", height, width)
    b2 = convert_format(boxes2, bounding_box_format, "xyxy", height, width)
    eps = config.epsilon()
    x1a, y1a, x2a, y2a = _split(b1)
    x1b, y1b, x2b, y2b = _split(b2)
    w1, h1 = x2a - x1a, y2a - y1a + eps
    w2, h2 = x2b - x1b, y2b - y1b + eps
    inter = (np.maximum(np.minimum(x2a, x2b) - np.maximum(x1a, x1b), 0)
             * np.maximum(np.minimum(y2a, y2b) - np.maximum(y1a, y1b), 0))
    union = w1 * h1 + w2 * h2 - inter + eps
    iou = (inter / (union + eps))[..., 0]
    diag = ((np.maximum(x2a, x2b) - np.minimum(x1a, x1b)) ** 2
            + (np.maximum(y2a, y2b) - np.minimum(y1a, y1b)) ** 2 + eps)[..., 0]
    dist = (((x1a + x2a) / 2 - (x1b + x2b) / 2) ** 2
            + ((y1a + y2a) / 2 - (y1b + y2b) / 2) ** 2)[..., 0]
    v = ((4 / math.pi ** 2) * (np.arctan(w2 / h2) - np.arctan(w1 / h1)) ** 2)[..., 0]
    alpha = v / (v - iou + (1 + eps))
    return (iou - (dist / diag + v * alpha)).astype("float32")


def _check_variance(variance):
    if variance is None:
        return None
    variance = np.asarray(variance, "float32")
    if variance.shape[-1] != 4:
        raise ValueError(f"`variance` must be length 4, got {variance.tolist()}")
    return variance


def encode_box_to_deltas(anchors, boxes, anchor_format, box_format,
                         encoding_format="center_yxhw", variance=None, image_shape=None):
    """Regression targets of `boxes` relative to `anchors`: centre offsets over anchor sizes
    and log size ratios (in `encoding_format` order), divided by `variance` if given."""
    variance = _check_variance(variance)
    if encoding_format not in ("center_xywh", "center_yxhw"):
        raise ValueError("`encoding_format` should be one of 'center_xywh' or 'center_yxhw', "
                         f"got {encoding_format!r}")
    height, width = _image_size(image_shape)
    a = convert_format(anchors, anchor_format, encoding_format, height, width)
    b = convert_format(boxes, box_format, encoding_format, height, width)
    a_dims = np.maximum(a[..., 2:], config.epsilon())
    b_dims = np.maximum(b[..., 2:], config.epsilon())
    delta = np.concatenate([(b[..., :2] - a[..., :2]) / a_dims, np.log(b_dims / a_dims)],
                           axis=-1)
    return delta / variance if variance is not None else delta


def decode_deltas_to_boxes(anchors, boxes_delta, anchor_format, box_format,
                           encoded_format="center_yxhw", variance=None, image_shape=None):
    """The inverse of `encode_box_to_deltas` (per pyramid level when both are dicts)."""
    variance = _check_variance(variance)
    if encoded_format not in ("center_xywh", "center_yxhw"):
        raise ValueError("`encoded_format` should be 'center_xywh' or 'center_yxhw', but got "
                         f"{encoded_format!r}.")
    height, width = _image_size(image_shape)

    def decode(anchor, delta):
        a = convert_format(anchor, anchor_format, encoded_format, height, width)
        delta = np.asarray(delta, "float32")
        if variance is not None:
            delta = delta * variance
        box = np.concatenate([delta[..., :2] * a[..., 2:] + a[..., :2],
                              np.exp(delta[..., 2:]) * a[..., 2:]], axis=-1)
        return convert_format(box, encoded_format, box_format, height, width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {level: decode(anchor, boxes_delta[level]) for level, anchor in anchors.items()}
    return decode(anchors, boxes_delta)
