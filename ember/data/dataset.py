"""`Dataset`: a small `tf.data`-style input pipeline on NumPy, iterated in Python.

A Dataset is a recipe: `from_tensor_slices`, `from_generator`, `from_npy` or `list_files`
make one, and `shuffle`, `batch`, `map`, `cache`, `prefetch`, `repeat`, `take`, `skip` each
return a new one.
Iterating it (`for batch in ds`, once per epoch) yields NumPy arrays in the element's structure
(an array, a tuple or a dict). `fit`, `evaluate` and `predict` take a Dataset directly.

Pipelines over arrays stay index-based until a `map`: shuffling, `take`, `skip` and `repeat`
act on sample indices and `batch` gathers each batch with one fancy index per array (a basic
slice when the indices are contiguous), so memory-mapped `.npy` files larger than memory are
read one batch at a time.

>>> import numpy as np
>>> ds = Dataset.from_tensor_slices((np.arange(6), np.arange(6) * 10)).batch(4)
>>> [(x.tolist(), y.tolist()) for x, y in ds]
[([0, 1, 2, 3], [0, 10, 20, 30]), ([4, 5], [40, 50])]
>>> [b.tolist() for b in Dataset.from_tensor_slices(np.arange(5)).shuffle(5, seed=0).batch(5)]
[[2, 4, 3, 0, 1]]
"""

import glob
import itertools
import os

import numpy as np

from ember import tree

INFINITE = -1
UNKNOWN = -2


def _stages():
    from ember.data import _ops  # noqa: PLC0415  (the stages subclass Dataset)

    return _ops


def _pack(struct, leaves):
    return tree.pack_sequence_as(struct, leaves)


def _to_numpy(element):
    leaves = [np.asarray(getattr(v, "data", v)) for v in tree.flatten(element)]
    return _pack(element, leaves)


class Dataset:
    """The base of every pipeline stage; build one with the `from_*` constructors."""

    _parent = None

    # --------------------------------------------------------------- to be provided
    def _elements(self):
        """An iterator over the elements of one pass."""
        raise NotImplementedError

    def _indexable(self):
        """Whether this stage works on the sample indices of an array source."""
        return False

    def _index_stream(self):
        """`(source, iterator of sample indices)` when `_indexable()`, else None (called once
        per pass: a shuffle draws its order here)."""
        return None

    def cardinality(self):
        """The number of elements, `INFINITE` (-1) or `UNKNOWN` (-2)."""
        return UNKNOWN

    # --------------------------------------------------------------- iteration
    def __iter__(self):
        stream = self._index_stream()
        if stream is not None:
            source, indices = stream
            return (source.element(i) for i in indices)
        return self._elements()

    def as_numpy_iterator(self):
        """An iterator over NumPy elements (the same as `iter(ds)`)."""
        return iter(self)

    def __len__(self):
        n = self.cardinality()
        if n < 0:
            raise TypeError("The dataset's length is "
                            f"{'infinite' if n == INFINITE else 'unknown'}")
        return n

    def __repr__(self):
        n = self.cardinality()
        size = {INFINITE: "infinite", UNKNOWN: "unknown"}.get(n, str(n))
        return f"<{type(self).__name__} cardinality={size}>"

    # --------------------------------------------------------------- constructors
    @staticmethod
    def from_tensor_slices(tensors):
        """One element per row of `tensors` (an array, or a tuple/list/dict of arrays with the
        same first dimension). Arrays are not copied (memory maps stay on disk)."""
        return _Slices(tensors)

    @staticmethod
    def from_generator(generator, output_signature=None):
        """Elements from `generator()`: a callable returning a fresh iterator each pass.

        Args:
            generator: a callable (e.g. a generator function), called once per iteration.
            output_signature: accepted for tf.data compatibility; not used.
        """
        if not callable(generator):
            raise TypeError("Dataset.from_generator: `generator` must be a callable that "
                            "returns an iterator (e.g. a generator function), so that each "
                            f"epoch can start over; received {type(generator).__name__}")
        return _Generator(generator)

    @staticmethod
    def from_npy(paths, mmap=True):
        """Slices of `.npy` files, memory-mapped by default (`allow_pickle=False`).

        Args:
            paths: a path, or a tuple/list/dict of paths (e.g. `("x.npy", "y.npy")`).
            mmap: open read-only memory maps (`mmap_mode="r"`); False loads into memory.
        """
        leaves = [load_npy(p, mmap) for p in tree.flatten(paths)]
        return _Slices(_pack(paths, leaves))

    @staticmethod
    def list_files(file_pattern, shuffle=True, seed=None):
        """The paths matching a glob pattern (or a list of patterns), one element each, as
        `tf.data.Dataset.list_files`: read each file with `map` (e.g. `load_npy`).

        Args:
            file_pattern: a glob pattern such as `"data/*.npy"`, or a list of them.
            shuffle: a new seeded order each pass (default, as tf.data); False: sorted.
            seed: the shuffle's seed (None: from ember's global generator).

        Raises:
            ValueError: no file matches.
        """
        patterns = [file_pattern] if isinstance(file_pattern, str | os.PathLike) else list(
            file_pattern)
        found = sorted({p for pattern in patterns
                        for p in glob.glob(os.fspath(pattern)) if os.path.isfile(p)})
        if not found:
            raise ValueError(f"Dataset.list_files: no file matches {patterns}")
        ds = _Slices(np.array(found))
        return ds.shuffle(len(found), seed=seed) if shuffle else ds

    # --------------------------------------------------------------- transformations
    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True):
        """Shuffle with a buffer of `buffer_size` elements (uniform when it holds them all).

        Args:
            buffer_size: elements held; each output is drawn at random from the buffer.
            seed: the seed: the same seed gives the same orders. None draws one from ember's
                global generator (`ember.utils.set_random_seed`).
            reshuffle_each_iteration: a new order each pass (pass k uses seed `(seed, k)`).
        """
        return _stages().Shuffle(self, buffer_size, seed, reshuffle_each_iteration)

    def batch(self, batch_size, drop_remainder=False):
        """Stack `batch_size` consecutive elements (the last batch may be smaller)."""
        return _stages().Batch(self, batch_size, drop_remainder)

    def map(self, map_func):
        """Apply `map_func` to each element (tuples are unpacked into arguments)."""
        if not callable(map_func):
            raise TypeError(f"Dataset.map: `map_func` must be callable; received "
                            f"{type(map_func).__name__}")
        return _stages().Map(self, map_func)

    def cache(self):
        """Keep the elements of the first complete pass in memory and replay them."""
        return _stages().Cache(self)

    def prefetch(self, buffer_size=1):
        """Produce up to `buffer_size` elements ahead on a background thread."""
        return _stages().Prefetch(self, buffer_size)

    def repeat(self, count=None):
        """Repeat the dataset `count` times (None: forever)."""
        return _stages().Repeat(self, count)

    def take(self, count):
        """The first `count` elements (-1: all)."""
        return _stages().Take(self, count)

    def skip(self, count):
        """All but the first `count` elements (-1: none)."""
        return _stages().Skip(self, count)

    def shard(self, num_shards, index):
        """Every `num_shards`-th element, starting at `index` (tf.data's `shard`): the part
        one of `num_shards` workers reads, e.g. `ds.shard(dist.num_processes,
        dist.process_id)` before `batch` under `ember.distribution`.

        >>> [int(v) for v in Dataset.from_tensor_slices(np.arange(7)).shard(3, 1)]
        [1, 4]
        """
        return _stages().Shard(self, num_shards, index)


