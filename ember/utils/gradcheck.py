"""Finite-difference gradient checking, for ember's tests and for users' own ops."""

import numpy as np

from ember.autograd import grad, no_grad
from ember.tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when an analytic gradient disagrees with central differences."""


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0, raise_exception=True):
    """Compare `fn`'s backward pass with float64 central differences.

    The output is projected on a random direction v, so one backward gives J^T v, and each
    input element is perturbed by +-eps to estimate the same vector numerically:
    (f(x + eps) - f(x - eps)) / (2 eps). Float32 inputs are refused: with 7 significant digits
    the differences are mostly rounding error.

    Args:
        fn: takes Tensors, returns one Tensor.
        inputs: a Tensor/array or a list of them. Float ones must be float64 and are checked;
            integer and bool ones are passed through unchanged.
        eps, atol, rtol: as `torch.autograd.gradcheck`. Defaults 1e-6, 1e-5, 1e-3.
        seed: seed of the random projection. Defaults to 0.
        raise_exception: raise `GradcheckError` on a mismatch (else return False).

    Returns:
        True when every gradient matches.

    >>> import numpy as np, ember
    >>> x = ember.tensor(np.array([0.5, -1.0, 2.0]), dtype="float64")
    >>> ember.utils.gradcheck(lambda t: (t * t).sum(), [x])
    True
    """
    single = not isinstance(inputs, list | tuple)
    items = [inputs] if single else list(inputs)
    arrays = [np.asarray(t.data if isinstance(t, Tensor) else t) for t in items]
    for i, a in enumerate(arrays):
        if a.dtype.kind == "f" and a.dtype != np.float64:
            raise TypeError(
                f"gradcheck: inputs[{i}] is {a.dtype}; gradient checks need float64 inputs "
                "(finite differences in float32 are dominated by rounding error). Convert "
                "with dtype='float64'."
            )
    checked = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    if not checked:
        raise ValueError("gradcheck: no float64 input to check")

    def call(arrs, track):
        ts = [Tensor(a, dtype=a.dtype, requires_grad=track and i in checked)
              for i, a in enumerate(arrs)]
        return ts, fn(*ts)

    ts, out = call(arrays, True)
    if not isinstance(out, Tensor) or out.dtype != np.float64:
        raise TypeError("gradcheck: fn must return one float64 Tensor")
    v = np.random.default_rng(seed).standard_normal(out.shape)
    analytic = grad(out, [ts[i] for i in checked], grad_outputs=v) if out.requires_grad else [
        None] * len(checked)

    for k, i in enumerate(checked):
        a = arrays[i].copy()
        numeric = np.zeros_like(a)
        flat, nflat = a.reshape(-1), numeric.reshape(-1)
        perturbed = list(arrays)
        perturbed[i] = a
        with no_grad():
            for j in range(flat.size):
                orig = flat[j]
                flat[j] = orig + eps
                fp = float(np.sum(call(perturbed, False)[1].data * v))
                flat[j] = orig - eps
                fm = float(np.sum(call(perturbed, False)[1].data * v))
                flat[j] = orig
                nflat[j] = (fp - fm) / (2 * eps)
        got = np.zeros_like(a) if analytic[k] is None else analytic[k].data
        if got.shape != a.shape:
            msg = f"gradcheck: gradient of inputs[{i}] has shape {got.shape}, expected {a.shape}"
        elif np.allclose(got, numeric, atol=atol, rtol=rtol, equal_nan=False):
            continue
        else:
            err = np.abs(got - numeric) - (atol + rtol * np.abs(numeric))
            j = np.unravel_index(int(np.nanargmax(np.where(np.isnan(err), np.inf, err))), a.shape)
            msg = (f"gradcheck: gradient of inputs[{i}] (shape {a.shape}) does not match "
                   f"finite differences; worst at index {tuple(int(n) for n in j)}: analytic "
                   f"{got[j]!r}, numerical {numeric[j]!r} (atol={atol}, rtol={rtol})")
        if raise_exception:
            raise GradcheckError(msg)
        return False
    return True
