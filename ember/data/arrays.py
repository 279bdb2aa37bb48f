"""Array-like data in, checked NumPy arrays out: what `fit`, `evaluate` and `predict` do with
in-memory data.

Every leaf of `x`, `y` or `sample_weight` (an array, or a list/tuple/dict of them, see
`ember.tree`) becomes one ndarray, once per call:

- NumPy arrays are used as they are (float64 becomes float32; integer labels stay integers);
- ember Tensors give their array; PyTorch tensors are read with `.numpy()` (no copy for a CPU
  tensor; ember never imports torch: it recognises a tensor by its type's module);
- pandas DataFrames and Series give `.to_numpy()` (pandas is never imported by ember);
- Python lists of numbers (`x.tolist()`) become one array, as tf.keras did (Keras 3 refuses
  them with "Unrecognized data type"); a list whose items are arrays is several inputs;
- anything with `__array__` goes through `np.asarray`.

Then `ArrayData` cuts batches by slicing: a basic slice (a view) when not shuffling, one
gather per array and batch when shuffling.

>>> import numpy as np
>>> data = ArrayData(np.arange(10.0).reshape(5, 2).tolist(), list(range(5)), where="fit")
>>> data.num_samples, data.x.dtype
(5, dtype('float32'))
>>> [b[1].tolist() for _, b in data.batches(2, shuffle=False)]
[[0, 1], [2, 3], [4]]
"""

import math
import numbers
import warnings
from collections import OrderedDict

import numpy as np

from ember import backend, tree
from ember.utils.packing import pack_x_y_sample_weight


def _module(value):
    return type(value).__module__.split(".")[0]


def is_torch_tensor(value):
    """A torch.Tensor, recognised without importing torch."""
    return _module(value) == "torch" and hasattr(value, "detach") and hasattr(value, "numpy")


def is_pandas(value):
    """A pandas DataFrame or Series, recognised without importing pandas."""
    return _module(value) == "pandas" and hasattr(value, "to_numpy")


def _is_scalar(value):
    return isinstance(value, numbers.Number | np.generic) and not isinstance(value, np.ndarray)


def is_array_like(value):
    """One array for the data adapter: an ndarray, a Tensor, a torch tensor, a pandas
    object, anything with `__array__`, or a (nested) list of numbers."""
    if isinstance(value, list | tuple):
        leaves = tree.flatten(value)
        return bool(leaves) and all(_is_scalar(v) for v in leaves)
    return isinstance(value, np.ndarray) or is_torch_tensor(value) or is_pandas(value) or (
        hasattr(value, "__array__") and not _is_scalar(value))


def _at(a, index):
    """a[index], the index copied to a device array's device first."""
    if type(a) is np.ndarray:
        return a[index]
    return a[backend.device_key(index, backend.array_module(a))]


def to_numpy(value):
    """`value` as an ndarray, without a copy where the source allows (torch CPU tensors,
    NumPy arrays, Tensors)."""
    if isinstance(value, np.ndarray) or backend.is_device_array(value):
        return value  # device arrays (already on a GPU) stay there
    if is_torch_tensor(value):
        value = value.detach()
        if getattr(value, "device", None) is not None and str(value.device) != "cpu":
            value = value.cpu()
        return value.numpy()
    if is_pandas(value):
        return value.to_numpy()
    data = getattr(value, "data", None)  # an ember Tensor: its array, no copy
    if (isinstance(data, np.ndarray) or backend.is_device_array(data)) \
            and hasattr(value, "requires_grad"):
        return data
    return np.asarray(value)


def to_numeric_array(value, name, where):
    """`value` as an ndarray with a batch axis: float32 for floats; TypeError for anything
    that is not numbers (objects, strings, complex), naming the argument."""
    try:
        arr = to_numpy(value)
    except (ValueError, TypeError) as e:  # ragged lists
        raise TypeError(f"{where}: `{name}` must be an array of numbers; could not convert "
                        f"it: {e}") from None
    if arr.dtype.kind not in "biuf":
        hint = ""
        if is_pandas(value):
            hint = " (a DataFrame with non-numeric columns: encode them first)"
        raise TypeError(f"{where}: `{name}` must hold numbers (float, int or bool); received "
                        f"an array of dtype {arr.dtype}{hint}")
    if arr.ndim == 0:
        raise ValueError(f"{where}: `{name}` must have a batch axis; received a scalar "
                         f"{arr.item()!r}")
    if arr.dtype.kind == "f" and arr.dtype != np.float32:
        arr = arr.astype(np.float32)
    return arr


