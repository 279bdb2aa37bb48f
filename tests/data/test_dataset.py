"""The Dataset pipeline: seeded shuffling, batching, map, cache, prefetch, repeat, take, skip,
memory-mapped files."""

import threading

import numpy as np
import pytest

from ember.data import INFINITE, UNKNOWN, Dataset, load_npy


def values(ds):
    return [np.asarray(b).tolist() for b in ds]


def test_slices_and_structures():
    x, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    got = list(Dataset.from_tensor_slices((x, y)))
    assert len(got) == 6 and got[2][0].tolist() == [4.0, 5.0] and got[2][1] == 2
    d = list(Dataset.from_tensor_slices({"a": x, "b": y}).batch(4))
    assert d[0]["a"].shape == (4, 2) and d[1]["b"].tolist() == [4, 5]
    with pytest.raises(ValueError, match="same first dimension"):
        Dataset.from_tensor_slices((x, y[:5]))


@pytest.mark.parametrize("buffer_size", [1, 3, 10, 100])
def test_shuffle_covers_every_element_once_per_epoch(buffer_size):
    ds = Dataset.from_tensor_slices(np.arange(37)).shuffle(buffer_size, seed=5)
    epochs = [values(ds) for _ in range(3)]
    for e in epochs:
        assert sorted(e) == list(range(37))
    if buffer_size > 1:
        assert epochs[0] != epochs[1] and epochs[0] != list(range(37))
    else:
        assert epochs[0] == list(range(37))  # a buffer of one cannot reorder


def test_shuffle_is_seeded():
    make = lambda seed: Dataset.from_tensor_slices(np.arange(50)).shuffle(20, seed=seed)
    a, b, c = make(1), make(1), make(2)
    assert [values(a) for _ in range(2)] == [values(b) for _ in range(2)]
    assert values(make(1)) != values(c)
    fixed = Dataset.from_tensor_slices(np.arange(50)).shuffle(50, seed=3,
                                                              reshuffle_each_iteration=False)
    assert values(fixed) == values(fixed)


def test_shuffle_seed_none_follows_set_random_seed():
    import ember

    ember.utils.set_random_seed(7)
    a = values(Dataset.from_tensor_slices(np.arange(30)).shuffle(30))
    ember.utils.set_random_seed(7)
    assert values(Dataset.from_tensor_slices(np.arange(30)).shuffle(30)) == a


def test_buffered_shuffle_is_local():
    # with a buffer of b, the element at output position i came from input position < i + b
    out = values(Dataset.from_tensor_slices(np.arange(200)).shuffle(4, seed=0))
    assert all(v < i + 4 for i, v in enumerate(out))


def test_index_path_equals_element_path():
    x = np.arange(40.0).reshape(20, 2)
    fast = Dataset.from_tensor_slices(x).shuffle(7, seed=2).skip(3).take(12).batch(5)
    slow = Dataset.from_tensor_slices(x).map(lambda v: v).shuffle(7, seed=2).skip(3).take(
        12).batch(5)
    assert values(fast) == values(slow)


