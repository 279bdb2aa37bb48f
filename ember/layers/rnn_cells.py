"""Recurrent cells (one time step): `SimpleRNNCell`, `LSTMCell`, `GRUCell`.

A cell computes `output, new_states = cell(x_t, states)` for one step, with Keras' weights
(`kernel` (F, G*U), `recurrent_kernel` (U, G*U), `bias`), gate orders (LSTM i, f, c, o; GRU
z, r, h) and `state_size` / `output_size`. The `RNN` layer (ember.layers.recurrent) runs a
cell over a sequence: for these three cells through the fused sequence ops of `ember.ops`
(one op for the whole sequence, backward written out as backpropagation through time), for any
other cell through a Python loop over the steps of its `call`.

Dropout follows Keras: one input mask and one recurrent mask per sequence, drawn when a
training call starts and reused at every step (`get_dropout_mask`, `get_recurrent_dropout_mask`),
from the cell's own generator when `seed` is an int, else from ember's global one.
"""

import numpy as np

from ember import activations, constraints, initializers, ops, regularizers
from ember.layers._utils import known, positive_int
from ember.layers.base import Layer
from ember.tensor import Tensor
from ember.utils.random import get_generator, global_generator


def _rate(cls, name, value):
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
            or not 0 <= value < 1:
        raise ValueError(f"{cls}: expected `{name}` in [0, 1); received {name}={value!r}")
    return float(value)


