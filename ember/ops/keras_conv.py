"""Keras' `ops.nn` convolutions and poolings (`conv`, `conv_transpose`, `depthwise_conv`,
`separable_conv`, `max_pool`, `average_pool`, `adaptive_*_pool`) on ember's channels-last
primitives of `convolution.py` and `pooling.py`, whose backwards they use.

Layouts are Keras': inputs (N, *spatial, C) (or channels_first with `data_format`), kernels
(*spatial, C_in / groups, C_out) for `conv`, (*spatial, C_out, C_in) for `conv_transpose`,
(*spatial, C_in, multiplier) for `depthwise_conv`. 1-D, 2-D and 3-D; a 3-D convolution or
pooling is a sum (max, mean) over the kernel's depth taps of 2-D ones on depth slices (the
depth slices stacked into the batch), so it reuses the 2-D backwards. `conv_transpose` is 1-D
and 2-D only (3-D raises NotImplementedError).
"""

import math

import numpy as np

from ember.backend import array_module
from ember.ops.convolution import conv1d, conv2d, conv2d_transpose
from ember.ops.pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from ember.ops.reduce import max as reduce_max
from ember.ops.reduce import mean
from ember.ops.shaping import concat, getitem, pad, reshape, stack, transpose
from ember.ops.tensor_args import channels_last, float_tensor


def _rank(x, op, three=True):
    rank = x.ndim - 2
    if rank == 3 and not three:
        raise NotImplementedError(f"{op}: 3-D inputs (rank 5) are not supported by ember; "
                                  f"received shape {x.shape}")
    if rank not in (1, 2, 3):
        raise ValueError(f"{op}: inputs must have rank 3, 4 or 5 (batch, *spatial, "
                         f"channels); received shape {x.shape}")
    return rank


def _triple(v, op, name):
    v = (v,) * 3 if isinstance(v, int) else tuple(v)
    if len(v) != 3:
        raise ValueError(f"{op}: {name} of a 3-D op must be an int or a 3-tuple; received {v}")
    return v


def _depth_pad(x, k, s, d, padding, value=0.0):
    """TensorFlow's "same" padding of the depth axis (axis 1): ceil(D / s) outputs."""
    if padding != "same":
        return x, (0, 0)
    n = x.shape[1]
    total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
    pads = (total // 2, total - total // 2)
    if total == 0:
        return x, pads
    width = ((0, 0), pads) + ((0, 0),) * (x.ndim - 2)
    return pad(x, width, constant_values=value), pads


def _depth_taps(x, k, s, d, fn):
    """fn(2-D batch of depth slices, tap) for each depth tap: x (N, D, H, W, C) ->
    [(N * Do, ...)], and Do."""
    n, depth = x.shape[:2]
    do = max((depth - (k - 1) * d - 1) // s + 1, 0)
    outs = []
    for i in range(k):
        sl = getitem(x, (slice(None), slice(i * d, i * d + s * (do - 1) + 1 if do else 0, s)))
        outs.append(fn(reshape(sl, (n * do,) + x.shape[2:]), i))
    return outs, do


def _conv3d(x, w, strides, padding, dilation_rate, groups):
    (sd, sh, sw) = _triple(strides, "conv", "strides")
    (dd, dh, dw) = _triple(dilation_rate, "conv", "dilation_rate")
    kd = w.shape[0]
    x, _ = _depth_pad(x, kd, sd, dd, padding)
    outs, do = _depth_taps(x, kd, sd, dd, lambda x2, i: conv2d(
        x2, getitem(w, i), None, (sh, sw), padding, (dh, dw), groups))
    y = outs[0]
    for o in outs[1:]:
        y = y + o
    return reshape(y, (x.shape[0], do) + y.shape[1:])


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
    elif rank == 3:
        y = _conv3d(x, w, strides, padding, dilation_rate, groups)
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
    rank = _rank(x, "conv_transpose", three=False)
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


def _pool3d(kind, x, pool_size, strides, padding, op):
    """3-D pooling: max over the depth taps of 2-D max pools (depth "same" padding with
    -inf); for the average, the 2-D averages (counts depend on (h, w) only) summed over the
    real depth taps and divided by their number."""
    (pd, ph, pw) = _triple(pool_size, op, "pool_size")
    (sd, sh, sw) = (pd, ph, pw) if strides is None else _triple(strides, op, "strides")
    fill = -np.inf if kind == "max" else 0.0
    depth = x.shape[1]
    xp, (before, _) = _depth_pad(x, pd, sd, 1, padding, fill)
    pool2d = max_pool2d if kind == "max" else avg_pool2d
    outs, do = _depth_taps(xp, pd, sd, 1, lambda x2, i: pool2d(x2, (ph, pw), (sh, sw),
                                                              padding))
    if kind == "max":
        y = reduce_max(stack(outs, axis=0), axis=0)
    else:
        y = outs[0]
        for o in outs[1:]:
            y = y + o
        starts = np.arange(do) * sd - before  # real depth taps of each output window
        count = np.minimum(starts + pd, depth) - np.maximum(starts, 0)
        count = np.repeat(count[None], x.shape[0], 0).reshape(-1, 1, 1, 1)
        y = y / array_module(x.data).asarray(count.astype(x.dtype))
    return reshape(y, (x.shape[0], do) + y.shape[1:])


def _pool(fns, op, inputs, pool_size, strides, padding, data_format):
    x = float_tensor(inputs)
    rank = _rank(x, op)
    padding = _padding(padding, op)
    x = _to_last(x, data_format)
    if rank == 3:
        kind = "max" if fns[0] is max_pool1d else "avg"
        return _from_last(_pool3d(kind, x, pool_size, strides, padding, op), data_format)
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
