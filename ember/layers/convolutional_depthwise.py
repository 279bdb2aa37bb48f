"""Depthwise and depthwise-separable convolutions (`DepthwiseConv2D`, `SeparableConv2D`).

A depthwise convolution filters each input channel on its own (`depth_multiplier` filters per
channel); a separable convolution follows it with a 1x1 (pointwise) convolution that mixes the
channels. Both are `conv2d` with `groups` equal to the channel count, as MobileNet/Xception.
"""

from ember import activations, constraints, initializers, ops, regularizers
from ember.layers._utils import cast_inputs, positive_int
from ember.layers.base import Layer
from ember.layers.convolutional import (
    check_channels,
    check_image_rank,
    spatial_output,
)
from ember.layers.data_format import (
    check_data_format,
    first_shape,
    last_shape,
    to_channels_first,
    to_channels_last,
)
from ember.ops import convolution as conv
from ember.ops.conv_geometry import int_tuple


class DepthwiseConv2D(Layer):
    """Depthwise 2-D convolution: each channel convolved with its own `depth_multiplier`
    filters; output channel c * depth_multiplier + m comes from input channel c.

    Args:
        kernel_size: int or (kh, kw).
        strides, padding ("valid"/"same"), data_format, dilation_rate: as `Conv2D`.
        depth_multiplier: filters per input channel. Defaults to 1.
        activation, use_bias: as `Conv2D`.
        depthwise_initializer: defaults to "glorot_uniform"; bias_initializer to "zeros";
        depthwise_regularizer, bias_regularizer, activity_regularizer, depthwise_constraint,
        bias_constraint.

    Shapes: kernel (kh, kw, C, depth_multiplier) (Keras' layout), bias (C * depth_multiplier,).

    >>> import ember
    >>> layer = ember.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same")
    >>> layer(ember.ones((1, 5, 5, 4))).shape, layer.count_params()
    ((1, 5, 5, 8), 80)
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        where = f"{type(self).__name__} '{self.name}'"
        self.kernel_size = int_tuple(kernel_size, 2, "kernel_size", where)
        self.strides = int_tuple(strides, 2, "strides", where)
        self.dilation_rate = int_tuple(dilation_rate, 2, "dilation_rate", where)
        self.depth_multiplier = positive_int(where, "depth_multiplier", depth_multiplier)
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(f"{where}: padding must be 'valid' or 'same'; received "
                             f"padding={padding!r}")
        self.padding = padding.lower()
        self.data_format = check_data_format(self, data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.depthwise_kernel = None
        self.bias = None

    def _out_channels(self):
        return self._channels * self.depth_multiplier

    def build(self, input_shape):
        given, input_shape = tuple(input_shape), last_shape(input_shape, self.data_format)
        check_image_rank(self, input_shape, 2)
        if input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} '{self.name}' needs a known number of "
                             f"channels; received input shape {tuple(input_shape)}")
        self._channels = int(input_shape[-1])
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (self._channels, self.depth_multiplier),
            name="depthwise_kernel", initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self._build_rest()
        self.built = True
        self.compute_output_shape(given)  # a kernel too large: named here

    def _build_rest(self):
        if self.use_bias:
            self.bias = self.add_weight(shape=(self._out_channels(),), name="bias",
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def _depthwise(self, x, bias):
        # (kh, kw, C, m) -> (kh, kw, 1, C*m): output channel c*m + j reads input channel c
        w = ops.reshape(self.depthwise_kernel,
                        self.kernel_size + (1, self._channels * self.depth_multiplier))
        return conv.conv2d(x, w, bias, self.strides, self.padding, self.dilation_rate,
                           groups=self._channels)

    def _check(self, shape):
        check_image_rank(self, shape, 2)
        if self.built:
            check_channels(self, shape, self._channels)

    def call(self, inputs):
        x = to_channels_last(cast_inputs(self, inputs), self.data_format)
        self._check(x.shape)
        return to_channels_first(self.activation(self._depthwise(x, self.bias)),
                                 self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = last_shape(input_shape, self.data_format)
        self._check(input_shape)
        out = spatial_output(self, input_shape, self.kernel_size, self.strides,
                             self.dilation_rate, self.padding, 2)
        return first_shape((input_shape[0], *out, self._out_channels()), self.data_format)

    def get_config(self):
        return {
            **super().get_config(),
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "depth_multiplier": self.depth_multiplier,
            "data_format": self.data_format,
            "dilation_rate": list(self.dilation_rate),
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class SeparableConv2D(DepthwiseConv2D):
    """Depthwise-separable 2-D convolution: a depthwise convolution, then a 1x1 convolution
    to `filters` channels, then the bias and activation.

    Args: `filters` plus those of `DepthwiseConv2D`; `pointwise_initializer` (default
    "glorot_uniform"), `pointwise_regularizer`, `pointwise_constraint`.

    Shapes: depthwise_kernel (kh, kw, C, m), pointwise_kernel (1, 1, C*m, filters),
    bias (filters,).

    >>> import ember
    >>> layer = ember.layers.SeparableConv2D(16, 3)
    >>> layer(ember.ones((1, 8, 8, 4))).shape, layer.count_params()   # 36 + 64 + 16
    ((1, 6, 6, 16), 116)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), depth_multiplier=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides=strides, padding=padding,
                         depth_multiplier=depth_multiplier, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.filters = positive_int(f"SeparableConv2D '{self.name}'", "filters", filters)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.pointwise_kernel = None

    def _out_channels(self):
        return self.filters

    def _build_rest(self):
        self.pointwise_kernel = self.add_weight(
            shape=(1, 1, self._channels * self.depth_multiplier, self.filters),
            name="pointwise_kernel", initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint)
        super()._build_rest()

    def call(self, inputs):
        x = to_channels_last(cast_inputs(self, inputs), self.data_format)
        self._check(x.shape)
        y = conv.conv2d(self._depthwise(x, None), self.pointwise_kernel, self.bias)
        return to_channels_first(self.activation(y), self.data_format)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
        }


SeparableConvolution2D = SeparableConv2D
