"""Preprocessing of text and sequences (Keras' `keras.preprocessing`): the `Tokenizer`,
`one_hot`/hashing, `pad_sequences`, and the `TextVectorization` layer.

This package imports only NumPy at load time (`ember.utils` re-exports `pad_sequences` from
it); `TextVectorization` is loaded on first use.
"""

from ember.preprocessing import sequence, text
from ember.preprocessing.sequence import pad_sequences
from ember.preprocessing.text import (
    Tokenizer,
    hashing_trick,
    one_hot,
    sequences_to_one_hot,
    text_to_word_sequence,
    tokenizer_from_json,
)


def __getattr__(name):
    if name == "TextVectorization":
        from ember.preprocessing.text_vectorization import TextVectorization  # noqa: PLC0415

        return TextVectorization
    if name in ("image_dataset_from_directory", "text_dataset_from_directory",
                "timeseries_dataset_from_array"):  # Keras' keras.preprocessing aliases
        from ember import utils  # noqa: PLC0415  (ember.utils imports this package)

        return getattr(utils, name)
    raise AttributeError(f"module 'ember.preprocessing' has no attribute {name!r}")


__all__ = ["TextVectorization", "Tokenizer", "hashing_trick", "image_dataset_from_directory",
           "one_hot", "pad_sequences", "sequence", "sequences_to_one_hot", "text",
           "text_dataset_from_directory", "text_to_word_sequence",
           "timeseries_dataset_from_array", "tokenizer_from_json"]
