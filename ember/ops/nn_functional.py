"""Keras' `ops.nn` functions that are not activations or convolutions: encodings (`one_hot`,
`multi_hot`), statistics and normalizations, the cross-entropies, attention, `psnr`,
`polar`, `depth_to_space` / `space_to_depth`. All are compositions of ember ops (the fused,
stable cross-entropy primitives of `cross_entropy.py` for `from_logits=True`), so their
gradients are those ops' backwards.
"""

import math

import numpy as np

from ember import config
from ember.backend import array_module
from ember.ops.activations import tanh
from ember.ops.cross_entropy import (
    log_softmax,
    sigmoid_binary_cross_entropy,
    softmax,
    softmax_cross_entropy,
    sparse_softmax_cross_entropy,
)
from ember.ops.elementwise import abs, clip, log, maximum, sqrt, where
from ember.ops.normalization import layer_norm
from ember.ops.products import matmul
from ember.ops.reduce import mean, normalize_axes, sum
from ember.ops.shaping import expand_dims, reshape, squeeze, swapaxes, transpose
from ember.ops.tensor_args import float_tensor, tensor
from ember.tensor import Tensor


# ------------------------------------------------------------------------------ encodings
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encoding of integer `x`: a new axis of `num_classes` at `axis`; negative
    indices encode to all zeros (Keras). Not differentiable.

    Args:
        x: integer tensor.
        num_classes: depth of the encoding.
        axis: where the new axis goes. Defaults to -1.
        dtype: result dtype. Defaults to floatx.
        sparse: must be False (ember has no sparse tensors).

    >>> import ember
    >>> ember.ops.one_hot(ember.tensor([0, 2, -1]), 3).numpy()
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 0., 0.]], dtype=float32)
    """
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported (ember has no sparse tensors)")
    idx = tensor(x).data
    if idx.dtype.kind not in "iub":
        idx = idx.astype(np.int64)
    n = int(num_classes)
    classes = array_module(idx).arange(n).reshape((1,) * idx.ndim + (n,))
    out = (idx[..., None] == classes).astype(np.dtype(dtype or config.floatx()))
    if axis != -1:
        out = np.moveaxis(out, -1, axis)
    return Tensor._wrap(out)


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encoding: the one-hot encodings of each row's indices, or-ed together (axis 1
    of a batch, axis 0 of a single example). Not differentiable.

    >>> import ember
    >>> ember.ops.multi_hot(ember.tensor([[0, 2], [1, 1]]), 3).numpy()
    array([[1., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    """
    num_classes = kwargs.pop("num_tokens", num_classes)
    if kwargs:
        raise TypeError(f"multi_hot: unexpected arguments {sorted(kwargs)}")
    if num_classes is None:
        raise ValueError("multi_hot: num_classes is required")
    x = tensor(inputs)
    encoded = one_hot(x, num_classes, axis=axis, dtype=dtype, sparse=sparse).data
    return Tensor._wrap(np.max(encoded, axis=1 if x.ndim > 1 else 0))


