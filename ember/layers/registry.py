"""Layer classes by name, for rebuilding layers from configs (`keras.layers.serialize`).

A name resolves to a class registered with `register`, else to a public Layer subclass defined
in ember's own modules (found by walking `Layer.__subclasses__()` at lookup time, so a layer
file added to ember needs no list to update). A config file names a class, never a module to
import.
"""

from ember.layers.base import Layer
from ember.saving.errors import UnknownObjectError
from ember.saving.registry import register_serializable, resolve


def register(cls):
    """Allow `deserialize` to rebuild instances of the Layer subclass `cls` (usable as a
    decorator); returns `cls`.

    There is one registry (`ember.saving.registry`): the class is registered there as
    "Custom>ClassName", exactly as `@register_keras_serializable()` does, so it also loads
    with `load_model`. ember's own classes need no registration (they are found by name).

    >>> import ember
    >>> @ember.layers.registry.register
    ... class DocTwice(ember.layers.Layer):
    ...     def call(self, x):
    ...         return x * 2
    >>> ember.layers.registry.get_class("DocTwice") is DocTwice
    True
    """
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise TypeError(f"register: expected a Layer subclass, received {cls!r}")
    return register_serializable()(cls)


def get_class(name):
    """The layer class called `name` (an ember layer, a registered class, or one in
    `custom_objects` of an enclosing `custom_object_scope`), or a ValueError saying how to
    make it known.

    >>> from ember.layers.registry import get_class
    >>> get_class("BatchNormalization").__name__
    'BatchNormalization'
    """
    try:
        return resolve(name, base=Layer)
    except UnknownObjectError as e:
        raise ValueError(f"Unknown layer class {str(name)[:200]!r}: {e}") from None


def serialize(layer):
    """`{"class_name": ..., "config": layer.get_config()}`.

    >>> import ember
    >>> ember.layers.serialize(ember.layers.Dense(2, name="d"))["class_name"]
    'Dense'
    """
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config_):
    """A new layer from `serialize`'s dict.

    >>> import ember
    >>> layer = ember.layers.deserialize({"class_name": "Dropout", "config": {"rate": 0.5}})
    >>> type(layer).__name__, layer.rate
    ('Dropout', 0.5)
    """
    if not isinstance(config_, dict) or "class_name" not in config_:
        raise ValueError(f"deserialize: expected a dict with 'class_name' and 'config'; "
                         f"received {config_!r}")
    registered = config_.get("registered_name")
    name = registered if isinstance(registered, str) and registered else config_["class_name"]
    return get_class(name).from_config(dict(config_.get("config") or {}))
