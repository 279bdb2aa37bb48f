"""A strict NumPy-backed stand-in for CuPy: proves on a CPU that no ember op leaves the device.

`DeviceArray` wraps a numpy array the way `cupy.ndarray` wraps GPU memory, and is as strict as
CuPy about the host boundary:

- implicit conversion to NumPy refuses (`np.asarray(d)`, `np.array(d)`, writing `d` into a host
  array, NumPy stride tricks on `d`): `__array__` raises `DeviceLeak`, as CuPy raises TypeError;
- NumPy functions and ufuncs called on device arrays dispatch to the stand-in module, as they
  dispatch to CuPy (`__array_function__`, `__array_ufunc__`), and their results stay on the
  device; mixing a host float or bool array into a device computation refuses (CuPy: TypeError).
  Host integer arrays are accepted where they index or give sizes (keys, pad widths, split
  points), as CuPy accepts them;
- `ufunc.at` (`np.add.at`) refuses: scatter-adds go through `ember.backend.scatter_add`
  (`cupyx.scatter_add` on a GPU);
- every array records the function that created it (`origin`), and every refused conversion is
  appended to `LEAKS`, so a test can say where an op left the device.

The module object `xp` exposes NumPy's namespace (constructors, functions, ufuncs, `random`,
`linalg`, `lib.stride_tricks`) over `DeviceArray`s; `xp.asarray(host)` and `xp.asnumpy(d)` are the
explicit copies (cupy.asarray / cupy.asnumpy). `register()` makes it ember's "gpu" module through
`ember.backend.register_device_module`, the hook CuPy itself goes through.
"""

import types

import numpy as np

from ember import backend

LEAKS = []


class DeviceLeak(TypeError):
    """A device array was converted to NumPy implicitly (CuPy raises TypeError there)."""


def _leak(msg):
    LEAKS.append(msg)
    raise DeviceLeak(f"stand-in device: {msg}")


_HOST_VIEWS = {"data", "ctypes", "tofile", "tobytes", "dump", "dumps"}


class DeviceArray:
    """A device array: a numpy array that refuses to become one implicitly."""

    __slots__ = ("_a", "origin")
    __array_priority__ = 1000

    def __init__(self, a, origin="?"):
        self._a = a
        self.origin = origin

    # ------------------------------------------------------------ the host boundary
    def __array__(self, dtype=None, copy=None):
        _leak(f"implicit conversion of a device array (made by {self.origin}, shape "
              f"{self._a.shape}) to a NumPy array")

    def get(self):
        """An explicit copy to the host (cupy.ndarray.get)."""
        return self._a.copy()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "at":
            _leak(f"np.{ufunc.__name__}.at on a device array (use ember.backend.scatter_add)")
        where = f"np.{ufunc.__name__}.{method}" if method != "__call__" else f"np.{ufunc.__name__}"
        args = _unwrap(inputs, where, strict=True)
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = _unwrap(out, where + " out=")
        if "where" in kwargs:
            kwargs["where"] = _unwrap(kwargs["where"], where + " where=")
        result = getattr(ufunc, method)(*args, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _wrap(result, where)

    def __array_function__(self, func, types_, args, kwargs):
        name = getattr(func, "__name__", str(func))
        if name in _REFUSED_FUNCTIONS:
            _leak(f"np.{name} on a device array")
        where = f"np.{name}"
        strict = name not in _INDEX_ARGS
        return _wrap(func(*_unwrap(args, where, strict), **_unwrap(kwargs, where, strict)), where)

    # ------------------------------------------------------------ ndarray surface
    @property
    def shape(self):
        return self._a.shape

    @property
    def dtype(self):
        return self._a.dtype

    @property
    def ndim(self):
        return self._a.ndim

    @property
    def size(self):
        return self._a.size

    @property
    def itemsize(self):
        return self._a.itemsize

    @property
    def nbytes(self):
        return self._a.nbytes

    @property
    def strides(self):
        return self._a.strides

    @property
    def flags(self):
        return self._a.flags

    @property
    def T(self):
        return DeviceArray(self._a.T, "ndarray.T")

    @property
    def device(self):
        return _Device(0)

    @property
    def base(self):
        return None if self._a.base is None else DeviceArray(self._a.base, "ndarray.base")

    def __getattr__(self, name):
        if name.startswith("__") or name in _HOST_VIEWS:
            # __array_interface__, __array_struct__, buffers: the ways NumPy would read the
            # memory without asking; a device array has none of them
            raise AttributeError(f"stand-in device array has no attribute {name!r}")
        attr = getattr(self._a, name)
        if not callable(attr):
            return _wrap(attr, f"ndarray.{name}")
        where = f"ndarray.{name}"

        def method(*args, **kwargs):
            if name in ("tolist", "item"):
                return attr(*args, **kwargs)  # explicit host scalars, as in CuPy
            return _wrap(attr(*_unwrap(args, where), **_unwrap(kwargs, where)), where)

        return method

    def __getitem__(self, key):
        return _wrap(self._a[_unwrap_key(key)], "ndarray.__getitem__")

    def __setitem__(self, key, value):
        self._a[_unwrap_key(key)] = _unwrap(value, "ndarray.__setitem__")

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        return bool(self._a)

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __index__(self):
        return self._a.__index__()

    def __complex__(self):
        return complex(self._a)

    def __repr__(self):
        return f"DeviceArray({self._a!r}, origin={self.origin!r})"

    def __copy__(self):
        return DeviceArray(self._a.copy(), "copy")

    def __deepcopy__(self, memo):
        return DeviceArray(self._a.copy(), "deepcopy")

    def __reduce__(self):
        _leak("pickling a device array")


class _Device:
    __slots__ = ("id",)

    def __init__(self, i):
        self.id = i


def _defers(other):
    """NumPy's rule: an operand with `__array_ufunc__ = None` (ember's Tensor) handles the
    operator itself."""
    return getattr(type(other), "__array_ufunc__", False) is None


def _binary(ufunc):
    def op(self, other):
        if _defers(other):
            return NotImplemented
        return self.__array_ufunc__(ufunc, "__call__", self, other)

    def rop(self, other):
        if _defers(other):
            return NotImplemented
        return self.__array_ufunc__(ufunc, "__call__", other, self)

    def iop(self, other):
        return self.__array_ufunc__(ufunc, "__call__", self, other, out=(self,))

    return op, rop, iop


for _name, _uf in [("add", np.add), ("sub", np.subtract), ("mul", np.multiply),
                   ("truediv", np.true_divide), ("floordiv", np.floor_divide),
                   ("mod", np.remainder), ("pow", np.power), ("matmul", np.matmul),
                   ("and", np.bitwise_and), ("or", np.bitwise_or), ("xor", np.bitwise_xor),
                   ("lshift", np.left_shift), ("rshift", np.right_shift)]:
    _op, _rop, _iop = _binary(_uf)
    setattr(DeviceArray, f"__{_name}__", _op)
    setattr(DeviceArray, f"__r{_name}__", _rop)
    setattr(DeviceArray, f"__i{_name}__", _iop)
for _name, _uf in [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less),
                   ("le", np.less_equal), ("gt", np.greater), ("ge", np.greater_equal)]:
    setattr(DeviceArray, f"__{_name}__", _binary(_uf)[0])
