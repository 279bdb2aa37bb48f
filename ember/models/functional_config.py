"""A functional model's config (Keras 3's layout) and its inverse.

    {"name": "functional", "trainable": true,
     "layers": [{"module": "ember.layers", "class_name": "Dense", "config": {...},
                 "name": "dense",
                 "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                              "config": {"shape": [null, 4], "dtype": "float32",
                                                         "keras_history": ["input_layer", 0, 0]}}],
                                    "kwargs": {}}]},
                ...],
     "input_layers": [["input_layer", 0, 0]], "output_layers": [["dense", 0, 0]]}

Node indices count only the nodes that belong to this model (a layer also used elsewhere has
other nodes). Layer classes resolve only through ember's registry and `custom_objects`; the
config holds data, never code.
"""

import numpy as np

from ember.layers.input_layer import InputLayer
from ember.layers.node import SymbolicTensor

_TENSOR = "__keras_tensor__"


def _own_index(model, layer, node_index):
    """The index of a layer's node among the layer's nodes that belong to `model`."""
    return sum(1 for n in layer._inbound_nodes[:node_index] if id(n) in model._network_nodes)


def _history(model, tensor):
    layer, node_index, tensor_index = tensor._history
    return [layer.name, _own_index(model, layer, node_index), tensor_index]


def _encode(model, value):
    if isinstance(value, SymbolicTensor):
        return {"class_name": _TENSOR, "config": {
            "shape": list(value.shape), "dtype": value.dtype.name,
            "keras_history": _history(model, value)}}
    if isinstance(value, list | tuple):
        return [_encode(model, v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(model, v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _map_io(model, structure):
    if isinstance(structure, SymbolicTensor):
        return [_history(model, structure)]
    if isinstance(structure, dict):
        return {k: _history(model, t) for k, t in structure.items()}
    return [_history(model, t) for t in structure]


def functional_config(model):
    """`model.get_config()` for a functional model (see the module docstring)."""
    from ember.saving.serialization import serialize  # noqa: PLC0415  (saving imports models)

    for t in model.inputs:
        if t._history is None or not isinstance(t._history[0], InputLayer):
            raise NotImplementedError(
                f"Model '{model.name}' takes an intermediate tensor as input; only models whose "
                "inputs come from keras.Input can be serialised. Rebuild it from Input tensors.")
    layers = []
    for layer in model.layers:
        entry = serialize(layer, f"layer '{layer.name}'")
        entry["name"] = layer.name
        nodes = []
        for node in layer._inbound_nodes:
            if id(node) in model._network_nodes and node.inputs:
                nodes.append({"args": _encode(model, list(node.args)),
                              "kwargs": _encode(model, dict(node.kwargs))})
        entry["inbound_nodes"] = nodes
        layers.append(entry)
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": _map_io(model, model._inputs_struct),
            "output_layers": _map_io(model, model._outputs_struct)}


class _NotReady(Exception):
    """A node's input comes from a node not rebuilt yet."""


def _decode(value, created):
    if isinstance(value, dict) and value.get("class_name") == _TENSOR:
        name, node_index, tensor_index = value["config"]["keras_history"]
        layer = created.get(name)
        if layer is None:
            raise ValueError(f"the config refers to an unknown layer {name!r}")
        if node_index >= len(layer._inbound_nodes):
            raise _NotReady
        return layer._inbound_nodes[node_index].outputs[tensor_index]
    if isinstance(value, list):
        return [_decode(v, created) for v in value]
    if isinstance(value, dict):
        return {k: _decode(v, created) for k, v in value.items()}
    return value


def _get_tensor(created, ref, where):
    if not (isinstance(ref, list) and len(ref) == 3 and isinstance(ref[0], str)):
        raise ValueError(f"{where}: expected [layer_name, node_index, tensor_index]; received "
                         f"{ref!r}")
    name, node_index, tensor_index = ref
    layer = created.get(name)
    if layer is None or node_index >= len(layer._inbound_nodes):
        raise ValueError(f"{where}: no tensor {ref!r} in the rebuilt graph")
    return layer._inbound_nodes[node_index].outputs[tensor_index]


def _io(created, refs, where):
    if isinstance(refs, dict):
        return {k: _get_tensor(created, v, where) for k, v in refs.items()}
    tensors = [_get_tensor(created, r, where) for r in refs]
    return tensors[0] if len(tensors) == 1 else tensors


def functional_from_config(cls, config, custom_objects=None):
    """Rebuild a functional model from `functional_config`'s output."""
    from ember.layers.base import Layer  # noqa: PLC0415
    from ember.saving.serialization import deserialize  # noqa: PLC0415

    config = dict(config)
    for key in ("layers", "input_layers", "output_layers"):
        if key not in config:
            raise ValueError(f"functional config: missing key {key!r}")
    created, pending = {}, []
    for entry in config.pop("layers"):
        if not isinstance(entry, dict) or "name" not in entry:
            raise ValueError(f"functional config: each layer needs a 'name'; received "
                             f"{str(entry)[:200]}")
        layer = deserialize({k: v for k, v in entry.items() if k not in ("name",
                                                                          "inbound_nodes")},
                            custom_objects, base=Layer)
        created[entry["name"]] = layer
        pending.append((layer, list(entry.get("inbound_nodes", []))))
    # Rebuild the nodes in passes: a node waits until the nodes feeding it exist.
    while any(nodes for _, nodes in pending):
        progress = False
        for layer, nodes in pending:
            while nodes:
                try:
                    args = _decode(nodes[0].get("args", []), created)
                    kwargs = _decode(nodes[0].get("kwargs", {}), created)
                except _NotReady:
                    break
                layer(*args, **kwargs)
                nodes.pop(0)
                progress = True
        if not progress:
            raise ValueError("functional config: the graph cannot be rebuilt (a node refers to "
                             "a node that is never created)")
    inputs = _io(created, config.pop("input_layers"), "input_layers")
    outputs = _io(created, config.pop("output_layers"), "output_layers")
    return cls(inputs=inputs, outputs=outputs, name=config.get("name"),
               trainable=config.get("trainable", True))
