"""`Input` and `InputLayer`: the entry points of a functional model."""

import numpy as np

from ember import config
from ember.layers.base import Layer
from ember.layers.node import Node, SymbolicTensor


class InputLayer(Layer):
    """The layer behind `Input`: holds the expected batch shape and dtype, computes nothing.

    Args:
        shape: the shape of one example (no batch axis); `None` marks an unknown axis.
        batch_size: optional fixed batch size.
        dtype: defaults to `floatx()`.
        batch_shape: the full shape, batch axis included (instead of shape/batch_size).
        name: defaults to `input_layer`, made unique.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, batch_shape=None, name=None,
                 **kwargs):
        for legacy in ("input_shape", "batch_input_shape"):
            if legacy in kwargs:
                value = tuple(kwargs.pop(legacy))
                batch_shape = value if legacy == "batch_input_shape" else (None, *value)
        super().__init__(name=name, dtype=dtype or config.floatx(), **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("Input: pass `shape` (the shape of one example, without the "
                                 "batch axis) or `batch_shape`")
            shape = (shape,) if isinstance(shape, int | np.integer) else tuple(shape)
            batch_shape = (batch_size, *shape)
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        for d in self.batch_shape:
            if d is not None and d < 0:
                raise ValueError(f"Input: dimensions must be >= 0; received shape "
                                 f"{self.batch_shape}")
        self.built = True
        self.output_tensor = SymbolicTensor(self.batch_shape, self.dtype, name=self.name)
        Node(self, (), {}, self.output_tensor)

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype.name,
                "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, batch_shape=None, name=None):  # noqa: N802
    """A symbolic input for a functional model (Keras' `keras.Input`).

    >>> import ember
    >>> x = ember.layers.Input(shape=(28, 28, 1))
    >>> x.shape, x.dtype
    ((None, 28, 28, 1), dtype('float32'))
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype,
                       batch_shape=batch_shape, name=name)
    return layer.output_tensor