class _RecurrentCell(Layer):
    """Shared parts of the built-in cells: arguments, weights and per-sequence dropout masks."""

    _gates = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        what = f"{type(self).__name__} '{self.name}'"
        self.units = positive_int(what, "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _rate(what, "dropout", dropout)
        self.recurrent_dropout = _rate(what, "recurrent_dropout", recurrent_dropout)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)
                                 or seed < 0):
            raise ValueError(f"{what}: expected `seed` to be None or a non-negative integer; "
                             f"received seed={seed!r}")
        self.seed = None if seed is None else int(seed)
        self._generator = None if seed is None else get_generator(self.seed)
        self.kernel = self.recurrent_kernel = self.bias = None
        self.reset_dropout_mask()

    # ------------------------------------------------------------------ sizes
    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    # ------------------------------------------------------------------ dropout
    @property
    def generator(self):
        """The cell's Generator when seeded, else ember's global one (looked up per call)."""
        return self._generator if self._generator is not None else global_generator()

    def reset_dropout_mask(self):
        """Forget the masks: the next training sequence draws new ones."""
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    def _draw(self, rate, shape, dtype):
        keep = self.generator.random(shape, dtype=np.float32) >= np.float32(rate)
        return Tensor._wrap((keep / (1.0 - rate)).astype(dtype))

    def get_dropout_mask(self, x):
        """The input mask (N, F) of this sequence: 0 or 1 / (1 - dropout), drawn once."""
        if self._dropout_mask is None and self.dropout > 0:
            self._dropout_mask = self._draw(self.dropout, (x.shape[0], x.shape[-1]), x.dtype)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, h):
        """The recurrent mask (N, U) of this sequence, drawn once."""
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._draw(self.recurrent_dropout,
                                                      (h.shape[0], h.shape[-1]), h.dtype)
        return self._recurrent_dropout_mask

    # ------------------------------------------------------------------ weights
    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        features = known(self, input_shape, -1, "the feature axis")
        width = self._gates * self.units
        self.kernel = self.add_weight(shape=(features, width), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, width),
                                                name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=self._bias_shape(), name="bias",
                                        initializer=self._bias_initializer(),
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def _dropped(self, x, h, training):
        if training:
            if self.dropout > 0:
                x = x * self.get_dropout_mask(x)
            if self.recurrent_dropout > 0:
                h = h * self.get_recurrent_dropout_mask(h)
        return x, h

    def get_config(self):
        ser = initializers.serialize
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": ser(self.kernel_initializer),
            "recurrent_initializer": ser(self.recurrent_initializer),
            "bias_initializer": ser(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


class SimpleRNNCell(_RecurrentCell):
    """One step of the simple (Elman) RNN of the notes: h_t = f(x_t W_F + h_{t-1} W_R + b).

    Args:
        units: the state size, a positive integer.
        activation: f. Defaults to "tanh".
        use_bias: defaults to True.
        kernel_initializer: of W_F (F, U). Defaults to "glorot_uniform".
        recurrent_initializer: of W_R (U, U). Defaults to "orthogonal".
        bias_initializer: of b (U,). Defaults to "zeros".
        kernel_regularizer, recurrent_regularizer, bias_regularizer: weight penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: weight projections.
        dropout: fraction of the inputs dropped (one mask per sequence, training only).
        recurrent_dropout: fraction of h_{t-1} dropped (one mask per sequence).
        seed: an int for repeatable dropout masks. Defaults to None.

    Shapes: kernel (F, U), recurrent_kernel (U, U), bias (U,); U(F + U) + U parameters.

    >>> import ember
    >>> cell = ember.layers.SimpleRNNCell(4)
    >>> h, states = cell(ember.ones((2, 3)), [ember.zeros((2, 4))])
    >>> h.shape, len(states)
    ((2, 4), 1)
    """

    def call(self, inputs, states, training=False):
        h_prev = states[0] if isinstance(states, list | tuple) else states
        x, h = self._dropped(inputs, h_prev, training)
        z = ops.matmul(x, self.kernel) + ops.matmul(h, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        out = self.activation(z)
        return out, [out]


class LSTMCell(_RecurrentCell):
    """One step of the LSTM of the notes (Keras gate order i, f, c, o):

        i = s(x W_i + h U_i + b_i), f = s(x W_f + h U_f + b_f), o = s(x W_o + h U_o + b_o)
        c_t = f * c_{t-1} + i * tanh(x W_c + h U_c + b_c),   h_t = o * tanh(c_t)

    (s is `recurrent_activation`, tanh is `activation`.)

    Args:
        units: the state size.
        activation: defaults to "tanh".
        recurrent_activation: of the gates. Defaults to "sigmoid".
        unit_forget_bias: initialise the forget gate's bias to 1 (and the other gates' with
            `bias_initializer`). Defaults to True.
        Others as `SimpleRNNCell`.

    Shapes: kernel (F, 4U), recurrent_kernel (U, 4U), bias (4U,); 4(U(F + U) + U) parameters.
    States: [h, c].

    >>> import ember
    >>> cell = ember.layers.LSTMCell(2)
    >>> h, (h2, c) = cell(ember.ones((1, 3)), [ember.zeros((1, 2)), ember.zeros((1, 2))])
    >>> h.shape, c.shape, cell.bias.numpy().tolist()
    ((1, 2), (1, 2), [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    """

    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        u, init = self.units, self.bias_initializer

        def forget_bias_one(shape, dtype=None):
            parts = [np.asarray(init((u,), dtype=dtype)), np.ones((u,), dtype),
                     np.asarray(init((2 * u,), dtype=dtype))]
            return np.concatenate(parts).astype(dtype)

        return forget_bias_one

    def call(self, inputs, states, training=False):
        h_prev, c_prev = states
        x, h = self._dropped(inputs, h_prev, training)
        z = ops.matmul(x, self.kernel) + ops.matmul(h, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        u = self.units
        i = self.recurrent_activation(z[:, :u])
        f = self.recurrent_activation(z[:, u:2 * u])
        c = f * c_prev + i * self.activation(z[:, 2 * u:3 * u])
        o = self.recurrent_activation(z[:, 3 * u:])
        h_new = o * self.activation(c)
        return h_new, [h_new, c]

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_RecurrentCell):
    """One step of the GRU (Keras gate order z, r, h):

        z = s(x W_z + h U_z + b_z),  r = s(x W_r + h U_r + b_r)
        reset_after=True:  h~ = tanh(x W_h + b_h + r * (h U_h + b'_h))   (Keras', PyTorch's)
        reset_after=False: h~ = tanh(x W_h + (r * h) U_h + b_h)          (the notes' form)
        h_t = z * h_{t-1} + (1 - z) * h~

    Args:
        units: the state size.
        activation: defaults to "tanh".
        recurrent_activation: of the gates. Defaults to "sigmoid".
        reset_after: apply the reset gate after the recurrent product. Defaults to True.
        Others as `SimpleRNNCell`.

    Shapes: kernel (F, 3U), recurrent_kernel (U, 3U), bias (2, 3U) when reset_after (input
    and recurrent biases) else (3U,); 3(U(F + U) + 2U) parameters with reset_after.

    >>> import ember
    >>> cell = ember.layers.GRUCell(4)
    >>> h, _ = cell(ember.ones((2, 3)), [ember.zeros((2, 4))])
    >>> h.shape, cell.bias.shape
    ((2, 4), (2, 12))
    """

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 reset_after=True, **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs, states, training=False):
        h_prev = states[0] if isinstance(states, list | tuple) else states
        x, h = self._dropped(inputs, h_prev, training)
        u = self.units
        xw = ops.matmul(x, self.kernel)
        b = self.bias
        if b is not None:
            xw = xw + (b[0] if self.reset_after else b)
        rk = self.recurrent_kernel
        if self.reset_after:
            hr = ops.matmul(h, rk)
            if b is not None:
                hr = hr + b[1]
            z = self.recurrent_activation(xw[:, :u] + hr[:, :u])
            r = self.recurrent_activation(xw[:, u:2 * u] + hr[:, u:2 * u])
            cand = self.activation(xw[:, 2 * u:] + r * hr[:, 2 * u:])
        else:
            hz = ops.matmul(h, rk[:, :2 * u])
            z = self.recurrent_activation(xw[:, :u] + hz[:, :u])
            r = self.recurrent_activation(xw[:, u:2 * u] + hz[:, u:])
            cand = self.activation(xw[:, 2 * u:] + ops.matmul(r * h, rk[:, 2 * u:]))
        h_new = z * h_prev + (1.0 - z) * cand
        return h_new, [h_new]

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after}
