"""Convolution layers: `Conv1D`, `Conv2D`, `Conv2DTranspose` (Keras' names, defaults and
kernel layouts; channels-last, or channels-first through `data_format`: see `data_format.py`).
Depthwise and separable convolutions are in `convolutional_depthwise.py`; the maths (and its
backward pass) is in `ember/ops/convolution.py`.

A filter of size k x k over C channels has k*k*C weights plus one tied bias: the notes'
3x3x3 filter has 28 parameters; VGG's first layer (64 filters of 3x3x3) 64*27 + 64.
"""

from ember import activations, constraints, initializers, regularizers
from ember.layers._utils import cast_inputs, positive_int
from ember.layers.base import Layer
from ember.layers.data_format import (
    check_data_format,
    first_shape,
    last_shape,
    to_channels_first,
    to_channels_last,
)
from ember.ops import convolution as conv
from ember.ops.conv_geometry import int_tuple, output_length, resolve_padding

RANK_HELP = {1: "(batch, steps, channels)", 2: "(batch, height, width, channels)"}


def check_image_rank(layer, shape, rank):
    """Inputs must have rank + 2 axes: a clear error naming the layer and the layout."""
    if len(shape) != rank + 2:
        raise ValueError(f"{type(layer).__name__} '{layer.name}' expects inputs of rank "
                         f"{rank + 2} {RANK_HELP[rank]}; received input of shape "
                         f"{tuple(shape)}")


def check_channels(layer, shape, expected):
    """The channel (last) axis must hold `expected` channels; hint at channels-first data."""
    got = shape[-1]
    if got is None or got == expected:
        return
    hint = ""
    if len(shape) > 2 and shape[1] == expected:
        hint = (" The second axis has that size: the data looks channels-first; this layer is "
                "channels-last (N, H, W, C): pass data_format='channels_first' to the layers "
                "(or call ember.config.set_image_data_format('channels_first') before making "
                "them), or transpose the data with np.moveaxis(x, 1, -1).")
    raise ValueError(f"{type(layer).__name__} '{layer.name}' expected {expected} input channels "
                     f"(the last axis), received input of shape {tuple(shape)}.{hint}")


