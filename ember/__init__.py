"""ember: a deep-learning framework from first principles on NumPy, with a Keras API.

>>> import ember
>>> w = ember.Variable([1.0, -2.0])
>>> with ember.GradientTape() as tape:
...     loss = ember.ops.sum(w * w)
>>> tape.gradient(loss, [w])[0].numpy()
array([ 2., -4.], dtype=float32)
"""

__version__ = "0.1.0"

from ember import (
    config,
    ops,  # noqa: E402,I001  (after Tensor: ops import it)
    random,
    utils,
)
from ember.autograd import GradientTape, enable_grad, grad, is_grad_enabled, no_grad
from ember.creation import arange, eye, full, full_like, ones, ones_like, zeros, zeros_like
from ember.ops import (
    abs,
    concat,
    exp,
    log,
    matmul,
    maximum,
    mean,
    minimum,
    reshape,
    sqrt,
    stack,
    sum,
    where,
)
from ember.tensor import Tensor, Variable, constant, tensor

__all__ = [
    "GradientTape", "Tensor", "Variable", "abs", "arange", "concat", "config", "constant",
    "enable_grad", "exp", "eye", "full", "full_like", "grad", "is_grad_enabled", "log",
    "losses", "matmul", "maximum", "mean", "metrics", "minimum", "no_grad", "ones",
    "ones_like", "ops", "optimizers", "random", "reshape", "sqrt", "stack", "sum", "tensor",
    "utils", "where", "zeros", "zeros_like",
]
