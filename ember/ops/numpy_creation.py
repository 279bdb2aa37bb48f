"""Tensor constructors of Keras' `keras.ops.numpy`: filled tensors, ranges, identity and
triangle matrices, Vandermonde matrices and window functions.

Floats default to `floatx()` (float32) and Python integer ranges to int32, as Keras. linspace,
logspace and geomspace are compositions in their (tensor) endpoints, so they are
differentiable in them; the other constructors make constants.
"""


import numpy as np

from ember import backend, config
from ember.backend import array_module
from ember.device import current_device
from ember.ops.dtypes import as_tensor, promote, standardize_dtype
from ember.ops.elementwise import add, exp, log, mul, pow, sub
from ember.ops.shaping import reshape
from ember.tensor import Tensor


def _shape(shape, op):
    if isinstance(shape, Tensor):
        shape = shape.data.tolist()
    try:
        return (int(shape),) if np.ndim(shape) == 0 else tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: shape must be an int or a sequence of ints; received "
                        f"{shape!r}") from None


def _floatx_or(dtype):
    return standardize_dtype(dtype)


def _xp():
    """The array module of the current device: constructors create there."""
    return current_device().xp


def zeros(shape, dtype=None):
    """A tensor of zeros (floatx unless `dtype` says otherwise).

    >>> import ember
    >>> ember.ops.zeros((2,)).numpy()
    array([0., 0.], dtype=float32)
    """
    return Tensor._wrap(_xp().zeros(_shape(shape, "zeros"), dtype=_floatx_or(dtype)))


def ones(shape, dtype=None):
    """A tensor of ones (floatx unless `dtype` says otherwise)."""
    return Tensor._wrap(_xp().ones(_shape(shape, "ones"), dtype=_floatx_or(dtype)))


def empty(shape, dtype=None):
    """A tensor of the given shape; ember fills it with zeros (never uninitialised memory)."""
    return Tensor._wrap(_xp().zeros(_shape(shape, "empty"), dtype=_floatx_or(dtype)))


def full(shape, fill_value, dtype=None):
    """A tensor filled with `fill_value` (its dtype by Keras' rules unless `dtype` is given)."""
    fill = as_tensor(fill_value, "full", "fill_value")
    if dtype is None:
        dt = np.dtype(config.floatx()) if isinstance(fill_value, float) else fill.dtype
        if isinstance(fill_value, bool):
            dt = np.dtype(bool)
        elif isinstance(fill_value, int):
            dt = np.dtype("int32")
    else:
        dt = standardize_dtype(dtype)
    # a constructor: made on the fill value's device, else on the current device
    xp = array_module(fill.data)
    xp = current_device().xp if xp is np else xp
    data = backend.asarray(fill.data, xp=xp)
    return Tensor._wrap(xp.broadcast_to(data, _shape(shape, "full")).astype(dt))


def _like(x, op):
    return as_tensor(x, op).data


def zeros_like(x, dtype=None):
    """Zeros with the shape (and dtype, unless given) of x."""
    a = _like(x, "zeros_like")
    return Tensor._wrap(np.zeros_like(a, dtype=None if dtype is None else standardize_dtype(dtype)))


def ones_like(x, dtype=None):
    """Ones with the shape (and dtype, unless given) of x."""
    a = _like(x, "ones_like")
    return Tensor._wrap(np.ones_like(a, dtype=None if dtype is None else standardize_dtype(dtype)))


def empty_like(x, dtype=None):
    """A tensor with the shape (and dtype, unless given) of x, filled with zeros."""
    return zeros_like(as_tensor(x, "empty_like"), dtype)


def full_like(x, fill_value, dtype=None):
    """`fill_value` with the shape (and dtype, unless given) of x."""
    a = _like(x, "full_like")
    fill = as_tensor(fill_value, "full_like", "fill_value").data
    dt = a.dtype if dtype is None else standardize_dtype(dtype)
    xp = array_module(a)  # on x's device
    return Tensor._wrap(xp.broadcast_to(backend.asarray(fill, xp=xp), a.shape).astype(dt))


def array(x, dtype=None):
    """A tensor of x (Keras' `array`: `convert_to_tensor`)."""
    return as_tensor(x, "array", "x", None if dtype is None else standardize_dtype(dtype))


