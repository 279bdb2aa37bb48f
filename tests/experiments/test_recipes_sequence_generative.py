"""rnn-gradients, vae and gan in --quick mode."""

import numpy as np
import pytest


@pytest.mark.slow
def test_rnn_gradients(recipe):
    results, folder, out = recipe("rnn-gradients")
    r = results["results"]
    norms = r["gradient_norms"]
    assert sorted(norms) == sorted(f"{c} ({i} init)" for c in ("SimpleRNN", "LSTM", "GRU")
                                   for i in ("default", "small"))
    assert all(len(v) == r["probe_steps"] for v in norms.values())
    # with a contracting recurrence the plain RNN's gradient at step 1 is gone (vanished by
    # many orders of magnitude), the LSTM's cell state keeps far more of it
    rnn, lstm = norms["SimpleRNN (small init)"], norms["LSTM (small init)"]
    assert rnn[0] / rnn[-1] < 1e-10
    assert rnn[0] / rnn[-1] < 1e-6 * (lstm[0] / lstm[-1])
    assert all(len(a) == len(r["lengths"]) and all(0 <= v <= 1 for v in a)
               for a in r["accuracy"].values())
    assert results["figures"]["gradient_per_step.png"]["axes"] == 2
    assert results["figures"]["accuracy_vs_length.png"]["axes"] == 1
    assert "SimpleRNN" in out


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
