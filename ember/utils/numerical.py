"""Array helpers with Keras' names: `to_categorical` and `normalize`."""

import numpy as np


def to_categorical(x, num_classes=None):
    """One-hot encode integer class labels.

    Args:
        x: integer labels of any shape (a trailing axis of size 1 is dropped, as Keras).
        num_classes: defaults to max(x) + 1.

    Returns:
        float32 array of shape `x.shape + (num_classes,)`.

    >>> from ember.utils import to_categorical
    >>> to_categorical([0, 2, 1], 3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    """
    y = np.asarray(x)
    if y.dtype.kind == "f":
        if not np.all(y == np.round(y)):
            raise ValueError("to_categorical: labels must be integers; received non-integral "
                             "floats")
        y = y.astype(np.int64)
    if y.dtype.kind not in "iub":
        raise TypeError(f"to_categorical: labels must be integers; received dtype {y.dtype}")
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.size and y.min() < 0:
        raise ValueError(f"to_categorical: labels must be >= 0; received {int(y.min())}")
    n = int(y.max()) + 1 if num_classes is None and y.size else int(num_classes or 0)
    if y.size and y.max() >= n:
        raise ValueError(f"to_categorical: label {int(y.max())} is out of range for "
                         f"num_classes={n}")
    out = np.zeros(y.shape + (n,), dtype=np.float32)
    np.put_along_axis(out, y[..., None].astype(np.int64), 1.0, axis=-1)
    return out


def normalize(x, axis=-1, order=2):
    """Scale `x` to unit L-`order` norm along `axis` (zero vectors stay zero).

    >>> from ember.utils import normalize
    >>> normalize([[3.0, 4.0]])
    array([[0.6, 0.8]], dtype=float32)
    """
    arr = np.asarray(x)
    arr = arr.astype(np.float32) if arr.dtype.kind != "f" or arr.dtype == np.float64 else arr
    norm = np.linalg.norm(arr, ord=order, axis=axis, keepdims=True)
    return arr / np.where(norm == 0, 1, norm).astype(arr.dtype)
