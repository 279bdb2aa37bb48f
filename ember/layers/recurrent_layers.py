"""The recurrent layers of the notes with Keras' names: `SimpleRNN`, `LSTM`, `GRU`.

Each is an `RNN` over its cell (`SimpleRNNCell`, `LSTMCell`, `GRUCell`), run as one fused
sequence op; the weights are the cell's (`kernel`, `recurrent_kernel`, `bias`, in that order).
"""

from ember import regularizers
from ember.layers.base import to_snake_case
from ember.layers.recurrent import RNN
from ember.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell

_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
             "zero_output_for_mask")
_LAYER_ARGS = ("name", "trainable", "dtype", "input_shape", "input_dim", "batch_input_shape",
               "activity_regularizer")


class _CellLayer(RNN):
    """An RNN whose cell is built from the layer's own arguments (Keras' SimpleRNN/LSTM/GRU)."""

    _cell_class = SimpleRNNCell
    _cell_args = ()

    def __init__(self, units, **kwargs):
        rnn_kwargs = {k: kwargs.pop(k) for k in _RNN_ARGS + _LAYER_ARGS if k in kwargs}
        dtype = rnn_kwargs.get("dtype")
        cell = self._cell_class(units, dtype=dtype, trainable=rnn_kwargs.get("trainable", True),
                                name=to_snake_case(self._cell_class.__name__), **kwargs)
        super().__init__(cell, **rnn_kwargs)

    def __getattr__(self, name):
        # units, activation, dropout, kernel, ... are the cell's (as Keras' properties)
        if name.startswith("_") or name == "cell":
            raise AttributeError(name)
        try:
            cell = object.__getattribute__(self, "cell")
        except AttributeError:
            raise AttributeError(name) from None
        return getattr(cell, name)

    def get_config(self):
        cell = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell.pop(key, None)
        base = super(RNN, self).get_config()
        return {**base, **cell, **self._rnn_config(),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer)}

    @classmethod
    def from_config(cls, config_):
        return cls(**config_)


class SimpleRNN(_CellLayer):
    """A fully connected RNN whose output is fed back: h_t = f(x_t W_F + h_{t-1} W_R + b).

    Args:
        units: the state size (a positive integer).
        activation: defaults to "tanh".
        use_bias: defaults to True.
        kernel_initializer: defaults to "glorot_uniform".
        recurrent_initializer: defaults to "orthogonal".
        bias_initializer: defaults to "zeros".
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer:
            penalties (added to `losses`).
        kernel_constraint, recurrent_constraint, bias_constraint: weight projections.
        dropout: fraction of the inputs dropped in training (one mask for all steps).
        recurrent_dropout: fraction of h_{t-1} dropped in training (one mask for all steps).
        seed: an int for repeatable dropout masks.
        return_sequences, return_state, go_backwards, stateful, unroll, zero_output_for_mask:
            as `RNN`.

    Parameters: U(F + U) + U (SimpleRNN(128) on 256 features: 49,280).

    >>> import ember
    >>> layer = ember.layers.SimpleRNN(128)
    >>> layer(ember.ones((2, 7, 256))).shape, layer.count_params()
    ((2, 128), 49280)
    """

    _cell_class = SimpleRNNCell


class LSTM(_CellLayer):
    """Long short-term memory (the notes' gates; Keras' weights, gate order i, f, c, o).

    Args:
        units: the state size.
        activation: of the candidate and the cell output. Defaults to "tanh".
        recurrent_activation: of the gates i, f, o. Defaults to "sigmoid".
        unit_forget_bias: forget-gate bias initialised to 1. Defaults to True.
        Others as `SimpleRNN`.

    Parameters: 4(U(F + U) + U) (LSTM(64) on 64 features: 33,024). With `return_state` the
    call returns `[output, h, c]`; `initial_state=[h0, c0]`.

    >>> import ember
    >>> out, h, c = ember.layers.LSTM(64, return_state=True)(ember.ones((2, 5, 64)))
    >>> out.shape, h.shape, c.shape
    ((2, 64), (2, 64), (2, 64))
    """

    _cell_class = LSTMCell


class GRU(_CellLayer):
    """Gated recurrent unit (Keras' weights, gate order z, r, h).

    Args:
        units: the state size.
        activation: of the candidate. Defaults to "tanh".
        recurrent_activation: of the gates z, r. Defaults to "sigmoid".
        reset_after: reset gate after the recurrent product (Keras' default and PyTorch's
            form; bias (2, 3U)); False is the notes' form (bias (3U,)). Defaults to True.
        Others as `SimpleRNN`.

    Parameters: 3(U(F + U) + 2U) with reset_after (GRU(256) on 64 features: 247,296).

    >>> import ember
    >>> layer = ember.layers.GRU(256, return_sequences=True)
    >>> layer(ember.ones((2, 3, 64))).shape, layer.count_params()
    ((2, 3, 256), 247296)
    """

    _cell_class = GRUCell
