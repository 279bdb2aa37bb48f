"""`save_model` / `load_model` / `save_weights` / `load_weights`: ember's model files.

`save_model(model, "model.ember")` writes one zip archive (see `format`): `metadata.json`,
`config.json` (the model's class and config, plus its compile config: optimizer, loss and
metrics), `model.weights.safetensors` (weights keyed by layer path, see `weights`),
`optimizer.safetensors` (the optimizer's slots, iteration count and learning rate) and
`manifest.json`. The write is atomic. `load_model` verifies the archive and the manifest
hashes, rebuilds the model through the class registry, loads the weights, recompiles and
restores the optimizer state, so training continues exactly as it would have.

Any file name is accepted; `.ember` is the convention (`.weights.ember` for weights alone).
ember has no HDF5: a Keras `.keras` or `.h5` file is refused with a message saying so.

>>> import os, tempfile
>>> import numpy as np
>>> from ember.layers import Layer
>>> from ember.saving import register_serializable
>>> @register_serializable(package="Doc")
... class Affine(Layer):
...     def build(self, shape):
...         self.w = self.add_weight(shape=(shape[-1],))
...     def call(self, x):
...         return x * self.w
>>> layer = Affine()
>>> y = layer(np.ones((1, 3), "float32"))
>>> path = os.path.join(tempfile.mkdtemp(), "affine.weights.ember")
>>> save_weights(layer, path)
>>> other = Affine()
>>> _ = other(np.ones((1, 3), "float32"))
>>> load_weights(other, path)
>>> bool(np.array_equal(other.w.numpy(), layer.w.numpy()))
True
"""

import json
import os

from ember.saving import compile_config as _compile
from ember.saving.errors import FileFormatError
from ember.saving.format import read_container, write_container
from ember.saving.serialization import (
    check_not_loading,
    deserialize,
    loading_scope,
    serialize,
)
from ember.saving.shape_probe import check_weight_shapes
from ember.saving.tensor_codec import decode_tensors, parse_json, write_tensors
from ember.saving.weights import assign_weights, weight_arrays

WEIGHTS = "model.weights.safetensors"
OPTIMIZER = "optimizer.safetensors"


def _check_overwrite(path, overwrite):
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path!r} exists and overwrite=False; pass overwrite=True to "
                              "replace it")


def _tensor_member(arrays):
    return lambda stream: write_tensors(stream, arrays)


