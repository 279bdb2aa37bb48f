"""Differentiable linear algebra (Keras' `ops.linalg` and `ops.logdet`) on batched matrices
(..., M, N), with the standard matrix-calculus backwards (Giles, "An extended collection of
matrix derivative results", 2008): `det`, `logdet`, `inv`, `solve`, `solve_triangular`,
`cholesky`, `eigh`; `norm` and `cholesky_inverse` are compositions. The factorizations whose
results are constants in ember's graph live in `factorizations.py`.
"""

import numpy as np

from ember.autograd import Function, unbroadcast
from ember.backend import array_module
from ember.ops.tensor_args import float_tensor, tensor
from ember.tensor import Tensor


def _la(a):
    """The linalg namespace of a's array module (cupy.linalg for CuPy data): the
    decompositions run where the data lives."""
    return array_module(a).linalg


def _t(a):
    return np.swapaxes(a, -1, -2)


def _square(x, op):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{op}: x must be (..., N, N) square matrices; received shape "
                         f"{x.shape}")


class Det(Function):
    """y = det(x);  gx = gy * y * inv(x)^T."""

    def forward(self, x):
        y = _la(x).det(x).astype(x.dtype, copy=False)
        self.save_for_backward(x, y)
        return y

    def backward(self, gy):
        x, y = self.saved
        return (gy * y)[..., None, None] * _t(_la(x).inv(x))


class LogDet(Function):
    """y = log(det(x)) (NaN where det(x) < 0, -inf where 0);  gx = gy * inv(x)^T."""

    def forward(self, x):
        sign, logabs = _la(x).slogdet(x)
        self.save_for_backward(x)
        y = np.where(sign > 0, logabs, np.where(sign == 0, -np.inf, np.nan))
        return y.astype(x.dtype, copy=False)

    def backward(self, gy):
        (x,) = self.saved
        return gy[..., None, None] * _t(_la(x).inv(x))


class Inv(Function):
    """y = inv(x);  gx = -y^T gy y^T."""

    def forward(self, x):
        y = _la(x).inv(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return -(_t(y) @ gy @ _t(y))


class Solve(Function):
    """y = a^{-1} b;  gb = a^{-T} gy,  ga = -gb y^T (b a matrix (..., N, K) here)."""

    def forward(self, a, b):
        y = _la(a).solve(a, b)
        self.save_for_backward(a, y, b)
        return y

    def backward(self, gy):
        a, y, b = self.saved
        gb = _la(a).solve(_t(a), gy)
        ga = -gb @ _t(y)
        return unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)


class SolveTriangular(Function):
    """y = a^{-1} b with a triangular (only its `lower` or upper triangle is read);
    gb = a^{-T} gy,  ga = triangle(-gb y^T)."""

    def forward(self, a, b, lower):
        self.lower = lower
        tri = np.tril(a) if lower else np.triu(a)
        y = _la(tri).solve(tri, b)
        self.save_for_backward(tri, y, a, b)
        return y

    def backward(self, gy):
        tri, y, a, b = self.saved
        gb = _la(tri).solve(_t(tri), gy)
        ga = -gb @ _t(y)
        ga = np.tril(ga) if self.lower else np.triu(ga)
        return unbroadcast(ga, a.shape), unbroadcast(gb, b.shape), None


class Cholesky(Function):
    """L = chol(x) (x symmetric positive definite; its lower triangle is read);
    gx = sym(L^{-T} Phi(L^T gL) L^{-1}), Phi = lower triangle with the diagonal halved and
    sym(m) = (m + m^T) / 2 (the symmetric gradient, as PyTorch and TensorFlow give)."""

    def forward(self, x):
        try:
            lo = _la(x).cholesky(x)
        except np.linalg.LinAlgError:
            raise ValueError("cholesky: the input is not positive definite") from None
        self.save_for_backward(lo)
        return lo

    def backward(self, gl):
        (lo,) = self.saved
        phi = np.tril(_t(lo) @ gl)
        phi = phi - 0.5 * array_module(lo).eye(lo.shape[-1], dtype=lo.dtype) * phi
        inv_l = _la(lo).inv(lo)
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
    from ember.ops.shaping import expand_dims, squeeze  # noqa: PLC0415

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
    from ember.ops.shaping import swapaxes  # noqa: PLC0415

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
    from ember.ops.shaping import swapaxes  # noqa: PLC0415

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
    from ember.ops.shaping import reshape  # noqa: PLC0415

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
            from ember.ops.shaping import squeeze  # noqa: PLC0415

            y = squeeze(y, (r, c))
        return y
    if ord in (2, -2, "nuc"):
        return Tensor._wrap(_la(x.data).norm(x.data, ord=ord, axis=(r, c), keepdims=keepdims)
                            .astype(x.dtype))
    raise ValueError(f"norm: invalid ord {ord!r} for a matrix norm")


class Eigh(Function):
    """w, V = eigh(x) (ascending; x symmetric, its lower triangle read), returned packed as
    (..., n + 1, n): row 0 holds w, rows 1.. hold V.
    gx = V (diag(gw) + F o (V^T gV)) V^T with F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it
    (distinct eigenvalues assumed, as every framework does)."""

    def forward(self, x):
        w, v = _la(x).eigh(x)
        self.save_for_backward(w, v)
        return np.concatenate([w[..., None, :], v], axis=-2)

    def backward(self, gy):
        w, v = self.saved
        gw, gv = gy[..., 0, :], gy[..., 1:, :]
        diff = w[..., None, :] - w[..., :, None]  # w_j - w_i
        eye = array_module(w).eye(w.shape[-1], dtype=w.dtype)
        off = eye == 0
        with np.errstate(divide="ignore"):
            f = np.where(off, 1.0 / np.where(off, diff, 1.0), 0.0).astype(w.dtype)
        inner = f * (_t(v) @ gv)
        inner = inner + gw[..., None, :] * eye
        return v @ inner @ _t(v)


def eigh(x):
    """Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices, reading the
    lower triangle; differentiable (distinct eigenvalues assumed).

    >>> import ember
    >>> ember.ops.linalg.eigh(ember.tensor([[2.0, 0.0], [0.0, 1.0]]))[0].numpy()
    array([1., 2.], dtype=float32)
    """
    from ember.ops.shaping import getitem  # noqa: PLC0415

    x = float_tensor(x)
    _square(x, "eigh")
    packed = Eigh.apply(x)
    return getitem(packed, (Ellipsis, 0, slice(None))), getitem(
        packed, (Ellipsis, slice(1, None), slice(None)))
