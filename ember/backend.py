"""The array module behind a tensor, and the device modules ember knows.

The array module of a tensor decides where an op runs: ops ask `array_module(x)` for the module
their input belongs to (`numpy`, or `cupy` for arrays on an NVIDIA GPU) and build every array
from it, so the same op code runs on the host and on a device. A device module is registered
with `register_device_module`; CuPy registers itself the first time a CuPy array is seen or a
GPU is asked for, and the tests register a strict NumPy-backed stand-in through the same hook,
so the path that serves CuPy is exercised on machines without a GPU.

>>> import numpy as np
>>> from ember import backend
>>> backend.array_module(np.ones(2)) is np
True
>>> backend.to_host(np.ones(2))
array([1., 1.])
"""

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class DeviceModule:
    """A registered device array module.

    Attributes:
        name: the device kind it serves ("gpu").
        module: the NumPy-like module (`cupy`).
        array_type: the class of its arrays (`cupy.ndarray`).
        to_host: array -> numpy array (a copy).
        device_count: () -> the number of devices (raises or returns 0 when there is none).
        use: index -> a context manager that makes that device current (`cupy.cuda.Device`).
        default_rng: seed -> a generator with numpy Generator's `random`, `standard_normal`,
            `uniform`, `integers` (`cupy.random.default_rng`).
        scatter_add: (target, key, values) -> None, `np.add.at` on the device
            (`cupyx.scatter_add`).
        synchronize: () -> None, wait for the device's queued work (timing, memory figures).
    """

    name: str
    module: Any
    array_type: type
    to_host: Any
    device_count: Any = None
    use: Any = None
    default_rng: Any = None
    scatter_add: Any = None
    synchronize: Any = None


_REGISTRY = {}       # kind -> DeviceModule
_BY_TYPE = {}        # array class -> DeviceModule (the fast lookup of array_module)
_BY_MODULE = {}      # id(module) -> DeviceModule


def register_device_module(name, module, *, array_type, to_host, device_count=None, use=None,
                           default_rng=None, scatter_add=None, synchronize=None):
    """Make `module` the array module of device kind `name` (e.g. "gpu").

    CuPy is registered this way on first use; tests register a strict stand-in module to run
    the device paths on a CPU. A later registration of the same kind replaces the earlier one.
    Returns the `DeviceModule` record.
    """
    entry = DeviceModule(name, module, array_type, to_host, device_count, use, default_rng,
                         scatter_add, synchronize)
    unregister_device_module(name)
    _REGISTRY[name] = entry
    _BY_TYPE[array_type] = entry
    _BY_MODULE[id(module)] = entry
    return entry


def unregister_device_module(name):
    """Forget the module registered for device kind `name` (no-op when there is none)."""
    entry = _REGISTRY.pop(name, None)
    if entry is not None:
        _BY_TYPE.pop(entry.array_type, None)
        _BY_MODULE.pop(id(entry.module), None)
        _DEVICE_RNGS.clear()


def device_module(name):
    """The `DeviceModule` serving device kind `name`, registering CuPy for "gpu" on demand;
    None when nothing serves it (CuPy not installed)."""
    entry = _REGISTRY.get(name)
    if entry is None and name == "gpu":
        entry = _register_cupy()
    return entry


_IMPORT_ERRORS = {}  # kind -> why its module could not be imported (CuPy installed but broken)


def import_error(name):
    """Why the module serving device kind `name` failed to import although it is installed
    (an exception), or None (it imported, or it is simply not installed)."""
    return _IMPORT_ERRORS.get(name)


def _register_cupy():
    _IMPORT_ERRORS.pop("gpu", None)
    try:
        import cupy  # noqa: PLC0415  (optional: only imported when a GPU is asked for)
        import cupyx  # noqa: PLC0415
    except ImportError as e:
        if e.name not in ("cupy", "cupyx"):  # installed, but something it needs is missing
            _IMPORT_ERRORS["gpu"] = e
        return None
    except Exception as e:  # noqa: BLE001  (a broken CUDA setup can raise anything here)
        _IMPORT_ERRORS["gpu"] = e
        return None
    return register_device_module(
        "gpu", cupy, array_type=cupy.ndarray, to_host=cupy.asnumpy,
        device_count=cupy.cuda.runtime.getDeviceCount, use=cupy.cuda.Device,
        default_rng=cupy.random.default_rng, scatter_add=cupyx.scatter_add,
        synchronize=lambda: cupy.cuda.get_current_stream().synchronize(),
    )


