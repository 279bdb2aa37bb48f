"""The generative models of the notes: the variational autoencoder and the GAN."""

from ember.applications.generative import gan, vae
from ember.applications.generative.gan import (
    DCGAN,
    GAN,
    SampleGrid,
    build_dcgan_discriminator,
    build_dcgan_generator,
    build_discriminator,
    build_generator,
)
from ember.applications.generative.vae import VAE, kl_divergence, tile_images

__all__ = ["DCGAN", "GAN", "SampleGrid", "VAE", "build_dcgan_discriminator",
           "build_dcgan_generator", "build_discriminator", "build_generator", "gan",
           "kl_divergence", "tile_images", "vae"]
