"""Keras' `ops.nn` convolutions and poolings (`conv`, `conv_transpose`, `depthwise_conv`,
`separable_conv`, `max_pool`, `average_pool`, `adaptive_*_pool`) on ember's channels-last
primitives of `convolution.py` and `pooling.py`, whose backwards they use.

Layouts are Keras': inputs (N, *spatial, C) (or channels_first with `data_format`), kernels
(*spatial, C_in / groups, C_out) for `conv`, (*spatial, C_out, C_in) for `conv_transpose`,
(*spatial, C_in, multiplier) for `depthwise_conv`. 1-D and 2-D are supported; 3-D inputs
raise NotImplementedError (ember has no 3-D convolution primitive).
"""

import math

from ember.ops.convolution import conv1d, conv2d, conv2d_transpose
from ember.ops.pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from ember.ops.reduce import max as reduce_max
from ember.ops.reduce import mean
from ember.ops.shape import concat, getitem, reshape, transpose
from ember.ops.tensor_args import channels_last, float_tensor


def _rank(x, op):
    rank = x.ndim - 2
    if rank == 3:
        raise NotImplementedError(f"{op}: 3-D inputs (rank 5) are not supported by ember; "
                                  f"received shape {x.shape}")
    if rank not in (1, 2):
        raise ValueError(f"{op}: inputs must have rank 3 or 4 (batch, *spatial, channels); "
                         f"received shape {x.shape}")
    return rank


def _to_last(x, data_format):
    if channels_last(data_format):
        return x
    return transpose(x, (0, *range(2, x.ndim), 1))


def _from_last(y, data_format):
    if channels_last(data_format):
        return y
    return transpose(y, (0, y.ndim - 1, *range(1, y.ndim - 1)))


def _padding(padding, op):
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same'; received {padding!r}")
    return padding.lower()


