"""Keras' control-flow ops (`cond`, `while_loop`, `fori_loop`, `scan`, `associative_scan`,
`map`, `switch`, `vectorized_map`) with eager Python semantics: they call the user's
functions on ember Tensors, so gradients flow through whatever ember ops those functions
use. `custom_gradient` hooks a user-written gradient into ember's autograd.

Nested structures are tuples, lists and dicts of tensors (flattened one level deep for
`scan`, `associative_scan` and `map`).
"""

import numpy as np

from ember import backend
from ember.autograd import Function, no_grad, unbroadcast
from ember.backend import array_module
from ember.ops.shaping import getitem, stack
from ember.ops.tensor_args import tensor
from ember.tensor import Tensor

# each is an entry of the op table, differentiated through the ops its functions call
DIFFERENTIABLE = ("cond", "switch", "while_loop", "fori_loop", "scan", "associative_scan",
                  "map", "vectorized_map", "custom_gradient")
__all__ = list(DIFFERENTIABLE)


def _flat(x):
    if isinstance(x, dict):
        return list(x.values()), lambda v: dict(zip(x.keys(), v))
    if isinstance(x, tuple | list):
        return list(x), lambda v: type(x)(v)
    return [x], lambda v: v[0]


def cond(pred, true_fn, false_fn):
    """`true_fn()` if `pred` else `false_fn()`.

    >>> import ember
    >>> float(ember.ops.cond(ember.tensor(1.0) > 0, lambda: 2.0, lambda: 3.0))
    2.0
    """
    return true_fn() if bool(tensor(pred).data) else false_fn()


