"""`Functional`: a model defined by a graph of layer calls on symbolic tensors.

`Model(inputs, outputs)` walks back from the outputs through the recorded nodes (one per layer
call, so a layer called twice is two nodes) to the inputs, once, and orders the nodes by depth
(inputs first), as Keras' `map_graph`. Running the model evaluates the nodes in that order in
a plain loop: no recursion, whatever the depth of the graph.

>>> import numpy as np, ember
>>> from ember import layers
>>> a, b = layers.Input(shape=(3,)), layers.Input(shape=(2,))
>>> h = layers.Concatenate()([layers.Dense(4)(a), b])
>>> model = ember.models.Model([a, b], [layers.Dense(1)(h), layers.Dense(2)(h)])
>>> [o.shape for o in model([np.zeros((5, 3)), np.zeros((5, 2))])]
[(5, 1), (5, 2)]
"""

import weakref

from ember import tree
from ember.layers.input_layer import InputLayer
from ember.layers.node import SymbolicTensor
from ember.models.model import Model


def _check_tensors(structure, what):
    leaves = tree.flatten(structure)
    if not leaves:
        raise ValueError(f"Model: `{what}` must not be empty")
    for i, t in enumerate(leaves):
        if not isinstance(t, SymbolicTensor):
            raise TypeError(f"Model: `{what}` must be symbolic tensors (from keras.Input or a "
                            f"layer called on one); {what}[{i}] is {type(t).__name__}")
    return leaves


def map_graph(inputs, outputs):
    """`(nodes, layers)` of the graph from `inputs` to `outputs`, each ordered by depth,
    deepest (closest to the inputs) first; ties keep the order of discovery from the outputs.

    Raises:
        ValueError: a cycle, a tensor not computable from `inputs` ("Graph disconnected"),
            or two layers with the same name.
    """
    input_ids = {id(t) for t in inputs}
    layer_order, finished, order = {}, set(), []

    def producer(tensor):
        """The node that made `tensor`, or None where the graph is cut: a tensor with no
        history, or a model input made by another layer (the model takes its value)."""
        if tensor._history is None:
            return None
        layer, node_index, _ = tensor._history
        if id(tensor) in input_ids and not isinstance(layer, InputLayer):
            return None
        return layer._inbound_nodes[node_index]

    # Iterative depth-first walk from each output, producers before consumers.
    for out in list(outputs) + list(inputs):
        stack = [(out, False)]
        in_progress = set()
        while stack:
            tensor, expanded = stack.pop()
            node = producer(tensor)
            if node is None:
                continue
            if expanded:
                in_progress.discard(id(node))
                if id(node) not in finished:
                    finished.add(id(node))
                    order.append(node)
                continue
            if id(node) in finished:
                continue
            if id(node) in in_progress:
                raise ValueError(f"Tensor {tensor} from layer '{node.layer.name}' is part of a "
                                 "cycle.")
            layer_order.setdefault(id(node.layer), len(layer_order))
            in_progress.add(id(node))
            stack.append((tensor, True))
            if id(tensor) not in input_ids:
                for parent in reversed(node.inputs):
                    stack.append((parent, False))
    depth = {}
    for node in reversed(order):
        d = depth.setdefault(id(node), 0)
        for t in node.inputs:
            parent = producer(t)
            if parent is not None:
                depth[id(parent)] = max(depth.get(id(parent), 0), d + 1)
    layer_depth = {}
    for node in order:
        key = id(node.layer)
        layer_depth[key] = max(layer_depth.get(key, 0), depth[id(node)])
    nodes = sorted(order, key=lambda n: -depth[id(n)])
    layers = sorted({id(n.layer): n.layer for n in order}.values(),
                    key=lambda la: (-layer_depth[id(la)], layer_order[id(la)]))
    known, seen_layers = set(input_ids), []
    for node in nodes:
        if isinstance(node.layer, InputLayer) and id(node.outputs[0]) not in input_ids:
            raise ValueError(f"Graph disconnected: cannot obtain value for tensor "
                             f"{node.outputs[0]} of input layer '{node.layer.name}', which is "
                             "not among the model's inputs. Pass it in `inputs`.")
        for t in node.inputs:
            if id(t) not in known:
                raise ValueError(f"Graph disconnected: cannot find parent for tensor {t} at "
                                 f"layer '{node.layer.name}'. The following previous layers were "
                                 f"accessed without issue: {seen_layers}")
        seen_layers.append(node.layer.name)
        known.update(id(t) for t in node.outputs)
    names = [la.name for la in layers]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f'The name "{name}" is used {names.count(name)} times in the model. '
                             "All layer names should be unique.")
    return nodes, layers


