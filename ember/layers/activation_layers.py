"""Activation layers with arguments: `ReLU`, `LeakyReLU`, `ELU`, `Softmax`."""

import warnings

from ember import activations, backend, ops
from ember.layers._utils import cast_inputs, non_negative_float
from ember.layers.base import Layer
from ember.tensor import to_array


class _Elementwise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class ReLU(_Elementwise):
    """Rectified linear unit with Keras' options.

    `f(x) = max_value` for `x >= max_value`, `x` for `threshold <= x < max_value`,
    `negative_slope * (x - threshold)` otherwise.

    Args:
        max_value: float >= 0, or None for no saturation. Defaults to None.
        negative_slope: float >= 0. Defaults to 0.
        threshold: float >= 0. Defaults to 0.

    >>> import ember
    >>> layer = ember.layers.ReLU(max_value=10, negative_slope=0.5)
    >>> layer(ember.tensor([-10.0, -5.0, 0.0, 5.0, 10.0])).numpy()
    array([-5. , -2.5,  0. ,  5. , 10. ], dtype=float32)
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        where = f"ReLU '{self.name}'"
        self.max_value = non_negative_float(where, "max_value", max_value, allow_none=True)
        self.negative_slope = non_negative_float(where, "negative_slope", negative_slope)
        self.threshold = non_negative_float(where, "threshold", threshold)

    def call(self, inputs):
        return activations.relu(cast_inputs(self, inputs), negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(_Elementwise):
    """x for x > 0, negative_slope * x otherwise.

    Args:
        negative_slope: float >= 0. Defaults to 0.3 (the layer's Keras default; the function
            `activations.leaky_relu` defaults to 0.2). `alpha=` is accepted as its old name.

    >>> import ember
    >>> ember.layers.LeakyReLU()(ember.tensor([-1.0, 2.0])).numpy()
    array([-0.3,  2. ], dtype=float32)
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU: argument `alpha` is deprecated; use `negative_slope`",
                          DeprecationWarning, stacklevel=2)
        super().__init__(**kwargs)
        self.negative_slope = non_negative_float(f"LeakyReLU '{self.name}'", "negative_slope",
                                                 negative_slope)

    def call(self, inputs):
        return ops.leaky_relu(cast_inputs(self, inputs), self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(_Elementwise):
    """x for x > 0, alpha * (exp(x) - 1) otherwise. Defaults to alpha=1.

    >>> import ember
    >>> ember.layers.ELU()(ember.tensor([2.0, 0.0])).numpy()
    array([2., 0.], dtype=float32)
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return ops.elu(cast_inputs(self, inputs), self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(_Elementwise):
    """Softmax along `axis` (an int or a tuple of ints). Defaults to -1.

    With a `mask` (True where valid), masked positions get a large negative logit and a 0
    output, as in Keras.

    >>> import ember
    >>> ember.layers.Softmax()(ember.tensor([[0.0, 0.0]])).numpy()
    array([[0.5, 0.5]], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, list | tuple) else int(axis)

    def call(self, inputs, mask=None):
        x = cast_inputs(self, inputs)
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        if mask is None:
            return ops.softmax(x, axis)
        keep = backend.asarray(to_array(mask), like=x.data).astype(x.dtype)
        if keep.ndim < x.ndim:  # (batch, steps) masks over (batch, steps, features)
            keep = keep.reshape(keep.shape + (1,) * (x.ndim - keep.ndim))
        return ops.softmax(x + (1.0 - keep) * x.dtype.type(-1e9), axis) * keep

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
