"""Every data source `fit`, `evaluate` and `predict` take, behind one batching interface.

`adapt(x, y, sample_weight)` returns an object with `num_batches(batch_size)` and
`batches(batch_size, shuffle, rng, skip, steps)` yielding `(step, batch)`:

- in-memory data (`ember.data.arrays`): NumPy arrays, lists and dicts of arrays, Python lists
  of numbers, pandas DataFrames and Series, torch or ember tensors: cut into batches here;
- sources that yield whole batches (`x`, `(x, y)` or `(x, y, sample_weight)`): an ember
  `Dataset`, a `PyDataset`/`Sequence` (its workers used), a generator or iterator, or any
  iterable of batches such as a PyTorch `DataLoader` (iterated afresh each epoch; torch
  tensors converted to NumPy without a copy).

Keras' rules for batch sources: `y`, `sample_weight` and `validation_split` must not be
given (`batch_size` is ignored, with a warning); an infinite source (a generator,
`Dataset.repeat()`, a PyDataset without length) needs `steps_per_epoch` (`steps` in
evaluate/predict). With `steps_per_epoch` shorter than the data the same iterator carries on
across epochs (as Keras); otherwise each epoch is one full pass (a generator object can be
passed over only once). `fit(shuffle=True)` shuffles a PyDataset's batch order; the other
sources keep their own order.

The data layer knows no models: the trainer hands it an `InputSpec`-like description of the
model's inputs (`ModelInputs`), and every batch's `x` is checked against it, so a dict whose
keys name no input or the wrong number of arrays fail here with the model's input names.

>>> import numpy as np
>>> from ember.data import Dataset
>>> data = adapt(Dataset.from_tensor_slices((np.ones((5, 2)), np.arange(5))).batch(2))
>>> data.num_batches(None), [b[1].tolist() for _, b in data.batches(None)]
(3, [[0, 1], [2, 3], [4]])
"""

import itertools
import types
import warnings

import numpy as np

from ember import tree
from ember.data.arguments import (  # noqa: F401  (the trainer reads them here)
    check_batch_size,
    check_count,
    check_freq,
    check_shuffle,
    check_split,
    check_verbose,
    validation_due,
)
from ember.data.arrays import (  # noqa: F401  (re-exported)
    ArrayData,
    check_cardinality,
    check_finite,
    class_weight_to_sample_weights,
    is_array_like,
    is_pandas,
    is_torch_tensor,
    split_leaves,
    split_validation,
)
from ember.data.dataset import INFINITE, Dataset
from ember.data.py_dataset import PyDataset, ordered_batches
from ember.utils.packing import (  # noqa: F401  (re-exported for the trainer)
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)


# ----------------------------------------------------------------------- batch formats
def _describe(value):
    """A short description of data: shapes in place of arrays."""
    def one(leaf):
        shape = getattr(leaf, "shape", None)
        if shape is not None:
            return f"{type(leaf).__name__}{tuple(shape)}"
        return type(leaf).__name__
    if is_array_like(value) or not tree.is_nested(value):
        return one(value)
    try:
        return str(tree.map_structure(one, value)).replace("'", "")
    except TypeError:
        return type(value).__name__


# ----------------------------------------------------------------------- model inputs
class ModelInputs:
    """What the model takes, as the data layer needs it (handed over by the trainer).

    Args:
        names: the input names, in the order of the model's inputs.
        keyed: whether the model was built on a dict of inputs (then `x` must be a dict).
        model: the model's name, for messages.
    """

    def __init__(self, names, keyed=False, model="model"):
        self.names, self.keyed, self.model = list(names), bool(keyed), model

    def describe(self):
        if len(self.names) == 1:
            return f"Model '{self.model}' has 1 input ({self.names[0]!r})"
        return f"Model '{self.model}' has {len(self.names)} inputs {self.names}"

    def check(self, x, where):
        """`x` as the model takes it (a dict holding only the one input of a one-input
        model is unwrapped); ValueError naming the inputs and what was received."""
        if x is None:
            return x
        n = len(self.names)
        if isinstance(x, dict):
            unknown = [k for k in x if k not in self.names]
            missing = [k for k in self.names if k not in x]
            if n == 1 and not self.keyed and len(x) == 1 and not unknown:
                return x[self.names[0]]
            if unknown or missing:
                raise ValueError(
                    f"{where}: {self.describe()}; received a dict with keys {list(x)}"
                    f"{f' (no input is named {unknown})' if unknown else ''}"
                    f"{f', missing {missing}' if missing else ''}. Key the dict by the "
                    "input names.")
            if not self.keyed and n > 1:
                return [x[k] for k in self.names]
            return x
        leaves = [x] if is_array_like(x) else tree.flatten(x)
        if len(leaves) != n:
            kind = "1 array" if len(leaves) == 1 else f"{len(leaves)} arrays"
            raise ValueError(f"{where}: {self.describe()}; received {kind} in `x`: "
                             f"{_describe(x)}. Pass one array per input"
                             f"{' (a list or a dict keyed by input name)' if n > 1 else ''}.")
        if self.keyed:
            return dict(zip(self.names, leaves))
        return leaves[0] if n == 1 else x


