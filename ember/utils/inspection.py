"""Seeing inside a network: the activations (feature maps) of named layers for an input, and
the learned kernels of a convolution as arrays ready to draw.

The notes explain CNNs through what their filters look like and where each filter fires
(its feature map); these two functions give both as plain NumPy arrays, for
`ember.plot.plot_filters` / `plot_feature_maps`, matplotlib's `imshow`, or anything else.
"""

import numpy as np


def _is_layer(obj):
    from ember.layers.base import Layer  # noqa: PLC0415  (ember.utils loads before layers)

    return isinstance(obj, Layer)


def _layer(model, name):
    if _is_layer(name):
        return name
    names = [layer.name for layer in model.layers]
    if name not in names:
        raise ValueError(f"{type(model).__name__} '{model.name}' has no layer named {name!r}; "
                         f"its layers are {names}")
    return model.get_layer(name)


def activation_model(model, layer_names):
    """A functional `Model` from `model`'s inputs to the outputs of the named layers.

    Args:
        model: a built `Sequential` or functional `Model` (one with `inputs`).
        layer_names: a layer name (or `Layer`), or a list of them.

    Returns:
        A `Model` whose outputs are those layers' outputs (a list when a list was given),
        sharing the original weights.

    >>> import ember
    >>> m = ember.Sequential([ember.Input(shape=(6, 6, 1)),
    ...                       ember.layers.Conv2D(2, 3, name="c1"), ember.layers.Flatten(),
    ...                       ember.layers.Dense(3)])
    >>> activation_model(m, "c1").output_shape
    (None, 4, 4, 2)
    """
    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise ValueError(f"{type(model).__name__} '{model.name}' has no known inputs: build "
                         "it on an ember.Input(shape=...) (or call it once) before asking for "
                         "its activations")
    single = isinstance(layer_names, str) or _is_layer(layer_names)
    names = [layer_names] if single else list(layer_names)
    if not names:
        raise ValueError("activation_model: layer_names is empty; name at least one layer")
    outputs = [_layer(model, n).output for n in names]
    from ember.models import Model  # noqa: PLC0415  (models import layers)

    return Model(inputs if len(inputs) > 1 else inputs[0], outputs[0] if single else outputs,
                 name=f"{model.name}_activations")


def get_activations(model, x, layer_names, batch_size=32):
    """The outputs of the named layers of `model` for input `x` (inference mode).

    Args:
        model: a built `Sequential` or functional `Model`.
        x: the input batch (array-like), e.g. (N, H, W, C) images.
        layer_names: a layer name (or `Layer`), or a list of them.
        batch_size: the batch size of the forward passes. Defaults to 32.

    Returns:
        A dict {layer name: NumPy array of its output for x}, in the order asked.

    >>> import ember, numpy as np
    >>> m = ember.Sequential([ember.Input(shape=(6, 6, 1)),
    ...                       ember.layers.Conv2D(2, 3, name="c1"),
    ...                       ember.layers.MaxPooling2D(name="p1")])
    >>> {k: v.shape for k, v in get_activations(m, np.ones((5, 6, 6, 1)), ["c1", "p1"]).items()}
    {'c1': (5, 4, 4, 2), 'p1': (5, 2, 2, 2)}
    """
    single = isinstance(layer_names, str) or _is_layer(layer_names)
    names = [layer_names] if single else list(layer_names)
    sub = activation_model(model, names)
    outs = sub.predict(np.asarray(x, np.float32), batch_size=batch_size, verbose=0)
    if not isinstance(outs, (list, tuple)):
        outs = [outs]
    return {_layer(model, n).name: np.asarray(o) for n, o in zip(names, outs)}


def get_kernels(layer_or_model, name=None, normalize=True, per_filter=False):
    """The learned kernels of a convolution layer, one image per filter.

    Args:
        layer_or_model: a convolution layer (`Conv1D`, `Conv2D`, `DepthwiseConv2D`,
            `Conv2DTranspose`, `SeparableConv2D`: its depthwise kernel), or a model together
            with `name`.
        name: the layer's name when a model is given. Defaults to None.
        normalize: rescale to [0, 1] (min -> 0, max -> 1; a constant kernel -> 0.5).
            Defaults to True.
        per_filter: normalise each filter on its own scale instead of all together.
            Defaults to False.

    Returns:
        A float32 array (filters, kh, kw, channels) for 2-D kernels ((filters, k, channels)
        for Conv1D): filter i is `result[i]`, ready for `imshow` (channels == 3 in colour).

    >>> import ember, numpy as np
    >>> layer = ember.layers.Conv2D(8, 3)
    >>> _ = layer(np.zeros((1, 5, 5, 3), np.float32))
    >>> k = get_kernels(layer)
    >>> k.shape, float(k.min()), float(k.max())
    ((8, 3, 3, 3), 0.0, 1.0)
    """
    layer = layer_or_model if name is None else _layer(layer_or_model, name)
    kernel = getattr(layer, "kernel", None)
    if kernel is None:
        kernel = getattr(layer, "depthwise_kernel", None)
    if kernel is None:
        raise ValueError(f"get_kernels: layer {type(layer).__name__} '{layer.name}' has no "
                         "convolution kernel (is it a convolution layer, and built?)")
    k = np.asarray(kernel.numpy(), np.float32)
    if k.ndim not in (3, 4):
        raise ValueError(f"get_kernels: expected a kernel of rank 3 or 4 (a convolution); "
                         f"layer '{layer.name}' has kernel shape {k.shape}")
    from ember.layers.convolutional import Conv2DTranspose  # noqa: PLC0415

    if isinstance(layer, Conv2DTranspose):
        k = np.swapaxes(k, -1, -2)  # (kh, kw, filters, C_in) -> (kh, kw, C_in, filters)
    elif getattr(layer, "depthwise_kernel", None) is kernel:
        k = k.reshape(*k.shape[:-2], 1, -1)  # each output map has its own 1-channel filter
    k = np.moveaxis(k, -1, 0)  # (filters, kh, kw, C_in)
    if not normalize:
        return np.ascontiguousarray(k)
    axes = tuple(range(1, k.ndim)) if per_filter else None
    lo = k.min(axis=axes, keepdims=True)
    span = k.max(axis=axes, keepdims=True) - lo
    safe = np.where(span > 0, span, np.float32(1))
    return np.where(span > 0, (k - lo) / safe, np.float32(0.5)).astype(np.float32)
