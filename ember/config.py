"""Global settings, with Keras' names and defaults (`keras.config`).

>>> import ember
>>> ember.config.floatx(), ember.config.epsilon(), ember.config.image_data_format()
('float32', 1e-07, 'channels_last')
>>> ember.config.backend()
'ember'

What each setting changes in ember:

- `floatx`: the dtype of new float tensors, weights (`Layer.add_weight`), initializers and
  metrics. NumPy has no bfloat16, so "bfloat16" is refused.
- `epsilon`: the fuzz factor of losses, metrics and constraints.
- `image_data_format`: the default `data_format` of the convolution, pooling, Flatten and
  global-pooling layers ("channels_first" inputs are transposed at the layer's edges).
- `max_epochs` / `max_steps_per_epoch`: caps on `fit`'s epochs and on the steps of each epoch
  of `fit`, `evaluate` and `predict` (debugging aids; also read from the environment variables
  `KERAS_MAX_EPOCHS` and `KERAS_MAX_STEPS_PER_EPOCH` when ember is imported).
- interactive logging: when disabled, progress bars write plain lines (no in-place redraw and
  no control characters), as for a log file.
- unsafe deserialization: `load_model(safe_mode=True)` becomes `safe_mode=False` everywhere
  (Keras' global switch). ember files never hold code, so this changes only what
  `ember.saving.in_safe_mode()` reports to `from_config` methods that ask.
- traceback filtering: when enabled (the default), an exception raised inside `fit`,
  `evaluate` or `predict` loses the frames of ember's own modules from its traceback.
- flash attention and NNX: ember has neither; the switches are recorded and reported.
"""

import os

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_DEFAULT_STATE = {"interactive_logging": True, "traceback_filtering": True,
                  "flash_attention": None, "safe_mode": None}
_STATE = dict(_DEFAULT_STATE)


def reset_session_state():
    """Back to the defaults of the switches Keras keeps in its session state (interactive
    logging, traceback filtering, flash attention, unsafe deserialization); called by
    `ember.utils.clear_session`. floatx, epsilon, the image data format and the fit limits are
    not session state (as in Keras) and keep their values."""
    _STATE.clear()
    _STATE.update(_DEFAULT_STATE)


def _env_count(name):
    value = os.environ.get(name)
    if value is None or not value.strip():
        return None
    try:
        count = int(value)
    except ValueError:
        raise ValueError(f"environment variable {name}: expected a positive integer, received "
                         f"{value!r}") from None
    if count < 1:
        raise ValueError(f"environment variable {name}: expected a positive integer, received "
                         f"{value!r}")
    return count


_MAX_EPOCHS = _env_count("KERAS_MAX_EPOCHS")
_MAX_STEPS_PER_EPOCH = _env_count("KERAS_MAX_STEPS_PER_EPOCH")


def floatx():
    """The default float dtype of ember tensors and weights ("float32").

    >>> floatx()
    'float32'
    """
    return _FLOATX


def set_floatx(value):
    """Set the default float dtype: "float16", "float32" or "float64".

    New tensors, weights and initializer outputs follow it; existing ones keep their dtype.

    >>> set_floatx("float64"); floatx()
    'float64'
    >>> set_floatx("float32")
    """
    global _FLOATX
    if value == "bfloat16":
        raise ValueError("set_floatx: 'bfloat16' is not supported by ember (NumPy has no "
                         "bfloat16); expected 'float16', 'float32' or 'float64'")
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"Unknown `floatx` value: {value!r}. Expected one of 'float16', "
                         "'float32', 'float64'")
    _FLOATX = str(value)


def epsilon():
    """The fuzz factor used to clip probabilities in losses (1e-7, as in Keras).

    >>> epsilon()
    1e-07
    """
    return _EPSILON


def set_epsilon(value):
    """Set the fuzz factor returned by `epsilon()` (a number in (0, 0.5)).

    >>> set_epsilon(1e-5); epsilon()
    1e-05
    >>> set_epsilon(1e-7)
    """
    global _EPSILON
    value = float(value)
    if not 0.0 < value < 0.5:
        raise ValueError(f"set_epsilon: expected a value in (0, 0.5), received {value!r}")
    _EPSILON = value


def image_data_format():
    """The default layout of images: "channels_last" (N, H, W, C) or "channels_first".

    >>> image_data_format()
    'channels_last'
    """
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    """Set the default `data_format` of image layers: "channels_last" or "channels_first".

    >>> set_image_data_format("channels_first"); image_data_format()
    'channels_first'
    >>> set_image_data_format("channels_last")
    """
    global _IMAGE_DATA_FORMAT
    value = str(data_format).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of 'channels_first', "
                         f"'channels_last'. Received: data_format={data_format!r}")
    _IMAGE_DATA_FORMAT = value


def standardize_data_format(data_format):
    """`data_format` checked and lower-cased; None means `image_data_format()`.

    >>> standardize_data_format(None), standardize_data_format("Channels_First")
    ('channels_last', 'channels_first')
    """
    if data_format is None:
        return image_data_format()
    value = str(data_format).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of 'channels_first', "
                         f"'channels_last'. Received: data_format={data_format!r}")
    return value


def backend():
    """The name of the backend: always "ember" (ember is its own backend).

    >>> backend()
    'ember'
    """
    return "ember"


def set_backend(backend):
    """Keras' backend switch. ember has one backend, "ember"; any other name is refused.

    >>> set_backend("ember")
    """
    if backend != "ember":
        raise ValueError(f"set_backend: ember runs on its own NumPy engine and has no backend "
                         f"{backend!r}; the only backend is 'ember' (to run Keras on "
                         f"{backend!r}, import keras itself)")


