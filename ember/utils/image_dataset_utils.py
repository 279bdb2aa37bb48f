"""Keras' `image_dataset_from_directory`: a folder of images (one subfolder per class) as an
ember `Dataset` of `(images, labels)` batches, read from disk one batch at a time.

Images are decoded with Pillow (optional: `pip install pillow`), converted to the colour
mode, optionally cropped or padded to the target aspect ratio, resized to `image_size`, and
yielded as float32 `(batch, height, width, channels)` arrays with values in [0, 255], as
Keras.
"""

import numpy as np

from ember import config
from ember.utils import dataset_utils
from ember.utils.image_utils import crop_box, pil_image, resample_method

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                   "gaussian", "mitchellcubic")
_MODES = {"rgb": ("RGB", 3), "rgba": ("RGBA", 4), "grayscale": ("L", 1)}


def load_images(paths, image_size, color_mode, interpolation, crop_to_aspect_ratio,
                pad_to_aspect_ratio, data_format):
    """The images at `paths` as one float32 batch."""
    image = pil_image()
    mode, channels = _MODES[color_mode]
    height, width = image_size
    resample = resample_method(interpolation, "image_dataset_from_directory")
    out = np.zeros((len(paths), height, width, channels), dtype=np.float32)
    for i, path in enumerate(paths):
        with image.open(str(path)) as img:
            img = img.convert(mode)
            if crop_to_aspect_ratio:
                img = img.resize((width, height), resample,
                                 box=crop_box(img.size, (width, height)))
            elif pad_to_aspect_ratio:
                w, h = img.size
                scale = min(width / w, height / h)
                new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
                small = img.resize((new_w, new_h), resample)
                top, left = (height - new_h) // 2, (width - new_w) // 2
                out[i, top:top + new_h, left:left + new_w] = np.asarray(
                    small, dtype=np.float32).reshape(new_h, new_w, channels)
                continue
            elif img.size != (width, height):
                img = img.resize((width, height), resample)
            out[i] = np.asarray(img, dtype=np.float32).reshape(height, width, channels)
    if data_format == "channels_first":
        out = out.transpose(0, 3, 1, 2)
    return out


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, verbose=True):
    """An ember `Dataset` of image batches from a directory (Keras 3's arguments).

    Args:
        directory: a folder with one subfolder per class (for `labels="inferred"`), or
            the images themselves.
        labels: "inferred" (from the subfolders, classes in alphanumeric order), None (no
            labels), or a list/tuple of integer labels, one per image file in the sorted
            order of the paths.
        label_mode: "int" (int32), "categorical" (one-hot float32), "binary" (float32 of
            shape (batch, 1), two classes), or None (no labels).
        class_names: with "inferred": the subfolders to use, in this order.
        color_mode: "rgb" (3 channels), "rgba" (4) or "grayscale" (1).
        batch_size: defaults to 32; None yields single images.
        image_size: `(height, width)` to resize to. Defaults to (256, 256).
        shuffle: shuffle the files (and each epoch's order). Defaults to True.
        seed: the shuffling seed; required with `validation_split` and shuffling.
        validation_split: the fraction held out for validation.
        subset: "training", "validation" or "both" (returns `[train, val]`).
        interpolation: "bilinear" (default), "nearest", "bicubic", "area", "lanczos3",
            "lanczos5", "gaussian", "mitchellcubic" (the last two use Pillow's bicubic).
        follow_links: follow symbolic links to subfolders. Defaults to False.
        crop_to_aspect_ratio: crop the centre to the target aspect ratio before resizing.
        pad_to_aspect_ratio: pad with zeros to the target aspect ratio instead.
        data_format: defaults to `ember.config.image_data_format()`.
        verbose: print the number of files and classes found.

    Returns:
        A `Dataset` (with `class_names` and `file_paths` attributes) yielding
        `(images, labels)`, or `images` alone without labels; a list of two for "both".
    """
    dataset_utils.check_labels_arguments(labels, label_mode, class_names, "image")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if color_mode not in _MODES:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
                         f"Received: color_mode={color_mode}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, list | tuple) or len(image_size) != 2:
        raise ValueError("Invalid `image_size` value. Expected a tuple of 2 integers. "
                         f"Received: image_size={image_size}")
    interpolation = interpolation.lower()
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"Argument `interpolation` should be one of {_INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be "
                         "set to `True`.")
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    seed = dataset_utils.default_seed(seed)
    paths, labels, class_names = dataset_utils.index_directory(
        directory, labels, ALLOWLIST_FORMATS, class_names, shuffle, seed, follow_links,
        verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    data_format = data_format or config.image_data_format()
    num_classes = len(class_names) if class_names else 0

    def load(batch_paths):
        return load_images(batch_paths, tuple(int(v) for v in image_size), color_mode,
                           interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio,
                           data_format)

    def build(subset_name, shuffled):
        part_paths, part_labels = dataset_utils.training_or_validation_split(
            paths, labels, validation_split, subset_name, verbose)
        if not part_paths:
            what = {"training": "training images", "validation": "validation images"}.get(
                subset_name, "images")
            raise ValueError(f"No {what} found in directory {directory}. Allowed formats: "
                             f"{ALLOWLIST_FORMATS}")
        ds = dataset_utils.labelled_dataset(part_paths, part_labels, load, label_mode,
                                            num_classes, batch_size, shuffled, seed)
        ds.class_names, ds.file_paths = class_names, list(part_paths)
        return ds

    if subset == "both":
        return [build("training", shuffle), build("validation", False)]
    return build(subset, shuffle)
