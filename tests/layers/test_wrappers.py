"""Bidirectional and TimeDistributed: the layer contract, a manual forward plus reversed pass,
merge modes, states, masks, config."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.testing import run_layer_test


@pytest.mark.parametrize("merge_mode, out", [("concat", (2, 5, 6)), ("sum", (2, 5, 3)),
                                             ("mul", (2, 5, 3)), ("ave", (2, 5, 3))])
def test_bidirectional_contract(merge_mode, out):
    run_layer_test(layers.Bidirectional,
                   {"layer": layers.GRU(3, return_sequences=True), "merge_mode": merge_mode},
                   input_shape=(2, 5, 4), expected_output_shape=out,
                   expected_num_trainable_weights=6, expected_num_non_trainable_weights=0)


def _manual(layer, x):
    fw, bw = layer.forward_layer, layer.backward_layer
    ref_f = type(fw)(fw.units, return_sequences=True)
    ref_b = type(fw)(fw.units, return_sequences=True)
    ref_f.build(x.shape)
    ref_b.build(x.shape)
    ref_f.set_weights(fw.get_weights())
    ref_b.set_weights(bw.get_weights())
    y = ref_f(x).numpy()
    y_rev = ref_b(x[:, ::-1].copy()).numpy()[:, ::-1]      # run on the reversed input, re-flip
    return y, y_rev


@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU, layers.SimpleRNN])
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_equals_manual_forward_plus_reversed_pass(cls, merge_mode):
    x = np.random.default_rng(0).normal(size=(2, 6, 3)).astype("float32")
    layer = layers.Bidirectional(cls(4, return_sequences=True), merge_mode=merge_mode)
    out = layer(x)
    y, y_rev = _manual(layer, x)
    expected = {"concat": lambda: np.concatenate([y, y_rev], -1), "sum": lambda: y + y_rev,
                "mul": lambda: y * y_rev, "ave": lambda: (y + y_rev) / 2,
                None: lambda: [y, y_rev]}[merge_mode]()
    if merge_mode is None:
        assert isinstance(out, list) and len(out) == 2
        for o, e in zip(out, expected):
            np.testing.assert_allclose(o.numpy(), e, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_bidirectional_last_state_return_state_and_initial_state():
    x = np.random.default_rng(1).normal(size=(2, 5, 3)).astype("float32")
    layer = layers.Bidirectional(layers.LSTM(4, return_state=True))
    out, fh, fc, bh, bc = layer(x)
    assert out.shape == (2, 8) and all(s.shape == (2, 4) for s in (fh, fc, bh, bc))
    y, y_rev = _manual(layer, x)
    np.testing.assert_allclose(out.numpy(), np.concatenate([y[:, -1], y_rev[:, 0]], -1),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fh.numpy(), y[:, -1], rtol=1e-5, atol=1e-6)
    zeros = [np.zeros((2, 4), "float32")] * 4
    np.testing.assert_allclose(layer(x, initial_state=zeros)[0].numpy(), out.numpy(), rtol=1e-6)
    ones = [np.ones((2, 4), "float32")] * 4
    assert not np.allclose(layer(x, initial_state=ones)[0].numpy(), out.numpy())
    sym = layer(layers.Input((5, 3)))
    assert [s.shape for s in sym] == [(None, 8)] + [(None, 4)] * 4


def test_bidirectional_keras_counts_stacked():
    model = ember.Sequential([layers.Input((5, 10)),
                              layers.Bidirectional(layers.LSTM(64, return_sequences=True)),
                              layers.Bidirectional(layers.LSTM(32)), layers.Dense(10)])
    assert [la.count_params() for la in model.layers] == [38_400, 41_216, 650]


def test_bidirectional_masked_equals_unpadded():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 3, 2)).astype("float32")
    padded = np.concatenate([x, np.zeros((1, 2, 2), "float32")], axis=1)
    layer = layers.Bidirectional(layers.GRU(3, return_sequences=True))
    full = layer(layers.Masking()(padded))
    np.testing.assert_allclose(full.numpy()[:, :3], layer(x).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(full.numpy()[:, 3:], 0.0)          # zero_output_for_mask
    np.testing.assert_array_equal(full._keras_mask, [[True, True, True, False, False]])


def test_bidirectional_backward_layer_and_config_round_trip():
    fw = layers.LSTM(3, return_sequences=True)
    bw = layers.GRU(3, return_sequences=True, go_backwards=True)
    layer = layers.Bidirectional(fw, backward_layer=bw)
    x = np.ones((2, 4, 2), "float32")
    ref = layer(x).numpy()
    revived = layers.Bidirectional.from_config(layer.get_config())
    revived.build(x.shape)
    revived.set_weights(layer.get_weights())
    assert type(revived.backward_layer).__name__ == "GRU"
    np.testing.assert_allclose(revived(x).numpy(), ref, rtol=1e-6)
    with pytest.raises(ValueError, match="go_backwards must differ"):
        layers.Bidirectional(layers.LSTM(3), backward_layer=layers.LSTM(3))
    with pytest.raises(ValueError, match="return_sequences"):
        layers.Bidirectional(layers.LSTM(3), backward_layer=layers.LSTM(
            3, go_backwards=True, return_sequences=True))
    with pytest.raises(ValueError, match="merge_mode must be one of"):
        layers.Bidirectional(layers.LSTM(3), merge_mode="max")
    with pytest.raises(ValueError, match="recurrent layer"):
        layers.Bidirectional(layers.Dense(3))


def test_time_distributed_contract_and_values():
    layer = run_layer_test(layers.TimeDistributed, {"layer": layers.Dense(3)},
                           input_shape=(2, 4, 5), expected_output_shape=(2, 4, 3),
                           expected_num_trainable_weights=2,
                           expected_num_non_trainable_weights=0, expected_num_params=18)
    assert layer.layer.kernel.shape == (5, 3)
    x = np.random.default_rng(3).normal(size=(2, 4, 5)).astype("float32")
    td = layers.TimeDistributed(layers.Dense(3))
    out = td(x).numpy()
    for t in range(4):
        np.testing.assert_allclose(out[:, t], td.layer(x[:, t]).numpy(), rtol=1e-6)
    image = layers.TimeDistributed(layers.Flatten())(np.ones((2, 3, 4, 5), "float32"))
    assert image.shape == (2, 3, 20)
    with pytest.raises(ValueError, match=r"rank >= 3 \(batch, time"):
        layers.TimeDistributed(layers.Dense(3))(np.ones((2, 4), "float32"))


def test_time_distributed_keeps_the_mask_for_a_tagger():
    model = ember.Sequential([layers.Embedding(6, 4, mask_zero=True),
                              layers.LSTM(5, return_sequences=True),
                              layers.TimeDistributed(layers.Dense(3))])
    out = model(np.array([[1, 2, 0]]))
    assert out.shape == (1, 3, 3)
    np.testing.assert_array_equal(out._keras_mask, [[True, True, False]])
