"""The malloc tuning used by the training loop: applied once, and off with the environment."""

import platform

import pytest

from ember.models import allocator


@pytest.fixture
def fresh_state(monkeypatch):
    monkeypatch.setattr(allocator, "_state", {"done": False, "applied": False})


def test_the_environment_switches_it_off(fresh_state, monkeypatch):
    monkeypatch.setenv("EMBER_MALLOC_TUNING", "0")
    assert allocator.keep_freed_memory() is False
    monkeypatch.delenv("EMBER_MALLOC_TUNING")
    assert allocator.keep_freed_memory() is False  # decided once per process


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_applied_once_on_glibc(fresh_state, monkeypatch):
    calls = []

    class Mallopt:  # a ctypes function: argtypes and restype are set on it
        def __call__(self, option, value):
            calls.append((option, value))
            return 1

    class Libc:
        mallopt = Mallopt()

    monkeypatch.setattr(allocator.ctypes, "CDLL", lambda name: Libc())
    monkeypatch.delenv("EMBER_MALLOC_TUNING", raising=False)
    assert allocator.keep_freed_memory() is True
    assert allocator.keep_freed_memory() is True
    assert calls == [(allocator.M_MMAP_THRESHOLD, 32 << 20),
                     (allocator.M_TRIM_THRESHOLD, 128 << 20)]
