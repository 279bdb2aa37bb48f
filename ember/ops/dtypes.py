"""Argument conversion and Keras' dtype promotion for the ops of `ember.ops`.

Every op that takes array-likes converts them here (`as_tensor`, the door `convert_to_tensor`
uses), so that None, strings or object arrays fail with the op and the argument named.

Promotion follows Keras 3's lattice (JAX's): bool < ints < floats, an unsigned and a signed
integer meet in the next wider signed integer, an integer meets a float in that float, and
Python numbers are *weak* (they take the other operand's kind: `int32 tensor + 2.5` is float32,
`float16 tensor + 2.5` stays float16). Unlike Keras' torch backend ember keeps 64-bit results
(float64 in, float64 out), as NumPy and Keras' NumPy backend do.
"""

import builtins
import functools
import types

import numpy as np

from ember import backend, config
from ember.device import current_device
from ember.tensor import Tensor, to_array

_LATTICE = {
    "bool": ["int"],
    "uint8": ["int16", "uint16"], "uint16": ["int32", "uint32"], "uint32": ["int64", "uint64"],
    "uint64": ["float"],
    "int": ["uint8", "int8"],
    "int8": ["int16"], "int16": ["int32"], "int32": ["int64"], "int64": ["float"],
    "float": ["float16"], "float16": ["float32"], "float32": ["float64"], "float64": [],
}


def _upper_bounds():
    ub = {n: {n} for n in _LATTICE}
    for n in _LATTICE:
        while True:
            new = set().union(*(_LATTICE[b] for b in ub[n]))
            if new <= ub[n]:
                break
            ub[n] |= new
    return ub


_UB = _upper_bounds()


@functools.lru_cache(256)
def _lub(nodes):
    common = set.intersection(*(_UB[n] for n in nodes))
    least = (common & set(nodes)) or {c for c in common if common <= _UB[c]}
    (out,) = least
    return out


def _node(item):
    """(dtype name, weak) of a Tensor, array, dtype, Python number or Python type."""
    if isinstance(item, bool) or item is bool:
        return "bool", False
    if isinstance(item, int) or item is int:
        return "int", True
    if isinstance(item, float) or item is float:
        return "float", True
    if isinstance(item, Tensor | np.ndarray | np.generic):
        return item.dtype.name, False
    return np.dtype(item).name, False


def result_type(*items):
    """The dtype Keras' promotion gives `items` (tensors, arrays, dtypes or Python numbers).

    With no items, or only weak Python numbers, the result is `floatx()` for floats and int32
    for ints (Keras' defaults).

    >>> import numpy as np
    >>> result_type(np.int32, np.float16), result_type(np.ones(2, np.int8), 2.5)
    ('float16', 'float32')
    >>> result_type(np.uint8, np.int8), result_type(True, 3)
    ('int16', 'int32')
    """
    if not items:
        return config.floatx()
    nodes = [_node(i) for i in items]
    for name, _ in nodes:
        if name not in _LATTICE:
            raise TypeError(f"result_type: dtype {name!r} has no promotion in ember; "
                            f"received {[n for n, _ in nodes]}")
    strong = {n for n, w in nodes if not w}
    weak = {n for n, w in nodes if w}
    if strong:
        out = _lub(tuple(sorted(strong | weak)))
    else:
        out = _lub(tuple(sorted(weak)))
    if out == "float":
        return config.floatx()
    if out == "int":
        return "int32"
    return out


