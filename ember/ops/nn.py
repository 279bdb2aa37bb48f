"""`ember.ops.nn`: Keras' `keras.ops.nn` namespace, name for name (every function here is
also at the top level of `ember.ops`, as in Keras). The implementations live in modules whose
names no Keras op has: `activations.py`, `nn_activations.py`, `cross_entropy.py`,
`keras_conv.py`, `nn_functional.py`, `sliding_blocks.py`, `ctc.py`.

>>> import ember
>>> ember.ops.nn.gelu is ember.ops.gelu
True
"""

# ruff: noqa: F401  (a namespace: these imports are its content, listed in __all__)
from ember.ops.activations import elu, leaky_relu, relu, sigmoid, softplus
from ember.ops.cross_entropy import log_softmax, softmax
from ember.ops.ctc import ctc_decode, ctc_loss
from ember.ops.keras_conv import (
    adaptive_average_pool,
    adaptive_max_pool,
    average_pool,
    conv,
    conv_transpose,
    depthwise_conv,
    max_pool,
    separable_conv,
)
from ember.ops.nn_activations import (
    celu,
    gelu,
    glu,
    hard_shrink,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    hard_tanh,
    log_sigmoid,
    relu6,
    selu,
    silu,
    soft_shrink,
    softsign,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
    squareplus,
    swish,
    tanh_shrink,
    threshold,
)
from ember.ops.nn_functional import (
    batch_normalization,
    binary_crossentropy,
    categorical_crossentropy,
    depth_to_space,
    dot_product_attention,
    layer_normalization,
    moments,
    multi_hot,
    normalize,
    one_hot,
    polar,
    psnr,
    rms_normalization,
    space_to_depth,
    sparse_categorical_crossentropy,
)
from ember.ops.sliding_blocks import fold, unfold

NON_DIFFERENTIABLE = ("one_hot", "multi_hot", "polar", "ctc_decode")
DIFFERENTIABLE = (
    "adaptive_average_pool", "adaptive_max_pool", "average_pool", "batch_normalization",
    "binary_crossentropy", "categorical_crossentropy", "celu", "conv", "conv_transpose",
    "ctc_loss", "depth_to_space", "depthwise_conv", "dot_product_attention", "elu", "fold",
    "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
    "layer_normalization", "leaky_relu", "log_sigmoid", "log_softmax", "max_pool", "moments",
    "normalize", "psnr", "relu", "relu6", "rms_normalization", "selu", "separable_conv",
    "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign", "space_to_depth",
    "sparse_categorical_crossentropy", "sparse_plus", "sparse_sigmoid", "sparsemax",
    "squareplus", "swish", "tanh_shrink", "threshold", "unfold",
)
__all__ = list(DIFFERENTIABLE + NON_DIFFERENTIABLE)
