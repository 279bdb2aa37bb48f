"""Normalization layers: `BatchNormalization` and `LayerNormalization`."""

import numpy as np

from ember import backend, constraints, initializers, ops, regularizers
from ember import distribution as distribution_lib
from ember.distribution.sync import sync_batch_norm_train
from ember.layers._utils import cast_inputs, known
from ember.layers.base import InputSpec, Layer
from ember.ops.normalization import batch_norm_train, layer_norm


def _axis_in_range(layer, axis, rank):
    if not -rank <= axis < rank:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': axis {axis} is out of range "
                         f"for inputs of rank {rank}")
    return axis % rank


class BatchNormalization(Layer):
    """Normalise each channel with batch statistics in training and moving averages otherwise.

    Training (`training=True` and `trainable`): with the batch mean and biased (two-pass)
    variance over every axis but `axis`,
    `y = gamma * (x - mean) / sqrt(var + epsilon) + beta`, and the moving statistics are
    updated in place, outside the graph: `moving = moving * momentum + batch * (1 - momentum)`.
    Inference: the same formula with the moving statistics. A layer with `trainable=False`
    always runs in inference mode and never updates its statistics (Keras' semantics, used
    when fine-tuning a frozen base).

    Args:
        axis: the channel axis (-1 for channels-last images (N, H, W, C)). Defaults to -1.
        momentum: of the moving averages. Defaults to 0.99. PyTorch weights the batch
            instead: its `momentum` is 1 - this one (Keras 0.99 is PyTorch 0.01).
        epsilon: added to the variance. Defaults to 1e-3.
        center, scale: learn beta / gamma. Default to True.
        beta_initializer, gamma_initializer: default to "zeros" / "ones".
        moving_mean_initializer, moving_variance_initializer: default to "zeros" / "ones".
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: optional.
        synchronized: under `ember.distribution.DataParallel` with several ranks, normalise
            with the statistics of the global batch (all ranks' rows; the gradients too), as
            one process on the whole batch would. Without a distribution it changes nothing.
            Defaults to False (each rank normalises with its own rows' statistics).

    Weights, in order: gamma, beta (trainable), moving_mean, moving_variance (non-trainable);
    4 * C parameters of which 2 * C are non-trainable.

    >>> import ember
    >>> bn = ember.layers.BatchNormalization()
    >>> y = bn(ember.tensor([[0.0], [2.0]]), training=True)
    >>> y.numpy().round(4)
    array([[-0.9995],
           [ 0.9995]], dtype=float32)
    >>> bn.moving_mean.numpy(), bn.moving_variance.numpy()
    (array([0.01], dtype=float32), array([1.], dtype=float32))
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        where = f"BatchNormalization '{self.name}'"
        if isinstance(axis, bool) or not isinstance(axis, int | np.integer):
            raise TypeError(f"{where}: expected `axis` to be an integer; received axis={axis!r}")
        if not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f"{where}: expected `momentum` in [0, 1]; received "
                             f"momentum={momentum!r}")
        if not float(epsilon) > 0.0:
            raise ValueError(f"{where}: expected `epsilon` > 0; received epsilon={epsilon!r}")
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.synchronized = bool(synchronized)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        self._axis = _axis_in_range(self, self.axis, rank)
        channels = known(self, input_shape, self._axis)
        shape = (channels,)
        if self.scale:
            self.gamma = self.add_weight(shape, self.gamma_initializer, name="gamma",
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape, self.beta_initializer, name="beta",
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self.moving_mean = self.add_weight(shape, self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape, self.moving_variance_initializer,
                                               trainable=False, name="moving_variance")
        self._bshape = tuple(channels if a == self._axis else 1 for a in range(rank))
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: channels})
        self.built = True

    def call(self, inputs, training=False):
        x = cast_inputs(self, inputs)
        if training and self.trainable:
            dist = distribution_lib.active() if self.synchronized else None
            if dist is not None:
                y, mean, var = sync_batch_norm_train(x, self.gamma, self.beta, self._axis,
                                                     self.epsilon, dist)
            else:
                y, mean, var = batch_norm_train(x, self.gamma, self.beta, self._axis,
                                                self.epsilon)
            m = self.momentum
            self.moving_mean.assign(self.moving_mean.data * m + mean.data * (1.0 - m))
            self.moving_variance.assign(self.moving_variance.data * m + var.data * (1.0 - m))
            return y
        # Inference: y = x * s + t with s = gamma / sqrt(moving_var + eps) and
        # t = beta - moving_mean * s; gamma and beta stay in the graph.
        var = self.moving_variance.data
        inv = (1.0 / backend.array_module(var).sqrt(var + self.epsilon)).reshape(self._bshape)
        s = inv if self.gamma is None else ops.reshape(self.gamma, self._bshape) * inv
        t = s * -self.moving_mean.data.reshape(self._bshape)  # the Tensor first: its op runs
        if self.beta is not None:
            t = t + ops.reshape(self.beta, self._bshape)
        return x * s + t

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(), "axis": self.axis, "momentum": self.momentum,
            "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
        }


class LayerNormalization(Layer):
    """Normalise each example over `axis` (the features), then scale and shift:
    `y = gamma * (x - mean) / sqrt(var + epsilon) + beta`, statistics per example.

    Args:
        axis: the axis or list of axes normalised. Defaults to -1.
        epsilon: added to the variance. Defaults to 1e-3.
        center, scale: learn beta / gamma (shaped like the normalised axes). Default to True.
        rms_scaling: Keras' variant `x * gamma / sqrt(var + epsilon)` (no centering of the
            output, no beta). Defaults to False.
        beta_initializer, gamma_initializer: default to "zeros" / "ones".
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: optional.

    >>> import ember
    >>> ln = ember.layers.LayerNormalization(epsilon=0.0)
    >>> ln(ember.tensor([[1.0, 3.0], [10.0, 30.0]])).numpy()
    array([[-1.,  1.],
           [-1.,  1.]], dtype=float32)
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, list | tuple):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, int | np.integer) and not isinstance(axis, bool):
            self.axis = int(axis)
        else:
            raise TypeError(f"LayerNormalization '{self.name}': expected `axis` to be an int or "
                            f"a list of ints; received axis={axis!r}")
        if not float(epsilon) >= 0.0:
            raise ValueError(f"LayerNormalization '{self.name}': expected `epsilon` >= 0; "
                             f"received epsilon={epsilon!r}")
        self.epsilon = float(epsilon)
        self.center, self.scale, self.rms_scaling = bool(center), bool(scale), bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        self._axes = sorted({_axis_in_range(self, a, rank) for a in axes})
        shape = tuple(known(self, input_shape, a) for a in self._axes)
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(shape, self.gamma_initializer, name="gamma",
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(shape, self.beta_initializer, name="beta",
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        if all(a < 0 for a in axes):  # counted from the end: any rank with those features
            self.input_spec = InputSpec(min_ndim=-min(axes), axes={a - rank: n for a, n in
                                                                   zip(self._axes, shape)})
        else:
            self.input_spec = InputSpec(ndim=rank, axes=dict(zip(self._axes, shape)))
        self.built = True

    def call(self, inputs):
        x = cast_inputs(self, inputs)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        axes = sorted(a % x.ndim for a in axes)
        if not self.rms_scaling:
            return layer_norm(x, self.gamma, self.beta, axes, self.epsilon)
        bshape = tuple(x.shape[a] if a in axes else 1 for a in range(x.ndim))
        inv = 1.0 / ops.sqrt(ops.var(x, axis=tuple(axes), keepdims=True) + self.epsilon)
        return x * inv * ops.reshape(self.gamma, bshape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale, "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
