"""The stateful `Metric` base and the reduction metrics `Mean`, `Sum`, `MeanMetricWrapper`.

Metrics are never differentiated: they take Tensors or array-likes, work on NumPy values and
keep their state in non-trainable float64 Variables (exact running sums over many batches),
returning float32 results as untracked Tensors.
"""

import numpy as np

from ember import backend, config
from ember.autograd import no_grad
from ember.device import current_device
from ember.losses.loss import Loss, squeeze_or_expand_to_same_rank, to_snake_case
from ember.tensor import Tensor, Variable, to_array

ACCUMULATOR = "float64"  # float64 on purpose: running sums over many batches


def as_numpy(value, arg, where):
    """The values of a Tensor or array-like as an ndarray of numbers (no copy for Tensors)."""
    arr = value.data if isinstance(value, Tensor) else backend.as_array(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: `{arg}` must hold numbers; received data of dtype {arr.dtype}")
    return arr


def divide_no_nan(a, b):
    """a / b, with 0 where b == 0 (Keras' `divide_no_nan`).

    >>> from ember.metrics.base import divide_no_nan
    >>> divide_no_nan([1.0, 2.0], [4.0, 0.0])
    array([0.25, 0.  ])
    """
    a = backend.as_array(a).astype(ACCUMULATOR, copy=False)
    b = backend.asarray(b, like=a).astype(ACCUMULATOR, copy=False)
    xp = backend.array_module(a)
    a, b = xp.broadcast_arrays(a, b)
    nonzero = b != 0
    return xp.where(nonzero, a / xp.where(nonzero, b, 1.0), 0.0)


class Metric:
    """Base class of ember's metrics (Keras 3 API).

    Subclasses create their state with `add_variable` in `__init__` and implement
    `update_state(...)` and `result()`; `reset_state()` zeroes every variable.

    Args:
        name: defaults to the snake-case class name.
        dtype: the float dtype of `result()`. Defaults to `ember.config.floatx()`.

    >>> import ember
    >>> m = ember.metrics.Mean()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0])
    >>> float(m.result()), [v.name for v in m.variables]
    (4.0, ['total', 'count'])
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        dtype = np.dtype(dtype or config.floatx())
        if dtype.kind != "f":
            raise ValueError(f"{type(self).__name__}: `dtype` must be a float dtype; "
                             f"received dtype={dtype.name!r}")
        self.dtype = dtype.name
        self._variables = []

    def add_variable(self, shape, name, dtype=ACCUMULATOR, like=None):
        """A zero-initialised, non-trainable Variable holding part of the metric's state, on
        the device of array `like` (default: the current device, so a model compiled inside
        `ember.device("gpu")` keeps its running sums there)."""
        xp = backend.array_module(like) if like is not None else current_device().xp
        v = Variable(xp.zeros(shape, dtype=dtype), trainable=False, name=name, dtype=dtype)
        self._variables.append(v)
        return v

    @property
    def variables(self):
        """The state Variables (a new list)."""
        return list(self._variables)

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def reset_state(self):
        """Zero every state variable (call it at the start of each epoch)."""
        for v in self._variables:
            v.assign(backend.array_module(v.data).zeros(v.shape, dtype=v.dtype))

    def __call__(self, *args, **kwargs):
        """`update_state(*args, **kwargs)`, then `result()`."""
        self.update_state(*args, **kwargs)
        return self.result()

    def _out(self, value):
        return Tensor._wrap(backend.as_array(value).astype(self.dtype, copy=False))

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, where="metric"):
    """Keras' rule: line weights up with values, reduce values to the weights' rank, weight
    them, then reduce both to one value per sample (axis 0). Returns `(values, weights)`."""
    values = backend.as_array(values).astype(ACCUMULATOR, copy=False)
    if sample_weight is not None:
        sw = backend.asarray(as_numpy(sample_weight, "sample_weight", where), like=values)
        sw = sw.astype(ACCUMULATOR, copy=False)
        values, sw = squeeze_or_expand_to_same_rank(values, sw)
        if values.ndim > sw.ndim:
            values = reduce_fn(values, axis=tuple(range(sw.ndim, values.ndim)))
        try:
            sw = np.broadcast_to(sw, values.shape)
        except ValueError:
            raise ValueError(f"{where}: `sample_weight` of shape {sw.shape} cannot be "
                             f"broadcast to the values of shape {values.shape}") from None
        values = values * sw
        if sw.ndim > 1:
            sw = reduce_fn(sw, axis=tuple(range(1, sw.ndim)))
        sample_weight = sw
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of the values seen.

    >>> import ember
    >>> m = ember.metrics.Sum()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    4.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "total")

    def update_state(self, values, sample_weight=None):
        values = as_numpy(values, "values", self.name)
        values, _ = reduce_to_samplewise_values(values, sample_weight, np.sum, self.name)
        self.total.assign_add(np.sum(values))

    def result(self):
        return self._out(self.total.data)


class Mean(Metric):
    """The (weighted) mean of the values seen: `total / count`.

    Values of shape `(N, ...)` are first reduced to one value per sample; a sample weight
    counts that sample `weight` times (a scalar weight weights the whole batch's mean).

    >>> import ember
    >>> m = ember.metrics.Mean()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "total")
        self.count = self.add_variable((), "count")

    def update_state(self, values, sample_weight=None):
        values = as_numpy(values, "values", self.name)
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, np.mean,
                                                            self.name)
        self.total.assign_add(np.sum(values))
        if sample_weight is not None:
            n = np.sum(sample_weight)
        else:
            n = values.shape[0] if values.ndim >= 1 else 1
        self.count.assign_add(n)

    def result(self):
        return self._out(divide_no_nan(self.total.data, self.count.data))