def spatial_output(layer, shape, kernel, strides, dilation, padding, rank):
    """Output spatial sizes of a convolution or pooling window (None stays None)."""
    where = f"{type(layer).__name__} '{layer.name}'"
    spatial = tuple(shape[1:1 + rank])
    if rank == 1 and padding == "causal":
        pads = ((dilation[0] * (kernel[0] - 1), 0),)
    elif rank == 1:
        pads = (conv._pads_1d(padding, spatial[0] or 1, kernel[0], strides[0], dilation[0],
                              where),)
    else:
        pads = resolve_padding(padding, tuple(n or 1 for n in spatial), kernel, strides,
                               dilation, where)
    out = []
    for axis, (n, k, s, d, (before, after)) in enumerate(zip(spatial, kernel, strides,
                                                            dilation, pads)):
        if n is None:
            out.append(None)
            continue
        if isinstance(padding, str) and padding.lower() == "same":
            out.append(-(-n // s))
            continue
        out.append(output_length(n, k, s, d, before, after, where,
                                 ("height", "width")[axis] if rank == 2 else "length"))
    return tuple(out)


class BaseConv(Layer):
    """Shared settings, weights and checks of `Conv1D` and `Conv2D`."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        where = f"{type(self).__name__} '{self.name}'"
        self.filters = positive_int(where, "filters", filters)
        self.kernel_size = int_tuple(kernel_size, self.rank, "kernel_size", where)
        self.strides = int_tuple(strides, self.rank, "strides", where)
        self.dilation_rate = int_tuple(dilation_rate, self.rank, "dilation_rate", where)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{where}: strides > 1 together with dilation_rate > 1 is not "
                             f"supported (as Keras); received strides={self.strides}, "
                             f"dilation_rate={self.dilation_rate}")
        self.groups = positive_int(where, "groups", groups)
        if self.filters % self.groups:
            raise ValueError(f"{where}: filters must be divisible by groups; received "
                             f"filters={self.filters}, groups={self.groups}")
        allowed = ("valid", "same", "causal") if self.rank == 1 else ("valid", "same")
        if not isinstance(padding, str) or padding.lower() not in allowed:
            raise ValueError(f"{where}: padding must be one of {allowed}; received "
                             f"padding={padding!r}")
        self.padding = padding.lower()
        self.data_format = check_data_format(self, data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.kernel = None
        self.bias = None

    def _kernel_shape(self, channels):
        return self.kernel_size + (channels // self.groups, self.filters)

    def build(self, input_shape):
        given, input_shape = tuple(input_shape), last_shape(input_shape, self.data_format)
        check_image_rank(self, input_shape, self.rank)
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"{type(self).__name__} '{self.name}' needs a known number of "
                             f"channels; received input shape {tuple(input_shape)}")
        if channels % self.groups:
            raise ValueError(f"{type(self).__name__} '{self.name}': the number of input "
                             f"channels ({channels}) must be divisible by groups="
                             f"{self.groups}")
        self.kernel = self.add_weight(shape=self._kernel_shape(channels), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), name="bias",
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self._channels = int(channels)
        self.built = True
        self.compute_output_shape(given)  # a kernel too large: named here

    def _check(self, shape):
        check_image_rank(self, shape, self.rank)
        if self.built:
            check_channels(self, shape, self._channels)

    def _convolve(self, x):
        raise NotImplementedError

    def call(self, inputs):
        x = to_channels_last(cast_inputs(self, inputs), self.data_format)
        self._check(x.shape)
        return to_channels_first(self.activation(self._convolve(x)), self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = last_shape(input_shape, self.data_format)
        self._check(input_shape)
        out = spatial_output(self, input_shape, self.kernel_size, self.strides,
                             self.dilation_rate, self.padding, self.rank)
        return first_shape((input_shape[0], *out, self.filters), self.data_format)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": list(self.dilation_rate),
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class Conv2D(BaseConv):
    """2-D convolution over channels-last images: `activation(conv2d(x, kernel) + bias)`.

    Each of the `filters` output feature maps is the sliding dot product of one
    kh x kw x C filter with the image; the output size per axis is ((n + 2P - k) / S) + 1
    ("same" padding keeps ceil(n / S)).

    Args:
        filters: the number of filters (output channels).
        kernel_size: int or (kh, kw).
        strides: int or (sh, sw). Defaults to 1.
        padding: "valid" or "same" (TensorFlow's: the extra cell at the bottom and right).
            Defaults to "valid".
        data_format: "channels_last" (N, H, W, C) or "channels_first" (N, C, H, W, transposed
            at the layer's edges). Defaults to None: `ember.config.image_data_format()`.
        dilation_rate: int or (dh, dw). Defaults to 1.
        groups: split the channels into independent groups. Defaults to 1.
        activation, use_bias, kernel_initializer ("glorot_uniform"), bias_initializer
            ("zeros"), *_regularizer, *_constraint: as `Dense`.

    Shapes: input (N, H, W, C), kernel (kh, kw, C / groups, filters), bias (filters,),
    output (N, Ho, Wo, filters).

    >>> import ember
    >>> layer = ember.layers.Conv2D(1, 3, padding="same")   # one 3x3x3 filter
    >>> layer(ember.ones((1, 128, 128, 3))).shape, layer.count_params()
    ((1, 128, 128, 1), 28)
    """

    rank = 2

    def _convolve(self, x):
        return conv.conv2d(x, self.kernel, self.bias, self.strides, self.padding,
                           self.dilation_rate, self.groups)


class Conv1D(BaseConv):
    """1-D convolution over channels-last sequences (N, steps, channels).

    Args: as `Conv2D` with ints for the sizes; `padding` may also be "causal" (zeros on the
    left only: step t sees inputs up to t).

    >>> import ember
    >>> ember.layers.Conv1D(8, 3, padding="causal")(ember.ones((2, 10, 4))).shape
    (2, 10, 8)
    """

    rank = 1

    def _convolve(self, x):
        return conv.conv1d(x, self.kernel, self.bias, self.strides[0], self.padding,
                           self.dilation_rate[0], self.groups)


class Conv2DTranspose(BaseConv):
    """Transposed 2-D convolution (the gradient of a convolution with respect to its input):
    upsamples feature maps in decoders and GAN generators.

    Output size per axis (Keras): "valid": n*s + max(k - s, 0); "same": n*s; with
    `output_padding` p: (n - 1)*s + k - 2*pad + p.

    Args: as `Conv2D` (no groups), plus `output_padding`: int or pair, each < its stride,
    or None. Defaults to None.

    Shapes: kernel (kh, kw, filters, C_in) (Keras' layout).

    >>> import ember
    >>> ember.layers.Conv2DTranspose(16, 3, strides=2, padding="same")(
    ...     ember.ones((1, 7, 7, 8))).shape
    (1, 14, 14, 16)
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
        where = f"Conv2DTranspose '{self.name}'"
        self.output_padding = None if output_padding is None else int_tuple(
            output_padding, 2, "output_padding", where, minimum=0)
        if self.output_padding is not None and any(
                p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"{where}: each output_padding must be smaller than its stride; "
                             f"received output_padding={self.output_padding}, strides="
                             f"{self.strides}")

    def _kernel_shape(self, channels):
        return self.kernel_size + (self.filters, channels)

    def _convolve(self, x):
        return conv.conv2d_transpose(x, self.kernel, self.bias, self.strides, self.padding,
                                     self.output_padding, self.dilation_rate)

    def compute_output_shape(self, input_shape):
        input_shape = last_shape(input_shape, self.data_format)
        self._check(input_shape)
        out = []
        for axis in range(2):
            n = input_shape[1 + axis]
            p = None if self.output_padding is None else self.output_padding[axis]
            out.append(None if n is None else conv.transpose_padding(
                n, self.kernel_size[axis], self.strides[axis], self.dilation_rate[axis],
                self.padding, p)[0])
        return first_shape((input_shape[0], *out, self.filters), self.data_format)

    def get_config(self):
        config = super().get_config()
        del config["groups"]
        config["output_padding"] = (None if self.output_padding is None
                                    else list(self.output_padding))
        return config


Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution2DTranspose = Conv2DTranspose