# --------------------------------------------------------------------- fit limits
def _check_limit(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        import numpy as np  # noqa: PLC0415

        if isinstance(value, np.integer) and value >= 1:
            return int(value)
        raise ValueError(f"{name}: expected a positive integer or None, received {value!r}")
    return value


def set_max_epochs(max_epochs):
    """Cap the number of epochs of every `fit` call (None: no cap).

    >>> set_max_epochs(2); max_epochs()
    2
    >>> set_max_epochs(None)
    """
    global _MAX_EPOCHS
    _MAX_EPOCHS = _check_limit(max_epochs, "set_max_epochs")


def max_epochs():
    """The cap on `fit`'s epochs set by `set_max_epochs` or `KERAS_MAX_EPOCHS` (None: none).

    >>> max_epochs() is None
    True
    """
    return _MAX_EPOCHS


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Cap the steps of each epoch of `fit`, and of `evaluate` and `predict` (None: no cap).

    >>> set_max_steps_per_epoch(3); max_steps_per_epoch()
    3
    >>> set_max_steps_per_epoch(None)
    """
    global _MAX_STEPS_PER_EPOCH
    _MAX_STEPS_PER_EPOCH = _check_limit(max_steps_per_epoch, "set_max_steps_per_epoch")


def max_steps_per_epoch():
    """The cap set by `set_max_steps_per_epoch` or `KERAS_MAX_STEPS_PER_EPOCH` (None: none).

    >>> max_steps_per_epoch() is None
    True
    """
    return _MAX_STEPS_PER_EPOCH


def capped_epochs(epochs):
    """`epochs` limited by `max_epochs()` (what `fit` runs)."""
    return epochs if _MAX_EPOCHS is None else min(epochs, _MAX_EPOCHS)


def capped_steps(steps):
    """`steps` (None: all) limited by `max_steps_per_epoch()`."""
    if _MAX_STEPS_PER_EPOCH is None:
        return steps
    return _MAX_STEPS_PER_EPOCH if steps is None else min(steps, _MAX_STEPS_PER_EPOCH)


# --------------------------------------------------------------------- switches
def enable_interactive_logging():
    """Progress bars redraw in place on a terminal (the default).

    >>> disable_interactive_logging(); is_interactive_logging_enabled()
    False
    >>> enable_interactive_logging(); is_interactive_logging_enabled()
    True
    """
    _STATE["interactive_logging"] = True


def disable_interactive_logging():
    """Progress bars write plain lines (no `\\b`, `\\r` or colours), as for a log file."""
    _STATE["interactive_logging"] = False


def is_interactive_logging_enabled():
    """Whether progress bars may redraw in place (see `enable_interactive_logging`)."""
    return _STATE["interactive_logging"]


def enable_traceback_filtering():
    """Exceptions from `fit`/`evaluate`/`predict` hide ember's internal frames (the default).

    >>> disable_traceback_filtering(); is_traceback_filtering_enabled()
    False
    >>> enable_traceback_filtering(); is_traceback_filtering_enabled()
    True
    """
    _STATE["traceback_filtering"] = True


def disable_traceback_filtering():
    """Exceptions keep every frame, ember's included (useful when debugging ember)."""
    _STATE["traceback_filtering"] = False


def is_traceback_filtering_enabled():
    """Whether tracebacks are filtered (see `enable_traceback_filtering`)."""
    return _STATE["traceback_filtering"]


def enable_unsafe_deserialization():
    """Turn safe mode off for every later `load_model`/`deserialize` call (Keras' switch).

    ember's files never hold code (no Lambda bytecode, no pickle) and class names still resolve
    only through the registry, so this changes only what `ember.saving.in_safe_mode()` tells
    `from_config` methods. Undo with `disable_unsafe_deserialization()`.

    >>> enable_unsafe_deserialization(); is_unsafe_deserialization_enabled()
    True
    >>> disable_unsafe_deserialization(); is_unsafe_deserialization_enabled()
    False
    """
    _STATE["safe_mode"] = False


def disable_unsafe_deserialization():
    """Undo `enable_unsafe_deserialization` (each call's `safe_mode` argument decides again)."""
    _STATE["safe_mode"] = None


def is_unsafe_deserialization_enabled():
    """Whether `enable_unsafe_deserialization()` is in force."""
    return _STATE["safe_mode"] is False


def enable_flash_attention():
    """Recorded only: ember has no flash-attention kernel (attention is plain matmuls).

    >>> is_flash_attention_enabled() is None
    True
    >>> disable_flash_attention(); is_flash_attention_enabled()
    False
    >>> enable_flash_attention()
    """
    _STATE["flash_attention"] = None


def disable_flash_attention():
    """Recorded only (see `enable_flash_attention`)."""
    _STATE["flash_attention"] = False


def is_flash_attention_enabled():
    """None (automatic, Keras' default) or False after `disable_flash_attention()`."""
    return _STATE["flash_attention"]


def is_nnx_enabled():
    """False: NNX is a JAX (Flax) feature, which ember does not use.

    >>> is_nnx_enabled()
    False
    """
    return False


def set_dtype_policy(policy):
    """Set the global dtype policy (Keras' `keras.config.set_dtype_policy`; see
    `ember.dtype_policies`: "mixed_float16" is computed in float32)."""
    from ember.dtype_policies import set_dtype_policy as _set  # noqa: PLC0415

    _set(policy)


def dtype_policy():
    """The global dtype policy (a DTypePolicy of `floatx()` unless one was set)."""
    from ember.dtype_policies import dtype_policy as _get  # noqa: PLC0415

    return _get()


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
