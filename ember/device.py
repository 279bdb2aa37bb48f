"""Where new tensors and weights are created: `ember.device("gpu")`, Keras 3's `keras.device`.

`with ember.device("gpu"):` makes tensors, weights, optimizer slots and random generators created
inside the block live on the first GPU (through CuPy); "gpu:1" names the second card and "cpu"
comes back to the host. `ember.config.set_device("gpu")` sets the default for a whole script.
An op runs where its inputs live (`ember.backend.array_module`), so a model built on a GPU keeps
training there; `fit`, `evaluate` and `predict` copy NumPy inputs to the model's device batch by
batch, and `predict` returns NumPy.

Asking for a GPU without CuPy, or without a CUDA device, fails at once and says what is missing;
nothing falls back to the CPU silently.

>>> import ember
>>> with ember.device("cpu"):
...     x = ember.ones((2,))
>>> x.device, str(ember.device_of(x))
('cpu', 'cpu')
"""

import contextlib
import re
import sys
import threading
import types

import numpy as np

from ember import backend

INSTALL_HINT = (
    "install CuPy for the machine's CUDA: `pip install ember[gpu]`, or the CuPy wheel that "
    "matches it (`pip install cupy-cuda12x` for CUDA 12, `pip install cupy-cuda13x` for CUDA 13)"
)


class DeviceUnavailableError(RuntimeError):
    """A device was asked for that this machine cannot provide (no CuPy, no CUDA device, or
    an index past the number of devices)."""


class Device:
    """A resolved device: kind ("cpu" or "gpu"), index, and the array module serving it.

    >>> import ember
    >>> d = ember.device_of(ember.ones(1))
    >>> d.kind, d.index, d.xp.__name__
    ('cpu', 0, 'numpy')
    """

    __slots__ = ("kind", "index", "entry")

    def __init__(self, kind, index=0, entry=None):
        self.kind = kind
        self.index = index
        self.entry = entry

    @property
    def xp(self):
        """The array module of this device (numpy for the CPU)."""
        return np if self.entry is None else self.entry.module

    @property
    def is_cpu(self):
        return self.entry is None

    def __eq__(self, other):
        if isinstance(other, str):
            other = _parse(other)
            return (self.kind, self.index) == other
        return isinstance(other, Device) and (self.kind, self.index) == (other.kind, other.index)

    def __hash__(self):
        return hash((self.kind, self.index))

    def __str__(self):
        return "cpu" if self.kind == "cpu" else f"{self.kind}:{self.index}"

    def __repr__(self):
        return f"Device({str(self)!r})"


CPU = Device("cpu")


class _State(threading.local):
    """The `ember.device` blocks open in this thread (each thread has its own, as TensorFlow's
    device scopes are per thread); the default set by `set_device` is shared."""

    default = CPU

    def __init__(self):
        self.stack = []

    def __getitem__(self, key):  # `_state["stack"]`, `_state["default"]`
        return getattr(self, key)

    def __setitem__(self, key, value):
        if key == "default":
            type(self).default = value
        else:
            setattr(self, key, value)


_state = _State()

_NAME = re.compile(r"^/?(?:device:)?(cpu|gpu|cuda)(?::(\d+))?$")


def _parse(name):
    if not isinstance(name, str):
        raise TypeError(f"device: expected a device name such as 'cpu', 'gpu' or 'gpu:1', "
                        f"received {name!r}")
    m = _NAME.match(name.strip().lower())
    if m is None:
        raise ValueError(f"device: unknown device name {name!r}; expected 'cpu', 'gpu' or "
                         "'gpu:<index>' (Keras' names; 'cuda' is accepted for 'gpu')")
    kind = "gpu" if m.group(1) in ("gpu", "cuda") else "cpu"
    return kind, int(m.group(2) or 0)


