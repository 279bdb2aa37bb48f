"""What the fused recurrent sequence ops share: activations by name, input checks, masks, time
order, and the vanishing-gradient diagnostic `state_gradient_norms`.

The ops themselves live one per file, forward and backward (backpropagation through time) side
by side: `rnn_simple.simple_rnn`, `lstm.lstm`, `gru.gru`. They all follow the same plan:

- inside, everything is "unit-major": a state is a column block (U, N) per step, the gates of
  a step a contiguous (G*U, N) block, so every elementwise op of the loop runs on contiguous
  memory (NumPy is 3-5x slower on strided 2-D slices) and the gates that share an activation
  are adjacent rows;
- one GEMM computes every step's input projection x_t W_F + b at once (bias through a row of
  ones under x), into a (T, G*U, N) buffer that the loop completes in place with the
  recurrent product W_R^T h_{t-1}: one (G*U, U) @ (U, N) product per step;
- the forward pass also stores, per step, the factors that turn dL/dh_t (and dL/dc_t) into the
  pre-activation gradients, so that each backward step is a handful of in-place products and
  one GEMM with W_R;
- the states of all steps live in one (U, T, N) buffer and the backward writes every step's
  pre-activation gradient into a (G*U, T, N) buffer: viewed as (U, T*N) and (G*U, T*N) they
  give dW_R = H_prev dA^T (and dW_F, db from the rows [x; 1] stacked under H) in a single
  GEMM over all T*N columns, and dx in one more;
- large buffers come from a `Workspace` that reuses them across calls (page faults on fresh
  memory cost a third of a forward pass otherwise); float32 stays float32 throughout.

Weights are pre-scaled once per call so that a GEMM yields the argument the activation wants:
sigmoid(a) = 1 / (1 + exp(-a)) receives -a, tanh(a) = 2 / (1 + exp(-2a)) - 1 receives -2a
(multiplying by -1 or -2 is exact in binary floating point). NumPy's float32 exp is about twice
as fast as its tanh, and these forms stay finite: exp overflows to inf for very negative a, and
1 / inf = 0, so the overflow warning is silenced inside the ops.

Masks follow Keras: where mask[n, t] is False the state carries over unchanged (h_t = h_{t-1},
c_t = c_{t-1}) and the output at that step is the carried state.
"""

import sys
import threading

import numpy as np

from ember import backend, config
from ember.autograd import enable_grad, grad
from ember.ops import cuda_kernels
from ember.tensor import Tensor

# ------------------------------------------------------------------------------ activations


class _Activation:
    """An activation applied in place to a pre-scaled pre-activation.

    `scale` is folded into the weights (and biases) by the ops, so `apply(a)` receives
    a = scale * z and overwrites it with f(z); `deriv(y, out)` writes f'(z) computed from the
    output y = f(z).
    """

    name = ""
    scale = 1.0

    def apply(self, a):  # pragma: no cover - abstract
        raise NotImplementedError

    def deriv(self, y, out):  # pragma: no cover - abstract
        raise NotImplementedError


class _Sigmoid(_Activation):
    """y = 1 / (1 + exp(-z)) from a = -z;  f'(z) = y (1 - y)."""

    name, scale = "sigmoid", -1.0

    def apply(self, a):
        xp = backend.array_module(a)
        if cuda_kernels.is_cupy(xp):  # one fused pass on a GPU
            cuda_kernels.logistic_(a)
            return
        xp.exp(a, out=a)
        a += 1.0
        xp.reciprocal(a, out=a)

    def deriv(self, y, out):
        xp = backend.array_module(out)
        if cuda_kernels.is_cupy(xp):
            cuda_kernels.logistic_deriv_(y, out)
            return
        xp.subtract(1.0, y, out=out)
        out *= y


class _Tanh(_Activation):
    """y = 2 / (1 + exp(-2z)) - 1 = tanh(z) from a = -2z;  f'(z) = 1 - y^2."""

    name, scale = "tanh", -2.0

    def apply(self, a):
        xp = backend.array_module(a)
        if cuda_kernels.is_cupy(xp):
            cuda_kernels.logistic_(a)
        else:
            xp.exp(a, out=a)
            a += 1.0
            xp.reciprocal(a, out=a)
        a *= 2.0
        a -= 1.0

    def deriv(self, y, out):
        xp = backend.array_module(y)
        xp.multiply(y, y, out=out)
        xp.subtract(1.0, out, out=out)


