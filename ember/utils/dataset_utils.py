"""Keras' dataset helpers: `split_dataset`, and the indexing and splitting shared by
`image_dataset_from_directory` and `text_dataset_from_directory`.

>>> import numpy as np
>>> left, right = split_dataset(np.arange(10), left_size=0.8)
>>> [int(v) for v in left], [int(v) for v in right]
([0, 1, 2, 3, 4, 5, 6, 7], [8, 9])
"""

import os

import numpy as np

from ember import tree
from ember.data.arrays import to_numpy
from ember.data.dataset import Dataset


def default_seed(seed):
    """`seed`, or one drawn from ember's global generator (`set_random_seed`)."""
    if seed is not None:
        return int(seed)
    from ember.utils.random import global_generator  # noqa: PLC0415

    return int(global_generator().integers(1_000_000))


# ------------------------------------------------------------------ split_dataset
def _as_samples(dataset):
    """`(structure, arrays)`: a dataset's samples as arrays with a first axis."""
    if isinstance(dataset, Dataset):
        elements = list(dataset)
        if not elements:
            raise ValueError("split_dataset: the dataset is empty")
        leaves = [tree.flatten(e) for e in elements]
        arrays = [np.stack(column) for column in zip(*leaves)]
        return elements[0], arrays
    if isinstance(dataset, list | tuple | dict) and not all(
            isinstance(v, int | float) for v in tree.flatten(dataset)):
        arrays = [to_numpy(a) for a in tree.flatten(dataset)]
        return dataset, arrays
    if hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__") and not hasattr(
            dataset, "shape") and not isinstance(dataset, list | tuple):
        elements = [tree.map_structure(to_numpy, dataset[i]) for i in range(len(dataset))]
        leaves = [tree.flatten(e) for e in elements]  # a torch map-style Dataset, ...
        return elements[0], [np.stack(column) for column in zip(*leaves)]
    try:
        return 0, [to_numpy(dataset)]
    except (TypeError, ValueError):
        raise TypeError("split_dataset: `dataset` must be an ember Dataset, an array, a "
                        "list/tuple of arrays with the same length, or a map-style dataset; "
                        f"received {type(dataset).__name__}") from None


def _rescale_sizes(left_size, right_size, total):
    """Keras' `_rescale_dataset_split_sizes`: fractions and counts to two counts."""
    for name, value in (("left_size", left_size), ("right_size", right_size)):
        if value is not None and type(value) not in (int, float):
            raise TypeError(f"split_dataset: invalid `{name}` type, expected int or float or "
                            f"None; received type({name})={type(value).__name__}")
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the "
                         "split sizes must be non-zero.")
    for name, value in (("left_size", left_size), ("right_size", right_size)):
        if (type(value) is int and not 0 < value < total) or (
                type(value) is float and not 0 < value < 1):
            raise ValueError(f"`{name}` should be either a positive integer smaller than "
                             f"{total}, or a float within the range `[0, 1]`. Received: "
                             f"{name}={value}")
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must "
                         "be less than or equal to 1.")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right} and "
                         f"total_length = {total}")
    for split, side in ((left, "left"), (right, "right")):
        if split == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and "
                             f"`right_size`={right}. Resulting {side} side dataset split will "
                             "be empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split a dataset into a left and a right half (Keras' `keras.utils.split_dataset`).

    Args:
        dataset: an ember `Dataset` of samples (not batched), an array, a list/tuple/dict
            of arrays with the same first dimension, or a map-style dataset (`__len__` and
            `__getitem__`, e.g. a torch Dataset).
        left_size: a float in (0, 1) (a fraction) or an int (a number of samples); None:
            the complement of `right_size`.
        right_size: likewise, for the right half.
        shuffle: shuffle the samples before splitting. Defaults to False.
        seed: the shuffle's seed.

    Returns:
        `(left, right)`: two ember Datasets of samples, in the structure of the input.
    """
    structure, arrays = _as_samples(dataset)
    total = len(arrays[0])
    left, right = _rescale_sizes(left_size, right_size, total)
    order = np.arange(total)
    if shuffle:
        order = np.random.default_rng(default_seed(seed)).permutation(total)
    take = lambda index: tree.pack_sequence_as(structure, [a[index] for a in arrays])  # noqa: E731
    return (Dataset.from_tensor_slices(take(order[:left])),
            Dataset.from_tensor_slices(take(order[total - right:])))


# ------------------------------------------------------------------ directories
def check_validation_split_arg(validation_split, subset, shuffle, seed):
    """Keras' checks of `validation_split`, `subset`, `shuffle` and `seed`."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", '
                         f"received: {subset}")
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide "
                         "a `seed` argument, to make sure that there is no overlap between the "
                         "training and validation subset.")


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """`(file_paths, labels, class_names)` of the files under `directory` whose names end
    with one of `formats`; with `labels="inferred"` each subfolder is a class (sorted by
    name unless `class_names` orders them), files sorted within it; shuffled with `seed`."""
    if not os.path.isdir(directory):
        raise ValueError(f"Could not find directory {directory}")
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError("The `class_names` passed did not match the names of the "
                                 "subdirectories of the target directory. Expected: "
                                 f"{subdirs} (or a subset of it), but received: "
                                 f"class_names={class_names}")
            subdirs = list(class_names)
    else:
        subdirs = [""]
        if class_names is not None:
            raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be "
                             "specified." if labels is None else
                             "When argument `labels` is specified, argument `class_names` "
                             "cannot be specified (the `class_names` will be the sorted list "
                             "of labels).")
    file_paths, found = [], []
    for index, subdir in enumerate(subdirs):
        root_dir = os.path.join(directory, subdir)
        for root, _, files in sorted(os.walk(root_dir, followlinks=follow_links),
                                     key=lambda entry: entry[0]):
            if not follow_links and root != root_dir and os.path.islink(root):
                continue
            for name in sorted(files):
                if name.lower().endswith(formats):
                    file_paths.append(os.path.join(root, name))
                    found.append(index)
    if labels == "inferred":
        labels = np.asarray(found, dtype=np.int32)
        class_names = subdirs
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(file_paths):
            raise ValueError("Expected the lengths of `labels` to match the number of files in "
                             f"the target directory. len(labels) is {len(labels)} while we "
                             f"found {len(file_paths)} files in directory {directory}.")
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels)
    if verbose:
        print(f"Found {len(file_paths)} files." if labels is None else
              f"Found {len(file_paths)} files belonging to {len(class_names)} classes.")
    if shuffle:  # globally, to erase the folder structure; the same seed keeps pairs
        order = np.random.RandomState(seed).permutation(len(file_paths))
        file_paths = [file_paths[i] for i in order]
        if labels is not None:
            labels = labels[order]
    return file_paths, labels, class_names


