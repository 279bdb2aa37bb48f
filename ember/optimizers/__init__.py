"""Optimizers with the notes' update rules and Keras 3's API and defaults.

>>> import numpy as np, ember
>>> from ember import optimizers
>>> opt = optimizers.get("sgd")
>>> type(opt).__name__, opt.learning_rate.numpy().dtype.name, round(float(opt.learning_rate), 6)
('SGD', 'float32', 0.01)
>>> w = ember.Variable([1.0, 2.0])
>>> with ember.GradientTape() as tape:
...     loss = ember.ops.sum(w * w)
>>> _ = opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
>>> w.numpy()
array([0.98, 1.96], dtype=float32)
"""

from ember.optimizers import schedules
from ember.optimizers.adagrad import Adagrad
from ember.optimizers.adam import Adam, AdamW, Nadam
from ember.optimizers.base import Optimizer
from ember.optimizers.rmsprop import RMSprop
from ember.optimizers.sgd import SGD

ALL_OBJECTS = (SGD, Adagrad, RMSprop, Adam, AdamW, Nadam)
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}


def serialize(optimizer):
    """`{"module", "class_name", "config"}` for an optimizer (Keras' layout).

    >>> from ember import optimizers
    >>> optimizers.serialize(optimizers.Adam())["class_name"]
    'Adam'
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"serialize: expected an Optimizer, received {type(optimizer).__name__}")
    return {"module": "ember.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config()}


def deserialize(config, custom_objects=None):
    """The optimizer described by `{"class_name": ..., "config": {...}}`.

    Built-in class names match case-insensitively; other names resolve only through
    `custom_objects` (name -> class). A `module` entry is never imported.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("deserialize: expected a dict with 'class_name' and 'config'; "
                         f"received {config!r}")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name)
    if cls is None and isinstance(name, str):
        cls = ALL_OBJECTS_DICT.get(name.lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer: {name!r}. Expected one of "
                         f"{sorted(ALL_OBJECTS_DICT)} or a name in custom_objects.")
    return cls.from_config(dict(config.get("config", {})), custom_objects=custom_objects)


def get(identifier):
    """An optimizer from a name, a config dict, a class or an instance (returned as is).

    Args:
        identifier: "sgd", "adam", "adamw", "rmsprop", "adagrad" or "nadam" (any case, Keras
            defaults), a dict from `serialize`, an `Optimizer` subclass (built with its
            defaults), an instance, or None (returns None).

    >>> from ember import optimizers
    >>> optimizers.get("Adam").get_config()["learning_rate"]  # float32's 0.001, as Keras
    0.0010000000474974513
    >>> optimizers.get({"class_name": "SGD", "config": {"momentum": 0.9}}).momentum
    0.9
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in ALL_OBJECTS_DICT:
            raise ValueError(f"Unknown optimizer: {identifier!r}. Valid names: "
                             f"{sorted(ALL_OBJECTS_DICT)}")
        return ALL_OBJECTS_DICT[key]()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. Expected a "
                     f"name in {sorted(ALL_OBJECTS_DICT)}, a config dict, an Optimizer "
                     "class or instance.")


__all__ = [
    "SGD", "Adagrad", "Adam", "AdamW", "Nadam", "Optimizer", "RMSprop", "deserialize", "get",
    "schedules", "serialize",
]
