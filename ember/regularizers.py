"""Weight penalties with Keras' names (`keras.regularizers`).

A regularizer is a callable on a weight Tensor that returns a scalar Tensor in the graph, so the
penalty adds to the loss and its gradient reaches the weight. Layers take them as
`kernel_regularizer=`, `bias_regularizer=` and `activity_regularizer=`; `layer.losses` holds
the values.

>>> import ember
>>> w = ember.Variable([[1.0, -2.0]])
>>> float(ember.regularizers.L2(0.1)(w))
0.5
"""

import math

import numpy as np

from ember import backend, ops
from ember.tensor import Tensor


def _factor(value, name):
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float; "
                         f"received {name}={value!r}")
    return float(value)


def _t(x):
    return x if isinstance(x, Tensor) else Tensor(x)


class Regularizer:
    """Base class: subclasses implement `__call__(x) -> scalar Tensor` and `get_config()`.

    >>> import ember
    >>> class Sum(ember.regularizers.Regularizer):
    ...     def __call__(self, x):
    ...         return ember.ops.sum(x)
    >>> float(Sum()(ember.tensor([1.0, 2.0])))
    3.0
    """

    def __call__(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

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


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x^2). Defaults l1=0, l2=0 (as Keras' class).

    >>> import ember
    >>> float(ember.regularizers.L1L2(l1=0.5, l2=0.25)(ember.tensor([1.0, -2.0])))
    2.75
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = _t(x)
        penalty = None
        if self.l1:
            penalty = self.l1 * ops.sum(ops.abs(x))
        if self.l2:
            term = self.l2 * ops.sum(x * x)
            penalty = term if penalty is None else penalty + term
        if penalty is None:  # both factors zero: a constant 0 of the weight's dtype
            penalty = Tensor._wrap(backend.array_module(x.data).zeros((), dtype=x.dtype))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """l1 * sum(|x|). Defaults to l1=0.01.

    >>> import ember
    >>> float(ember.regularizers.L1(0.5)(ember.tensor([1.0, -2.0])))
    1.5
    """

    def __init__(self, l1=0.01):
        self.l1 = _factor(0.01 if l1 is None else l1, "l1")

    def __call__(self, x):
        return self.l1 * ops.sum(ops.abs(_t(x)))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """l2 * sum(x^2). Defaults to l2=0.01 (the notes' weight decay, without a 1/2).

    >>> import ember
    >>> float(ember.regularizers.L2(0.5)(ember.tensor([1.0, -2.0])))
    2.5
    """

    def __init__(self, l2=0.01):
        self.l2 = _factor(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = _t(x)
        return self.l2 * ops.sum(x * x)

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2-D weight towards orthogonality:
    factor * mean over pairs i < j of |<u_i, u_j>| with u the L2-normalised rows (columns).

    Args:
        factor: defaults to 0.01.
        mode: "rows" or "columns". Defaults to "rows".

    >>> import ember
    >>> float(ember.regularizers.OrthogonalRegularizer(1.0)(ember.tensor([[1.0, 0.0],
    ...                                                                   [1.0, 0.0]])))
    1.0
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _factor(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: `mode` must be 'rows' or 'columns'; "
                             f"received mode={mode!r}")
        self.mode = mode

    def __call__(self, x):
        x = _t(x)
        if x.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer: inputs must have rank 2; received shape "
                             f"{x.shape}")
        v = x if self.mode == "rows" else ops.transpose(x)
        norm = ops.sqrt(ops.maximum(ops.sum(v * v, axis=1, keepdims=True), 1e-12))
        u = v / norm
        n = v.shape[0]
        off = ops.abs(u @ ops.transpose(u)) * (1.0 - np.eye(n, dtype=x.dtype))
        return self.factor * 0.5 * ops.sum(off) / max(n * (n - 1) / 2.0, 1.0)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# Keras' lower-case aliases are the classes themselves.
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

_CLASSES = (L1, L2, L1L2, OrthogonalRegularizer)
_BY_NAME = {cls.__name__: cls for cls in _CLASSES}
_BY_NAME.update({"l1": L1, "l2": L2, "l1l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer})
# The string "l1_l2" means 0.01 for both penalties (Keras' documented string default).
_BY_NAME["l1_l2"] = lambda: L1L2(l1=0.01, l2=0.01)


def serialize(regularizer):
    """`{"class_name": ..., "config": {...}}` for an ember regularizer (None stays None).

    >>> import ember
    >>> ember.regularizers.serialize(ember.regularizers.L2(0.1))
    {'class_name': 'L2', 'config': {'l2': 0.1}}
    """
    if regularizer is None:
        return None
    if type(regularizer) not in _CLASSES:
        raise ValueError(f"Cannot serialize regularizer {regularizer!r}: only ember's built-in "
                         "regularizers can be stored in a config")
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


def deserialize(config_):
    """The regularizer described by `serialize`'s dict.

    >>> import ember
    >>> ember.regularizers.deserialize({"class_name": "L1", "config": {"l1": 0.5}})
    L1(l1=0.5)
    """
    cls = _BY_NAME.get(config_.get("class_name")) if isinstance(config_, dict) else None
    if cls is None or not isinstance(cls, type):
        raise ValueError(f"Could not interpret regularizer config {config_!r}; valid class "
                         f"names are {', '.join(c.__name__ for c in _CLASSES)}")
    return cls.from_config(dict(config_.get("config") or {}))


def get(identifier):
    """A regularizer from a name ("l1", "l2", "l1_l2", or a class name), a config dict, an
    instance or a callable; None gives None.

    >>> import ember
    >>> ember.regularizers.get("l2")
    L2(l2=0.01)
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        factory = _BY_NAME.get(identifier)
        if factory is None:
            raise ValueError(f"Unknown regularizer {identifier!r}; valid names are "
                             f"{', '.join(sorted(_BY_NAME))}")
        return factory()
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")
