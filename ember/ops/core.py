"""`ember.ops.core`: Keras' core tensor ops (conversion, dtype and shape queries, slicing,
scattering, stop_gradient, unstack, rearrange), gathered from ember.ops' theme modules.

>>> import ember
>>> ember.ops.core.shape(ember.ops.zeros((2, 3)))
(2, 3)
"""

from ember.ops.basics import (
    cast,
    convert_to_numpy,
    convert_to_tensor,
    dtype,
    is_tensor,
    rearrange,
    saturate_cast,
    scatter,
    scatter_update,
    shape,
    slice,
    slice_update,
    stop_gradient,
    unstack,
)

__all__ = [
    "cast", "convert_to_numpy", "convert_to_tensor", "dtype", "is_tensor", "rearrange",
    "saturate_cast", "scatter", "scatter_update", "shape", "slice", "slice_update",
    "stop_gradient", "unstack",
]
