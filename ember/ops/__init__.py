"""ember's differentiable primitives and the compositions built on them: Keras' `keras.ops`,
name for name.

Every public op is listed in `__all__`; the op table in `tests/ops/op_table.py` must cover each
one (a coverage test fails otherwise), except the `QUERIES`, which return Python values or their
input unchanged and have their own tests. `ember.ops.numpy` and `ember.ops.core` are Keras'
`keras.ops.numpy` namespace and the core ops, as namespaces of their own.
"""

from ember.ops.activations import elu, leaky_relu, relu, sigmoid, softplus, step, tanh
from ember.ops.basics import (
    cast,
    convert_to_numpy,
    convert_to_tensor,
    dtype,
    is_tensor,
    rearrange,
    saturate_cast,
    scatter,
    scatter_update,
    shape,
    slice,
    slice_update,
    stop_gradient,
    unstack,
)
from ember.ops.contract import (
    corrcoef,
    correlate,
    cross,
    diff,
    einsum,
    inner,
    kron,
    outer,
    slogdet,
    tensordot,
    trapezoid,
    vdot,
)
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
from ember.ops.indexing import (
    argpartition,
    argsort,
    bincount,
    digitize,
    get_item,
    histogram,
    isin,
    nonzero,
    searchsorted,
    select,
    sort,
    take,
    take_along_axis,
    unique,
    unravel_index,
)
from ember.ops.math_binary import (
    allclose,
    arctan2,
    bitwise_and,
    bitwise_left_shift,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    divide,
    divide_no_nan,
    floor_divide,
    fmax,
    fmin,
    fmod,
    gcd,
    heaviside,
    hypot,
    isclose,
    lcm,
    ldexp,
    left_shift,
    logaddexp,
    logaddexp2,
    logical_and,
    logical_or,
    logical_xor,
    mod,
    multiply,
    nextafter,
    power,
    right_shift,
    subtract,
    true_divide,
)
from ember.ops.math_unary import (
    absolute,
    angle,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctanh,
    cbrt,
    ceil,
    conj,
    conjugate,
    copy,
    cos,
    cosh,
    deg2rad,
    exp2,
    expm1,
    fabs,
    floor,
    i0,
    imag,
    log2,
    log10,
    negative,
    rad2deg,
    real,
    reciprocal,
    round,
    sin,
    sinc,
    sinh,
    square,
    tan,
    trunc,
)
from ember.ops.normalization import batch_norm_train, layer_norm
from ember.ops.numpy_creation import (
    arange,
    array,
    bartlett,
    blackman,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    geomspace,
    hamming,
    hanning,
    identity,
    kaiser,
    linspace,
    logspace,
    ones,
    ones_like,
    tri,
    vander,
    zeros,
    zeros_like,
)
from ember.ops.numpy_reduce import (
    all,
    amax,
    amin,
    any,
    average,
    count_nonzero,
    cumprod,
    cumsum,
    median,
    nanargmax,
    nanargmin,
    nancumprod,
    nancumsum,
    nanmax,
    nanmean,
    nanmedian,
    nanmin,
    nanpercentile,
    nanprod,
    nanquantile,
    nanstd,
    nansum,
    nanvar,
    percentile,
    prod,
    ptp,
    quantile,
)
from ember.ops.numpy_shape import (
    append,
    array_split,
    concatenate,
    diag,
    diagflat,
    diagonal,
    dsplit,
    dstack,
    flip,
    fliplr,
    flipud,
    hsplit,
    hstack,
    meshgrid,
    moveaxis,
    ndim,
    ravel,
    roll,
    rot90,
    size,
    trace,
    tril,
    triu,
    view,
    vsplit,
    vstack,
)
from ember.ops.predicates import (
    bitwise_invert,
    bitwise_not,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    isreal,
    logical_not,
    nan_to_num,
    signbit,
)
from ember.ops.products import dot, matmul
from ember.ops.reduce import argmax, argmin, logsumexp, max, mean, min, std, sum, var
from ember.ops.shaping import (
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


def vectorize(pyfunc, *, excluded=None, signature=None):
    """Keras' `vectorize` (NumPy's, with tensors): the returned function applies `pyfunc` to
    each element (or, with a gufunc `signature` such as "(n),(n)->()", to each core slice) of
    its tensor arguments, looping in Python and stacking the results; gradients flow through
    whatever ember ops `pyfunc` uses. See `ember.ops.vectorizing`."""
    from ember.ops.vectorizing import vectorize as _vectorize  # noqa: PLC0415

    return _vectorize(pyfunc, excluded=excluded, signature=signature)


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
    # keras.ops core
    "slice", "slice_update", "scatter", "scatter_update", "unstack",
    "rearrange",
    # keras.ops.numpy: elementwise
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arccosh",
    "arctanh", "expm1", "cbrt", "sinc", "i0", "floor", "ceil", "trunc", "round", "square",
    "reciprocal", "exp2", "log2", "log10", "deg2rad", "rad2deg", "fabs", "absolute",
    "negative", "copy", "real", "conjugate", "conj", "imag", "angle", "nan_to_num",
    "subtract", "multiply", "divide", "true_divide", "power", "mod", "fmod", "floor_divide",
    "arctan2", "hypot", "logaddexp", "logaddexp2", "heaviside", "fmax", "fmin",
    "divide_no_nan", "ldexp", "nextafter",
    # reductions and scans
    "prod", "cumsum", "cumprod", "amax", "amin", "ptp", "average", "quantile", "percentile",
    "median", "nanquantile", "nanpercentile", "nanmedian", "nansum", "nanprod", "nancumsum",
    "nancumprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
    # gathering, shapes, products
    "take", "take_along_axis", "sort", "select", "get_item",
    "concatenate", "append", "hstack", "vstack", "dstack", "array_split", "hsplit", "vsplit",
    "dsplit", "moveaxis", "ravel", "flip", "fliplr", "flipud", "rot90", "roll", "diagonal",
    "trace", "diag", "diagflat", "tril", "triu", "meshgrid",
    "linspace", "logspace", "geomspace", "vander",
    "einsum", "tensordot", "inner", "outer", "vdot", "kron", "cross", "correlate", "diff",
    "trapezoid", "corrcoef", "slogdet",
)
# Ops whose result is not differentiated (bool or index results, constants).
NON_DIFFERENTIABLE = (
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "argmax", "argmin",
    "isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "signbit", "logical_not",
    "logical_and", "logical_or", "logical_xor", "bitwise_invert", "bitwise_not", "bitwise_and",
    "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift", "left_shift",
    "right_shift", "gcd", "lcm", "isclose", "allclose", "all", "any", "count_nonzero",
    "nanargmax", "nanargmin", "argsort", "argpartition", "searchsorted", "digitize", "unique",
    "unravel_index", "bincount", "histogram", "isin", "nonzero",
    "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
    "arange", "eye", "identity", "tri", "bartlett", "blackman", "hamming", "hanning",
    "kaiser", "stop_gradient", "view", "saturate_cast",
)
# Float results that are deliberately outside the graph (constants made like an input,
# stop_gradient): the op table checks they never require grad.
CONSTANT_RESULTS = ("zeros_like", "ones_like", "empty_like", "full_like", "stop_gradient",
                    "view", "unique")
# Ops that return Python values (or their input unchanged) rather than a computed tensor:
# tested by tests/ops_numpy/test_queries.py instead of the op table.
QUERIES = ("shape", "dtype", "is_tensor", "size", "ndim", "convert_to_numpy",
           "convert_to_tensor", "array", "vectorize")

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
__all__ = list(DIFFERENTIABLE + NON_DIFFERENTIABLE
               + tuple(q for q in QUERIES if q not in NON_DIFFERENTIABLE))

# Keras' namespaces keras.ops.numpy and keras.ops.core (imported last: they gather the above)
from ember.ops import core, numpy  # noqa: E402, F401
