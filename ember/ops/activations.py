"""Activation functions as numerically stable primitives (the notes' sigmoid, tanh, ReLU, ...).

Each saves what its derivative needs, usually the output itself.
"""

import numpy as np

from ember.autograd import Function
from ember.backend import array_module
from ember.ops import cuda_kernels
from ember.ops.tensor_args import float_tensor


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x)) = exp(x) / (1 + exp(x)), with e = exp(-|x|) so that it never
    overflows: y = 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0 (accurate in both tails,
    unlike (1 + tanh(x / 2)) / 2, which rounds sigmoid(-20) to 0 in float32);
    gx = gy * y * (1 - y)."""

    def forward(self, x):
        if cuda_kernels.is_cupy(array_module(x)):  # one fused pass on a GPU
            y = cuda_kernels.sigmoid(x)
        else:
            e = np.exp(-np.abs(x))
            y = np.where(x >= 0, 1, e) / (1 + e)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        if cuda_kernels.is_cupy(array_module(gy)):
            return cuda_kernels.sigmoid_grad(gy, y)
        return gy * y * (1 - y)


class Tanh(Function):
    """y = tanh(x);  gx = gy * (1 - y ** 2)."""

    def forward(self, x):
        y = np.tanh(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy * (1 - y * y)


class ReLU(Function):
    """y = max(x, 0);  gx = gy where x > 0 (0 at x = 0, as PyTorch)."""

    def forward(self, x):
        y = np.maximum(x, 0)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy * (y > 0)


class LeakyReLU(Function):
    """y = x if x > 0 else alpha * x;  gx = gy if x > 0 else alpha * gy."""

    def forward(self, x, alpha):
        self.alpha = alpha
        pos = x > 0
        self.save_for_backward(pos)
        return np.where(pos, x, alpha * x)

    def backward(self, gy):
        (pos,) = self.saved
        return np.where(pos, gy, self.alpha * gy), None


class ELU(Function):
    """y = x if x > 0 else alpha * (exp(x) - 1);  gx = gy if x > 0 else gy * (y + alpha)."""

    def forward(self, x, alpha):
        self.alpha = alpha
        pos = x > 0
        y = np.where(pos, x, alpha * np.expm1(np.minimum(x, 0)))
        self.save_for_backward(pos, y)
        return y

    def backward(self, gy):
        pos, y = self.saved
        return np.where(pos, gy, gy * (y + self.alpha)), None


class Softplus(Function):
    """y = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|));  gx = gy * sigmoid(x)."""

    def forward(self, x):
        self.save_for_backward(x)
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    def backward(self, gy):
        (x,) = self.saved
        return gy * (0.5 * (1 + np.tanh(0.5 * x)))


class Step(Function):
    """The perceptron's Heaviside step: y = 1 if x > 0 else 0;  gx = 0 everywhere."""

    def forward(self, x):
        return (x > 0).astype(x.dtype)

    def backward(self, gy):
        return np.zeros_like(gy)


def sigmoid(x):
    """Logistic sigmoid, stable at any magnitude.

    >>> import ember
    >>> ember.ops.sigmoid(ember.tensor([0.0, 100.0, -1e4])).numpy()
    array([0.5, 1. , 0. ], dtype=float32)
    """
    return Sigmoid.apply(float_tensor(x))


def tanh(x):
    """Hyperbolic tangent (integer inputs give floatx)."""
    from ember.ops.dtypes import float_tensor  # noqa: PLC0415

    return Tanh.apply(float_tensor(x, "tanh"))


def relu(x):
    """Rectified linear unit max(x, 0)."""
    return ReLU.apply(x)


def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, negative_slope * x otherwise (Keras' `ops.leaky_relu`). Defaults to
    negative_slope=0.2.

    >>> import ember
    >>> ember.ops.leaky_relu(ember.tensor([-1.0, 2.0])).numpy()
    array([-0.2,  2. ], dtype=float32)
    """
    return LeakyReLU.apply(float_tensor(x), float(negative_slope))


def elu(x, alpha=1.0):
    """Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return ELU.apply(float_tensor(x), float(alpha))


def softplus(x):
    """log(1 + exp(x)), stable for large |x|."""
    return Softplus.apply(float_tensor(x))


def step(x):
    """Heaviside step (1 where x > 0, else 0), with zero gradient: the perceptron's output."""
    return Step.apply(x)
