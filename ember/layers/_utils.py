"""Small helpers shared by the layer files: argument checks and input casting."""

import math

import numpy as np

from ember import ops
from ember.tensor import Tensor


def positive_int(layer_cls, name, value):
    """`value` as an int, or a ValueError naming the layer class, the argument and the value."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ValueError(f"{layer_cls}: expected `{name}` to be a positive integer; received "
                         f"{name}={value!r}")
    return int(value)


def non_negative_float(layer_cls, name, value, allow_none=False):
    """`value` as a float >= 0 (or None when allowed), else a ValueError."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f"{layer_cls}: expected `{name}` to be a non-negative number; "
                         f"received {name}={value!r}")
    return float(value)


def cast_inputs(layer, x):
    """The input in the layer's dtype (Keras autocasts inputs; an int input must not turn the
    layer's float32 maths into float64)."""
    if isinstance(x, Tensor) and x.dtype != layer.dtype:
        return ops.cast(x, layer.dtype)
    return x


def known(layer, input_shape, axis, what="axis"):
    """The size of `axis` in `input_shape`, which must be known to build the layer."""
    size = input_shape[axis]
    if size is None:
        raise ValueError(f"{type(layer).__name__} '{layer.name}' needs a known size on {what} "
                         f"{axis} to build; received input shape {tuple(input_shape)}")
    return int(size)
