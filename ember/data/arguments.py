"""Checks of the scalar arguments of `fit`, `evaluate` and `predict` (Keras' rules and
messages): counts, batch sizes, verbosity, `validation_split`, `validation_freq`.

>>> check_batch_size(None, "fit"), check_verbose("auto", "fit"), check_freq([1, 3])
(32, 1, [1, 3])
"""

import numpy as np


def check_count(value, name, where, minimum=1, none=False):
    """`value` as an int >= minimum (bools refused), or None when allowed."""
    if value is None and none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{where}: `{name}` must be {kind}; received {name}={value!r}")
    return int(value)


def check_batch_size(value, where, name="batch_size", default=32):
    """None -> `default`; else a positive int (not a bool)."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ValueError(f"{where}: `{name}` should be a positive integer value, but got "
                         f"{name}={value!r}")
    return int(value)


def check_verbose(value, where):
    """"auto" -> 1; else 0, 1 or 2."""
    if value == "auto":
        return 1
    if isinstance(value, bool) or value not in (0, 1, 2):
        raise ValueError(f"{where}: `verbose` must be 'auto', 0, 1 or 2; received "
                         f"verbose={value!r}")
    return int(value)


def check_split(value):
    """`validation_split` as a float in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
            or not 0.0 <= float(value) < 1.0:
        raise ValueError(f"fit: `validation_split` must be a number in [0, 1); received "
                         f"validation_split={value!r}")
    return float(value)


def check_freq(value):
    """`validation_freq`: a positive int (every n epochs) or a list of 1-based epochs."""
    if isinstance(value, list | tuple):
        return [check_count(v, "validation_freq", "fit") for v in value]
    return check_count(value, "validation_freq", "fit")


def validation_due(epoch, freq):
    """Whether to validate after `epoch` (0-based)."""
    return (epoch + 1) in freq if isinstance(freq, list) else (epoch + 1) % freq == 0


def check_shuffle(value):
    """`shuffle`: True, False or "batch"."""
    if value not in (True, False, "batch"):
        raise ValueError(f"fit: `shuffle` must be True, False or 'batch'; received "
                         f"shuffle={value!r}")
    return value
