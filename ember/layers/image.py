"""Image layers: `ZeroPadding2D`, `Cropping2D`, `UpSampling2D`, `SpatialDropout2D` and
`LocalResponseNormalization` (AlexNet's; ours, Keras has none). Ops in `ember/ops/spatial.py`.
Channels-first inputs (`data_format`, default `ember.config.image_data_format()`) are
transposed at the layer's edges (see `data_format.py`)."""

from ember.layers._utils import cast_inputs, non_negative_float
from ember.layers.base import Layer
from ember.layers.convolutional import check_image_rank
from ember.layers.data_format import (
    check_data_format,
    first_shape,
    last_shape,
    to_channels_first,
    to_channels_last,
)
from ember.layers.regularization import Dropout
from ember.ops import spatial
from ember.ops.conv_geometry import int_tuple


def _pairs(layer, name, value):
    """int, (a, b) or ((top, bottom), (left, right)) as two (before, after) pairs."""
    where = f"{type(layer).__name__} '{layer.name}'"
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            pairs = ((value, value), (value, value))
        else:
            items = tuple(value)
            if len(items) != 2:
                raise TypeError
            pairs = tuple(int_tuple(v, 2, name, where, minimum=0) for v in items)
    except (TypeError, ValueError) as e:
        if isinstance(e, ValueError) and "must be" in str(e):
            raise
        raise ValueError(f"{where}: {name} must be an int, (h, w) or ((top, bottom), "
                         f"(left, right)) of non-negative ints; received {name}={value!r}"
                         ) from None
    if min(min(p) for p in pairs) < 0:
        raise ValueError(f"{where}: {name} must be non-negative; received {name}={value!r}")
    return tuple(tuple(int(v) for v in p) for p in pairs)


