"""Property tests: for broadcasting binary ops (and `where`), every input's gradient has the
input's shape and equals the broadcast gradient reduced back by an independent rule: each output
position adds its gradient to the input position it read (np.add.at over an index map), not the
sum-over-axes of `unbroadcast`."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import ember
from ember import ops

SETTINGS = settings(max_examples=50, deadline=None, derandomize=True, database=None)


def reduce_to(g, shape):
    """Sum the output-shaped gradient `g` into `shape` by the read positions of broadcasting."""
    if shape == ():
        return np.asarray(g.sum())
    lead = g.ndim - len(shape)
    idx = np.indices(g.shape)
    src = tuple(idx[lead + i] if n != 1 else np.zeros_like(idx[0]) for i, n in enumerate(shape))
    out = np.zeros(shape)
    np.add.at(out, src, g)
    return out


def _inputs(seed, shapes, kind):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shapes[0])
    y = rng.standard_normal(shapes[1])
    if kind == "div":  # denominators away from 0
        y = np.sign(y) * (np.abs(y) + 0.5)
    if kind == "maxmin":  # no ties: odd multiples of 0.1 against even ones
        x = rng.integers(-5, 5, shapes[0]) * 0.2 + 0.1
        y = rng.integers(-5, 5, shapes[1]) * 0.2
    return rng, np.asarray(x), np.asarray(y)


# op, d out / dx and d out / dy as functions of the broadcast x and y, input kind
BINARY = {
    "add": (ops.add, lambda x, y: np.ones_like(x), lambda x, y: np.ones_like(y), "any"),
    "sub": (ops.sub, lambda x, y: np.ones_like(x), lambda x, y: -np.ones_like(y), "any"),
    "mul": (ops.mul, lambda x, y: y, lambda x, y: x, "any"),
    "div": (ops.div, lambda x, y: 1 / y, lambda x, y: -x / y ** 2, "div"),
    "maximum": (ops.maximum, lambda x, y: (x > y) * 1.0, lambda x, y: (y > x) * 1.0, "maxmin"),
    "minimum": (ops.minimum, lambda x, y: (x < y) * 1.0, lambda x, y: (y < x) * 1.0, "maxmin"),
}


def _check_binary(name, shapes, seed):
    op, dx, dy, kind = BINARY[name]
    rng, x, y = _inputs(seed, shapes.input_shapes, kind)
    tx = ember.Variable(x, dtype="float64")
    ty = ember.Variable(y, dtype="float64")
    out = op(tx, ty)
    assert out.shape == shapes.result_shape
    v = rng.standard_normal(out.shape)
    gx, gy = ember.grad(out, [tx, ty], grad_outputs=v)
    xb, yb = np.broadcast_arrays(x, y)
    assert gx.shape == x.shape and gy.shape == y.shape
    assert gx.dtype == np.float64 and gy.dtype == np.float64
    np.testing.assert_allclose(gx.numpy(), reduce_to(v * dx(xb, yb), x.shape), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(gy.numpy(), reduce_to(v * dy(xb, yb), y.shape), rtol=1e-12,
                               atol=1e-12)


SHAPES2 = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)
SEEDS = st.integers(0, 2**31)


@SETTINGS
@given(SHAPES2, SEEDS)
def test_add_gradients_reduce_to_input_shapes(shapes, seed):
    _check_binary("add", shapes, seed)


@SETTINGS
@given(SHAPES2, SEEDS)
def test_sub_gradients_reduce_to_input_shapes(shapes, seed):
    _check_binary("sub", shapes, seed)


@SETTINGS
@given(SHAPES2, SEEDS)
def test_mul_gradients_reduce_to_input_shapes(shapes, seed):
    _check_binary("mul", shapes, seed)


@SETTINGS
@given(SHAPES2, SEEDS)
def test_div_gradients_reduce_to_input_shapes(shapes, seed):
    _check_binary("div", shapes, seed)


@SETTINGS
@given(SHAPES2, SEEDS)
def test_maximum_gradients_reduce_to_input_shapes(shapes, seed):
    _check_binary("maximum", shapes, seed)


@SETTINGS
@given(SHAPES2, SEEDS)
def test_minimum_gradients_reduce_to_input_shapes(shapes, seed):
    _check_binary("minimum", shapes, seed)


@SETTINGS
@given(mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4, max_side=3), SEEDS)
def test_where_gradients_reduce_to_input_shapes(shapes, seed):
    rng = np.random.default_rng(seed)
    cs, xs, ys = shapes.input_shapes
    cond = np.asarray(rng.random(cs) > 0.5)
    x, y = np.asarray(rng.standard_normal(xs)), np.asarray(rng.standard_normal(ys))
    tx = ember.Variable(x, dtype="float64")
    ty = ember.Variable(y, dtype="float64")
    out = ops.where(cond, tx, ty)
    assert out.shape == shapes.result_shape
    v = rng.standard_normal(out.shape)
    gx, gy = ember.grad(out, [tx, ty], grad_outputs=v)
    cb = np.broadcast_to(cond, out.shape)
    assert gx.shape == xs and gy.shape == ys
    np.testing.assert_allclose(gx.numpy(), reduce_to(v * cb, xs), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gy.numpy(), reduce_to(v * ~cb, ys), rtol=1e-12, atol=1e-12)


def test_reduce_to_is_the_transpose_of_broadcasting():
    """The oracle itself: <broadcast(a), g> == <a, reduce_to(g)> for a fixed case."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 1))
    g = rng.standard_normal((2, 3, 4))
    lhs = np.sum(np.broadcast_to(a, g.shape) * g)
    np.testing.assert_allclose(lhs, np.sum(a * reduce_to(g, a.shape)))
    np.testing.assert_allclose(reduce_to(g, ()), g.sum())