def _entry_of(x):
    entry = _BY_TYPE.get(type(x))
    if entry is None and type(x).__module__.startswith("cupy"):
        _register_cupy()
        entry = _BY_TYPE.get(type(x))
    return entry


def array_module(*arrays):
    """Return the array module (`numpy`, or the device module such as `cupy`) of the first
    device array among `arrays`; `numpy` when there is none.

    >>> import numpy as np
    >>> from ember.backend import array_module
    >>> array_module(np.zeros(3), 2.0) is np
    True
    """
    for x in arrays:
        if type(x) is np.ndarray:
            continue
        entry = _entry_of(getattr(x, "data", x) if hasattr(x, "_ctx") else x)
        if entry is not None:
            return entry.module
    return np


def module_entry(xp):
    """The `DeviceModule` of array module `xp`; None for numpy."""
    return _BY_MODULE.get(id(xp))


def is_device_array(x):
    """True for an array of a registered device module (not a numpy array)."""
    return type(x) is not np.ndarray and _entry_of(x) is not None


def is_array(x):
    """True for a numpy array or a device array."""
    return isinstance(x, np.ndarray) or is_device_array(x)


def to_host(x):
    """`x` as a numpy array: device arrays are copied to the host; anything else goes through
    `np.asarray` (no copy for a numpy array)."""
    entry = None if type(x) is np.ndarray else _entry_of(x)
    if entry is not None:
        return entry.to_host(x)
    return np.asarray(x)


def as_array(x):
    """`x` unchanged when it is a numpy or device array, else `np.asarray(x)` (lists, scalars).

    >>> from ember.backend import as_array
    >>> as_array([1, 2])
    array([1, 2])
    """
    return x if type(x) is np.ndarray or is_device_array(x) else np.asarray(x)


def asarray(x, dtype=None, like=None, xp=None):
    """`x` as an array of `xp` (or of `like`'s module): host data is copied to the device,
    device data is copied back to the host when `xp` is numpy; same-module data is not copied.

    >>> import numpy as np
    >>> from ember.backend import asarray
    >>> asarray([1, 2], dtype="float32", like=np.zeros(1))
    array([1., 2.], dtype=float32)
    """
    if xp is None:
        xp = array_module(like) if like is not None else np
    if xp is np:
        return to_host(x) if dtype is None else to_host(x).astype(dtype, copy=False)
    if is_device_array(x) and array_module(x) is not xp:
        x = to_host(x)
    return xp.asarray(x, dtype=dtype)


def scatter_add(target, key, values):
    """target[key] += values, with repeated indices adding up (`np.add.at`) on the target's
    device (`cupyx.scatter_add` on a GPU)."""
    entry = None if type(target) is np.ndarray else _entry_of(target)
    if entry is None:
        np.add.at(target, key, values)
    else:
        entry.scatter_add(target, device_key(key, entry.module), values)


def device_key(key, xp):
    """An index key with its host index arrays copied to module `xp` (a no-op for numpy)."""
    if xp is np:
        return key
    if isinstance(key, tuple):
        return tuple(device_key(k, xp) for k in key)
    if type(key) is np.ndarray:
        return xp.asarray(key)
    return key


def synchronize(xp):
    """Wait for `xp`'s queued device work (nothing to wait for on the host)."""
    entry = module_entry(xp)
    if entry is not None and entry.synchronize is not None:
        entry.synchronize()


_DEVICE_RNGS = {}  # id(host generator) -> (host generator, device module id, device generator)


def device_generator(rng, xp):
    """The device generator paired with numpy Generator `rng` on module `xp` (`rng` itself
    for numpy).

    It is seeded once from `rng` (one 63-bit draw), so the same host seed gives the same device
    stream run after run; it is kept as long as `rng` lives, so consecutive calls continue one
    stream rather than restarting it.
    """
    if xp is np:
        return rng
    pair = _DEVICE_RNGS.get(id(rng))
    if pair is not None and pair[0] is rng and pair[1] == id(xp):
        return pair[2]
    entry = module_entry(xp)
    if entry is None or entry.default_rng is None:
        raise RuntimeError(f"no device generator is registered for array module {xp!r}")
    if len(_DEVICE_RNGS) > 4096:  # throwaway generators (seed=int per call) must not pile up
        _DEVICE_RNGS.clear()
    gen = entry.default_rng(int(rng.integers(2**63)))
    _DEVICE_RNGS[id(rng)] = (rng, id(xp), gen)
    return gen
