"""Fused normalisation: batch statistics, normalise, scale and shift in one primitive.

`NormalizeAffine` standardises `x` over some axes with its own mean and (two-pass, biased)
variance, then applies `gamma` and `beta`; its backward is the closed form of the whole chain, so
a BatchNormalization or LayerNormalization step costs a few passes over `x` instead of a dozen
small ops. `batch_norm_train` and `layer_norm` are its public doors.
"""

import numpy as np

from ember.autograd import Function, unbroadcast
from ember.ops.shaping import reshape
from ember.tensor import Tensor


class NormalizeAffine(Function):
    """Standardise over `axes`, then scale and shift.

    Forward, with n the number of elements reduced per statistic:
        mean = sum(x) / n,  var = sum((x - mean)^2) / n  (two passes, never E[x^2] - E[x]^2,
        sums accumulated in float64),
        inv = 1 / sqrt(var + epsilon),  xhat = (x - mean) * inv,  y = gamma * xhat + beta.
    Backward, with g = gy * gamma and means over `axes`:
        gx = inv * (g - mean(g) - xhat * mean(g * xhat))
           = (1/n) * gamma * inv * (n gy - sum(gy) - xhat * sum(gy * xhat))  (per channel),
        ggamma = sum(gy * xhat),  gbeta = sum(gy)  (over the axes gamma and beta broadcast on).

    `gamma` and `beta` are arrays broadcastable to x (or None for 1 and 0). When `stats` is a
    dict, the batch mean and variance (squeezed to the kept axes) are written into it.
    """

    def forward(self, x, gamma, beta, axes, epsilon, stats=None):
        if x.size == 0 or any(x.shape[a] == 0 for a in axes):
            raise ValueError(f"normalization: cannot compute statistics over axes {axes} of an "
                             f"empty tensor of shape {x.shape}")
        self.channels_last = (axes == tuple(range(x.ndim - 1)) and x.flags.c_contiguous
                              and x.ndim > 1)
        if self.channels_last:
            return self._forward_channels_last(x, gamma, beta, epsilon, stats)
        # float64 on purpose: accumulators only (a float32 sum over a 1e4-offset batch loses
        # the mean's last digits, which are the whole signal after centring); arrays stay x's.
        mean = np.mean(x, axis=axes, keepdims=True,
                       dtype=np.float64).astype(x.dtype)  # float64 on purpose
        centered = x - mean
        var = np.mean(centered * centered, axis=axes, keepdims=True,
                      dtype=np.float64).astype(x.dtype)  # float64 on purpose
        inv = 1.0 / np.sqrt(var + epsilon)
        xhat = centered * inv
        y = xhat * gamma if gamma is not None else xhat.copy()
        if beta is not None:
            y += beta
        self.axes = axes
        self.save_for_backward(xhat, inv, gamma)
        self.gshape = None if gamma is None else gamma.shape
        self.bshape = None if beta is None else beta.shape
        if stats is not None:
            stats["mean"] = np.squeeze(mean, axis=axes)
            stats["var"] = np.squeeze(var, axis=axes)
        return y

    def _forward_channels_last(self, x, gamma, beta, epsilon, stats):
        # Statistics over every axis but the last (BatchNormalization of channels-last data):
        # the same formulas on x viewed as (rows, channels), with fewer passes over memory.
        shape, c = x.shape, x.shape[-1]
        x2 = x.reshape(-1, c)
        n = x2.shape[0]
        # float64 on purpose: the accumulator of the mean only (see the general path)
        mean = (x2.sum(axis=0, dtype=np.float64) / n).astype(x.dtype)  # float64 on purpose
        xhat = x2 - mean                                   # centred, then scaled in place
        var = (np.einsum("ij,ij->j", xhat, xhat) / n).astype(x.dtype)
        inv = (1.0 / np.sqrt(var + epsilon)).astype(x.dtype)
        xhat *= inv
        g = None if gamma is None else gamma.reshape(c)
        y = xhat * g if g is not None else xhat.copy()
        if beta is not None:
            y += beta.reshape(c)
        self.save_for_backward(xhat, inv, g)
        self.gshape = None if gamma is None else gamma.shape
        self.bshape = None if beta is None else beta.shape
        self.xshape = shape
        if stats is not None:
            stats["mean"], stats["var"] = mean, var
        return y.reshape(shape)

    def _backward_channels_last(self, gy):
        xhat, inv, g = self.saved
        c = xhat.shape[1]
        gy2 = gy.reshape(-1, c)
        n = gy2.shape[0]
        gbeta = gy2.sum(axis=0)                            # sum(gy)
        ggamma = np.einsum("ij,ij->j", gy2, xhat)          # sum(gy * xhat)
        gx = None
        if self.needs_input_grad[0]:
            scale = inv if g is None else g * inv          # gamma * inv
            k = scale / n
            # gx = gamma * inv * (gy - sum(gy)/n - xhat * sum(gy * xhat)/n)
            gx = xhat * (ggamma * k)
            np.subtract(gy2 * scale, gx, out=gx)
            gx -= gbeta * k
            gx = gx.reshape(self.xshape)
        return (gx,
                ggamma.reshape(self.gshape) if self.needs_input_grad[1] else None,
                gbeta.reshape(self.bshape) if self.needs_input_grad[2] else None)

    def backward(self, gy):
        if self.channels_last:
            return self._backward_channels_last(gy)
        xhat, inv, gamma = self.saved
        g = gy * gamma if gamma is not None else gy
        gx = ggamma = gbeta = None
        if self.needs_input_grad[0]:
            gx = g - np.mean(g, axis=self.axes, keepdims=True)
            gx -= xhat * np.mean(g * xhat, axis=self.axes, keepdims=True)
            gx *= inv
        if self.needs_input_grad[1]:
            ggamma = unbroadcast(gy * xhat, self.gshape)
        if self.needs_input_grad[2]:
            gbeta = unbroadcast(gy, self.bshape)
        return gx, ggamma, gbeta


