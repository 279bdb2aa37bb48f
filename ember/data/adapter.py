"""What `fit`, `evaluate` and `predict` do with a Dataset, a Python generator or a Sequence.

Keras' rules: the input yields whole batches (`x`, `(x, y)` or `(x, y, sample_weight)`), so
`y`, `sample_weight`, `batch_size` and `validation_split` must not be given; an infinite input
(a generator, `Dataset.repeat()`) needs `steps_per_epoch` (`steps` in evaluate/predict). With
`steps_per_epoch` shorter than the data the same iterator carries on across epochs (as
Keras); otherwise each epoch is one full pass (a generator object can be passed over only
once). `fit(shuffle=True)` shuffles a Sequence's batch order; Datasets and generators are
used in their own order.

>>> import numpy as np
>>> from ember.data import Dataset
>>> data = IterableData(Dataset.from_tensor_slices((np.ones((5, 2)), np.arange(5))).batch(2),
...                     "fit")
>>> data.num_batches(None), [b[1].tolist() for _, b in data.batches(None)]
(3, [[0, 1], [2, 3], [4]])
"""

import inspect
import itertools
import types

import numpy as np

from ember.data.dataset import INFINITE, Dataset
from ember.data.sequence import Sequence


def is_iterable_input(x):
    """Whether `x` is a Dataset, a Sequence, or a generator/iterator (not an array)."""
    if isinstance(x, Dataset | Sequence | types.GeneratorType):
        return True
    if isinstance(x, np.ndarray | list | tuple | dict | str | bytes) or x is None:
        return False
    return inspect.isgenerator(x) or (hasattr(x, "__next__") and hasattr(x, "__iter__"))


def check_iterable_call(x, y, sample_weight, batch_size, where, validation_split=0.0,
                        steps=None, steps_name="steps_per_epoch"):
    """Keras' argument rules for a Dataset/generator/Sequence `x` (nothing for arrays)."""
    if not is_iterable_input(x):
        return
    if isinstance(x, Dataset):
        kind = "Dataset"
    elif isinstance(x, Sequence):
        kind = f"Sequence ({type(x).__name__})"
    elif isinstance(x, types.GeneratorType):
        kind = "generator"
    else:
        kind = f"Python iterator ({type(x).__name__})"
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None:
            raise ValueError(f"{where}: `{name}` argument is not supported when `x` is a "
                             f"{kind} (it must yield (x, y) or (x, y, sample_weight) batches)")
    if batch_size is not None:
        raise ValueError(f"{where}: `batch_size` must be None when `x` is a {kind}, which "
                         f"yields batches itself; received batch_size={batch_size!r}")
    if validation_split:
        raise ValueError(f"{where}: `validation_split` is only supported for NumPy arrays, "
                         f"not for a {kind}; pass validation_data instead")
    if steps is None and isinstance(x, Dataset) and x.cardinality() == INFINITE:
        raise ValueError(f"{where}: the Dataset is infinite (repeat()); give `{steps_name}`")


class IterableData:
    """A Dataset, Sequence or generator behind `ArrayData`'s batching interface."""

    num_samples = None

    def __init__(self, source, where, validate_inputs=False):
        self.source, self.where, self.validate_inputs = source, where, validate_inputs
        self.class_weight = None
        self._iterator = None
        if isinstance(source, Sequence):
            self.kind = "sequence"
        elif isinstance(source, Dataset):
            self.kind = "dataset"
        else:
            self.kind = "generator"
            self._iterator = iter(source)

    def num_batches(self, batch_size):
        """Batches per pass, or None when unknown or infinite."""
        if self.kind == "sequence":
            return len(self.source)
        if self.kind == "dataset":
            n = self.source.cardinality()
            return n if n >= 0 else None
        return None

    def with_class_weight(self, class_weight):
        self.class_weight = class_weight
        return self

    def _prepare(self, batch):
        from ember.models import data_adapter as da  # noqa: PLC0415  (it imports this)

        x, y, sw = da.unpack_x_y_sample_weight(batch)
        arrays = []
        for value, name in ((x, "x"), (y, "y"), (sw, "sample_weight")):
            struct, leaves, names = da._leaves(value, name, self.where)
            if self.validate_inputs:
                da.check_finite(leaves, names, self.where)
            arrays.append(None if value is None else da.ArrayData._pack(struct, leaves))
        x, y, sw = arrays
        if self.class_weight is not None:
            if y is None or sw is not None:
                raise ValueError(f"{self.where}: `class_weight` needs batches (x, y) without "
                                 "sample weights")
            sw = da.class_weight_to_sample_weights(y, self.class_weight, self.where)
        return da.pack_x_y_sample_weight(x, y, sw)

    def _fresh(self):
        if self.kind == "generator":
            return self._iterator
        return iter(self.source)

    def batches(self, batch_size=None, shuffle=False, rng=None, skip=0, steps=None):
        """Yield `(step, batch)` for one epoch (`rng` is given by `fit` only: then a
        Sequence's `on_epoch_end` runs after the epoch)."""
        if self.kind == "sequence":
            yield from self._sequence_batches(shuffle, rng, skip, steps)
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
                if self.kind == "dataset":
                    self._iterator = None
                break
            count += 1
            if step >= skip:
                yield step, self._prepare(batch)
        if count == 0:
            raise ValueError(f"{self.where}: the input ran out of data (no batch this epoch). "
                             "A generator can be passed over once: give steps_per_epoch and "
                             "make it infinite, or use a Dataset (repeat()) or a Sequence")

    def _sequence_batches(self, shuffle, rng, skip, steps):
        n = len(self.source)
        if n == 0:
            raise ValueError(f"{self.where}: the Sequence has 0 batches")
        order = rng.permutation(n) if shuffle and rng is not None else np.arange(n)
        count = n if steps is None else min(steps, n)
        for step in range(skip, count):
            yield step, self._prepare(self.source[int(order[step])])
        if rng is not None:
            self.source.on_epoch_end()
