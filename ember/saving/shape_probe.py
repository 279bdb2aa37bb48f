"""Check a model file's config against its stored tensors before allocating any weight.

`load_model` builds the model from `config.json`. A tampered or corrupt config (`units`
10**12, a huge vocabulary or kernel) would make that build allocate terabytes -- a
`MemoryError`, or worse, lazily committed pages and a process killed by the system. So the
config is first built *shape-only*: inside `shape_only_weights()`, `Layer.add_weight` makes
zero-stride, read-only views (`np.broadcast_to`) instead of arrays, in this thread only; no
initializer runs and no memory is taken whatever the shapes. The weight shapes of that probe
are compared with the shapes in the stored tensors' header; any difference refuses the file,
naming the weight, before the real build.

>>> import numpy as np
>>> from ember.layers import Dense
>>> with shape_only_weights():
...     layer = Dense(10**12)
...     layer.build((None, 10**6))
>>> layer.kernel.shape, layer.kernel.data.strides
((1000000, 1000000000000), (0, 0))
"""

import contextlib
import threading

import numpy as np

from ember.saving.errors import FileFormatError

_local = threading.local()
_install_lock = threading.Lock()
_installed = []


def _install():
    """Wrap `Layer.add_weight` once: shape-only in a thread inside `shape_only_weights()`,
    the original everywhere else."""
    from ember.layers.base import Layer  # noqa: PLC0415  (layers import saving)
    from ember.tensor import Variable  # noqa: PLC0415

    with _install_lock:
        if _installed:
            return
        original = Layer.add_weight

        def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                       regularizer=None, constraint=None, name=None, **kwargs):
            if not getattr(_local, "active", 0):
                return original(self, shape=shape, initializer=initializer, dtype=dtype,
                                trainable=trainable, regularizer=regularizer,
                                constraint=constraint, name=name, **kwargs)
            shape = () if shape is None else tuple(int(s) for s in shape)
            dtype = np.dtype(dtype or self.dtype)
            var = Variable.__new__(Variable)
            var.data = np.broadcast_to(np.zeros((), dtype), shape)
            var.grad, var._ctx = None, None
            var.name = f"{self.name}/{name or 'weight'}"
            var.trainable = bool(trainable and dtype.kind == "f")
            var.requires_grad = var.trainable
            var._regularizer, var._constraint = None, None
            self._weights_own.append(var)
            return var

        add_weight.__doc__ = original.__doc__
        add_weight.__wrapped__ = original
        Layer.add_weight = add_weight
        _installed.append(original)


@contextlib.contextmanager
def shape_only_weights():
    """Within the block (this thread only), new layer weights are zero-stride views."""
    _install()
    _local.active = getattr(_local, "active", 0) + 1
    try:
        yield
    finally:
        _local.active -= 1


def check_weight_shapes(build, stored, source):
    """Build with `build()` shape-only and compare its weights with `stored` (key -> array or
    anything with `.shape`/`.dtype`); raise FileFormatError naming `source` on a difference.

    Errors a shape-only build raises propagate unchanged (the real build would raise them
    too); a build that needs real data (a layer computing on its weights while building) is
    skipped, leaving the check to `assign_weights` after the real build.

    >>> from ember.layers import Dense, Input
    >>> from ember.models import Sequential
    >>> build = lambda: Sequential([Input(shape=(4,)), Dense(10**12)])
    >>> stored = {"layers/dense/vars/0": np.zeros((4, 3)), "layers/dense/vars/1": np.zeros(3)}
    >>> try:
    ...     check_weight_shapes(build, stored, "m.ember")
    ... except FileFormatError as e:
    ...     print(e.reason.split(": ")[1].split(";")[0])
    layers/dense/vars/0 has shape (4, 1000000000000) in the model but (4, 3) in the file
    """
    from ember.saving.weights import collect_weights  # noqa: PLC0415

    try:
        with shape_only_weights():
            probe = build()
            expected = {key: var.data for key, (_, var) in collect_weights(probe).items()}
    except (MemoryError, ValueError) as e:
        if isinstance(e, MemoryError) or "read-only" in str(e):
            return  # the build wrote into or computed on its weights: checked after the build
        raise
    if not getattr(probe, "built", True) or not expected:
        return  # an unbuilt subclassed model: its weights appear on the first call
    for key, arr in expected.items():
        if key in stored and tuple(stored[key].shape) != tuple(arr.shape):
            raise FileFormatError(source, f"config.json does not match the stored weights: "
                                          f"{key} has shape {tuple(arr.shape)} in the model but "
                                          f"{tuple(stored[key].shape)} in the file; refused "
                                          "before building")
    missing = [k for k in expected if k not in stored]
    missing_size = sum(int(np.prod(expected[k].shape, dtype=object)) for k in missing)
    stored_size = sum(int(np.prod(a.shape, dtype=object)) for a in stored.values())
    if missing_size > max(stored_size, 1 << 20):  # smaller: assign_weights names them all
        raise FileFormatError(source, f"config.json does not match the stored weights: "
                                      f"{len(missing)} weights in the config ({missing_size} "
                                      f"values) are not in the file, e.g. {missing[:3]}; "
                                      "refused before building")
