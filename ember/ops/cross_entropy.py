"""Softmax, log-softmax and the fused, stable cross-entropies.

`log_softmax` is computed as x - m - log(sum(exp(x - m))) with m = max(x): never log(softmax).
The fused losses return one value per example; reductions and weights are the caller's.
"""

import numpy as np

from ember.autograd import Function
from ember.ops.tensor_args import float_tensor
from ember.tensor import Tensor, to_array


def _like(labels, logits):
    """Labels given as arrays take the logits' float dtype (float32 stays float32)."""
    if isinstance(labels, Tensor):
        return labels
    dtype = logits.dtype if isinstance(logits, Tensor) else None
    return to_array(labels, dtype)


def _log_softmax(x, axis):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    shifted = x - m
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


class Softmax(Function):
    """y_i = exp(x_i - m) / sum_j exp(x_j - m);  gx = y * (gy - sum(gy * y))."""

    def forward(self, x, axis):
        self.axis = axis
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        y = e / np.sum(e, axis=axis, keepdims=True)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return y * (gy - np.sum(gy * y, axis=self.axis, keepdims=True)), None


class LogSoftmax(Function):
    """y = x - logsumexp(x);  gx = gy - softmax(x) * sum(gy)."""

    def forward(self, x, axis):
        self.axis = axis
        y = _log_softmax(x, axis)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy - np.exp(y) * np.sum(gy, axis=self.axis, keepdims=True), None


class SparseSoftmaxCrossEntropy(Function):
    """loss = logsumexp(z) - z[label] per example;  gz = gy * (softmax(z) - onehot(label))."""

    def forward(self, labels, logits):
        n_classes = logits.shape[-1]
        if labels.shape != logits.shape[:-1]:
            raise ValueError(f"sparse_softmax_cross_entropy: labels of shape {labels.shape} "
                             f"do not match logits of shape {logits.shape} (expected labels "
                             f"of shape {logits.shape[:-1]})")
        if labels.dtype.kind not in "iu":
            raise TypeError(f"sparse_softmax_cross_entropy: labels must be integers; "
                            f"received dtype {labels.dtype}")
        if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
            bad = np.unique(labels[(labels < 0) | (labels >= n_classes)])[:10]
            raise ValueError(f"sparse_softmax_cross_entropy: labels must be in [0, "
                             f"{n_classes}); received out-of-range values {bad.tolist()}")
        logp = _log_softmax(logits, -1)
        idx = labels[..., None]
        self.save_for_backward(logp, idx)
        return -np.take_along_axis(logp, idx, axis=-1)[..., 0]

    def backward(self, gy):
        logp, idx = self.saved
        g = np.exp(logp)
        np.put_along_axis(g, idx, np.take_along_axis(g, idx, axis=-1) - 1, axis=-1)
        return None, g * gy[..., None]


class SoftmaxCrossEntropy(Function):
    """loss = -sum(p * log_softmax(z)) per example;
    gz = gy * (softmax(z) * sum(p) - p),  gp = -gy * log_softmax(z)."""

    def forward(self, labels, logits):
        if labels.shape != logits.shape:
            raise ValueError(f"softmax_cross_entropy: labels and logits must have the same "
                             f"shape; received {labels.shape} and {logits.shape}")
        logp = _log_softmax(logits, -1)
        self.save_for_backward(labels, logp)
        return -np.sum(labels * logp, axis=-1)

    def backward(self, gy):
        p, logp = self.saved
        g = gy[..., None]
        gz = g * (np.exp(logp) * np.sum(p, axis=-1, keepdims=True) - p)
        gp = -g * logp if self.needs_input_grad[0] else None
        return gp, gz


class SigmoidBinaryCrossEntropy(Function):
    """loss = max(z, 0) - z * t + log1p(exp(-|z|)) per element (BCE from logits, stable);
    gz = gy * (sigmoid(z) - t),  gt = -gy * z."""

    def forward(self, targets, logits):
        if targets.shape != logits.shape:
            raise ValueError(f"sigmoid_binary_cross_entropy: targets and logits must have the "
                             f"same shape; received {targets.shape} and {logits.shape}")
        self.save_for_backward(targets, logits)
        return np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))

    def backward(self, gy):
        t, z = self.saved
        gz = gy * (0.5 * (1 + np.tanh(0.5 * z)) - t)
        gt = -gy * z if self.needs_input_grad[0] else None
        return gt, gz


def softmax(x, axis=-1):
    """Probabilities along `axis`, stable for large logits.

    >>> import ember
    >>> ember.ops.softmax(ember.tensor([1e4, 1e4])).numpy()
    array([0.5, 0.5], dtype=float32)
    """
    return Softmax.apply(float_tensor(x), axis)


def log_softmax(x, axis=-1):
    """log(softmax(x)) computed as x - logsumexp(x): finite for any finite logits."""
    return LogSoftmax.apply(float_tensor(x), axis)


def sparse_softmax_cross_entropy(labels, logits):
    """Cross-entropy of integer `labels` against `logits` (..., C), one value per example."""
    return SparseSoftmaxCrossEntropy.apply(to_array(labels), logits)


def softmax_cross_entropy(labels, logits):
    """Cross-entropy of probability `labels` (..., C) against `logits`, one value per example."""
    return SoftmaxCrossEntropy.apply(_like(labels, logits), logits)


def sigmoid_binary_cross_entropy(targets, logits):
    """Binary cross-entropy from logits, elementwise, stable at any magnitude."""
    return SigmoidBinaryCrossEntropy.apply(_like(targets, logits), logits)
