"""Dtype policies (Keras' `keras.dtype_policies`): the dtype a layer keeps its variables in and
the dtype it computes in.

A policy named after a float dtype ("float32", "float64", "float16") computes and stores in
that dtype. "mixed_float16" and "mixed_bfloat16" are accepted, so Keras programs run, and
**computed in float32**: ember runs on NumPy on the CPU, which has no fast float16 arithmetic
and no bfloat16 at all, so their `compute_dtype` is "float32" (said by a warning when such a
policy is set globally), and their variables are float32 as in Keras.

>>> import ember
>>> ember.DTypePolicy("float64").compute_dtype
'float64'
>>> policy = ember.DTypePolicy("mixed_float16")
>>> policy.name, policy.variable_dtype, policy.compute_dtype
('mixed_float16', 'float32', 'float32')
"""

import warnings

import numpy as np

from ember import config

_MIXED = ("mixed_float16", "mixed_bfloat16")
_GLOBAL = {"policy": None}


class DTypePolicy:
    """A dtype policy for a layer: `Layer(dtype=policy)` or the global one.

    Args:
        name: a float dtype name ("float32", "float64", "float16"), or "mixed_float16" /
            "mixed_bfloat16" (float32 variables; computed in float32 by ember, see the
            module). Defaults to the global policy's name.

    Raises:
        TypeError: `name` is not a string.
        ValueError: a name that is neither a float dtype nor a mixed policy.
    """

    def __init__(self, name=None):
        if name is None:
            name = dtype_policy().name
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'mixed_float16'. Received: "
                            f"name={name} (of type {type(name)})")
        self._name = name
        if name in _MIXED:
            self._compute_dtype = self._variable_dtype = "float32"
        else:
            try:
                dtype = np.dtype(name)
            except TypeError:
                dtype = None
            if dtype is None or dtype.kind != "f":
                raise ValueError(f"Cannot convert '{name}' to a mixed precision DTypePolicy. "
                                 "Valid policies include 'mixed_float16', 'mixed_bfloat16', "
                                 "and the name of any float dtype such as 'float32'.")
            self._compute_dtype = self._variable_dtype = dtype.name

    @property
    def name(self):
        """The policy's name."""
        return self._name

    @property
    def variable_dtype(self):
        """The dtype layers create their variables in."""
        return self._variable_dtype

    @property
    def compute_dtype(self):
        """The dtype layers compute in (float32 for the mixed policies, see the module)."""
        return self._compute_dtype

    @property
    def quantization_mode(self):
        """None: ember has no quantized policies."""
        return None

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config_):
        return cls(**config_)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f'<DTypePolicy "{self.name}">'


class FloatDTypePolicy(DTypePolicy):
    """Keras' older name of `DTypePolicy` for float policies (the same behaviour)."""


def get(identifier):
    """A DTypePolicy from a policy, a name, a `serialize()` dict, or None (the global one).

    >>> import ember
    >>> ember.dtype_policies.get("float32")
    <DTypePolicy "float32">
    """
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Cannot interpret `dtype` argument. Expected a string or an instance "
                     f"of DTypePolicy. Received: dtype={identifier}")


def serialize(policy):
    """`{"module", "class_name", "config"}` of a policy (Keras' form)."""
    return {"module": "keras", "class_name": type(policy).__name__,
            "config": policy.get_config()}


def deserialize(config_, custom_objects=None):
    """The policy `serialize` described (only ember's two policy classes)."""
    classes = {"DTypePolicy": DTypePolicy, "FloatDTypePolicy": FloatDTypePolicy}
    if not isinstance(config_, dict) or config_.get("class_name") not in classes:
        raise ValueError(f"dtype_policies.deserialize: expected a serialized DTypePolicy; "
                         f"received {str(config_)[:100]}")
    return classes[config_["class_name"]].from_config(config_.get("config") or {})


def set_dtype_policy(policy):
    """Set the global policy: layers made afterwards without a `dtype` use it.

    >>> import ember
    >>> ember.mixed_precision.set_dtype_policy("float64")
    >>> ember.layers.Dense(2).dtype_policy
    <DTypePolicy "float64">
    >>> ember.mixed_precision.set_dtype_policy("float32")
    """
    policy = get(policy) if not isinstance(policy, DTypePolicy) else policy
    if policy.name in _MIXED:
        warnings.warn(f"ember computes the '{policy.name}' policy in float32 (NumPy on the CPU "
                      "has no fast float16 and no bfloat16): variables and computations are "
                      "float32", stacklevel=2)
    _GLOBAL["policy"] = policy


def reset_dtype_policy():
    """Unset the global policy: new layers follow `config.floatx()` again (what
    `ember.utils.clear_session` does, as Keras clears its global state)."""
    _GLOBAL["policy"] = None


def dtype_policy():
    """The global policy (a DTypePolicy of `config.floatx()` until one is set)."""
    return _GLOBAL["policy"] or DTypePolicy(config.floatx())


__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize"]
