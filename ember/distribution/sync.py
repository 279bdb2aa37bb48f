"""Collective ops inside the graph: `all_sum` and synchronized batch normalisation.

`BatchNormalization(synchronized=True)` under `DataParallel` normalises with the mean and
variance of the global batch (every rank's rows), as one process would on the whole batch;
its gradients, through `all_sum`'s backward, are those of the global batch too. Without a
distribution (or with one rank) it is the ordinary layer.
"""

import numpy as np

from ember import ops
from ember.autograd import Function
from ember.tensor import Tensor


class AllSum(Function):
    """y = sum over the ranks of x (every rank gets y).

    Backward: rank r's loss enters the global objective as `share_r * L_r` and its weight
    gradients are scaled by `share_r` before they are summed, so
    gx_r = (sum over ranks s of share_s * gy_s) / share_r.
    """

    def forward(self, x, dist=None):
        self.dist = dist
        y = np.array(x, copy=True)
        dist.comm.allreduce_sum(y, "all_sum")
        return y

    def backward(self, gy):
        share = self.dist.share
        g = gy * np.asarray(share, dtype=gy.dtype)
        self.dist.comm.allreduce_sum(g, "all_sum backward")
        g /= np.asarray(share, dtype=gy.dtype)
        return g


def all_sum(x, dist):
    """The sum of `x` over the ranks of `dist`, differentiable (see `AllSum`).

    >>> import ember
    >>> dist = ember.distribution.DataParallel()
    >>> all_sum(ember.tensor([1.0, 2.0]), dist).numpy()
    array([1., 2.], dtype=float32)
    """
    return AllSum.apply(x, dist=dist)


def sync_batch_norm_train(x, gamma, beta, axis, epsilon, dist):
    """Batch normalisation with the statistics of the global batch: `(y, mean, var)` as
    `ember.ops.normalization.batch_norm_train` returns them.

    mean = all_sum(sum(x)) / N, var = all_sum(sum((x - mean)^2)) / N with N the global count
    per channel; y = gamma * (x - mean) / sqrt(var + epsilon) + beta.
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    axes = tuple(a for a in range(x.ndim) if a != axis)
    shape = tuple(x.shape[a] if a == axis else 1 for a in range(x.ndim))
    count = np.array([float(np.prod([x.shape[a] for a in axes]))])  # float64 on purpose
    dist.comm.allreduce_sum(count, "sync batch norm count")
    n = np.asarray(count[0], dtype=x.dtype)
    mean = all_sum(ops.sum(x, axis=axes, keepdims=True), dist) / n
    centered = x - mean
    var = all_sum(ops.sum(centered * centered, axis=axes, keepdims=True), dist) / n
    y = centered / ops.sqrt(var + np.asarray(epsilon, dtype=x.dtype))
    if gamma is not None:
        y = y * ops.reshape(gamma, shape)
    if beta is not None:
        y = y + ops.reshape(beta, shape)
    return y, Tensor._wrap(mean.data.reshape(-1)), Tensor._wrap(var.data.reshape(-1))
