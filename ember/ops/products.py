"""Matrix products: `matmul` (batched, with NumPy's vector rules) and `dot`."""

import numpy as np

from ember.autograd import Function, unbroadcast
from ember.tensor import Tensor


class MatMul(Function):
    """z = x @ w;  gx = gz @ w^T,  gw = x^T @ gz (batch axes summed back by `unbroadcast`).

    1-D operands follow NumPy: a vector x is a row (1, k), a vector w a column (k, 1), and the
    added axis is removed from the result.
    """

    def forward(self, x, w):
        if x.ndim == 0 or w.ndim == 0:
            raise ValueError(f"matmul: operands must have at least one axis; received shapes "
                             f"{x.shape} and {w.shape}")
        k1, k2 = x.shape[-1], w.shape[0] if w.ndim == 1 else w.shape[-2]
        if k1 != k2:
            raise ValueError(f"matmul: shapes {x.shape} and {w.shape} are not aligned: "
                             f"{k1} != {k2}")
        self.save_for_backward(x, w)
        try:
            return np.matmul(x, w)
        except ValueError:
            raise ValueError(f"matmul: batch axes of shapes {x.shape} and {w.shape} cannot be "
                             "broadcast together") from None

    def backward(self, gz):
        x, w = self.saved
        x2 = x[None, :] if x.ndim == 1 else x
        w2 = w[:, None] if w.ndim == 1 else w
        g = gz
        if w.ndim == 1:  # column axis first: for vector @ vector gz is 0-d
            g = np.expand_dims(g, -1)
        if x.ndim == 1:
            g = np.expand_dims(g, -2)
        gx = gw = None
        if self.needs_input_grad[0]:
            gx = unbroadcast(np.matmul(g, np.swapaxes(w2, -1, -2)), x2.shape).reshape(x.shape)
        if self.needs_input_grad[1]:
            gw = unbroadcast(np.matmul(np.swapaxes(x2, -1, -2), g), w2.shape).reshape(w.shape)
        return gx, gw


def matmul(x1, x2):
    """Matrix product with batching and NumPy's rules for vectors (the `@` operator).

    >>> import ember
    >>> (ember.ones((2, 3)) @ ember.ones((3, 4))).shape
    (2, 4)
    """
    from ember.ops.dtypes import as_tensor  # noqa: PLC0415

    x, w = x1, x2
    if not isinstance(x, Tensor) and not isinstance(w, Tensor):
        x = as_tensor(x, "matmul", "x1")
    if not isinstance(x, Tensor):
        x = as_tensor(x, "matmul", "x1", w.dtype if w.dtype.kind == "f" else None)
    if not isinstance(w, Tensor):
        w = as_tensor(w, "matmul", "x2", x.dtype if x.dtype.kind == "f" else None)
    return MatMul.apply(x, w)


def dot(x1, x2):
    """NumPy's `dot`: inner product of vectors, matrix product of matrices, and for N-D `x`
    a sum over the last axis of `x` and the second-to-last axis of `y`."""
    from ember.ops.dtypes import as_tensor  # noqa: PLC0415
    from ember.ops.shaping import reshape, transpose  # noqa: PLC0415

    x = as_tensor(x1, "dot", "x1")
    y = as_tensor(x2, "dot", "x2")
    if x.ndim <= 2 and y.ndim <= 2 or y.ndim == 1:
        return matmul(x, y)
    k = y.shape[-2]
    if x.shape[-1] != k:
        raise ValueError(f"dot: shapes {x.shape} and {y.shape} are not aligned: "
                         f"{x.shape[-1]} != {k}")
    order = [y.ndim - 2, *range(y.ndim - 2), y.ndim - 1]
    y2 = reshape(transpose(y, order), (k, -1))
    out = matmul(reshape(x, (-1, k)), y2)
    return reshape(out, x.shape[:-1] + y.shape[:-2] + y.shape[-1:])
