"""Core layers: `Dense`, `Activation` and `Identity`."""

import numpy as np

from ember import activations, constraints, initializers, ops, regularizers
from ember.layers._utils import cast_inputs, known, positive_int
from ember.layers.base import InputSpec, Layer


class Dense(Layer):
    """A fully connected layer: `activation(inputs @ kernel + bias)`.

    Works on inputs of any rank >= 2: the kernel acts on the last axis, so (batch, d0, ..., in)
    becomes (batch, d0, ..., units).

    Args:
        units: the output size, a positive integer.
        activation: a name, a callable or None (linear). Defaults to None.
        use_bias: add a bias vector. Defaults to True.
        kernel_initializer: defaults to "glorot_uniform".
        bias_initializer: defaults to "zeros".
        kernel_regularizer, bias_regularizer: penalties on the weights (added to `losses`).
        activity_regularizer: penalty on the output, divided by the batch size.
        kernel_constraint, bias_constraint: projections applied after optimizer updates.
        **kwargs: `name`, `trainable`, `dtype`, `input_shape`, ...

    Shapes: kernel (in, units), bias (units,); parameters in * units + units.

    >>> import ember
    >>> layer = ember.layers.Dense(64)
    >>> layer(ember.ones((32, 784))).shape, layer.count_params()
    ((32, 64), 50240)
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = positive_int(f"Dense '{self.name}'", "units", units)
        self.supports_masking = True
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.kernel = None
        self.bias = None

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(f"Dense '{self.name}' expects inputs of rank >= 2 (batch, ..., "
                             f"features); received input of shape {tuple(input_shape)}")
        in_dim = known(self, input_shape, -1, "the last axis")
        self.kernel = self.add_weight(shape=(in_dim, self.units), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), name="bias",
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        self.built = True

    def call(self, inputs):
        x = cast_inputs(self, inputs)
        if x.ndim == 2:
            y = ops.matmul(x, self.kernel)
        else:  # one GEMM over all leading axes
            lead = x.shape[:-1]
            flat = ops.reshape(x, (int(np.prod(lead)), x.shape[-1]))
            y = ops.reshape(ops.matmul(flat, self.kernel), lead + (self.units,))
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class Activation(Layer):
    """Applies an activation function to its input.

    Args:
        activation: a name ("relu", "softmax", ...) or a callable.

    >>> import ember
    >>> ember.layers.Activation("relu")(ember.tensor([[-1.0, 2.0]])).numpy()
    array([[0., 2.]], dtype=float32)
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(cast_inputs(self, inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Identity(Layer):
    """Returns its input unchanged (a placeholder, e.g. for an optional block).

    >>> import ember
    >>> ember.layers.Identity()(ember.tensor([[1.0, 2.0]])).numpy()
    array([[1., 2.]], dtype=float32)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
