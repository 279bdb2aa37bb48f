import numpy as np
import pytest

import ember
from ember.applications.generative import VAE, kl_divergence, tile_images
from tests.generative.conftest import train_digit_classifier


def test_kl_matches_a_hand_computation():
    mean = np.array([[0.5, -1.0], [0.0, 2.0]], np.float32)
    log_var = np.array([[0.0, np.log(4.0)], [np.log(0.25), 0.0]], np.float32)
    # KL(N(m, s^2) || N(0, 1)) = (s^2 + m^2 - 1 - log s^2) / 2 per axis
    row0 = (1 + 0.25 - 1 - 0) / 2 + (4 + 1 - 1 - np.log(4)) / 2
    row1 = (0.25 + 0 - 1 - np.log(0.25)) / 2 + (1 + 4 - 1 - 0) / 2
    np.testing.assert_allclose(kl_divergence(mean, log_var).numpy(), [row0, row1], rtol=1e-5)


def test_kl_agrees_with_a_monte_carlo_estimate():
    rng = np.random.default_rng(0)
    m, log_var = 0.7, np.log(0.3)
    s = np.exp(0.5 * log_var)
    z = m + s * rng.standard_normal(400_000)
    log_q = -0.5 * ((z - m) / s) ** 2 - np.log(s)
    log_p = -0.5 * z ** 2
    mc = float(np.mean(log_q - log_p))
    closed = float(kl_divergence(np.array([[m]]), np.array([[log_var]])).numpy()[0])
    assert abs(mc - closed) < 0.01


def test_reparameterisation_gives_gradients_to_mean_and_log_var():
    model = VAE(latent_dim=2)
    mean = ember.Variable(np.zeros((1000, 2), np.float32))
    log_var = ember.Variable(np.zeros((1000, 2), np.float32))
    ember.utils.set_random_seed(0)
    with ember.GradientTape() as tape:
        z = model.sample_latent(mean, log_var)
        loss = ember.ops.mean(z * z)
    g_mean, g_log_var = tape.gradient(loss, [mean, log_var])
    assert np.abs(g_mean.numpy()).sum() > 0
    # d/dlogvar E[(mu + e^{lv/2} eps)^2] = e^{lv} = 1 at lv=0, spread over 2000 entries
    assert abs(g_log_var.numpy().sum() - 1.0) < 0.1
    assert abs(np.std(z.numpy()) - 1.0) < 0.05


def test_bad_reconstruction_name_is_rejected():
    with pytest.raises(ValueError, match="reconstruction must be 'bce' or 'mse'; received 'l1'"):
        VAE(reconstruction="l1")


def nearest_distance(samples, data):
    """Mean Euclidean distance from each sample to its nearest data point."""
    a, b = samples.reshape(len(samples), -1), data.reshape(len(data), -1)
    d2 = (a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None]
    return float(np.sqrt(np.maximum(d2.min(axis=1), 0)).mean())


@pytest.mark.slow
def test_vae_learns_digits_and_generates_recognisable_samples(scaled_digits):
    (x_train, y_train), (x_test, y_test) = scaled_digits
    ember.utils.set_random_seed(0)
    model = VAE(latent_dim=8)
    model.compile(optimizer=ember.optimizers.Adam(0.005))
    history = model.fit(x_train, epochs=40, batch_size=64, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.8 * losses[0]
    assert all(np.isfinite(losses))
    assert history.history["kl_loss"][-1] > 1.0  # the latent is used, not collapsed

    judge = train_digit_classifier(x_train, y_train)
    assert judge.evaluate(x_test, y_test, verbose=0)[1] > 0.9
    # New samples: decode points drawn around each class's mean code (not reconstructions).
    z_mean, _ = model.encode(x_train)
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(10), 20)
    centres = np.stack([z_mean[y_train == k].mean(axis=0) for k in range(10)])
    z = centres[labels] + 0.3 * rng.standard_normal((len(labels), 8)).astype(np.float32)
    samples = model.decode(z)
    accuracy = np.mean(judge.predict(samples, verbose=0).argmax(-1) == labels)
    assert accuracy > 0.5  # chance is 0.1

    prior_samples = model.generate(200, seed=0)
    assert prior_samples.shape == (200, 8, 8)
    assert 0 <= prior_samples.min() and prior_samples.max() <= 1
    # samples from the prior lie near real digits: closer to the training set than the same
    # pixels shuffled, and spread over many classes
    noise = rng.permuted(prior_samples.reshape(200, -1), axis=1)
    assert nearest_distance(prior_samples, x_train) < 0.7 * nearest_distance(noise, x_train)
    assert len(set(judge.predict(prior_samples, verbose=0).argmax(-1))) >= 6

    grid = model.latent_grid(n=5)
    assert grid.shape == (40, 40)


def test_tile_images_places_each_image_in_its_cell():
    images = np.arange(3 * 2 * 2).reshape(3, 2, 2)
    tiled = tile_images(images, 2)
    assert tiled.shape == (4, 4)
    np.testing.assert_array_equal(tiled[:2, 2:], images[1])
    np.testing.assert_array_equal(tiled[2:, :2], images[2])
    np.testing.assert_array_equal(tiled[2:, 2:], 0)
