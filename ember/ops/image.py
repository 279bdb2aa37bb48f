"""`ember.ops.image`: Keras' `keras.ops.image` namespace, name for name (as in Keras, these
are not at the top level of `ember.ops`). Implementations: `resampling.py` (sampling at
coordinates, resizing) and `image_filters.py` (colour, filters, patches, crop/pad).

>>> import ember
>>> ember.ops.image.resize(ember.ones((4, 4, 1)), (2, 2)).shape
(2, 2, 1)
"""

# ruff: noqa: F401  (a namespace: these imports are its content, listed in NAMES)
from ember.ops.image_filters import (
    crop_images,
    extract_patches,
    extract_patches_3d,
    gaussian_blur,
    hsv_to_rgb,
    pad_images,
    rgb_to_grayscale,
    rgb_to_hsv,
    sobel_edges,
    ssim,
)
from ember.ops.resampling import (
    affine_transform,
    elastic_transform,
    map_coordinates,
    perspective_transform,
    resize,
    scale_and_translate,
)

NAMES = ("affine_transform", "crop_images", "elastic_transform", "extract_patches",
         "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
         "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv",
         "scale_and_translate", "sobel_edges", "ssim")
# `from ember.ops.image import *` (as ember.ops does) re-exports nothing: Keras keeps these
# names inside ops.image
__all__ = []