def _scalar(v, op, arg):
    if isinstance(v, Tensor):
        if v.size != 1:
            raise ValueError(f"{op}: {arg} must be a number; received shape {v.shape}")
        return v.data.reshape(()).item()
    return v


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in [start, stop) (int32 for integer arguments, floatx for floats).

    >>> import ember
    >>> ember.ops.arange(3).numpy(), ember.ops.arange(0.0, 1.0, 0.5).numpy()
    (array([0, 1, 2], dtype=int32), array([0. , 0.5], dtype=float32))
    """
    start = _scalar(start, "arange", "start")
    stop = _scalar(stop, "arange", "stop")
    step = _scalar(step, "arange", "step")
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    if step == 0:
        raise ValueError("arange: step must not be 0")
    if dtype is None:
        values = [v for v in (start, stop, step)]
        floaty = any(isinstance(v, float | np.floating) for v in values)
        dt = np.dtype(config.floatx()) if floaty else np.dtype("int32")
    else:
        dt = standardize_dtype(dtype)
    return Tensor._wrap(_xp().arange(start, stop, step).astype(dt))


def _endpoints(start, stop, op):
    return promote(op, start, stop, names=["start", "stop"], to_float=True)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from start to stop (inclusive unless endpoint=False);
    start and stop may be tensors (the values are placed along `axis`).

    >>> import ember
    >>> ember.ops.linspace(0.0, 1.0, 5).numpy()
    array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
    """
    if num < 0:
        raise ValueError(f"linspace: num must be >= 0; received {num}")
    a, b = _endpoints(start, stop, "linspace")
    if dtype is not None and standardize_dtype(dtype).kind == "f":
        a, b = a.astype(standardize_dtype(dtype).name), b.astype(standardize_dtype(dtype).name)
    div = (num - 1) if endpoint else num
    # float64 on purpose: the fractions are exact before the cast to the tensors' dtype
    t = np.arange(num, dtype=np.float64) / div if div > 0 else np.zeros(num)
    step = (b.data - a.data) / div if div > 0 else np.full_like(b.data, np.nan)
    shape = np.broadcast_shapes(a.shape, b.shape)
    ax = axis % (len(shape) + 1)
    tshape = [1] * len(shape)
    tshape.insert(ax, num)
    a_ = reshape(a, a.shape[:ax] + (1,) + a.shape[ax:]) if a.ndim else a
    b_ = reshape(b, b.shape[:ax] + (1,) + b.shape[ax:]) if b.ndim else b
    tt = Tensor._wrap(backend.asarray(t.reshape(tshape), dtype=a.dtype, like=a.data))
    out = add(a_, mul(sub(b_, a_), tt))
    if dtype is not None and standardize_dtype(dtype).kind != "f":
        out = out.astype(standardize_dtype(dtype).name)
    if retstep:
        return out, Tensor._wrap(backend.asarray(step, dtype=a.dtype, like=a.data))
    return out


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """base ** linspace(start, stop): `num` values evenly spaced on a log scale."""
    exps = linspace(start, stop, num, endpoint, dtype=None, axis=axis)
    out = pow(Tensor._wrap(backend.asarray(base, dtype=exps.dtype, like=exps.data)), exps)
    return out if dtype is None else out.astype(standardize_dtype(dtype).name)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` values from start to stop in geometric progression (start and stop of one sign,
    nonzero)."""
    a, b = _endpoints(start, stop, "geomspace")
    if np.any(a.data == 0) or np.any(b.data == 0):
        raise ValueError("geomspace: start and stop must be nonzero")
    sign = np.sign(a.data)
    la, lb = log(mul(a, sign)), log(mul(b, Tensor._wrap(sign)))
    out = mul(exp(linspace(la, lb, num, endpoint, axis=axis)),
              Tensor._wrap(np.expand_dims(sign, axis % (sign.ndim + 1)) if sign.ndim else sign))
    return out if dtype is None else out.astype(standardize_dtype(dtype).name)


def eye(N, M=None, k=0, dtype=None):  # noqa: N803  (Keras' names)
    """A 2-D tensor with ones on the k-th diagonal."""
    return Tensor._wrap(_xp().eye(int(N), None if M is None else int(M), int(k),
                               dtype=_floatx_or(dtype)))


def identity(n, dtype=None):
    """The n x n identity matrix."""
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):  # noqa: N803
    """Ones at and below the k-th diagonal, zeros above."""
    return Tensor._wrap(_xp().tri(int(N), None if M is None else int(M), int(k),
                               dtype=_floatx_or(dtype)))


def vander(x, N=None, increasing=False):  # noqa: N803
    """Columns of powers of the 1-D x: x^(N-1), ..., x, 1 (reversed when increasing)."""
    x = as_tensor(x, "vander")
    if x.ndim != 1:
        raise ValueError(f"vander: x must be 1-D; received shape {x.shape}")
    n = x.shape[0] if N is None else int(N)
    powers = backend.asarray(np.arange(n) if increasing else np.arange(n)[::-1], like=x.data)
    if x.dtype.kind in "biu":
        return Tensor._wrap(x.data[:, None] ** powers.astype(x.data.dtype if x.dtype.kind != "b"
                                                             else np.int32))
    return pow(reshape(x, (-1, 1)), Tensor._wrap(powers.astype(x.dtype)))


def _window(fn, x, op, *args):
    m = int(_scalar(x, op, "x"))
    # the window is computed on the host (a few values) and copied to the current device
    return Tensor._wrap(backend.asarray(fn(m, *args), dtype=config.floatx(), xp=_xp()))


def bartlett(x):
    """The Bartlett (triangular) window of length x."""
    return _window(np.bartlett, x, "bartlett")


def blackman(x):
    """The Blackman window of length x."""
    return _window(np.blackman, x, "blackman")


def hamming(x):
    """The Hamming window of length x."""
    return _window(np.hamming, x, "hamming")


def hanning(x):
    """The Hann window of length x."""
    return _window(np.hanning, x, "hanning")


def kaiser(x, beta):
    """The Kaiser window of length x with shape parameter beta."""
    return _window(np.kaiser, x, "kaiser", float(_scalar(beta, "kaiser", "beta")))


