"""Arrays in, batches out: what `fit`, `evaluate` and `predict` do with NumPy data.

The data (`x`, `y`, `sample_weight`: an array, or a list or dict of arrays for several inputs
or outputs) is checked and converted once per call (float64 becomes float32; integer labels
stay integers), then cut into batches by slicing: a basic slice (a view) when not shuffling,
one gather per array and batch when shuffling. No other copy is made. A Dataset, generator or
`Sequence` goes through `IterableData` instead (`adapt` chooses; see `ember.data.adapter`).

>>> import numpy as np
>>> data = ArrayData(np.arange(10.0).reshape(5, 2), np.arange(5), where="fit")
>>> data.num_samples, data.x.dtype
(5, dtype('float32'))
>>> [b[1].tolist() for _, b in data.batches(2, shuffle=False)]
[[0, 1], [2, 3], [4]]
"""

import math
import warnings

import numpy as np

from ember import backend
from ember.data.adapter import IterableData, is_iterable_input
from ember.data.adapter import check_iterable_call as check_iterable_call  # re-exported
from ember.layers.node import flatten_structure, pack_like
from ember.tensor import Tensor


def unpack_x_y_sample_weight(data):
    """`(x, y, sample_weight)` from a batch: `x`, `(x,)`, `(x, y)` or `(x, y, sw)`."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`; received a tuple of length {len(data)}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch given to `train_step`: `x` alone when there is no `y` (as Keras)."""
    if y is None:
        return x if not isinstance(x, tuple | list) else (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def _is_leaf(value):
    return not isinstance(value, list | tuple | dict)


def _is_structure(value):
    """A list/tuple is a structure of arrays (several inputs) when its items are arrays or
    Tensors; a list of numbers or of lists is one array."""
    if isinstance(value, dict):
        return True
    if isinstance(value, list | tuple):
        return len(value) > 0 and all(
            isinstance(v, np.ndarray | Tensor | dict) or (hasattr(v, "__array__") and
                                                         not isinstance(v, np.generic))
            for v in value)
    return False


def _at(a, index):
    """a[index], the index copied to a device array's device first."""
    if type(a) is np.ndarray:
        return a[index]
    return a[backend.device_key(index, backend.array_module(a))]


def to_numeric_array(value, name, where):
    """`value` as an ndarray with a batch axis: float32 for floats; TypeError for anything
    that is not numbers (objects, strings, complex), naming the argument."""
    if isinstance(value, Tensor):
        arr = value.data
    else:
        try:
            arr = backend.as_array(value)  # device arrays (already on a GPU) stay there
        except (ValueError, TypeError) as e:  # ragged lists
            raise TypeError(f"{where}: `{name}` must be an array of numbers; could not convert "
                            f"it: {e}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: `{name}` must hold numbers (float, int or bool); received "
                        f"an array of dtype {arr.dtype}")
    if arr.ndim == 0:
        raise ValueError(f"{where}: `{name}` must have a batch axis; received a scalar "
                         f"{arr.item()!r}")
    if arr.dtype.kind == "f" and arr.dtype != np.float32:
        arr = arr.astype(np.float32)
    return arr


def _leaves(value, name, where):
    """(structure, list of arrays, list of names) for `value` (None stays None)."""
    if value is None:
        return None, [], []
    if not _is_structure(value):
        return value, [to_numeric_array(value, name, where)], [name]
    struct = value
    flat = flatten_structure(value)
    keys = _paths(value, name)
    arrays = [to_numeric_array(v, k, where) for v, k in zip(flat, keys)]
    return struct, arrays, keys


def _paths(value, name):
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _paths(v, f"{name}[{k!r}]")]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in _paths(v, f"{name}[{i}]")]
    return [name]


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


def class_weight_to_sample_weights(y, class_weight, where="fit"):
    """One weight per sample from `{class: weight}` (missing classes weigh 1), with labels
    taken from integer `y` or from the argmax of one-hot `y`.

    >>> class_weight_to_sample_weights(np.array([0, 1, 1, 2]), {1: 2.0})
    array([1., 2., 2., 1.], dtype=float32)
    """
    if not isinstance(class_weight, dict):
        raise TypeError(f"{where}: `class_weight` must be a dict {{class index: weight}}; "
                        f"received {type(class_weight).__name__}")
    y = np.asarray(y)
    if y.ndim > 1:
        y = np.argmax(y, axis=-1) if y.shape[-1] != 1 else y[..., 0]
    labels = np.round(y).astype(np.int64).reshape(len(y), -1)[:, 0]
    keys = []
    for k, w in class_weight.items():
        if isinstance(k, bool) or not isinstance(k, int | np.integer):
            raise ValueError(f"{where}: `class_weight` keys must be integer class indices; "
                             f"received key {k!r}")
        if isinstance(w, bool) or not isinstance(w, int | float | np.integer | np.floating):
            raise ValueError(f"{where}: `class_weight` values must be numbers; received "
                             f"{k!r}: {w!r}")
        keys.append(int(k))
    weights = np.ones(len(labels), dtype=np.float32)
    for k, w in zip(keys, class_weight.values()):
        weights[labels == k] = float(w)
    return weights


