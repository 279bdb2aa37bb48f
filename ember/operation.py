"""`Operation` and `Function` (Keras' `keras.Operation` and `keras.Function`).

An Operation is a callable computation with a `call`: called on values it computes; called
on symbolic tensors (from `keras.Input`) it becomes a node of a functional graph. Every Layer
is an Operation. A Function is a graph from inputs to outputs, callable on values; every
functional Model is a Function.

>>> import ember, numpy as np
>>> class Double(ember.Operation):
...     def call(self, x):
...         return x * 2.0
>>> Double()(ember.ones((2,))).numpy()
array([2., 2.], dtype=float32)
>>> inputs = ember.Input(shape=(3,))
>>> fn = ember.Function(inputs, Double()(ember.layers.Dense(2)(inputs)))
>>> fn(np.zeros((4, 3), "float32")).shape
(4, 2)
"""

import abc

import numpy as np

from ember import tree
from ember.autograd import no_grad
from ember.layers.base import Layer, to_snake_case, unique_name
from ember.layers.node import SymbolicTensor


class Operation(metaclass=abc.ABCMeta):  # noqa: B024  (ABCMeta for register(Layer))
    """A computation: subclass it and implement `call(*args, **kwargs)`.

    Args:
        name: defaults to the snake-cased class name, made unique.
    """

    def __init__(self, name=None):
        self.name = name or unique_name(to_snake_case(type(self).__name__))

    def __call__(self, *args, **kwargs):
        leaves = tree.flatten([list(args), list(kwargs.values())])
        if any(isinstance(t, SymbolicTensor) for t in leaves):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"Operation {type(self).__name__} must implement call()")

    def symbolic_call(self, *args, **kwargs):
        """Record the call as a node of a functional graph (through a layer running `call`)."""
        return _OperationLayer(self)(*args, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        """Symbolic tensors shaped like the outputs, found by running `call` on zeros (unknown
        axes taken as 1, and unknown again in the result)."""
        def zeros(t):
            if isinstance(t, SymbolicTensor):
                return np.zeros(tuple(1 if d is None else d for d in t.shape), t.dtype)
            return t

        batch_unknown = any(isinstance(t, SymbolicTensor) and t.shape and t.shape[0] is None
                            for t in tree.flatten([list(args), list(kwargs.values())]))
        with no_grad():
            out = self.call(*tree.map_structure(zeros, list(args)),
                            **{k: tree.map_structure(zeros, v) for k, v in kwargs.items()})
        return tree.map_structure(lambda t: SymbolicTensor(
            ((None,) + tuple(t.shape[1:])) if batch_unknown and t.ndim else t.shape,
            t.dtype, name=self.name), out)

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<Operation name={self.name}>"


Operation.register(Layer)  # every Layer is an Operation, as in Keras


class _OperationLayer(Layer):
    """The graph node of an Operation called on symbolic tensors."""

    def __init__(self, operation, **kwargs):
        super().__init__(name=unique_name(operation.name), **kwargs)
        self.operation = operation

    def call(self, *args, **kwargs):
        kwargs.pop("training", None)
        return self.operation.call(*args, **kwargs)

    def get_config(self):
        raise NotImplementedError(f"Operation {self.operation.name!r} in a functional model "
                                  "cannot be saved: wrap the computation in a Layer with "
                                  "get_config")


class Function(Operation):
    """The graph from `inputs` to `outputs` (symbolic tensors), callable on values.

    Args:
        inputs, outputs: symbolic tensors, or lists/dicts of them.
        name: defaults to "function".
    """

    def __init__(self, inputs, outputs, name=None):
        from ember.models.functional import Functional  # noqa: PLC0415  (models import this)

        super().__init__(name=name or unique_name("function"))
        self._graph = Functional(inputs, outputs, name=self.name)

    @property
    def inputs(self):
        return self._graph.inputs

    @property
    def outputs(self):
        return self._graph.outputs

    @property
    def operations(self):
        """The graph's layers and operations, inputs first."""
        return self._graph.layers

    def call(self, inputs):
        return self._graph(inputs)

    def compute_output_spec(self, inputs):
        return self._graph._outputs_struct

    def __repr__(self):
        return f"<Function name={self.name}>"


from ember.models.functional import Functional  # noqa: E402  (models load after layers)

Function.register(Functional)  # every functional Model is a Function


__all__ = ["Function", "Operation"]