for _name, _uf in [("neg", np.negative), ("pos", np.positive), ("abs", np.absolute),
                   ("invert", np.invert)]:
    setattr(DeviceArray, f"__{_name}__",
            lambda self, _uf=_uf: self.__array_ufunc__(_uf, "__call__", self))
DeviceArray.__hash__ = None

# NumPy functions whose point is host memory (CuPy has its own versions under xp.lib)
_REFUSED_FUNCTIONS = {"save", "savez", "savez_compressed", "savetxt", "tofile"}


# functions whose host integer-array arguments are sizes or split points, not data (CuPy
# reads those on the host too)
_INDEX_ARGS = {"pad", "split", "array_split", "reshape", "broadcast_to", "transpose", "tile",
               "moveaxis", "expand_dims", "squeeze", "sum", "mean", "max", "min"}


def _unwrap(obj, where, strict=True):
    """Device arrays -> their numpy data; host arrays refused as data (CuPy: TypeError).
    With `strict` False, host integer arrays pass (sizes, split points)."""
    if isinstance(obj, DeviceArray):
        return obj._a
    if type(obj) is np.ndarray:
        if strict or obj.dtype.kind not in "iu":
            _leak(f"{where} mixes a host {obj.dtype} array of shape {obj.shape} into a device "
                  "computation")
        return obj
    if isinstance(obj, list | tuple):
        return type(obj)(_unwrap(o, where, strict) for o in obj)
    if isinstance(obj, dict):
        return {k: _unwrap(v, where, strict) for k, v in obj.items()}
    return obj


def _unwrap_key(key):
    """Index keys may hold host integer/bool arrays (CuPy copies them to the device)."""
    if isinstance(key, DeviceArray):
        return key._a
    if isinstance(key, tuple):
        return tuple(_unwrap_key(k) for k in key)
    return key


def _wrap(obj, where):
    if type(obj) is np.ndarray:
        return DeviceArray(obj, where)
    if isinstance(obj, np.generic):  # CuPy reductions give 0-d device arrays, not scalars
        return DeviceArray(np.asarray(obj), where)
    if isinstance(obj, list | tuple) and obj and any(
            type(o) is np.ndarray or isinstance(o, np.generic) for o in obj):
        items = [_wrap(o, where) for o in obj]
        # named tuples (np.linalg's SlogdetResult, EighResult, ...) take their fields apart
        return type(obj)(*items) if hasattr(obj, "_fields") else type(obj)(items)
    return obj


