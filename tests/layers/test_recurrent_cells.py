"""The cells, RNN(custom cell) through the per-step loop, and bad input to recurrent layers."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.layers.registry import register
from ember.testing import run_layer_test


@register
class MinimalCell(layers.Layer):
    """A custom cell with two states: h_t = tanh(x W + s_{t-1}), s_t = 0.5 s_{t-1} + h_t."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = [units, units]

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")
        self.built = True

    def call(self, inputs, states):
        h = ember.ops.tanh(ember.ops.matmul(inputs, self.w) + states[1])
        return h, [h, states[1] * 0.5 + h]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _reference(x, w, go_backwards=False):
    s = np.zeros((x.shape[0], w.shape[1]))
    outs = []
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    for t in steps:
        h = np.tanh(x[:, t] @ w + s)
        s = 0.5 * s + h
        outs.append(h)
    return np.stack(outs, 1), s


def test_rnn_with_a_custom_cell_contract():
    run_layer_test(layers.RNN, {"cell": MinimalCell(3), "return_sequences": True},
                   input_shape=(2, 4, 5), expected_output_shape=(2, 4, 3),
                   expected_num_trainable_weights=1, expected_num_non_trainable_weights=0)


@pytest.mark.parametrize("go_backwards", [False, True])
def test_rnn_with_a_custom_cell_values_states_and_masks(go_backwards):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    layer = layers.RNN(MinimalCell(4), return_sequences=True, return_state=True,
                       go_backwards=go_backwards)
    seq, h, s = layer(x)
    ref_seq, ref_s = _reference(x, layer.cell.w.numpy(), go_backwards)
    np.testing.assert_allclose(seq.numpy(), ref_seq, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(s.numpy(), ref_s, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(h.numpy(), seq.numpy()[:, -1])
    if not go_backwards:
        mask = np.array([[True] * 5, [True, True, False, False, False]])
        seq_m, _, s_m = layer(x, mask=mask)
        short, short_s = _reference(x[1:, :2], layer.cell.w.numpy())
        np.testing.assert_allclose(seq_m.numpy()[1, :2], short[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(seq_m.numpy()[1, 2:], np.broadcast_to(short[0, -1], (3, 4)),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(s_m.numpy()[1], short_s[0], rtol=1e-5, atol=1e-6)


def test_custom_cell_rnn_saves_and_loads(tmp_path):
    model = ember.Sequential([layers.Input((4, 2)), layers.RNN(MinimalCell(3)),
                              layers.Dense(1)])
    x = np.ones((1, 4, 2), "float32")
    path = str(tmp_path / "m.ember")
    model.save(path)
    np.testing.assert_allclose(ember.saving.load_model(path)(x).numpy(), model(x).numpy(),
                               rtol=1e-6)


@pytest.mark.parametrize("cell, n_states", [(layers.SimpleRNNCell, 1), (layers.LSTMCell, 2),
                                            (layers.GRUCell, 1)])
def test_cells_config_round_trip_and_state_sizes(cell, n_states):
    c = cell(3, dropout=0.1, recurrent_dropout=0.2, seed=3)
    again = cell.from_config(c.get_config())
    assert again.get_config() == c.get_config()
    sizes = c.state_size if isinstance(c.state_size, list) else [c.state_size]
    assert len(sizes) == n_states and c.output_size == 3


def test_rnn_argument_errors():
    with pytest.raises(ValueError, match="list of cells is not supported"):
        layers.RNN([layers.LSTMCell(2), layers.LSTMCell(2)])
    with pytest.raises(ValueError, match="state_size"):
        layers.RNN(layers.Dense(2))
    with pytest.raises(ValueError, match=r"dropout.*\[0, 1\)"):
        layers.LSTM(3, dropout=1.5)
    with pytest.raises(ValueError, match="units"):
        layers.GRU(0)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_2d_input_explains_batch_time_features(cls):
    layer = cls(3, name="rec")
    with pytest.raises(ValueError, match=r"'rec' expects inputs of shape \(batch, timesteps, "
                                         r"features\).*received shape \(4, 7\)"):
        layer(np.ones((4, 7), "float32"))
    with pytest.raises(ValueError, match=r"\(batch, timesteps, features\)"):
        cls(3)(layers.Input((7,)))
    built = cls(3)
    built(np.ones((4, 7, 2), "float32"))
    with pytest.raises(ValueError, match=r"\(batch, timesteps, features\)"):
        built(np.ones((4, 7), "float32"))


def test_zero_length_sequences_are_an_error_naming_the_layer():
    with pytest.raises(ValueError, match="'empty' received a sequence of zero timesteps"):
        layers.LSTM(3, name="empty")(np.ones((2, 0, 3), "float32"))


def test_mask_shape_mismatch_names_the_layer():
    layer = layers.GRU(3, name="g")
    with pytest.raises(ValueError, match=r"'g': the mask must have shape .* \(2, 5\).*"
                                         r"received a mask of shape \(2, 4\)"):
        layer(np.ones((2, 5, 3), "float32"), mask=np.ones((2, 4), bool))


def test_initial_state_mismatches_name_the_layer():
    layer = layers.LSTM(3, name="enc")
    x = np.ones((2, 5, 3), "float32")
    with pytest.raises(ValueError, match=r"'enc' has 2 state\(s\).*received 1"):
        layer(x, initial_state=[np.zeros((2, 3), "float32")])
    with pytest.raises(ValueError, match=r"'enc': initial_state\[1\] must have shape .*"
                                         r"\(2, 3\); received shape \(2, 4\)"):
        layer(x, initial_state=[np.zeros((2, 3), "float32"), np.zeros((2, 4), "float32")])


def test_feature_count_change_after_build_is_an_error():
    layer = layers.SimpleRNN(3, name="s")
    layer(np.ones((1, 2, 4), "float32"))
    with pytest.raises(ValueError, match=r"'s' was built for 4 features per time step; "
                                         r"received input of shape \(1, 2, 5\)"):
        layer(np.ones((1, 2, 5), "float32"))
