"""Weight constraints with Keras' names (`keras.constraints`).

A constraint maps a weight to its projection (for example, rescaled to a maximum norm). Layers
store it on the weight as `_constraint`; the optimizer applies it after each update, outside the
graph: `w.assign(w._constraint(w))`. Constraints take a Tensor or an array and return an
untracked Tensor of the same shape and dtype.

>>> import ember
>>> ember.constraints.NonNeg()(ember.tensor([-1.0, 2.0])).numpy()
array([0., 2.], dtype=float32)
"""

import numpy as np

from ember import backend, config
from ember.tensor import Tensor, to_array


def _arr(w):
    return backend.as_array(to_array(w))  # a weight on a GPU stays there


def _norms(w, axis):
    axis = tuple(axis) if isinstance(axis, list | tuple) else axis
    return np.sqrt(np.sum(w * w, axis=axis, keepdims=True))


class Constraint:
    """Base class: subclasses implement `__call__(w)` and `get_config()`; the base is the
    identity.

    >>> import ember
    >>> ember.constraints.Constraint()(ember.tensor([-1.0])).numpy()
    array([-1.], dtype=float32)
    """

    def __call__(self, w):
        return Tensor._wrap(_arr(w).copy())

    def get_config(self):
        """The constructor arguments (JSON-serialisable)."""
        return {}

    @classmethod
    def from_config(cls, config_):
        """Rebuild from `get_config()`."""
        return cls(**config_)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescale each slice along `axis` to a norm of at most `max_value`:
    w * clip(norm, 0, max_value) / (epsilon + norm).

    Args:
        max_value: the largest norm allowed. Defaults to 2.
        axis: the axis (or axes) the norms are taken over; 0 for a Dense kernel (one norm per
            unit), [0, 1, 2] for a Conv2D kernel. Defaults to 0.

    >>> import ember
    >>> ember.constraints.MaxNorm(1.0)(ember.tensor([[3.0], [4.0]])).numpy().round(4)
    array([[0.6],
           [0.8]], dtype=float32)
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = _arr(w)
        norms = _norms(w, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return Tensor._wrap(w * (desired / (config.epsilon() + norms)).astype(w.dtype))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Clip negative weights to 0.

    >>> import ember
    >>> ember.constraints.NonNeg()(ember.tensor([-0.5, 0.5])).numpy()
    array([0. , 0.5], dtype=float32)
    """

    def __call__(self, w):
        return Tensor._wrap(np.maximum(_arr(w), 0))


class UnitNorm(Constraint):
    """Rescale each slice along `axis` to unit norm: w / (epsilon + norm). Defaults to axis=0.

    >>> import ember
    >>> ember.constraints.UnitNorm()(ember.tensor([[3.0], [4.0]])).numpy().round(4)
    array([[0.6],
           [0.8]], dtype=float32)
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _arr(w)
        return Tensor._wrap(w / (config.epsilon() + _norms(w, self.axis)).astype(w.dtype))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Rescale each slice along `axis` towards a norm in [min_value, max_value]:
    desired = rate * clip(norm, min_value, max_value) + (1 - rate) * norm.

    Args:
        min_value: defaults to 0.
        max_value: defaults to 1.
        rate: 1 enforces the bounds strictly; less moves towards them gradually. Defaults to 1.
        axis: as in `MaxNorm`. Defaults to 0.

    >>> import ember
    >>> c = ember.constraints.MinMaxNorm(min_value=2.0, max_value=3.0)
    >>> c(ember.tensor([[0.6], [0.8]])).numpy().round(4)
    array([[1.2],
           [1.6]], dtype=float32)
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = _arr(w)
        norms = _norms(w, self.axis)
        desired = (self.rate * np.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return Tensor._wrap(w * (desired / (config.epsilon() + norms)).astype(w.dtype))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm

_CLASSES = (Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm)
_BY_NAME = {cls.__name__: cls for cls in _CLASSES}
_BY_NAME.update({"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
                 "min_max_norm": MinMaxNorm})


def serialize(constraint):
    """`{"class_name": ..., "config": {...}}` for an ember constraint (None stays None).

    >>> import ember
    >>> ember.constraints.serialize(ember.constraints.MaxNorm(3))
    {'class_name': 'MaxNorm', 'config': {'max_value': 3, 'axis': 0}}
    """
    if constraint is None:
        return None
    if type(constraint) not in _CLASSES:
        raise ValueError(f"Cannot serialize constraint {constraint!r}: only ember's built-in "
                         "constraints can be stored in a config")
    return {"class_name": type(constraint).__name__, "config": constraint.get_config()}


def deserialize(config_):
    """The constraint described by `serialize`'s dict.

    >>> import ember
    >>> ember.constraints.deserialize({"class_name": "UnitNorm", "config": {"axis": 1}})
    UnitNorm(axis=1)
    """
    cls = _BY_NAME.get(config_.get("class_name")) if isinstance(config_, dict) else None
    if cls is None:
        raise ValueError(f"Could not interpret constraint config {config_!r}; valid class "
                         f"names are {', '.join(c.__name__ for c in _CLASSES)}")
    return cls.from_config(dict(config_.get("config") or {}))


def get(identifier):
    """A constraint from a name, a config dict, an instance or a callable; None gives None.

    >>> import ember
    >>> ember.constraints.get("non_neg")
    NonNeg()
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown constraint {identifier!r}; valid names are "
                             f"{', '.join(sorted(_BY_NAME))}")
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Constraint):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}")
