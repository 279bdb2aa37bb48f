"""Keras' `timeseries_dataset_from_array`: sliding windows over a time series as an ember
`Dataset` of `(sequences, targets)` batches; each batch is gathered with one fancy index,
so the windows are never all held in memory.

>>> import numpy as np
>>> ds = timeseries_dataset_from_array(np.arange(10), np.arange(10) * 10, sequence_length=3,
...                                    batch_size=4)
>>> x, y = next(iter(ds))
>>> x.tolist(), y.tolist()
([[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]], [0, 10, 20, 30])
"""

import numpy as np

from ember.data.arrays import to_numpy
from ember.data.dataset import Dataset
from ember.utils.dataset_utils import default_seed


def _check_positions(data, start_index, end_index, sampling_rate, sequence_stride):
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= n:
            raise ValueError("`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= n:
            raise ValueError("`end_index` must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: "
                             f"end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
        if value >= n:
            raise ValueError(f"`{name}` must be lower than the length of the data. Received: "
                             f"{name}={value}, for data of length {n}")


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Windows of `sequence_length` steps over `data` (Keras 3's arguments and rules).

    Window `i` holds `data[s_i], data[s_i + r], ..., data[s_i + (sequence_length - 1) r]`
    with `s_i = start_index + i * sequence_stride` and `r = sampling_rate`; its target is
    `targets[s_i]` (the target of the window that STARTS at that index).

    Args:
        data: an array-like with time on axis 0.
        targets: the targets (`targets[i]` for the window starting at `i`), or None.
        sequence_length: steps per window.
        sequence_stride: steps between window starts. Defaults to 1.
        sampling_rate: steps between the samples of a window. Defaults to 1.
        batch_size: windows per batch. Defaults to 128; None yields single windows.
        shuffle: a new random order of windows each epoch. Defaults to False.
        seed: the shuffling seed.
        start_index, end_index: use only `data[start_index:end_index]`.

    Returns:
        A `Dataset` yielding `(sequences, targets)` batches, or `sequences` alone.
    """
    data = to_numpy(data)
    if targets is not None:
        targets = to_numpy(targets)
    _check_positions(data, start_index, end_index, sampling_rate, sequence_stride)
    start = start_index or 0
    end = len(data) if end_index is None else end_index
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.int64)
    offsets = np.arange(sequence_length, dtype=np.int64) * sampling_rate
    steps = data[start:end]
    target_steps = None if targets is None else targets[start:end]

    def windows(pos):
        x = steps[pos[..., None] + offsets]
        return x if target_steps is None else (x, target_steps[pos])

    ds = Dataset.from_tensor_slices(positions)
    if shuffle:
        ds = ds.shuffle(len(positions) or 1, seed=default_seed(seed))
    if batch_size is not None:
        ds = ds.batch(batch_size)
    return ds.map(windows)