def test_batch_and_drop_remainder():
    ds = Dataset.from_tensor_slices(np.arange(7))
    assert values(ds.batch(3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert values(ds.batch(3, drop_remainder=True)) == [[0, 1, 2], [3, 4, 5]]
    assert ds.batch(3).cardinality() == 3 and ds.batch(3, True).cardinality() == 2
    with pytest.raises(ValueError, match="batch"):
        ds.batch(0)


def test_map_augmentation_and_tuple_unpacking():
    ds = Dataset.from_tensor_slices((np.arange(4.0), np.arange(4))).map(
        lambda x, y: (x * 2, y + 1)).batch(4)
    ((x, y),) = list(ds)
    assert x.tolist() == [0, 2, 4, 6] and y.tolist() == [1, 2, 3, 4]


def test_cache_replays_first_pass():
    calls = []
    ds = Dataset.from_tensor_slices(np.arange(5)).map(lambda v: calls.append(1) or v).cache()
    assert values(ds) == values(ds) == [0, 1, 2, 3, 4]
    assert len(calls) == 5
    partial = Dataset.from_tensor_slices(np.arange(5)).map(lambda v: calls.append(1) or v).cache()
    calls.clear()
    next(iter(partial))  # an incomplete pass is not cached
    assert values(partial) == [0, 1, 2, 3, 4] and len(calls) == 6


def test_prefetch_gives_the_same_batches_on_a_thread():
    make = lambda: Dataset.from_tensor_slices((np.arange(50.0), np.arange(50))).shuffle(
        10, seed=4).map(lambda x, y: (x + 1, y)).batch(8)
    plain, pre = make(), make().prefetch(3)
    for _ in range(2):
        a, b = list(plain), list(pre)
        assert len(a) == len(b) == 7
        for (xa, ya), (xb, yb) in zip(a, b):
            np.testing.assert_array_equal(xa, xb)
            np.testing.assert_array_equal(ya, yb)
    seen = []
    ds = Dataset.from_generator(lambda: (seen.append(threading.current_thread().name) or i
                                         for i in range(3))).prefetch(2)
    assert values(ds) == [0, 1, 2] and set(seen) == {"ember-prefetch"}


def test_prefetch_propagates_errors_and_stops_early():
    def gen():
        yield 1
        raise RuntimeError("boom in the producer")

    with pytest.raises(RuntimeError, match="boom"):
        list(Dataset.from_generator(gen).prefetch(2))
    it = iter(Dataset.from_tensor_slices(np.arange(10**6)).prefetch(2))
    assert next(it) == 0
    it.close()  # the producer thread stops
    assert all(t.name != "ember-prefetch" or not t.is_alive() for t in threading.enumerate())


def test_repeat_take_skip_cardinality():
    ds = Dataset.from_tensor_slices(np.arange(4))
    assert values(ds.repeat(2)) == [0, 1, 2, 3, 0, 1, 2, 3]
    assert ds.repeat().cardinality() == INFINITE
    assert values(ds.repeat().take(6)) == [0, 1, 2, 3, 0, 1]
    assert values(ds.skip(3)) == [3] and ds.skip(3).cardinality() == 1
    assert values(ds.take(-1)) == [0, 1, 2, 3] and values(ds.skip(-1)) == []
    assert Dataset.from_generator(lambda: iter([1])).cardinality() == UNKNOWN
    s = ds.shuffle(4, seed=0).repeat(2)
    out = values(s)
    assert sorted(out[:4]) == sorted(out[4:]) == [0, 1, 2, 3] and out[:4] != out[4:]


def test_generator_source():
    ds = Dataset.from_generator(lambda: ((np.full(2, i), i) for i in range(5))).batch(2)
    assert [y.tolist() for _, y in ds] == [[0, 1], [2, 3], [4]]
    assert [y.tolist() for _, y in ds] == [[0, 1], [2, 3], [4]]  # a fresh pass each time
    with pytest.raises(TypeError, match="callable"):
        Dataset.from_generator(iter([1, 2]))


def test_memory_mapped_npy(tmp_path):
    x = np.arange(60, dtype=np.float32).reshape(20, 3)
    y = np.arange(20, dtype=np.int64)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    ds = Dataset.from_npy((tmp_path / "x.npy", tmp_path / "y.npy"))
    assert isinstance(ds.arrays[0], np.memmap)
    batches = list(ds.batch(8))
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)
    assert all(not isinstance(b[0], np.memmap) for b in batches)
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="without pickle"):
        load_npy(tmp_path / "obj.npy")


def test_list_files_then_map_reads_each_file(tmp_path):
    for i in range(5):
        np.save(tmp_path / f"part{i}.npy", np.full((2,), i, dtype=np.int64))
    (tmp_path / "notes.txt").write_text("not an array")
    pattern = str(tmp_path / "*.npy")
    ds = Dataset.list_files(pattern, shuffle=False).map(lambda p: load_npy(p, mmap=False))
    assert values(ds.batch(2)) == [[[0, 0], [1, 1]], [[2, 2], [3, 3]], [[4, 4]]]
    shuffled = Dataset.list_files(pattern, seed=3)
    first, second = [str(p) for p in shuffled], [str(p) for p in shuffled]
    assert sorted(first) == sorted(second) == [str(tmp_path / f"part{i}.npy") for i in range(5)]
    assert first != second  # a new order each pass
    again = Dataset.list_files([pattern], seed=3)
    assert [str(p) for p in again] == first  # seeded
    with pytest.raises(ValueError, match="no file matches"):
        Dataset.list_files(str(tmp_path / "*.csv"))
