"""Pooling layers: max and average pooling in 1-D and 2-D, and their global forms.

Pooling slides a window over each feature map and keeps its maximum (or mean): the notes' 6x6
example with a 2x2 window and stride 2 keeps [[7, 5, 6], [7, 8, 5], [4, 5, 7]]. The maths and
its backward pass are in `ember/ops/pooling.py`.
"""

from ember.layers._utils import cast_inputs
from ember.layers.base import Layer
from ember.layers.convolutional import check_image_rank, spatial_output
from ember.layers.data_format import (
    check_data_format,
    first_shape,
    last_shape,
    to_channels_first,
    to_channels_last,
)
from ember.ops import pooling
from ember.ops.conv_geometry import int_tuple


class BasePooling(Layer):
    """Shared settings of the windowed pooling layers."""

    rank = 2
    kind = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        where = f"{type(self).__name__} '{self.name}'"
        self.pool_size = int_tuple(pool_size, self.rank, "pool_size", where)
        self.strides = self.pool_size if strides is None else int_tuple(
            strides, self.rank, "strides", where)
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(f"{where}: padding must be 'valid' or 'same'; received "
                             f"padding={padding!r}")
        self.padding = padding.lower()
        self.data_format = check_data_format(self, data_format)

    def call(self, inputs):
        x = to_channels_last(cast_inputs(self, inputs), self.data_format)
        self._output_shape(x.shape)  # rank and window size checks, naming the layer
        fn = {(2, "max"): pooling.max_pool2d, (2, "avg"): pooling.avg_pool2d,
              (1, "max"): pooling.max_pool1d, (1, "avg"): pooling.avg_pool1d}[
            (self.rank, self.kind)]
        if self.rank == 1:
            y = fn(x, self.pool_size[0], self.strides[0], self.padding)
        else:
            y = fn(x, self.pool_size, self.strides, self.padding)
        return to_channels_first(y, self.data_format)

    def _output_shape(self, input_shape):  # channels-last in and out
        check_image_rank(self, input_shape, self.rank)
        out = spatial_output(self, input_shape, self.pool_size, self.strides,
                             (1,) * self.rank, self.padding, self.rank)
        return (input_shape[0], *out, input_shape[-1])

    def compute_output_shape(self, input_shape):
        return first_shape(self._output_shape(last_shape(input_shape, self.data_format)),
                           self.data_format)

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size),
                "strides": list(self.strides), "padding": self.padding,
                "data_format": self.data_format}


class MaxPooling2D(BasePooling):
    """Max pooling over (height, width) windows of channels-last images.

    Args:
        pool_size: int or (ph, pw). Defaults to (2, 2).
        strides: int or pair; None uses `pool_size`. Defaults to None.
        padding: "valid" or "same". Defaults to "valid".

    >>> import ember
    >>> ember.layers.MaxPooling2D()(ember.ones((1, 6, 6, 3))).shape
    (1, 3, 3, 3)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(MaxPooling2D):
    """Average pooling over (height, width) windows; with "same" padding only the real cells
    of a border window are averaged (Keras). Arguments as `MaxPooling2D`.

    >>> import ember
    >>> ember.layers.AveragePooling2D(3, strides=1, padding="same")(
    ...     ember.ones((1, 5, 5, 2))).numpy().max()
    np.float32(1.0)
    """

    kind = "avg"


class MaxPooling1D(BasePooling):
    """Max pooling over windows of steps of (batch, steps, channels) sequences.

    Args: `pool_size` (int, default 2), `strides` (None: pool_size), `padding`.

    >>> import ember
    >>> ember.layers.MaxPooling1D()(ember.ones((2, 9, 3))).shape
    (2, 4, 3)
    """

    rank = 1


class AveragePooling1D(MaxPooling1D):
    """Average pooling over windows of steps. Arguments as `MaxPooling1D`.

    >>> import ember
    >>> ember.layers.AveragePooling1D(3)(ember.ones((2, 9, 3))).shape
    (2, 3, 3)
    """

    kind = "avg"


class GlobalPooling(Layer):
    """Shared settings of the global pooling layers (the whole feature map to one value)."""

    rank = 2
    kind = "avg"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_data_format(self, data_format)
        self.keepdims = bool(keepdims)

    def call(self, inputs):
        x = to_channels_last(cast_inputs(self, inputs), self.data_format)
        check_image_rank(self, x.shape, self.rank)
        fn = getattr(pooling, f"global_{self.kind}_pool{self.rank}d")
        y = fn(x, keepdims=self.keepdims)
        return to_channels_first(y, self.data_format) if self.keepdims else y

    def compute_output_shape(self, input_shape):
        input_shape = last_shape(input_shape, self.data_format)
        check_image_rank(self, input_shape, self.rank)
        if self.keepdims:
            return first_shape((input_shape[0],) + (1,) * self.rank + (input_shape[-1],),
                               self.data_format)
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalAveragePooling2D(GlobalPooling):
    """The mean of each feature map: (N, H, W, C) -> (N, C) (or (N, 1, 1, C) with keepdims).

    >>> import ember
    >>> ember.layers.GlobalAveragePooling2D()(ember.ones((2, 7, 7, 512))).shape
    (2, 512)
    """


class GlobalMaxPooling2D(GlobalPooling):
    """The maximum of each feature map: (N, H, W, C) -> (N, C).

    >>> import ember
    >>> ember.layers.GlobalMaxPooling2D(keepdims=True)(ember.ones((2, 7, 7, 8))).shape
    (2, 1, 1, 8)
    """

    kind = "max"


class GlobalAveragePooling1D(GlobalPooling):
    """The mean over steps: (N, T, C) -> (N, C).

    >>> import ember
    >>> ember.layers.GlobalAveragePooling1D()(ember.ones((2, 5, 3))).shape
    (2, 3)
    """

    rank = 1


class GlobalMaxPooling1D(GlobalAveragePooling1D):
    """The maximum over steps: (N, T, C) -> (N, C).

    >>> import ember
    >>> ember.layers.GlobalMaxPooling1D()(ember.ones((2, 5, 3))).shape
    (2, 3)
    """

    kind = "max"


MaxPool1D, MaxPool2D = MaxPooling1D, MaxPooling2D
AvgPool1D, AvgPool2D = AveragePooling1D, AveragePooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
