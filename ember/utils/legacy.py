"""Keras' `keras.utils.legacy`: the serialisation helpers under their legacy names.

ember has one config format, so these are the same functions as
`ember.utils.serialize_keras_object` and `ember.utils.deserialize_keras_object`.

>>> import ember
>>> ember.utils.legacy.serialize_keras_object(ember.losses.MeanSquaredError())["class_name"]
'MeanSquaredError'
"""

from ember.saving.serialization import deserialize_keras_object, serialize_keras_object

__all__ = ["deserialize_keras_object", "serialize_keras_object"]
