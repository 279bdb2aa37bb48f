"""The variational autoencoder of the notes (Kingma and Welling, arXiv:1312.6114).

- Encoding: the encoder maps x to the mean mu and the log-variance log sigma^2 of q(z | x).
- Sampling (the reparameterisation trick): z = mu + exp(log sigma^2 / 2) * eps, eps ~ N(0, I),
  so the randomness is an input and gradients flow through mu and sigma.
- Decoding: the decoder maps z back to the logits of the pixels.
- Loss: reconstruction + beta * KL(q(z | x) || N(0, I)), with the closed form
  ``KL = -1/2 * sum_j (1 + log sigma_j^2 - mu_j^2 - sigma_j^2)`` per example. The reconstruction is
  the binary cross-entropy summed over pixels (inputs in [0, 1]) or the squared error the notes
  mention (``reconstruction="mse"``); both are averaged over the batch.

>>> import numpy as np
>>> from ember.applications.generative import vae
>>> float(vae.kl_divergence(np.array([[3.0, 0.0]]), np.zeros((1, 2))).numpy()[0])
4.5
"""

import numpy as np

import ember
from ember import ops
from ember.layers import Dense, Flatten, Input, Reshape
from ember.metrics import Mean
from ember.models import Model


def kl_divergence(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) per example, summed over the latent axis.

    >>> import numpy as np
    >>> round(float(kl_divergence(np.array([[1.0]]), np.array([[0.0]])).numpy()[0]), 4)
    0.5
    """
    mean, log_var = _as_tensor(mean), _as_tensor(log_var)
    return -0.5 * ops.sum(1.0 + log_var - mean * mean - ops.exp(log_var), axis=-1)


def _as_tensor(x):
    """A Tensor as is (keeping its graph), anything else as a float32 constant."""
    return x if isinstance(x, ember.Tensor) else ember.tensor(np.asarray(x, np.float32))


def build_encoder(input_shape=(8, 8), latent_dim=2, hidden=(128, 64)):
    """An MLP from images to `[z_mean, z_log_var]`, each (batch, latent_dim)."""
    inputs = Input(shape=input_shape, name="encoder_input")
    x = Flatten(name="flatten")(inputs)
    for i, units in enumerate(hidden, start=1):
        x = Dense(units, activation="relu", name=f"encoder_dense{i}")(x)
    z_mean = Dense(latent_dim, name="z_mean")(x)
    z_log_var = Dense(latent_dim, name="z_log_var", kernel_initializer="zeros")(x)
    return Model(inputs, [z_mean, z_log_var], name="encoder")


def build_decoder(output_shape=(8, 8), latent_dim=2, hidden=(64, 128)):
    """An MLP from latent points to pixel logits of `output_shape`."""
    inputs = Input(shape=(latent_dim,), name="decoder_input")
    x = inputs
    for i, units in enumerate(hidden, start=1):
        x = Dense(units, activation="relu", name=f"decoder_dense{i}")(x)
    x = Dense(int(np.prod(output_shape)), name="decoder_logits")(x)
    return Model(inputs, Reshape(output_shape, name="reshape")(x), name="decoder")


class VAE(Model):
    """A VAE with a custom `train_step`: `fit(x)` alone (no targets) trains it.

    Calling the model returns reconstructions (pixel probabilities): from a sampled z in
    training, from z = mu otherwise (so `predict` is deterministic).

    Args:
        encoder: a model from x to `[z_mean, z_log_var]`. Defaults to `build_encoder(...)`.
        decoder: a model from z to pixel logits. Defaults to `build_decoder(...)`.
        input_shape: image shape when the default networks are built. Defaults to (8, 8).
        latent_dim: latent size of the default networks. Defaults to 2.
        beta: weight of the KL term (1 is the VAE of the notes). Defaults to 1.0.
        reconstruction: "bce" (pixels in [0, 1]) or "mse". Defaults to "bce".

    >>> import numpy as np
    >>> model = VAE(latent_dim=2)
    >>> model.compile(optimizer="adam")
    >>> x = np.random.default_rng(0).uniform(size=(16, 8, 8)).astype("float32")
    >>> history = model.fit(x, epochs=1, batch_size=8, verbose=0)
    >>> sorted(history.history)[:3], model.generate(3, seed=0).shape
    (['kl_loss', 'loss', 'reconstruction_loss'], (3, 8, 8))
    """

    def __init__(self, encoder=None, decoder=None, input_shape=(8, 8), latent_dim=2, beta=1.0,
                 reconstruction="bce", name="vae", **kwargs):
        super().__init__(name=name, **kwargs)
        if reconstruction not in ("bce", "mse"):
            raise ValueError(f"VAE: reconstruction must be 'bce' or 'mse'; received "
                             f"{reconstruction!r}")
        self.encoder = encoder or build_encoder(input_shape, latent_dim)
        self.decoder = decoder or build_decoder(input_shape, latent_dim)
        self.latent_dim = int(self.decoder.inputs[0].shape[-1])
        self.beta = float(beta)
        self.reconstruction = reconstruction
        self.loss_tracker = Mean(name="loss")
        self.reconstruction_tracker = Mean(name="reconstruction_loss")
        self.kl_tracker = Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_tracker, self.kl_tracker]

    def sample_latent(self, z_mean, z_log_var, seed=None):
        """The reparameterisation trick: z = mu + exp(log_var / 2) * eps, eps ~ N(0, I)."""
        eps = ember.random.normal(z_mean.shape, seed=seed)
        return z_mean + ops.exp(0.5 * z_log_var) * eps

    def call(self, inputs, training=False):
        z_mean, z_log_var = self.encoder(inputs, training=training)
        z = self.sample_latent(z_mean, z_log_var) if training else z_mean
        return ops.sigmoid(self.decoder(z, training=training))

    def compute_losses(self, x, training=False):
        """`(total, reconstruction, kl)`, each averaged over the batch."""
        x = _as_tensor(x)
        z_mean, z_log_var = self.encoder(x, training=training)
        logits = self.decoder(self.sample_latent(z_mean, z_log_var), training=training)
        axes = tuple(range(1, x.ndim))
        if self.reconstruction == "bce":
            per_pixel = ops.sigmoid_binary_cross_entropy(x, logits)
        else:
            per_pixel = (ops.sigmoid(logits) - x) ** 2
        reconstruction = ops.mean(ops.sum(per_pixel, axis=axes))
        kl = ops.mean(kl_divergence(z_mean, z_log_var))
        return reconstruction + self.beta * kl, reconstruction, kl

    def _track(self, total, reconstruction, kl):
        self.loss_tracker.update_state(total.numpy())
        self.reconstruction_tracker.update_state(reconstruction.numpy())
        self.kl_tracker.update_state(kl.numpy())
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        with ember.GradientTape() as tape:
            losses = self.compute_losses(x, training=True)
        variables = self.trainable_variables
        grads = tape.gradient(losses[0], variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return self._track(*losses)

    def test_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        with ember.no_grad():
            return self._track(*self.compute_losses(x))

    def decode(self, z):
        """Images (pixel probabilities) for latent points z of shape (n, latent_dim)."""
        z = np.asarray(z, dtype=np.float32)
        with ember.no_grad():
            return ops.sigmoid(self.decoder(ember.tensor(z))).numpy()

    def encode(self, x):
        """`(z_mean, z_log_var)` as arrays."""
        with ember.no_grad():
            mean, log_var = self.encoder(ember.tensor(np.asarray(x, dtype=np.float32)))
        return mean.numpy(), log_var.numpy()

    def generate(self, n, seed=None):
        """n new samples: decode z ~ N(0, I)."""
        rng = np.random.default_rng(seed)
        return self.decode(rng.standard_normal((int(n), self.latent_dim)).astype(np.float32))

    def latent_grid(self, n=10, span=2.0, dims=(0, 1)):
        """Decode an n x n grid of latent points over [-span, span]^2 (other axes at 0).

        Returns an array of shape (n * H, n * W): the grid tiled as one image.
        """
        values = np.linspace(-span, span, n, dtype=np.float32)
        z = np.zeros((n * n, self.latent_dim), np.float32)
        z[:, dims[0]] = np.repeat(values, n)
        z[:, dims[1]] = np.tile(values[::-1], n)
        return tile_images(self.decode(z), n)


def tile_images(images, n_cols):
    """Tile (N, H, W) or (N, H, W, 1) images into one (rows * H, n_cols * W) array."""
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[..., 0]
    n, h, w = images.shape
    rows = -(-n // n_cols)
    out = np.zeros((rows * h, n_cols * w), images.dtype)
    for i, image in enumerate(images):
        r, c = divmod(i, n_cols)
        out[r * h:(r + 1) * h, c * w:(c + 1) * w] = image
    return out
