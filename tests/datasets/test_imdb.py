"""IMDB from a fixture aclImdb archive: tokenisation and Keras' sequence rules."""

import os

import numpy as np
import pytest

from ember.datasets import imdb
from ember.datasets.errors import DatasetCorruptError

REVIEWS = {
    "aclImdb/train/pos/0_9.txt": b"A great film.<br />Great acting!",
    "aclImdb/train/pos/1_8.txt": b"the film was great",
    "aclImdb/train/neg/0_2.txt": b"A bad, bad film",
    "aclImdb/test/pos/0_10.txt": b"great great fun",
    "aclImdb/test/neg/0_1.txt": b"bad acting, the worst",
    "aclImdb/test/neg/1_3.txt": b"boring",
    "aclImdb/README": b"ignored",
}


@pytest.fixture
def imdb_dir(tmp_path, fx, monkeypatch):
    monkeypatch.setattr(imdb, "COUNTS", {"train": 3, "test": 3})
    path = fx.tar_gz(tmp_path / "aclImdb_v1.tar.gz", REVIEWS)
    monkeypatch.setattr(imdb, "ARCHIVE", dict(imdb.ARCHIVE, sha256=fx.sha(path)))
    imdb._tokenized.cache_clear()
    yield tmp_path
    imdb._tokenized.cache_clear()


def test_word_index_by_frequency(imdb_dir):
    index = imdb.get_word_index(path=imdb_dir)
    # great x5, film x3, bad x3 ("br" tags removed, punctuation filtered, lower case)
    assert index["great"] == 1 and {index["film"], index["bad"]} == {2, 3}
    assert "br" not in index and "<br" not in index and "great!" not in index
    assert not list(imdb_dir.glob("*.npz"))  # nothing written into the user's folder


def test_keras_form(imdb_dir):
    index = imdb.get_word_index(path=imdb_dir)
    (x, y), (xt, yt) = imdb.load_data(path=imdb_dir, seed=113)
    assert x.dtype == object and x.shape == (3,) and y.dtype == np.int64 and xt.shape == (3,)
    # the seeded shuffle is Keras': one RandomState(113), train then test
    rng = np.random.RandomState(113)
    order = np.arange(3)
    rng.shuffle(order)
    train_texts = [("pos", "A great film. Great acting!"), ("pos", "the film was great"),
                   ("neg", "A bad, bad film")]  # positive then negative, by review id
    for seq, label, i in zip(x, y, order):
        polarity, text = train_texts[i]
        words = text.lower().replace(",", "").replace(".", "").replace("!", "").split()
        assert seq == [1] + [index[w] + 3 for w in words]
        assert label == (polarity == "pos")
    (x2, _), _ = imdb.load_data(path=imdb_dir, num_words=6)
    assert all(w == 2 or w < 6 for s in x2 for w in s) and any(w == 2 for s in x2 for w in s)
    (x3, _), _ = imdb.load_data(path=imdb_dir, skip_top=5, oov_char=None)
    assert all(w >= 5 for s in x3 for w in s)


def test_maxlen_drops_long_reviews(imdb_dir):
    (x, y), (xt, yt) = imdb.load_data(path=imdb_dir, maxlen=6)
    assert all(len(s) < 6 for s in list(x) + list(xt))
    assert len(x) == 2 and len(y) == 2 and len(xt) == 3  # the 5-word train review dropped


def test_corrupted_archive(imdb_dir, fx, monkeypatch):
    (imdb_dir / "aclImdb_v1.tar.gz").write_bytes(b"not a tar")
    with pytest.raises(DatasetCorruptError, match="SHA-256"):
        imdb.load_data(path=imdb_dir)
    fewer = {k: v for k, v in REVIEWS.items() if "1_3" not in k}
    path = fx.tar_gz(imdb_dir / "aclImdb_v1.tar.gz", fewer)
    monkeypatch.setattr(imdb, "ARCHIVE", dict(imdb.ARCHIVE, sha256=fx.sha(path)))
    with pytest.raises(DatasetCorruptError, match="expected 3 test reviews, found 2"):
        imdb.load_data(path=imdb_dir)


