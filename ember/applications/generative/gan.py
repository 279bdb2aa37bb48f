"""The generative adversarial network of the notes (Goodfellow et al., arXiv:1406.2661).

A generator G maps noise z ~ N(0, I) to samples; a discriminator D maps a sample to the logit of
"real". They play the minimax game

    min_G max_D  V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))],

trained alternately, one step each per batch:

- discriminator step: minimise ``BCE(1, D(x)) + BCE(0, D(G(z)))`` (= -V); at the game's
  equilibrium D(.) = 1/2 and this loss is 2 log 2 ~ 1.386;
- generator step, non-saturating (the default, as the paper recommends): minimise
  ``-log D(G(z)) = BCE(1, D(G(z)))``. It has the same fixed point as minimising
  ``log(1 - D(G(z)))`` (``generator_loss="minimax"``), but strong gradients early on, when D
  rejects the samples easily and ``log(1 - D)`` saturates.

`DCGAN` (Radford et al., arXiv:1511.06434) replaces the MLPs by a Conv2DTranspose generator with
batch normalization and a strided-convolution discriminator with LeakyReLU.

>>> import numpy as np
>>> gan = GAN(latent_dim=4)
>>> gan.compile()
>>> x = np.random.default_rng(0).uniform(size=(16, 8, 8)).astype("float32")
>>> sorted(gan.fit(x, epochs=1, batch_size=8, verbose=0).history)
['d_accuracy', 'd_loss', 'g_loss']
"""

import io
from pathlib import Path

import numpy as np

import ember
from ember import ops
from ember.callbacks import Callback
from ember.layers import BatchNormalization, Dense, Flatten, Input, LeakyReLU, Reshape
from ember.metrics import Mean
from ember.models import Model


def build_generator(latent_dim=16, output_shape=(8, 8), hidden=(64, 128)):
    """An MLP from noise to images in [0, 1] (sigmoid output)."""
    inputs = Input(shape=(latent_dim,), name="noise")
    x = inputs
    for i, units in enumerate(hidden, start=1):
        x = Dense(units, name=f"generator_dense{i}")(x)
        x = LeakyReLU(0.2, name=f"generator_leaky{i}")(x)
    x = Dense(int(np.prod(output_shape)), activation="sigmoid", name="generator_pixels")(x)
    return Model(inputs, Reshape(output_shape, name="reshape")(x), name="generator")


def build_discriminator(input_shape=(8, 8), hidden=(128, 64)):
    """An MLP from images to the logit of "real"."""
    inputs = Input(shape=input_shape, name="image")
    x = Flatten(name="flatten")(inputs)
    for i, units in enumerate(hidden, start=1):
        x = Dense(units, name=f"discriminator_dense{i}")(x)
        x = LeakyReLU(0.2, name=f"discriminator_leaky{i}")(x)
    return Model(inputs, Dense(1, name="real_logit")(x), name="discriminator")


