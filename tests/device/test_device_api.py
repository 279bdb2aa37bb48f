"""The user's side of devices on a machine without a GPU: `ember.device(...)`,
`ember.config.set_device`, the errors that say what is missing, tensors and generators created
on the current device, and conversions back to NumPy."""

import builtins
import os
import sys

import numpy as np
import pytest

import ember
from ember import backend
from ember.backend import is_device_array
from ember.device import DeviceUnavailableError, current_device, get_device
from ember.ops.dropout import dropout


@pytest.fixture
def no_gpu_module(monkeypatch):
    """No device module registered and CuPy not importable (whatever this machine has)."""
    backend.unregister_device_module("gpu")
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "cupy" or name.startswith("cupy.") or name == "cupyx":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.delitem(sys.modules, "cupy", raising=False)


def test_without_cupy_asking_for_a_gpu_fails_at_once_and_says_what_to_install(no_gpu_module):
    for ask in (lambda: ember.device("gpu").__enter__(), lambda: ember.config.set_device("gpu"),
                lambda: get_device("gpu:1")):
        with pytest.raises(DeviceUnavailableError) as e:
            ask()
        msg = str(e.value)
        assert "CuPy is not installed" in msg
        assert "pip install ember[gpu]" in msg
        assert "cupy-cuda12x" in msg and "cupy-cuda13x" in msg
    assert str(current_device()) == "cpu"  # nothing fell back or half-switched


REAL_GPU = os.environ.get("EMBER_TEST_GPU") == "1"
standin_only = pytest.mark.skipif(REAL_GPU, reason="counts the stand-in's two devices or "
                                  "replaces the registered module")


def test_a_cupy_that_fails_to_import_is_reported_as_broken_not_missing(monkeypatch):
    backend.unregister_device_module("gpu")
    real_import = builtins.__import__

    def broken_import(name, *args, **kwargs):
        if name == "cupy":
            raise ModuleNotFoundError("No module named 'cuda'", name="cuda")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", broken_import)
    monkeypatch.delitem(sys.modules, "cupy", raising=False)
    monkeypatch.setattr(backend, "_IMPORT_ERRORS", {})
    with pytest.raises(DeviceUnavailableError, match="CuPy is installed but could not be "
                                                     "imported.*No module named 'cuda'"):
        get_device("gpu")


@standin_only
def test_with_cupy_but_no_cuda_device_the_message_says_so():
    def no_driver():
        raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    class FakeArray:
        pass

    backend.register_device_module("gpu", object(), array_type=FakeArray, to_host=np.asarray,
                                   device_count=no_driver)
    with pytest.raises(DeviceUnavailableError, match="no CUDA device could be used.*"
                                                     "cudaErrorNoDevice"):
        ember.device("gpu").__enter__()
    backend.register_device_module("gpu", object(), array_type=FakeArray, to_host=np.asarray,
                                   device_count=lambda: 0)
    with pytest.raises(DeviceUnavailableError, match="found no CUDA device"):
        ember.config.set_device("gpu")


@standin_only
def test_device_names_follow_keras():
    assert str(get_device("gpu")) == "gpu:0"
    assert str(get_device("gpu:1")) == "gpu:1"
    assert str(get_device("cuda:1")) == "gpu:1"
    assert str(get_device("cpu")) == "cpu" and str(get_device("CPU:0")) == "cpu"
    with pytest.raises(DeviceUnavailableError, match=r"2 GPU\(s\).*received index 2"):
        get_device("gpu:2")  # the stand-in has two devices
    with pytest.raises(ValueError, match="unknown device name 'tpu'"):
        ember.device("tpu").__enter__()
    with pytest.raises(TypeError, match="device name"):
        get_device(0)


@pytest.mark.host_array_ok
def test_tensors_are_created_on_the_current_device_and_cpu_comes_back():
    assert ember.ones(2).device == "cpu"
    with ember.device("gpu"):
        a = ember.tensor([1.0, 2.0])
        z = ember.zeros((2, 2))
        v = ember.Variable([3.0])
        assert is_device_array(a.data) and is_device_array(z.data) and is_device_array(v.data)
        assert a.device == "gpu:0" and ember.config.get_device() == "gpu:0"
        with ember.device("cpu"):
            assert type(ember.ones(2).data) is np.ndarray
        b = a * 2 + 1
        assert is_device_array(b.data)
    assert type(ember.ones(2).data) is np.ndarray
    # the values come back to NumPy only when asked: numpy(), np.asarray, repr, item
    assert type(b.numpy()) is np.ndarray and b.numpy().tolist() == [3.0, 5.0]
    assert np.asarray(b).tolist() == [3.0, 5.0]
    assert "3., 5." in repr(b)
    assert float(b[1]) == 5.0


def test_set_device_sets_the_default_for_the_script():
    ember.config.set_device("gpu")
    try:
        assert is_device_array(ember.ones(1).data)
        with ember.device("cpu"):
            assert type(ember.ones(1).data) is np.ndarray
    finally:
        ember.config.set_device("cpu")
    assert type(ember.ones(1).data) is np.ndarray


def test_a_variable_stays_on_its_device_when_assigned_host_values():
    with ember.device("gpu"):
        v = ember.Variable(np.zeros(3, np.float32))
    v.assign(np.ones(3))
    v.assign_add([1.0, 1.0, 1.0])
    assert is_device_array(v.data) and v.numpy().tolist() == [2.0, 2.0, 2.0]


def test_host_arrays_next_to_device_tensors_are_copied_to_the_device():
    with ember.device("gpu"):
        x = ember.tensor([1.0, 2.0])
    y = x + np.array([1.0, 1.0])
    assert is_device_array(y.data) and y.numpy().tolist() == [2.0, 3.0]
    assert is_device_array((x < np.array([1.5, 1.5])).data)


def test_the_device_generator_is_seeded_from_the_host_one():
    with ember.device("gpu"):
        x = ember.ones((4, 50))
    a = dropout(x, 0.5, seed=3).numpy()
    b = dropout(x, 0.5, seed=3).numpy()
    c = dropout(x, 0.5, seed=4).numpy()
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert set(np.unique(a).tolist()) == {0.0, 2.0}
    # the global generator: set_random_seed repeats a run, and successive calls differ
    ember.utils.set_random_seed(7)
    first = [dropout(x, 0.5).numpy() for _ in range(2)]
    ember.utils.set_random_seed(7)
    second = [dropout(x, 0.5).numpy() for _ in range(2)]
    assert all(np.array_equal(p, q) for p, q in zip(first, second))
    assert not np.array_equal(first[0], first[1])


def test_array_module_follows_the_data():
    with ember.device("gpu") as dev:
        t = ember.ones(2)
    assert backend.array_module(t) is dev.xp
    assert backend.array_module(t.data) is dev.xp
    assert backend.array_module(np.ones(2), t.data) is dev.xp
    assert backend.array_module(np.ones(2), 1.0) is np
    assert str(ember.device_of(t)) == "gpu:0"


def test_device_blocks_are_per_thread_and_the_default_is_shared():
    import threading

    seen = []

    def worker():
        seen.append(str(current_device()))

    with ember.device("gpu"):
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    ember.config.set_device("gpu")
    try:
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    finally:
        ember.config.set_device("cpu")
    assert seen == ["cpu", "gpu:0"]
