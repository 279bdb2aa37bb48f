"""The `TextVectorization` layer (Keras): strings -> standardized tokens -> vocabulary
indices ("int"), or one bag-of-words vector per text ("multi_hot", "count").

In "int" mode index 0 is padding ("") and index 1 the out-of-vocabulary token ("[UNK]"); the
learned words follow from index 2, most frequent first. In "multi_hot"/"count" mode there is
no padding token: index 0 is "[UNK]". As in Keras, `adapt` breaks frequency ties by sorting
the tokens themselves in descending (UTF-8 byte) order, so a vocabulary is deterministic.
"""

import itertools
import re
from collections import Counter

import numpy as np

from ember.layers.base import Layer
from ember.layers.node import SymbolicTensor
from ember.preprocessing.sequence import pad_sequences
from ember.tensor import Tensor

# Keras' DEFAULT_STRIP_REGEX (",-\." is the range ",", "-", ".")
STRIP_REGEX = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
_STANDARDIZE = (None, "lower", "strip_punctuation", "lower_and_strip_punctuation")
_SPLIT = (None, "whitespace", "character")
_MODES = ("int", "multi_hot", "count")
PAD, OOV = "", "[UNK]"


def _positive_int(where, name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{where}: `{name}` must be None or an int >= {minimum}; received "
                         f"{value!r}")
    return int(value)


