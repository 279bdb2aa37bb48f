"""Keras' `ops.nn` activations beyond the primitives of `activations.py`, as compositions of
ember ops (so their gradients are the chain rule of existing backwards), plus `Sparsemax`,
a primitive because its projection has no composition in ember ops.

Each follows Keras 3's definition and defaults; integer inputs become floatx.
"""

import math

import numpy as np

from ember.autograd import Function
from ember.backend import array_module
from ember.ops.activations import elu, relu, sigmoid, softplus, tanh
from ember.ops.elementwise import abs, clip, exp, minimum, sqrt, where
from ember.ops.shaping import split
from ember.ops.special import erfc
from ember.ops.tensor_args import float_tensor, tensor

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def relu6(x):
    """min(max(x, 0), 6).

    >>> import ember
    >>> ember.ops.relu6(ember.tensor([-1.0, 3.0, 8.0])).numpy()
    array([0., 3., 6.], dtype=float32)
    """
    x = tensor(x)  # integers stay integers (Keras)
    return clip(x if x.dtype.kind in "iu" else float_tensor(x), 0, 6)


def silu(x):
    """x * sigmoid(x) (also `swish`).

    >>> import ember
    >>> ember.ops.silu(ember.tensor([0.0])).numpy()
    array([0.], dtype=float32)
    """
    x = float_tensor(x)
    return x * sigmoid(x)