def test_keras_form_rules():
    assert imdb._keras_form([[1, 2]], None, 2, 0, None, 0, None) == [[1, 2]]
    assert imdb._keras_form([[1, 2, 3]], 1, None, 3, 6, 0, None) == [[1, 4, 5]]
    with pytest.raises(ValueError, match="maxlen=1"):
        imdb._keras_form([[1, 2]], 1, 2, 3, None, 0, 1)


@pytest.fixture
def cached_imdb(tmp_path, fx, monkeypatch):
    """The fixture archive placed in ember's cache ($EMBER_HOME/datasets/imdb)."""
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(imdb, "COUNTS", {"train": 3, "test": 3})
    folder = tmp_path / "home" / "datasets" / "imdb"
    folder.mkdir(parents=True)
    path = fx.tar_gz(folder / "aclImdb_v1.tar.gz", REVIEWS)
    monkeypatch.setattr(imdb, "ARCHIVE", dict(imdb.ARCHIVE, sha256=fx.sha(path), origins=[]))
    imdb._tokenized.cache_clear()
    yield path
    imdb._tokenized.cache_clear()


def same(a, b):
    (x, y), (xt, yt) = a
    (x2, y2), (xt2, yt2) = b
    assert list(x) == list(x2) and list(xt) == list(xt2)
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(yt, yt2)


def test_tokens_cached_beside_the_archive_and_checked(cached_imdb, monkeypatch):
    from ember.datasets import _token_cache

    first, index = imdb.load_data(num_words=8), imdb.get_word_index()
    cache = _token_cache.path_for(str(cached_imdb))
    assert os.path.isfile(cache)
    imdb._tokenized.cache_clear()
    real_read = imdb.read_reviews

    def fail(*a, **k):
        raise AssertionError("the archive was read again")

    monkeypatch.setattr(imdb, "read_reviews", fail)
    same(imdb.load_data(num_words=8), first)  # served from the cache file
    assert imdb.get_word_index() == index
    monkeypatch.setattr(imdb, "read_reviews", real_read)
    raw = open(cache, "rb").read()
    for broken in (raw[: len(raw) // 2], raw[:10], b"", b"PK\x03\x04junk"):
        with open(cache, "wb") as f:
            f.write(broken)
        assert _token_cache.load(cache, imdb.ARCHIVE["sha256"], imdb.COUNTS) is None
        imdb._tokenized.cache_clear()
        same(imdb.load_data(num_words=8), first)  # tokenised again, file rewritten
        assert _token_cache.load(cache, imdb.ARCHIVE["sha256"], imdb.COUNTS) is not None
    assert _token_cache.load(cache, "0" * 64, imdb.COUNTS) is None  # another archive


def test_token_cache_rejects_inconsistent_arrays(tmp_path):
    from ember.datasets import _token_cache

    path, sha, counts = str(tmp_path / "t.npz"), "ab" * 32, {"train": 2, "test": 1}
    good = {"sha256": np.array(sha), "words": np.array(["a", "b"]),
            "train_flat": np.array([1, 2, 2], np.int32), "train_offsets": np.array([0, 2, 3]),
            "train_labels": np.array([0, 1]), "test_flat": np.array([1], np.int32),
            "test_offsets": np.array([0, 1]), "test_labels": np.array([1])}
    np.savez(path, **good)
    assert _token_cache.load(path, sha, counts)[0][0] == [[1, 2], [2]]
    for key, bad in [("train_flat", np.array([1, 3, 2], np.int32)),  # rank past the vocabulary
                     ("train_flat", np.array([0, 2, 2], np.int32)),
                     ("train_offsets", np.array([0, 3, 2])), ("train_offsets", np.array([0, 2])),
                     ("train_labels", np.array([0, 2])), ("test_labels", np.array([1.0])),
                     ("words", np.array([1, 2])), ("sha256", np.array(sha.upper()))]:
        np.savez(path, **dict(good, **{key: bad}))
        assert _token_cache.load(path, sha, counts) is None, key
    np.savez(path, **{k: v for k, v in good.items() if k != "test_flat"})
    assert _token_cache.load(path, sha, counts) is None
    np.savez(path, **dict(good, words=np.array([{"a": 1}], dtype=object)))
    assert _token_cache.load(path, sha, counts) is None  # an object array is never unpickled