class TextVectorization(Layer):
    """Map texts to token indices or bag-of-words vectors (Keras' `TextVectorization`).

    It runs eagerly on Python strings (a list, or a NumPy array of shape (N,) or (N, 1)) and
    returns an ember Tensor: vectorize the texts, then feed the numbers to a model.

    Args:
        max_tokens: the vocabulary's size including the special tokens (2 in "int" mode, 1
            otherwise). Defaults to None (no limit).
        standardize: None, "lower", "strip_punctuation", "lower_and_strip_punctuation" or a
            callable str -> str. Defaults to "lower_and_strip_punctuation".
        split: None (the whole text is one token), "whitespace", "character" or a callable
            str -> list of str. Defaults to "whitespace".
        ngrams: None, an int n (all 1..n-grams) or a tuple of sizes; n-grams join tokens by a
            space. Defaults to None.
        output_mode: "int", "multi_hot" or "count". Defaults to "int".
        output_sequence_length: "int" mode only: pad with 0 or truncate at the end to this
            length. Defaults to None (pad to the longest text of the batch).
        pad_to_max_tokens: "multi_hot"/"count": make the output `max_tokens` wide even when
            the vocabulary is smaller. Defaults to False.
        vocabulary: a list of tokens to use instead of `adapt`. Defaults to None.

    Shapes: texts (N,) or (N, 1) -> (N, T) int64 in "int" mode, (N, vocabulary_size) float32
    otherwise.

    >>> layer = TextVectorization(output_sequence_length=4)
    >>> layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    >>> layer.get_vocabulary()
    ['', '[UNK]', 'baz', 'bar', 'foo', 'boom', 'bada']
    >>> layer(["foo qux bar", "qux baz"]).numpy()
    array([[4, 1, 3, 0],
           [1, 2, 0, 0]])
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 **kwargs):
        super().__init__(**kwargs)
        where = self._where
        if output_mode not in _MODES:
            raise ValueError(f"{where}: `output_mode` must be one of {', '.join(_MODES)}; "
                             f"received {output_mode!r}")
        self.output_mode = output_mode
        specials = len(self._specials())
        self.max_tokens = None if max_tokens is None else _positive_int(
            where, "max_tokens", max_tokens, specials + 1)
        if standardize not in _STANDARDIZE and not callable(standardize):
            raise ValueError(f"{where}: `standardize` must be one of {_STANDARDIZE} or a "
                             f"callable; received {standardize!r}")
        if split not in _SPLIT and not callable(split):
            raise ValueError(f"{where}: `split` must be one of {_SPLIT} or a callable; "
                             f"received {split!r}")
        self.standardize, self.split = standardize, split
        if ngrams is None:
            self.ngrams = None
        elif isinstance(ngrams, int | np.integer) and not isinstance(ngrams, bool):
            self.ngrams = _positive_int(where, "ngrams", ngrams)
        else:
            self.ngrams = tuple(_positive_int(where, "ngrams", n) for n in ngrams)
        if output_sequence_length is not None:
            if output_mode != "int":
                raise ValueError(f"{where}: `output_sequence_length` is only valid with "
                                 f"output_mode='int'; received output_mode={output_mode!r}")
            output_sequence_length = _positive_int(where, "output_sequence_length",
                                                   output_sequence_length)
        self.output_sequence_length = output_sequence_length
        if pad_to_max_tokens and (output_mode == "int" or self.max_tokens is None):
            raise ValueError(f"{where}: `pad_to_max_tokens=True` needs output_mode "
                             f"'multi_hot' or 'count' and a `max_tokens`; received "
                             f"output_mode={output_mode!r}, max_tokens={max_tokens!r}")
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self._vocab = []
        self._index = {}
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)
        self.built = True

    @property
    def _where(self):
        return f"TextVectorization '{self.name}'"

    def _specials(self):
        return [PAD, OOV] if self.output_mode == "int" else [OOV]

    # ------------------------------------------------------------------ tokens
    def _standardized(self, text):
        s = self.standardize
        if callable(s):
            return s(text)
        if s in ("lower", "lower_and_strip_punctuation"):
            text = text.lower()
        if s in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = re.sub(STRIP_REGEX, "", text)
        return text

    def _tokens(self, text):
        if not isinstance(text, str):
            raise TypeError(f"{self._where}: expected texts as str; received "
                            f"{type(text).__name__} {text!r}")
        text = self._standardized(text)
        if callable(self.split):
            tokens = list(self.split(text))
        elif self.split == "whitespace":
            tokens = text.split()
        elif self.split == "character":
            tokens = list(text)
        else:
            tokens = [text]
        if self.ngrams is None:
            return tokens
        sizes = range(1, self.ngrams + 1) if isinstance(self.ngrams, int) else self.ngrams
        return [" ".join(tokens[i:i + n]) for n in sizes for i in range(len(tokens) - n + 1)]

    def _texts(self, data):
        if isinstance(data, str):
            raise TypeError(f"{self._where}: expected a batch of texts (a list or an array "
                            "of shape (N,) or (N, 1)); received a single str (wrap it in a "
                            "list)")
        arr = np.asarray(data, dtype=object)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise ValueError(f"{self._where}: expected texts of shape (N,) or (N, 1); "
                             f"received shape {arr.shape}")
        return [t.decode("utf-8") if isinstance(t, bytes) else t for t in arr]

    # -------------------------------------------------------------- vocabulary
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from `data` (texts): the most frequent tokens, ties broken by
        the tokens in descending order, at most `max_tokens` minus the special tokens.
        `data` is texts, or a Dataset / iterable of text batches (then `steps` batches at
        most, all without it); `batch_size` is accepted for Keras compatibility."""
        from ember.data.adapter import is_iterable_input  # noqa: PLC0415

        # a Dataset, generator or iterable of text batches (Keras' adapt(dataset)), or texts
        batches = itertools.islice(data, steps) if is_iterable_input(data) else [data]
        counts = Counter()
        for batch in batches:
            for text in self._texts(batch):
                counts.update(self._tokens(text))
        for special in (PAD, OOV):
            counts.pop(special, None)
        ranked = sorted(counts.items(), key=lambda tc: (tc[1], tc[0].encode("utf-8")),
                        reverse=True)
        if self.max_tokens is not None:
            ranked = ranked[:self.max_tokens - len(self._specials())]
        self._set([t for t, _ in ranked])

    def set_vocabulary(self, vocabulary):
        """Use `vocabulary` (a list of unique tokens; leading special tokens are optional)."""
        vocab = [str(t) for t in vocabulary]
        specials = self._specials()
        if vocab[:len(specials)] == specials:
            vocab = vocab[len(specials):]
        bad = [t for t in vocab if t in (PAD, OOV)]
        if bad:
            raise ValueError(f"{self._where}: the vocabulary holds the special token {bad[0]!r} "
                             f"after the start; expected {specials} first or not at all")
        if len(set(vocab)) != len(vocab):
            dup = next(t for t, c in Counter(vocab).items() if c > 1)
            raise ValueError(f"{self._where}: the vocabulary repeats the token {dup!r}")
        if self.max_tokens is not None and len(vocab) + len(specials) > self.max_tokens:
            raise ValueError(f"{self._where}: the vocabulary has {len(vocab) + len(specials)} "
                             f"tokens with the special ones, more than max_tokens="
                             f"{self.max_tokens}")
        self._set(vocab)

    def _set(self, vocab):
        self._vocab = list(vocab)
        start = len(self._specials())
        self._index = {t: i + start for i, t in enumerate(self._vocab)}

    def get_vocabulary(self, include_special_tokens=True):
        """The tokens by index: ["", "[UNK]", ...] in "int" mode, ["[UNK]", ...] otherwise."""
        return (self._specials() if include_special_tokens else []) + list(self._vocab)

    def vocabulary_size(self):
        """len(get_vocabulary())."""
        return len(self._vocab) + len(self._specials())

    # -------------------------------------------------------------------- call
    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, SymbolicTensor | Tensor):
            raise TypeError(f"{self._where} maps Python strings and runs eagerly; vectorize "
                            "the texts first (x = layer(texts)) and give the model x")
        return self.call(inputs)

    def call(self, inputs):
        texts = self._texts(inputs)
        oov = self._specials().index(OOV)
        ids = [[self._index.get(t, oov) for t in self._tokens(text)] for text in texts]
        if self.output_mode == "int":
            out = pad_sequences(ids, maxlen=self.output_sequence_length, dtype="int64",
                                padding="post", truncating="post")
            return Tensor._wrap(out)
        width = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        out = np.zeros((len(ids), width), dtype=np.float32)
        for row, seq in zip(out, ids, strict=True):
            np.add.at(row, np.asarray(seq, dtype=np.int64), 1.0)
        if self.output_mode == "multi_hot":
            np.minimum(out, 1.0, out=out)
        return Tensor._wrap(out)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return (input_shape[0], self.output_sequence_length)
        width = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        return (input_shape[0], width)

    def get_config(self):
        if callable(self.standardize) or callable(self.split):
            raise ValueError(f"{self._where}: a callable `standardize` or `split` cannot be "
                             "serialized (a function is not data); use the named options")
        ngrams = list(self.ngrams) if isinstance(self.ngrams, tuple) else self.ngrams
        return {**super().get_config(), "max_tokens": self.max_tokens,
                "standardize": self.standardize, "split": self.split, "ngrams": ngrams,
                "output_mode": self.output_mode,
                "output_sequence_length": self.output_sequence_length,
                "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary": list(self._vocab) if self._vocab else None}


__all__ = ["TextVectorization"]
