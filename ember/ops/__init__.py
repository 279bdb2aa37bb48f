"""ember's differentiable primitives and the compositions built on them.

Every public op is listed in `__all__`; the op table in `tests/ops/op_table.py` must cover each
one (a coverage test fails otherwise).
"""

from ember.ops.activations import elu, leaky_relu, relu, sigmoid, softplus, step, tanh
from ember.ops.cross_entropy import (
    log_softmax,
    sigmoid_binary_cross_entropy,
    softmax,
    softmax_cross_entropy,
    sparse_softmax_cross_entropy,
)
from ember.ops.dropout import dropout
from ember.ops.elementwise import (
    abs,
    add,
    cast,
    clip,
    div,
    equal,
    exp,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    log1p,
    maximum,
    minimum,
    mul,
    neg,
    not_equal,
    pow,
    sign,
    sqrt,
    sub,
    where,
)
from ember.ops.normalization import batch_norm_train, layer_norm
from ember.ops.products import dot, matmul
from ember.ops.reduce import argmax, argmin, logsumexp, max, mean, min, std, sum, var
from ember.ops.shape import (
    broadcast_to,
    concat,
    expand_dims,
    flatten,
    getitem,
    pad,
    permute,
    repeat,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    tile,
    transpose,
)

# Differentiable ops (each has a float64 gradient check in the op table).
DIFFERENTIABLE = (
    "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "log1p", "sqrt", "abs", "sign",
    "maximum", "minimum", "clip", "where", "cast",
    "sum", "mean", "max", "min", "var", "std", "logsumexp",
    "matmul", "dot",
    "reshape", "transpose", "permute", "swapaxes", "squeeze", "expand_dims", "broadcast_to",
    "flatten", "getitem", "concat", "stack", "split", "pad", "repeat", "tile",
    "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "step",
    "softmax", "log_softmax",
    "sparse_softmax_cross_entropy", "softmax_cross_entropy", "sigmoid_binary_cross_entropy",
    "dropout", "batch_norm_train", "layer_norm",
)
# Ops whose result is not differentiated (bool or index results).
NON_DIFFERENTIABLE = (
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "argmax", "argmin",
)

__all__ = list(DIFFERENTIABLE + NON_DIFFERENTIABLE)

# ----------------------------------------------------------------------------------------------
# Keras' namespaces `ops.nn`, `ops.math`, `ops.linalg`, `ops.image`, and the top-level names
# they (and Keras' core control flow) put in `keras.ops`.
from ember.ops import control_flow, image, linalg, math, nn  # noqa: E402
from ember.ops.control_flow import *  # noqa: E402,F403  (cond, while_loop, scan, ...)
from ember.ops.linalg import *  # noqa: E402,F403  (the 16 names of keras.ops.linalg)
from ember.ops.math import *  # noqa: E402,F403  (erf, fft, segment_sum, top_k, stft, ...)
from ember.ops.nn import *  # noqa: E402,F403  (the 55 names of keras.ops.nn)

DIFFERENTIABLE = tuple(dict.fromkeys(
    DIFFERENTIABLE + nn.DIFFERENTIABLE + math.DIFFERENTIABLE + linalg.DIFFERENTIABLE
    + control_flow.DIFFERENTIABLE))
NON_DIFFERENTIABLE = tuple(dict.fromkeys(
    NON_DIFFERENTIABLE + nn.NON_DIFFERENTIABLE + math.NON_DIFFERENTIABLE
    + linalg.NON_DIFFERENTIABLE))
__all__ = list(DIFFERENTIABLE + NON_DIFFERENTIABLE)
