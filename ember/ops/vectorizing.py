"""Keras' `vectorize`: a Python function mapped over the elements (or core slices) of
tensors, with NumPy's broadcasting and gufunc signatures.

The loop runs in Python over the broadcast loop axes and the results are stacked with `stack`,
so gradients flow through whatever ember ops the function uses.
"""

import re

import numpy as np

from ember.ops.dtypes import as_tensor
from ember.ops.shaping import broadcast_to, getitem, reshape, stack


def _parse_signature(signature):
    m = re.fullmatch(r"\s*(.*?)\s*->\s*(.*?)\s*", signature)
    if m is None:
        raise ValueError(f"vectorize: signature must look like '(n),(n)->()'; received "
                         f"{signature!r}")

    def dims(side):
        return [tuple(d for d in g.split(",") if d.strip())
                for g in re.findall(r"\((.*?)\)", side)]

    ins, outs = dims(m.group(1)), dims(m.group(2))
    if len(outs) != 1:
        raise ValueError("vectorize: only signatures with one output are supported; received "
                         f"{signature!r}")
    return ins, outs[0]


def vectorize(pyfunc, *, excluded=None, signature=None):
    """Return a function applying `pyfunc` elementwise (or per core slice with `signature`).

    >>> import ember
    >>> f = ember.ops.vectorize(lambda a, b: a * b + 1)
    >>> f(ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0])).numpy()
    array([4., 9.], dtype=float32)
    """
    excluded = set(excluded or ())

    def wrapped(*args, **kwargs):
        pos = [i for i in range(len(args)) if i not in excluded]
        tensors = [as_tensor(args[i], "vectorize", f"args[{i}]") for i in pos]
        core = _parse_signature(signature)[0] if signature else [()] * len(tensors)
        if len(core) != len(tensors):
            raise ValueError(f"vectorize: signature {signature!r} takes {len(core)} inputs; "
                             f"received {len(tensors)}")
        loop_shapes = [t.shape[:t.ndim - len(c)] for t, c in zip(tensors, core)]
        loop = np.broadcast_shapes(*loop_shapes) if loop_shapes else ()
        tensors = [broadcast_to(t, loop + t.shape[t.ndim - len(c):])
                   for t, c in zip(tensors, core)]
        results = []
        for index in np.ndindex(*loop):
            call = list(args)
            for i, t in zip(pos, tensors):
                call[i] = getitem(t, index) if index else t
            results.append(as_tensor(pyfunc(*call, **kwargs), "vectorize", "pyfunc's result"))
        if not results:
            raise ValueError("vectorize: the broadcast inputs have no elements; the output "
                             "shape of pyfunc is unknown")
        if not loop:
            return results[0]
        out = stack(results)
        return reshape(out, loop + results[0].shape)

    return wrapped
