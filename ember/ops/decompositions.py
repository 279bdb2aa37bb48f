"""Linear algebra (Keras' `ops.linalg` and `ops.logdet`) on batched matrices (..., M, N).

Differentiable primitives, with the standard matrix-calculus backwards (Giles, "An extended
collection of matrix derivative results", 2008): `det`, `logdet`, `inv`, `solve`,
`solve_triangular`, `cholesky`; `norm` and `cholesky_inverse` are compositions. The
factorizations `qr`, `svd`, `eigh`, `eig`, `lu_factor`, `lstsq`, `pinv`, `matrix_rank` are
NOT differentiable in ember: their results are constants in the graph.
"""

import numpy as np

from ember.autograd import Function, unbroadcast
from ember.backend import array_module
from ember.ops.tensor_args import float_tensor, tensor
from ember.tensor import Tensor


def _t(a):
    return np.swapaxes(a, -1, -2)


def _square(x, op):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{op}: x must be (..., N, N) square matrices; received shape "
                         f"{x.shape}")


class Det(Function):
    """y = det(x);  gx = gy * y * inv(x)^T."""

    def forward(self, x):
        y = np.linalg.det(x).astype(x.dtype, copy=False)
        self.save_for_backward(x, y)
        return y

    def backward(self, gy):
        x, y = self.saved
        return (gy * y)[..., None, None] * _t(np.linalg.inv(x))


class LogDet(Function):
    """y = log(det(x)) (NaN where det(x) < 0, -inf where 0);  gx = gy * inv(x)^T."""

    def forward(self, x):
        sign, logabs = np.linalg.slogdet(x)
        self.save_for_backward(x)
        y = np.where(sign > 0, logabs, np.where(sign == 0, -np.inf, np.nan))
        return y.astype(x.dtype, copy=False)

    def backward(self, gy):
        (x,) = self.saved
        return gy[..., None, None] * _t(np.linalg.inv(x))


class Inv(Function):
    """y = inv(x);  gx = -y^T gy y^T."""

    def forward(self, x):
        y = np.linalg.inv(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return -(_t(y) @ gy @ _t(y))


class Solve(Function):
    """y = a^{-1} b;  gb = a^{-T} gy,  ga = -gb y^T (b a matrix (..., N, K) here)."""

    def forward(self, a, b):
        y = np.linalg.solve(a, b)
        self.save_for_backward(a, y, b)
        return y

    def backward(self, gy):
        a, y, b = self.saved
        gb = np.linalg.solve(_t(a), gy)
        ga = -gb @ _t(y)
        return unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)


class SolveTriangular(Function):
    """y = a^{-1} b with a triangular (only its `lower` or upper triangle is read);
    gb = a^{-T} gy,  ga = triangle(-gb y^T)."""

    def forward(self, a, b, lower):
        self.lower = lower
        tri = np.tril(a) if lower else np.triu(a)
        y = np.linalg.solve(tri, b)
        self.save_for_backward(tri, y, a, b)
        return y

    def backward(self, gy):
        tri, y, a, b = self.saved
        gb = np.linalg.solve(_t(tri), gy)
        ga = -gb @ _t(y)
        ga = np.tril(ga) if self.lower else np.triu(ga)
        return unbroadcast(ga, a.shape), unbroadcast(gb, b.shape), None


class Cholesky(Function):
    """L = chol(x) (x symmetric positive definite; its lower triangle is read);
    gx = sym(L^{-T} Phi(L^T gL) L^{-1}), Phi = lower triangle with the diagonal halved and
    sym(m) = (m + m^T) / 2 (the symmetric gradient, as PyTorch and TensorFlow give)."""

    def forward(self, x):
        try:
            lo = np.linalg.cholesky(x)
        except np.linalg.LinAlgError:
            raise ValueError("cholesky: the input is not positive definite") from None
        self.save_for_backward(lo)
        return lo

    def backward(self, gl):
        (lo,) = self.saved
        phi = np.tril(_t(lo) @ gl)
        phi = phi - 0.5 * array_module(lo).eye(lo.shape[-1], dtype=lo.dtype) * phi
        inv_l = np.linalg.inv(lo)
        g = _t(inv_l) @ phi @ inv_l
        return 0.5 * (g + _t(g))


