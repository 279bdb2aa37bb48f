"""IMDB movie reviews (Maas et al. 2011) from the original `aclImdb_v1.tar.gz`, in Keras' form.

The reviews are read from the verified archive in memory (only names matching
`aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt`, regular files, nothing extracted), `<br />`
tags become spaces, and ember's `Tokenizer` (Keras' filters, lower case) builds the word index
from all 50,000 labelled reviews: rank 1 is the most frequent word (ties: first appearance;
positive then negative reviews by id, train before test). The sequences then follow
Keras' `imdb.load_data`: seeded shuffle, `start_char`, `index_from`, `maxlen` (sequences of
length >= maxlen dropped), `num_words`/`skip_top` with `oov_char`. Two differences: the word
ranks are computed here, not read from Keras' `imdb_word_index.json`, so single indices differ
from Keras' preprocessed copy; and with `maxlen` the train/test split follows the filtered
reviews (Keras cuts at the unfiltered train length, moving test reviews into train).
SHA-256 pinned from tensorflow/datasets' url_checksums/imdb_reviews.txt. Tokenising the
50,000 reviews takes a while, so when the archive sits in ember's cache the result is kept
beside it as `.npz` arrays (no pickle; checked on load, rebuilt when anything is off).

>>> _keras_form([[1, 2], [5, 3, 3]], start_char=1, oov_char=2, index_from=3, num_words=7,
...             skip_top=0, maxlen=None)
[[1, 4, 5], [1, 2, 6, 6]]
"""

import functools
import re
import tarfile

import numpy as np

from ember.datasets._files import locate
from ember.datasets.errors import DatasetCorruptError

ARCHIVE = {"fname": "aclImdb_v1.tar.gz",
           "sha256": "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
           "origins": ["https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"]}
MEMBER = re.compile(r"aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt")
COUNTS = {"train": 25000, "test": 25000}
MAX_REVIEW_BYTES = 1 << 20


def read_reviews(archive, counts=None):
    """`{split: (texts, labels)}` from the archive (labels: 1 positive, 0 negative), files
    in order positive then negative, by review id; checks member types, sizes, UTF-8 and
    the per-split counts."""
    counts = COUNTS if counts is None else counts
    found = {"train": [], "test": []}
    try:
        with tarfile.open(archive, "r:*") as tar:
            for info in tar:
                m = MEMBER.fullmatch(info.name)
                if m is None:
                    continue
                if not info.isreg() or info.size > MAX_REVIEW_BYTES:
                    raise DatasetCorruptError(archive, f"member {info.name} is not a regular "
                                                       f"file of at most {MAX_REVIEW_BYTES} "
                                                       "bytes")
                try:
                    text = tar.extractfile(info).read().decode("utf-8")
                except UnicodeDecodeError as e:
                    raise DatasetCorruptError(archive, f"{info.name} is not UTF-8 ({e})") \
                        from None
                split, polarity, rid = m.group(1), m.group(2), int(m.group(3))
                found[split].append((polarity == "neg", rid, text.replace("<br />", " "),
                                     int(polarity == "pos")))
    except (tarfile.TarError, EOFError, OSError) as e:
        raise DatasetCorruptError(archive, f"cannot be read as a tar.gz archive ({e})") from None
    out = {}
    for split, rows in found.items():
        if len(rows) != counts[split]:
            raise DatasetCorruptError(archive, f"expected {counts[split]} {split} reviews, "
                                               f"found {len(rows)}")
        rows.sort(key=lambda r: (r[0], r[1]))
        out[split] = ([r[2] for r in rows], np.array([r[3] for r in rows], dtype=np.int64))
    return out


