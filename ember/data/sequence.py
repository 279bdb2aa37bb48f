"""Keras' `Sequence` (`PyDataset` in Keras 3): data that knows its batches by index.

Subclass it with `__len__` (the number of batches) and `__getitem__(i)` (batch `i`, as `x`,
`(x, y)` or `(x, y, sample_weight)`); `on_epoch_end` runs after each epoch of `fit`. Unlike a
generator, it can be iterated any number of times and `fit(shuffle=True)` shuffles the order of
its batches.

>>> import numpy as np
>>> class Squares(Sequence):
...     def __len__(self):
...         return 2
...     def __getitem__(self, i):
...         x = np.arange(3.0) + 3 * i
...         return x, x ** 2
>>> [y.tolist() for _, y in Squares()]
[[0.0, 1.0, 4.0], [9.0, 16.0, 25.0]]
"""


class Sequence:
    """Base class of batch-indexed datasets (see the module docstring).

    Args:
        workers, use_multiprocessing, max_queue_size: accepted for Keras compatibility;
            batches are produced in the calling thread.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers, self.use_multiprocessing = workers, use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__()")

    @property
    def num_batches(self):
        """The number of batches (`len(self)`), as Keras 3's PyDataset."""
        return len(self)

    def on_epoch_end(self):
        """Called at the end of every epoch of `fit` (e.g. to reshuffle)."""

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


PyDataset = Sequence