def split_leaves(value, name, where):
    """`(structure, arrays, names)` for `value`: the structure has a placeholder where each
    array goes (`tree.pack_sequence_as(structure, arrays)` rebuilds the data), the names say
    where each array came from (`x['image']`, `y[1]`). None gives `(None, [], [])`."""
    if value is None:
        return None, [], []
    if is_array_like(value) or not tree.is_nested(value):
        return 0, [to_numeric_array(value, name, where)], [name]
    # a list of arrays is several inputs, a list of numbers one array: stop at array-likes
    paths, arrays = [], []

    def leaf(item, path):
        label = name + "".join(f"[{p!r}]" for p in path)
        paths.append(label)
        arrays.append(to_numeric_array(item, label, where))
        return 0

    def walk(item, path):
        if is_array_like(item) or not tree.is_nested(item):
            return leaf(item, path)
        if isinstance(item, dict):  # walked in ember.tree's order, so arrays match flatten
            keys = list(item) if type(item) is OrderedDict else [
                p[0] for p, _ in tree.flatten_with_path(dict.fromkeys(item, 0))]
            built = [(k, walk(item[k], (*path, k))) for k in keys]
            return OrderedDict(built) if type(item) is OrderedDict else dict(built)
        values = [walk(v, (*path, i)) for i, v in enumerate(item)]
        return type(item)(*values) if hasattr(type(item), "_fields") else (
            tuple(values) if isinstance(item, tuple) else values)

    structure = walk(value, ())
    return structure, arrays, paths


def pack(structure, arrays):
    """Rebuild data from `split_leaves`' structure and (sliced) arrays."""
    if structure is None:
        return None
    return tree.pack_sequence_as(structure, arrays)


def check_finite(arrays, names, where):
    """ValueError with the count and first index of NaN/Inf values (one pass per array)."""
    for arr, name in zip(arrays, names):
        if arr.dtype.kind != "f":
            continue
        bad = ~np.isfinite(arr)
        count = int(np.count_nonzero(bad))
        if count:
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"{where}: `{name}` contains {count} NaN or Inf value(s); the first "
                             f"at index {first}")


def check_cardinality(names, arrays, where):
    """ValueError naming each array's length when they differ (Keras' wording)."""
    sizes = {n: len(a) for n, a in zip(names, arrays)}
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{n} has {s}" for n, s in sizes.items())
        raise ValueError(f"{where}: Data cardinality is ambiguous: {detail} samples. Make "
                         "sure all arrays contain the same number of samples.")


def class_weight_to_sample_weights(y, class_weight, where="fit"):
    """One weight per sample from `{class: weight}` (missing classes weigh 1), with labels
    taken from integer `y` or from the argmax of one-hot `y`.

    >>> class_weight_to_sample_weights(np.array([0, 1, 1, 2]), {1: 2.0})
    array([1., 2., 2., 1.], dtype=float32)
    """
    if not isinstance(class_weight, dict):
        raise TypeError(f"{where}: `class_weight` must be a dict {{class index: weight}}; "
                        f"received {type(class_weight).__name__}")
    y = to_numpy(y)
    if y.ndim > 1:
        y = np.argmax(y, axis=-1) if y.shape[-1] != 1 else y[..., 0]
    labels = np.round(y).astype(np.int64).reshape(len(y), -1)[:, 0]
    weights = np.ones(len(labels), dtype=np.float32)
    for k, w in class_weight.items():
        if isinstance(k, bool) or not isinstance(k, int | np.integer):
            raise ValueError(f"{where}: `class_weight` keys must be integer class indices; "
                             f"received key {k!r}")
        if isinstance(w, bool) or not isinstance(w, int | float | np.integer | np.floating):
            raise ValueError(f"{where}: `class_weight` values must be numbers; received "
                             f"{k!r}: {w!r}")
    for k, w in class_weight.items():
        weights[labels == int(k)] = float(w)
    return weights


