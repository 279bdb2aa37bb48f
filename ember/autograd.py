"""Reverse-mode automatic differentiation: the `Function` base, grad mode and the graph walk.

A differentiable op is a `Function` subclass with `forward` (ndarrays in, one ndarray out) and
`backward` (the output's gradient in, one gradient or `None` per positional input out). Calling
`MyOp.apply(*args)` runs `forward` and, when grad mode is on and an input requires a gradient,
records the op as the output's `_ctx` so that `backward()` can walk the graph in reverse.

The walk is iterative (a chain of 10^5 ops never touches the recursion limit), gradients of a
tensor used several times are summed, and the graph is freed after the walk unless
`retain_graph=True`.
"""

import contextlib

import numpy as np

from ember import backend

_state = {"grad_enabled": True}


def is_grad_enabled():
    """True when ops record the graph (the default)."""
    return _state["grad_enabled"]


@contextlib.contextmanager
def _set_grad_enabled(mode):
    previous = _state["grad_enabled"]
    _state["grad_enabled"] = mode
    try:
        yield
    finally:
        _state["grad_enabled"] = previous


def no_grad():
    """Context manager that turns graph recording off (inference, optimizer updates).

    >>> import ember
    >>> w = ember.Variable([1.0, 2.0])
    >>> with ember.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """
    return _set_grad_enabled(False)


def enable_grad():
    """Context manager that turns graph recording back on inside `no_grad()`."""
    return _set_grad_enabled(True)


def unbroadcast(g, shape):
    """Sum `g` down to `shape`, undoing NumPy broadcasting (the one place this is done)."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and g.shape[i + extra] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if extra:
        g = g.reshape(shape)
    return g


class Function:
    """Base of every differentiable primitive.

    Subclasses implement `forward(*arrays, **kwargs) -> ndarray` and
    `backward(gy) -> gradient or tuple of gradients` (one per positional input, `None` where
    the input needs none). `self.save_for_backward(*arrays)` keeps what `backward` needs;
    `self.needs_input_grad[i]` says whether input `i` wants a gradient.
    """

    __slots__ = ("parents", "saved", "needs_input_grad", "freed", "__dict__")

    def save_for_backward(self, *arrays):
        self.saved = arrays

    def forward(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, gy):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run the op on Tensors (or plain arrays and scalars) and record it when needed."""
        ctx = cls()
        arrays = []
        needs = []
        track = False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a.data)
                needs.append(a.requires_grad)
                track = track or a.requires_grad
            else:
                arrays.append(a)
                needs.append(False)
        track = track and _state["grad_enabled"]
        ctx.needs_input_grad = needs
        data = ctx.forward(*arrays, **kwargs)
        out = Tensor.__new__(Tensor)
        out.data = data
        out.grad = None
        out.name = None
        if track:
            ctx.parents = args
            ctx.freed = False
            out.requires_grad = True
            out._ctx = ctx
        else:
            out.requires_grad = False
            out._ctx = None
        return out

    def __repr__(self):
        return f"<{type(self).__name__} backward>"


def _toposort(root):
    """Nodes reachable from `root` through inputs that required grad when recorded, parents
    first."""
    order = []
    seen = set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        ctx = node._ctx
        if ctx is not None:
            if ctx.freed:
                raise RuntimeError(
                    "backward: trying to backward through the graph a second time (or after "
                    "its saved arrays were freed). Pass retain_graph=True to the first "
                    "backward() or gradient() call if you need to walk it again."
                )
            for p, need in zip(ctx.parents, ctx.needs_input_grad):
                if need and id(p) not in seen:
                    stack.append((p, False))
    return order


def _seed_gradient(root, grad, where):
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"{where}: a gradient can be created implicitly only for a scalar output; "
                f"received an output of shape {root.shape}. Pass a gradient of that shape."
            )
        return np.ones_like(root.data)
    g = grad.data if isinstance(grad, Tensor) else backend.asarray(grad, like=root.data)
    if g.shape != root.shape:
        raise ValueError(
            f"{where}: the gradient must have the output's shape {root.shape}; "
            f"received shape {g.shape}"
        )
    return g.astype(root.dtype, copy=False)


def run_backward(root, grad=None, retain_graph=False, capture=None, where="backward"):
    """Walk the graph from `root` in reverse, summing each op's input gradients.

    Leaves that require grad receive their gradient in `.grad` unless `capture` is given; with
    `capture` (a dict id -> None for the tensors of interest) the gradients are stored there
    instead and no `.grad` is touched.
    """
    if not root.requires_grad:
        raise RuntimeError(
            f"{where}: the tensor does not require grad and has no graph. Only Variables "
            "(and tensors with requires_grad=True) and what is computed from them are tracked."
        )
    order = _toposort(root)
    grads = {id(root): _seed_gradient(root, grad, where)}
    for node in reversed(order):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        key = id(node)
        if capture is not None and key in capture:
            capture[key] = g
        ctx = node._ctx
        if ctx is None:
            if capture is None:
                g = g.astype(node.data.dtype, copy=True)  # a private copy: grads may alias
                if node.grad is None:
                    node.grad = Tensor._wrap(g)
                else:
                    node.grad = Tensor._wrap(node.grad.data + g)
            continue
        gxs = ctx.backward(g)
        if not isinstance(gxs, tuple):
            gxs = (gxs,)
        for p, need, gx in zip(ctx.parents, ctx.needs_input_grad, gxs):
            if gx is None or not need:
                continue
            pk = id(p)
            prev = grads.get(pk)
            grads[pk] = gx if prev is None else prev + gx
        if not retain_graph:
            ctx.saved = None
            ctx.parents = ()
            ctx.freed = True
    return capture


