"""Random tensors: Keras' `keras.random`.

Every function takes `seed`: None (ember's global generator, reset by
`ember.utils.set_random_seed`), an int (the same values at every call), a `SeedGenerator`
(new values at every call, repeatable from its seed) or a `np.random.Generator` (ember's own
plumbing, used as is).

>>> import ember
>>> ember.random.uniform((2, 3), seed=0).shape
(2, 3)
>>> gen = ember.random.SeedGenerator(7)
>>> a, b = ember.random.normal((3,), seed=gen), ember.random.normal((3,), seed=gen)
>>> bool((a.numpy() != b.numpy()).any())
True
"""

from ember.random.distributions import (
    beta,
    binomial,
    categorical,
    dropout,
    gamma,
    normal,
    randint,
    shuffle,
    truncated_normal,
    uniform,
)
from ember.random.seed_generator import SeedGenerator

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout",
           "gamma", "normal", "randint", "shuffle", "truncated_normal", "uniform"]
