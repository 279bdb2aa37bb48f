"""The `RNN` layer: a recurrent cell run over the time axis of (batch, time, features) inputs.

For the built-in cells (`SimpleRNNCell`, `LSTMCell`, `GRUCell`, also inside `RNN(cell)`) the
whole sequence is one fused op of `ember.ops` (`simple_rnn`, `lstm`, `gru`: one GEMM for all
input projections, a backward written out as backpropagation through time); a cell of your own
(any Layer with `state_size` and `call(inputs, states)`) runs through a Python loop over the
steps (as does GRU(reset_after=False) with recurrent dropout in training).

Masks follow Keras: a mask (batch, time) arrives from `Embedding(mask_zero=True)` or `Masking`
(or `mask=`); where it is False the states carry over unchanged and the output repeats the
previous step's (zeros with `zero_output_for_mask=True`). With `return_sequences` the output
carries the mask on to the next layer.
"""

import numpy as np

from ember import backend, ops
from ember.layers._utils import cast_inputs
from ember.layers.base import Layer
from ember.layers.registry import deserialize, serialize
from ember.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell
from ember.ops.gru import gru
from ember.ops.lstm import lstm
from ember.ops.rnn_simple import simple_rnn
from ember.tensor import Tensor

_FUSED_ACTIVATIONS = {"tanh", "sigmoid", "relu", "linear", "hard_sigmoid", "softsign"}


def _act_name(fn):
    from ember import activations  # noqa: PLC0415

    try:
        return activations.serialize(fn)
    except ValueError:
        return None


def _sizes(size):
    return [int(s) for s in size] if isinstance(size, list | tuple) else [int(size)]


