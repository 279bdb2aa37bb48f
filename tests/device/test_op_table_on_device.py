"""Every op of the op table on the device module: forward values and the gradient of every
float input equal the host run, and every result and gradient is a device array (no op leaves
the device, forward or backward). Generic over `TABLE`: a new op is covered by its entry."""

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import ember
from ember.backend import is_device_array
from ember.tensor import Tensor


def on_device(t):
    return is_device_array(t.data)


def _load_op_table():
    name = "ember_op_table"  # the same module object tests/ops/test_op_table.py loads
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "ops" / "op_table.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


op_table = _load_op_table()
TABLE, as_list = op_table.TABLE, op_table.as_list

REAL_GPU = os.environ.get("EMBER_TEST_GPU") == "1"
FWD = dict(rtol=1e-3, atol=1e-6) if REAL_GPU else dict(rtol=2e-5, atol=1e-6)
GRAD = dict(rtol=1e-3, atol=1e-4) if REAL_GPU else dict(rtol=2e-5, atol=1e-5)

# ops whose values come from a random generator: the device draws its own stream
RANDOM_OPS = {"dropout"}


def _cases():
    return [pytest.param(e, s, id=f"{e.name}-{s.name}") for e in TABLE for s in e.samples]


def _inputs(values):
    return [Tensor(v, dtype=v.dtype, requires_grad=v.dtype.kind == "f")
            if isinstance(v, np.ndarray) else v for v in values]


def _run(entry, sample, values):
    """Forward, then the gradients of sum(out * w) (w fixed per output) for every float input."""
    inputs = _inputs(values)
    outs = as_list(entry.ember(*inputs, **sample.params))
    rng = np.random.default_rng(0)
    loss = None
    for o in outs:
        if o.dtype.kind == "f" and o.requires_grad:
            w = Tensor(rng.standard_normal(o.shape).astype(o.dtype))
            term = ember.ops.sum(o * w)
            loss = term if loss is None else loss + term
    tracked = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    grads = ember.grad(loss, tracked) if loss is not None and tracked else []
    return outs, grads


@pytest.mark.parametrize(("entry", "sample"), _cases())
def test_op_stays_on_the_device_and_matches_the_host(entry, sample):
    values = sample.values("float32")
    host_outs, host_grads = _run(entry, sample, values)
    with ember.device("gpu"):
        dev_outs, dev_grads = _run(entry, sample, values)
    assert len(dev_outs) == len(host_outs)
    for h, d in zip(host_outs, dev_outs):
        assert on_device(d), f"{entry.name}: result is {type(d.data).__name__}, not on the device"
        assert d.shape == h.shape and d.dtype == h.dtype
        if entry.name in RANDOM_OPS:
            rate = sample.params["rate"] if "rate" in sample.params else sample.inputs[1]
            x = values[0] / (1.0 - rate)
            got = d.numpy()
            assert np.all((got == 0) | np.isclose(got, x, rtol=1e-6)), entry.name
        else:
            np.testing.assert_allclose(d.numpy(), h.numpy(), **FWD)
    assert len(dev_grads) == len(host_grads)
    for h, d in zip(host_grads, dev_grads):
        if h is None:
            assert d is None
            continue
        assert on_device(d), f"{entry.name}: gradient is {type(d.data).__name__}, not on device"
        assert d.dtype == h.dtype
        if entry.name not in RANDOM_OPS:
            np.testing.assert_allclose(d.numpy(), h.numpy(), **GRAD)