class _ReLU(_Activation):
    """y = max(z, 0);  f'(z) = 1 where y > 0 (0 at z = 0, as PyTorch)."""

    name = "relu"

    def apply(self, a):
        backend.array_module(a).maximum(a, 0.0, out=a)

    def deriv(self, y, out):
        backend.array_module(y).greater(y, 0.0, out=out)


class _Linear(_Activation):
    """y = z;  f'(z) = 1."""

    name = "linear"

    def apply(self, a):
        pass

    def deriv(self, y, out):
        out.fill(1.0)


class _HardSigmoid(_Activation):
    """Keras 3's y = clip(z / 6 + 1/2, 0, 1);  f'(z) = 1/6 where 0 < y < 1."""

    name = "hard_sigmoid"

    def apply(self, a):
        a *= 1.0 / 6.0
        a += 0.5
        backend.array_module(a).clip(a, 0.0, 1.0, out=a)

    def deriv(self, y, out):
        backend.array_module(out).copyto(out, (y > 0) & (y < 1))
        out *= 1.0 / 6.0


class _Softsign(_Activation):
    """y = z / (1 + |z|);  f'(z) = 1 / (1 + |z|)^2 = (1 - |y|)^2."""

    name = "softsign"

    def apply(self, a):
        d = backend.array_module(a).abs(a)
        d += 1.0
        a /= d

    def deriv(self, y, out):
        xp = backend.array_module(y)
        xp.abs(y, out=out)
        xp.subtract(1.0, out, out=out)
        out *= out


_ACTIVATIONS = {a.name: a for a in (_Sigmoid(), _Tanh(), _ReLU(), _Linear(), _HardSigmoid(),
                                      _Softsign())}


def get_activation(identifier, op, arg):
    """The in-place activation for a name (or None: linear, or a function of that name)."""
    if identifier is None:
        return _ACTIVATIONS["linear"]
    name = identifier if isinstance(identifier, str) else getattr(identifier, "__name__", None)
    act = _ACTIVATIONS.get(name.lower() if isinstance(name, str) else None)
    if act is None:
        raise ValueError(f"{op}: {arg} must be one of {sorted(_ACTIVATIONS)} (or None for "
                         f"linear); received {identifier!r}")
    return act


def gate_scales(acts, units, dtype, mod=np):
    """The per-column weight scale of a gate block: acts[k].scale on columns k*U..(k+1)*U
    (on module `mod`'s device)."""
    return mod.asarray(np.repeat(np.array([a.scale for a in acts], dtype=dtype), units))


# ------------------------------------------------------------------------------ buffers


class Workspace:
    """Large buffers reused across calls, instead of fresh `np.empty` each time.

    A training step of a recurrent op needs tens of MB of buffers (gates, saved derivative
    factors, states, gradients). Fresh allocations of that size are returned to the OS when
    freed, and touching them again costs a page fault per 4 KiB page: measured at about a
    third of an LSTM forward pass on the benchmark model. The workspace keeps up to
    `per_shape` buffers for each (shape, dtype) of at least `min_bytes`, `max_bytes` in all,
    and hands out one only when nothing else refers to it: a buffer still saved by a graph,
    or viewed by an output tensor, holds a reference (every NumPy view refers to the array
    that owns the memory), so it is never handed out twice. Contents are undefined, as
    `np.empty`'s.
    """

    def __init__(self, per_shape=4, min_bytes=1 << 20, max_bytes=1 << 29):
        self.per_shape, self.min_bytes, self.max_bytes = per_shape, min_bytes, max_bytes
        self._free = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def empty(self, shape, dtype, mod=np):
        if mod is not np:  # device memory: the device module's own pool reuses it
            return mod.empty(shape, dtype)
        dtype = np.dtype(dtype)
        nbytes = int(np.prod(shape)) * dtype.itemsize
        if nbytes < self.min_bytes:
            return np.empty(shape, dtype)
        key = (tuple(shape), dtype.str)
        with self._lock:
            kept = self._free.setdefault(key, [])
            for buf in kept:
                # references: the list, the loop variable, getrefcount's argument
                if sys.getrefcount(buf) <= 3:
                    return buf
            buf = np.empty(shape, dtype)
            if len(kept) < self.per_shape and self._bytes + nbytes <= self.max_bytes:
                kept.append(buf)
                self._bytes += nbytes
            return buf

    def clear(self):
        """Forget every kept buffer (the memory is freed once no tensor uses it)."""
        with self._lock:
            self._free.clear()
            self._bytes = 0


