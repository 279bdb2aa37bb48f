"""Device tests run on the strict stand-in module (tests/device/standin.py), registered as
ember's "gpu" for each test, unless EMBER_TEST_GPU=1, when they run on a real GPU through CuPy
(`EMBER_TEST_GPU=1 python -m pytest tests/device`, what benchmarks/gpu_check.sh does)."""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from ember import backend
from ember.device import CPU
from ember.device import _state as device_state
from ember.tensor import Tensor

REAL_GPU = os.environ.get("EMBER_TEST_GPU") == "1"
# host against device: the stand-in runs NumPy itself (agreement to rounding); a GPU is held
# to RELIABILITY.md's float32 tolerances (forward 1e-6/1e-3, gradients 1e-4/1e-3)


def _load_standin():
    name = "ember_device_standin"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("standin.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


standin = _load_standin()


@pytest.fixture(autouse=True)
def gpu():
    """ember's "gpu" device for the test: the stand-in (or CuPy under EMBER_TEST_GPU=1).
    Yields the array module."""
    saved = backend._REGISTRY.get("gpu")
    if REAL_GPU:
        entry = backend.device_module("gpu")
        assert entry is not None, "EMBER_TEST_GPU=1 but CuPy is not installed"
        saved = entry
    else:
        standin.register()
        standin.LEAKS.clear()
    try:
        yield backend.device_module("gpu").module
    finally:
        backend.unregister_device_module("gpu")
        if saved is not None:
            backend.register_device_module(
                "gpu", saved.module, array_type=saved.array_type, to_host=saved.to_host,
                device_count=saved.device_count, use=saved.use, default_rng=saved.default_rng,
                scatter_add=saved.scatter_add, synchronize=saved.synchronize)
        device_state["stack"].clear()
        device_state["default"] = CPU


def on_device(x):
    """True when `x` (an array or a Tensor) lives on the test's device module."""
    return backend.is_device_array(getattr(x, "data", x))


@pytest.fixture(autouse=True)
def _no_swallowed_leaks(gpu, request, monkeypatch):
    """A conversion refused by the stand-in and then caught by ember code is still a leak; so
    is `np.asarray(tensor)` on a device tensor inside ember (Tensor.__array__ copies to the
    host, which a user may ask for but an op, layer or training loop must not)."""
    if not REAL_GPU and request.node.get_closest_marker("host_array_ok") is None:
        original = Tensor.__array__

        def recording(self, dtype=None, copy=None):
            if backend.is_device_array(self.data):
                standin.LEAKS.append(f"Tensor.__array__ on a device tensor of shape {self.shape}")
            return original(self, dtype, copy)

        monkeypatch.setattr(Tensor, "__array__", recording)
    yield
    if not REAL_GPU:
        assert not standin.LEAKS, f"device leaks caught and swallowed: {standin.LEAKS[:3]}"


def pytest_configure(config):
    config.addinivalue_line("markers", "host_array_ok: the test converts device tensors with "
                            "np.asarray on purpose")
