"""`ember.ops.linalg`: Keras' `keras.ops.linalg` namespace, name for name (each also at the
top level of `ember.ops`). Implementations: `decompositions.py` (differentiable),
`factorizations.py` (constants in the graph).

>>> import ember
>>> ember.ops.linalg.det is ember.ops.det
True
"""

# ruff: noqa: F401  (a namespace: these imports are its content, listed in __all__)
from ember.ops.decompositions import (
    cholesky,
    cholesky_inverse,
    det,
    eigh,
    inv,
    norm,
    solve,
    solve_triangular,
)
from ember.ops.factorizations import eig, jvp, lstsq, lu_factor, matrix_rank, pinv, qr, svd

DIFFERENTIABLE = ("cholesky", "cholesky_inverse", "det", "eigh", "inv", "lstsq", "norm", "pinv",
                  "solve", "solve_triangular")
# factorizations whose results are constants in ember's graph, and jvp (a transform)
NON_DIFFERENTIABLE = ("eig", "jvp", "lu_factor", "matrix_rank", "qr", "svd")
__all__ = list(DIFFERENTIABLE + NON_DIFFERENTIABLE)
