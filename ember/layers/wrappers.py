"""Layer wrappers for sequences: `Bidirectional` (an RNN run both ways) and `TimeDistributed`
(one layer applied to every time step)."""

from ember import ops
from ember.layers.base import Layer
from ember.layers.registry import deserialize, serialize
from ember.tensor import Tensor

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _flip_time(x):
    return ops.getitem(x, (slice(None), slice(None, None, -1)))


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy backwards over the sequence and merges the
    two outputs (the notes' bidirectional network for offline sequences).

    Args:
        layer: an `RNN` layer (LSTM, GRU, SimpleRNN, RNN(cell)); it becomes the forward layer.
        merge_mode: "concat" (default), "sum", "mul", "ave", or None (a list of both outputs).
        weights: not supported (set them after building with `set_weights`); must be None.
        backward_layer: the layer run backwards; by default a copy of `layer` (same config,
            new weights) with `go_backwards` flipped. Its `go_backwards` must differ from
            `layer`'s and its `return_sequences` / `return_state` must match.

    With `return_sequences`, the backward outputs are flipped back to the input's time order
    before merging, so step t merges h_t(forward) with h_t(backward). With `return_state`
    the call returns `[merged, *forward_states, *backward_states]`; `initial_state` takes the
    forward states then the backward ones.

    Parameters: twice the wrapped layer's (Bidirectional(LSTM(64, return_sequences=True)) on
    10 features: 38,400).

    >>> import ember
    >>> layer = ember.layers.Bidirectional(ember.layers.LSTM(64, return_sequences=True))
    >>> layer(ember.ones((2, 5, 10))).shape, layer.count_params()
    ((2, 5, 128), 38400)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        what = f"Bidirectional '{self.name}'"
        if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
            raise ValueError(f"{what}: `layer` must be a recurrent layer (LSTM, GRU, SimpleRNN, "
                             f"RNN); received {layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"{what}: merge_mode must be one of {list(_MERGE_MODES)}; received "
                             f"{merge_mode!r}")
        if weights is not None:
            raise ValueError(f"{what}: `weights` is not supported; call set_weights() after "
                             "building")
        if backward_layer is None:
            config = serialize(layer)
            cfg = config["config"]
            cfg["name"] = "backward_" + _strip(layer.name, "forward_")
            cfg["go_backwards"] = not layer.go_backwards
            backward_layer = deserialize(config)
        else:
            if getattr(backward_layer, "go_backwards", None) == layer.go_backwards:
                raise ValueError(f"{what}: backward_layer.go_backwards must differ from "
                                 f"layer.go_backwards (both are {layer.go_backwards})")
            for attr in ("return_sequences", "return_state"):
                if getattr(backward_layer, attr, None) != getattr(layer, attr):
                    raise ValueError(f"{what}: backward_layer.{attr} "
                                     f"({getattr(backward_layer, attr, None)}) must equal "
                                     f"layer.{attr} ({getattr(layer, attr)})")
        if not layer.name.startswith("forward_"):
            layer.name = "forward_" + layer.name
        self.forward_layer = layer
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = self.return_sequences
        self.supports_masking = True

    def build(self, input_shape):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub._maybe_build([tuple(input_shape)])
        self.built = True

    def _merge(self, y, y_rev):
        mode = self.merge_mode
        if mode == "concat":
            return ops.concat([y, y_rev], axis=-1)
        if mode == "sum":
            return y + y_rev
        if mode == "ave":
            return (y + y_rev) * 0.5
        if mode == "mul":
            return y * y_rev
        return [y, y_rev]

    def call(self, inputs, initial_state=None, mask=None, training=False):
        fw_init = bw_init = None
        if initial_state is not None:
            states = list(initial_state)
            if len(states) % 2:
                raise ValueError(f"Bidirectional '{self.name}': initial_state must hold the "
                                 "forward layer's states then the backward layer's (an even "
                                 f"number); received {len(states)}")
            half = len(states) // 2
            fw_init, bw_init = states[:half], states[half:]
        fw = self.forward_layer(inputs, initial_state=fw_init, mask=mask, training=training)
        bw = self.backward_layer(inputs, initial_state=bw_init, mask=mask, training=training)
        fw_states = bw_states = []
        if self.return_state:
            fw, fw_states = fw[0], list(fw[1:])
            bw, bw_states = bw[0], list(bw[1:])
        if self.return_sequences:
            bw = _flip_time(bw)
        out = self._merge(fw, bw)
        if self.return_sequences and mask is not None:
            m = mask[0] if isinstance(mask, list | tuple) else mask
            m = m.data if isinstance(m, Tensor) else m
            for o in out if isinstance(out, list) else [out]:
                o._keras_mask = m
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + fw_states + bw_states
        return out

    def compute_mask(self, inputs, mask=None):
        """The input's mask when the whole sequence is returned; none for the last state."""
        if isinstance(mask, list | tuple):
            mask = mask[0]
        return mask if self.return_sequences else None

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(tuple(input_shape))
        states = []
        if self.return_state:
            shape, states = shape[0], list(shape[1:])
        if self.merge_mode == "concat":
            out = [tuple(shape[:-1]) + (2 * shape[-1],)]
        elif self.merge_mode is None:
            out = [tuple(shape), tuple(shape)]
        else:
            out = [tuple(shape)]
        if not self.return_state and len(out) == 1:
            return out[0]
        return out + states + states

    def get_config(self):
        config_ = {**super().get_config(), "layer": serialize(self.forward_layer),
                   "merge_mode": self.merge_mode}
        config_["backward_layer"] = serialize(self.backward_layer)
        return config_

    @classmethod
    def from_config(cls, config_):
        config_ = dict(config_)
        config_["layer"] = deserialize(config_["layer"])
        if config_.get("backward_layer") is not None:
            config_["backward_layer"] = deserialize(config_["backward_layer"])
        return cls(**config_)