def det(x):
    """Determinant of each (..., N, N) matrix.

    >>> import ember
    >>> float(ember.ops.linalg.det(ember.tensor([[2.0, 1.0], [1.0, 3.0]])))
    5.0
    """
    x = float_tensor(x)
    _square(x, "det")
    return Det.apply(x)


def logdet(x):
    """log(det(x)) (NaN for a negative determinant), Keras' `ops.logdet`.

    >>> import ember
    >>> round(float(ember.ops.logdet(ember.tensor([[2.0, 0.0], [0.0, 3.0]]))), 4)
    1.7918
    """
    x = float_tensor(x)
    _square(x, "logdet")
    return LogDet.apply(x)


def inv(x):
    """Inverse of each (..., N, N) matrix.

    >>> import ember
    >>> ember.ops.linalg.inv(ember.tensor([[2.0, 0.0], [0.0, 4.0]])).numpy()
    array([[0.5 , 0.  ],
           [0.  , 0.25]], dtype=float32)
    """
    x = float_tensor(x)
    _square(x, "inv")
    return Inv.apply(x)


def _rhs(a, b, op):
    from ember.ops.shape import expand_dims, squeeze  # noqa: PLC0415

    a, b = float_tensor(a), float_tensor(b)
    _square(a, op)
    b = tensor(b, a.dtype)
    vector = b.ndim == a.ndim - 1 or b.ndim == 1
    if vector:
        b = expand_dims(b, -1)
    if b.shape[-2] != a.shape[-1]:
        raise ValueError(f"{op}: a of shape {a.shape} and b of shape {b.shape} do not "
                         f"match")
    return a, b, (lambda y: squeeze(y, -1)) if vector else (lambda y: y)


def solve(a, b):
    """x with a x = b (b a matrix (..., N, K) or a vector (..., N)).

    >>> import ember
    >>> ember.ops.linalg.solve(ember.tensor([[2.0, 0.0], [0.0, 4.0]]),
    ...                        ember.tensor([2.0, 2.0])).numpy()
    array([1. , 0.5], dtype=float32)
    """
    a, b, back = _rhs(a, b, "solve")
    return back(Solve.apply(a, b))


def solve_triangular(a, b, lower=False):
    """x with a x = b, reading only the lower (`lower=True`) or upper triangle of a.

    >>> import ember
    >>> ember.ops.linalg.solve_triangular(ember.tensor([[2.0, 9.0], [1.0, 4.0]]),
    ...                                   ember.tensor([2.0, 2.0]), lower=True).numpy()
    array([1.  , 0.25], dtype=float32)
    """
    a, b, back = _rhs(a, b, "solve_triangular")
    return back(SolveTriangular.apply(a, b, bool(lower)))


def cholesky(x, upper=False):
    """Cholesky factor: lower L with x = L L^T (or upper U = L^T with `upper=True`).

    >>> import ember
    >>> ember.ops.linalg.cholesky(ember.tensor([[4.0, 2.0], [2.0, 2.0]])).numpy()
    array([[2., 0.],
           [1., 1.]], dtype=float32)
    """
    from ember.ops.shape import swapaxes  # noqa: PLC0415

    x = float_tensor(x)
    _square(x, "cholesky")
    lo = Cholesky.apply(x)
    return swapaxes(lo, -1, -2) if upper else lo