def build_dcgan_generator(latent_dim=16, output_shape=(8, 8, 1), filters=64):
    """Dense -> (H/4, W/4, filters) -> two stride-2 Conv2DTranspose (BN, LeakyReLU between)."""
    from ember.layers import Conv2DTranspose  # noqa: PLC0415

    h, w, c = output_shape
    inputs = Input(shape=(latent_dim,), name="noise")
    x = Dense((h // 4) * (w // 4) * filters, use_bias=False, name="project")(inputs)
    x = BatchNormalization(name="project_bn")(x)
    x = LeakyReLU(0.2, name="project_leaky")(x)
    x = Reshape((h // 4, w // 4, filters), name="reshape")(x)
    x = Conv2DTranspose(filters // 2, 4, strides=2, padding="same", use_bias=False,
                        name="up1_conv")(x)
    x = BatchNormalization(name="up1_bn")(x)
    x = LeakyReLU(0.2, name="up1_leaky")(x)
    x = Conv2DTranspose(c, 4, strides=2, padding="same", activation="sigmoid",
                        name="up2_conv")(x)
    return Model(inputs, x, name="dcgan_generator")


def build_dcgan_discriminator(input_shape=(8, 8, 1), filters=32):
    """Two stride-2 Conv2D with LeakyReLU, then a dense logit."""
    from ember.layers import Conv2D  # noqa: PLC0415

    inputs = Input(shape=input_shape, name="image")
    x = Conv2D(filters, 3, strides=2, padding="same", name="down1_conv")(inputs)
    x = LeakyReLU(0.2, name="down1_leaky")(x)
    x = Conv2D(filters * 2, 3, strides=2, padding="same", name="down2_conv")(x)
    x = LeakyReLU(0.2, name="down2_leaky")(x)
    x = Flatten(name="flatten")(x)
    return Model(inputs, Dense(1, name="real_logit")(x), name="dcgan_discriminator")


class GAN(Model):
    """A generator and a discriminator trained alternately by `fit(x)`.

    Args:
        generator: noise -> samples. Defaults to `build_generator(latent_dim, input_shape)`.
        discriminator: samples -> real logit. Defaults to `build_discriminator(input_shape)`.
        latent_dim: noise size for the default generator. Defaults to 16.
        input_shape: sample shape for the default networks. Defaults to (8, 8).
        generator_loss: "non_saturating" (-log D(G(z))) or "minimax" (log(1 - D(G(z)))).
            Defaults to "non_saturating".
    """

    def __init__(self, generator=None, discriminator=None, latent_dim=16, input_shape=(8, 8),
                 generator_loss="non_saturating", name="gan", **kwargs):
        super().__init__(name=name, **kwargs)
        if generator_loss not in ("non_saturating", "minimax"):
            raise ValueError("GAN: generator_loss must be 'non_saturating' or 'minimax'; "
                             f"received {generator_loss!r}")
        self.generator = generator or build_generator(latent_dim, input_shape)
        self.discriminator = discriminator or build_discriminator(input_shape)
        self.latent_dim = int(self.generator.inputs[0].shape[-1])
        self.generator_loss = generator_loss
        self.d_loss_tracker = Mean(name="d_loss")
        self.g_loss_tracker = Mean(name="g_loss")
        self.d_accuracy_tracker = Mean(name="d_accuracy")

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Two optimizers, each an optimizer or a name; both default to Adam(1e-3, beta_1=0.5)."""
        super().compile(**kwargs)
        self.d_optimizer = ember.optimizers.get(d_optimizer) if d_optimizer is not None \
            else ember.optimizers.Adam(1e-3, beta_1=0.5)
        self.g_optimizer = ember.optimizers.get(g_optimizer) if g_optimizer is not None \
            else ember.optimizers.Adam(1e-3, beta_1=0.5)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_accuracy_tracker]

    def call(self, noise, training=False):
        return self.generator(noise, training=training)

    def _noise(self, n):
        return ember.random.normal((n, self.latent_dim))

    def train_step(self, data):
        real = data[0] if isinstance(data, tuple) else data
        real = real if isinstance(real, ember.Tensor) else ember.tensor(
            np.asarray(real, np.float32))
        n = real.shape[0]
        fake = self.generator(self._noise(n), training=True).detach()
        with ember.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = (ops.mean(ops.sigmoid_binary_cross_entropy(
                np.ones(real_logits.shape, np.float32), real_logits))
                      + ops.mean(ops.sigmoid_binary_cross_entropy(
                          np.zeros(fake_logits.shape, np.float32), fake_logits)))
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))

        with ember.GradientTape() as tape:
            logits = self.discriminator(self.generator(self._noise(n), training=True),
                                        training=True)
            if self.generator_loss == "non_saturating":
                g_loss = ops.mean(ops.sigmoid_binary_cross_entropy(
                    np.ones(logits.shape, np.float32), logits))
            else:  # log(1 - D(G(z))) = -BCE(0, logit)
                g_loss = -ops.mean(ops.sigmoid_binary_cross_entropy(
                    np.zeros(logits.shape, np.float32), logits))
        g_vars = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))

        correct = np.concatenate([real_logits.numpy() > 0, fake_logits.numpy() <= 0])
        self.d_loss_tracker.update_state(d_loss.numpy())
        self.g_loss_tracker.update_state(g_loss.numpy())
        self.d_accuracy_tracker.update_state(float(correct.mean()))
        return {m.name: m.result() for m in self.metrics}

    def generate(self, n, seed=None):
        """n samples from noise drawn with `seed`."""
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((int(n), self.latent_dim)).astype(np.float32)
        with ember.no_grad():
            return self.generator(ember.tensor(z), training=False).numpy()


class DCGAN(GAN):
    """The GAN with the convolutional DCGAN networks (images (H, W, 1), H and W divisible by 4)."""

    def __init__(self, latent_dim=16, input_shape=(8, 8, 1), name="dcgan", **kwargs):
        super().__init__(generator=build_dcgan_generator(latent_dim, input_shape),
                         discriminator=build_dcgan_discriminator(input_shape), name=name,
                         **kwargs)


class SampleGrid(Callback):
    """Save a grid of samples from fixed noise at each epoch's end.

    Writes ``{directory}/samples_epoch{NNN}.npy`` (a tiled (rows*H, cols*W) array, atomically)
    and a PNG next to it when matplotlib is installed. `grids` keeps the arrays in memory too.

    Args:
        directory: where to write; None keeps the grids in memory only. Defaults to None.
        n: number of samples (a square number tiles best). Defaults to 16.
        seed: seed of the fixed noise. Defaults to 0.
    """

    def __init__(self, directory=None, n=16, seed=0):
        super().__init__()
        self.directory = None if directory is None else Path(directory)
        self.n, self.seed = int(n), seed
        self.grids = []

    def on_epoch_end(self, epoch, logs=None):
        from ember.applications.generative.vae import tile_images  # noqa: PLC0415
        from ember.saving.atomic import atomic_write_bytes  # noqa: PLC0415

        samples = self.model.generate(self.n, seed=self.seed)
        grid = tile_images(samples, int(np.ceil(np.sqrt(self.n))))
        self.grids.append(grid)
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.save(buffer, grid, allow_pickle=False)
        atomic_write_bytes(self.directory / f"samples_epoch{epoch + 1:03d}.npy", buffer.getvalue())
        try:
            import matplotlib  # noqa: PLC0415

            matplotlib.use("Agg")
            from matplotlib import pyplot  # noqa: PLC0415
        except ImportError:
            return
        pyplot.imsave(self.directory / f"samples_epoch{epoch + 1:03d}.png", grid, cmap="gray")
