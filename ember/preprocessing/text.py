"""Text preprocessing with Keras' legacy API (`keras.preprocessing.text`): splitting text into
words, the hashing trick, and the word- or character-level `Tokenizer`.

The notes: a network's inputs can only be numbers, so text becomes integer indices (one per
word or character, the most frequent word getting index 1), then one-hot vectors or
embeddings. Index 0 is never a word: `pad_sequences` uses it for padding.
"""

import hashlib
import json
from collections import OrderedDict, defaultdict

import numpy as np

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_MODES = ("binary", "count", "tfidf", "freq")


def text_to_word_sequence(input_text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Split a text into a list of words (Keras): lower-case it, replace every character of
    `filters` by `split`, split on `split`, drop empty words.

    >>> text_to_word_sequence("The cat, the HAT!")
    ['the', 'cat', 'the', 'hat']
    """
    if not isinstance(input_text, str):
        raise TypeError(f"text_to_word_sequence: expected a str; received "
                        f"{type(input_text).__name__}")
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [w for w in input_text.split(split) if w]


def _md5(word):
    return int(hashlib.md5(word.encode("utf-8")).hexdigest(), 16)


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True,
                  split=" "):
    """Words to indices in [1, n) by hashing: `hash(w) % (n - 1) + 1` (Keras; 0 is kept for
    padding). Different words may share an index.

    Args:
        text: the text.
        n: the hashing space's size (> 1).
        hash_function: None or "md5" (a stable MD5 hash), or a callable str -> int. Defaults
            to None, which here also means MD5: Keras' default, Python's `hash`, changes from
            one process to the next (PYTHONHASHSEED), so its indices could not be saved.

    >>> hashing_trick("a b a", 10) == hashing_trick("a b a", 10, hash_function="md5")
    True
    >>> all(1 <= i < 10 for i in hashing_trick("some words here", 10))
    True
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise ValueError(f"hashing_trick: `n` must be an int >= 2; received {n!r}")
    if hash_function is None or hash_function == "md5":
        hash_function = _md5
    elif not callable(hash_function):
        raise ValueError(f"hashing_trick: `hash_function` must be None, 'md5' or a callable; "
                         f"received {hash_function!r}")
    seq = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    return [int(hash_function(w) % (n - 1) + 1) for w in seq]


def one_hot(input_text, n, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Keras' `one_hot`: a text's words as indices in [1, n) by the (stable MD5) hashing
    trick; see `hashing_trick`. For one-hot *vectors* use `sequences_to_one_hot`.

    >>> one_hot("hello world hello", 50)[0] == one_hot("hello world hello", 50)[2]
    True
    """
    return hashing_trick(input_text, n, filters=filters, lower=lower, split=split)


def sequences_to_one_hot(sequences, num_classes, dtype="float32"):
    """One-hot vectors for integer sequences: (N, T) ids -> (N, T, num_classes), the notes'
    one-hot encoding of words. Pad ragged lists first with `pad_sequences`.

    >>> sequences_to_one_hot([[1, 0, 2]], 3)[0]
    array([[0., 1., 0.],
           [1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    ids = np.asarray(sequences)
    if ids.dtype == object or (ids.size and ids.dtype.kind not in "iu"):
        raise ValueError("sequences_to_one_hot: expected a rectangular array of integer ids "
                         "(pad ragged sequences with pad_sequences first); received dtype "
                         f"{ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise ValueError(f"sequences_to_one_hot: ids must lie in [0, {num_classes}); received "
                         f"values in [{ids.min()}, {ids.max()}]")
    return np.eye(num_classes, dtype=dtype)[ids]


class Tokenizer:
    """Keras' legacy text tokenizer: builds a vocabulary from texts, then turns texts into
    index sequences or count/tf-idf matrices.

    Indices start at 1 in decreasing order of frequency (ties keep the order of first
    appearance); with `oov_token` that token is index 1 and stands for every unknown word.
    `num_words` keeps only the words with index < num_words when converting (the vocabulary
    itself keeps every word, as in Keras).

    Args:
        num_words: keep the `num_words - 1` most frequent words. Defaults to None (all).
        filters: characters removed from word-level texts. Defaults to punctuation, tab and
            newline.
        lower: lower-case the texts. Defaults to True.
        split: the word separator. Defaults to " ".
        char_level: every character is a token (filters are not applied). Defaults to False.
        oov_token: the out-of-vocabulary token. Defaults to None (unknown words are dropped).
        analyzer: a callable str -> list of tokens replacing word splitting (it gets the
            raw text: as in Keras, `lower` and `filters` are not applied). Defaults
            to None.

    >>> tok = Tokenizer()
    >>> tok.fit_on_texts(["the cat sat", "the dog"])
    >>> tok.word_index
    {'the': 1, 'cat': 2, 'sat': 3, 'dog': 4}
    >>> tok.texts_to_sequences(["the dog sat down"])
    [[1, 4, 3]]
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, document_count=0, analyzer=None):
        if num_words is not None and (isinstance(num_words, bool) or not isinstance(
                num_words, int | np.integer) or num_words < 1):
            raise ValueError(f"Tokenizer: `num_words` must be None or an int >= 1; received "
                             f"{num_words!r}")
        if not isinstance(split, str) or not split:
            raise ValueError(f"Tokenizer: `split` must be a non-empty str; received {split!r}")
        if analyzer is not None and not callable(analyzer):
            raise ValueError(f"Tokenizer: `analyzer` must be None or a callable str -> list "
                             f"of tokens; received {analyzer!r}")
        self.num_words = None if num_words is None else int(num_words)
        self.filters, self.lower, self.split = filters, bool(lower), split
        self.char_level, self.oov_token, self.analyzer = bool(char_level), oov_token, analyzer
        self.document_count = int(document_count)
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.index_docs = defaultdict(int)
        self.word_index, self.index_word = {}, {}

    # ------------------------------------------------------------------ tokens
    def _tokens(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return list(text)
        if not isinstance(text, str):
            raise TypeError(f"Tokenizer: expected texts as str (or lists of tokens); received "
                            f"{type(text).__name__}")
        if self.analyzer is not None:
            return list(self.analyzer(text))  # as Keras: `lower` is the analyzer's job
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    @staticmethod
    def _check_texts(texts):
        if isinstance(texts, str):
            raise TypeError("Tokenizer: expected a list of texts; received a single str (wrap "
                            "it in a list)")

    def fit_on_texts(self, texts):
        """Count the tokens of `texts` (a list of str, or of token lists) and rebuild
        `word_index`/`index_word` (most frequent first; ties in order of appearance)."""
        self._check_texts(texts)
        for text in texts:
            self.document_count += 1
            seq = self._tokens(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1
        ranked = sorted(self.word_counts.items(), key=lambda wc: wc[1], reverse=True)
        vocab = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in ranked]
        self.word_index = dict(zip(vocab, range(1, len(vocab) + 1), strict=True))
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in self.word_docs.items():
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Count in how many sequences each index appears (needed by tfidf mode when the
        tokenizer only sees sequences)."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts):
        """Texts -> lists of indices. Unknown words (and words of index >= num_words) become
        the OOV index, or are dropped when there is no `oov_token`."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """`texts_to_sequences`, one list at a time."""
        self._check_texts(texts)
        num_words, oov = self.num_words, self.word_index.get(self.oov_token)
        for text in texts:
            vect = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is not None and not (num_words and i >= num_words):
                    vect.append(i)
                elif oov is not None:
                    vect.append(oov)
            yield vect

    def sequences_to_texts(self, sequences):
        """Index lists -> texts (tokens joined by a space, also at character level, as Keras)."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """`sequences_to_texts`, one text at a time."""
        num_words, oov = self.num_words, self.word_index.get(self.oov_token)
        for seq in sequences:
            vect = []
            for num in seq:
                word = self.index_word.get(int(num))
                if word is not None and not (num_words and num >= num_words):
                    vect.append(word)
                elif oov is not None:
                    vect.append(self.index_word[oov])
            yield " ".join(vect)

    # ----------------------------------------------------------------- matrices
    def texts_to_matrix(self, texts, mode="binary"):
        """Texts -> a (len(texts), num_words) float32 matrix; see `sequences_to_matrix`."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """Index lists -> a (len(sequences), num_words) float32 matrix (Keras):

        - binary: 1 where the index occurs; count: its count c; freq: c / len(sequence);
        - tfidf: (1 + log c) * log(1 + document_count / (1 + documents containing it)).

        The width is `num_words`, else len(word_index) + 1; column 0 is never set.
        """
        if mode not in _MODES:
            raise ValueError(f"Tokenizer: unknown vectorization mode {mode!r}; expected one of "
                             f"{', '.join(_MODES)}")
        if self.num_words:
            num_words = self.num_words
        elif self.word_index:
            num_words = len(self.word_index) + 1
        else:
            raise ValueError("Tokenizer: specify a dimension (`num_words`) or fit on some text "
                             "data first")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Tokenizer: fit on some data before using tfidf mode")
        x = np.zeros((len(sequences), num_words), dtype=np.float32)
        for i, seq in enumerate(sequences):
            counts = defaultdict(int)
            for j in seq:
                if 0 <= j < num_words:
                    counts[int(j)] += 1
            for j, c in counts.items():
                if mode == "count":
                    x[i, j] = c
                elif mode == "freq":
                    x[i, j] = c / len(seq)
                elif mode == "binary":
                    x[i, j] = 1
                else:
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[i, j] = (1 + np.log(c)) * idf
        return x

    # -------------------------------------------------------------------- JSON
    def get_config(self):
        """The settings and the fitted vocabulary (Keras' layout: dicts as JSON strings)."""
        if self.analyzer is not None:
            raise ValueError("Tokenizer: a tokenizer with a custom `analyzer` cannot be "
                             "serialized (a function is not data)")
        return {
            "num_words": self.num_words, "filters": self.filters, "lower": self.lower,
            "split": self.split, "char_level": self.char_level, "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts), "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs), "word_index": json.dumps(self.word_index),
            "index_word": json.dumps(self.index_word),
        }

    def to_json(self, **kwargs):
        """The tokenizer as a JSON string (`json.dumps` keyword arguments pass through);
        `tokenizer_from_json` reads it back.

        >>> tok = Tokenizer(oov_token="<unk>")
        >>> tok.fit_on_texts(["a b b"])
        >>> tokenizer_from_json(tok.to_json()).texts_to_sequences(["b c a"])
        [[2, 1, 3]]
        """
        return json.dumps({"class_name": "Tokenizer", "config": self.get_config()}, **kwargs)


_DICTS = ("word_counts", "word_docs", "index_docs", "word_index", "index_word")


def tokenizer_from_json(json_string):
    """A `Tokenizer` from `Tokenizer.to_json()`'s string (plain JSON; nothing is executed).

    Raises:
        ValueError: the string is not a serialized Tokenizer.
    """
    try:
        data = json.loads(json_string)
        config = dict(data["config"])
        if data.get("class_name") != "Tokenizer":
            raise ValueError(f"class_name is {data.get('class_name')!r}")
        parts = {k: json.loads(config.pop(k)) for k in _DICTS}
        if not all(isinstance(v, dict) for v in parts.values()):
            raise ValueError("a vocabulary entry is not a JSON object")
        tok = Tokenizer(**config)
        tok.word_counts = OrderedDict((str(k), int(v)) for k, v in parts["word_counts"].items())
        tok.word_docs = defaultdict(int, {str(k): int(v) for k, v in parts["word_docs"].items()})
        tok.index_docs = defaultdict(int, {int(k): int(v)
                                           for k, v in parts["index_docs"].items()})
        tok.word_index = {str(k): int(v) for k, v in parts["word_index"].items()}
        tok.index_word = {int(k): str(v) for k, v in parts["index_word"].items()}
    except (TypeError, KeyError, ValueError, AttributeError) as e:
        raise ValueError(f"tokenizer_from_json: not a serialized Tokenizer ({e})") from e
    return tok


__all__ = ["Tokenizer", "hashing_trick", "one_hot", "sequences_to_one_hot",
           "text_to_word_sequence", "tokenizer_from_json"]
