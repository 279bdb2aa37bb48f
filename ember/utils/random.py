"""Random generators owned by ember: seedable, and checkpointable through their state.

Every random draw in ember comes from a `np.random.Generator`: the one passed as `seed=`, a new
one made from an integer seed, or ember's global generator, which `set_random_seed` resets.
"""

import random as _py_random

import numpy as np

_global = {"rng": np.random.default_rng()}


def set_random_seed(seed):
    """Seed Python's `random`, NumPy's global state and ember's global generator.

    The same seed then gives the same results, bit for bit, on the same machine and versions.

    >>> import ember
    >>> ember.utils.set_random_seed(0)
    >>> a = ember.random.normal((2,)).numpy()
    >>> ember.utils.set_random_seed(0)
    >>> bool((a == ember.random.normal((2,)).numpy()).all())
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"set_random_seed: expected a non-negative integer, received {seed!r}")
    _py_random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    _global["rng"] = np.random.default_rng(int(seed))


def global_generator():
    """ember's global generator (used when no seed is given)."""
    return _global["rng"]


def get_generator(seed=None):
    """A Generator from `seed`: None (the global one), an int, or a Generator (used as is)."""
    if seed is None:
        return _global["rng"]
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(
            f"seed: expected None, a non-negative integer or a numpy Generator, received {seed!r}"
        )
    return np.random.default_rng(int(seed))
