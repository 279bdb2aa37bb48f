"""Keep freed array memory for reuse while training (glibc only).

A training step allocates the same temporaries every time: activations, gradients, optimizer
intermediates, often hundreds of KB each. glibc's malloc serves blocks above its mmap threshold
with fresh `mmap`s and hands memory back to the OS as soon as the top of the heap is free, so
each step touches brand-new pages and pays a page fault per 4 KB page. On the machines ember was
measured on that doubled the time of an MLP step (6.6 ms -> 3.5 ms for the `mlp` benchmark at
one thread). Raising the mmap threshold (32 MiB) and the trim threshold (128 MiB) lets freed
blocks be reused instead, as PyTorch's caching allocators do.

`keep_freed_memory()` is called once by `fit`, `evaluate`, `predict` and the `*_on_batch`
methods. It changes only how the process reuses memory, never results; the cost is that up to
128 MiB of freed memory may stay mapped. Set the environment variable `EMBER_MALLOC_TUNING=0`
to leave malloc alone. Elsewhere than glibc (macOS, musl, Windows) it does nothing.

>>> keep_freed_memory() in (True, False)
True
"""

import ctypes
import os
import platform

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 128 << 20

_state = {"done": False, "applied": False}


def keep_freed_memory():
    """Tune glibc's malloc once (see the module docstring); True if it was applied."""
    if _state["done"]:
        return _state["applied"]
    _state["done"] = True
    if os.environ.get("EMBER_MALLOC_TUNING", "1") == "0":
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _state["applied"] = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _state["applied"]