@functools.lru_cache(maxsize=2)
def _tokenized(archive, cache_tokens=False):
    """`((train seqs, labels), (test seqs, labels), word_index)`; with `cache_tokens` (the
    archive is in ember's cache) the result is kept beside it (`_token_cache`)."""
    from ember.datasets import _token_cache  # noqa: PLC0415
    from ember.preprocessing.text import Tokenizer  # noqa: PLC0415

    cache = _token_cache.path_for(archive) if cache_tokens else None
    if cache is not None:
        hit = _token_cache.load(cache, ARCHIVE["sha256"], COUNTS)
        if hit is not None:
            return hit
    reviews = read_reviews(archive)
    tokenizer = Tokenizer()
    texts = reviews["train"][0] + reviews["test"][0]
    tokenizer.fit_on_texts(texts)
    seqs = tokenizer.texts_to_sequences(texts)
    n = len(reviews["train"][0])
    out = ((seqs[:n], reviews["train"][1]), (seqs[n:], reviews["test"][1]),
           dict(tokenizer.word_index))
    if cache is not None:
        _token_cache.save(cache, ARCHIVE["sha256"], *out)
    return out


def _keras_form(xs, start_char, oov_char, index_from, num_words, skip_top, maxlen,
                labels=None):
    """Keras' index shifting and filtering of word-rank sequences (see the module doc)."""
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    if maxlen:
        keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
        xs = [xs[i] for i in keep]
        if labels is not None:
            labels = labels[keep]
        if not xs:
            raise ValueError(f"imdb.load_data: after filtering for sequences shorter than "
                             f"maxlen={maxlen}, no sequence was kept. Increase maxlen.")
    if not num_words:
        num_words = max(max(x) for x in xs if x)
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    return xs if labels is None else (xs, labels)


def load_data(path=None, num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1,
              oov_char=2, index_from=3, *, data_dir=None):
    """Load IMDB as Keras does: reviews as lists of word indices, labels 0/1.

    Args:
        path: a folder holding `aclImdb_v1.tar.gz` (nothing downloaded); None: the cache.
        num_words: keep words of rank < num_words (after shifting); others become `oov_char`.
        skip_top: also replace the `skip_top` most frequent (shifted) indices.
        maxlen: drop sequences of length >= maxlen.
        seed: the shuffle seed (Keras: 113).
        start_char: the index marking the start of a review (Keras: 1).
        oov_char: the index of dropped words (Keras: 2); None removes them.
        index_from: word ranks are shifted by this (Keras: 3).
        data_dir: the same as `path`.

    Returns:
        `((x_train, y_train), (x_test, y_test))`: object arrays (25000,) of int lists and
        int64 labels (25000,), as Keras.
    """
    folder = path if path is not None else data_dir
    archive = locate(ARCHIVE, folder, "imdb")
    (x_train, y_train), (x_test, y_test), _ = _tokenized(archive, folder is None)
    return shape_like_keras(x_train, y_train, x_test, y_test, num_words, skip_top, maxlen,
                            seed, start_char, oov_char, index_from)


def shape_like_keras(x_train, y_train, x_test, y_test, num_words=None, skip_top=0,
                     maxlen=None, seed=113, start_char=1, oov_char=2, index_from=3):
    """Keras' shuffle (one RandomState, train then test), shifting and filtering."""
    rng = np.random.RandomState(seed)
    order = np.arange(len(x_train))
    rng.shuffle(order)
    x_train, y_train = [x_train[i] for i in order], y_train[order]
    order = np.arange(len(x_test))
    rng.shuffle(order)
    x_test, y_test = [x_test[i] for i in order], y_test[order]
    xs, labels = _keras_form(x_train + x_test, start_char, oov_char, index_from, num_words,
                             skip_top, maxlen, np.concatenate([y_train, y_test]))
    n = len(x_train) if not maxlen else int(sum(len(x) + (start_char is not None) < maxlen
                                                for x in x_train))
    x = np.empty(len(xs), dtype=object)
    x[:] = xs
    return (x[:n], labels[:n]), (x[n:], labels[n:])


def get_word_index(path=None, *, data_dir=None):
    """`{word: rank}` (1 = most frequent), before the `index_from` shift, as Keras."""
    folder = path if path is not None else data_dir
    return dict(_tokenized(locate(ARCHIVE, folder, "imdb"), folder is None)[2])