workspace = Workspace()


# ------------------------------------------------------------------------------ inputs


def float_dtype(*arrays):
    """The common float dtype of the given arrays (float32 unless one is float64)."""
    kinds = [a.dtype for a in arrays if a is not None and a.dtype.kind == "f"]
    return np.result_type(*kinds) if kinds else np.dtype(config.floatx())


def check_inputs(op, x, kernel, recurrent_kernel, gates):
    """Validate x (N, T, F), kernel (F, G*U), recurrent_kernel (U, G*U); return N, T, F, U."""
    if x.ndim != 3:
        raise ValueError(f"{op}: x must have shape (batch, timesteps, features); received "
                         f"shape {x.shape}")
    n, t, f = x.shape
    if t == 0:
        raise ValueError(f"{op}: x must have at least one timestep; received shape {x.shape}")
    if recurrent_kernel.ndim != 2 or recurrent_kernel.shape[1] != gates * recurrent_kernel.shape[0]:
        raise ValueError(f"{op}: recurrent_kernel must have shape (units, {gates} * units); "
                         f"received shape {recurrent_kernel.shape}")
    u = recurrent_kernel.shape[0]
    if kernel.shape != (f, gates * u):
        raise ValueError(f"{op}: kernel must have shape (features, {gates} * units) = "
                         f"{(f, gates * u)} for x of shape {x.shape} and recurrent_kernel of "
                         f"shape {recurrent_kernel.shape}; received shape {kernel.shape}")
    return n, t, f, u


def check_state(op, name, s, n, u):
    if s is not None and s.shape != (n, u):
        raise ValueError(f"{op}: {name} must have shape (batch, units) = {(n, u)}; received "
                         f"shape {s.shape}")


def recurrent_mask(op, m, n, u, dtype, mod=np):
    """A recurrent-dropout mask (N, U) of multipliers (0 or 1 / (1 - rate), fixed for the whole
    sequence: h_{t-1} * m feeds every step's recurrent product) as a (U, N) column block, or
    None."""
    if m is None:
        return None
    arr = backend.asarray(m.data if isinstance(m, Tensor) else m, xp=mod)
    if arr.shape != (n, u):
        raise ValueError(f"{op}: recurrent_dropout_mask must have shape (batch, units) = "
                         f"{(n, u)}; received shape {arr.shape}")
    return mod.ascontiguousarray(arr.T, dtype=dtype)


def masked_states(hs, rm):
    """The states block hs (U, T, N) with the recurrent-dropout mask applied to every step, for
    the weight-gradient GEMM (dW_R = sum_t (h_{t-1} * m)^T da_t)."""
    return hs * rm[:, None, :]


def state_or_zeros(s, n, u, dtype, mod=np):
    return mod.zeros((n, u), dtype) if s is None else s


def mask_array(mask):
    """A mask given as a Tensor, list or array, as a bool ndarray (or None)."""
    if mask is None:
        return None
    m = mask.data if isinstance(mask, Tensor) else mask
    return (m if backend.is_array(m) else np.asarray(m)).astype(bool, copy=False)


def unit_major(op, x, mask, go_backwards, out=None):
    """x (N, T, F) as (F + 1, T, N): features first, then steps in processing order, then the
    batch, with a last row of ones (it carries the bias through the input GEMM and brings its
    gradient back from the weight-gradient GEMM), written into `out` when given; and the mask
    in processing order as (T, N) bool with a per-step "some row is masked" flag list (None
    when nothing is masked)."""
    n, t, f = x.shape
    xs = x[:, ::-1] if go_backwards else x
    mod = backend.array_module(x)
    x1 = mod.empty((f + 1, t, n), x.dtype) if out is None else out
    x1[:f] = xs.transpose(2, 1, 0)
    x1[f] = 1
    if mask is None:
        return x1, None, None
    if mask.shape != (n, t):
        raise ValueError(f"{op}: mask must have shape (batch, timesteps) = {(n, t)}; received "
                         f"shape {mask.shape}")
    # the per-step flags steer the Python loop: the mask is read once on the host for them
    mask = backend.asarray(mask, xp=mod)
    mt = mod.ascontiguousarray((mask[:, ::-1] if go_backwards else mask).T)
    partial = backend.to_host((~mt).any(axis=1))
    if not partial.any():
        return x1, None, None
    return x1, mt, partial.tolist()