def _axes(axis, ndim):
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= int(a) < ndim:
            raise ValueError(f"normalization: axis {a} is out of range for an input of rank "
                             f"{ndim}")
        out.append(int(a) % ndim)
    return tuple(sorted(set(out)))


def _param(p, shape, dtype):
    """A parameter vector reshaped (differentiably) to broadcast against x."""
    if p is None:
        return None
    if not isinstance(p, Tensor):
        p = Tensor(np.asarray(p, dtype=dtype))
    return reshape(p, shape) if p.shape != shape else p


def batch_norm_train(x, gamma=None, beta=None, axis=-1, epsilon=1e-3):
    """Batch normalisation with the statistics of the batch itself (training mode).

    Statistics are taken over every axis except `axis` (the channel axis); `gamma` and `beta`
    are vectors of the channel's length (or None).

    Args:
        x: input Tensor, any rank >= 1.
        gamma, beta: scale and offset vectors, or None. Defaults to None.
        axis: the channel axis. Defaults to -1.
        epsilon: added to the variance. Defaults to 1e-3 (Keras).

    Returns:
        (y, mean, variance): the output in the graph, and the batch mean and biased variance
        per channel as untracked Tensors (for the moving averages).

    >>> import ember
    >>> x = ember.tensor([[1.0, 10.0], [3.0, 30.0]])
    >>> from ember.ops.normalization import batch_norm_train
    >>> y, mean, var = batch_norm_train(x, epsilon=0.0)
    >>> y.numpy()
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    >>> mean.numpy(), var.numpy()
    (array([ 2., 20.], dtype=float32), array([  1., 100.], dtype=float32))
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    ch = _axes(axis, x.ndim)
    if len(ch) != 1:
        raise ValueError(f"batch_norm_train: `axis` must be one axis; received axis={axis}")
    reduce_axes = tuple(a for a in range(x.ndim) if a != ch[0])
    shape = tuple(x.shape[a] if a == ch[0] else 1 for a in range(x.ndim))
    stats = {}
    y = NormalizeAffine.apply(x, _param(gamma, shape, x.dtype), _param(beta, shape, x.dtype),
                              axes=reduce_axes, epsilon=float(epsilon), stats=stats)
    return y, Tensor._wrap(stats["mean"]), Tensor._wrap(stats["var"])


def layer_norm(x, gamma=None, beta=None, axis=-1, epsilon=1e-3):
    """Layer normalisation: each example standardised over `axis` (an int or a list), then
    scaled by `gamma` and shifted by `beta`, whose shape is that of the normalised axes.

    Args:
        x: input Tensor.
        gamma, beta: parameters of shape `[x.shape[a] for a in sorted(axis)]`, or None.
        axis: the axis or axes normalised. Defaults to -1.
        epsilon: added to the variance. Defaults to 1e-3 (Keras).

    >>> import ember
    >>> from ember.ops.normalization import layer_norm
    >>> layer_norm(ember.tensor([[1.0, 3.0]]), epsilon=0.0).numpy()
    array([[-1.,  1.]], dtype=float32)
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    axes = _axes(axis, x.ndim)
    shape = tuple(x.shape[a] if a in axes else 1 for a in range(x.ndim))
    return NormalizeAffine.apply(x, _param(gamma, shape, x.dtype), _param(beta, shape, x.dtype),
                                 axes=axes, epsilon=float(epsilon))
