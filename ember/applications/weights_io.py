"""Torchvision-style state dicts in and out of ember models.

A state dict maps ``"{module}.{param}"`` to an array in PyTorch's layout. Conversions:

- Conv2d ``weight`` (out, in/groups, kh, kw) <-> Conv2D ``kernel`` (kh, kw, in/groups, out);
- ConvTranspose2d ``weight`` (in, out, kh, kw) <-> Conv2DTranspose ``kernel`` (kh, kw, out, in);
- Linear ``weight`` (out, in) <-> Dense ``kernel`` (in, out); a Dense fed by a Flatten of an
  (H, W, C) map also has its inputs reordered, PyTorch flattening channels first (C, H, W);
- BatchNorm ``weight``, ``bias``, ``running_mean``, ``running_var`` <-> ``gamma``, ``beta``,
  ``moving_mean``, ``moving_variance`` (``num_batches_tracked`` is ignored).

Which module goes with which layer: the model's `torch_layout` (set by the zoo builders, e.g.
``{"conv2_block1_1_conv": "layer1.0.conv1"}``), an explicit `layout`, or else the order: the
layers with weights in graph order against the modules in the state dict's order.

Files: ``.npz`` (always) or ``.safetensors`` (when the optional `safetensors` package is
installed), read without pickle and written atomically.

>>> import numpy as np, ember
>>> inputs = ember.Input(shape=(3,))
>>> model = ember.Model(inputs, ember.layers.Dense(2, name="fc")(inputs))
>>> state = {"fc.weight": np.ones((2, 3), np.float32), "fc.bias": np.zeros(2, np.float32)}
>>> load_state_dict(model, state).layers[1].kernel.shape
(3, 2)
>>> sorted(export_state_dict(model))
['fc.bias', 'fc.weight']
"""

import io
from pathlib import Path

import numpy as np

_BN = (("weight", "gamma"), ("bias", "beta"), ("running_mean", "moving_mean"),
       ("running_var", "moving_variance"))
_PASS_THROUGH = ("Dropout", "Activation", "ReLU", "LeakyReLU", "Identity")


def read_state_dict(path):
    """A dict of arrays from a .npz or .safetensors file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"weights file {path} does not exist")
    if path.suffix == ".safetensors":
        try:
            from safetensors.numpy import load_file  # noqa: PLC0415
        except ImportError as e:
            raise ImportError("reading .safetensors needs the optional `safetensors` package "
                              "(pip install safetensors); or save the state dict as .npz") from e
        return dict(load_file(str(path)))
    if path.suffix != ".npz":
        raise ValueError(f"weights file must be .npz or .safetensors; received {path.name}")
    from ember.utils.npy_io import read_npz  # noqa: PLC0415

    return read_npz(path)  # sizes checked before allocating; object arrays refused


def write_state_dict(state, path):
    """Write a dict of arrays to .npz or .safetensors, atomically."""
    from ember.saving.atomic import atomic_write_bytes  # noqa: PLC0415

    path = Path(path)
    state = {k: np.ascontiguousarray(v) for k, v in state.items()}
    if path.suffix == ".safetensors":
        from safetensors.numpy import save  # noqa: PLC0415

        atomic_write_bytes(path, save(state))
        return path
    if path.suffix != ".npz":
        raise ValueError(f"weights file must be .npz or .safetensors; received {path.name}")
    buffer = io.BytesIO()
    np.savez(buffer, **state)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def _weighted_layers(model):
    """Layers that own weights, nested models expanded, in graph order."""
    from ember.models import Model  # noqa: PLC0415

    out = []
    for layer in model.layers:
        if isinstance(layer, Model):
            out.extend(_weighted_layers(layer))
        elif layer.weights:
            out.append(layer)
    return out


def _modules(state):
    """Module prefixes in the state dict's order."""
    seen = {}
    for key in state:
        prefix, _, _ = key.rpartition(".")
        seen.setdefault(prefix, None)
    return list(seen)


def _flatten_source(layer):
    """The (H, W, C) map a Dense reads through a Flatten (past dropouts), or None."""
    nodes = layer._inbound_nodes
    while nodes and nodes[-1].inputs and nodes[-1].inputs[0]._history is not None:
        producer = nodes[-1].inputs[0]._history[0]
        name = type(producer).__name__
        if name == "Flatten":
            shape = producer._inbound_nodes[-1].inputs[0].shape
            return tuple(shape[1:]) if len(shape) == 4 and shape[1] * shape[2] > 1 else None
        if name not in _PASS_THROUGH:
            return None
        nodes = producer._inbound_nodes
    return None