swish = silu


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), finite for any x.

    >>> import ember
    >>> ember.ops.log_sigmoid(ember.tensor([-200.0])).numpy()
    array([-200.], dtype=float32)
    """
    return -softplus(-float_tensor(x))


def softsign(x):
    """x / (1 + |x|).

    >>> import ember
    >>> ember.ops.softsign(ember.tensor([1.0])).numpy()
    array([0.5], dtype=float32)
    """
    x = float_tensor(x)
    return x / (1.0 + abs(x))


def hard_sigmoid(x):
    """relu6(x + 3) / 6 (Keras 3's definition).

    >>> import ember
    >>> ember.ops.hard_sigmoid(ember.tensor([-4.0, 0.0, 4.0])).numpy()
    array([0. , 0.5, 1. ], dtype=float32)
    """
    return relu6(float_tensor(x) + 3.0) / 6.0


def hard_silu(x):
    """x * hard_sigmoid(x) (also `hard_swish`).

    >>> import ember
    >>> ember.ops.hard_silu(ember.tensor([-4.0, 4.0])).numpy()
    array([-0.,  4.], dtype=float32)
    """
    x = float_tensor(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def hard_tanh(x):
    """clip(x, -1, 1).

    >>> import ember
    >>> ember.ops.hard_tanh(ember.tensor([-2.0, 0.5])).numpy()
    array([-1. ,  0.5], dtype=float32)
    """
    x = tensor(x)  # integers stay integers (Keras)
    return clip(x if x.dtype.kind in "iu" else float_tensor(x), -1, 1)


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0. Defaults to threshold=0.5.

    >>> import ember
    >>> ember.ops.hard_shrink(ember.tensor([-1.0, 0.2])).numpy()
    array([-1.,  0.], dtype=float32)
    """
    x = float_tensor(x)
    return where(abs(x).data > threshold, x, 0.0)


def soft_shrink(x, threshold=0.5):
    """x - threshold above it, x + threshold below -threshold, else 0. Defaults to 0.5.

    >>> import ember
    >>> ember.ops.soft_shrink(ember.tensor([-1.0, 0.2, 2.0])).numpy()
    array([-0.5,  0. ,  1.5], dtype=float32)
    """
    x = float_tensor(x)
    return where(x.data > threshold, x - threshold, where(x.data < -threshold, x + threshold, 0.0))


def tanh_shrink(x):
    """x - tanh(x).

    >>> import ember
    >>> ember.ops.tanh_shrink(ember.tensor([0.0])).numpy()
    array([0.], dtype=float32)
    """
    x = float_tensor(x)
    return x - tanh(x)


def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 on (-1, 1), x for x >= 1.

    >>> import ember
    >>> ember.ops.sparse_plus(ember.tensor([-2.0, 0.0, 2.0])).numpy()
    array([0.  , 0.25, 2.  ], dtype=float32)
    """
    x = float_tensor(x)
    inner = (x + 1.0) * (x + 1.0) * 0.25
    return where(x.data <= -1.0, 0.0, where(x.data >= 1.0, x, inner))


def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 on (-1, 1), 1 for x >= 1.

    >>> import ember
    >>> ember.ops.sparse_sigmoid(ember.tensor([-2.0, 0.0, 2.0])).numpy()
    array([0. , 0.5, 1. ], dtype=float32)
    """
    return clip((float_tensor(x) + 1.0) * 0.5, 0.0, 1.0)


def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2. Defaults to b=4.

    >>> import ember
    >>> ember.ops.squareplus(ember.tensor([0.0])).numpy()
    array([1.], dtype=float32)
    """
    x = float_tensor(x)
    return (x + sqrt(x * x + float(b))) * 0.5


def celu(x, alpha=1.0):
    """max(x, 0) + alpha * expm1(min(x, 0) / alpha). Defaults to alpha=1.0.

    >>> import ember
    >>> ember.ops.celu(ember.tensor([1.0, 0.0])).numpy()
    array([1., 0.], dtype=float32)
    """
    x = float_tensor(x)
    return relu(x) + alpha * (exp(minimum(x, 0.0) / alpha) - 1.0)


def selu(x):
    """scale * elu(x, alpha) with alpha = 1.67326..., scale = 1.05070... (Klambauer et al.).

    >>> import ember
    >>> ember.ops.selu(ember.tensor([1.0])).numpy()
    array([1.050701], dtype=float32)
    """
    return _SELU_SCALE * elu(float_tensor(x), _SELU_ALPHA)


def gelu(x, approximate=True):
    """Gaussian error linear unit. Keras' default `approximate=True` is the tanh form
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))); `approximate=False` is x * Phi(x) with
    Phi(x) = erfc(-x / sqrt(2)) / 2 (accurate in the left tail, where 1 + erf cancels).

    >>> import ember
    >>> ember.ops.gelu(ember.tensor([1.0])).numpy().round(4)
    array([0.8412], dtype=float32)
    >>> ember.ops.gelu(ember.tensor([1.0]), approximate=False).numpy().round(4)
    array([0.8413], dtype=float32)
    """
    x = float_tensor(x)
    if approximate:
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * (x * x * x))
        return 0.5 * x * (1.0 + tanh(inner))
    return 0.5 * x * erfc(x * (-1.0 / math.sqrt(2.0)))


def glu(x, axis=-1):
    """Gated linear unit: a * sigmoid(b) with a, b the two halves of `x` along `axis`.

    >>> import ember
    >>> ember.ops.glu(ember.tensor([2.0, 0.0])).numpy()
    array([1.], dtype=float32)
    """
    x = float_tensor(x)
    if x.shape[axis] % 2:
        raise ValueError(f"glu: axis {axis} must have an even size; received shape {x.shape}")
    a, b = split(x, 2, axis=axis)
    return a * sigmoid(b)


def threshold(x, threshold, default_value):
    """x where x > threshold, else `default_value`.

    >>> import ember
    >>> ember.ops.threshold(ember.tensor([-1.0, 2.0]), 0.0, 5.0).numpy()
    array([5., 2.], dtype=float32)
    """
    x = float_tensor(x)
    return where(x.data > threshold, x, float(default_value))


def _sparsemax(z, axis):
    zs = -np.sort(-z, axis=axis)
    k = array_module(z).arange(1, z.shape[axis] + 1, dtype=z.dtype)
    k = k.reshape([-1 if a == axis % z.ndim else 1 for a in range(z.ndim)])
    cs = np.cumsum(zs, axis=axis)
    support = (1 + k * zs) > cs
    k_z = np.sum(support, axis=axis, keepdims=True)
    tau = (np.take_along_axis(cs, k_z - 1, axis=axis) - 1) / k_z.astype(z.dtype)
    return np.maximum(z - tau, 0)


class Sparsemax(Function):
    """p = argmin_{p in simplex} ||p - z||^2 = max(z - tau(z), 0) (Martins & Astudillo, 2016);
    gz = s * (gp - sum(s * gp) / sum(s)) with s the support (p > 0)."""

    def forward(self, z, axis):
        self.axis = axis
        if z.size == 0:
            p = np.zeros_like(z)
        else:
            p = _sparsemax(z, axis)
        self.save_for_backward(p)
        return p

    def backward(self, gp):
        (p,) = self.saved
        s = (p > 0).astype(gp.dtype)
        n = np.maximum(np.sum(s, axis=self.axis, keepdims=True), 1)
        return s * (gp - np.sum(s * gp, axis=self.axis, keepdims=True) / n), None


def sparsemax(x, axis=-1):
    """Euclidean projection of `x` onto the probability simplex along `axis` (sparse softmax).

    >>> import ember
    >>> ember.ops.sparsemax(ember.tensor([1.0, 0.0, -2.0])).numpy()
    array([1., 0., 0.], dtype=float32)
    """
    return Sparsemax.apply(float_tensor(x), axis)