# ------------------------------------------------------------------------------ statistics
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and (biased) variance of `x` over `axes`, Keras' `ops.moments`.

    >>> import ember
    >>> m, v = ember.ops.moments(ember.tensor([1.0, 3.0]), axes=0)
    >>> float(m), float(v)
    (2.0, 1.0)
    """
    x = float_tensor(x)
    axes = normalize_axes(axes, x.ndim, "moments")
    mu = mean(x, axis=axes, keepdims=True)
    d = x - mu
    var = mean(d * d, axis=axes, keepdims=keepdims)
    if not keepdims:
        mu = squeeze(mu, axes) if axes else mu
    return mu, var


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, with the 1-D statistics laid
    along `axis`, Keras' `ops.batch_normalization`.

    >>> import ember
    >>> ember.ops.batch_normalization(ember.tensor([[1.0, 4.0]]), ember.tensor([1.0, 2.0]),
    ...                               ember.tensor([1.0, 4.0]), axis=-1, epsilon=0.0).numpy()
    array([[0., 1.]], dtype=float32)
    """
    x = float_tensor(x)
    ax = axis % x.ndim
    shape = tuple(-1 if a == ax else 1 for a in range(x.ndim))

    def laid(v):
        return None if v is None else reshape(tensor(v, x.dtype), shape)

    inv = 1.0 / sqrt(laid(variance) + epsilon)
    if scale is not None:
        inv = inv * laid(scale)
    res = -laid(mean) * inv
    if offset is not None:
        res = res + laid(offset)
    return x * inv + res


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Layer normalization over `axis`, Keras' `ops.layer_normalization` (epsilon defaults
    to `ember.config.epsilon()`; `rms_scaling=True` divides by the standard deviation
    without centring).

    >>> import ember
    >>> ember.ops.layer_normalization(ember.tensor([[1.0, 3.0]]), epsilon=0.0).numpy()
    array([[-1.,  1.]], dtype=float32)
    """
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization: unexpected arguments {sorted(kwargs)}")
    epsilon = config.epsilon() if epsilon is None else epsilon
    x = float_tensor(x)
    if rms_scaling:
        axes = normalize_axes(axis, x.ndim, "layer_normalization")
        shape = tuple(x.shape[a] if a in axes else 1 for a in range(x.ndim))
        d = x - mean(x, axis=axes, keepdims=True)
        y = x / sqrt(mean(d * d, axis=axes, keepdims=True) + epsilon)
        return y if gamma is None else y * reshape(tensor(gamma, x.dtype), shape)
    return layer_norm(x, gamma, beta, axis=axis, epsilon=epsilon)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x / sqrt(mean(x^2 over axis) + epsilon) * scale, Keras' `ops.rms_normalization`.

    >>> import ember
    >>> ember.ops.rms_normalization(ember.tensor([[3.0, 4.0]]), epsilon=0.0).numpy().round(4)
    array([[0.8485, 1.1314]], dtype=float32)
    """
    epsilon = config.epsilon() if epsilon is None else epsilon
    x = float_tensor(x)
    if x.ndim == 0:
        x = expand_dims(x, 0)
    y = x / sqrt(mean(x * x, axis=axis, keepdims=True) + epsilon)
    return y if scale is None else y * tensor(scale, x.dtype)


