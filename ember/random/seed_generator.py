"""`SeedGenerator` (Keras' `keras.random.SeedGenerator`) and how a `seed=` argument becomes a
NumPy generator.

Keras' random functions are stateless: an integer seed gives the same values at every call.
Different values at each call come from a `SeedGenerator`, whose state is a small Variable
`[seed, counter]`: each draw uses the current state and then adds one to the counter. A layer
that owns one (`self.seed_generator = SeedGenerator(1337)`) tracks it as its state: its
`variables` list the state, and `BackupAndRestore` backs it up, so a resumed run draws the same
numbers. A state `s` gives the generator `np.random.default_rng(s)`, the stream Keras' NumPy
backend uses, so `seed=7` and the first draw of `SeedGenerator(7)` agree, as in Keras.

>>> import ember
>>> gen = ember.random.SeedGenerator(42)
>>> gen.state.numpy().tolist()
[42, 0]
>>> a = ember.random.normal((2,), seed=gen)
>>> b = ember.random.normal((2,), seed=gen)
>>> bool((a.numpy() == b.numpy()).all()), gen.state.numpy().tolist()
(False, [42, 2])
>>> bool((ember.random.normal((2,), seed=42).numpy() == a.numpy()).all())
True
"""

import random as _py_random

import numpy as np

from ember.tensor import Tensor, Variable
from ember.utils.random import global_generator

_SEED_MAX = 2**32
_NAME_COUNTS = {}


def _auto_name(base):
    n = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def make_default_seed():
    """A seed drawn from Python's `random` (so `set_random_seed` makes it repeat), as Keras."""
    return _py_random.randint(1, int(1e9))


class SeedGenerator:
    """A stateful seed: each random draw made with it gets new values.

    Args:
        seed: a non-negative integer below 2**32, or None for one drawn from Python's `random`
            (which `ember.utils.set_random_seed` seeds). Defaults to None.
        name: defaults to "seed_generator" (made unique).

    Attributes:
        state: a non-trainable uint32 Variable `[seed, counter]`.

    Usage in a layer (the state is then the layer's, see `Layer.variables`):

    >>> import ember
    >>> class Noise(ember.layers.Layer):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.seed_generator = ember.random.SeedGenerator(1337)
    ...     def call(self, x, training=False):
    ...         return x + ember.random.normal(x.shape, seed=self.seed_generator)
    >>> layer = Noise()
    >>> [v.name for v in layer.variables]
    ['seed_generator_state']
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise ValueError(f"SeedGenerator: unrecognized keyword arguments: {kwargs}")
        self.name = name or _auto_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = make_default_seed()
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise ValueError(f"SeedGenerator: argument `seed` must be an integer. Received: "
                             f"seed={seed!r}")
        if not 0 <= int(seed) < _SEED_MAX:
            raise ValueError(f"SeedGenerator: argument `seed` must be in [0, 2**32); received "
                             f"seed={seed}")
        self.state = Variable(np.array([int(seed), 0], dtype=np.uint32), trainable=False,
                              name="seed_generator_state")

    def next(self, ordered=True):
        """The current state (a copy, as a Tensor), then advance it: the counter goes up by
        one (`ordered=True`), or the state is scrambled as Keras' global generator does."""
        current = self.state.data.copy()
        # through assign, so a StatelessScope (a symbolic trial call) leaves the state as it was
        if ordered:
            self.state.assign(current + np.array([0, 1], dtype=np.uint32))
        else:
            wide = current.astype(np.int64)  # (s + 1) * 5387 overflows uint32
            self.state.assign(((wide + 1) * 5387 % 933199).astype(np.uint32))
        return Tensor._wrap(current)

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name}, state={self.state.data.tolist()}>"


def draw_generator(seed, where="random"):
    """The `np.random.Generator` for one draw with `seed`.

    Args:
        seed: None (ember's global generator, which `set_random_seed` resets and
            `BackupAndRestore` saves), an int (the same values every call: the stream of the
            state `[seed, 0]`), a `SeedGenerator` (its next state), or a `np.random.Generator`
            (used as is: ember's own plumbing).
        where: the function's name, for errors.
    """
    if seed is None:
        return global_generator()
    if isinstance(seed, SeedGenerator):
        return np.random.default_rng(seed.next().data)
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"{where}: argument `seed` must be None, a non-negative integer, a "
                         f"SeedGenerator or a numpy Generator; received seed={seed!r} (of type "
                         f"{type(seed).__name__})")
    return np.random.default_rng([int(seed), 0])
