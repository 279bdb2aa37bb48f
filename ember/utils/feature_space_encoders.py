"""The per-feature preprocessors behind `FeatureSpace`, in NumPy: what Keras builds from its
preprocessing layers (Rescaling, Normalization, Discretization, IntegerLookup/StringLookup,
Hashing, HashedCrossing). Each takes a column of values (an array of shape (n,)), `adapt`s on
one where it has state, returns `(n, 1)` floats or integer indices, and knows its
`cardinality` (the width of its one-hot encoding). Their configs hold the adapted state as
plain JSON data (vocabularies, boundaries, statistics), so a FeatureSpace saves as JSON.

Hashing uses 64-bit FNV-1a on the value's text (Keras uses TensorFlow's FarmHash), so hashed
bins are deterministic from run to run but differ from Keras' bins.

>>> lookup = Lookup("string")
>>> lookup.adapt(np.array(["b", "a", "b", "c", "b", "a"]))
>>> lookup.vocabulary, lookup.cardinality
(['b', 'a', 'c'], 4)
>>> lookup(np.array(["a", "zzz"])).ravel().tolist()  # index 0: out of vocabulary
[2, 0]
"""

import numpy as np

from ember import config

_FNV_OFFSET, _FNV_PRIME, _MASK = 0xCBF29CE484222325, 0x100000001B3, (1 << 64) - 1


def fnv1a(text):
    """The 64-bit FNV-1a hash of `text` (a str; utf-8).

    >>> fnv1a("a")
    12638187200555641996
    """
    h = _FNV_OFFSET
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * _FNV_PRIME) & _MASK
    return h


