"""rnn-gradients, vae and gan in --quick mode."""

import numpy as np
import pytest

from .conftest import assert_confirmed


@pytest.mark.slow
def test_rnn_gradients(recipe):
    results, folder, out = recipe("rnn-gradients")
    r = results["results"]
    norms, ratios = r["gradient_norms"], r["gradient_ratios"]
    cells = ("SimpleRNN", "LSTM", "GRU")
    assert sorted(norms) == sorted([f"{c}, {i}, noisy" for c in cells
                                    for i in ("small", "default", "large")]
                                   + [f"{c}, default, quiet" for c in cells])
    assert all(len(v) == r["probe_steps"] for v in norms.values())
    # the notes' setting (recurrent weights below one): the plain RNN's gradient at step 1 is
    # gone, the LSTM's cell state keeps many orders of magnitude more of it
    assert ratios["SimpleRNN, small, noisy"] < 1e-10
    assert ratios["LSTM, small, noisy"] > 1e3 * ratios["SimpleRNN, small, noisy"]
    # large recurrent weights: the plain RNN's gradient explodes, the LSTM's stays bounded
    assert ratios["SimpleRNN, large, noisy"] > 1e3
    assert ratios["LSTM, large, noisy"] < 1e2
    # Keras' defaults: whether it vanishes depends on the inputs (saturated tanh or not)
    assert ratios["SimpleRNN, default, quiet"] > 1e3 * ratios["SimpleRNN, default, noisy"]
    # accuracy against length: short sequences are learnt by every cell; at the longest length
    # the LSTM whose forget gate starts open keeps learning where the SimpleRNN has failed
    acc = r["accuracy"]
    lengths = r["lengths"]
    assert len(lengths) >= 2 and all(len(v) == len(lengths) for v in acc.values())
    assert all(0 <= a <= 1 for v in acc.values() for a in v)
    assert acc["SimpleRNN, small"][0] > 0.9 and acc["LSTM, small"][0] > 0.9
    assert acc["LSTM-open, small"][-1] > 0.85
    assert acc["LSTM-open, small"][-1] - acc["SimpleRNN, small"][-1] > 0.25
    assert_confirmed(results)
    # with Keras' default forget bias the LSTM is not asserted to win (seed-dependent in this
    # budget): the report says so when it does not
    if acc["LSTM, small"][-1] - acc["SimpleRNN, small"][-1] <= 0.2:
        assert any(n.startswith("With Keras' default forget bias") for n in results["notes"])
    assert results["figures"]["gradient_per_step.png"]["axes"] == 3
    assert results["figures"]["accuracy_vs_length.png"]["axes"] == 1
    assert "SimpleRNN" in out


def test_first_symbol_task_needs_the_first_step():
    from ember.experiments.rnn_gradients import first_symbol_task

    x, y = first_symbol_task(512, 20, np.random.default_rng(0))
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert 0.4 < y.mean() < 0.6
    # the label is in step 1 only: the later steps carry no information about it
    later = x[:, 1:, :].mean(axis=(1, 2))
    assert abs(np.corrcoef(later, y)[0, 1]) < 0.15
    np.testing.assert_array_equal(x[:, 0, 0], 2 * y - 1)


@pytest.mark.slow
def test_vae(recipe):
    results, folder, out = recipe("vae")
    r = results["results"]
    h = r["history"]
    assert len(h["loss"]) == r["epochs"] == 4
    assert h["loss"][-1] < h["loss"][0]
    np.testing.assert_allclose(np.array(h["reconstruction_loss"]) + np.array(h["kl_loss"]),
                               h["loss"], rtol=1e-4)
    assert r["test_loss"] == pytest.approx(r["test_reconstruction_loss"] + r["test_kl_loss"],
                                           rel=1e-4)
    assert all(s > 0 for s in r["latent_mean_std"])  # the codes are not collapsed to a point
    figures = results["figures"]
    assert figures["history.png"]["axes"] == 3
    assert figures["latent_space.png"]["axes"] == 2
    assert figures["samples.png"]["axes"] == 16
    assert figures["reconstructions.png"]["axes"] == 16
    assert_confirmed(results)


@pytest.mark.slow
def test_gan(recipe):
    results, folder, out = recipe("gan", "--epochs", "3")
    r = results["results"]
    h = r["history"]
    assert r["epochs_shown"] == [1, 2, 3]
    assert len(h["d_loss"]) == len(h["g_loss"]) == 3
    assert all(0 <= a <= 1 for a in h["d_accuracy"])
    assert results["summary"]["rows"][0][1:] == [h["d_loss"][0], h["g_loss"][0],
                                                 h["d_accuracy"][0]]
    # the samples' mean image is already closer to the data's than uniform noise is
    assert r["mean_image_distance"] < r["uniform_noise_mean_image_distance"]
    assert results["figures"]["samples_over_epochs.png"]["axes"] == 3
    assert results["figures"]["losses.png"]["axes"] == 3
    assert_confirmed(results)


def test_the_open_gate_lstm_differs_only_in_its_forget_bias():
    from ember.experiments.rnn_gradients import OPEN_FORGET_BIAS, build

    ember = pytest.importorskip("ember")
    ember.utils.set_random_seed(0)
    plain = build("LSTM", 6, 4).layers[0].get_weights()
    ember.utils.set_random_seed(0)
    opened = build("LSTM-open", 6, 4).layers[0].get_weights()
    for a, b in zip(plain[:-1], opened[:-1]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(plain[-1][4:8], 1.0)  # Keras' unit_forget_bias
    np.testing.assert_array_equal(opened[-1][4:8], OPEN_FORGET_BIAS)
    np.testing.assert_array_equal(np.delete(plain[-1], range(4, 8)),
                                  np.delete(opened[-1], range(4, 8)))