class ArrayData:
    """`x`, `y` and `sample_weight` as checked float32/integer arrays, ready for batching.

    Args:
        x: an array-like (see the module docstring), or a list/tuple/dict of them.
        y: the targets, same forms, or None.
        sample_weight: one weight per sample (or a list/dict per output), or None.
        where: the calling method, for error messages.
        validate_inputs: check floats for NaN/Inf (one pass). Defaults to False.

    Raises:
        TypeError: an argument does not hold numbers.
        ValueError: no samples, or arrays with different numbers of samples.
    """

    def __init__(self, x, y=None, sample_weight=None, where="fit", validate_inputs=False):
        self.where = where
        self.x_struct, self.x_arrays, self.x_names = split_leaves(x, "x", where)
        self.y_struct, self.y_arrays, y_names = split_leaves(y, "y", where)
        self.sw_struct, self.sw_arrays, sw_names = split_leaves(sample_weight,
                                                                "sample_weight", where)
        if not self.x_arrays:
            raise ValueError(f"{where}: `x` is required (received x=None)")
        names = self.x_names + y_names + sw_names
        arrays = self.x_arrays + self.y_arrays + self.sw_arrays
        check_cardinality(names, arrays, where)
        self.num_samples = len(self.x_arrays[0])
        if self.num_samples == 0:
            raise ValueError(f"{where}: x has 0 samples; there is nothing to "
                             f"{'train on' if where == 'fit' else 'process'}")
        if validate_inputs:
            check_finite(arrays, names, where)

    @property
    def x(self):
        return pack(self.x_struct, self.x_arrays)

    def take_parts(self, index):
        """`(x, y, sample_weight)` at `index` (a slice or an index array)."""
        return (pack(self.x_struct, [_at(a, index) for a in self.x_arrays]),
                pack(self.y_struct, [_at(a, index) for a in self.y_arrays]),
                pack(self.sw_struct, [_at(a, index) for a in self.sw_arrays]))

    def take(self, index):
        """The batch at `index`, packed for `train_step`."""
        return pack_x_y_sample_weight(*self.take_parts(index))

    def subset(self, index):
        """A new ArrayData holding the samples at `index` (no re-validation)."""
        out = object.__new__(ArrayData)
        out.__dict__.update(self.__dict__)
        out.x_arrays = [_at(a, index) for a in self.x_arrays]
        out.y_arrays = [_at(a, index) for a in self.y_arrays]
        out.sw_arrays = [_at(a, index) for a in self.sw_arrays]
        out.num_samples = len(out.x_arrays[0])
        return out

    def with_class_weight(self, class_weight, sample_weight_given):
        """Per-sample weights from `class_weight` (single-output data only)."""
        if sample_weight_given:
            raise ValueError(f"{self.where}: `class_weight` and `sample_weight` cannot be "
                             "specified at the same time; fold the class weights into the "
                             "sample weights")
        if len(self.y_arrays) != 1:
            raise ValueError(f"{self.where}: `class_weight` is only supported for Models with "
                             "a single output and a target `y`; received "
                             f"{len(self.y_arrays)} target arrays")
        self.sw_struct = 0
        self.sw_arrays = [class_weight_to_sample_weights(self.y_arrays[0], class_weight,
                                                         self.where)]
        return self

    def num_batches(self, batch_size):
        return math.ceil(self.num_samples / batch_size)

    def batches(self, batch_size, shuffle=False, rng=None, skip=0, steps=None):
        """Yield `(step, batch)` over one epoch.

        Args:
            batch_size: samples per batch (the last batch may be smaller).
            shuffle: True (a new permutation of the samples), "batch" (shuffle the order of
                contiguous batches) or False.
            rng: the np.random.Generator to draw the permutation from (when shuffling).
            skip: batches to skip at the start (resuming inside an epoch); the permutation
                is drawn all the same, so the remaining batches are the ones a full epoch
                would have given.
            steps: stop after this many batches (None: one pass over the data).
        """
        n = self.num_samples
        count = self.num_batches(batch_size)
        if steps is not None:
            count = min(count, steps)
        order = None
        if shuffle == "batch":
            order = rng.permutation(self.num_batches(batch_size))
        elif shuffle:
            order = rng.permutation(n)
        for step in range(skip, count):
            if shuffle == "batch":
                start = int(order[step]) * batch_size
                index = slice(start, min(start + batch_size, n))
            elif shuffle:
                index = order[step * batch_size:(step + 1) * batch_size]
            else:
                index = slice(step * batch_size, min((step + 1) * batch_size, n))
            yield step, self.take(index)


def split_validation(data, validation_split, where="fit"):
    """`(train, val)`: the LAST `n - floor(n * (1 - split))` samples are the validation set,
    taken before any shuffling (Keras' rule)."""
    n = data.num_samples
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"{where}: Training data contains {n} samples, which is not sufficient "
                         "to split it into a validation and training set as specified by "
                         f"`validation_split={validation_split}`. Either provide more data, or "
                         "a different value for the `validation_split` argument.")
    train, val = data.subset(slice(0, split_at)), data.subset(slice(split_at, n))
    _warn_single_class(train, val, validation_split, where)
    return train, val


def _class_labels(data):
    """Integer class labels of a single-target dataset (from one-hot rows too), else None."""
    if len(data.y_arrays) != 1:
        return None
    y = data.y_arrays[0]
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    if y.dtype.kind in "iub" and (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
        return y.reshape(-1)
    return None


def _warn_single_class(train, val, validation_split, where):
    """Keras takes the last samples unshuffled: data sorted by class gives a validation set
    of one class (a classic trap). Say so."""
    val_labels = _class_labels(val)
    if val_labels is None or len(val_labels) < 2:
        return
    classes = np.unique(val_labels)
    if classes.size == 1 and np.unique(_class_labels(train)).size > 1:
        warnings.warn(f"{where}: validation_split={validation_split} takes the last "
                      f"{len(val_labels)} samples (before shuffling, as Keras), and they are all "
                      f"of class {classes[0]}; the data looks sorted by class. Shuffle x and y "
                      "together first, or pass validation_data.", stacklevel=4)
