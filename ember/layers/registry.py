"""Layer classes by name, for rebuilding layers from configs (`keras.layers.serialize`).

A name resolves to a class registered with `register`, else to a public Layer subclass defined
in ember's own modules (found by walking `Layer.__subclasses__()` at lookup time, so a layer
file added to ember needs no list to update). A config file names a class, never a module to
import.
"""

from ember.layers.base import Layer

_REGISTRY = {}


def register(cls):
    """Allow `deserialize` to rebuild instances of the Layer subclass `cls` (usable as a
    decorator); returns `cls`.

    >>> import ember
    >>> @ember.layers.registry.register
    ... class Twice(ember.layers.Layer):
    ...     def call(self, x):
    ...         return x * 2
    >>> ember.layers.registry.get_class("Twice") is Twice
    True
    """
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise TypeError(f"register: expected a Layer subclass, received {cls!r}")
    _REGISTRY[cls.__name__] = cls
    return cls


def _ember_layers():
    found, stack = {}, [Layer]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("ember.") and not sub.__name__.startswith("_"):
                found.setdefault(sub.__name__, sub)
    return found


def get_class(name):
    """The layer class called `name`, or a ValueError listing the known ones.

    >>> from ember.layers.registry import get_class
    >>> get_class("BatchNormalization").__name__
    'BatchNormalization'
    """
    cls = _REGISTRY.get(name)
    if cls is None:
        known = _ember_layers()
        cls = known.get(name)
        if cls is None:
            raise ValueError(f"Unknown layer class {name!r}; known classes are "
                             f"{', '.join(sorted({**known, **_REGISTRY}))}")
    return cls


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
    return get_class(config_["class_name"]).from_config(dict(config_.get("config") or {}))