class _Image2D(Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_data_format(self, data_format)

    def _x(self, inputs):
        """The input, channels-last."""
        x = to_channels_last(cast_inputs(self, inputs), self.data_format)
        check_image_rank(self, x.shape, 2)
        return x

    def _y(self, y):
        """A channels-last result in the layer's data format."""
        return to_channels_first(y, self.data_format)

    def compute_output_shape(self, input_shape):
        shape = last_shape(input_shape, self.data_format)
        check_image_rank(self, shape, 2)
        return first_shape(self._output_shape(shape), self.data_format)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class ZeroPadding2D(_Image2D):
    """Rows and columns of zeros around each image.

    Args:
        padding: int, (pad_h, pad_w) (symmetric) or ((top, bottom), (left, right)).
            Defaults to (1, 1).

    >>> import ember
    >>> ember.layers.ZeroPadding2D(((1, 0), (2, 1)))(ember.ones((1, 2, 3, 1))).shape
    (1, 3, 6, 1)
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        if isinstance(padding, tuple | list) and len(padding) == 2 and all(
                isinstance(p, int) for p in padding):
            padding = ((padding[0],) * 2, (padding[1],) * 2)
        self.padding = _pairs(self, "padding", padding)

    def call(self, inputs):
        return self._y(spatial.zero_pad2d(self._x(inputs), self.padding))

    def _output_shape(self, input_shape):
        (t, b), (le, r) = self.padding
        n, h, w, c = input_shape
        return (n, None if h is None else h + t + b, None if w is None else w + le + r, c)

    def get_config(self):
        return {**super().get_config(), "padding": [list(p) for p in self.padding]}


class Cropping2D(_Image2D):
    """Remove rows and columns at the borders of each image.

    Args:
        cropping: int, (h, w) (symmetric) or ((top, bottom), (left, right)).
            Defaults to ((0, 0), (0, 0)).

    >>> import ember
    >>> ember.layers.Cropping2D(((2, 2), (4, 4)))(ember.ones((1, 28, 28, 3))).shape
    (1, 24, 20, 3)
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        if isinstance(cropping, tuple | list) and len(cropping) == 2 and all(
                isinstance(p, int) for p in cropping):
            cropping = ((cropping[0],) * 2, (cropping[1],) * 2)
        self.cropping = _pairs(self, "cropping", cropping)

    def _out(self, h, w):
        (t, b), (le, r) = self.cropping
        for size, before, after, axis in ((h, t, b, "height"), (w, le, r, "width")):
            if size is not None and before + after >= size:
                raise ValueError(f"Cropping2D '{self.name}': cropping {before}+{after} leaves "
                                 f"nothing of the input's {axis} {size}")
        return (None if h is None else h - t - b, None if w is None else w - le - r)

    def call(self, inputs):
        x = self._x(inputs)
        self._out(x.shape[1], x.shape[2])
        return self._y(spatial.crop2d(x, self.cropping))

    def _output_shape(self, input_shape):
        return (input_shape[0], *self._out(input_shape[1], input_shape[2]), input_shape[3])

    def get_config(self):
        return {**super().get_config(), "cropping": [list(p) for p in self.cropping]}


class UpSampling2D(_Image2D):
    """Enlarge images by integer factors.

    Args:
        size: int or (sh, sw). Defaults to (2, 2).
        interpolation: "nearest" (repeat each pixel) or "bilinear". Defaults to "nearest".

    >>> import ember
    >>> ember.layers.UpSampling2D()(ember.ones((1, 7, 7, 4))).shape
    (1, 14, 14, 4)
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format, **kwargs)
        self.size = int_tuple(size, 2, "size", f"UpSampling2D '{self.name}'")
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D '{self.name}': interpolation must be 'nearest' or "
                             f"'bilinear'; received interpolation={interpolation!r}")
        self.interpolation = interpolation

    def call(self, inputs):
        return self._y(spatial.upsample2d(self._x(inputs), self.size, self.interpolation))

    def _output_shape(self, input_shape):
        n, h, w, c = input_shape
        return (n, None if h is None else h * self.size[0],
                None if w is None else w * self.size[1], c)

    def get_config(self):
        return {**super().get_config(), "size": list(self.size),
                "interpolation": self.interpolation}


class SpatialDropout2D(Dropout):
    """Dropout of whole feature maps: in training each channel of each image is zeroed with
    probability `rate` (the same mask at every pixel), the rest scaled by 1 / (1 - rate).

    Args: `rate`, `seed` as `Dropout`; `data_format` (default
    `ember.config.image_data_format()`).

    >>> import ember
    >>> out = ember.layers.SpatialDropout2D(0.5, seed=0)(ember.ones((1, 4, 4, 6)),
    ...                                                  training=True).numpy()
    >>> bool((out.std(axis=(1, 2)) == 0).all())   # each map entirely kept or dropped
    True
    """

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        kwargs.pop("noise_shape", None)
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = check_data_format(self, data_format)

    def call(self, inputs, training=False):
        check_image_rank(self, inputs.shape, 2)
        n, c = inputs.shape[0], inputs.shape[1 if self.data_format == "channels_first" else 3]
        self.noise_shape = (n, c, 1, 1) if self.data_format == "channels_first" else (n, 1, 1, c)
        try:
            return super().call(inputs, training=training)
        finally:
            self.noise_shape = None

    def get_config(self):
        config = super().get_config()
        del config["noise_shape"]
        return {**config, "data_format": self.data_format}


class LocalResponseNormalization(_Image2D):
    """AlexNet's local response normalisation across channels:
    y_c = x_c / (bias + alpha * sum_{|c' - c| <= depth_radius} x_{c'}^2) ** beta.

    Args (TensorFlow's `tf.nn.local_response_normalization` names and defaults):
        depth_radius: half-width of the channel window. Defaults to 5.
        bias: Defaults to 1.0.
        alpha: Defaults to 1.0 (AlexNet: 1e-4 with depth_radius 2, bias 2, beta 0.75).
        beta: Defaults to 0.5.

    >>> import ember
    >>> layer = ember.layers.LocalResponseNormalization(2, bias=2.0, alpha=1e-4, beta=0.75)
    >>> layer(ember.ones((1, 3, 3, 8))).shape
    (1, 3, 3, 8)
    """

    def __init__(self, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5, **kwargs):
        # channels-last unless told (its config has no data_format to restore)
        super().__init__(data_format=kwargs.pop("data_format", "channels_last"), **kwargs)
        where = f"LocalResponseNormalization '{self.name}'"
        if isinstance(depth_radius, bool) or not isinstance(depth_radius, int) \
                or depth_radius < 0:
            raise ValueError(f"{where}: depth_radius must be an integer >= 0; received "
                             f"depth_radius={depth_radius!r}")
        self.depth_radius = depth_radius
        self.bias = non_negative_float(where, "bias", bias)
        self.alpha = non_negative_float(where, "alpha", alpha)
        self.beta = non_negative_float(where, "beta", beta)

    def call(self, inputs):
        return self._y(spatial.local_response_normalization(
            self._x(inputs), self.depth_radius, self.bias, self.alpha, self.beta))

    def _output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return {**config, "depth_radius": self.depth_radius, "bias": self.bias,
                "alpha": self.alpha, "beta": self.beta}
