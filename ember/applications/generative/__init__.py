"""The generative models of the notes: the variational autoencoder and the GAN."""

from ember.applications.generative import vae
from ember.applications.generative.vae import VAE, kl_divergence, tile_images

__all__ = ["VAE", "kl_divergence", "tile_images", "vae"]
