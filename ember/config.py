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


def set_dtype_policy(policy):
    """Set the global dtype policy (Keras' `keras.config.set_dtype_policy`; see
    `ember.dtype_policies`: "mixed_float16" is computed in float32)."""
    from ember.dtype_policies import set_dtype_policy as _set  # noqa: PLC0415

    _set(policy)


def dtype_policy():
    """The global dtype policy (a DTypePolicy of `floatx()` unless one was set)."""
    from ember.dtype_policies import dtype_policy as _get  # noqa: PLC0415

    return _get()
