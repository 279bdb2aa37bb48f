"""Every op-table entry and sample against PyTorch, in float32: forward values (atol 1e-6,
rtol 1e-3) and the gradient of sum(out * v) for a fixed random v (atol 1e-4, rtol 1e-3).

The table is tests/ops/op_table.py; torch runs single-threaded so results do not depend on
the machine's core count.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

GRAD_RTOL, GRAD_ATOL = 1e-3, 1e-4


def load_op_table():
    """tests/ops/op_table.py as the module `ember_op_table` (shared with tests/ops)."""
    name = "ember_op_table"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "ops" / "op_table.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while it executes
        spec.loader.exec_module(module)
    return sys.modules[name]


op_table = load_op_table()


def _torch_inputs(values):
    """Arrays become torch tensors (float ones require grad); Python scalars stay."""
    out = []
    for v in values:
        if isinstance(v, np.ndarray):
            t = torch.from_numpy(np.array(v))  # a copy: torch must not alias the sample
            out.append(t.requires_grad_() if v.dtype.kind == "f" else t)
        else:
            out.append(v)
    return out


def _run_both(entry, sample):
    values = sample.values("float32")
    ours_in = op_table.ember_inputs(values, requires_grad=True)
    theirs_in = _torch_inputs(values)
    ours = op_table.as_list(entry.ember(*ours_in, **sample.params))
    theirs = op_table.as_list(entry.torch(torch, *theirs_in, **sample.params))
    return values, ours_in, theirs_in, ours, theirs


@pytest.mark.parametrize(("entry", "sample"), op_table.cases())
def test_forward_matches_torch(entry, sample):
    _, _, _, ours, theirs = _run_both(entry, sample)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        t = t.detach().numpy()
        assert o.shape == t.shape, f"{entry.name}: shape {o.shape} != torch {t.shape}"
        assert o.dtype == t.dtype, f"{entry.name}: dtype {o.dtype} != torch {t.dtype}"
        if t.dtype.kind in "fc":  # complex: ops.polar, view_as_complex
            np.testing.assert_allclose(o.data, t, rtol=entry.torch_rtol, atol=entry.torch_atol)
        else:
            np.testing.assert_array_equal(o.data, t)


@pytest.mark.parametrize(("entry", "sample"),
                         op_table.cases(lambda e, s: e.differentiable and s.has_float_input))
def test_gradient_matches_torch(entry, sample):
    values, ours_in, theirs_in, ours, theirs = _run_both(entry, sample)
    rng = np.random.default_rng(0)
    float_idx = [i for i, v in enumerate(values) if op_table.is_float_array(v)]
    ours_out = [o for o in ours if o.dtype.kind == "f"]
    theirs_out = [t for t in theirs if t.dtype.is_floating_point]
    if not ours_out:  # an integer result (cast to int64): neither library differentiates it
        assert all(not o.requires_grad for o in ours)
        assert all(not t.requires_grad for t in theirs)
        return
    vs = [rng.standard_normal(o.shape).astype(o.dtype) for o in ours_out]

    # d sum(out * v) / d inputs, as one seed per output
    total = None
    for o, v in zip(ours_out, vs):
        term = ember.ops.sum(o * v)
        total = term if total is None else total + term
    ours_g = ember.grad(total, [ours_in[i] for i in float_idx])
    theirs_g = torch.autograd.grad(
        list(theirs_out), [theirs_in[i] for i in float_idx],
        grad_outputs=[torch.from_numpy(v) for v in vs], allow_unused=True)

    for i, g_ours, g_theirs in zip(float_idx, ours_g, theirs_g):
        shape = values[i].shape
        a = np.zeros(shape, values[i].dtype) if g_ours is None else g_ours.numpy()
        b = np.zeros(shape, values[i].dtype) if g_theirs is None else g_theirs.numpy()
        assert a.shape == b.shape == shape
        assert a.dtype == values[i].dtype
        np.testing.assert_allclose(a, b, rtol=GRAD_RTOL, atol=GRAD_ATOL,
                                   err_msg=f"{entry.name}: gradient of input {i}")