class RNN(Layer):
    """Runs `cell` over every step of a sequence (Keras' `keras.layers.RNN`).

    Args:
        cell: a cell: a Layer with `state_size` (an int or a list of ints), optionally
            `output_size`, and `call(inputs, states, training=...)` returning
            `(output, new_states)`. A list of cells is not accepted (stack RNN layers).
        return_sequences: return the output of every step (batch, time, units), else the last
            one (batch, units). Defaults to False.
        return_state: also return the last states: `[output, *states]`. Defaults to False.
        go_backwards: process the sequence from the last step to the first (the returned
            sequence is in processing order, reversed, as Keras). Defaults to False.
        stateful: not supported (True raises); pass the states of one call as `initial_state`
            of the next instead (`return_state=True`).
        unroll: accepted for Keras compatibility; ember's loops are never unrolled.
        zero_output_for_mask: output zeros at masked steps instead of the previous output.
            Defaults to False.

    Call arguments: `inputs` (batch, time, features); `initial_state` a list of (batch, size)
    tensors, one per state; `mask` bool (batch, time); `training`.

    >>> import ember
    >>> layer = ember.layers.RNN(ember.layers.LSTMCell(4), return_sequences=True)
    >>> layer(ember.ones((2, 5, 3))).shape
    (2, 5, 4)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        super().__init__(**kwargs)
        what = f"{type(self).__name__} '{self.name}'"
        if isinstance(cell, list | tuple):
            raise ValueError(f"{what}: a list of cells is not supported; stack RNN layers "
                             "(return_sequences=True on all but the last) instead")
        if not isinstance(cell, Layer) or not hasattr(cell, "state_size"):
            raise ValueError(f"{what}: `cell` must be a Layer with a `state_size` attribute and "
                             f"a `call(inputs, states)` method; received {cell!r}")
        if stateful:
            raise ValueError(f"{what}: stateful=True is not supported; return the states "
                             "(return_state=True) and pass them as initial_state= of the next "
                             "call instead")
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = False
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self._probe = None  # set by rnn_gradient_norms: where to record ||dL/dh_t||

    # ------------------------------------------------------------------ shapes
    @property
    def state_sizes(self):
        """The size of each state, as a list."""
        return _sizes(self.cell.state_size)

    @property
    def output_size(self):
        size = getattr(self.cell, "output_size", None)
        return self.state_sizes[0] if size is None else int(size)

    def _check_rank(self, shape):
        if len(shape) != 3:
            raise ValueError(f"{type(self).__name__} '{self.name}' expects inputs of shape "
                             "(batch, timesteps, features): a 3-D tensor, one feature vector "
                             f"per time step; received shape {tuple(shape)}. (A single sequence "
                             "of scalars (T,) or a batch (N, T) needs a features axis: reshape "
                             "to (N, T, 1).)")

    def build(self, input_shape):
        self._check_rank(input_shape)
        if input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} '{self.name}' needs a known number of "
                             f"features (last axis) to build; received shape "
                             f"{tuple(input_shape)}")
        if not self.cell.built:
            self.cell._maybe_build([(input_shape[0], input_shape[-1])])
        self._features = int(input_shape[-1])
        self.built = True

    def compute_mask(self, inputs, mask=None):
        """The input's mask when the whole sequence is returned; none for the last state."""
        if isinstance(mask, list | tuple):
            mask = mask[0]
        return mask if self.return_sequences else None

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        self._check_features(input_shape)
        n, t = input_shape[0], input_shape[1]
        u = self.output_size
        out = (n, t, u) if self.return_sequences else (n, u)
        if not self.return_state:
            return out
        return [out] + [(n, s) for s in self.state_sizes]

    # ------------------------------------------------------------------ checks
    def _check_features(self, shape):
        want = getattr(self, "_features", None)
        if want is not None and shape[-1] is not None and shape[-1] != want:
            raise ValueError(f"{type(self).__name__} '{self.name}' was built for {want} features "
                             f"per time step; received input of shape {tuple(shape)}")

    def _mask(self, mask, n, t):
        if isinstance(mask, list | tuple):
            mask = mask[0]
        if mask is None:
            return None
        m = mask.data if isinstance(mask, Tensor) else backend.as_array(mask)
        if m.shape != (n, t):
            raise ValueError(f"{type(self).__name__} '{self.name}': the mask must have shape "
                             f"(batch, timesteps) = {(n, t)} for inputs of shape (batch, "
                             f"timesteps, features); received a mask of shape {m.shape}")
        return m.astype(bool, copy=False)

    def _initial_states(self, initial_state, n, dtype):
        sizes = self.state_sizes
        if initial_state is None:
            return [None] * len(sizes)
        states = list(initial_state) if isinstance(initial_state, list | tuple) else [
            initial_state]
        if len(states) != len(sizes):
            raise ValueError(f"{type(self).__name__} '{self.name}' has {len(sizes)} state(s) of "
                             f"sizes {sizes}; received {len(states)} initial state(s)")
        out = []
        for i, (s, size) in enumerate(zip(states, sizes)):
            s = s if isinstance(s, Tensor) else Tensor(backend.as_array(s), dtype=dtype)
            if s.shape != (n, size):
                raise ValueError(f"{type(self).__name__} '{self.name}': initial_state[{i}] must "
                                 f"have shape (batch, units) = {(n, size)}; received shape "
                                 f"{s.shape}")
            out.append(cast_inputs(self, s))
        return out

    # ------------------------------------------------------------------ call
    def _fused_kind(self, training):
        cell = self.cell
        kinds = ((LSTMCell, "lstm"), (GRUCell, "gru"), (SimpleRNNCell, "simple_rnn"))
        kind = next((k for cls, k in kinds
                     if isinstance(cell, cls) and type(cell).call is cls.call), None)
        if kind is None:
            return None
        if training and cell.recurrent_dropout > 0 and kind == "gru" and not cell.reset_after:
            return None                       # the fused GRU drops h_{t-1} with reset_after only
        acts = [_act_name(cell.activation)]
        if kind != "simple_rnn":
            acts.append(_act_name(cell.recurrent_activation))
        return kind if all(a in _FUSED_ACTIVATIONS for a in acts) else None

    def call(self, inputs, initial_state=None, mask=None, training=False):
        x = cast_inputs(self, inputs if isinstance(inputs, Tensor) else Tensor(inputs))
        self._check_rank(x.shape)
        self._check_features(x.shape)
        n, t, _ = x.shape
        if t == 0:
            raise ValueError(f"{type(self).__name__} '{self.name}' received a sequence of zero "
                             f"timesteps (input shape {x.shape}); at least one step is needed")
        mask = self._mask(mask, n, t)
        states = self._initial_states(initial_state, n, x.dtype)
        if hasattr(self.cell, "reset_dropout_mask"):
            self.cell.reset_dropout_mask()
        kind = self._fused_kind(training)
        if kind is not None:
            out, last = self._run_fused(kind, x, states, mask, training)
            if mask is not None and states[0] is not None:
                out = self._zero_leading_masked(out, mask)
        else:
            out, last = self._run_loop(x, states, mask, training)
        if self.return_sequences:
            if mask is not None:
                pmask = mask[:, ::-1] if self.go_backwards else mask
                if self.zero_output_for_mask:
                    out = out * Tensor._wrap(pmask[:, :, None].astype(out.dtype))
                out._keras_mask = mask
        elif mask is not None and self.zero_output_for_mask:
            out = out * Tensor._wrap(mask.any(axis=1, keepdims=True).astype(out.dtype))
        return [out, *last] if self.return_state else out

    def _zero_leading_masked(self, out, mask):
        """Keras' outputs at masked steps repeat the previous output, zeros before the first
        unmasked step; the fused ops repeat the carried state, which is the initial state
        there: zero those outputs when an initial state was given."""
        pmask = mask[:, ::-1] if self.go_backwards else mask
        seen = np.logical_or.accumulate(pmask, axis=1)
        if seen.all():
            return out
        keep = seen[:, :, None] if self.return_sequences else seen[:, -1:]
        return out * Tensor._wrap(keep.astype(out.dtype))

    def get_initial_state(self, batch_size):
        """Zero states, one (batch_size, size) Tensor per state (Keras' method)."""
        xp = self._home_xp()
        return [Tensor._wrap(xp.zeros((int(batch_size), s), self.dtype))
                for s in self.state_sizes]

    def _run_fused(self, kind, x, states, mask, training):
        cell = self.cell
        if training and cell.dropout > 0:
            x = x * ops.expand_dims(cell.get_dropout_mask(x), 1)
        rec_mask = None
        if training and cell.recurrent_dropout > 0:
            rec_mask = cell.get_recurrent_dropout_mask(
                backend.array_module(x.data).empty((x.shape[0], cell.units), x.dtype))
        common = {"activation": _act_name(cell.activation), "mask": mask,
                  "recurrent_dropout_mask": rec_mask,
                  "go_backwards": self.go_backwards,
                  "return_sequences": self.return_sequences,
                  "state_grad_norms": None if self._probe is None else self._probe["norms"]}
        weights = (x, cell.kernel, cell.recurrent_kernel, cell.bias)
        if kind == "lstm":
            out, h, c = lstm(*weights, states[0], states[1],
                             recurrent_activation=_act_name(cell.recurrent_activation), **common)
            return out, [h, c]
        if kind == "gru":
            out, h = gru(*weights, states[0], reset_after=cell.reset_after,
                         recurrent_activation=_act_name(cell.recurrent_activation), **common)
            return out, [h]
        out, h = simple_rnn(*weights, states[0], **common)
        return out, [h]

    def _run_loop(self, x, states, mask, training):
        cell = self.cell
        n, t, _ = x.shape
        xp = backend.array_module(x.data)
        states = [Tensor._wrap(xp.zeros((n, size), x.dtype)) if s is None else s
                  for s, size in zip(states, self.state_sizes)]
        steps = range(t - 1, -1, -1) if self.go_backwards else range(t)
        kwargs = {"training": training} if getattr(cell, "_call_has_training", False) else {}
        outputs, prev = [], None
        for k in steps:
            out, new = cell(x[:, k], states, **kwargs)
            new = list(new) if isinstance(new, list | tuple) else [new]
            if mask is not None and not mask[:, k].all():
                keep = mask[:, k:k + 1]
                new = [ops.where(keep, s_new, s_old) for s_new, s_old in zip(new, states)]
                if prev is None:
                    prev = Tensor._wrap(xp.zeros(out.shape, out.dtype))
                out = ops.where(keep, out, prev)
            states, prev = new, out
            if self._probe is not None:
                self._probe["states"].append(states[0])
            outputs.append(out)
        seq = ops.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return seq, states

    # ------------------------------------------------------------------ config
    def _rnn_config(self):
        return {"return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful,
                "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask}

    def get_config(self):
        return {**super().get_config(), "cell": serialize(self.cell), **self._rnn_config()}

    @classmethod
    def from_config(cls, config_):
        config_ = dict(config_)
        config_["cell"] = deserialize(config_["cell"])
        return cls(**config_)