class ArrayData:
    """`x`, `y` and `sample_weight` as checked float32/integer arrays, ready for batching.

    Args:
        x: an array (or Tensor, or array-like), or a list/dict of them.
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
        self.x_struct, self.x_arrays, x_names = _leaves(x, "x", where)
        self.y_struct, self.y_arrays, y_names = _leaves(y, "y", where)
        self.sw_struct, self.sw_arrays, sw_names = _leaves(sample_weight, "sample_weight",
                                                           where)
        if not self.x_arrays:
            raise ValueError(f"{where}: `x` is required (received x=None)")
        sizes = {n: len(a) for n, a in zip(x_names + y_names + sw_names,
                                           self.x_arrays + self.y_arrays + self.sw_arrays)}
        if len(set(sizes.values())) > 1:
            detail = ", ".join(f"{n} has {s}" for n, s in sizes.items())
            raise ValueError(f"{where}: Data cardinality is ambiguous: {detail} samples. Make "
                             "sure all arrays contain the same number of samples.")
        self.num_samples = len(self.x_arrays[0])
        if self.num_samples == 0:
            raise ValueError(f"{where}: x has 0 samples; there is nothing to "
                             f"{'train on' if where == 'fit' else 'process'}")
        if validate_inputs:
            check_finite(self.x_arrays + self.y_arrays + self.sw_arrays,
                         x_names + y_names + sw_names, where)

    @property
    def x(self):
        return self._pack(self.x_struct, self.x_arrays)

    @staticmethod
    def _pack(struct, arrays):
        if not arrays:
            return None
        return arrays[0] if _is_leaf(struct) else pack_like(struct, arrays)

    def _take(self, index):
        x = self._pack(self.x_struct, [_at(a, index) for a in self.x_arrays])
        y = self._pack(self.y_struct, [_at(a, index) for a in self.y_arrays])
        sw = self._pack(self.sw_struct, [_at(a, index) for a in self.sw_arrays])
        return x, y, sw

    def take(self, index):
        """The batch at `index` (a slice or an index array), packed for `train_step`."""
        return pack_x_y_sample_weight(*self._take(index))

    def subset(self, index):
        """A new ArrayData holding the samples at `index` (no re-validation)."""
        out = object.__new__(ArrayData)
        out.__dict__.update(self.__dict__)
        out.x_arrays = [a[index] for a in self.x_arrays]
        out.y_arrays = [a[index] for a in self.y_arrays]
        out.sw_arrays = [a[index] for a in self.sw_arrays]
        out.num_samples = len(out.x_arrays[0])
        return out

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


def adapt(x, y=None, sample_weight=None, where="fit", validate_inputs=False):
    """`IterableData` for a Dataset, Sequence or generator `x` (see `ember.data.adapter`),
    else `ArrayData`."""
    if is_iterable_input(x):
        return IterableData(x, where, validate_inputs)
    return ArrayData(x, y, sample_weight, where, validate_inputs)


def count_steps(data, batch_size, steps):
    """The batches `evaluate`/`predict` will run: `steps` capped by the data (None when
    neither is known)."""
    n = data.num_batches(batch_size)
    if n is None:
        return steps
    return n if steps is None else min(steps, n)


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


# ------------------------------------------------------------------------- argument checks
def with_class_weight(data, class_weight, sample_weight, where):
    """`data` with per-sample weights from `class_weight` (single-output models only)."""
    if isinstance(data, IterableData):
        return data.with_class_weight(class_weight)
    if sample_weight is not None:
        raise ValueError(f"{where}: `class_weight` and `sample_weight` cannot be specified at the "
                         "same time; fold the class weights into the sample weights")
    if len(data.y_arrays) != 1:
        raise ValueError(f"{where}: `class_weight` is only supported for Models with a single "
                         f"output and a target `y`; received {len(data.y_arrays)} target arrays")
    data.sw_struct = None
    data.sw_arrays = [class_weight_to_sample_weights(data.y_arrays[0], class_weight, where)]
    return data


def check_split(value):
    """`validation_split` as a float in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
            or not 0.0 <= float(value) < 1.0:
        raise ValueError(f"fit: `validation_split` must be a number in [0, 1); received "
                         f"validation_split={value!r}")
    return float(value)


def check_freq(value):
    """`validation_freq`: a positive int (every n epochs) or a list of 1-based epochs."""
    if isinstance(value, list | tuple):
        return [check_count(v, "validation_freq", "fit") for v in value]
    return check_count(value, "validation_freq", "fit")


def validation_due(epoch, freq):
    """Whether to validate after `epoch` (0-based)."""
    return (epoch + 1) in freq if isinstance(freq, list) else (epoch + 1) % freq == 0


def check_count(value, name, where, minimum=1, none=False):
    """`value` as an int >= minimum (bools refused), or None when allowed."""
    if value is None and none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{where}: `{name}` must be {kind}; received {name}={value!r}")
    return int(value)


def check_batch_size(value, where, name="batch_size", default=32):
    """None -> `default`; else a positive int (not a bool)."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ValueError(f"{where}: `{name}` should be a positive integer value, but got "
                         f"{name}={value!r}")
    return int(value)


def check_verbose(value, where):
    """"auto" -> 1; else 0, 1 or 2."""
    if value == "auto":
        return 1
    if isinstance(value, bool) or value not in (0, 1, 2):
        raise ValueError(f"{where}: `verbose` must be 'auto', 0, 1 or 2; received "
                         f"verbose={value!r}")
    return int(value)
