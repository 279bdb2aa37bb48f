import numpy as np
import pytest

import ember
from ember.applications.generative import GAN, SampleGrid


def nearest_distance(samples, data):
    a, b = samples.reshape(len(samples), -1), data.reshape(len(data), -1)
    d2 = (a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None]
    return float(np.sqrt(np.maximum(d2.min(axis=1), 0)).mean())


def check_adversarial_training(gan, x, epochs, tmp_path):
    """Train; check the losses, the balance of the game, and that samples approach the data."""
    before = gan.generate(300, seed=1)
    grid = SampleGrid(tmp_path / "samples", n=16)
    history = gan.fit(x, epochs=epochs, batch_size=64, verbose=0, callbacks=[grid]).history
    after = gan.generate(300, seed=1)
    d_loss, g_loss, d_acc = (np.array(history[k]) for k in ("d_loss", "g_loss", "d_accuracy"))
    assert np.all(np.isfinite(d_loss)) and np.all(np.isfinite(g_loss))
    # a healthy game: D neither collapses to 0 loss nor gives up; G's loss stays bounded
    assert np.all((d_loss > 0.3) & (d_loss < 2.0)), d_loss
    assert np.all((g_loss > 0.3) & (g_loss < 5.0)), g_loss
    assert d_acc[-3:].mean() < 0.97, d_acc  # the discriminator does not trivially win
    # the samples change and move toward the data
    assert np.abs(after - before).mean() > 0.05
    gap = lambda s: float(np.abs(s.reshape((-1, *x.shape[1:])).mean(0) - x.mean(0)).mean())  # noqa: E731
    assert gap(after) < 0.6 * gap(before)
    assert nearest_distance(after, x) < 0.8 * nearest_distance(before, x)
    saved = sorted(p.name for p in (tmp_path / "samples").glob("*.npy"))
    assert saved[0] == "samples_epoch001.npy" and len(saved) == epochs
    np.testing.assert_array_equal(np.load(tmp_path / "samples" / saved[-1]), grid.grids[-1])
    return history


@pytest.mark.slow
def test_mlp_gan_on_digits(scaled_digits, tmp_path):
    (x_train, _), _ = scaled_digits
    ember.utils.set_random_seed(0)
    gan = GAN(latent_dim=16)
    gan.compile()
    history = check_adversarial_training(gan, x_train, 20, tmp_path)
    assert sorted(history) == ["d_accuracy", "d_loss", "g_loss"]


def test_non_saturating_loss_keeps_gradients_when_the_discriminator_rejects():
    # D(G(z)) = sigmoid(logit) ~ 0: log(1 - D) is flat there, -log D is not
    logit = ember.Variable(np.array([[-8.0]], np.float32))
    grads = {}
    for kind in ("non_saturating", "minimax"):
        with ember.GradientTape() as tape:
            if kind == "non_saturating":
                loss = ember.ops.mean(ember.ops.sigmoid_binary_cross_entropy(
                    np.ones((1, 1), np.float32), logit))
            else:
                loss = -ember.ops.mean(ember.ops.sigmoid_binary_cross_entropy(
                    np.zeros((1, 1), np.float32), logit))
        grads[kind] = abs(float(tape.gradient(loss, [logit])[0].numpy()[0, 0]))
    assert grads["non_saturating"] > 0.99 and grads["minimax"] < 1e-3


def test_minimax_option_trains_and_bad_option_is_rejected(scaled_digits):
    (x_train, _), _ = scaled_digits
    gan = GAN(latent_dim=4, generator_loss="minimax")
    gan.compile(d_optimizer="adam", g_optimizer=ember.optimizers.Adam(1e-3))
    history = gan.fit(x_train[:128], epochs=1, batch_size=64, verbose=0).history
    assert history["g_loss"][0] < 0  # log(1 - D) is negative
    with pytest.raises(ValueError, match="generator_loss must be .* received 'wgan'"):
        GAN(generator_loss="wgan")


@pytest.mark.slow
def test_dcgan_on_digits(scaled_digits, tmp_path):
    from ember.applications.generative import DCGAN

    (x_train, _), _ = scaled_digits
    ember.utils.set_random_seed(0)
    gan = DCGAN(latent_dim=16)
    names = [layer.name for layer in gan.generator.layers]
    assert {"up1_conv", "up1_bn", "up1_leaky"} <= set(names)
    assert gan.generator.output_shape == (None, 8, 8, 1)
    gan.compile()
    check_adversarial_training(gan, x_train[..., None], 8, tmp_path)