def switch(index, branches, *operands):
    """`branches[index](*operands)`, the index clipped to the valid range (Keras).

    >>> import ember
    >>> ember.ops.switch(5, [lambda x: x + 1, lambda x: x * 10], 2)
    20
    """
    i = int(np.clip(int(tensor(index).data), 0, len(branches) - 1))
    return branches[i](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Repeat `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` (at most
    `maximum_iterations` times); returns loop_vars in the structure given.

    >>> import ember
    >>> ember.ops.while_loop(lambda i: i < 10, lambda i: (i + 3,), (0,))
    (12,)
    """
    is_seq = isinstance(loop_vars, tuple | list)
    values = tuple(loop_vars) if is_seq else (loop_vars,)
    count = 0
    while (maximum_iterations is None or count < maximum_iterations) and bool(
            tensor(cond(*values)).data):
        out = body(*values)
        values = tuple(out) if isinstance(out, tuple | list) else (out,)
        count += 1
    if not is_seq:
        return values[0]
    return type(loop_vars)(values)


def fori_loop(lower, upper, body_fun, init_val):
    """val = body_fun(i, val) for i in range(lower, upper).

    >>> import ember
    >>> ember.ops.fori_loop(0, 4, lambda i, v: v + i, 0)
    6
    """
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def _stack_outputs(outs):
    first, rebuild = _flat(outs[0])
    columns = [[_flat(o)[0][k] for o in outs] for k in range(len(first))]
    return rebuild([stack([tensor(v) for v in col]) for col in columns])


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """carry, y = f(carry, x) over the leading axis of `xs` (or `length` steps with x =
    None); returns (final carry, the ys stacked).

    >>> import ember
    >>> carry, ys = ember.ops.scan(lambda c, x: (c + x, c * x), 0.0, ember.tensor([1.0, 2.0]))
    >>> float(carry), ys.numpy()
    (3.0, array([0., 2.], dtype=float32))
    """
    if xs is None:
        if length is None:
            raise ValueError("scan: give xs or length")
        items, rebuild, n = [], None, int(length)
    else:
        items, rebuild = _flat(xs)
        items = [tensor(v) for v in items]
        n = items[0].shape[0]
    order = range(n - 1, -1, -1) if reverse else range(n)
    carry, ys = init, [None] * n
    for i in order:
        x = None if rebuild is None else rebuild([getitem(v, i) for v in items])
        carry, ys[i] = f(carry, x)
    if n == 0 or ys[0] is None:
        return carry, None
    return carry, _stack_outputs(ys)


def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan out[i] = f(out[i-1], elems[i]) along `axis` (computed sequentially;
    `f` must be associative, as Keras requires).

    >>> import ember
    >>> ember.ops.associative_scan(lambda a, b: a + b, ember.tensor([1.0, 2.0, 3.0])).numpy()
    array([1., 3., 6.], dtype=float32)
    """
    items, rebuild = _flat(elems)
    items = [tensor(v) for v in items]
    n = items[0].shape[axis]

    def at(i):
        key = (slice(None),) * (axis % items[0].ndim) + (i,)
        return rebuild([getitem(v, key) for v in items])

    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    outs = [None] * n
    acc = None
    for i in order:
        acc = at(i) if acc is None else (f(acc, at(i)) if not reverse else f(at(i), acc))
        outs[i] = acc
    if n == 0:
        return elems
    first, rebuild_out = _flat(outs[0])
    columns = [[_flat(o)[0][k] for o in outs] for k in range(len(first))]
    return rebuild_out([stack([tensor(v) for v in col], axis=axis) for col in columns])


def map(f, xs):  # noqa: A001  (Keras' name)
    """[f(x) for x in xs] along the leading axis, stacked (nested outputs stacked leafwise).

    >>> import ember
    >>> ember.ops.map(lambda x: x * 2, ember.tensor([1.0, 2.0])).numpy()
    array([2., 4.], dtype=float32)
    """
    items, rebuild = _flat(xs)
    items = [tensor(v) for v in items]
    outs = [f(rebuild([getitem(v, i) for v in items])) for i in range(items[0].shape[0])]
    if not outs:
        raise ValueError("map: xs has no elements along its leading axis")
    return _stack_outputs(outs)


def vectorized_map(function, elements):
    """`function` applied to each slice of `elements` along axis 0, results stacked (a loop
    in ember; Keras' semantics).

    >>> import ember
    >>> ember.ops.vectorized_map(lambda x: x.sum(), ember.ones((3, 2))).numpy()
    array([2., 2., 2.], dtype=float32)
    """
    return map(function, elements)


class CustomGradient(Function):
    """y = f(*inputs) with the user's `grad_fn(upstream)` as the backward."""

    def forward(self, *arrays, fn, kwargs):
        args = [Tensor._wrap(a) if backend.is_array(a) else a for a in arrays]
        with no_grad():
            out, self.grad_fn = fn(*args, **kwargs)
        self.shapes = [a.shape if backend.is_array(a) else None for a in arrays]
        self.dtypes = [a.dtype if backend.is_array(a) else None for a in arrays]
        return tensor(out).data

    def backward(self, gy):
        with no_grad():
            grads = self.grad_fn(Tensor._wrap(gy))
        grads = list(grads) if isinstance(grads, tuple | list) else [grads]
        out = []
        for k, shape in enumerate(self.shapes):
            g = grads[k] if k < len(grads) else None
            if g is None or shape is None or not self.needs_input_grad[k]:
                out.append(None)
                continue
            g = g.data if isinstance(g, Tensor) else backend.asarray(g, like=gy)
            g = np.broadcast_to(g, np.broadcast_shapes(g.shape, shape)) if g.ndim else \
                array_module(g).full(shape, g, dtype=g.dtype)
            out.append(unbroadcast(g, shape).astype(self.dtypes[k], copy=False))
        return tuple(out)


def custom_gradient(f):
    """Decorator: `f(*args)` returns `(y, grad_fn)`; ember's backward then calls
    `grad_fn(upstream)`, which returns the gradient of each positional argument (a tuple
    for several).

    >>> import ember
    >>> @ember.ops.custom_gradient
    ... def clip_grad_identity(x):
    ...     return x * 1.0, lambda g: ember.ops.clip(g, -0.5, 0.5)
    >>> x = ember.Variable([1.0])
    >>> (clip_grad_identity(x) * 3.0).sum().backward()
    >>> x.grad.numpy()
    array([0.5], dtype=float32)
    """
    def wrapper(*args, **kwargs):
        args = [a if isinstance(a, Tensor) or np.isscalar(a) else tensor(a) for a in args]
        return CustomGradient.apply(*args, fn=f, kwargs=kwargs)

    wrapper.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapper.__doc__ = f.__doc__
    return wrapper
