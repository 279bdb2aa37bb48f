"""Elementwise arithmetic with NumPy broadcasting, each forward next to its backward.

Gradients of broadcast inputs are summed back to the input's shape by `unbroadcast`.
Comparisons return bool tensors and are not differentiated.
"""

import numpy as np

from ember import backend
from ember.autograd import Function, unbroadcast
from ember.ops.dtypes import as_tensor, float_tensor, promote
from ember.tensor import Tensor


def _coerce(value, like):
    """A non-Tensor operand: Python scalars stay weak (keep the tensor's dtype); arrays of a
    float or integer kind are cast to a float tensor's dtype so float32 stays float32. NumPy
    scalars (np.float64 subclasses float) are not weak in NumPy 2, so they take the array path."""
    if isinstance(value, int | float | bool) and not isinstance(value, np.generic):
        return value
    # an array operand goes where the tensor lives (a host array next to a GPU tensor is copied)
    arr = backend.asarray(value, like=like.data)
    if like.data.dtype.kind == "f" and arr.dtype.kind in "biuf" and arr.dtype != like.dtype:
        arr = arr.astype(like.data.dtype)
    elif arr.dtype.kind not in "biuf":
        raise TypeError(f"operand of dtype {arr.dtype} is not supported")
    return arr


def _binary(cls, a, b):
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a.dtype != b.dtype or cls.to_float and a.dtype.kind != "f":
            a, b = promote(cls.op, a, b, to_float=cls.to_float)
        return cls.apply(a, b)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        if not isinstance(b, int | float | bool) or isinstance(b, np.generic):
            return cls.apply(*promote(cls.op, a, b, to_float=cls.to_float))
        a = as_tensor(a, cls.op, "x1")
    t = a if isinstance(a, Tensor) else b
    other = b if t is a else a
    if isinstance(other, np.ndarray | np.generic | list | tuple) and np.asarray(
            other).dtype != t.dtype:
        # arrays join Keras' promotion (float64 NumPy data counts as floatx, ember's rule)
        return cls.apply(*promote(cls.op, a, b, to_float=cls.to_float))
    if t.dtype.kind != "f" and (cls.to_float or isinstance(other, float | np.floating) or (
            isinstance(other, np.ndarray) and other.dtype.kind == "f")):
        # an integer tensor meets a float: Keras' promotion (floatx, not NumPy's float64)
        return cls.apply(*promote(cls.op, a, b, to_float=cls.to_float))
    if isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            b = _coerce(b, a)
    elif isinstance(b, Tensor):
        a = _coerce(a, b)
    else:
        a = Tensor(a)
        b = _coerce(b, a)
    return cls.apply(a, b)


def _shape_error(op, x, y):
    return ValueError(
        f"{op}: operands could not be broadcast together: shapes {np.shape(x)} and "
        f"{np.shape(y)}"
    )


class _Binary(Function):
    """Shared forward plumbing: remember both input shapes, name the op in broadcast errors."""

    op = "binary"
    to_float = False  # integer inputs give floatx (true division)

    def forward(self, x, y):
        self.xs, self.ys = np.shape(x), np.shape(y)
        try:
            return self.compute(x, y)
        except ValueError:
            raise _shape_error(self.op, x, y) from None


class Add(_Binary):
    """z = x + y;  gx = gz,  gy = gz (summed over broadcast axes)."""

    op = "add"

    def compute(self, x, y):
        return x + y

    def backward(self, gz):
        return unbroadcast(gz, self.xs), unbroadcast(gz, self.ys)


class Sub(_Binary):
    """z = x - y;  gx = gz,  gy = -gz."""

    op = "sub"

    def compute(self, x, y):
        return x - y

    def backward(self, gz):
        gy = -unbroadcast(gz, self.ys) if self.needs_input_grad[1] else None
        return unbroadcast(gz, self.xs), gy


