"""What a network costs: parameters, multiply-accumulates (MACs) and activation memory.

The notes compare architectures on their parameters, operations, time and memory (Canziani,
Paszke and Culurciello, "An Analysis of Deep Neural Network Models for Practical Applications",
arXiv:1605.07678). This module counts them from a built model's graph, layer by layer:

- params: the trainable scalars of the layer (what `torch.nn.Module.parameters()` counts; batch
  norm's moving statistics are state, not parameters, and are listed apart);
- MACs: multiply-accumulates of the convolutions and dense layers, the convention of torchvision's
  published operation counts (``GFLOPS`` in its tables are in fact GMACs). For a convolution,
  ``MACs = H_out * W_out * C_out * (k_h * k_w * C_in / groups)``; for a dense layer,
  ``MACs = (positions) * n_in * units``;
- activations: the scalars each layer outputs per example. Training keeps all of them for the
  backward pass, so ``activation memory(batch) = batch * sum(outputs) * itemsize``.

`shape_only()` builds a model whose weights are zero-stride views (no memory, no initializer),
which is how the tests count VGG-19's 143 M parameters in milliseconds.

>>> import ember
>>> inputs = ember.Input(shape=(8,))
>>> model = ember.Model(inputs, ember.layers.Dense(4, name="dense")(inputs))
>>> [(c["name"], c["params"], c["macs"]) for c in layer_costs(model)]
[('dense', 36, 32)]
>>> total_macs(model), parameter_memory(model), activation_memory(model, batch_size=10)
(32, 144, 160)
"""

import contextlib

import numpy as np

from ember.layers.base import Layer
from ember.models import Model
from ember.tensor import Variable

_CONV_CLASSES = ("Conv1D", "Conv2D", "Conv3D")


@contextlib.contextmanager
def shape_only():
    """Build layers with read-only, zero-stride weight views: shapes and counts, no memory.

    Inside the block `add_weight` skips the initializer and makes a Variable over
    ``np.broadcast_to(0, shape)``, so building VGG-19 costs no 575 MB. Such a model can be
    counted and summarised, not trained or loaded into (its weights are read-only).

    >>> import ember
    >>> with shape_only():
    ...     layer = ember.layers.Dense(10_000)
    ...     layer.build((None, 10_000))
    >>> layer.count_params(), layer.kernel.data.strides
    (100010000, (0, 0))
    """
    original = Layer.add_weight

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   regularizer=None, constraint=None, name=None):
        shape = () if shape is None else tuple(int(s) for s in shape)
        dtype = np.dtype(dtype or self.dtype)
        var = Variable.__new__(Variable)
        var.data = np.broadcast_to(np.zeros((), dtype), shape)
        var.grad, var._ctx = None, None
        var.name = f"{self.name}/{name or 'weight'}"
        var.trainable = bool(trainable and dtype.kind == "f")
        var.requires_grad = var.trainable
        var._regularizer, var._constraint = None, None
        self._weights_own.append(var)
        return var

    Layer.add_weight = add_weight
    try:
        yield
    finally:
        Layer.add_weight = original


def _unique(variables):
    return list({id(v): v for v in variables}.values())


def _size(shape):
    return int(np.prod([d for d in shape if d is not None], dtype=np.int64))


def _first_shape(tensors):
    return tuple(tensors[0].shape) if tensors else ()


def _layer_macs(layer, in_shape, out_shape):
    """MACs per example of one call, from the layer's config and its input/output shapes."""
    name = type(layer).__name__
    cfg = layer.get_config()
    if name == "Dense":
        return _size(in_shape[1:-1]) * int(in_shape[-1]) * int(cfg["units"])
    if name in _CONV_CLASSES:
        c_in = int(in_shape[-1])
        groups = int(cfg.get("groups", 1) or 1)
        taps = _size(cfg["kernel_size"])
        return _size(out_shape[1:]) * taps * c_in // groups
    if name.endswith("Transpose") and name.startswith("Conv"):
        return _size(in_shape[1:]) * _size(cfg["kernel_size"]) * int(cfg["filters"])
    if name.startswith("DepthwiseConv"):
        return _size(out_shape[1:]) * _size(cfg["kernel_size"])
    if name.startswith("SeparableConv"):
        depth = int(in_shape[-1]) * int(cfg.get("depth_multiplier", 1))
        spatial = _size(out_shape[1:-1])
        return spatial * depth * (_size(cfg["kernel_size"]) + int(cfg["filters"]))
    return 0


def _nodes(model):
    """(layer, input shape, output shape) of every call in the model, nested models expanded."""
    out = []
    own = getattr(model, "_network_nodes", None)
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        nodes = [n for n in layer._inbound_nodes if own is None or id(n) in own]
        if isinstance(layer, Model):  # a nested model: its own layers
            out.extend(_nodes(layer))
            continue
        if not nodes:
            raise ValueError(f"layer_costs: layer {layer.name!r} of model {model.name!r} was "
                             "never called on an Input; build the model on an Input first")
        node = nodes[-1]
        out.append((layer, _first_shape(node.inputs), _first_shape(node.outputs), node))
    return out


def layer_costs(model):
    """One dict per layer call: name, class, output_shape, params, state, macs, activations.

    `params` are trainable scalars, `state` the non-trainable ones (batch norm's moving mean
    and variance), `macs` multiply-accumulates per example, `activations` the output scalars
    per example. Nested models are expanded into their layers.
    """
    rows = []
    for layer, in_shape, out_shape, node in _nodes(model):
        weights = _unique(layer.weights)
        trainable = [w for w in weights if w.trainable]  # frozen or not: a parameter
        ids = {id(w) for w in trainable}
        state = [w for w in weights if id(w) not in ids]
        rows.append({
            "name": layer.name,
            "class": type(layer).__name__,
            "output_shape": out_shape,
            "params": sum(int(w.size) for w in trainable),
            "state": sum(int(w.size) for w in state),
            "macs": _layer_macs(layer, in_shape, out_shape),
            "activations": sum(_size(t.shape[1:]) for t in node.outputs),
        })
    return rows


def count_params(model):
    """Trainable scalars as torchvision counts them (`sum(p.numel() for p in parameters())`)."""
    return sum(row["params"] for row in layer_costs(model))


def total_macs(model):
    """Multiply-accumulates of all convolutions and dense layers for one example."""
    return sum(row["macs"] for row in layer_costs(model))


def parameter_memory(model):
    """Bytes of all weights (trainable and state) in their dtype."""
    return int(sum(int(w.size) * w.dtype.itemsize for w in _unique(model.weights)))


def activation_memory(model, batch_size=1, dtype="float32"):
    """Bytes of the activations kept for the backward pass of a batch: linear in batch size."""
    per_example = sum(row["activations"] for row in layer_costs(model))
    return int(batch_size) * per_example * np.dtype(dtype).itemsize


def cost_table(model):
    """The per-layer costs as text: layer, output shape, params, MACs; totals at the end."""
    rows = layer_costs(model)
    lines = [f"{'Layer (type)':<40}{'Output shape':<24}{'Params':>14}{'MACs':>18}"]
    for r in rows:
        if r["params"] or r["macs"]:
            label = f"{r['name']} ({r['class']})"
            lines.append(f"{label:<40}{str(r['output_shape']):<24}{r['params']:>14,}"
                         f"{r['macs']:>18,}")
    lines.append(f"{'Total':<64}{sum(r['params'] for r in rows):>14,}"
                 f"{sum(r['macs'] for r in rows):>18,}")
    return "\n".join(lines)
