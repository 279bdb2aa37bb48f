"""`Tensor`, `Variable` and `constant`: the notes' TensorFlow section, on NumPy.

A `Tensor` wraps an ndarray (`data`) and, when it takes part in differentiation, the op that made
it (`_ctx`). Constants are never differentiated and cannot be written to; Variables are the
trainable state of a model and are tracked automatically; everything computed from a tracked
tensor is tracked too.
"""

import numpy as np

from ember import backend, config
from ember.device import current_device as _current_device

# The enclosing `ember.name_scope` names and `ember.StatelessScope`s (ember/scopes.py): kept
# here because every Variable reads them, and scopes.py imports this module.
_NAME_STACK = []
_STATELESS_STACK = []


def to_array(value, dtype=None):
    """Convert `value` to an ndarray with ember's dtype rules.

    float64 data (Python floats, float64 arrays) becomes `floatx()` (float32) unless `dtype`
    asks otherwise; float16/float32 arrays and float Tensors keep their dtype; integer and bool
    data keep theirs (indices, labels, masks).
    """
    if isinstance(value, Tensor):
        return value.data if dtype is None else value.data.astype(np.dtype(dtype), copy=False)
    if type(value) is not np.ndarray and backend.is_device_array(value):
        arr = value  # a device array stays where it is
        if dtype is not None:
            return arr.astype(np.dtype(dtype), copy=False)
    elif dtype is not None:
        arr = np.asarray(value, dtype=np.dtype(dtype))
    else:
        arr = np.asarray(value)
    if dtype is None:
        if arr.dtype == np.float64:
            arr = arr.astype(config.floatx())
        elif arr.dtype.kind not in "biuf":
            raise TypeError(
                f"ember tensors hold numbers or booleans; received data of dtype {arr.dtype}"
            )
    if type(arr) is np.ndarray:
        dev = _current_device()
        if dev.entry is not None:  # inside `ember.device("gpu")`: host data goes to the device
            arr = dev.xp.asarray(arr)
    return arr


