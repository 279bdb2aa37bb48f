"""`Embedding` (token ids to dense vectors, with `mask_zero`) and `Masking` (skip time steps).

Both produce a (batch, time) mask that recurrent layers read: where it is False the RNN's
states carry over unchanged (see `ember.layers.recurrent`).
"""

import numpy as np

from ember import backend, constraints, initializers, regularizers
from ember.autograd import Function
from ember.layers._utils import cast_inputs, positive_int
from ember.layers.base import Layer
from ember.tensor import Tensor


class _Gather(Function):
    """y = table[ids];  g_table = the rows of gy summed per id (one bincount-style pass)."""

    def forward(self, table, ids):
        self.ids, self.shape = ids, table.shape
        return table[ids]

    def backward(self, gy):
        rows, dim = self.shape
        flat = self.ids.reshape(-1)
        if type(gy) is not np.ndarray:  # on a device: one scatter-add (cupyx.scatter_add)
            g = backend.array_module(gy).zeros(self.shape, gy.dtype)
            backend.scatter_add(g, flat, gy.reshape(-1, dim))
            return g, None
        g = np.zeros(self.shape, gy.dtype)
        order = np.argsort(flat, kind="stable")
        sorted_ids = flat[order]
        starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]]) \
            if flat.size else np.zeros(0, np.int64)
        if flat.size:
            g[sorted_ids[starts]] = np.add.reduceat(gy.reshape(-1, dim)[order], starts, axis=0)
        return g, None


class Embedding(Layer):
    """Turns token ids into dense vectors: `outputs = embeddings[inputs]`.

    Args:
        input_dim: the vocabulary size (ids are 0 .. input_dim - 1).
        output_dim: the vector size.
        embeddings_initializer: defaults to "uniform" (U(-0.05, 0.05), Keras').
        embeddings_regularizer, activity_regularizer, embeddings_constraint: as Dense's.
        mask_zero: id 0 is padding: the output carries a mask `inputs != 0` that recurrent
            layers honour (so `input_dim` should count the padding id). Defaults to False.

    Shapes: any integer input (batch, ...) gives (batch, ..., output_dim); the weight
    `embeddings` (input_dim, output_dim), input_dim * output_dim parameters. An id outside
    [0, input_dim) is an error naming the layer.

    >>> import ember
    >>> layer = ember.layers.Embedding(1000, 64, mask_zero=True)
    >>> out = layer(ember.tensor([[4, 2, 0]], dtype="int64"))
    >>> out.shape, layer.count_params(), out._keras_mask.tolist()
    ((1, 3, 64), 64000, [[True, True, False]])
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 **kwargs):
        super().__init__(**kwargs)
        what = f"Embedding '{self.name}'"
        self.input_dim = positive_int(what, "input_dim", input_dim)
        self.output_dim = positive_int(what, "output_dim", output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.embeddings = None

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          name="embeddings",
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def _ids(self, inputs):
        ids = inputs.data if isinstance(inputs, Tensor) else np.asarray(inputs)
        if ids.dtype.kind == "f":
            if ids.size and not np.all(ids == np.round(ids)):
                raise ValueError(f"Embedding '{self.name}' expects integer token ids; received "
                                 f"non-integer values of dtype {ids.dtype}")
            ids = ids.astype(np.int64)
        elif ids.dtype.kind not in "iub":
            raise ValueError(f"Embedding '{self.name}' expects integer token ids; received "
                             f"dtype {ids.dtype}")
        if ids.size:
            lo, hi = int(ids.min()), int(ids.max())
            if lo < 0 or hi >= self.input_dim:
                bad = lo if lo < 0 else hi
                raise ValueError(f"Embedding '{self.name}': token ids must be in [0, input_dim) "
                                 f"= [0, {self.input_dim}); received id {bad} (ids range over "
                                 f"[{lo}, {hi}]). Raise input_dim to the vocabulary size.")
        return ids.astype(np.intp, copy=False)

    def call(self, inputs):
        ids = self._ids(inputs)
        out = _Gather.apply(self.embeddings, ids)
        if self.mask_zero:
            out._keras_mask = ids != 0
        return out

    def compute_mask(self, inputs, mask=None):
        """The mask `inputs != 0` when `mask_zero`, else None."""
        return self._ids(inputs) != 0 if self.mask_zero else None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def _output_dtype(self, leaves):
        return self.dtype

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero}


class Masking(Layer):
    """Masks the time steps whose features all equal `mask_value` (Keras' `Masking`).

    The output is the input with those steps zeroed, carrying the mask
    `any(inputs != mask_value, axis=-1)` (batch, time) for the layers that follow.

    Args:
        mask_value: the padding value. Defaults to 0.0.

    >>> import ember
    >>> out = ember.layers.Masking()(ember.tensor([[[1.0], [0.0], [2.0]]]))
    >>> out._keras_mask.tolist()
    [[True, False, True]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        x = inputs.data if isinstance(inputs, Tensor) else np.asarray(inputs)
        return np.any(x != self.mask_value, axis=-1)

    def call(self, inputs):
        x = cast_inputs(self, inputs)
        if x.ndim < 2:
            raise ValueError(f"Masking '{self.name}' expects inputs of rank >= 2 (batch, ..., "
                             f"features); received shape {x.shape}")
        keep = self.compute_mask(x)
        out = x * Tensor._wrap(keep[..., None].astype(x.dtype))
        out._keras_mask = keep
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
