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
    activations,
    applications,
    callbacks,
    config,
    constraints,
    data,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    preprocessing,
    random,
    regularizers,
    saving,
    testing,
    tree,
    utils,
)
from ember.autograd import GradientTape, enable_grad, grad, is_grad_enabled, no_grad
from ember.creation import arange, eye, full, full_like, ones, ones_like, zeros, zeros_like
from ember.layers import Input
from ember.models import Model, Sequential
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
    "GradientTape", "Input", "Model", "Sequential", "Tensor", "Variable", "abs", "activations",
    "applications", "arange", "callbacks", "concat", "config", "constant", "constraints",
    "data", "datasets", "enable_grad", "exp", "eye", "full", "full_like", "grad", "initializers",
    "is_grad_enabled", "layers", "log", "losses", "matmul", "maximum", "mean", "metrics", "minimum",
    "models", "no_grad", "ones", "ones_like", "ops", "optimizers", "preprocessing", "random",
    "regularizers", "reshape", "saving", "sqrt", "stack", "sum", "tensor", "testing",
    "tree", "utils", "where", "zeros", "zeros_like",
]
