"""Where each weight lives in a file: keys by layer path and variable index, not layer names.

A weight's key is the path of its layer from the model, then `vars/<i>`:

    layers/dense/vars/0                     the first Dense's kernel
    layers/dense_1/vars/1                   the second Dense's bias
    layers/batch_normalization/vars/2       its moving mean
    layers/sequential/layers/dense/vars/0   a Dense inside a nested Sequential
    vars/0                                  a weight the model itself owns

`dense_1` here is the snake_case class name plus the layer's occurrence among its siblings
(as Keras keys `.weights.h5`), and `<i>` the position among the layer's own variables in
creation order. Layer names are not used: automatic names (`dense_7`) depend on what the session
built before, so the same architecture built in a fresh process loads the same file. Siblings
are taken from `model.layers` (in order), then any other tracked sublayer; a layer shared by two
parents is keyed once, at its first occurrence. The same paths key each layer's random
generator in a `BackupAndRestore` checkpoint.

>>> import numpy as np
>>> from ember.layers import Layer
>>> class Scale(Layer):
...     def build(self, shape):
...         self.s = self.add_weight(shape=(shape[-1],), initializer="ones")
>>> class Two(Layer):
...     def __init__(self):
...         super().__init__()
...         self.a, self.b = Scale(), Scale()
>>> m = Two()
>>> m.a.build((None, 2)); m.b.build((None, 3))
>>> [(key, var.shape) for key, (layer, var) in collect_weights(m).items()]
[('layers/scale/vars/0', (2,)), ('layers/scale_1/vars/0', (3,))]
"""

import warnings

from ember import backend
from ember.layers.base import Layer, to_snake_case


def _children(layer):
    listed = getattr(layer, "layers", None)
    out = [c for c in listed if isinstance(c, Layer)] if isinstance(listed, list) else []
    for child in getattr(layer, "_layers", []):
        if isinstance(child, Layer) and all(child is not c for c in out):
            out.append(child)
    return [c for c in out if c is not layer]


def walk_layers(model):
    """Yield `(path, layer)` for the model (path "") and every sublayer, depth first."""
    seen = set()

    def visit(layer, path):
        if id(layer) in seen:
            return
        seen.add(id(layer))
        yield path, layer
        counts = {}
        for child in _children(layer):
            if id(child) in seen:
                continue
            base = to_snake_case(type(child).__name__)
            n = counts.get(base, 0)
            counts[base] = n + 1
            yield from visit(child, f"{path}layers/{base}{'' if n == 0 else f'_{n}'}/")

    yield from visit(model, "")


def collect_weights(model):
    """An ordered dict key -> (layer, Variable) of every weight of `model` (see module doc)."""
    out, seen = {}, set()
    for path, layer in walk_layers(model):
        for i, var in enumerate(getattr(layer, "_weights_own", [])):
            if id(var) not in seen:
                seen.add(id(var))
                out[f"{path}vars/{i}"] = (layer, var)
    return out


def weight_arrays(model):
    """key -> ndarray for writing: the live arrays of host weights (not copies), host copies
    of weights on a device."""
    return {key: backend.to_host(var.data) for key, (_, var) in collect_weights(model).items()}


def _layer_path(key):
    return key.rsplit("vars/", 1)[0].rstrip("/") or "<model>"


def assign_weights(model, arrays, source, skip_mismatch=False):
    """Set the model's weights from `arrays` (key -> ndarray), all or nothing.

    Every weight of the model must be in `arrays` with the same shape, and every array must
    have a weight. Mismatches raise a ValueError naming `source`, the layer (name and path) and
    both shapes; with `skip_mismatch=True` each mismatching layer is skipped with a warning and
    the others are loaded.

    Returns:
        The number of weights assigned.
    """
    target = collect_weights(model)
    if not target and arrays:
        raise ValueError(f"{source}: the file holds {len(arrays)} weights but "
                         f"{type(model).__name__} {getattr(model, 'name', '')!r} has none yet; "
                         "build it first (call it on a batch, or start it from Input shapes)")
    problems = {}  # layer path -> list of messages
    for key, (layer, var) in target.items():
        where = f"layer {layer.name!r} ({_layer_path(key)}) weight {key.rsplit('/', 1)[1]}"
        if key not in arrays:
            problems.setdefault(_layer_path(key), []).append(
                f"{where} ({var.name}, shape {var.shape}) is missing from the file")
            continue
        arr = arrays[key]
        if tuple(arr.shape) != tuple(var.shape):
            problems.setdefault(_layer_path(key), []).append(
                f"{where} ({var.name}) has shape {var.shape} in the model but {arr.shape} in the "
                "file")
        elif arr.dtype.kind != var.dtype.kind and not (arr.dtype.kind in "iu"
                                                        and var.dtype.kind in "iu"):
            problems.setdefault(_layer_path(key), []).append(
                f"{where} ({var.name}) has dtype {var.dtype} in the model but {arr.dtype} in "
                "the file")
    for key in arrays:
        if key not in target:
            problems.setdefault(_layer_path(key), []).append(
                f"the file has weight {key!r} (shape {arrays[key].shape}) but the model has no "
                "such layer or variable")
    if problems and not skip_mismatch:
        lines = [m for msgs in problems.values() for m in msgs]
        more = f" (and {len(lines) - 10} more)" if len(lines) > 10 else ""
        raise ValueError(f"{source}: the weights do not match the model: " + "; ".join(
            lines[:10]) + more + ". Pass skip_mismatch=True to load the matching layers only")
    for msgs in problems.values():
        warnings.warn(f"{source}: skipping a layer: " + "; ".join(msgs), stacklevel=3)
    count = 0
    for key, (_, var) in target.items():
        if _layer_path(key) not in problems:
            var.data[...] = backend.asarray(arrays[key], dtype=var.dtype, like=var.data)
            count += 1
    return count