def normalize(x, axis=-1, order=2, epsilon=None):
    """x / max(||x||_order, epsilon) along `axis`, Keras' `ops.normalize` (order an int >= 1).

    >>> import ember
    >>> ember.ops.normalize(ember.tensor([3.0, 4.0])).numpy()
    array([0.6, 0.8], dtype=float32)
    """
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: order must be an int >= 1; received order={order!r}")
    epsilon = config.epsilon() if epsilon is None else epsilon
    x = float_tensor(x)
    if x.ndim == 0:
        x = expand_dims(x, 0)
    if order == 2:  # x * min(rsqrt(sum x^2), 1 / eps), without dividing by a zero norm
        return x / sqrt(maximum(sum(x * x, axis=axis, keepdims=True), epsilon * epsilon))
    a = abs(x)
    norm = sum(a ** float(order), axis=axis, keepdims=True) ** (1.0 / order)
    return x / maximum(norm, epsilon)


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio 20 log10(max_val) - 10 log10(mean((x1 - x2)^2)).

    >>> import ember
    >>> round(float(ember.ops.psnr(ember.tensor([0.0, 1.0]), ember.tensor([0.0, 0.9]), 1.0)), 3)
    23.01
    """
    x1, x2 = float_tensor(x1), float_tensor(x2)
    if x1.shape != x2.shape:
        raise ValueError(f"psnr: shapes {x1.shape} and {x2.shape} must match")
    d = x1 - x2
    return 20.0 * math.log10(max_val) - (10.0 / math.log(10.0)) * log(mean(d * d))


def polar(abs_, angle):
    """The complex number abs_ * exp(i angle) (complex64 for float32 inputs). Not
    differentiable (ember's graph holds real tensors).

    >>> import ember
    >>> ember.ops.polar(ember.tensor([2.0]), ember.tensor([0.0])).numpy()
    array([2.+0.j], dtype=complex64)
    """
    r, t = float_tensor(abs_).data, float_tensor(angle).data
    dtype = np.result_type(r.dtype, t.dtype, np.complex64)
    return Tensor._wrap((r * np.cos(t) + 1j * (r * np.sin(t))).astype(dtype))


# ------------------------------------------------------------------------------ losses
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy. With `from_logits` the fused stable primitive; else
    probabilities clipped to [eps, 1 - eps] (Keras).

    >>> import ember
    >>> ember.ops.binary_crossentropy(ember.tensor([1.0]), ember.tensor([0.0]),
    ...                               from_logits=True).numpy().round(4)
    array([0.6931], dtype=float32)
    """
    output = float_tensor(output)
    target = tensor(target, output.dtype)
    if target.shape != output.shape:
        raise ValueError(f"binary_crossentropy: target and output must have the same shape; "
                         f"received {target.shape} and {output.shape}")
    if from_logits:
        return sigmoid_binary_cross_entropy(target, output)
    eps = config.epsilon()
    p = clip(output, eps, 1.0 - eps)
    return -(target * log(p) + (1.0 - target) * log(1.0 - p))


def _log_prob(output, from_logits, axis):
    if from_logits:
        return log_softmax(output, axis=axis)
    eps = config.epsilon()
    p = output / sum(output, axis=axis, keepdims=True)
    return log(clip(p, eps, 1.0 - eps))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(target * log p) along `axis`; p = softmax(output) with `from_logits` (the fused
    primitive), else output normalised to sum 1 and clipped (Keras).

    >>> import ember
    >>> round(float(ember.ops.categorical_crossentropy(ember.tensor([0.0, 1.0]),
    ...                                                ember.tensor([0.5, 0.5]))), 4)
    0.6931
    """
    output = float_tensor(output)
    target = tensor(target, output.dtype)
    if target.shape != output.shape or output.ndim < 1:
        raise ValueError(f"categorical_crossentropy: target and output must have the same "
                         f"shape of rank >= 1; received {target.shape} and {output.shape}")
    if from_logits and axis in (-1, output.ndim - 1):
        return softmax_cross_entropy(target, output)
    return -sum(target * _log_prob(output, from_logits, axis), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy of integer class indices `target` against `output` along `axis` (a
    trailing target axis of size 1 is dropped, as Keras).

    >>> import ember
    >>> ember.ops.sparse_categorical_crossentropy(ember.tensor([1]), ember.tensor([[0.0, 0.0]]),
    ...                                           from_logits=True).numpy().round(4)
    array([0.6931], dtype=float32)
    """
    output = float_tensor(output)
    labels = tensor(target).data
    if labels.dtype.kind == "f":
        labels = labels.astype(np.int64)
    if labels.ndim == output.ndim and labels.shape[-1:] == (1,):
        labels = labels[..., 0]
    if output.ndim < 1 or labels.shape != output.shape[:-1]:
        raise ValueError(f"sparse_categorical_crossentropy: target must have the shape of "
                         f"output up to its last axis; received {labels.shape} and "
                         f"{output.shape}")
    if from_logits and axis in (-1, output.ndim - 1):
        return sparse_softmax_cross_entropy(labels, output)
    hot = one_hot(labels, output.shape[axis], axis=axis, dtype=output.dtype)
    return -sum(hot * _log_prob(output, from_logits, axis), axis=axis)


# ------------------------------------------------------------------------------ attention
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
    """softmax(q k^T * scale + bias, masked) v over (batch, seq, heads, head_dim) inputs
    (3-D inputs: one head), Keras' `ops.dot_product_attention`.

    Args:
        query: (B, T, N, H); key, value: (B, S, N, H).
        bias: added to the logits, broadcastable to (B, N, T, S). Defaults to None.
        mask: bool, broadcastable to (B, N, T, S); False positions are masked. Defaults to
            None.
        scale: logits scale. Defaults to 1 / sqrt(H).
        is_causal: mask positions s > t. Defaults to False.
        flash_attention: must be None or False (no fused kernel in ember).
        attn_logits_soft_cap: if set, logits = cap * tanh(logits / cap). Defaults to None.

    >>> import ember
    >>> q = ember.ones((1, 2, 1, 4))
    >>> ember.ops.dot_product_attention(q, q, q, is_causal=True).shape
    (1, 2, 1, 4)
    """
    if flash_attention:
        raise ValueError("dot_product_attention: flash_attention is not supported by ember")
    q, k, v = float_tensor(query), float_tensor(key), float_tensor(value)
    three = q.ndim == 3
    if three:
        q, k, v = (expand_dims(t, 2) for t in (q, k, v))
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(f"dot_product_attention: inputs must be 3-D or 4-D; received "
                         f"query {q.shape}, key {k.shape}, value {v.shape}")
    scale = 1.0 / math.sqrt(k.shape[-1]) if scale is None else float(scale)
    qh, kh, vh = (transpose(t, (0, 2, 1, 3)) for t in (q, k, v))  # (B, N, T|S, H)
    logits = matmul(qh, swapaxes(kh, -1, -2)) * scale  # (B, N, T, S)
    if bias is not None:
        logits = logits + tensor(bias, logits.dtype)
    if attn_logits_soft_cap is not None:
        cap = float(attn_logits_soft_cap)
        logits = cap * tanh(logits / cap)
    if mask is not None or is_causal:
        xp = array_module(logits.data)
        keep = xp.ones(logits.shape, dtype=bool)
        if mask is not None:
            keep = keep & xp.asarray(tensor(mask).data).astype(bool)
        if is_causal:
            t_len, s_len = logits.shape[-2:]
            keep = keep & xp.tril(xp.ones((t_len, s_len), dtype=bool))
        logits = where(keep, logits, float(0.7 * np.finfo(logits.dtype).min))
    out = transpose(matmul(softmax(logits, axis=-1), vh), (0, 2, 1, 3))
    return squeeze(out, 2) if three else out


# ------------------------------------------------------------------------------ rearrangements
def depth_to_space(x, block_size, data_format="channels_last"):
    """Pixel shuffle: (N, H, W, C) -> (N, H b, W b, C / b^2).

    >>> import ember
    >>> ember.ops.depth_to_space(ember.ones((1, 2, 2, 8)), 2).shape
    (1, 4, 4, 2)
    """
    x, b = float_tensor(x), int(block_size)
    if data_format == "channels_last":
        n, h, w, c = x.shape
        y = transpose(reshape(x, (n, h, w, b, b, c // (b * b))), (0, 1, 3, 2, 4, 5))
        return reshape(y, (n, h * b, w * b, c // (b * b)))
    n, c, h, w = x.shape
    y = transpose(reshape(x, (n, c // (b * b), b, b, h, w)), (0, 1, 4, 2, 5, 3))
    return reshape(y, (n, c // (b * b), h * b, w * b))


def space_to_depth(x, block_size, data_format="channels_last"):
    """Inverse pixel shuffle: (N, H, W, C) -> (N, H / b, W / b, C b^2).

    >>> import ember
    >>> ember.ops.space_to_depth(ember.ones((1, 4, 4, 2)), 2).shape
    (1, 2, 2, 8)
    """
    x, b = float_tensor(x), int(block_size)
    if data_format == "channels_last":
        n, h, w, c = x.shape
        y = transpose(reshape(x, (n, h // b, b, w // b, b, c)), (0, 1, 3, 2, 4, 5))
        return reshape(y, (n, h // b, w // b, c * b * b))
    n, c, h, w = x.shape
    y = transpose(reshape(x, (n, c, h // b, b, w // b, b)), (0, 1, 3, 5, 2, 4))
    return reshape(y, (n, c * b * b, h // b, w // b))