def as_tensor(x, op, arg="x", dtype=None, like=None):
    """`x` as a Tensor (Tensors pass through), or an error naming `op` and `arg`.

    Python and NumPy data follow `ember.tensor.to_array`: float64 data becomes `floatx()`,
    integers and bools keep their dtype; host data goes to the current device, or next to
    `like` (a Tensor or array) when that lives on a device. Device data stays where it is.

    >>> as_tensor([1, 2], "demo").dtype, as_tensor(2.5, "demo").dtype
    (dtype('int64'), dtype('float32'))
    """
    if isinstance(x, Tensor):
        x = x if dtype is None or x.dtype == np.dtype(dtype) else _cast(x, dtype)
        return _beside(x, like)
    if x is None:
        raise TypeError(f"{op}: argument `{arg}` must be a tensor or an array-like of numbers; "
                        "received None")
    if isinstance(x, str | bytes):
        raise TypeError(f"{op}: argument `{arg}` must be a tensor or an array-like of numbers; "
                        f"received the string {x!r}")
    try:
        return _beside(Tensor._wrap(to_array(x, dtype)), like)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{op}: argument `{arg}` must be a tensor or an array-like of numbers; "
                        f"received {type(x).__name__} ({e})") from None


def _beside(t, like):
    """Tensor `t` moved to the device of `like` (a Tensor, an array or an array module) when
    `t` is untracked host data and `like` lives on a device: a host operand next to a device
    one is copied there."""
    if like is None or t.requires_grad or t._ctx is not None:
        return t
    xp = like if isinstance(like, types.ModuleType) else backend.array_module(
        getattr(like, "data", like))
    if xp is not np and not backend.is_device_array(t.data):
        return Tensor._wrap(backend.asarray(t.data, xp=xp))
    return t


def _cast(x, dtype):
    from ember.ops.elementwise import cast  # noqa: PLC0415  (elementwise imports this module)

    return cast(x, dtype)


def promote(op, *args, names=None, to_float=False):
    """Tensors of one dtype: `args` converted and cast to their Keras result type.

    Python numbers take part in the promotion as weak types. `to_float` makes an integer or
    bool result `floatx()` (ops such as `sqrt` and `divide`).
    """
    names = names or [f"x{i + 1}" for i in range(len(args))]
    # NumPy float64 data becomes floatx (ember's rule) unless a float64 tensor takes part: then
    # it keeps its precision
    keep64 = builtins.any(isinstance(a, Tensor) and a.dtype == np.float64 for a in args)
    items = []
    for a, name in zip(args, names):
        if isinstance(a, bool | int | float) and not isinstance(a, np.generic):
            items.append(a)
        elif keep64 and isinstance(a, np.ndarray | np.generic) and a.dtype == np.float64:
            items.append(as_tensor(a, op, name, dtype=np.float64))
        else:
            items.append(as_tensor(a, op, name))
    dtype = result_type(*items)
    if to_float and np.dtype(dtype).kind != "f":
        dtype = config.floatx()
    # every operand on one device: host data goes next to a device operand; Python numbers
    # are made there (or on the current device when no operand is an array)
    tensors = [a for a in items if isinstance(a, Tensor)]
    xp = backend.array_module(*(t.data for t in tensors)) if tensors else current_device().xp
    out = []
    for a in items:
        if isinstance(a, Tensor):
            a = a if a.dtype == np.dtype(dtype) else _cast(a, dtype)
            out.append(_beside(a, xp))
        else:
            out.append(Tensor._wrap(backend.asarray(a, dtype=dtype, xp=xp)))
    return out


def float_tensor(x, op, arg="x"):
    """`x` as a float Tensor: integer and bool data become `floatx()` (Keras' rule for ops
    such as sin, exp or mean)."""
    x = as_tensor(x, op, arg)
    if x.dtype.kind != "f":
        return _cast(x, config.floatx())
    return x


def standardize_dtype(dtype):
    """A dtype argument as a NumPy dtype (None: floatx)."""
    if dtype is None:
        return np.dtype(config.floatx())
    if isinstance(dtype, Tensor):
        raise TypeError(f"dtype must be a dtype name, received a Tensor of shape {dtype.shape}")
    if dtype is int:
        return np.dtype("int32")
    if dtype is float:
        return np.dtype(config.floatx())
    return np.dtype(getattr(dtype, "name", dtype) if not isinstance(dtype, str) else dtype)