def training_or_validation_split(samples, labels, validation_split, subset, verbose=True):
    """The training part (all but the last `int(split * n)`) or the validation part."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        if verbose:
            print(f"Using {len(samples) - num_val} files for training.")
        keep = slice(0, len(samples) - num_val)
    elif subset == "validation":
        if verbose:
            print(f"Using {num_val} files for validation.")
        keep = slice(len(samples) - num_val, len(samples))
    else:
        raise ValueError(f'`subset` must be either "training" or "validation", received: '
                         f"{subset}")
    return samples[keep], None if labels is None else labels[keep]


def encode_labels(labels, label_mode, num_classes):
    """Labels as Keras yields them: "int" int32, "categorical" one-hot float32, "binary"
    float32 of shape (n, 1)."""
    labels = np.asarray(labels)
    if label_mode == "binary":
        return labels.astype(np.float32)[..., None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype=np.float32)[labels.astype(np.int64)]
    return labels.astype(np.int32)


def check_labels_arguments(labels, label_mode, class_names, kind):
    if labels not in ("inferred", None):
        if not isinstance(labels, list | tuple):
            raise ValueError(f"`labels` argument should be a list/tuple of integer labels, of "
                             f"the same size as the number of {kind} files in the target "
                             "directory. If you wish to infer the labels from the subdirectory "
                             'names in the target directory, pass `labels="inferred"`. If you '
                             f"wish to get a dataset that only contains {kind}s (no labels), "
                             f"pass `labels=None`. Received: labels={labels}")
        if class_names:
            raise ValueError(f'You can only pass `class_names` if `labels="inferred"`. '
                             f"Received: labels={labels}, and class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", '
                         f"or None. Received: label_mode={label_mode}")


def labelled_dataset(paths, labels, load, label_mode, num_classes, batch_size, shuffle, seed):
    """A Dataset reading the files at `paths` batch by batch with `load(paths) -> array`,
    paired with the encoded labels (or alone when `labels` is None)."""
    paths = np.asarray(paths, dtype=str)
    if labels is None:
        ds = Dataset.from_tensor_slices(paths)
    else:
        ds = Dataset.from_tensor_slices((paths, encode_labels(labels, label_mode,
                                                              num_classes)))
    if shuffle:
        ds = ds.shuffle(batch_size * 8 if batch_size is not None else 1024, seed=seed)
    if batch_size is not None:
        ds = ds.batch(batch_size)
        if labels is None:
            return ds.map(load)
        return ds.map(lambda p, y: (load(p), y))
    if labels is None:
        return ds.map(lambda p: load(np.asarray([p]))[0])
    return ds.map(lambda p, y: (load(np.asarray([p]))[0], y))
