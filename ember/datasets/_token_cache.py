"""A disk cache of IMDB's tokenised reviews: plain `.npz` arrays, no pickle, checked on load.

The file holds, per split, the word ranks of all reviews end to end (`<split>_flat`, int32),
where each review starts (`<split>_offsets`, int64, n + 1 entries) and the labels (int64), plus
the words in rank order and the SHA-256 of the archive they came from. It is written to a
temporary file and moved into place atomically; on load every invariant is checked (the
archive's hash, dtypes, counts, offsets increasing from 0 to the end, ranks within the
vocabulary, labels 0/1) and anything off makes `load` return None, so the reviews are
tokenised again and the file rewritten.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "t.npz")
>>> save(path, "ab" * 32, ([[1, 2], [2]], np.array([1, 0])), ([[2, 1]], np.array([0])),
...      {"the": 1, "film": 2})
>>> train, test, index = load(path, "ab" * 32, {"train": 2, "test": 1})
>>> train[0], test[0], index
([[1, 2], [2]], [[2, 1]], {'the': 1, 'film': 2})
"""

import contextlib
import itertools
import os
import tempfile
import zipfile

import numpy as np

VERSION = 1
_SPLITS = ("train", "test")


def path_for(archive):
    """The cache file kept beside `archive`."""
    return f"{archive}.tokens-v{VERSION}.npz"


def save(path, sha256, train, test, word_index):
    """Write the tokenised splits atomically; a failure (e.g. a read-only folder) is ignored:
    the cache is only a shortcut."""
    words = sorted(word_index, key=word_index.get)
    if [word_index[w] for w in words] != list(range(1, len(words) + 1)):
        return  # ranks not 1..V: not representable here, so not cached
    arrays = {"sha256": np.array(sha256), "words": np.array(words, dtype=str)}
    for split, (seqs, labels) in zip(_SPLITS, (train, test)):
        lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
        arrays[f"{split}_offsets"] = np.concatenate([np.zeros(1, np.int64), np.cumsum(lengths)])
        arrays[f"{split}_flat"] = np.fromiter(itertools.chain.from_iterable(seqs),
                                              dtype=np.int32)
        arrays[f"{split}_labels"] = np.asarray(labels, dtype=np.int64)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.remove(tmp)


def _split(z, split, count, vocabulary):
    flat, offsets = z[f"{split}_flat"], z[f"{split}_offsets"]
    labels = z[f"{split}_labels"]
    if (flat.dtype != np.int32 or offsets.dtype != np.int64 or labels.dtype != np.int64
            or flat.ndim != 1 or offsets.shape != (count + 1,) or labels.shape != (count,)):
        return None
    if offsets[0] != 0 or offsets[-1] != flat.size or np.any(np.diff(offsets) < 0):
        return None
    if flat.size and (int(flat.min()) < 1 or int(flat.max()) > vocabulary):
        return None
    if np.any((labels != 0) & (labels != 1)):
        return None
    seqs = [flat[a:b].tolist() for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    return seqs, labels.copy()


def load(path, sha256, counts):
    """`(train, test, word_index)` from the cache file, or None when it is missing, from
    another archive, or breaks any invariant."""
    if not os.path.isfile(path):
        return None
    try:
        from ember.utils.npy_io import read_npz  # noqa: PLC0415  (sizes checked first)

        z = read_npz(path)
        if z["sha256"].dtype.kind != "U" or str(z["sha256"]) != sha256:
            return None
        words = z["words"]
        if words.dtype.kind != "U" or words.ndim != 1:
            return None
        parts = [_split(z, s, counts[s], len(words)) for s in _SPLITS]
        words = words.tolist()
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    word_index = {w: i + 1 for i, w in enumerate(words)}
    if None in parts or len(word_index) != len(words):
        return None
    return parts[0], parts[1], word_index
