"""`data_format` of the image layers: "channels_last" (N, ..., C), ember's layout, or
"channels_first" (N, C, ...), honoured by transposing at the layer's edges.

A layer given `data_format=None` takes `ember.config.image_data_format()` when it is made
(and stores the result in its config, as Keras). Channels-first inputs are moved to
channels-last, computed on as usual, and the output moved back, so weights have the same
layout either way (Keras' kernel layouts do not depend on the data format either).

>>> import numpy as np
>>> x = np.zeros((2, 3, 5, 7))  # (N, C, H, W)
>>> last_shape(x.shape, "channels_first"), to_channels_last(x, "channels_first").shape
((2, 5, 7, 3), (2, 5, 7, 3))
>>> first_shape((2, 5, 7, 3), "channels_first")
(2, 3, 5, 7)
"""

from ember import config, ops


def check_data_format(layer, data_format):
    """"channels_last" or "channels_first" (None: `ember.config.image_data_format()`); a
    ValueError naming the layer otherwise."""
    try:
        return config.standardize_data_format(data_format)
    except ValueError:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': data_format must be "
                         f"'channels_last' or 'channels_first'; received "
                         f"data_format={data_format!r}") from None


def last_shape(shape, data_format):
    """`shape` in channels-last order."""
    shape = tuple(shape)
    if data_format != "channels_first" or len(shape) < 3:
        return shape
    return (shape[0], *shape[2:], shape[1])


def first_shape(shape, data_format):
    """A channels-last `shape` in the order of `data_format`."""
    shape = tuple(shape)
    if data_format != "channels_first" or len(shape) < 3:
        return shape
    return (shape[0], shape[-1], *shape[1:-1])


def to_channels_last(x, data_format):
    """`x` (a Tensor or array) with its channel axis moved last (differentiable)."""
    if data_format != "channels_first" or x.ndim < 3:
        return x
    return ops.transpose(x, (0, *range(2, x.ndim), 1))


def to_channels_first(x, data_format):
    """A channels-last `x` moved back to the order of `data_format` (differentiable)."""
    if data_format != "channels_first" or x.ndim < 3:
        return x
    return ops.transpose(x, (0, x.ndim - 1, *range(1, x.ndim - 1)))
