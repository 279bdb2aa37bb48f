"""The transformation stages of `ember.data.Dataset` (see `ember.data.dataset`).

Stages whose work does not depend on the element's value (shuffle, take, skip, repeat) run
on the index stream of an array source when there is one, so `batch` can gather.

>>> import numpy as np
>>> from ember.data import Dataset
>>> list(Dataset.from_tensor_slices(np.arange(5)).skip(1).take(2).repeat(2).map(int))
[1, 2, 1, 2]
"""

import itertools
import queue
import threading

import numpy as np

from ember import tree
from ember.data import dataset as _ds


def _count(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"Dataset.{name}: expected an integer >= {minimum}; received "
                         f"{value!r}")
    return int(value)


class _Stage(_ds.Dataset):
    """A stage applying `_apply(iterator) -> iterator` to elements or to indices."""

    index_safe = True

    def __init__(self, parent):
        self._parent = parent

    def _apply(self, iterator):
        raise NotImplementedError

    def _indexable(self):
        return self.index_safe and self._parent._indexable()

    def _index_stream(self):
        if not self._indexable():
            return None
        source, indices = self._parent._index_stream()
        return source, self._apply(indices)

    def _elements(self):
        return self._apply(iter(self._parent))

    def cardinality(self):
        return self._parent.cardinality()


class Shuffle(_Stage):
    def __init__(self, parent, buffer_size, seed, reshuffle):
        super().__init__(parent)
        self.buffer_size = _count(buffer_size, "shuffle", 1)
        if seed is None:
            from ember.utils.random import global_generator  # noqa: PLC0415

            seed = int(global_generator().integers(2**63))
        self.seed, self.reshuffle, self.epoch = int(seed), bool(reshuffle), 0

    def _apply(self, iterator):
        rng = np.random.default_rng([self.seed, self.epoch] if self.reshuffle else self.seed)
        self.epoch += 1
        return self._shuffled(iterator, rng)

    def _shuffled(self, iterator, rng):
        buffer = list(itertools.islice(iterator, self.buffer_size))
        for item in iterator:
            i = int(rng.integers(len(buffer)))
            yield buffer[i]
            buffer[i] = item
        for i in rng.permutation(len(buffer)):
            yield buffer[i]


class Take(_Stage):
    def __init__(self, parent, count):
        super().__init__(parent)
        self.count = _count(count, "take", -1)

    def _apply(self, iterator):
        return iterator if self.count == -1 else itertools.islice(iterator, self.count)

    def cardinality(self):
        n = self._parent.cardinality()
        if self.count == -1:
            return n
        if n == _ds.INFINITE:
            return self.count
        return n if n == _ds.UNKNOWN else min(n, self.count)


class Skip(_Stage):
    def __init__(self, parent, count):
        super().__init__(parent)
        self.count = _count(count, "skip", -1)

    def _apply(self, iterator):
        if self.count == -1:
            return iter(())
        return itertools.islice(iterator, self.count, None)

    def cardinality(self):
        n = self._parent.cardinality()
        if self.count == -1:
            return 0
        return n if n < 0 else max(n - self.count, 0)


class Shard(_Stage):
    def __init__(self, parent, num_shards, index):
        super().__init__(parent)
        self.num_shards = _count(num_shards, "shard", 1)
        self.index = _count(index, "shard", 0)
        if self.index >= self.num_shards:
            raise ValueError(f"Dataset.shard: expected 0 <= index < num_shards; received "
                             f"index={index}, num_shards={num_shards}")

    def _apply(self, iterator):
        return itertools.islice(iterator, self.index, None, self.num_shards)

    def cardinality(self):
        n = self._parent.cardinality()
        return n if n < 0 else len(range(self.index, n, self.num_shards))


class Repeat(_Stage):
    """Each repetition starts a fresh pass of the parent (a new shuffle order)."""

    def __init__(self, parent, count):
        super().__init__(parent)
        self.count = None if count is None or count == -1 else _count(count, "repeat", 0)

    def _index_stream(self):
        if not self._indexable():
            return None
        passes = itertools.count() if self.count is None else range(self.count)
        return self._source(), itertools.chain.from_iterable(
            self._parent._index_stream()[1] for _ in passes)

    def _source(self):
        node = self
        while node._parent is not None:
            node = node._parent
        return node

    def _elements(self):
        passes = itertools.count() if self.count is None else range(self.count)
        return itertools.chain.from_iterable(iter(self._parent) for _ in passes)

    def cardinality(self):
        n = self._parent.cardinality()
        if self.count is None:
            return 0 if n == 0 else _ds.INFINITE
        return n * self.count if n >= 0 else n


class Batch(_Stage):
    index_safe = False

    def __init__(self, parent, batch_size, drop_remainder):
        super().__init__(parent)
        self.batch_size = _count(batch_size, "batch", 1)
        self.drop_remainder = bool(drop_remainder)

    def _elements(self):
        if self._parent._indexable():
            source, indices = self._parent._index_stream()
            for chunk in _ds._batched(indices, self.batch_size):
                if len(chunk) == self.batch_size or not self.drop_remainder:
                    yield source.gather(chunk)
            return
        for chunk in _ds._batched(iter(self._parent), self.batch_size):
            if len(chunk) < self.batch_size and self.drop_remainder:
                return
            leaves = [tree.flatten(e) for e in chunk]
            try:
                stacked = [np.stack(parts) for parts in zip(*leaves)]
            except ValueError as e:
                raise ValueError(f"Dataset.batch: the elements of a batch have different "
                                 f"shapes ({e}); pad them first, or use batch_size=1") from None
            yield _ds._pack(chunk[0], stacked)

    def cardinality(self):
        n = self._parent.cardinality()
        if n < 0:
            return n
        return n // self.batch_size if self.drop_remainder else -(-n // self.batch_size)


class Map(_Stage):
    index_safe = False

    def __init__(self, parent, fn):
        super().__init__(parent)
        self.fn = fn

    def _apply(self, iterator):
        for element in iterator:
            out = self.fn(*element) if isinstance(element, tuple) else self.fn(element)
            yield _ds._to_numpy(out) if not isinstance(out, int | float) else out


class Cache(_Stage):
    index_safe = False

    def __init__(self, parent):
        super().__init__(parent)
        self.store = None

    def _elements(self):
        if self.store is not None:
            return iter(self.store)
        return self._filling()

    def _filling(self):
        seen = []
        for element in iter(self._parent):
            seen.append(element)
            yield element
        self.store = seen  # only a complete pass is kept


class Prefetch(_Stage):
    index_safe = False

    def __init__(self, parent, buffer_size):
        super().__init__(parent)
        self.buffer_size = max(_count(buffer_size, "prefetch", -1), 1)

    def _elements(self):
        q, stop, done = queue.Queue(self.buffer_size), threading.Event(), object()

        def produce():
            try:
                for element in iter(self._parent):
                    while not stop.is_set():
                        try:
                            q.put((element, None), timeout=0.05)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                item = (done, None)
            except BaseException as e:  # handed to the consumer, raised there
                item = (done, e)
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.05)
                    return
                except queue.Full:
                    continue

        thread = threading.Thread(target=produce, name="ember-prefetch", daemon=True)
        thread.start()
        try:
            while True:
                element, error = q.get()
                if element is done:
                    if error is not None:
                        raise error
                    return
                yield element
        finally:
            stop.set()
            thread.join(timeout=5)
