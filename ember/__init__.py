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
    distribution,
    dtype_policies,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
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
from ember.device import device, device_of
from ember.dtype_policies import DTypePolicy, FloatDTypePolicy
from ember.initializers import Initializer
from ember.layers import Input, Layer
from ember.layers.input_spec import InputSpec
from ember.layers.node import SymbolicTensor as KerasTensor
from ember.losses import Loss
from ember.metrics import Metric
from ember.models import Model, Sequential
from ember.operation import Function, Operation
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
from ember.optimizers import Optimizer
from ember.regularizers import Regularizer
from ember.scopes import StatelessScope, name_scope
from ember.tensor import Tensor, Variable, constant, tensor


def version():
    """ember's version string (Keras' `keras.version()`).

    >>> import ember
    >>> ember.version() == ember.__version__
    True
    """
    return __version__


__all__ = [
    "DTypePolicy", "FloatDTypePolicy", "Function", "GradientTape", "Initializer", "Input",
    "InputSpec", "KerasTensor", "Layer", "Loss", "Metric", "Model", "Operation", "Optimizer",
    "Regularizer", "Sequential", "StatelessScope", "Tensor", "Variable", "abs", "activations",
    "applications", "arange", "callbacks", "concat", "config", "constant", "constraints",
    "data", "datasets", "device", "device_of", "distribution", "dtype_policies", "enable_grad",
    "exp", "eye", "full", "full_like", "grad", "initializers", "is_grad_enabled", "layers",
    "log", "losses", "matmul", "maximum", "mean", "metrics", "minimum", "mixed_precision",
    "models", "name_scope", "no_grad", "ones", "ones_like", "ops", "optimizers",
    "preprocessing", "random", "regularizers", "reshape", "saving", "sqrt", "stack", "sum",
    "tensor", "testing", "tree", "utils", "version", "where", "zeros", "zeros_like",
]
