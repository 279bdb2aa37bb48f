"""Generic tests over the op table: forward against NumPy, float64 gradient checks, the backward
contract, grad tracking, and coverage (every public op and every primitive has an entry)."""

import importlib
import importlib.util
import pkgutil
import sys
from pathlib import Path

import numpy as np
import pytest

import ember
from ember import ops
from ember.autograd import Function
from ember.tensor import Tensor
from ember.utils import gradcheck


def load_op_table():
    """tests/ops/op_table.py as the module `ember_op_table` (loaded once, whatever pytest's
    import mode; the parity tests load it the same way)."""
    name = "ember_op_table"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("op_table.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while it executes
        spec.loader.exec_module(module)
    return sys.modules[name]


op_table = load_op_table()
BY_NAME, TABLE, cases = op_table.BY_NAME, op_table.TABLE, op_table.cases
as_list, ember_inputs, is_float_array = (op_table.as_list, op_table.ember_inputs,
                                        op_table.is_float_array)

# float64 runs must agree with the float64 reference to rounding; float32 uses each entry's tol
F64_RTOL, F64_ATOL = 1e-10, 1e-12


def _gradcheckable(entry, sample):
    return entry.differentiable and sample.has_float_input and sample.gradcheck is None


def _tracked(entry, sample):
    return entry.differentiable and sample.has_float_input


@pytest.mark.parametrize("floatx", ["float32", "float64"])
@pytest.mark.parametrize(("entry", "sample"), cases())
def test_forward_matches_numpy_reference(entry, sample, floatx):
    values = sample.values(floatx)
    outs = as_list(entry.ember(*ember_inputs(values), **sample.params))
    ref_in = [v.astype(np.float64) if is_float_array(v) else v for v in values]
    refs = entry.ref(*ref_in, **sample.params)
    refs = list(refs) if entry.multi_output else [refs]
    computed_in_f32 = any(is_float_array(v) and v.dtype == np.float32 for v in values)
    rtol, atol = (entry.rtol, entry.atol) if computed_in_f32 else (F64_RTOL, F64_ATOL)
    expected_dtype = entry.expected_dtype(sample, floatx)
    assert len(outs) == len(refs)
    for out, ref in zip(outs, refs):
        ref = np.asarray(ref)
        assert isinstance(out, Tensor)
        assert out.shape == ref.shape, f"{entry.name}: shape {out.shape} != reference {ref.shape}"
        assert out.dtype == expected_dtype, f"{entry.name}: dtype {out.dtype} != {expected_dtype}"
        if expected_dtype.kind in "fc":  # complex: ops.polar, view_as_complex
            np.testing.assert_allclose(out.data, ref, rtol=rtol, atol=atol)
        else:
            np.testing.assert_array_equal(out.data, ref)


@pytest.mark.parametrize(("entry", "sample"), cases(_gradcheckable))
def test_gradient_matches_central_differences(entry, sample):
    values = sample.values("float64", fixed=False)
    arrays = [v for v in values if isinstance(v, np.ndarray)]

    def fn(*tensors):
        it = iter(tensors)
        args = [next(it) if isinstance(v, np.ndarray) else v for v in values]
        outs = as_list(entry.ember(*args, **sample.params))
        return outs[0] if len(outs) == 1 else ops.concat([ops.flatten(o) for o in outs])

    assert gradcheck(fn, arrays, eps=1e-6, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize(("entry", "sample"), cases(_tracked))
def test_backward_returns_one_gradient_per_input_of_its_shape_and_dtype(entry, sample):
    """The primitive at the root of the result honours the `Function.backward` contract
    directly (not through `grad()`, which would cast a stray float64 back to float32)."""
    inputs = ember_inputs(sample.values("float32"), requires_grad=True)
    rng = np.random.default_rng(0)
    for out in as_list(entry.ember(*inputs, **sample.params)):
        if out.dtype.kind != "f":
            assert not out.requires_grad and out._ctx is None
            continue
        assert out.requires_grad and out._ctx is not None
        ctx = out._ctx
        gy = rng.standard_normal(out.shape).astype(out.dtype)
        gxs = ctx.backward(gy)
        gxs = gxs if isinstance(gxs, tuple) else (gxs,)
        assert len(gxs) == len(ctx.parents), f"{type(ctx).__name__}: one gradient per input"
        for k, (p, need, g) in enumerate(zip(ctx.parents, ctx.needs_input_grad, gxs)):
            if not need:
                continue
            assert g is not None, f"{type(ctx).__name__}: no gradient for input {k}"
            g = np.asarray(g)
            assert g.shape == p.shape, f"{type(ctx).__name__}: gradient {k} shape {g.shape}"
            assert g.dtype == p.dtype, f"{type(ctx).__name__}: gradient {k} dtype {g.dtype}"


@pytest.mark.parametrize(("entry", "sample"), cases(_tracked))
def test_no_grad_records_nothing(entry, sample):
    inputs = ember_inputs(sample.values("float32"), requires_grad=True)
    with ember.no_grad():
        outs = as_list(entry.ember(*inputs, **sample.params))
    assert all(not o.requires_grad and o._ctx is None for o in outs)


@pytest.mark.parametrize(("entry", "sample"),
                         cases(lambda e, s: not e.differentiable and s.has_float_input))
def test_non_differentiable_results_do_not_require_grad(entry, sample):
    inputs = ember_inputs(sample.values("float32"), requires_grad=True)
    assert any(isinstance(t, Tensor) and t.requires_grad for t in inputs)
    for out in as_list(entry.ember(*inputs, **sample.params)):
        assert not out.requires_grad
        assert out._ctx is None
        # complex results (ops.polar) are not differentiated; nor are the factorizations of
        # ops.linalg (floats that are constants in ember's graph), nor float constants
        assert out.dtype.kind in "biuc" or entry.name in ops.linalg.NON_DIFFERENTIABLE \
            or entry.name in ops.CONSTANT_RESULTS


# ----------------------------------------------------------------------------- coverage
def test_every_public_op_has_a_table_entry():
    missing = sorted(set(ops.__all__) - set(BY_NAME) - set(ops.QUERIES))
    assert not missing, f"public ops without an op-table entry: {missing}"
    for entry in TABLE:  # the rest are the public doors of ember.ops submodules
        if entry.name not in ops.__all__:
            module = importlib.import_module(entry.module)
            assert entry.module.startswith("ember.ops.") and callable(
                getattr(module, entry.name)), f"{entry.name} is not a public op"
    assert set(ops.DIFFERENTIABLE).isdisjoint(ops.NON_DIFFERENTIABLE)


def test_every_differentiable_op_has_gradient_checked_samples():
    for entry in TABLE:
        checked = [s for s in entry.samples if _gradcheckable(entry, s)]
        assert not entry.differentiable or len(checked) >= 3, entry.name
        for s in entry.samples:
            assert s.gradcheck is None or "test_" in s.gradcheck, (entry.name, s.name)


# statistics of an empty (or 0-d) input are undefined: these raise instead (tested below)
EMPTY_RAISES = {"batch_norm_train", "layer_norm", "layer_normalization"}


def test_every_table_entry_has_several_samples_and_a_0d_or_size0_case():
    for entry in TABLE:
        assert len(entry.samples) >= 4, entry.name
        shapes = [v.shape for s in entry.samples for v in s.inputs if isinstance(v, np.ndarray)]
        if entry.name not in EMPTY_RAISES:
            assert any(sh == () or 0 in sh for sh in shapes), entry.name


@pytest.mark.parametrize("name", sorted(EMPTY_RAISES))
def test_normalization_of_an_empty_batch_raises(name):
    with pytest.raises(ValueError, match="cannot compute statistics over axes"):
        BY_NAME[name].ember(ember.ones((0, 3)), None, None)


def _ops_primitives():
    """Concrete `Function` subclasses defined in ember.ops modules (abstract private bases such
    as `_Binary`, which other primitives subclass, are excluded)."""
    for mod in pkgutil.iter_modules(ember.ops.__path__):
        importlib.import_module(f"ember.ops.{mod.name}")
    found, stack = set(), [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("ember.ops"):
                found.add(sub)
    abstract = {c for c in found if c.__name__.startswith("_")
                and any(d is not c and issubclass(d, c) for d in found)}
    return found - abstract


def _functions_in_graph(outs):
    seen, stack, kinds = set(), list(outs), set()
    while stack:
        t = stack.pop()
        if not isinstance(t, Tensor) or id(t) in seen or t._ctx is None:
            continue
        seen.add(id(t))
        kinds.add(type(t._ctx))
        stack.extend(t._ctx.parents)
    return kinds


def test_every_primitive_is_exercised_by_the_table():
    primitives = _ops_primitives()
    names = {c.__name__ for c in primitives}
    assert {"MatMul", "Add", "GetItem", "SparseSoftmaxCrossEntropy"} <= names
    exercised = set()
    for entry in TABLE:
        for sample in entry.samples:
            inputs = ember_inputs(sample.values("float32"), requires_grad=True)
            exercised |= _functions_in_graph(as_list(entry.ember(*inputs, **sample.params)))
    missing = sorted(c.__qualname__ for c in primitives - exercised)
    assert not missing, f"Function subclasses of ember.ops reached by no op-table sample: {missing}"