def _check_batch(x, y, sw, where, inputs):
    """One batch's parts checked: `x` against the model's inputs, equal lengths."""
    if inputs is not None:
        x = inputs.check(x, where)
    leaves, names = [], []
    for value, name in ((x, "x"), (y, "y"), (sw, "sample_weight")):
        if value is None:
            continue
        for path, leaf in tree.flatten_with_path(value) if not is_array_like(value) else [
                ((), value)]:
            if hasattr(leaf, "shape") and len(leaf.shape):
                leaves.append(leaf)
                names.append(name + "".join(f"[{p!r}]" for p in path))
    check_cardinality(names, leaves, where)
    return x


# ----------------------------------------------------------------------- batch sources
def source_kind(x):
    """"dataset", "py_dataset", "generator", "iterable" for a batch source, else None."""
    if isinstance(x, Dataset):
        return "dataset"
    if isinstance(x, PyDataset):
        return "py_dataset"
    if isinstance(x, types.GeneratorType) or (hasattr(x, "__next__") and hasattr(x, "__iter__")):
        return "generator"
    if x is None or isinstance(x, np.ndarray | list | tuple | dict | str | bytes) or \
            is_array_like(x):
        return None
    if hasattr(x, "__iter__"):
        return "iterable"
    return None


def is_iterable_input(x):
    """Whether `x` yields whole batches (Dataset, PyDataset, generator, iterable)."""
    return source_kind(x) is not None


def _kind_text(x):
    kind = source_kind(x)
    return {"dataset": "Dataset", "py_dataset": f"Sequence ({type(x).__name__})",
            "generator": "generator" if isinstance(x, types.GeneratorType) else
            f"Python iterator ({type(x).__name__})",
            "iterable": f"iterable of batches ({type(x).__name__})"}[kind]


def check_iterable_call(x, y, sample_weight, batch_size, where, validation_split=0.0,
                        steps=None, steps_name="steps_per_epoch"):
    """Keras' argument rules for a batch source `x` (nothing for arrays)."""
    if not is_iterable_input(x):
        return
    kind = _kind_text(x)
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None:
            raise ValueError(f"{where}: `{name}` argument is not supported when `x` is a "
                             f"{kind} (it must yield (x, y) or (x, y, sample_weight) batches)")
    if batch_size is not None:  # Keras ignores it silently (its guides pass one)
        warnings.warn(f"{where}: `batch_size={batch_size!r}` is ignored: `x` is a {kind}, "
                      "which yields whole batches itself", stacklevel=3)
    if validation_split:
        raise ValueError(f"{where}: `validation_split` is only supported for NumPy arrays, "
                         f"not for a {kind}; pass validation_data instead")
    if steps is None and isinstance(x, Dataset) and x.cardinality() == INFINITE:
        raise ValueError(f"{where}: the Dataset is infinite (repeat()); give `{steps_name}`")
    if steps is None and isinstance(x, PyDataset) and x.num_batches is None:
        raise ValueError(f"{where}: the PyDataset is infinite (num_batches is None); give "
                         f"`{steps_name}`")