def grad(outputs, inputs, grad_outputs=None, retain_graph=False, allow_unused=True,
         create_graph=False):
    """Gradients of `outputs` with respect to `inputs`, returned without touching `.grad`.

    Args:
        outputs: a Tensor (a scalar unless `grad_outputs` is given).
        inputs: a Tensor or a list of Tensors anywhere in the graph (leaves or intermediates).
        grad_outputs: the gradient to seed with; defaults to 1 for a scalar output.
        retain_graph: keep the graph for another walk. Defaults to False.
        allow_unused: return `None` for an input the output does not depend on; when False,
            that is an error. Defaults to True.
        create_graph: higher-order gradients are not supported; True raises.

    Returns:
        A list of Tensors (or None) when `inputs` is a list, else one Tensor (or None).

    >>> import ember
    >>> w = ember.Variable([1.0, 2.0, 3.0])
    >>> (gw,) = ember.grad((w * w).sum(), [w])
    >>> gw.numpy()
    array([2., 4., 6.], dtype=float32)
    """
    if create_graph:
        raise NotImplementedError(
            "grad: higher-order gradients (create_graph=True) are not supported by ember; "
            "gradients are computed as plain arrays outside the graph."
        )
    single = isinstance(inputs, Tensor)
    seq = [inputs] if single else list(inputs)
    for i, t in enumerate(seq):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs[{i}] must be a Tensor, received {type(t).__name__}")
    capture = {id(t): None for t in seq}
    run_backward(outputs, grad_outputs, retain_graph, capture=capture, where="grad")
    result = []
    for i, t in enumerate(seq):
        g = capture[id(t)]
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"grad: inputs[{i}] (shape {t.shape}) was not used to "
                                   "compute the output; pass allow_unused=True to get None")
            result.append(None)
        else:
            result.append(Tensor._wrap(g.astype(t.data.dtype, copy=True)))
    return result[0] if single else result


_active_tapes = []


class GradientTape:
    """Record operations for differentiation, TensorFlow style.

    Trainable Variables used inside the block are watched automatically; other tensors
    (constants) are watched with `tape.watch(x)`. `tape.gradient(target, sources)` returns the
    gradients in the structure of `sources`, with `None` for a source the target does not
    depend on. A non-persistent tape can be asked once.

    >>> import ember
    >>> w = ember.Variable(3.0)
    >>> with ember.GradientTape() as tape:
    ...     loss = w * w
    >>> float(tape.gradient(loss, w))
    6.0
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self._watched = []
        self._recording = False
        self._used = False
        self._grad_ctx = None

    def __enter__(self):
        self._recording = True
        self._grad_ctx = enable_grad()
        self._grad_ctx.__enter__()
        _active_tapes.append(self)
        return self

    def __exit__(self, *exc):
        self._recording = False
        _active_tapes.remove(self)
        for t, was in self._watched:
            t.requires_grad = was
        self._grad_ctx.__exit__(*exc)
        return False

    def watch(self, tensor):
        """Track `tensor` (or a list of tensors), e.g. a constant, within this tape."""
        items = tensor if isinstance(tensor, (list, tuple)) else [tensor]
        for t in items:
            if not isinstance(t, Tensor):
                raise TypeError(f"watch: expected a Tensor, received {type(t).__name__}")
            if not np.issubdtype(t.dtype, np.floating):
                raise TypeError(f"watch: only float tensors can be differentiated; "
                                f"received dtype {t.dtype}")
            self._watched.append((t, t.requires_grad))
            t.requires_grad = True

    def stop_recording(self):
        """Context manager that pauses recording inside the tape."""
        return no_grad()

    def gradient(self, target, sources, output_gradients=None):
        """Gradients of `target` with respect to `sources` (a Tensor, a list or a dict)."""
        if self._used and not self.persistent:
            raise RuntimeError(
                "GradientTape.gradient can only be called once on a non-persistent tape; "
                "create the tape with persistent=True to ask it several times."
            )
        if any(t._recording for t in _active_tapes if t is not self):
            raise NotImplementedError(
                "GradientTape.gradient: higher-order gradients (a gradient computed while an "
                "outer tape is recording) are not supported by ember."
            )
        self._used = True
        if isinstance(sources, dict):
            keys = list(sources)
            flat = [sources[k] for k in keys]
        elif isinstance(sources, Tensor):
            keys, flat = None, [sources]
        else:
            keys, flat = None, list(sources)
        if not target.requires_grad:
            result = [None] * len(flat)
        else:
            result = grad(target, flat, grad_outputs=output_gradients,
                          retain_graph=self.persistent)
        if isinstance(sources, dict):
            return dict(zip(keys, result))
        if isinstance(sources, Tensor):
            return result[0]
        return type(sources)(result) if isinstance(sources, tuple) else result


from ember.tensor import Tensor  # noqa: E402  (circular: Tensor uses Function)
