"""The array module behind a tensor.

Ops never hard-wire `numpy` constructors for arrays derived from their inputs: they call
`np.zeros_like(x)` and friends (which dispatch to CuPy through `__array_function__`), or ask
`array_module(x)` for the module the input belongs to. This keeps a GPU path open without
changing any op.
"""

import numpy as np


def array_module(x):
    """Return the array module (`numpy`, or `cupy` for CuPy arrays) that `x` belongs to."""
    module = type(x).__module__
    if module.startswith("cupy"):
        import cupy  # noqa: PLC0415  (only imported when a CuPy array is actually seen)

        return cupy
    return np