def _text(value):
    """The text a value is hashed as: ints and integral floats as digits ("3")."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def hash_bins(values, num_bins):
    """`fnv1a(text) % num_bins` for each value, as int64 of shape (n, 1)."""
    return np.array([fnv1a(_text(v)) % num_bins for v in values], dtype=np.int64).reshape(-1, 1)


def column(values, where):
    """`values` (array-like or scalar) as a 1-D array, one entry per sample."""
    arr = np.asarray(values)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"FeatureSpace: feature {where!r} must have one value per sample "
                         f"(shape (n,) or (n, 1)); received shape {arr.shape}")
    return arr


class Encoder:
    """Base: stateless, float output."""

    kind = "float"  # "float" (values) or "int" (indices)
    cardinality = None
    adaptable = False

    def adapt(self, values):
        pass

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, cfg):
        return cls(**cfg)


class Identity(Encoder):
    def __call__(self, values):
        return np.asarray(values, dtype=config.floatx()).reshape(-1, 1)


class Rescale(Encoder):
    """`x * scale + offset`."""

    def __init__(self, scale=1.0, offset=0.0):
        self.scale, self.offset = float(scale), float(offset)

    def __call__(self, values):
        x = np.asarray(values, dtype=config.floatx()).reshape(-1, 1)
        return (x * self.scale + self.offset).astype(config.floatx())

    def get_config(self):
        return {"scale": self.scale, "offset": self.offset}


class Normalize(Encoder):
    """`(x - mean) / max(sqrt(variance), 1e-7)`: ember's `Normalization` layer, adapted on
    the column."""

    adaptable = True

    def __init__(self, mean=None, variance=None):
        self.mean, self.variance = mean, variance

    def adapt(self, values):
        from ember.layers.preprocessing.normalization import Normalization  # noqa: PLC0415

        layer = Normalization(axis=-1)
        layer.adapt(np.asarray(values, dtype="float64").reshape(-1, 1))  # float64 on purpose
        self.mean = float(np.asarray(layer.mean.numpy()).ravel()[0])
        self.variance = float(np.asarray(layer.variance.numpy()).ravel()[0])

    def __call__(self, values):
        if self.mean is None:
            raise ValueError("FeatureSpace: a float_normalized feature must be adapted first")
        x = np.asarray(values, dtype=config.floatx()).reshape(-1, 1)
        scale = max(float(np.sqrt(self.variance)), 1e-7)
        return ((x - self.mean) / scale).astype(config.floatx())

    def get_config(self):
        return {"mean": self.mean, "variance": self.variance}


class Discretize(Encoder):
    """Bucket index: the number of boundaries <= x (Keras' Discretization); boundaries are
    the (num_bins - 1) inner quantiles of the adapted data unless given."""

    kind = "int"

    def __init__(self, num_bins=None, bin_boundaries=None):
        if bin_boundaries is None and (num_bins is None or int(num_bins) < 1):
            raise ValueError(f"float_discretized: give num_bins >= 1 or bin_boundaries; "
                             f"received num_bins={num_bins!r}")
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in
                                                                   bin_boundaries]
        self.num_bins = (len(self.bin_boundaries) + 1 if self.bin_boundaries is not None
                         else int(num_bins))
        self.adaptable = bin_boundaries is None

    @property
    def cardinality(self):
        return self.num_bins

    def adapt(self, values):
        x = np.asarray(values, dtype="float64")  # float64 on purpose (quantiles)
        qs = np.linspace(0.0, 1.0, self.num_bins + 1)[1:-1]
        self.bin_boundaries = [float(b) for b in np.quantile(x, qs)] if x.size else []

    def __call__(self, values):
        if self.bin_boundaries is None:
            raise ValueError("FeatureSpace: a float_discretized feature must be adapted first")
        x = np.asarray(values, dtype="float64").reshape(-1, 1)  # float64 on purpose
        return np.searchsorted(np.asarray(self.bin_boundaries), x, side="right").astype(
            np.int64)

    def get_config(self):
        return {"num_bins": self.num_bins, "bin_boundaries": self.bin_boundaries}


class Lookup(Encoder):
    """Vocabulary index (Keras' IntegerLookup/StringLookup without mask): the first
    `num_oov_indices` indices are out-of-vocabulary buckets, then the vocabulary, most frequent
    first (ties in sorted order), at most `max_tokens` entries in all."""

    kind = "int"
    adaptable = True

    def __init__(self, dtype, max_tokens=None, num_oov_indices=1, vocabulary=None):
        if dtype not in ("int", "string"):
            raise ValueError(f"Lookup: dtype must be 'int' or 'string'; received {dtype!r}")
        if num_oov_indices < 0 or (max_tokens is not None and max_tokens <= num_oov_indices):
            raise ValueError(f"Lookup: need num_oov_indices >= 0 and max_tokens > "
                             f"num_oov_indices; received max_tokens={max_tokens!r}, "
                             f"num_oov_indices={num_oov_indices!r}")
        self.dtype, self.max_tokens = dtype, max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.vocabulary = None if vocabulary is None else list(vocabulary)

    def _key(self, value):
        return int(value) if self.dtype == "int" else _text(value)

    @property
    def cardinality(self):
        return None if self.vocabulary is None else self.num_oov_indices + len(self.vocabulary)

    def adapt(self, values):
        keys, counts = np.unique(np.array([self._key(v) for v in values]), return_counts=True)
        order = sorted(range(len(keys)), key=lambda i: (-int(counts[i]), keys[i]))
        vocab = [keys[i].item() for i in order]
        if self.max_tokens is not None:
            vocab = vocab[:self.max_tokens - self.num_oov_indices]
        self.vocabulary = vocab

    def __call__(self, values):
        if self.vocabulary is None:
            raise ValueError("FeatureSpace: a categorical feature must be adapted first")
        index = {v: i + self.num_oov_indices for i, v in enumerate(self.vocabulary)}
        out = []
        for v in values:
            key = self._key(v)
            i = index.get(key)
            if i is None:
                if self.num_oov_indices == 0:
                    raise ValueError(f"FeatureSpace: value {key!r} is not in the vocabulary "
                                     "and num_oov_indices=0")
                i = fnv1a(_text(key)) % self.num_oov_indices if self.num_oov_indices > 1 else 0
            out.append(i)
        return np.array(out, dtype=np.int64).reshape(-1, 1)

    def get_config(self):
        return {"dtype": self.dtype, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "vocabulary": self.vocabulary}


class Hash(Encoder):
    """`hash(value) % num_bins` (Keras' Hashing, with FNV-1a: see the module doc)."""

    kind = "int"

    def __init__(self, num_bins):
        if int(num_bins) < 1:
            raise ValueError(f"hashed feature: num_bins must be >= 1; received {num_bins!r}")
        self.num_bins = int(num_bins)

    @property
    def cardinality(self):
        return self.num_bins

    def __call__(self, values):
        return hash_bins(values, self.num_bins)

    def get_config(self):
        return {"num_bins": self.num_bins}


def cross_bins(columns, crossing_dim):
    """Keras' HashedCrossing: the hash of the joined values of several (n, 1) columns of one
    sample, modulo `crossing_dim`; (n, 1) int64."""
    rows = zip(*[np.asarray(c).reshape(-1) for c in columns])
    return hash_bins(["_X_".join(_text(v) for v in row) for row in rows], crossing_dim)


ENCODERS = {cls.__name__: cls for cls in (Identity, Rescale, Normalize, Discretize, Lookup,
                                          Hash)}
