"""keras.io "Variational AutoEncoder", as a program run with ember and with Keras 3 (torch),
on the bundled 8x8 digits: a Sampling layer drawing with keras.random.normal from its own
SeedGenerator, encoder and decoder models, and a VAE model with its own train_step (the
PyTorch-flavoured one under both; the GradientTape one under ember) and loss trackers."""

import numpy as np
import pytest

import ember
from tests.keras_guides.conftest import load_keras, no_grad, run_once


def digits(n=384):
    (x, _), _ = ember.datasets.digits.load_data()
    return (x[:n, :, :, None] / 16.0).astype("float32")


def program(keras, flavour="torch", epochs=8):
    ops, layers = keras.ops, keras.layers
    keras.utils.set_random_seed(0)

    class Sampling(layers.Layer):
        """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch, dim = z_mean.shape[0], z_mean.shape[1]
            epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    latent_dim = 2
    encoder_inputs = keras.Input(shape=(8, 8, 1))
    x = layers.Conv2D(16, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    sampling = Sampling()
    z = sampling([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")

    latent_inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense(4 * 4 * 16, activation="relu")(latent_inputs)
    x = layers.Reshape((4, 4, 16))(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu", strides=2, padding="same")(x)
    decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")

    class VAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
            self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        @property
        def metrics(self):
            return [self.total_loss_tracker, self.reconstruction_loss_tracker,
                    self.kl_loss_tracker]

        def call(self, inputs):  # Keras' torch backend builds a model by calling it
            return self.decoder(self.encoder(inputs)[2])

        def losses_of(self, data):
            z_mean, z_log_var, z = self.encoder(data)
            reconstruction = self.decoder(z)
            reconstruction_loss = ops.mean(ops.sum(
                keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2)))
            kl_loss = -0.5 * (1 + z_log_var - z_mean * z_mean - ops.exp(z_log_var))
            kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
            return reconstruction_loss + kl_loss, reconstruction_loss, kl_loss

        def train_step(self, data):
            if flavour == "tape":
                with keras.GradientTape() as tape:
                    total_loss, reconstruction_loss, kl_loss = self.losses_of(data)
                grads = tape.gradient(total_loss, self.trainable_weights)
                self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            else:
                self.zero_grad()
                total_loss, reconstruction_loss, kl_loss = self.losses_of(data)
                total_loss.backward()
                trainable_weights = [v for v in self.trainable_weights]
                gradients = [v.value.grad for v in trainable_weights]
                with no_grad(keras):
                    self.optimizer.apply(gradients, trainable_weights)
            self.total_loss_tracker.update_state(total_loss)
            self.reconstruction_loss_tracker.update_state(reconstruction_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            return {"loss": self.total_loss_tracker.result(),
                    "reconstruction_loss": self.reconstruction_loss_tracker.result(),
                    "kl_loss": self.kl_loss_tracker.result()}

    vae = VAE(encoder, decoder)
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate=0.005))
    history = vae.fit(digits(), epochs=epochs, batch_size=64, verbose=0)
    seed_state = [np.asarray(keras.ops.convert_to_numpy(v) if keras is not ember else v.numpy())
                  for v in vae.variables if "seed" in v.name]
    return {"history": {k: v for k, v in history.history.items() if k != "learning_rate"},
            "seed_state": [s.tolist() for s in seed_state],
            "n_weights": len(vae.weights), "n_variables": len(vae.variables)}


def check(out):
    h = out["history"]
    assert set(h) == {"loss", "reconstruction_loss", "kl_loss"}
    assert h["loss"][-1] < 0.75 * h["loss"][0]
    assert h["reconstruction_loss"][-1] < 34.0  # about 44 bits of 8x8 pixels at the start
    assert out["seed_state"] == [[1337, 6 * 8]]  # 6 steps an epoch, one draw a step
    assert out["n_variables"] == out["n_weights"] + 1  # the seed state is state, not a weight


@pytest.mark.slow
def test_vae_guide(keras):
    check(run_once(program, keras))


def test_vae_with_gradient_tape_is_the_same_training():
    """The GradientTape step computes the same gradients: the same losses."""
    tape = program(ember, "tape", 2)["history"]["loss"]
    torch_flavour = program(ember, "torch", 2)["history"]["loss"]
    np.testing.assert_allclose(tape, torch_flavour, rtol=1e-5)


def test_vae_repeats_bit_for_bit_under_set_random_seed():
    assert program(ember, "torch", 2) == program(ember, "torch", 2)


@pytest.mark.slow
def test_vae_matches_keras():
    ours, theirs = run_once(program, ember), run_once(program, load_keras())
    assert ours["seed_state"] == theirs["seed_state"]
    assert ours["n_weights"] == theirs["n_weights"]
    assert ours["n_variables"] == theirs["n_variables"]
    for key in ("loss", "reconstruction_loss"):
        assert ours["history"][key][-1] == pytest.approx(theirs["history"][key][-1], rel=0.15)