def fn_name(fn):
    """A readable name for a metric or loss callable."""
    return getattr(fn, "name", None) or getattr(fn, "__name__", None) or to_snake_case(
        type(fn).__name__)


class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` over all samples seen: any loss as a metric.

    `fn` returns one value per sample (a loss function, an accuracy function, ...). A `Loss`
    instance is evaluated per sample too (its `call`), so sample weights and uneven batch
    sizes give the exact mean. Masks (`y_pred._keras_mask`, or one the values carry) drop
    entries. Nothing is differentiated (runs under `no_grad`).

    Args:
        fn: the function.
        name: defaults to the function's name.
        dtype: the dtype of `result()`.
        **kwargs: passed on to `fn`.

    >>> import ember
    >>> m = ember.metrics.MeanMetricWrapper(ember.losses.mean_absolute_error)
    >>> m.update_state([[0.0, 1.0]], [[1.0, 3.0]])
    >>> m.update_state([[0.0], [2.0]], [[0.0], [2.5]])
    >>> m.name, round(float(m.result()), 4)
    ('mean_absolute_error', 0.6667)
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper: `fn` must be callable; received {fn!r}")
        super().__init__(name=name or fn_name(fn), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        in_mask = getattr(y_pred, "_keras_mask", None)
        with no_grad():
            if isinstance(self._fn, Loss):
                values = self._fn.call(y_true, y_pred)
            else:
                values = self._fn(y_true, y_pred, **self._fn_kwargs)
        masks = [to_array(m) for m in (in_mask, getattr(values, "_keras_mask", None))
                 if m is not None]
        values = as_numpy(values, "values", self.name)
        for mask in masks:
            mask = mask.astype(ACCUMULATOR)
            if sample_weight is None:
                sample_weight = mask
            else:
                sw = backend.asarray(as_numpy(sample_weight, "sample_weight", self.name),
                                     like=mask).astype(ACCUMULATOR, copy=False)
                mask, sw = squeeze_or_expand_to_same_rank(mask, sw)
                sample_weight = sw * mask
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config["fn"] = fn_name(self._fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("fn"), str):
            from ember.metrics import get_function  # noqa: PLC0415  (registry imports us)

            config["fn"] = get_function(config["fn"])
        return cls(**config)
