"""Sequence preprocessing (Keras' `keras.preprocessing.sequence` / `keras.utils`):
`pad_sequences`, which turns a list of variable-length sequences into one rectangular array."""

import numpy as np


def _check_choice(name, value):
    if value not in ("pre", "post"):
        raise ValueError(f"pad_sequences: `{name}` must be 'pre' or 'post'; received {value!r}")


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad (and truncate) sequences to a common length, exactly as Keras does.

    Sequences longer than `maxlen` lose their first (`truncating="pre"`) or last
    (`"post"`) items; shorter ones get `value` before (`padding="pre"`) or after (`"post"`)
    them. Items may themselves be arrays (then every item must have the same shape).

    Args:
        sequences: a list of sequences (lists or arrays), each of length >= 0.
        maxlen: the common length. Defaults to None: the longest sequence's length.
        dtype: the output dtype. Defaults to "int32".
        padding: "pre" or "post". Defaults to "pre".
        truncating: "pre" or "post". Defaults to "pre".
        value: the padding value. Defaults to 0.0.

    Returns:
        An array of shape (len(sequences), maxlen) + item_shape.

    >>> from ember.preprocessing.sequence import pad_sequences
    >>> pad_sequences([[1, 2, 3], [4, 5], [6]])
    array([[1, 2, 3],
           [0, 4, 5],
           [0, 0, 6]], dtype=int32)
    >>> pad_sequences([[1, 2, 3], [4, 5]], maxlen=2, padding="post", truncating="post")
    array([[1, 2],
           [4, 5]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"pad_sequences: `sequences` must be a list of sequences; received "
                         f"{type(sequences).__name__}")
    _check_choice("padding", padding)
    _check_choice("truncating", truncating)
    if maxlen is not None and (isinstance(maxlen, bool) or not isinstance(
            maxlen, int | np.integer) or maxlen < 0):
        raise ValueError(f"pad_sequences: `maxlen` must be None or an int >= 0; received "
                         f"{maxlen!r}")
    lengths, sample_shape, found = [], (), False
    for x in sequences:
        try:
            lengths.append(len(x))
        except TypeError as e:
            raise ValueError(f"pad_sequences: `sequences` must be a list of sequences; found "
                             f"the non-sequence {x!r}") from e
        if not found and len(x):
            sample_shape, found = np.asarray(x).shape[1:], True
    if maxlen is None:
        maxlen = max(lengths, default=0)
    is_str = np.issubdtype(np.dtype(dtype), np.str_)
    if isinstance(value, str) and np.dtype(dtype) != object and not is_str:
        raise ValueError(f"pad_sequences: `dtype` {dtype!r} is not compatible with the string "
                         f"padding value {value!r}; use dtype=object or a string dtype")
    out = np.full((len(sequences), maxlen) + tuple(sample_shape), value, dtype=dtype)
    if maxlen == 0:
        return out
    for i, s in enumerate(sequences):
        if not len(s):
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != tuple(sample_shape):
            raise ValueError(f"pad_sequences: items of sequence {i} have shape "
                             f"{trunc.shape[1:]}, expected {tuple(sample_shape)} like the "
                             "first non-empty sequence's")
        if padding == "post":
            out[i, :len(trunc)] = trunc
        else:
            out[i, -len(trunc):] = trunc
    return out


__all__ = ["pad_sequences"]