def load_npy(path, mmap=True):
    """An `.npy` array, memory-mapped read-only by default; never unpickles (object arrays
    are refused)."""
    from ember.utils.npy_io import check_npy, read_npy  # noqa: PLC0415

    path = os.fspath(path)
    if not mmap:
        array = read_npy(path)  # sizes checked before allocating; object arrays refused
    else:
        check_npy(path)
        try:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        except ValueError as e:
            raise ValueError(f"{path}: cannot be loaded without pickle ({e})") from None
    if not isinstance(array, np.ndarray):
        raise ValueError(f"{path}: expected one .npy array, received {type(array).__name__}")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{path}: expected numbers, received dtype {array.dtype}")
    return array


class _Slices(Dataset):
    def __init__(self, tensors):
        self.struct = tensors
        leaves = tree.flatten(tensors)
        self.arrays = [a if isinstance(a, np.ndarray) else np.asarray(getattr(a, "data", a))
                       for a in leaves]
        if not self.arrays:
            raise ValueError("Dataset.from_tensor_slices: received no arrays")
        sizes = {a.shape[0] if a.ndim else None for a in self.arrays}
        if None in sizes or len(sizes) != 1:
            raise ValueError("Dataset.from_tensor_slices: every array needs the same first "
                             f"dimension; received shapes {[a.shape for a in self.arrays]}")
        self.n = sizes.pop()

    def cardinality(self):
        return self.n

    def element(self, i):
        return _pack(self.struct, [a[i] for a in self.arrays])

    def gather(self, indices):
        index = np.asarray(indices, dtype=np.int64)
        if index.size and np.all(np.diff(index) == 1):
            index = slice(int(index[0]), int(index[-1]) + 1)
        return _pack(self.struct, [np.asarray(a[index]) for a in self.arrays])

    def _indexable(self):
        return True

    def _index_stream(self):
        return self, iter(range(self.n))


class _Generator(Dataset):
    def __init__(self, generator):
        self.generator = generator

    def _elements(self):
        return (_to_numpy(e) for e in self.generator())


def _batched(iterator, size):
    while True:
        chunk = list(itertools.islice(iterator, size))
        if not chunk:
            return
        yield chunk
