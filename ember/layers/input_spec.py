"""`InputSpec`: what a layer accepts (rank, fixed axes, dtype), checked before each call."""


class InputSpec:
    """What a layer accepts: rank (`ndim`, `min_ndim`, `max_ndim`), fixed axes, dtype.

    Args:
        ndim, min_ndim, max_ndim: constraints on the rank, batch axis included.
        axes: dict mapping an axis (may be negative) to its required size.
        dtype: required dtype kind or name.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, name=None):
        self.dtype = dtype
        self.shape = shape
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        self.name = name

    def check(self, layer, shape, index=0):
        """Raise a Keras-style error naming the layer when `shape` does not fit."""
        where = f"Input {index} of layer '{layer.name}' is incompatible with the layer"
        rank = len(shape)
        if self.ndim is not None and rank != self.ndim:
            raise ValueError(f"{where}: expected ndim={self.ndim}, found ndim={rank}. "
                             f"Full shape received: {tuple(shape)}")
        if self.min_ndim is not None and rank < self.min_ndim:
            raise ValueError(f"{where}: expected min_ndim={self.min_ndim}, found "
                             f"ndim={rank}. Full shape received: {tuple(shape)}")
        if self.max_ndim is not None and rank > self.max_ndim:
            raise ValueError(f"{where}: expected max_ndim={self.max_ndim}, found "
                             f"ndim={rank}. Full shape received: {tuple(shape)}")
        for axis, size in self.axes.items():
            a = axis if axis >= 0 else rank + axis
            if size is not None and 0 <= a < rank and shape[a] not in (None, size):
                raise ValueError(f"{where}: expected axis {axis} of input shape to have value "
                                 f"{size}, but received input with shape {tuple(shape)}")
        if self.shape is not None:
            for a, (want, got) in enumerate(zip(self.shape, shape)):
                if want is not None and got is not None and want != got:
                    raise ValueError(f"{where}: expected shape={tuple(self.shape)}, found "
                                     f"shape={tuple(shape)} (axis {a})")
