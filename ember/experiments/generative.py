"""`ember experiment vae` and `ember experiment gan`: the zoo's generative models as reports.

- vae: the variational autoencoder (2-D latent space) on the digits: the loss and its two
  terms per epoch, the test set's latent means coloured by digit, the decoded latent grid,
  new samples and reconstructions.
- gan: the GAN (dense generator and discriminator, non-saturating loss) on the digits: both
  losses and the discriminator's accuracy per epoch, and a grid of samples from the same
  noise after each epoch.
"""

import numpy as np

import ember
from ember.experiments._common import Timer, images
from ember.experiments.report import Report


def run_vae(options):
    from ember import plot  # noqa: PLC0415  (optional extra)
    from ember.applications.generative import VAE  # noqa: PLC0415

    name, (x, _), (xt, yt) = images(options, "vae", 512 if options.quick else None)
    epochs = options.epochs_or(60, 4)
    ember.utils.set_random_seed(options.seed)
    model = VAE(input_shape=x.shape[1:], latent_dim=2)
    model.compile(optimizer=ember.optimizers.Adam(1e-3))
    with Timer() as t:
        history = model.fit(x, epochs=epochs, batch_size=32, verbose=0)
    h = history.history
    with ember.no_grad():
        test = [float(v.numpy()) for v in model.compute_losses(xt)]
    z_mean, _ = model.encode(xt)
    report = Report("vae", "Variational autoencoder: latent space and samples",
                    f"A VAE with a 2-D latent space on {name} ({len(x)} training images, "
                    f"{epochs} epochs of Adam). Loss = reconstruction (binary cross-entropy "
                    "summed over pixels) + KL(q(z|x) || N(0, I)).")
    report.results.update({"dataset": name, "epochs": epochs, "train_size": len(x),
                           "history": h, "test_loss": test[0],
                           "test_reconstruction_loss": test[1], "test_kl_loss": test[2],
                           "train_seconds": t.seconds,
                           "latent_mean_std": np.std(z_mean, axis=0).tolist()})
    report.set_summary(["split", "loss", "reconstruction", "KL"],
                       [["train (last epoch)", h["loss"][-1], h["reconstruction_loss"][-1],
                         h["kl_loss"][-1]], ["test", *test]])
    spread = np.std(z_mean, axis=0)
    report.add_claim("Trained on reconstruction + KL, a VAE learns to reconstruct its inputs "
                     "while the KL term keeps the codes near the prior N(0, I), so decoding "
                     "random points gives new samples.",
                     h["reconstruction_loss"][-1] < h["reconstruction_loss"][0]
                     and bool(np.all(spread > 0.05)) and bool(np.all(spread < 3.0)),
                     f"reconstruction loss {h['reconstruction_loss'][0]:.2f} -> "
                     f"{h['reconstruction_loss'][-1]:.2f} over {epochs} epochs; test codes' "
                     f"std per latent dimension {', '.join(f'{v:.2f}' for v in spread)} (the "
                     "prior's: 1)")
    report.add_figure("history", plot.plot_history(h, metrics=["loss", "reconstruction_loss",
                                                                "kl_loss"]),
                      "The loss and its two terms per epoch")
    report.add_figure("latent_space", plot.plot_latent_space(z_mean, yt, title="test set: "
                                                             "latent means by digit"),
                      "Where the encoder puts each test image")
    grid = model.latent_grid(n=12, span=2.0)
    report.add_figure("latent_grid", plot.image_grid(grid[None], labels=["decoded grid "
                                                     "over [-2, 2]^2"], size=6),
                      "Decoded images over a grid of latent points")
    samples = model.generate(16, seed=options.seed)
    report.add_figure("samples", plot.image_grid(samples, ncols=8, title="z ~ N(0, I)"),
                      "New samples")
    originals = xt[:8]
    with ember.no_grad():
        recon = model(ember.tensor(originals)).numpy()
    report.add_figure("reconstructions",
                      plot.image_grid(np.concatenate([originals, recon]), ncols=8,
                                      title="top: test images, bottom: reconstructions"),
                      "Test images and their reconstructions")
    report.add_section("Training", "Both terms per epoch: the KL term keeps the codes near "
                       "N(0, I) so that decoding random points gives digits.",
                       figures=["history.png"])
    report.add_section("Latent space", "", figures=["latent_space.png", "latent_grid.png"])
    report.add_section("Samples and reconstructions", "",
                       figures=["samples.png", "reconstructions.png"])
    return report


def run_gan(options):
    from ember import plot  # noqa: PLC0415  (optional extra)
    from ember.applications.generative import GAN, SampleGrid  # noqa: PLC0415

    name, (x, _), _ = images(options, "gan", 512 if options.quick else None)
    epochs = options.epochs_or(60, 4)
    ember.utils.set_random_seed(options.seed)
    model = GAN(input_shape=x.shape[1:], latent_dim=16)
    model.compile()
    grids = SampleGrid(n=16, seed=options.seed)
    with Timer() as t:
        history = model.fit(x, epochs=epochs, batch_size=32, verbose=0, callbacks=[grids])
    h = history.history
    data_mean = x.mean(axis=0)  # |mean sample image - mean data image| after training
    final = model.generate(256, seed=options.seed + 1)
    distance = float(np.abs(final.mean(axis=0) - data_mean).mean())
    noise = float(np.abs(np.random.default_rng(options.seed).uniform(size=x.shape[1:])
                         - data_mean).mean())
    report = Report("gan", "GAN: samples over epochs, both losses",
                    f"A GAN (dense generator and discriminator, non-saturating generator "
                    f"loss, Adam(1e-3, beta_1=0.5) for both) on {name} ({len(x)} images, "
                    f"{epochs} epochs). The same 16 noise vectors are decoded after every "
                    "epoch.")
    shown = sorted(set(np.linspace(0, epochs - 1, min(epochs, 6)).round().astype(int)))
    report.add_claim("Playing the minimax game against the discriminator, the generator "
                     "learns to produce data that resemble the training data.",
                     distance < noise,
                     f"mean |mean sample image - mean training image| {distance:.4f} after "
                     f"{epochs} epochs, against {noise:.4f} for uniform noise")
    report.results.update({"dataset": name, "epochs": epochs, "history": h,
                           "train_seconds": t.seconds, "mean_image_distance": distance,
                           "uniform_noise_mean_image_distance": noise,
                           "epochs_shown": [int(e) + 1 for e in shown]})
    report.set_summary(["epoch", "d_loss", "g_loss", "d_accuracy"],
                       [[int(e) + 1, h["d_loss"][e], h["g_loss"][e], h["d_accuracy"][e]]
                        for e in shown])
    report.add_figure("losses", plot.plot_history(h, metrics=["d_loss", "g_loss",
                                                               "d_accuracy"]),
                      "Discriminator and generator losses, discriminator accuracy")
    report.add_figure("samples_over_epochs",
                      plot.image_grid([grids.grids[e] for e in shown],
                                      labels=[f"epoch {e + 1}" for e in shown],
                                      ncols=len(shown), size=2.0),
                      "Samples from the same noise after each epoch")
    report.add_figure("samples", plot.image_grid(final[:32], ncols=8, title="final samples"),
                      "Samples after training")
    report.add_section("The game", "The discriminator's accuracy near 0.5 means neither side "
                       f"wins outright. Mean-image distance to the data: {distance:.4f} "
                       f"(uniform noise: {noise:.4f}).", figures=["losses.png"])
    report.add_section("Samples", "", figures=["samples_over_epochs.png", "samples.png"])
    return report