def input_weights(kernel, bias, scale, dt, cols=None):
    """[W_F; b]^T (G*U, F + 1) with columns (gates) reordered by `cols` and scaled by `scale`;
    a zero bias when `bias` is None."""
    w = kernel.astype(dt, copy=False)
    out = backend.array_module(w).zeros((w.shape[1], w.shape[0] + 1), dt)
    out[:, :-1] = (w if cols is None else w[:, cols]).T
    if bias is not None:
        b = bias.astype(dt, copy=False)
        out[:, -1] = b if cols is None else b[cols]
    out *= scale[:, None]
    return out


def input_projection(w1t, x1):
    """Every step's scaled x_t W_F + b at once: (T, G*U, N), each step a contiguous block."""
    _, t, n = x1.shape
    mod = backend.array_module(x1)
    out = workspace.empty((t, w1t.shape[0], n), x1.dtype, mod)
    return mod.matmul(w1t, x1.transpose(1, 0, 2), out=out)


def flat(a):
    """A (rows, T, N) block (possibly a slice of a longer time axis) as (rows, T*N)."""
    return a.reshape(a.shape[0], -1)


def input_grad(w, da, go_backwards):
    """dx (N, T, F) from all steps' pre-activation gradients da (G*U, T, N) and the kernel
    w (F, G*U) in the same gate order: dx_t^T = W_F da_t, one GEMM for all steps."""
    f, (_, t, n) = w.shape[0], da.shape
    gx = (w @ flat(da)).reshape(f, t, n).transpose(2, 1, 0)
    return gx[:, ::-1] if go_backwards else gx


def add_step_grad(dh, gy, k, n_steps):
    """dh (U, N) += the output gradient of step k, from gy (N, n_steps, U) or, when `gy` is
    the gradient of the last state only, (N, U)."""
    if gy.ndim == 3:
        dh += gy[:, k].T
    elif k == n_steps - 1:
        dh += gy.T


def as_dtype(g, like):
    return None if g is None else g.astype(like.dtype, copy=False)


def state_grad(g, like):
    """The gradient of an initial state, from its (U, N) column block to (N, U) row-major."""
    return backend.array_module(g).ascontiguousarray(g.T, dtype=like.dtype)


def record_norm(norms, dh):
    if norms is not None:
        norms.append(float((dh * dh).sum()) ** 0.5)


# ------------------------------------------------------------------------------ diagnostics


def state_gradient_norms(op, x, *args, grad_last=None, **kwargs):
    """||dL/dh_t|| for every step t = 1..T of a recurrent op, by backpropagation through time,
    for the loss L = sum(grad_last * h_T) on the last state.

    The gradients with respect to intermediate states never exist as tensors in the graph (the
    steps are linked inside the fused op), so the op's backward records them on request. A
    plain RNN's norms shrink geometrically as t goes back (the vanishing gradient of the
    notes); an LSTM's cell path keeps them alive much longer.

    Args:
        op: `simple_rnn`, `lstm` or `gru` (any op accepting `state_grad_norms=`).
        x, *args, **kwargs: the op's arguments (arrays or Tensors).
        grad_last: dL/dh_T, shape (N, U). Defaults to ones.

    Returns:
        A float64 ndarray of shape (T,): entry t - 1 is ||dL/dh_t|| (Frobenius norm over the
        batch and the units), t in processing order.

    >>> import numpy as np
    >>> from ember.ops.rnn_simple import simple_rnn
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(2, 30, 3)).astype("float32")
    >>> w, r = 0.1 * rng.normal(size=(3, 4)), 0.1 * rng.normal(size=(4, 4))
    >>> norms = state_gradient_norms(simple_rnn, x, w.astype("float32"), r.astype("float32"))
    >>> norms.shape, bool(norms[0] < 1e-10 * norms[-1])
    ((30,), True)
    """
    norms = []
    with enable_grad():
        arr = x.data if isinstance(x, Tensor) else np.asarray(x)       # keep float64 as is
        xt = x if isinstance(x, Tensor) and x.requires_grad else Tensor(
            arr, dtype=arr.dtype if arr.dtype.kind == "f" else None, requires_grad=True)
        outputs = op(xt, *args, return_sequences=False, state_grad_norms=norms, **kwargs)
        h_last = outputs[1]
        seed = np.ones(h_last.shape, h_last.dtype) if grad_last is None else grad_last
        grad(h_last, [xt], grad_outputs=seed)
    return np.array(norms[::-1], dtype=np.float64)  # float64 on purpose: tiny norms (1e-20)
