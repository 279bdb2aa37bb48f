"""Argument checks shared by the optimizers and schedules (errors name the argument)."""

import inspect
import math

import numpy as np

from ember.tensor import Tensor


def check_number(arg, value, low=None, high=None, low_open=False, high_open=False, none=False):
    """`value` as a Python float within bounds, or a ValueError naming `arg` and the value.

    >>> check_number("momentum", 0.9, 0.0, 1.0)
    0.9
    """
    if value is None and none:
        return None
    ok = not isinstance(value, bool | str) and isinstance(value, int | float | np.number)
    if ok:
        value = float(value)
        ok = math.isfinite(value)
        ok = ok and (low is None or (value > low if low_open else value >= low))
        ok = ok and (high is None or (value < high if high_open else value <= high))
    if not ok:
        lo = "-inf" if low is None else f"{low}"
        hi = "inf" if high is None else f"{high}"
        bounds = f"{'(' if low_open else '['}{lo}, {hi}{')' if high_open else ']'}"
        kind = "None or a number" if none else "a number"
        raise ValueError(f"Argument `{arg}` must be {kind} in {bounds}. Received: {arg}={value!r}")
    return value


def check_count(arg, value):
    """None, or an integer >= 1 (not a bool); else a ValueError naming `arg`."""
    if value is None or (isinstance(value, int | np.integer) and not isinstance(value, bool)
                         and value >= 1):
        return None if value is None else int(value)
    raise ValueError(f"`{arg}` must be an integer >= 1 or None. Received: {arg}={value!r}")


def check_learning_rate(value):
    """A callable (schedule or function) as is, else a float >= 0 (a 0-d array is accepted)."""
    if callable(value):
        return value
    if isinstance(value, Tensor | np.ndarray) and np.ndim(value) == 0:
        value = float(value)
    return check_number("learning_rate", value, low=0.0)


def call_learning_rate(fn, step):
    """Call a learning-rate callable with the iteration count, or with nothing when it takes
    no positional argument (Keras' zero-argument form).

    >>> call_learning_rate(lambda step: 0.1 / (step + 1), 4), call_learning_rate(lambda: 0.5, 4)
    (0.02, 0.5)
    """
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature
        return fn(step)
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                  inspect.Parameter.VAR_POSITIONAL)
    return fn(step) if any(p.kind in positional for p in params) else fn()
