"""`ember.ops.image`: Keras' `keras.ops.image` namespace (not re-exported at the top level of
`ember.ops`, as in Keras)."""

__all__ = []
