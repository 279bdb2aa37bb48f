"""The `Normalization` layer: feature-wise standardisation with statistics from `adapt`."""

import numpy as np

from ember import backend, ops
from ember.layers._utils import cast_inputs
from ember.layers.base import Layer
from ember.tensor import Tensor

EPSILON = 1e-7  # Keras' backend.epsilon(): the smallest standard deviation divided by


class Normalization(Layer):
    """y = (x - mean) / max(sqrt(variance), 1e-7) per feature (Keras 3's formula), or, with
    `invert=True`, y = mean + x * max(sqrt(variance), 1e-7).

    The statistics are given (`mean`, `variance`) or computed by `adapt(data)`: the mean and
    (biased) variance over every axis but `axis`. Adapted statistics are the layer's two
    non-trainable weights ("mean", "variance"), so `model.save` / `load_model` keep them;
    given ones are part of the config. Before `adapt` the weights are 0 and 1 (the identity).

    Args:
        axis: the axis (or tuple of axes) with a separate mean and variance per index;
            None for one scalar mean and variance. Defaults to -1 (the features or channels).
        mean, variance: the statistics, broadcast to the kept axes' shape; both or neither.
        invert: undo the normalisation instead. Defaults to False.

    >>> import numpy as np, ember
    >>> data = np.array([[0.0, 10.0], [2.0, 30.0]])
    >>> norm = ember.layers.Normalization()
    >>> norm.adapt(data)
    >>> norm.mean.numpy(), norm.variance.numpy()
    (array([ 1., 20.], dtype=float32), array([  1., 100.], dtype=float32))
    >>> norm(data).numpy()
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        where = f"Normalization '{self.name}'"
        if axis is None:
            axes = ()
        elif isinstance(axis, int | np.integer) and not isinstance(axis, bool):
            axes = (int(axis),)
        elif isinstance(axis, list | tuple) and all(
                isinstance(a, int | np.integer) and not isinstance(a, bool) for a in axis):
            axes = tuple(int(a) for a in axis)
        else:
            raise ValueError(f"{where}: expected `axis` to be an int, a tuple of ints or None; "
                             f"received axis={axis!r}")
        if 0 in axes:
            raise ValueError(f"{where}: `axis` may not contain the batch axis 0; received "
                             f"axis={axis!r}")
        if (mean is None) != (variance is None):
            raise ValueError(f"{where}: when setting the statistics directly, both `mean` and "
                             f"`variance` must be set; received mean={mean!r} and "
                             f"variance={variance!r}")
        self.axis = axis if axis is None or isinstance(axis, int | np.integer) else list(axes)
        self._axes = axes
        self.invert = bool(invert)
        self.input_mean = self.input_variance = None
        if mean is not None:
            self.input_mean = np.asarray(mean, dtype=self.dtype)
            self.input_variance = np.asarray(variance, dtype=self.dtype)
            if np.any(self.input_variance < 0) or not np.all(np.isfinite(self.input_variance)):
                raise ValueError(f"{where}: expected a finite, non-negative `variance`; "
                                 f"received variance={variance!r}")
        self.mean = self.variance = None

    # -------------------------------------------------------------------------- shapes
    def _kept(self, input_shape):
        rank = len(input_shape)
        kept = []
        for a in self._axes:
            if not -rank < a < rank or a % rank == 0:
                raise ValueError(f"Normalization '{self.name}': axis {a} is out of range for "
                                 f"inputs of shape {tuple(input_shape)} (the batch axis 0 is "
                                 "never kept)")
            kept.append(a % rank)
        for a in kept:
            if input_shape[a] is None:
                raise ValueError(f"Normalization '{self.name}' needs a known size on axis {a} "
                                 f"to build; received input shape {tuple(input_shape)}")
        return sorted(kept)

    def build(self, input_shape):
        kept = self._kept(input_shape)
        self._kept_axes = kept
        stats_shape = tuple(int(input_shape[a]) for a in kept)
        self._bshape = tuple(int(input_shape[a]) if a in kept else 1
                             for a in range(len(input_shape)))
        if self.input_mean is not None:
            xp = self._home_xp()  # given statistics live on the layer's device
            self.mean = Tensor._wrap(backend.asarray(
                np.broadcast_to(self.input_mean, stats_shape).copy(), xp=xp))
            self.variance = Tensor._wrap(backend.asarray(
                np.broadcast_to(self.input_variance, stats_shape).copy(), xp=xp))
        else:
            self.mean = self.add_weight(stats_shape, "zeros", trainable=False, name="mean")
            self.variance = self.add_weight(stats_shape, "ones", trainable=False,
                                            name="variance")
        self.built = True

    # -------------------------------------------------------------------------- adapt
    def adapt(self, data, batch_size=None, steps=None):
        """Compute the mean and variance of `data` over every axis but the kept ones.

        Args:
            data: an array or Tensor (samples on axis 0), or an iterable of such batches
                (combined exactly, by the parallel-variance formula).
            batch_size: with an array, the size of the chunks read at a time (memory only;
                the result is the same). Defaults to the whole array.
            steps: with an iterable, the number of batches to read. Defaults to all.
        """
        if self.input_mean is not None:
            raise ValueError(f"Normalization '{self.name}': the statistics were given as "
                             "`mean` and `variance`; adapt() cannot replace them")
        if isinstance(data, Tensor | np.ndarray | list):
            # statistics are gathered on the host (float64), from a host copy of device data
            arr = backend.to_host(data.data) if isinstance(data, Tensor) else np.asarray(data)
            size = arr.shape[0] if arr.ndim else 1
            step = size if batch_size is None else max(int(batch_size), 1)
            batches = (arr[i:i + step] for i in range(0, max(size, 1), step))
        else:
            batches = iter(data)
        count, mean, m2 = 0, None, None
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            if isinstance(batch, tuple | list) and not isinstance(data, list):
                batch = batch[0]  # (x, y) batches: the features
            b = backend.to_host(batch.data if isinstance(batch, Tensor) else batch).astype(
                np.float64)  # float64 on purpose: sums over the whole data
            if not self.built:
                self._maybe_build([(None, *b.shape[1:])])
            reduce = tuple(a for a in range(b.ndim) if a not in self._kept_axes)
            n = int(np.prod([b.shape[a] for a in reduce])) if reduce else 1
            if n == 0:
                continue
            b_mean = b.mean(axis=reduce)
            b_m2 = ((b - b.mean(axis=reduce, keepdims=True)) ** 2).sum(axis=reduce)
            if mean is None:
                count, mean, m2 = n, b_mean, b_m2
            else:
                total = count + n
                delta = b_mean - mean
                mean = mean + delta * (n / total)
                m2 = m2 + b_m2 + delta ** 2 * (count * n / total)
                count = total
        if mean is None:
            raise ValueError(f"Normalization '{self.name}': adapt() received no data")
        self.mean.assign(np.reshape(mean, self.mean.shape).astype(self.dtype))
        self.variance.assign(np.reshape(m2 / count, self.variance.shape).astype(self.dtype))

    # -------------------------------------------------------------------------- call
    def call(self, inputs):
        x = cast_inputs(self, inputs)
        if x.dtype.kind != "f":
            x = ops.cast(x, self.dtype)
        mean = self.mean.data.reshape(self._bshape)
        std = np.maximum(np.sqrt(self.variance.data), EPSILON).reshape(self._bshape)
        if self.invert:
            return x * std + mean
        return (x - mean) / std

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        tolist = (lambda a: None if a is None else a.tolist())
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": tolist(self.input_mean), "variance": tolist(self.input_variance)}