class IterableData:
    """A Dataset, PyDataset, generator or iterable behind `ArrayData`'s interface."""

    num_samples = None

    def __init__(self, source, where, validate_inputs=False, inputs=None):
        self.source, self.where, self.validate_inputs = source, where, validate_inputs
        self.inputs = inputs
        self.class_weight = None
        self._iterator = None
        self.kind = source_kind(source)
        if self.kind == "generator":
            self._iterator = iter(source)

    def num_batches(self, batch_size):
        """Batches per pass, or None when unknown or infinite."""
        if self.kind == "py_dataset":
            return self.source.num_batches
        if self.kind == "dataset":
            n = self.source.cardinality()
            return n if n >= 0 else None
        if self.kind == "iterable":
            try:
                return len(self.source)
            except TypeError:
                return None
        return None

    def with_class_weight(self, class_weight, sample_weight_given=False):
        if not isinstance(class_weight, dict):
            raise TypeError(f"{self.where}: `class_weight` must be a dict {{class index: "
                            f"weight}}; received {type(class_weight).__name__}")
        self.class_weight = class_weight
        return self

    def prepare(self, batch):
        """One batch as checked NumPy data, packed for `train_step`."""
        x, y, sw = unpack_x_y_sample_weight(batch, self.where)
        parts = []
        for value, name in ((x, "x"), (y, "y"), (sw, "sample_weight")):
            struct, arrays, names = split_leaves(value, name, self.where)
            if self.validate_inputs:
                check_finite(arrays, names, self.where)
            parts.append(tree.pack_sequence_as(struct, arrays) if struct is not None else None)
        x, y, sw = parts
        if self.class_weight is not None:
            if y is None or sw is not None:
                raise ValueError(f"{self.where}: `class_weight` needs batches (x, y) without "
                                 "sample weights")
            sw = class_weight_to_sample_weights(y, self.class_weight, self.where)
        x = _check_batch(x, y, sw, self.where, self.inputs)
        return pack_x_y_sample_weight(x, y, sw)

    def _fresh(self):
        if self.kind == "generator":
            return self._iterator
        return iter(self.source)

    def batches(self, batch_size=None, shuffle=False, rng=None, skip=0, steps=None):
        """Yield `(step, batch)` for one epoch (`rng` is given by `fit` only: then a
        PyDataset's `on_epoch_begin`/`on_epoch_end` run around the epoch)."""
        if self.kind == "py_dataset":
            yield from self._py_dataset_batches(shuffle, rng, skip, steps)
            return
        known = self.num_batches(None)
        if steps is None or (known is not None and steps >= known):
            iterator = self._fresh()
        else:
            if self._iterator is None:
                self._iterator = self._fresh()
            iterator = self._iterator
        count = 0
        for step in range(steps) if steps is not None else itertools.count():
            try:
                batch = next(iterator)
            except StopIteration:
                if self.kind != "generator":
                    self._iterator = None
                break
            count += 1
            if step >= skip:
                yield step, self.prepare(batch)
        if count == 0:
            raise ValueError(f"{self.where}: the input ran out of data (no batch this epoch). "
                             "A generator can be passed over once: give steps_per_epoch and "
                             "make it infinite, or use a Dataset (repeat()) or a PyDataset")

    def _py_dataset_batches(self, shuffle, rng, skip, steps):
        """One epoch of a PyDataset. As Keras: with `steps` shorter than the dataset, the
        next epoch carries on where this one stopped (an epoch ends early when the pass
        runs out), and `on_epoch_begin`/`on_epoch_end` run around every epoch."""
        n = self.source.num_batches
        if n == 0:
            raise ValueError(f"{self.where}: the PyDataset has 0 batches")
        if n is None:  # infinite: the indices go on from epoch to epoch
            start = getattr(self, "_position", 0)
            indices = list(range(start + skip, start + steps))
            self._position = start + steps
        else:
            if getattr(self, "_position", 0) == 0:  # a new pass: a new order
                self._order = rng.permutation(n) if shuffle and rng is not None else \
                    np.arange(n)
                self._position = 0
            start = self._position
            stop = n if steps is None else min(n, start + steps)
            indices = [int(i) for i in self._order[start + skip:stop]]
            self._position = 0 if stop >= n else stop
        self.source.on_epoch_begin()
        for step, batch in enumerate(ordered_batches(self.source, indices), start=skip):
            yield step, self.prepare(batch)
        self.source.on_epoch_end()


def adapt(x, y=None, sample_weight=None, where="fit", validate_inputs=False, inputs=None):
    """The batching object for any data source (see the module docstring).

    Args:
        x, y, sample_weight: as given to `fit`/`evaluate`/`predict`.
        where: the calling method, for messages.
        validate_inputs: check floats for NaN/Inf.
        inputs: a `ModelInputs` to check `x` against, or None (no check).
    """
    if is_iterable_input(x):
        return IterableData(x, where, validate_inputs, inputs)
    data = ArrayData(x, y, sample_weight, where, validate_inputs)
    if inputs is not None:
        x_checked = inputs.check(data.x, where)
        data.x_struct, data.x_arrays, data.x_names = split_leaves(x_checked, "x", where)
    return data


def adapt_validation(validation_data, validate_inputs=False, inputs=None):
    """`fit(validation_data=...)`: a batch source, or `(x_val, y_val)` /
    `(x_val, y_val, val_sample_weight)` arrays."""
    where = "fit (validation_data)"
    if is_iterable_input(validation_data):
        return adapt(validation_data, None, None, where, validate_inputs, inputs)
    if not isinstance(validation_data, tuple | list) or len(validation_data) not in (2, 3):
        raise ValueError("fit: `validation_data` must be a tuple (x_val, y_val) or "
                         "(x_val, y_val, val_sample_weight), or a Dataset, PyDataset or "
                         f"iterable of batches; received {_describe(validation_data)}")
    vx, vy, vsw = unpack_x_y_sample_weight(tuple(validation_data))
    return adapt(vx, vy, vsw, where, validate_inputs, inputs)


def fit_data(x, y, sample_weight, class_weight, validation_data, validation_split,
             validate_inputs=False, inputs=None):
    """`(train, validation or None)` for `fit`: the sources adapted, `validation_split`
    applied (the last samples, before shuffling), `class_weight` turned into weights."""
    data = adapt(x, y, sample_weight, "fit", validate_inputs, inputs)
    val_data = None
    if validation_data is not None:
        val_data = adapt_validation(validation_data, validate_inputs, inputs)
    elif validation_split:
        data, val_data = split_validation(data, validation_split, "fit")
    if class_weight is not None:
        data = data.with_class_weight(class_weight, sample_weight is not None)
    return data, val_data


def count_steps(data, batch_size, steps):
    """The batches `evaluate`/`predict` will run: `steps` capped by the data (None when
    neither is known)."""
    n = data.num_batches(batch_size)
    if n is None:
        return steps
    return n if steps is None else min(steps, n)
