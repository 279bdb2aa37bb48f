"""`ember.ops.linalg`: Keras' `keras.ops.linalg` namespace, name for name (each also at the
top level of `ember.ops`). Implementations: `decompositions.py`.

>>> import ember
>>> ember.ops.linalg.det is ember.ops.det
True
"""

# ruff: noqa: F401  (a namespace: these imports are its content, listed in __all__)
from ember.ops.decompositions import (
    cholesky,
    cholesky_inverse,
    det,
    eig,
    eigh,
    inv,
    jvp,
    lstsq,
    lu_factor,
    matrix_rank,
    norm,
    pinv,
    qr,
    solve,
    solve_triangular,
    svd,
)

DIFFERENTIABLE = ("cholesky", "cholesky_inverse", "det", "inv", "norm", "solve",
                  "solve_triangular")
# factorizations whose results are constants in ember's graph, and jvp (a transform)
NON_DIFFERENTIABLE = ("eig", "eigh", "jvp", "lstsq", "lu_factor", "matrix_rank", "pinv", "qr",
                      "svd")
__all__ = list(DIFFERENTIABLE + NON_DIFFERENTIABLE)
