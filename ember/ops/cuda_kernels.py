"""Fused CuPy kernels for the hot elementwise paths, used only when the array module is CuPy.

On a GPU every NumPy-style expression is one kernel launch per operation and one pass over
memory each; the sigmoid `where(x >= 0, 1, e) / (1 + e)` with `e = exp(-|x|)` is five. These
`cupy.ElementwiseKernel`s do the same arithmetic in one pass (same formulas, same stable
branches). Each is built on first use and cached; on the host nothing here is called.

- `sigmoid(x)`: the Sigmoid op's forward, and its backward `gy * y * (1 - y)`;
- `logistic_(a)`: a <- 1 / (1 + exp(a)) in place, the recurrent ops' gate activation (their
  weights are pre-scaled so that a = -z for the sigmoid and a = -2z for tanh);
- `logistic_deriv_(y, out)`: out <- y * (1 - y), the LSTM's saved gate derivative factor.

benchmarks/gpu_check.sh runs the op table on CuPy first, so each kernel is checked against the
NumPy path before any timing.
"""

_KERNELS = {}


def is_cupy(xp):
    """True when `xp` is the CuPy module (not numpy, not a test stand-in)."""
    return getattr(xp, "__name__", "") == "cupy"


def _kernel(name, in_params, out_params, body):
    k = _KERNELS.get(name)
    if k is None:
        import cupy  # noqa: PLC0415  (only on a GPU)

        k = _KERNELS[name] = cupy.ElementwiseKernel(in_params, out_params, body, name)
    return k


def sigmoid(x):
    """1 / (1 + exp(-x)) in one pass, never overflowing (the Sigmoid op's two branches)."""
    return _kernel("ember_sigmoid", "T x", "T y",
                   "T e = exp(-abs(x)); y = (x >= 0 ? T(1) : e) / (T(1) + e)")(x)


def sigmoid_grad(gy, y):
    """gy * y * (1 - y) in one pass."""
    return _kernel("ember_sigmoid_grad", "T gy, T y", "T gx", "gx = gy * y * (T(1) - y)")(gy, y)


def logistic_(a):
    """a <- 1 / (1 + exp(a)), in place."""
    _kernel("ember_logistic", "T a_in", "T a", "a = T(1) / (T(1) + exp(a_in))")(a, a)
    return a


def logistic_deriv_(y, out):
    """out <- y * (1 - y), in place."""
    _kernel("ember_logistic_deriv", "T y", "T out", "out = y * (T(1) - y)")(y, out)
    return out