def model_members(model, include_optimizer=True):
    """The members of a model file: config, weights and (if built) the optimizer state."""
    config = serialize(model, f"{type(model).__name__} {getattr(model, 'name', '')!r}")
    compile_config = _compile.get_compile_config(model)
    if compile_config is not None:
        config["compile_config"] = compile_config
    text = json.dumps(config, indent=1, allow_nan=False).encode("utf-8")
    members = {"config.json": text, WEIGHTS: _tensor_member(weight_arrays(model))}
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and compile_config is not None and getattr(optimizer, "built", False):
        members[OPTIMIZER] = _tensor_member(optimizer.get_state())
    return members


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Save a model (config, weights, compile config and optimizer state) to one file.

    Args:
        model: the model to save.
        filepath: the destination, e.g. "model.ember".
        overwrite: replace an existing file. Defaults to True.
        include_optimizer: also store the optimizer state so training can continue.
            Defaults to True.

    Raises:
        TypeError: a config holds something that is not data (a function, a lambda).
        FileExistsError: the file exists and `overwrite` is False.
    """
    filepath = os.fspath(filepath)
    _check_overwrite(filepath, overwrite)
    write_container(filepath, "ember.model", model_members(model, include_optimizer))


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """Load a model saved by `save_model` (Keras' `keras.models.load_model`).

    Args:
        filepath: the file.
        custom_objects: dict of class name -> class for classes that are neither ember's nor
            registered with `@ember.saving.register_serializable()`.
        compile: recompile the model with the saved optimizer, loss and metrics, and restore
            the optimizer state. Defaults to True.
        safe_mode: Keras' switch against code in files. ember files never hold code (no
            Lambda bytecode, no pickle), so loading is safe either way and nothing in a file
            can change it; the value (False everywhere after
            `ember.config.enable_unsafe_deserialization()`) is what `in_safe_mode()` reports
            to `from_config` methods during the load. Must be a bool.

    Returns:
        The model.

    Raises:
        FileNotFoundError: the file does not exist.
        FileFormatError: the file is not a valid, intact ember model file.
        UnknownObjectError: the config names a class that cannot be resolved.
    """
    if not isinstance(safe_mode, bool):
        raise TypeError(f"safe_mode: expected a bool; received {safe_mode!r}")
    filepath = os.fspath(filepath)
    check_not_loading("load_model", filepath)
    container = read_container(filepath, accept=("ember.model",))
    members = container.members
    config = parse_json(members["config.json"], filepath, "config.json")
    weights = decode_tensors(members[WEIGHTS], f"{filepath} ({WEIGHTS})")
    state = (decode_tensors(members[OPTIMIZER], f"{filepath} ({OPTIMIZER})")
             if OPTIMIZER in members else None)
    if not isinstance(config, dict):
        raise FileFormatError(filepath, "config.json must be a JSON object")
    from ember.layers.base import Layer  # noqa: PLC0415  (layers may import saving)

    with loading_scope():
        try:
            check_weight_shapes(lambda: deserialize(config, custom_objects, base=Layer,
                                                    safe_mode=safe_mode), weights, filepath)
            model = deserialize(config, custom_objects, base=Layer, safe_mode=safe_mode)
        except FileFormatError:
            raise
        except ValueError as e:
            raise _prefixed(e, filepath) from e
        except RecursionError:
            raise FileFormatError(filepath, "config.json is nested too deeply") from None
        assign_weights(model, weights, filepath)
        compile_config = config.get("compile_config")
        if compile and compile_config is not None:
            try:
                _compile.compile_from_config(model, compile_config, custom_objects)
            except (ValueError, TypeError, KeyError) as e:
                raise _prefixed(e, f"{filepath}: compile config") from e
            if state is not None:
                restore_optimizer(model, state, filepath)
    return model


def _prefixed(error, prefix):
    """The same kind of error with `prefix` (the file) in front of its message."""
    message = f"{prefix}: {error}"
    if isinstance(error, ValueError) and not isinstance(error, FileFormatError):
        try:
            return type(error)(message)
        except TypeError:  # a subclass with another signature
            pass
    return ValueError(message)


def restore_optimizer(model, state, source):
    """Build the model's optimizer on its trainable variables and restore `state`."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ValueError(f"{source}: the file holds optimizer state but the model has no "
                         "optimizer (compile it first)")
    try:
        optimizer.set_state(state, variables=list(model.trainable_variables))
    except ValueError as e:
        raise ValueError(f"{source}: optimizer state does not fit the model: {e}") from e


def save_weights(model, filepath, overwrite=True):
    """Save only the weights (any file name; `.weights.ember` is the convention)."""
    filepath = os.fspath(filepath)
    _check_overwrite(filepath, overwrite)
    write_container(filepath, "ember.weights", {WEIGHTS: _tensor_member(weight_arrays(model))})


def load_weights(model, filepath, skip_mismatch=False):
    """Load weights saved by `save_weights` (or the weights of a model file or checkpoint).

    Args:
        model: a built model with the same architecture.
        filepath: the file.
        skip_mismatch: skip (with a warning) layers whose weights are missing, extra or of a
            different shape, instead of raising. Defaults to False.

    Raises:
        ValueError: a mismatch, naming the layer and both shapes; nothing is assigned.
    """
    filepath = os.fspath(filepath)
    check_not_loading("load_weights", filepath)
    container = read_container(filepath)
    weights = decode_tensors(container.members[WEIGHTS], f"{filepath} ({WEIGHTS})")
    assign_weights(model, weights, filepath, skip_mismatch=skip_mismatch)