def get_device(name):
    """Resolve a device name to a `Device`, checking that the machine has it.

    Raises:
        ValueError: the name is not "cpu", "gpu" or "gpu:<index>".
        DeviceUnavailableError: CuPy is not installed, no CUDA device was found, or the index
            is past the number of GPUs.

    >>> from ember.device import get_device
    >>> str(get_device("cpu:0"))
    'cpu'
    """
    if isinstance(name, Device):
        return name
    kind, index = _parse(name)
    if kind == "cpu":
        return CPU
    entry = backend.device_module(kind)
    broken = backend.import_error(kind) if entry is None else None
    if broken is not None:
        raise DeviceUnavailableError(
            f"device {name!r}: CuPy is installed but could not be imported "
            f"({type(broken).__name__}: {broken}); reinstall the CuPy wheel that matches the "
            f"machine's CUDA with its dependencies; {INSTALL_HINT}."
        )
    if entry is None:
        raise DeviceUnavailableError(
            f"device {name!r}: CuPy is not installed, and ember runs on a GPU through CuPy; "
            f"{INSTALL_HINT}."
        )
    try:
        count = int(entry.device_count()) if entry.device_count is not None else 1
    except Exception as e:  # cupy raises CUDARuntimeError when there is no driver or device
        raise DeviceUnavailableError(
            f"device {name!r}: CuPy is installed but no CUDA device could be used "
            f"({type(e).__name__}: {e}). Check the NVIDIA driver (`nvidia-smi`) and that the "
            f"CuPy wheel matches the machine's CUDA; {INSTALL_HINT}."
        ) from None
    if count == 0:
        raise DeviceUnavailableError(
            f"device {name!r}: CuPy is installed but found no CUDA device on this machine "
            "(check `nvidia-smi` and CUDA_VISIBLE_DEVICES)."
        )
    if index >= count:
        raise DeviceUnavailableError(
            f"device {name!r}: this machine has {count} GPU(s) (gpu:0 to gpu:{count - 1}); "
            f"received index {index}."
        )
    return Device(kind, index, entry)


def current_device():
    """The device new tensors and weights are created on (innermost `ember.device` block, else
    the default set by `ember.config.set_device`, else the CPU)."""
    stack = _state["stack"]
    return stack[-1] if stack else _state["default"]


def set_device(name):
    """Make `name` ("cpu", "gpu", "gpu:1") the default device of the whole script; raises at
    once when the machine cannot provide it. Returns the `Device`."""
    dev = get_device(name)
    _state["default"] = dev
    return dev


def device(name):
    """Create tensors, weights, optimizer slots and random generators on `name` inside the
    block (Keras 3's `keras.device`): "cpu", "gpu" (the first GPU), "gpu:1", ...

    The name is checked at the call, before any `with`: a device the machine cannot provide
    (no CuPy, no CUDA device) raises `DeviceUnavailableError` at once.

    >>> import ember
    >>> with ember.device("cpu"):
    ...     ember.zeros((2,)).device
    'cpu'
    """
    return _device_block(get_device(name))


@contextlib.contextmanager
def _device_block(dev):
    use = contextlib.nullcontext() if dev.entry is None or dev.entry.use is None \
        else dev.entry.use(dev.index)
    _state["stack"].append(dev)
    try:
        with use:
            yield dev
    finally:
        _state["stack"].pop()


def device_of(x):
    """The `Device` an array, a Tensor or a model's weights live on."""
    weights = getattr(x, "weights", None)
    if weights is not None and not hasattr(x, "_ctx"):
        if not weights:
            return getattr(x, "_device", None) or current_device()
        x = weights[0]
    data = getattr(x, "data", x)
    xp = backend.array_module(data)
    if xp is np:
        return CPU
    entry = backend.module_entry(xp)
    index = int(getattr(getattr(data, "device", None), "id", 0) or 0)
    return Device(entry.name, index, entry)


class _CallableModule(types.ModuleType):
    """`ember.device` is the function `device` (ember/__init__ binds it), yet tools that import
    this module by path (pytest's doctest collection, importlib) may rebind the package
    attribute to the module; calling the module then does what the function does."""

    def __call__(self, name):
        return device(name)


sys.modules[__name__].__class__ = _CallableModule