class Mul(_Binary):
    """z = x * y;  gx = gz * y,  gy = gz * x."""

    op = "mul"

    def compute(self, x, y):
        self.save_for_backward(x, y)
        return x * y

    def backward(self, gz):
        x, y = self.saved
        gx = unbroadcast(gz * y, self.xs) if self.needs_input_grad[0] else None
        gy = unbroadcast(gz * x, self.ys) if self.needs_input_grad[1] else None
        return gx, gy


class Div(_Binary):
    """z = x / y;  gx = gz / y,  gy = -gz * z / y."""

    op = "div"
    to_float = True

    def compute(self, x, y):
        z = x / y
        self.save_for_backward(y, z)
        return z

    def backward(self, gz):
        y, z = self.saved
        gx = unbroadcast(gz / y, self.xs) if self.needs_input_grad[0] else None
        gy = unbroadcast(-gz * z / y, self.ys) if self.needs_input_grad[1] else None
        return gx, gy


class Pow(_Binary):
    """z = x ** p;  gx = gz * p * x ** (p - 1),  gp = gz * z * log(x) (0 where x == 0, p >= 0)."""

    op = "pow"

    def compute(self, x, p):
        z = np.power(x, p)
        self.save_for_backward(x, p, z)
        return z

    def backward(self, gz):
        x, p, z = self.saved
        gx = gp = None
        if self.needs_input_grad[0]:
            gx = unbroadcast(gz * p * np.power(x, p - 1), self.xs)
        if self.needs_input_grad[1]:
            zero = (x == 0) & (p >= 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                # astype: a Python-scalar base (2.0 ** t) would make log(x) float64
                logx = np.log(np.where(zero, 1, x)).astype(gz.dtype, copy=False)
            gp = unbroadcast(gz * z * logx, self.ys)
        return gx, gp


class Maximum(_Binary):
    """z = max(x, y);  the gradient goes to the larger input, split in half on ties."""

    op = "maximum"

    def compute(self, x, y):
        self.save_for_backward(x, y)
        return np.maximum(x, y)

    def backward(self, gz):
        x, y = self.saved
        share = np.where(x > y, 1.0, np.where(x == y, 0.5, 0.0)).astype(gz.dtype)
        gx = unbroadcast(gz * share, self.xs) if self.needs_input_grad[0] else None
        gy = unbroadcast(gz * (1 - share), self.ys) if self.needs_input_grad[1] else None
        return gx, gy


class Minimum(_Binary):
    """z = min(x, y);  the gradient goes to the smaller input, split in half on ties."""

    op = "minimum"

    def compute(self, x, y):
        self.save_for_backward(x, y)
        return np.minimum(x, y)

    def backward(self, gz):
        x, y = self.saved
        share = np.where(x < y, 1.0, np.where(x == y, 0.5, 0.0)).astype(gz.dtype)
        gx = unbroadcast(gz * share, self.xs) if self.needs_input_grad[0] else None
        gy = unbroadcast(gz * (1 - share), self.ys) if self.needs_input_grad[1] else None
        return gx, gy


class Neg(Function):
    """y = -x;  gx = -gy."""

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class Exp(Function):
    """y = exp(x);  gx = gy * y."""

    def forward(self, x):
        y = np.exp(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        return gy * self.saved[0]


class Log(Function):
    """y = log(x);  gx = gy / x."""

    def forward(self, x):
        self.save_for_backward(x)
        return np.log(x)

    def backward(self, gy):
        return gy / self.saved[0]


class Log1p(Function):
    """y = log(1 + x);  gx = gy / (1 + x)."""

    def forward(self, x):
        self.save_for_backward(x)
        return np.log1p(x)

    def backward(self, gy):
        return gy / (1 + self.saved[0])


class Sqrt(Function):
    """y = sqrt(x);  gx = gy / (2 y)."""

    def forward(self, x):
        y = np.sqrt(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        return gy / (2 * self.saved[0])


class Abs(Function):
    """y = |x|;  gx = gy * sign(x) (0 at x = 0)."""

    def forward(self, x):
        self.save_for_backward(x)
        return np.abs(x)

    def backward(self, gy):
        return gy * np.sign(self.saved[0])


class Sign(Function):
    """y = sign(x);  gx = 0 (piecewise constant)."""

    def forward(self, x):
        return np.sign(x)

    def backward(self, gy):
        return np.zeros_like(gy)


class Clip(Function):
    """y = min(max(x, lo), hi);  gx = gy where lo <= x <= hi, else 0."""

    def forward(self, x, lo, hi):
        self.save_for_backward(x, lo, hi)
        return np.clip(x, lo, hi)

    def backward(self, gy):
        x, lo, hi = self.saved
        if lo is None and hi is None:
            return gy, None, None
        keep = (x >= lo) if lo is not None else None
        if hi is not None:
            keep = (x <= hi) if keep is None else keep & (x <= hi)
        return gy * keep, None, None


class Where(Function):
    """z = x where cond else y;  gx = gy where cond,  gy = gy elsewhere."""

    def forward(self, cond, x, y):
        self.save_for_backward(cond)
        self.xs, self.ys = np.shape(x), np.shape(y)
        try:
            return np.where(cond, x, y)
        except ValueError:
            raise ValueError(f"where: condition, x and y could not be broadcast together: "
                             f"shapes {np.shape(cond)}, {self.xs} and {self.ys}") from None

    def backward(self, gz):
        (cond,) = self.saved
        gx = unbroadcast(np.where(cond, gz, 0), self.xs) if self.needs_input_grad[1] else None
        gy = unbroadcast(np.where(cond, 0, gz), self.ys) if self.needs_input_grad[2] else None
        return None, gx, gy


class Cast(Function):
    """y = x converted to `dtype`;  gx = gy converted back (float to float only)."""

    def forward(self, x, dtype):
        self.in_dtype = x.dtype
        return x.astype(dtype)

    def backward(self, gy):
        if self.in_dtype.kind != "f":
            return None, None
        return gy.astype(self.in_dtype), None


def add(x1, x2):
    """x + y with broadcasting."""
    return _binary(Add, x1, x2)


def sub(x, y):
    """x - y with broadcasting."""
    return _binary(Sub, x, y)


def mul(x, y):
    """x * y with broadcasting."""
    return _binary(Mul, x, y)


def div(x, y):
    """x / y with broadcasting."""
    return _binary(Div, x, y)


def pow(x, p):  # noqa: A001  (the public name mirrors Python's operator)
    """x ** p, where p is a Python number or a tensor."""
    return _binary(Pow, x, p)


def maximum(x1, x2):
    """Elementwise maximum; the gradient is split in half between equal inputs."""
    return _binary(Maximum, x1, x2)


def minimum(x1, x2):
    """Elementwise minimum; the gradient is split in half between equal inputs."""
    return _binary(Minimum, x1, x2)


def neg(x):
    """-x."""
    return Neg.apply(x if isinstance(x, Tensor) else as_tensor(x, "neg"))


def exp(x):
    """e ** x."""
    return Exp.apply(float_tensor(x, "exp"))


def log(x):
    """Natural logarithm."""
    return Log.apply(float_tensor(x, "log"))


def log1p(x):
    """log(1 + x), accurate for small x."""
    return Log1p.apply(float_tensor(x, "log1p"))


def sqrt(x):
    """Square root."""
    return Sqrt.apply(float_tensor(x, "sqrt"))


def abs(x):  # noqa: A001
    """|x|; its gradient at 0 is 0."""
    return Abs.apply(x if isinstance(x, Tensor) else as_tensor(x, "abs"))


def sign(x):
    """-1, 0 or 1; not differentiable (zero gradient)."""
    return Sign.apply(x if isinstance(x, Tensor) else as_tensor(x, "sign"))


def clip(x, x_min=None, x_max=None):
    """Limit values to [x_min, x_max]; the gradient passes inside the interval (either bound
    may be None). Bool inputs become int32, as Keras.

    >>> import ember
    >>> ember.ops.clip(ember.tensor([-2.0, 0.5, 3.0]), 0.0, 1.0).numpy()
    array([0. , 0.5, 1. ], dtype=float32)
    """
    if x_min is None and x_max is None:
        raise ValueError("clip: at least one of x_min and x_max must be given")
    x = as_tensor(x, "clip")
    if x.dtype.kind == "b":
        x = cast(x, "int32")
    # NumPy bounds (np.float64 scalars, float64 arrays) take x's dtype: float32 stays float32
    lo, hi = (b if b is None or isinstance(b, Tensor) else _coerce(b, x)
              for b in (x_min, x_max))
    if x.dtype.kind in "iu" and any(isinstance(b, float) for b in (lo, hi)):
        x = cast(x, promote("clip", x, *[b for b in (lo, hi) if b is not None])[0].dtype)
    return Clip.apply(x, lo, hi)


def where(condition, x1=None, x2=None):
    """Pick from `x1` where `condition` holds, else from `x2` (broadcasting all three); with
    only `condition`, the indices of its nonzero elements (as `nonzero`).

    >>> import ember
    >>> ember.ops.where(ember.tensor([True, False]), 1.0, 0.0).numpy()
    array([1., 0.], dtype=float32)
    """
    if x1 is None and x2 is None:
        from ember.ops.indexing import nonzero  # noqa: PLC0415

        return nonzero(as_tensor(condition, "where", "condition"))
    if x1 is None or x2 is None:
        raise ValueError("where: give both x1 and x2, or neither")
    cond = as_tensor(condition, "where", "condition").data.astype(bool, copy=False)
    x, y = x1, x2
    if not isinstance(x, Tensor) or not isinstance(y, Tensor) or x.dtype != y.dtype:
        x, y = promote("where", x, y, names=["x1", "x2"])
    return Where.apply(cond, x, y)


def cast(x, dtype):
    """Convert to `dtype`; the gradient flows back between float dtypes. Integer and bool
    results are not differentiated (they never require grad)."""
    if not isinstance(x, Tensor):
        x = Tensor(x)
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        return Tensor._wrap(x.data.astype(dtype))
    return Cast.apply(x, dtype)


def _compare(fn, x, y):
    if isinstance(x, Tensor) and isinstance(y, Tensor) and x.dtype == y.dtype:
        return _result(fn(*_together(x.data, y.data)))
    # fast path: a Python number against a tensor of its kind (or a float tensor)
    for t, v in ((x, y), (y, x)):
        if isinstance(t, Tensor) and isinstance(v, int | float) and not isinstance(v, bool) \
                and (t.dtype.kind == "f" or isinstance(v, int)):
            a, b = (t.data, v) if t is x else (v, t.data)
            return _result(fn(a, b))
    a, b = promote(fn.__name__, x, y)
    return _result(fn(*_together(a.data, b.data)))


def _together(a, b):
    """Two arrays on one device: a host operand goes where the other operand lives."""
    if backend.is_device_array(a) and not backend.is_device_array(b):
        return a, backend.asarray(b, like=a)
    if backend.is_device_array(b) and not backend.is_device_array(a):
        return backend.asarray(a, like=b), b
    return a, b


def _result(out):
    """A comparison's result as a Tensor (NumPy gives a bool scalar for 0-d inputs)."""
    return Tensor._wrap(out if backend.is_array(out) else np.asarray(out))


def equal(x1, x2):
    """x == y elementwise, as a bool tensor."""
    return _compare(np.equal, x1, x2)


def not_equal(x1, x2):
    """x != y elementwise, as a bool tensor."""
    return _compare(np.not_equal, x1, x2)


def less(x1, x2):
    """x < y elementwise, as a bool tensor."""
    return _compare(np.less, x1, x2)


def less_equal(x1, x2):
    """x <= y elementwise, as a bool tensor."""
    return _compare(np.less_equal, x1, x2)


def greater(x1, x2):
    """x > y elementwise, as a bool tensor."""
    return _compare(np.greater, x1, x2)


def greater_equal(x1, x2):
    """x >= y elementwise, as a bool tensor."""
    return _compare(np.greater_equal, x1, x2)
