"""Keras' `ops.linalg` factorizations that are NOT differentiable in ember (their results are
constants in the graph): `qr`, `svd`, `eig`, `lu_factor`, `matrix_rank`; `pinv` and `lstsq`,
differentiable compositions for full-rank inputs (constants otherwise); and `jvp`, a
forward-mode product assembled from reverse-mode passes.
"""

import numpy as np

from ember.backend import array_module, as_array
from ember.ops.decompositions import _square
from ember.ops.tensor_args import float_tensor
from ember.tensor import Tensor


# ------------------------------------------------------------------ not differentiable
def _const(*arrays, dtype=None):
    out = tuple(Tensor._wrap(as_array(a) if dtype is None else as_array(a).astype(dtype))
                for a in arrays)
    return out if len(out) > 1 else out[0]


def _linalg(x):
    """The linalg namespace of x's array module (cupy.linalg for CuPy data), so that the
    factorizations run where the data lives."""
    return array_module(x).linalg


def qr(x, mode="reduced"):
    """QR factorization (q, r) ("reduced" or "complete"). Not differentiable in ember.

    >>> import ember
    >>> q, r = ember.ops.linalg.qr(ember.tensor([[1.0, 0.0], [0.0, 2.0]]))
    >>> abs(r.numpy()).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete'; received {mode!r}")
    x = float_tensor(x).data
    q, r = _linalg(x).qr(x, mode=mode)
    return _const(q, r, dtype=x.dtype)


def svd(x, full_matrices=True, compute_uv=True):
    """Singular value decomposition (u, s, vh), or s alone. Not differentiable in ember.

    >>> import ember
    >>> ember.ops.linalg.svd(ember.tensor([[3.0, 0.0], [0.0, 2.0]]), compute_uv=False).numpy()
    array([3., 2.], dtype=float32)
    """
    x = float_tensor(x).data
    if not compute_uv:
        return _const(_linalg(x).svd(x, compute_uv=False), dtype=x.dtype)
    u, s, vh = _linalg(x).svd(x, full_matrices=full_matrices)
    return _const(u, s, vh, dtype=x.dtype)


def eig(x):
    """Eigenvalues and eigenvectors of general matrices (complex results, as Keras' torch
    backend). Not differentiable.

    >>> import ember
    >>> ember.ops.linalg.eig(ember.tensor([[2.0, 0.0], [0.0, 1.0]]))[0].numpy()
    array([2.+0.j, 1.+0.j], dtype=complex64)
    """
    x = float_tensor(x).data
    w, v = _linalg(x).eig(x)
    ctype = np.result_type(x.dtype, np.complex64)
    return _const(w, v, dtype=ctype)


def lu_factor(x):
    """LU factorization with partial pivoting: (lu, pivots), lu holding L (unit diagonal,
    below) and U, pivots the 0-based row swapped with row i at step i (LAPACK's getrf
    convention less one). Not differentiable.

    >>> import ember
    >>> lu, piv = ember.ops.linalg.lu_factor(ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> piv.numpy()
    array([1, 1], dtype=int32)
    """
    x = float_tensor(x).data
    _square(Tensor._wrap(x), "lu_factor")
    xp = array_module(x)
    a = xp.array(x, copy=True)
    n = a.shape[-1]
    piv = xp.zeros(a.shape[:-1], dtype=np.int32)
    flat = a.reshape(-1, n, n)
    pflat = piv.reshape(-1, n)
    for b in range(flat.shape[0]):
        m = flat[b]
        for k in range(n):
            # the pivot row is read on the host (one scalar per step): the row swap is a
            # Python-level choice; a GPU run would use cupyx.scipy.linalg.lu_factor instead
            p = k + int(np.argmax(np.abs(m[k:, k])))
            pflat[b, k] = p
            if p != k:
                m[[k, p]] = m[[p, k]]
            # a zero pivot leaves a zero column below it: dividing by 1 then changes nothing,
            # as skipping the step would (no host test of the pivot)
            d = m[k, k]
            m[k + 1:, k] /= np.where(d != 0, d, 1)
            m[k + 1:, k + 1:] -= np.outer(m[k + 1:, k], m[k, k + 1:])
    return _const(a, piv)


def _full_rank(x, rcond):
    """Whether every matrix of x (..., M, N) has rank min(M, N) at NumPy's pinv cutoff."""
    if x.size == 0:
        return True
    sv = _linalg(x).svd(x, compute_uv=False)
    return bool((sv[..., -1] > rcond * sv[..., 0]).all())


def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse. For full-rank inputs it is the composition
    inv(x^T x) x^T (tall) or x^T inv(x x^T) (wide), differentiable; a rank-deficient input's
    pseudo-inverse (NumPy's SVD cut at rcond * largest singular value) is a constant.

    >>> import ember
    >>> ember.ops.linalg.pinv(ember.tensor([[2.0, 0.0]])).numpy()
    array([[0.5],
           [0. ]], dtype=float32)
    """
    from ember.ops.decompositions import inv  # noqa: PLC0415
    from ember.ops.shaping import swapaxes  # noqa: PLC0415

    x = float_tensor(x)
    rcond = 1e-15 if rcond is None else rcond
    if not _full_rank(x.data, max(rcond, 1e-12)):
        return _const(_linalg(x.data).pinv(x.data, rcond=rcond), dtype=x.dtype)
    xt = swapaxes(x, -1, -2)
    if x.shape[-2] >= x.shape[-1]:
        return inv(xt @ x) @ xt
    return xt @ inv(x @ xt)


def lstsq(a, b, rcond=None):
    """Least-squares solution of a x = b: pinv(a) b for full-rank a (differentiable), NumPy's
    lstsq (a constant) otherwise.

    >>> import ember
    >>> ember.ops.linalg.lstsq(ember.tensor([[1.0], [1.0]]), ember.tensor([1.0, 3.0])).numpy()
    array([2.], dtype=float32)
    """
    a, b = float_tensor(a), float_tensor(b)
    if a.ndim != 2:
        raise ValueError(f"lstsq: a must be a matrix (M, N); received shape {a.shape}")
    cut = np.finfo(a.dtype).eps * max(a.shape) if rcond is None else rcond
    if not _full_rank(a.data, cut):
        return _const(_linalg(a.data).lstsq(a.data, b.data, rcond=rcond)[0], dtype=a.dtype)
    return pinv(a) @ b


def matrix_rank(x, tol=None):
    """Numerical rank (int32). Not differentiable.

    >>> import ember
    >>> int(ember.ops.linalg.matrix_rank(ember.tensor([[1.0, 2.0], [2.0, 4.0]])))
    1
    """
    x = float_tensor(x).data
    return _const(_linalg(x).matrix_rank(x, tol=tol), dtype=np.int32)


def jvp(fun, primals, tangents, has_aux=False):
    """Jacobian-vector product: (fun(*primals), J tangents) (and aux with `has_aux`).
    ember has reverse mode only: J t is assembled from one backward pass per output element
    (fine for the small outputs this is used on).

    >>> import ember
    >>> out, t = ember.ops.linalg.jvp(lambda x: x * x, (ember.tensor([3.0]),),
    ...                               (ember.tensor([1.0]),))
    >>> t.numpy()
    array([6.], dtype=float32)
    """
    from ember.autograd import grad  # noqa: PLC0415

    xs = [Tensor(d, dtype=d.dtype, requires_grad=True)
          for d in (float_tensor(p).data for p in primals)]
    res = fun(*xs)
    out, aux = (res[0], res[1]) if has_aux else (res, None)
    ts = [float_tensor(t).data for t in tangents]
    xp = array_module(out.data)
    flat = xp.zeros(out.size, dtype=out.dtype)
    for k in range(out.size):
        seed = xp.zeros(out.size, dtype=out.dtype)
        seed[k] = 1
        gs = grad(out, xs, grad_outputs=Tensor._wrap(seed.reshape(out.shape)),
                  retain_graph=True)
        flat[k] = sum(np.sum(g.data * t) for g, t in zip(gs, ts) if g is not None)
    result = (out.detach(), Tensor._wrap(flat.reshape(out.shape)))
    return (*result, aux) if has_aux else result
