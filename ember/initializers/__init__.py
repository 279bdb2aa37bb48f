"""Weight initializers with Keras' names, defaults and fan rules (`keras.initializers`).

An initializer is a callable `(shape, dtype=None) -> ndarray`. Random ones take `seed`: an int
makes every call return the same values (Keras' semantics); None draws from ember's global
generator at call time, so `ember.utils.set_random_seed` makes whole models repeatable.

>>> import ember
>>> w = ember.initializers.get("glorot_uniform")((784, 64))
>>> w.shape, w.dtype, bool(abs(w).max() <= (6 / (784 + 64)) ** 0.5)
((784, 64), dtype('float32'), True)
"""

import re

from ember.initializers.constant_initializers import (
    Constant,
    Identity,
    Initializer,
    Ones,
    Zeros,
    compute_fans,
)
from ember.initializers.random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    OrthogonalInitializer,
    RandomInitializer,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
)

_CLASSES = (Zeros, Ones, Constant, Identity, RandomNormal, TruncatedNormal, RandomUniform,
            VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform,
            LecunNormal, Orthogonal)


def _snake(name):
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


_BY_NAME = {cls.__name__: cls for cls in _CLASSES}
_BY_NAME.update({_snake(cls.__name__): cls for cls in _CLASSES})
_BY_NAME.update({"uniform": RandomUniform, "normal": RandomNormal, "one": Ones, "zero": Zeros,
                 "OrthogonalInitializer": Orthogonal, "IdentityInitializer": Identity})

# Function-style aliases, as `keras.initializers.glorot_uniform(seed=0)`.
zeros, ones, constant, identity = Zeros, Ones, Constant, Identity
random_normal, truncated_normal, random_uniform = RandomNormal, TruncatedNormal, RandomUniform
variance_scaling, orthogonal = VarianceScaling, Orthogonal
glorot_uniform, glorot_normal, he_uniform, he_normal = (GlorotUniform, GlorotNormal, HeUniform,
                                                        HeNormal)
lecun_uniform, lecun_normal = LecunUniform, LecunNormal


def serialize(initializer):
    """`{"class_name": ..., "config": {...}}` for an ember initializer (None stays None).

    >>> import ember
    >>> ember.initializers.serialize(ember.initializers.Constant(2.0))
    {'class_name': 'Constant', 'config': {'value': 2.0}}
    """
    if initializer is None:
        return None
    if not isinstance(initializer, Initializer) or type(initializer) not in _CLASSES:
        raise ValueError(f"Cannot serialize initializer {initializer!r}: only ember's built-in "
                         "initializers can be stored in a config")
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config_):
    """The initializer described by `serialize`'s dict.

    >>> import ember
    >>> ember.initializers.deserialize({"class_name": "HeUniform", "config": {"seed": 1}})
    HeUniform(seed=1)
    """
    if not isinstance(config_, dict) or "class_name" not in config_:
        raise ValueError(f"Could not interpret initializer config {config_!r}: expected a "
                         "dict with 'class_name' and 'config'")
    cls = _BY_NAME.get(config_["class_name"])
    if cls is None:
        raise ValueError(f"Unknown initializer {config_['class_name']!r}; valid names are "
                         f"{', '.join(sorted(_BY_NAME))}")
    return cls.from_config(dict(config_.get("config") or {}))


def get(identifier):
    """An initializer from a name (snake or CamelCase), a config dict, a class, an instance or a
    callable `(shape, dtype) -> array`; None gives None.

    Raises:
        ValueError: for an unknown name (the message lists the valid ones).

    >>> import ember
    >>> ember.initializers.get("he_normal")
    HeNormal(seed=None)
    >>> ember.initializers.get({"class_name": "Constant", "config": {"value": 1.5}})
    Constant(value=1.5)
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown initializer {identifier!r}; valid names are "
                             f"{', '.join(sorted(_BY_NAME))}")
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