def _strip(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


class TimeDistributed(Layer):
    """Applies `layer` to every time step: (batch, time, ...) -> (batch, time, ...'), the
    same weights at each step (e.g. a Dense tag classifier over an RNN's sequence).

    The steps are folded into the batch axis, so the wrapped layer runs once on
    (batch * time, ...). A mask on the input passes through to the output.

    Args:
        layer: the layer to apply (Dense, Conv2D, a Sequential, ...).

    >>> import ember
    >>> layer = ember.layers.TimeDistributed(ember.layers.Dense(8))
    >>> layer(ember.ones((2, 5, 3))).shape, layer.count_params()
    ((2, 5, 8), 32)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed '{self.name}': `layer` must be a Layer; received "
                             f"{layer!r}")
        self.layer = layer
        self.supports_masking = True

    def _check(self, shape):
        if len(shape) < 3:
            raise ValueError(f"TimeDistributed '{self.name}' expects inputs of rank >= 3 "
                             f"(batch, time, ...); received shape {tuple(shape)}")

    def build(self, input_shape):
        self._check(input_shape)
        if not self.layer.built:
            self.layer._maybe_build([(None, *tuple(input_shape)[2:])])
        self.built = True

    def call(self, inputs, mask=None, training=False):
        self._check(inputs.shape)
        n, t = inputs.shape[:2]
        flat = ops.reshape(inputs, (n * t, *inputs.shape[2:]))
        y = self.layer(flat, training=training)
        out = ops.reshape(y, (n, t, *y.shape[1:]))
        if mask is not None:
            m = mask[0] if isinstance(mask, list | tuple) else mask
            out._keras_mask = m.data if isinstance(m, Tensor) else m
        return out

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        inner = self.layer.compute_output_shape((None, *tuple(input_shape)[2:]))
        return (input_shape[0], input_shape[1], *tuple(inner)[1:])

    def get_config(self):
        return {**super().get_config(), "layer": serialize(self.layer)}

    @classmethod
    def from_config(cls, config_):
        config_ = dict(config_)
        config_["layer"] = deserialize(config_["layer"])
        return cls(**config_)
