"""`pack_x_y_sample_weight` / `unpack_x_y_sample_weight`: the batch format of `fit`'s steps
(Keras' `keras.utils` functions of the same names).

A batch given to `train_step` / `test_step` / `predict_step` is `x`, `(x,)`, `(x, y)` or
`(x, y, sample_weight)`; a custom step unpacks it with `unpack_x_y_sample_weight(data)`.

>>> import ember
>>> data = ember.utils.pack_x_y_sample_weight([1, 2], [3, 4])
>>> ember.utils.unpack_x_y_sample_weight(data)
([1, 2], [3, 4], None)
"""


def unpack_x_y_sample_weight(data, where=None):
    """`(x, y, sample_weight)` from a batch: `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`
    (a list counts as a tuple); the missing parts are None.

    >>> import ember, numpy as np
    >>> x, y, sw = ember.utils.unpack_x_y_sample_weight((np.zeros(2), np.ones(2)))
    >>> y.tolist(), sw
    ([1.0, 1.0], None)
    >>> ember.utils.unpack_x_y_sample_weight(np.zeros(2))[1:]
    (None, None)

    A namedtuple is one `x` (a structure of inputs), not a batch tuple.

    Raises:
        ValueError: a tuple of more than 3 items (`where`, the calling function, prefixes the
            message).
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple) or hasattr(type(data), "_fields"):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    prefix = f"{where}: " if where else ""
    raise ValueError(f"{prefix}Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`; received a tuple of length {len(data)}: "
                     f"({', '.join(_leaf(v) for v in data)})")


def _leaf(value):
    shape = getattr(value, "shape", None)
    return type(value).__name__ if shape is None else f"{type(value).__name__}{tuple(shape)}"


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch tuple `fit` gives to `train_step`: `x` alone when there is no `y` (wrapped in
    a 1-tuple when `x` is itself a tuple or list of inputs, so that unpacking gives it back
    whole), else `(x, y)` or `(x, y, sample_weight)`.

    Keras wraps only a tuple `x` (its `isinstance(x, tuple or list)` reads `tuple`); ember
    also wraps a list, which unpacking would otherwise split into x and y.

    >>> import ember
    >>> ember.utils.pack_x_y_sample_weight("x"), ember.utils.pack_x_y_sample_weight(("a", "b"))
    ('x', (('a', 'b'),))
    >>> ember.utils.pack_x_y_sample_weight("x", "y", "w")
    ('x', 'y', 'w')
    """
    if y is None:
        return (x,) if isinstance(x, tuple | list) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


__all__ = ["pack_x_y_sample_weight", "unpack_x_y_sample_weight"]
