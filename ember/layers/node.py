"""Symbolic tensors and graph nodes: what `keras.Input` and a layer called on it return.

A `SymbolicTensor` has a shape (with `None` for the batch axis and any unknown axis) and a dtype,
but no values. Calling a layer on symbolic tensors records a `Node` (the layer, its symbolic
inputs and outputs, the call's keyword arguments); the functional `Model` walks these nodes to
run the graph on real tensors.
"""

import numpy as np

from ember import tree


class SymbolicTensor:
    """A placeholder for a batch of data flowing through a functional model (Keras'
    `KerasTensor`: `ember.KerasTensor` is this class).

    Args:
        shape: the shape, None for unknown axes (the batch axis).
        dtype: defaults to "float32".
        name: optional name.
        sparse, ragged: must be False (Keras' arguments; ember has neither).
        record_history: accepted for Keras compatibility.

    >>> import ember
    >>> x = ember.layers.Input(shape=(784,))
    >>> x.shape
    (None, 784)
    """

    __array_ufunc__ = None

    def __init__(self, shape, dtype="float32", name=None, history=None, *, sparse=False,
                 ragged=False, record_history=True):
        if sparse or ragged:
            raise ValueError(f"KerasTensor: ember has no sparse or ragged tensors; received "
                             f"sparse={sparse}, ragged={ragged}")
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self.name = name
        self._history = history  # (layer, node_index, tensor_index) that produced it

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<SymbolicTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other


class Node:
    """One call of a layer inside a functional graph.

    Attributes:
        layer: the layer called.
        args, kwargs: the call's arguments with symbolic tensors in place (any nesting).
        inputs: the symbolic tensors among the arguments, flattened.
        outputs: the symbolic tensors the call returned, flattened.
        output_structure: the structure of the call's return value.
    """

    def __init__(self, layer, args, kwargs, outputs):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.inputs = [t for t in tree.flatten((args, kwargs))
                       if isinstance(t, SymbolicTensor)]
        self.output_structure = outputs
        self.outputs = tree.flatten(outputs)
        self.index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for i, t in enumerate(self.outputs):
            t._history = (layer, self.index, i)

    @property
    def parent_nodes(self):
        """The nodes that produced this node's inputs."""
        out = []
        for t in self.inputs:
            if t._history is not None:
                layer, node_index, _ = t._history
                out.append(layer._inbound_nodes[node_index])
        return out

    def __repr__(self):
        return f"<Node {self.layer.name}#{self.index}>"


def shape_data(shape):
    """A shape (or list of shapes) as JSON-ready lists."""
    if is_shape(shape):
        return [None if d is None else int(d) for d in shape]
    if isinstance(shape, list | tuple):
        return [shape_data(s) for s in shape]
    return None


def is_shape_data(obj):
    return isinstance(obj, list | tuple) and all(d is None or isinstance(d, int) for d in obj)


def shape_tuple(obj):
    return tuple(None if d is None else int(d) for d in obj)


def is_shape(obj):
    return isinstance(obj, tuple) and all(d is None or isinstance(d, int | np.integer)
                                          for d in obj)


def is_shape_list(obj):
    return isinstance(obj, list) and all(is_shape(s) for s in obj)


def map_structure_shapes(fn, obj):
    """Apply `fn` to every shape tuple of a nested list/dict of shapes."""
    if is_shape(obj):
        return fn(obj)
    if isinstance(obj, list | tuple):
        return type(obj)(map_structure_shapes(fn, o) for o in obj)
    if isinstance(obj, dict):
        return {k: map_structure_shapes(fn, v) for k, v in obj.items()}
    raise TypeError(f"compute_output_shape returned {obj!r}, not a shape or a structure of "
                    "shapes")