class Functional(Model):
    """A model built from `Input`s and the layer calls leading to `outputs`.

    Args:
        inputs: a symbolic tensor, or a list/dict of them.
        outputs: a symbolic tensor, or a list/dict of them.
        name: defaults to "functional" (made unique).
        trainable: defaults to True.
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        in_leaves = _check_tensors(inputs, "inputs")
        out_leaves = _check_tensors(outputs, "outputs")
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self.inputs = list(in_leaves)
        self.outputs = list(out_leaves)
        nodes, layers = map_graph(in_leaves, out_leaves)
        self._nodes = nodes
        self._network_nodes = {id(n) for n in nodes}
        self._layers = list(layers)
        input_ids = {id(t) for t in in_leaves}
        self._run_nodes = [n for n in nodes if id(n.outputs[0]) not in input_ids
                           and not isinstance(n.layer, InputLayer)]
        for node in self._run_nodes:  # a plain `layer(tensor)` call is run without rebuilding
            node._simple = (len(node.args) == 1 and isinstance(node.args[0], SymbolicTensor)
                            and not node.kwargs)
        # dict inputs/outputs flatten in sorted key order (keras.tree): names follow it
        self.input_names = [t.name for t in in_leaves] if not isinstance(inputs, dict) \
            else [path[0] for path, _ in tree.flatten_with_path(inputs)]
        self.output_names = [path[0] for path, _ in tree.flatten_with_path(outputs)] \
            if isinstance(outputs, dict) else _output_names(out_leaves)
        self.built = True

    @property
    def layers(self):
        """Every layer of the graph (input layers included), inputs first."""
        return list(self._layers)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def _flat_inputs(self, inputs):
        if isinstance(self._inputs_struct, dict) or isinstance(inputs, dict):
            if not isinstance(inputs, dict):
                raise ValueError(f"Model '{self.name}' expects a dict of inputs keyed by "
                                 f"{self.input_names}; received {type(inputs).__name__}")
            missing = [k for k in self.input_names if k not in inputs]
            if missing:
                raise ValueError(f"Model '{self.name}': missing input(s) {missing}; expected "
                                 f"keys {self.input_names}")
            return [inputs[k] for k in self.input_names]
        flat = tree.flatten(inputs)
        if len(flat) != len(self.inputs):
            raise ValueError(f"Model '{self.name}' expects {len(self.inputs)} input(s) "
                             f"{self.input_names}; received {len(flat)}")
        return flat

    def call(self, inputs, training=None, mask=None):
        values = {id(t): v for t, v in zip(self.inputs, self._flat_inputs(inputs))}
        for node in self._run_nodes:
            if node._simple:
                out = node.layer(values[id(node.args[0])], training=training)
            else:
                args = tree.map_structure(
                    lambda t: values[id(t)] if isinstance(t, SymbolicTensor) else t, node.args)
                kwargs = tree.map_structure(
                    lambda t: values[id(t)] if isinstance(t, SymbolicTensor) else t, node.kwargs)
                if "training" not in kwargs:
                    kwargs["training"] = training
                out = node.layer(*args, **kwargs)
            for t, v in zip(node.outputs, tree.flatten(out)):
                values[id(t)] = v
        leaves = [values[id(t)] for t in self.outputs]
        if isinstance(self._outputs_struct, SymbolicTensor):
            return leaves[0]
        return tree.pack_sequence_as(self._outputs_struct, leaves)

    def compute_output_shape(self, input_shape):
        if isinstance(self._outputs_struct, SymbolicTensor):
            return self._outputs_struct.shape
        return tree.pack_sequence_as(self._outputs_struct, [t.shape for t in self.outputs])

    def get_config(self):
        """Keras' functional config: `{"name", "trainable", "layers": [{"module",
        "class_name", "config", "name", "inbound_nodes"}], "input_layers", "output_layers"}`."""
        from ember.models.functional_config import functional_config  # noqa: PLC0415

        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the graph from `get_config()`; classes resolve only through ember's
        registry and `custom_objects`."""
        from ember.models.functional_config import functional_from_config  # noqa: PLC0415

        return functional_from_config(cls, config, custom_objects)


_FUNCTIONAL_SUBCLASSES = weakref.WeakKeyDictionary()


def functional_subclass(cls):
    """The class of a `Model` subclass `cls` built from inputs and outputs: a subclass of
    `cls` and `Functional` (in that order, so `cls`'s train_step, test_step, metrics, ...
    override the defaults, and Functional's graph replaces `Model.call`), with `cls`'s name.
    Made once per class."""
    if issubclass(cls, Functional):
        return cls
    made = _FUNCTIONAL_SUBCLASSES.get(cls)
    if made is None:
        made = type(cls.__name__, (cls, Functional),
                    {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                     "__doc__": cls.__doc__})
        _FUNCTIONAL_SUBCLASSES[cls] = made
    return made


def _output_names(outputs):
    names = []
    for t in outputs:
        layer, _, index = t._history
        n_out = len(layer._inbound_nodes[t._history[1]].outputs)
        names.append(layer.name if n_out == 1 else f"{layer.name}_{index}")
    return names
