"""Keras' `text_dataset_from_directory`: a folder of `.txt` files (one subfolder per class)
as an ember `Dataset` of `(texts, labels)` batches; texts are NumPy arrays of `str`, read
as UTF-8 one batch at a time (`max_length` characters at most)."""

import numpy as np

from ember.utils import dataset_utils


def read_texts(paths, max_length=None):
    """The files at `paths` as a NumPy array of str (UTF-8, invalid bytes replaced)."""
    texts = []
    for path in paths:
        with open(str(path), encoding="utf-8", errors="replace") as f:
            text = f.read()
        texts.append(text if max_length is None else text[:max_length])
    return np.asarray(texts, dtype=str) if texts else np.asarray([], dtype=str)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32, max_length=None,
                                shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, verbose=True):
    """An ember `Dataset` of text batches from a directory (Keras 3's arguments).

    Args:
        directory: a folder with one subfolder per class (for `labels="inferred"`) of
            `.txt` files.
        labels: "inferred", None, or a list/tuple of integer labels in the sorted order of
            the file paths.
        label_mode: "int" (int32), "categorical" (one-hot float32), "binary" (float32 of
            shape (batch, 1)), or None.
        class_names: with "inferred": the subfolders to use, in this order.
        batch_size: defaults to 32; None yields single texts.
        max_length: keep at most this many characters of each text.
        shuffle: defaults to True.
        seed: the shuffling seed; required with `validation_split` and shuffling.
        validation_split: the fraction held out for validation.
        subset: "training", "validation" or "both" (returns `[train, val]`).
        follow_links: follow symbolic links to subfolders. Defaults to False.
        verbose: print the number of files and classes found.

    Returns:
        A `Dataset` (with `class_names` and `file_paths`) yielding `(texts, labels)`, or
        `texts` alone without labels; a list of two for "both".
    """
    dataset_utils.check_labels_arguments(labels, label_mode, class_names, "text")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    seed = dataset_utils.default_seed(seed)
    paths, labels, class_names = dataset_utils.index_directory(
        directory, labels, (".txt",), class_names, shuffle, seed, follow_links, verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    num_classes = len(class_names) if class_names else 0

    def build(subset_name, shuffled):
        part_paths, part_labels = dataset_utils.training_or_validation_split(
            paths, labels, validation_split, subset_name, verbose)
        if not part_paths:
            raise ValueError(f"No text files found in directory {directory}. Allowed format: "
                             ".txt")
        ds = dataset_utils.labelled_dataset(
            part_paths, part_labels, lambda p: read_texts(p, max_length), label_mode,
            num_classes, batch_size, shuffled, seed)
        ds.class_names, ds.file_paths = class_names, list(part_paths)
        return ds

    if subset == "both":
        return [build("training", shuffle), build("validation", False)]
    return build(subset, shuffle)
