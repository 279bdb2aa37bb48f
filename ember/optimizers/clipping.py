"""Gradient clipping as Keras does it: by value, by each gradient's norm, by the global norm.

All three work on plain ndarrays and return new arrays (the caller's gradients are never
written to); a gradient keeps its dtype.

>>> import numpy as np
>>> from ember.optimizers.clipping import clip_by_global_norm, clip_by_norm
>>> clip_by_norm(np.array([3.0, 4.0], dtype=np.float32), 1.0)
array([0.6, 0.8], dtype=float32)
>>> [g.tolist() for g in clip_by_global_norm([np.float32([3.0]), np.float32([4.0])], 1.0)]
[[0.6000000238418579], [0.800000011920929]]
"""

import math

import numpy as np


def l2_norm(g):
    """`sqrt(sum(g ** 2))` of one array, as a Python float, without float32 overflow.

    The squares are summed after dividing by `max|g|`, so a gradient with entries near 1e20
    (an exploding gradient, exactly when clipping matters) still has a finite norm in float32.
    A gradient holding inf or NaN has an inf or NaN norm.
    """
    if g.size == 0:
        return 0.0
    top = float(np.max(np.abs(g)))
    if top == 0.0 or not math.isfinite(top):
        return top
    s = (g / g.dtype.type(top)).ravel()
    return top * math.sqrt(float(np.dot(s, s)))


def global_norm(grads):
    """`sqrt(sum_i ||g_i||^2)` over a list of arrays (None entries skipped), as a Python float.

    >>> import numpy as np
    >>> global_norm([np.float32([3.0]), None, np.float32([4.0])])
    5.0
    """
    norms = [l2_norm(g) for g in grads if g is not None]
    if not norms:
        return 0.0
    top = max(norms)
    if top == 0.0 or not math.isfinite(top):
        return top
    return top * math.sqrt(sum((n / top) ** 2 for n in norms))


def clip_by_value(g, clipvalue):
    """Each element clipped to `[-clipvalue, clipvalue]`.

    >>> import numpy as np
    >>> clip_by_value(np.float32([-3.0, 0.5, 2.0]), 1.0)
    array([-1. ,  0.5,  1. ], dtype=float32)
    """
    return np.clip(g, -clipvalue, clipvalue).astype(g.dtype, copy=False)


def clip_by_norm(g, clipnorm):
    """`g * clipnorm / max(||g||, clipnorm)`: rescaled only when its L2 norm exceeds `clipnorm`."""
    return g * (clipnorm / max(l2_norm(g), clipnorm))


def clip_by_global_norm(grads, clipnorm):
    """All gradients scaled by `clipnorm / max(global_norm, clipnorm)` (one common factor).

    As in Keras, a non-finite global norm makes every clipped gradient NaN rather than
    silently rescaling by zero, so a blown-up step is visible (for example to TerminateOnNaN).
    """
    norm = global_norm(grads)
    if not math.isfinite(norm):
        scale = math.nan
    else:
        scale = clipnorm / max(norm, clipnorm)
    return [None if g is None else g * scale for g in grads]
