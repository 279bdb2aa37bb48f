"""Global settings, with Keras' names and defaults.

>>> import ember
>>> ember.config.floatx(), ember.config.epsilon(), ember.config.image_data_format()
('float32', 1e-07, 'channels_last')
"""

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"


def floatx():
    """The default float dtype of ember tensors and weights ("float32")."""
    return _FLOATX


def set_floatx(value):
    """Set the default float dtype: "float16", "float32" or "float64"."""
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(
            f"set_floatx: expected 'float16', 'float32' or 'float64', received {value!r}"
        )
    _FLOATX = value


def epsilon():
    """The fuzz factor used to clip probabilities in losses (1e-7, as in Keras)."""
    return _EPSILON


def set_epsilon(value):
    """Set the fuzz factor returned by `epsilon()`."""
    global _EPSILON
    value = float(value)
    if not 0.0 < value < 0.5:
        raise ValueError(f"set_epsilon: expected a value in (0, 0.5), received {value!r}")
    _EPSILON = value


def image_data_format():
    """ember's images are channels-last: (batch, height, width, channels)."""
    return _IMAGE_DATA_FORMAT


def set_device(name):
    """Create tensors and weights on `name` ("cpu", "gpu", "gpu:1") for the rest of the script
    (what `with ember.device(name):` does for a block). Raises at once when the machine cannot
    provide it (no CuPy, no CUDA device). Returns the `ember.device.Device`."""
    from ember.device import set_device as _set  # noqa: PLC0415  (device imports config users)

    return _set(name)


def get_device():
    """The name of the device new tensors are created on ("cpu", "gpu:0", ...).

    >>> import ember
    >>> ember.config.get_device()
    'cpu'
    """
    from ember.device import current_device  # noqa: PLC0415

    return str(current_device())
