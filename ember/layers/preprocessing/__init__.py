"""Preprocessing and data-augmentation layers (Keras names): the notes' rotation, scaling,
cropping, flipping and lighting changes, plus rescaling, resizing and normalisation."""

from ember.layers.preprocessing.color import RandomBrightness, RandomContrast
from ember.layers.preprocessing.geometric import (
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)
from ember.layers.preprocessing.image import CenterCrop, Rescaling, Resizing
from ember.layers.preprocessing.normalization import Normalization

__all__ = ["CenterCrop", "Normalization", "RandomBrightness", "RandomContrast", "RandomCrop",
           "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "Rescaling",
           "Resizing"]
