"""Batches onto the model's device: `fit`, `evaluate` and `predict` take NumPy data and copy it
to the device the model's weights live on, one batch at a time.

On a GPU (CuPy) the next batch is copied from pinned host memory on a side stream while the
current step runs, so the copy overlaps the compute; on the host nothing is copied.

>>> import numpy as np
>>> from ember.models.device_feed import place
>>> place((np.ones(2), None), np)[0]
array([1., 1.])
"""

import contextlib

import numpy as np

from ember import tree
from ember.device import CPU, current_device, device, device_of
from ember.tensor import Tensor


def model_device(model):
    """The device a model computes on: its weights', else the current device when it is not
    the CPU, else the device the model was created on.

    Weights never change device (assignments copy into them), so once a model has weights
    the answer is kept on the model: walking every layer each step would cost more than a
    small model's step.
    """
    cached = model.__dict__.get("_feed_device")
    if cached is not None:
        return cached
    weights = model.weights
    if weights:
        dev = device_of(weights[0])
        object.__setattr__(model, "_feed_device", dev)
        return dev
    dev = current_device()
    return dev if not dev.is_cpu else getattr(model, "_device", None) or CPU


def on_model_device(model):
    """A context that makes the model's device current (tensors made during the step land
    there), or a no-op on the CPU."""
    dev = model_device(model)
    return contextlib.nullcontext() if dev.is_cpu else device(dev)


def _leaf(value, xp):
    if value is None or isinstance(value, int | float | bool | str):
        return value
    if isinstance(value, Tensor):
        if type(value.data) is np.ndarray:
            return Tensor._wrap(xp.asarray(value.data))
        return value
    if type(value) is np.ndarray:
        return xp.asarray(value)
    return value


def place(batch, xp):
    """`batch` (any nesting of arrays, Tensors and None) with its host arrays on module `xp`."""
    if xp is np:
        return batch
    return tree.map_structure(lambda v: _leaf(v, xp), batch)


def _cupy_prefetch(batches, xp):
    """(step, batch) pairs with each batch copied to the GPU one step ahead: pinned staging
    buffers and a non-blocking stream, the current stream waiting on the copy's event."""
    stream = xp.cuda.Stream(non_blocking=True)

    def stage(batch):
        keep = []

        def leaf(v):
            host = v.data if isinstance(v, Tensor) else v
            if type(host) is not np.ndarray:
                return v
            host = np.ascontiguousarray(host)
            mem = xp.cuda.alloc_pinned_memory(max(host.nbytes, 1))
            pinned = np.frombuffer(mem, host.dtype, host.size).reshape(host.shape)
            pinned[...] = host
            out = xp.empty(host.shape, host.dtype)
            out.set(pinned, stream=stream)
            keep.append((mem, pinned))  # alive until the copy is done
            return Tensor._wrap(out) if isinstance(v, Tensor) else out

        placed = tree.map_structure(leaf, batch)
        return placed, stream.record(), keep

    pending, done = None, None
    for step, batch in batches:
        staged = (step, *stage(batch))
        if pending is not None:
            done = _release(done)
            yield _ready(pending, xp)
            done = pending
        pending = staged
    if pending is not None:
        _release(done)
        yield _ready(pending, xp)


def _ready(pending, xp):
    step, batch, event, _keep = pending
    xp.cuda.get_current_stream().wait_event(event)
    return step, batch


def _release(done):
    """Let a yielded batch's pinned staging buffers go once its copy has finished."""
    if done is not None:
        done[2].synchronize()


def device_batches(batches, model):
    """Wrap a (step, batch) iterator so that each batch arrives on the model's device."""
    dev = model_device(model)
    if dev.is_cpu:
        yield from batches
        return
    xp = dev.xp
    if getattr(xp, "__name__", "") == "cupy":
        yield from _cupy_prefetch(batches, xp)
        return
    for step, batch in batches:
        yield step, place(batch, xp)


def place_for(model, batch):
    """One batch (train_on_batch, test_on_batch, predict_on_batch) on the model's device."""
    dev = model_device(model)
    return batch if dev.is_cpu else place(batch, dev.xp)


__all__ = ["device_batches", "model_device", "on_model_device", "place", "place_for"]