def _pairs(layer):
    """(torch param name, ember Variable, to_ember(array), to_torch(array)) of one layer."""
    kind = type(layer).__name__
    if kind == "BatchNormalization":
        return [(t, getattr(layer, e), None, None) for t, e in _BN if getattr(layer, e, None)
                is not None]
    if kind == "Dense":
        hwc = _flatten_source(layer)

        def to_ember(w):
            w = w.T
            if hwc is not None:  # rows in torch's (C, H, W) order -> ember's (H, W, C)
                h, wd, c = hwc
                w = w.reshape(c, h, wd, -1).transpose(1, 2, 0, 3).reshape(h * wd * c, -1)
            return w

        def to_torch(k):
            if hwc is not None:
                h, wd, c = hwc
                k = k.reshape(h, wd, c, -1).transpose(2, 0, 1, 3).reshape(c * h * wd, -1)
            return k.T
        kernel = [("weight", layer.kernel, to_ember, to_torch)]
    elif kind.startswith("Conv") and kind.endswith("D") or kind.endswith("Transpose"):
        ndim = layer.kernel.ndim
        to_e = tuple(range(2, ndim)) + (1, 0)  # (out, in, *k) -> (*k, in, out)
        back = tuple(np.argsort(to_e))
        kernel = [("weight", layer.kernel, lambda w, p=to_e: w.transpose(p),
                   lambda k, p=back: k.transpose(p))]
    else:
        raise ValueError(f"weights: no torch conversion for layer {layer.name!r} of type {kind}")
    if getattr(layer, "bias", None) is not None:
        kernel.append(("bias", layer.bias, None, None))
    return kernel


def _layout(model, layers, state, layout):
    layout = layout if layout is not None else getattr(model, "torch_layout", None)
    if layout:
        return [(layer, layout[layer.name]) for layer in layers if layer.name in layout]
    modules = _modules(state)
    if len(modules) != len(layers):
        raise ValueError(f"weights: the state dict has {len(modules)} modules with tensors, "
                         f"model {model.name!r} has {len(layers)} layers with weights; pass "
                         "a layout {layer name: module name}")
    return list(zip(layers, modules))


def load_state_dict(model, source, layout=None, strict=True):
    """Copy a torch-style state dict (a dict of arrays or a .npz/.safetensors path) into `model`.

    Every shape is checked before anything is copied; a mismatch names the layer, the tensor
    and both shapes. With `strict`, tensors the model does not use are an error too.
    Returns the model.
    """
    state = read_state_dict(source) if not isinstance(source, dict) else dict(source)
    state = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    plan, used = [], set()
    for layer, module in _layout(model, _weighted_layers(model), state, layout):
        for param, var, to_ember, _ in _pairs(layer):
            key = f"{module}.{param}"
            if key not in state:
                raise ValueError(f"weights: layer {layer.name!r} needs tensor {key!r}, which "
                                 "the state dict does not have")
            value = np.asarray(state[key])
            converted = to_ember(value) if to_ember is not None else value
            if converted.shape != var.shape:
                raise ValueError(
                    f"weights: layer {layer.name!r} ({key}): the file's tensor has shape "
                    f"{value.shape} (as {converted.shape} in ember's layout), the layer "
                    f"expects {var.shape}")
            plan.append((var, converted))
            used.add(key)
    unused = [k for k in state if k not in used]
    if strict and unused:
        raise ValueError(f"weights: {len(unused)} tensors of the state dict match no layer of "
                         f"model {model.name!r}, first {unused[0]!r}")
    for var, value in plan:
        var.assign(value.astype(var.dtype))
    return model


def export_state_dict(model, path=None, layout=None):
    """The model's weights as a torch-style state dict; also written to `path` if given."""
    layers = _weighted_layers(model)
    layout = layout if layout is not None else getattr(model, "torch_layout", None)
    state = {}
    for layer in layers:
        module = layout.get(layer.name, layer.name) if layout else layer.name
        for param, var, _, to_torch in _pairs(layer):
            value = var.numpy()
            state[f"{module}.{param}"] = to_torch(value) if to_torch is not None else value
        if type(layer).__name__ == "BatchNormalization":
            state[f"{module}.num_batches_tracked"] = np.zeros((), np.int64)
    if path is not None:
        write_state_dict(state, path)
    return state