def _one(v, op, name):
    if isinstance(v, int):
        return v
    v = tuple(v)
    if len(v) != 1:
        raise ValueError(f"{op}: {name} of a 1-D op must be an int or a 1-tuple; received {v}")
    return v[0]


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (1-D, 2-D), Keras' `ops.conv`: groups = C_in / kernel.shape[-2].

    Args:
        inputs: (N, *spatial, C_in) (channels_last) or (N, C_in, *spatial).
        kernel: (*spatial, C_in / groups, C_out).
        strides, dilation_rate: int or tuple. Default to 1.
        padding: "valid" or "same". Defaults to "valid".
        data_format: "channels_last" or "channels_first". Defaults to the config's.

    >>> import ember
    >>> ember.ops.conv(ember.ones((1, 5, 5, 2)), ember.ones((3, 3, 2, 4))).shape
    (1, 3, 3, 4)
    """
    x, w = float_tensor(inputs), float_tensor(kernel)
    rank = _rank(x, "conv")
    padding = _padding(padding, "conv")
    x = _to_last(x, data_format)
    if w.ndim != rank + 2:
        raise ValueError(f"conv: kernel must have rank {rank + 2} for inputs of shape "
                         f"{x.shape}; received kernel of shape {w.shape}")
    c, cg = x.shape[-1], w.shape[-2]
    if cg == 0 or c % cg:
        raise ValueError(f"conv: input channels {c} must be a multiple of the kernel's "
                         f"input channels {cg}; kernel shape {w.shape}")
    groups = c // cg
    if rank == 1:
        y = conv1d(x, w, None, _one(strides, "conv", "strides"), padding,
                   _one(dilation_rate, "conv", "dilation_rate"), groups)
    else:
        y = conv2d(x, w, None, strides, padding, dilation_rate, groups)
    return _from_last(y, data_format)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution, Keras' `ops.depthwise_conv`: each input channel convolved with
    its own `multiplier` filters; kernel (*spatial, C_in, multiplier), output channel
    c * multiplier + m.

    >>> import ember
    >>> ember.ops.depthwise_conv(ember.ones((1, 4, 4, 3)), ember.ones((2, 2, 3, 2))).shape
    (1, 3, 3, 6)
    """
    x, w = float_tensor(inputs), float_tensor(kernel)
    rank = _rank(x, "depthwise_conv")
    x = _to_last(x, data_format)
    if w.ndim != rank + 2 or w.shape[-2] != x.shape[-1]:
        raise ValueError(f"depthwise_conv: kernel must be (*spatial, {x.shape[-1]}, "
                         f"multiplier) for inputs of shape {x.shape}; received {w.shape}")
    w = reshape(w, w.shape[:-2] + (1, w.shape[-2] * w.shape[-1]))
    y = conv(x, w, strides, padding, "channels_last", dilation_rate)
    return _from_last(y, data_format)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """Depthwise then 1x1 pointwise convolution, Keras' `ops.separable_conv`.

    >>> import ember
    >>> ember.ops.separable_conv(ember.ones((1, 4, 4, 3)), ember.ones((2, 2, 3, 2)),
    ...                          ember.ones((1, 1, 6, 5))).shape
    (1, 3, 3, 5)
    """
    x = _to_last(float_tensor(inputs), data_format)
    y = depthwise_conv(x, depthwise_kernel, strides, padding, "channels_last", dilation_rate)
    y = conv(y, pointwise_kernel, 1, "valid", "channels_last", 1)
    return _from_last(y, data_format)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution, Keras' `ops.conv_transpose`; kernel (*spatial, C_out, C_in).

    >>> import ember
    >>> ember.ops.conv_transpose(ember.ones((1, 3, 3, 2)), ember.ones((3, 3, 4, 2)),
    ...                          strides=2, padding="same").shape
    (1, 6, 6, 4)
    """
    x, w = float_tensor(inputs), float_tensor(kernel)
    rank = _rank(x, "conv_transpose")
    padding = _padding(padding, "conv_transpose")
    x = _to_last(x, data_format)
    if w.ndim != rank + 2 or w.shape[-1] != x.shape[-1]:
        raise ValueError(f"conv_transpose: kernel must be (*spatial, C_out, {x.shape[-1]}) "
                         f"for inputs of shape {x.shape}; received {w.shape}")
    if rank == 2:
        y = conv2d_transpose(x, w, None, strides, padding, output_padding, dilation_rate)
    else:
        s = _one(strides, "conv_transpose", "strides")
        d = _one(dilation_rate, "conv_transpose", "dilation_rate")
        op = None if output_padding is None else (0, _one(output_padding, "conv_transpose",
                                                          "output_padding"))
        y = conv2d_transpose(reshape(x, (x.shape[0], 1) + x.shape[1:]),
                             reshape(w, (1,) + w.shape), None, (1, s), padding, op, (1, d))
        y = reshape(y, (y.shape[0],) + y.shape[2:])
    return _from_last(y, data_format)


def _pool(fns, op, inputs, pool_size, strides, padding, data_format):
    x = float_tensor(inputs)
    rank = _rank(x, op)
    padding = _padding(padding, op)
    x = _to_last(x, data_format)
    if rank == 1:
        s = None if strides is None else _one(strides, op, "strides")
        y = fns[0](x, _one(pool_size, op, "pool_size"), s, padding)
    else:
        y = fns[1](x, pool_size, strides, padding)
    return _from_last(y, data_format)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling (1-D, 2-D), Keras' `ops.max_pool`; strides default to pool_size.

    >>> import ember
    >>> ember.ops.max_pool(ember.ones((1, 4, 4, 3)), 2).shape
    (1, 2, 2, 3)
    """
    return _pool((max_pool1d, max_pool2d), "max_pool", inputs, pool_size, strides, padding,
                 data_format)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling (1-D, 2-D), Keras' `ops.average_pool`; "same" padding counts only real
    cells.

    >>> import ember
    >>> ember.ops.average_pool(ember.ones((1, 4, 3)), 2).shape
    (1, 2, 3)
    """
    return _pool((avg_pool1d, avg_pool2d), "average_pool", inputs, pool_size, strides,
                 padding, data_format)


def _adaptive(reduce, op, inputs, output_size, data_format):
    x = float_tensor(inputs)
    rank = _rank(x, op)
    x = _to_last(x, data_format)
    sizes = (output_size,) * rank if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != rank or any(int(s) < 1 for s in sizes):
        raise ValueError(f"{op}: output_size must be a positive int or {rank} of them; "
                         f"received {output_size!r}")
    # PyTorch's bins (what Keras' backends compute): [floor(i n / o), ceil((i + 1) n / o))
    y = x
    for axis, o in zip(range(1, rank + 1), sizes):
        n = y.shape[axis]
        parts = []
        for i in range(o):
            lo, hi = (i * n) // o, math.ceil((i + 1) * n / o)
            key = (slice(None),) * axis + (slice(lo, hi),)
            parts.append(reduce(getitem(y, key), axis=axis, keepdims=True))
        y = concat(parts, axis=axis)
    return _from_last(y, data_format)


def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed output size (PyTorch's bins), Keras'
    `ops.adaptive_average_pool`.

    >>> import ember
    >>> ember.ops.adaptive_average_pool(ember.ones((1, 5, 7, 2)), (2, 3)).shape
    (1, 2, 3, 2)
    """
    return _adaptive(mean, "adaptive_average_pool", inputs, output_size, data_format)


def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed output size (PyTorch's bins), Keras' `ops.adaptive_max_pool`.

    >>> import ember
    >>> ember.ops.adaptive_max_pool(ember.ones((1, 5, 2)), 2).shape
    (1, 2, 2)
    """
    return _adaptive(reduce_max, "adaptive_max_pool", inputs, output_size, data_format)


__all__ = ["conv", "conv_transpose", "depthwise_conv", "separable_conv", "max_pool",
           "average_pool", "adaptive_average_pool", "adaptive_max_pool"]
