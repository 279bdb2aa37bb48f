"""IMDB from a fixture aclImdb archive: tokenisation and Keras' sequence rules."""

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