def cholesky_inverse(x, upper=False):
    """inv(A) from A's Cholesky factor x (lower, or upper with `upper=True`).

    >>> import ember
    >>> ember.ops.linalg.cholesky_inverse(ember.tensor([[2.0, 0.0], [1.0, 1.0]])).numpy()
    array([[ 0.5, -0.5],
           [-0.5,  1. ]], dtype=float32)
    """
    from ember.ops.products import matmul  # noqa: PLC0415
    from ember.ops.shape import swapaxes  # noqa: PLC0415

    x = float_tensor(x)
    xt = swapaxes(x, -1, -2)
    return inv(matmul(xt, x) if upper else matmul(x, xt))


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002  (Keras' name)
    """Vector or matrix norm with NumPy's (Keras') rules: a vector norm over one axis
    (ord None/2, 1, inf, -inf, 0, any p), a matrix norm over two axes ('fro', 1, -1, inf, -inf
    differentiable; 2, -2, 'nuc' through the SVD, not differentiable). axis=None: the
    vector 2-norm of the flattened input (Frobenius for a matrix) unless ord asks for a
    matrix norm of a 2-D input.

    >>> import ember
    >>> float(ember.ops.linalg.norm(ember.tensor([3.0, 4.0])))
    5.0
    """
    from ember.ops.elementwise import abs, sqrt  # noqa: PLC0415
    from ember.ops.reduce import max, min, sum  # noqa: PLC0415
    from ember.ops.shape import reshape  # noqa: PLC0415

    x = float_tensor(x)
    if axis is None:
        if ord is not None and x.ndim == 2:
            axis = (0, 1)
        else:
            y = sqrt(sum(x * x)) if ord in (None, 2, "fro") else None
            if y is not None:
                return reshape(y, (1,) * x.ndim) if keepdims else y
            return norm(reshape(x, (-1,)), ord, 0, False) if not keepdims else reshape(
                norm(reshape(x, (-1,)), ord, 0, False), (1,) * x.ndim)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    a = abs(x)
    if len(axes) == 1:
        ax = axes[0]
        if ord is None or ord == 2:
            return sqrt(sum(x * x, axis=ax, keepdims=keepdims))
        if ord == np.inf:
            return max(a, axis=ax, keepdims=keepdims)
        if ord == -np.inf:
            return min(a, axis=ax, keepdims=keepdims)
        if ord == 0:
            return Tensor._wrap(np.sum(x.data != 0, axis=ax, keepdims=keepdims)
                                .astype(x.dtype))
        if isinstance(ord, str):
            raise ValueError(f"norm: ord {ord!r} needs two axes")
        return sum(a ** float(ord), axis=ax, keepdims=keepdims) ** (1.0 / ord)
    if len(axes) != 2:
        raise ValueError(f"norm: axis must be an int or a pair; received {axis!r}")
    r, c = (ax % x.ndim for ax in axes)
    if ord in (None, "fro"):
        return sqrt(sum(x * x, axis=(r, c), keepdims=keepdims))
    if ord in (1, -1, np.inf, -np.inf):
        inner, outer = (r, c) if ord in (1, -1) else (c, r)
        s = sum(a, axis=inner, keepdims=True)
        pick = max if ord in (1, np.inf) else min
        y = pick(s, axis=outer, keepdims=True)
        if not keepdims:
            from ember.ops.shape import squeeze  # noqa: PLC0415

            y = squeeze(y, (r, c))
        return y
    if ord in (2, -2, "nuc"):
        return Tensor._wrap(np.linalg.norm(x.data, ord=ord, axis=(r, c), keepdims=keepdims)
                            .astype(x.dtype))
    raise ValueError(f"norm: invalid ord {ord!r} for a matrix norm")


# ------------------------------------------------------------------ not differentiable
def _const(*arrays, dtype=None):
    out = tuple(Tensor._wrap(np.asarray(a) if dtype is None else np.asarray(a).astype(dtype))
                for a in arrays)
    return out if len(out) > 1 else out[0]


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
    q, r = np.linalg.qr(x, mode=mode)
    return _const(q, r, dtype=x.dtype)


def svd(x, full_matrices=True, compute_uv=True):
    """Singular value decomposition (u, s, vh), or s alone. Not differentiable in ember.

    >>> import ember
    >>> ember.ops.linalg.svd(ember.tensor([[3.0, 0.0], [0.0, 2.0]]), compute_uv=False).numpy()
    array([3., 2.], dtype=float32)
    """
    x = float_tensor(x).data
    if not compute_uv:
        return _const(np.linalg.svd(x, compute_uv=False), dtype=x.dtype)
    u, s, vh = np.linalg.svd(x, full_matrices=full_matrices)
    return _const(u, s, vh, dtype=x.dtype)


def eigh(x):
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices. Not differentiable.

    >>> import ember
    >>> ember.ops.linalg.eigh(ember.tensor([[2.0, 0.0], [0.0, 1.0]]))[0].numpy()
    array([1., 2.], dtype=float32)
    """
    x = float_tensor(x).data
    w, v = np.linalg.eigh(x)
    return _const(w, v, dtype=x.dtype)


def eig(x):
    """Eigenvalues and eigenvectors of general matrices (complex results, as Keras' torch
    backend). Not differentiable.

    >>> import ember
    >>> ember.ops.linalg.eig(ember.tensor([[2.0, 0.0], [0.0, 1.0]]))[0].numpy()
    array([2.+0.j, 1.+0.j], dtype=complex64)
    """
    x = float_tensor(x).data
    w, v = np.linalg.eig(x)
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
    a = np.array(x, copy=True)
    n = a.shape[-1]
    piv = np.zeros(a.shape[:-1], dtype=np.int32)
    flat = a.reshape(-1, n, n)
    pflat = piv.reshape(-1, n)
    for b in range(flat.shape[0]):
        m = flat[b]
        for k in range(n):
            p = k + int(np.argmax(np.abs(m[k:, k])))
            pflat[b, k] = p
            if p != k:
                m[[k, p]] = m[[p, k]]
            if m[k, k] != 0:
                m[k + 1:, k] /= m[k, k]
                m[k + 1:, k + 1:] -= np.outer(m[k + 1:, k], m[k, k + 1:])
    return _const(a, piv)


def lstsq(a, b, rcond=None):
    """Least-squares solution of a x = b (2-D a). Not differentiable in ember.

    >>> import ember
    >>> ember.ops.linalg.lstsq(ember.tensor([[1.0], [1.0]]), ember.tensor([1.0, 3.0])).numpy()
    array([2.], dtype=float32)
    """
    a, b = float_tensor(a).data, float_tensor(b).data
    return _const(np.linalg.lstsq(a, b, rcond=rcond)[0], dtype=a.dtype)


def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse. Not differentiable in ember.

    >>> import ember
    >>> ember.ops.linalg.pinv(ember.tensor([[2.0, 0.0]])).numpy()
    array([[0.5],
           [0. ]], dtype=float32)
    """
    x = float_tensor(x).data
    rcond = 1e-15 if rcond is None else rcond
    return _const(np.linalg.pinv(x, rcond=rcond), dtype=x.dtype)


def matrix_rank(x, tol=None):
    """Numerical rank (int32). Not differentiable.

    >>> import ember
    >>> int(ember.ops.linalg.matrix_rank(ember.tensor([[1.0, 2.0], [2.0, 4.0]])))
    1
    """
    x = float_tensor(x).data
    return _const(np.linalg.matrix_rank(x, tol=tol), dtype=np.int32)


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
    flat = np.zeros(out.size, dtype=out.dtype)
    for k in range(out.size):
        seed = np.zeros(out.size, dtype=out.dtype)
        seed[k] = 1
        gs = grad(out, xs, grad_outputs=Tensor._wrap(seed.reshape(out.shape)),
                  retain_graph=True)
        flat[k] = sum(float(np.sum(g.data * t)) for g, t in zip(gs, ts) if g is not None)
    result = (out.detach(), Tensor._wrap(flat.reshape(out.shape)))
    return (*result, aux) if has_aux else result