class Tensor:
    """An n-dimensional array that can take part in automatic differentiation.

    Args:
        data: array-like. Floats become float32 unless `dtype` is given.
        dtype: optional dtype ("float32", "float64", "int64", ...).
        requires_grad: record operations on this tensor for `backward()`. Only float tensors
            can require gradients.

    >>> import ember
    >>> x = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x.shape, x.dtype
    ((2, 2), dtype('float32'))
    >>> (x @ x.T).numpy()
    array([[ 5., 11.],
           [11., 25.]], dtype=float32)
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "name", "_keras_mask", "__weakref__")
    __array_ufunc__ = None  # make `ndarray + Tensor` call Tensor.__radd__

    def __init__(self, data, dtype=None, requires_grad=False, name=None):
        self.data = to_array(data, dtype)
        self.grad = None
        self._ctx = None
        self.name = name
        self.requires_grad = False
        if requires_grad:
            self._require_grad(type(self).__name__)

    def _require_grad(self, where):
        if self.data.dtype.kind != "f":
            raise TypeError(
                f"{where}: only float tensors can require gradients; received dtype "
                f"{self.data.dtype}. Use a float dtype, or trainable=False / "
                "requires_grad=False for indices, labels and masks."
            )
        self.requires_grad = True

    # ----------------------------------------------------------------- properties
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    @property
    def T(self):
        return self.transpose()

    @property
    def is_leaf(self):
        return self._ctx is None

    def numpy(self):
        """The values as a NumPy ndarray (a copy, so changing it never changes the tensor; a
        tensor on a GPU is copied to the host)."""
        data = self.data
        return data.copy() if type(data) is np.ndarray else backend.to_host(data)

    @property
    def device(self):
        """Where the values live: "cpu", or "gpu:<index>" (Keras' names)."""
        if type(self.data) is np.ndarray:
            return "cpu"
        from ember.device import device_of  # noqa: PLC0415

        return str(device_of(self.data))

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors convert to a Python number; "
                             f"received shape {self.shape}")
        return self.data.item()

    def detach(self):
        """A tensor sharing the values, cut from the graph."""
        return Tensor._wrap(self.data)

    @staticmethod
    def _wrap(data):
        out = Tensor.__new__(Tensor)
        out.data = data
        out.grad = None
        out.requires_grad = False
        out._ctx = None
        out.name = None
        return out

    def backward(self, grad=None, retain_graph=False, create_graph=False):
        """Accumulate d(self)/d(leaf) into the `.grad` of every leaf that requires grad.

        Args:
            grad: the gradient to seed with; defaults to 1 for a one-element tensor.
            retain_graph: keep the graph for another backward. Defaults to False (freed).
            create_graph: higher-order gradients are not supported; True raises.
        """
        if create_graph:
            raise NotImplementedError(
                "backward: higher-order gradients (create_graph=True) are not supported by "
                "ember; gradients are computed as plain arrays outside the graph."
            )
        run_backward(self, grad, retain_graph)

    def zero_grad(self):
        """Forget the accumulated gradient."""
        self.grad = None

    def __repr__(self):
        body = np.array2string(backend.to_host(self.data), separator=", ", prefix="tensor(")
        tracked = ", requires_grad=True" if self.requires_grad else ""
        return f"{type(self).__name__}({body}, dtype={self.dtype}{tracked})"

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                             "use .any() or .all() on its numpy() values")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __array__(self, dtype=None, copy=None):
        data = self.data
        if type(data) is not np.ndarray:  # `np.asarray(t)` on a device tensor: a host copy
            data = backend.to_host(data)
            copy = False
        if dtype is not None and dtype != data.dtype:
            return data.astype(dtype)
        return data.copy() if copy else data

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __setitem__(self, key, value):
        raise TypeError(
            f"{type(self).__name__} does not support item assignment: constants are immutable "
            "and other tensors are values in a graph. Use an ember.Variable and its assign(), "
            "or ember.where() to build a new tensor."
        )

    __hash__ = object.__hash__

    # ----------------------------------------------------------------- operators
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.sub(self, other)

    def __rsub__(self, other):
        return ops.sub(other, self)

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(other, self)

    def __truediv__(self, other):
        return ops.div(self, other)

    def __rtruediv__(self, other):
        return ops.div(other, self)

    def __pow__(self, other):
        return ops.pow(self, other)

    def __rpow__(self, other):
        return ops.pow(other, self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __neg__(self):
        return ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.abs(self)

    def __getitem__(self, key):
        return ops.getitem(self, key)

    def __eq__(self, other):
        return ops.equal(self, other)

    def __ne__(self, other):
        return ops.not_equal(self, other)

    def __lt__(self, other):
        return ops.less(self, other)

    def __le__(self, other):
        return ops.less_equal(self, other)

    def __gt__(self, other):
        return ops.greater(self, other)

    def __ge__(self, other):
        return ops.greater_equal(self, other)

    # ----------------------------------------------------------------- methods
    def sum(self, axis=None, keepdims=False):
        return ops.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        return ops.mean(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        return ops.max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return ops.min(self, axis, keepdims)

    def var(self, axis=None, keepdims=False, ddof=0):
        return ops.var(self, axis, keepdims, ddof)

    def std(self, axis=None, keepdims=False, ddof=0):
        return ops.std(self, axis, keepdims, ddof)

    def logsumexp(self, axis=None, keepdims=False):
        return ops.logsumexp(self, axis, keepdims)

    def argmax(self, axis=None):
        return ops.argmax(self, axis)

    def argmin(self, axis=None):
        return ops.argmin(self, axis)

    def reshape(self, *shape):
        return ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes):
        return ops.transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def permute(self, *axes):
        return ops.transpose(self, axes[0] if len(axes) == 1 else axes)

    def swapaxes(self, axis1, axis2):
        return ops.swapaxes(self, axis1, axis2)

    def squeeze(self, axis=None):
        return ops.squeeze(self, axis)

    def expand_dims(self, axis):
        return ops.expand_dims(self, axis)

    def broadcast_to(self, shape):
        return ops.broadcast_to(self, shape)

    def flatten(self):
        return ops.flatten(self)

    def matmul(self, other):
        return ops.matmul(self, other)

    def dot(self, other):
        return ops.dot(self, other)

    def exp(self):
        return ops.exp(self)

    def log(self):
        return ops.log(self)

    def sqrt(self):
        return ops.sqrt(self)

    def abs(self):
        return ops.abs(self)

    def clip(self, min_value, max_value):
        return ops.clip(self, min_value, max_value)

    def sigmoid(self):
        return ops.sigmoid(self)

    def tanh(self):
        return ops.tanh(self)

    def relu(self):
        return ops.relu(self)

    def softmax(self, axis=-1):
        return ops.softmax(self, axis)

    def log_softmax(self, axis=-1):
        return ops.log_softmax(self, axis)

    def astype(self, dtype):
        return ops.cast(self, dtype)


class Variable(Tensor):
    """Trainable state: a tensor whose values can change, tracked for differentiation.

    Keras' signature: `Variable(initializer, shape=None, dtype=None, trainable=True,
    autocast=True, aggregation="none", synchronization="auto", name=None)`.

    Args:
        initializer: the initial value (array-like; Python numbers become float32), or an
            initializer (a name such as "zeros", an Initializer or a callable
            `(shape, dtype) -> array`), which then needs `shape`. `initial_value=` is
            accepted as another name for it.
        shape: the shape; required with an initializer, checked against a value.
        dtype: optional dtype. Defaults to the value's (float32 for Python numbers and
            float64 data) or `floatx()` with an initializer.
        trainable: compute gradients for it. Defaults to True. An integer Variable cannot be
            trainable.
        autocast, aggregation, synchronization: accepted and validated for Keras
            compatibility; ember runs one process in one precision, so they change nothing.
        name: optional name (shown by layers and in errors).

    >>> import ember
    >>> v = ember.Variable([1.0, 2.0], name="v")
    >>> v.assign_add([1.0, 1.0]).numpy()
    array([2., 3.], dtype=float32)
    >>> w = ember.Variable(initializer="ones", shape=(2,), dtype="float32")
    >>> w.numpy(), w.trainable
    (array([1., 1.], dtype=float32), True)
    """

    __slots__ = ("trainable", "_regularizer", "_constraint", "autocast", "aggregation",
                 "synchronization", "_path")

    def __init__(self, initializer=None, shape=None, dtype=None, trainable=True,
                 autocast=True, aggregation="none", synchronization="auto", name=None,
                 initial_value=None):
        if initial_value is not None:
            if initializer is not None:
                raise TypeError("Variable: pass either `initializer` or `initial_value`, "
                                "not both")
            initializer = initial_value
        if initializer is None:
            raise TypeError("Variable: missing the `initializer` (an initial value, or an "
                            "initializer with `shape`)")
        if isinstance(shape, bool):
            raise TypeError(f"Variable: the second argument is `shape` (Keras' order: "
                            f"initializer, shape, dtype, trainable, ...); received "
                            f"shape={shape!r}. Pass `trainable=` by keyword")
        if aggregation not in (None, "none", "mean", "sum", "only_first_replica"):
            raise ValueError(f"Invalid value for argument `aggregation`. Expected one of "
                             f"`None`, `'none'`, `'mean'`, `'sum'`, `'only_first_replica'`. "
                             f"Received: aggregation={aggregation}")
        if synchronization not in (None, "none", "on_read", "on_write", "auto"):
            raise ValueError(f"Invalid value for argument `synchronization`. Expected one of "
                             f"`None`, `'none'`, `'on_read'`, `'on_write'`, `'auto'`. "
                             f"Received: synchronization={synchronization}")
        if isinstance(initializer, str) or (callable(initializer) and not isinstance(
                initializer, Tensor | np.ndarray | np.generic)):
            value = _initial_value(initializer, shape, dtype)
        else:
            if dtype is None and not isinstance(initializer, np.ndarray | np.generic | Tensor) \
                    and not backend.is_device_array(initializer):
                arr = np.asarray(initializer)
                dtype = config.floatx() if arr.dtype.kind in "biuf" else None
            value = to_array(initializer, dtype).copy()
            if shape is not None and tuple(int(d) for d in shape) != value.shape:
                raise ValueError(f"Variable: the initial value has shape {value.shape}, but "
                                 f"the `shape` argument was {tuple(shape)}")
        super().__init__(value, dtype=value.dtype, name=name)
        self.trainable = bool(trainable)
        self.autocast = bool(autocast)
        self.aggregation = aggregation or "none"
        self.synchronization = synchronization or "none"
        self._path = "/".join([*_NAME_STACK, name]) if name and _NAME_STACK else name
        if self.trainable:
            self._require_grad(f"Variable {name!r}" if name else "Variable")

    @property
    def path(self):
        """The variable's name prefixed by the `ember.name_scope`s it was made in."""
        return self._path

    def _check_value(self, value, where):
        # the value goes where the variable lives, whatever the current device
        arr = backend.asarray(to_array(value, self.dtype), like=self.data)
        if arr.shape != self.shape:
            try:
                arr = backend.array_module(arr).broadcast_to(arr, self.shape)
            except ValueError:
                raise ValueError(
                    f"{where}: Variable {self.name!r} has shape {self.shape}; received a "
                    f"value of shape {arr.shape}"
                ) from None
        return arr

    def assign(self, value):
        """Set the values in place (same shape); returns the variable."""
        if _STATELESS_STACK:
            _STATELESS_STACK[-1]._own(self)
        self.data[...] = self._check_value(value, "assign")
        return self

    def assign_add(self, delta):
        """Add `delta` in place; returns the variable."""
        if _STATELESS_STACK:
            _STATELESS_STACK[-1]._own(self)
        self.data += self._check_value(delta, "assign_add")
        return self

    def assign_sub(self, delta):
        """Subtract `delta` in place; returns the variable."""
        if _STATELESS_STACK:
            _STATELESS_STACK[-1]._own(self)
        self.data -= self._check_value(delta, "assign_sub")
        return self

    @property
    def value(self):
        """The variable itself: the tensor that holds its values, as the backend tensor of
        Keras' `variable.value` (a torch Parameter on Keras' torch backend). So
        `variable.value.grad` is the gradient `loss.backward()` left (Keras' PyTorch-flavoured
        train_step); `.numpy()` gives a copy of the values."""
        return self

    def __repr__(self):
        body = np.array2string(backend.to_host(self.data), separator=", ", prefix="Variable(")
        return (f"Variable({body}, dtype={self.dtype}, name={self.name!r}, "
                f"trainable={self.trainable})")


def _initial_value(initializer, shape, dtype):
    """The array an initializer (a name, an Initializer or a callable) makes for `shape`."""
    if shape is None:
        raise ValueError(f"When creating a Variable from an initializer, the `shape` argument "
                         f"should be specified. Received: initializer={initializer} and "
                         f"shape={shape}")
    from ember import initializers  # noqa: PLC0415  (initializers import tensors)

    init = initializers.get(initializer) if isinstance(initializer, str) else initializer
    shape = tuple(int(d) for d in shape)
    dtype = np.dtype(dtype or config.floatx())
    value = np.array(to_array(init(shape, dtype=dtype), dtype), copy=True)
    if value.shape != shape:
        raise ValueError(f"Variable: the initializer returned shape {value.shape}, expected "
                         f"{shape}")
    return value


def tensor(data, dtype=None, requires_grad=False):
    """Make a Tensor (PyTorch style); floats default to float32.

    >>> import ember
    >>> ember.tensor([1, 2, 3]).dtype, ember.tensor([1.0, 2.0]).dtype
    (dtype('int64'), dtype('float32'))
    """
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def constant(value, dtype=None):
    """An immutable tensor that is never differentiated (TensorFlow's `tf.constant`).

    The values are copied, then made read-only: writing to them raises.

    >>> import ember
    >>> c = ember.constant([[1.0, 2.0]])
    >>> c.requires_grad, c.shape
    (False, (1, 2))
    """
    data = to_array(value, dtype).copy()
    if type(data) is np.ndarray:  # device arrays have no read-only flag
        data.flags.writeable = False
    return Tensor._wrap(data)


from ember import ops  # noqa: E402  (ops import Tensor)
from ember.autograd import run_backward  # noqa: E402
