"""Saving and loading: ember's model files, weights files, checkpoints and class registry.

Files are zip archives of JSON and raw tensor bytes (safetensors layout) with a SHA-256
manifest; no pickle, no code, and class names resolve only through ember's registry (see
`format`, `registry`). Every write is atomic (see `atomic`).
"""

from ember.saving.api import load_model, load_weights, save_model, save_weights
from ember.saving.atomic import atomic_write_bytes, atomic_writer
from ember.saving.errors import FileFormatError, UnknownObjectError
from ember.saving.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    register_serializable,
)
from ember.saving.serialization import (
    deserialize,
    deserialize_keras_object,
    in_safe_mode,
    serialize,
    serialize_keras_object,
)

__all__ = [
    "CustomObjectScope", "FileFormatError", "UnknownObjectError", "atomic_write_bytes",
    "atomic_writer", "custom_object_scope", "deserialize", "deserialize_keras_object",
    "get_custom_objects", "get_registered_name", "get_registered_object", "in_safe_mode",
    "load_model",
    "load_weights", "register_keras_serializable", "register_serializable", "save_model",
    "save_weights", "serialize", "serialize_keras_object",
]