# ------------------------------------------------------------------ the module
class _Ufunc:
    """A NumPy ufunc over device arrays (call, reduce, accumulate, outer; no `at`)."""

    def __init__(self, uf):
        self._uf = uf
        self.__name__ = uf.__name__

    def __call__(self, *args, **kwargs):
        return _call_ufunc(self._uf, "__call__", args, kwargs)

    def reduce(self, *args, **kwargs):
        return _call_ufunc(self._uf, "reduce", args, kwargs)

    def accumulate(self, *args, **kwargs):
        return _call_ufunc(self._uf, "accumulate", args, kwargs)

    def outer(self, *args, **kwargs):
        return _call_ufunc(self._uf, "outer", args, kwargs)

    def __getattr__(self, name):
        if name == "at":
            _leak(f"xp.{self.__name__}.at (use ember.backend.scatter_add)")
        return getattr(self._uf, name)


def _call_ufunc(uf, method, args, kwargs):
    where = f"xp.{uf.__name__}"
    out = kwargs.get("out")
    if out is not None:
        out = out if isinstance(out, tuple) else (out,)
        kwargs["out"] = tuple(_unwrap(o, where + " out=") for o in out)
    for k in ("where",):
        if k in kwargs:
            kwargs[k] = _unwrap(kwargs[k], where)
    result = getattr(uf, method)(*_unwrap(args, where), **kwargs)
    if out is not None:
        return out[0] if len(out) == 1 else out
    return _wrap(result, where)


# explicit host -> device copies (cupy.asarray, cupy.array): host data accepted
_TRANSFER = {"asarray", "array", "ascontiguousarray", "asanyarray", "asfortranarray"}


def _function(name, fn):
    where = f"xp.{name}"

    def call(*args, **kwargs):
        if name in _TRANSFER:
            args = tuple(a._a if isinstance(a, DeviceArray) else a for a in args)
        else:
            args = _unwrap(args, where)
        kwargs = _unwrap(kwargs, where)
        kwargs.pop("like", None)
        result = fn(*args, **kwargs)
        if name in _TRANSFER and type(result) is np.ndarray and args and result is args[0]:
            result = result.copy()  # a device copy never aliases host memory
        return _wrap(result, where)

    call.__name__ = name
    return call


class _Namespace(types.ModuleType):
    """NumPy's namespace `src` over device arrays."""

    def __init__(self, name, src):
        super().__init__(name)
        self._src = src

    def __getattr__(self, name):
        attr = getattr(self._src, name)
        if isinstance(attr, np.ufunc):
            value = _Ufunc(attr)
        elif isinstance(attr, type) or not callable(attr):
            if isinstance(attr, types.ModuleType):
                value = _Namespace(f"{self.__name__}.{name}", attr)
            else:
                value = attr
        else:
            value = _function(name, attr)
        setattr(self, name, value)
        return value


class _Generator:
    """A device random generator (cupy.random.Generator): numpy's Generator, results on the
    device."""

    def __init__(self, seed):
        self._g = np.random.default_rng(seed)

    def __getattr__(self, name):
        fn = getattr(self._g, name)

        def draw(*args, **kwargs):
            return _wrap(fn(*_unwrap(args, f"random.{name}"), **kwargs), f"random.{name}")

        return draw


def _as_strided(x, shape=None, strides=None, **kwargs):
    """cupy.lib.stride_tricks.as_strided: a strided view of a device array."""
    if not isinstance(x, DeviceArray):
        _leak("xp.lib.stride_tricks.as_strided on a host array")
    view = np.lib.stride_tricks.as_strided(x._a, shape, strides, **kwargs)
    return DeviceArray(view, "lib.stride_tricks.as_strided")


def _sliding_window_view(x, *args, **kwargs):
    if not isinstance(x, DeviceArray):
        _leak("xp.lib.stride_tricks.sliding_window_view on a host array")
    view = np.lib.stride_tricks.sliding_window_view(x._a, *args, **kwargs)
    return DeviceArray(view, "lib.stride_tricks.sliding_window_view")


def scatter_add(target, key, values):
    """cupyx.scatter_add: target[key] += values with repeated indices adding up."""
    np.add.at(_unwrap(target, "scatter_add"), _unwrap_key(key), _unwrap(values, "scatter_add"))


def asnumpy(x):
    """cupy.asnumpy: an explicit device -> host copy."""
    return x.get() if isinstance(x, DeviceArray) else np.asarray(x)


xp = _Namespace("standin", np)
xp.ndarray = DeviceArray
xp.asnumpy = asnumpy
xp.random = types.SimpleNamespace(default_rng=_Generator)
xp.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(
    as_strided=_as_strided, sliding_window_view=_sliding_window_view))


def register(name="gpu", count=2):
    """Make the stand-in ember's device module for kind `name` (`count` fake devices)."""
    return backend.register_device_module(
        name, xp, array_type=DeviceArray, to_host=asnumpy, device_count=lambda: count,
        default_rng=_Generator, scatter_add=scatter_add)


def unregister(name="gpu"):
    backend.unregister_device_module(name)


def on_device(x):
    """True when `x` (an array or a Tensor) is a stand-in device array."""
    return isinstance(getattr(x, "data", x), DeviceArray)
