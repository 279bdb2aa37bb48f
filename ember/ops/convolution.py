"""Convolutions, channels-last: `conv2d`, `conv1d` and `conv2d_transpose`.

A convolution (strictly a cross-correlation, as in every deep-learning library) slides a kernel
over the zero-padded input; with padding P = top + bottom, stride s and dilation d, one axis of
n cells gives floor((n + P - d*(k-1) - 1) / s) + 1 outputs. "same" padding is TensorFlow's:
ceil(n / s) outputs, total padding max((ceil(n/s) - 1)*s + d*(k-1) + 1 - n, 0), the extra cell
at the bottom/right.

All three are one `Function` each whose forward and backward are the three products of the
patch matrix in `ember.ops.im2col` (forward, weight gradient, data gradient); the transposed
convolution is the data gradient of a convolution, and its backward is a convolution.
"""

import numpy as np

from ember.autograd import Function, is_grad_enabled
from ember.ops.conv_geometry import ConvGeometry, int_tuple, resolve_padding
from ember.ops.im2col import channel_sum, conv_pass
from ember.ops.shaping import reshape
from ember.tensor import Tensor

CHANNELS_LAST = {3: "(batch, steps, channels)", 4: "(batch, height, width, channels)"}


# ------------------------------------------------------------------------------------ checks
def as_tensor(a, like=None):
    """`a` as a Tensor; an array takes the float dtype of the Tensor `like` when given."""
    if isinstance(a, Tensor):
        return a
    dtype = like.dtype if isinstance(like, Tensor) and like.dtype.kind == "f" else None
    return Tensor(a, dtype=dtype)


def as_tensors(*args):
    """Tensors for the operands (None stays None); arrays take the float dtype of the first
    Tensor operand (as `matmul` does), else ember's default (float32)."""
    like = next((a for a in args if isinstance(a, Tensor) and a.dtype.kind == "f"), None)
    return [None if a is None else as_tensor(a, like) for a in args]


def check_rank(x, rank, op):
    """A clear error for an input of the wrong rank, with a channels-first/batch hint."""
    if x.ndim == rank:
        return
    hint = ""
    if x.ndim == rank - 1:
        hint = (" It looks like one example without its batch axis: add one with "
                "expand_dims(x, 0).")
        if x.ndim >= 2 and x.shape[0] < x.shape[-1] and x.shape[0] in (1, 2, 3, 4):
            hint += (f" Its first axis ({x.shape[0]}) also looks like channels-first "
                     f"(channels, ...); ember is channels-last: move the channels to the end.")
    msg = (f"{op} expects a {rank}-D channels-last input {CHANNELS_LAST[rank]}; received "
           f"an input of shape {x.shape}.{hint}")
    raise ValueError(msg)


def check_channels(x, expected, op, what):
    """The input's last axis must be `expected`; hint at channels-first layouts."""
    received = x.shape[-1]
    if received == expected:
        return
    hint = ""
    if x.ndim >= 3 and x.shape[1] == expected:
        order = (0,) + tuple(range(2, x.ndim)) + (1,)
        hint = (f" The shape looks channels-first (channels on axis 1); ember is channels-last: "
                f"transpose the input with x.transpose{order}.")
    raise ValueError(f"{op}: {what} expects {expected} input channels (last axis), received "
                     f"an input of shape {x.shape} with {received}.{hint}")


def _conv_geometry(x, w, b, strides, padding, dilation_rate, groups, op):
    """Validate a 4-D convolution's arguments; return its ConvGeometry."""
    check_rank(x, 4, op)
    if w.ndim != 4:
        raise ValueError(f"{op}: the kernel must be 4-D (kernel_h, kernel_w, in_channels/groups, "
                         f"filters); received a kernel of shape {w.shape}")
    if not isinstance(groups, int | np.integer) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive integer; received {groups!r}")
    kh, kw, cg, f = w.shape
    if min(kh, kw, cg, f) < 1:
        raise ValueError(f"{op}: the kernel shape {w.shape} has an empty axis")
    if f % groups:
        raise ValueError(f"{op}: the number of filters ({f}, last axis of the kernel of shape "
                         f"{w.shape}) must be divisible by groups={groups}")
    check_channels(x, cg * groups, op, f"the kernel of shape {w.shape} with groups={groups}")
    if b is not None and b.shape != (f,):
        raise ValueError(f"{op}: the bias must have shape ({f},) (one per filter); received "
                         f"shape {b.shape}")
    strides = int_tuple(strides, 2, "strides", op)
    dilation = int_tuple(dilation_rate, 2, "dilation_rate", op)
    pads = resolve_padding(padding, x.shape[1:3], (kh, kw), strides, dilation, op)
    return ConvGeometry(x.shape[1:3], x.shape[3], f, (kh, kw), strides, dilation, pads, groups,
                        op)


# ------------------------------------------------------------------------------------ Functions
class Conv2D(Function):
    """y[n, ho, wo, f] = b[f] + sum_{i, j, c} xp[n, ho*sh + i*dh, wo*sw + j*dw, c] w[i, j, c, f]
    (xp: x zero-padded; c runs over the filter's group).

    With cols the patch matrix (rows (n, ho, wo), columns (i, j, c)) and wm = w as (K, F):
        y = cols @ wm + b,   gw = cols^T @ gy,   gb = sum_{n, ho, wo} gy,
        gx = col2im(gy @ wm^T): each patch cell's gradient added back where it was read
        (the full correlation of the stride-dilated gy with the flipped kernel).
    """

    def forward(self, x, w, b, geo):
        # A patch matrix built in one piece (a batch that fits in one chunk) is kept for the
        # weight gradient: the backward then skips one patch copy, for at most CHUNK_BYTES.
        keep = is_grad_enabled() and self.needs_input_grad[1]
        y, _, _, cols = conv_pass(geo, w, x=x, want_y=True, bias=b, keep_cols=keep)
        self.geo = geo
        self.save_for_backward(x, w, cols)
        return y

    def backward(self, gy):
        x, w, cols = self.saved
        need_x, need_w, need_b = self.needs_input_grad[:3]
        gx = gw = gb = None
        if need_x or need_w:
            _, gw, gx, _ = conv_pass(self.geo, w, x=x if need_w and cols is None else None,
                                     gy=gy, want_gw=need_w, want_gx=need_x, cols=cols)
        if need_b:
            gb = channel_sum(gy)
        return gx, gw, gb, None


class Conv2DTranspose(Function):
    """z = conv2d_transpose(x, w) + b: the data gradient of the convolution u -> conv2d(u, w)
    (u with the output's size, C_out channels; `geo` is that convolution) applied to x.

    Being linear in x and w, its derivatives are the other two products of that convolution:
        gx = conv2d(gz, w)          (the convolution itself, run forward on gz),
        gw = cols(gz)^T @ x         (its weight gradient with gz as input and x as gy),
        gb = sum_{n, h, w} gz.
    """

    def forward(self, x, w, b, geo):
        _, _, z, _ = conv_pass(geo, w, gy=x, want_gx=True)
        if b is not None:
            z += b
        self.geo = geo
        self.save_for_backward(x, w)
        return z

    def backward(self, gz):
        x, w = self.saved
        need_x, need_w, need_b = self.needs_input_grad[:3]
        gx = gw = gb = None
        if need_x or need_w:
            gx, gw, _, _ = conv_pass(self.geo, w, x=gz, gy=x if need_w else None,
                                     want_y=need_x, want_gw=need_w)
        if need_b:
            gb = channel_sum(gz)
        return gx, gw, gb, None


# ------------------------------------------------------------------------------------ public
def conv2d(x, w, b=None, strides=(1, 1), padding="valid", dilation_rate=(1, 1), groups=1):
    """2-D convolution of channels-last images (Keras' Conv2D without the activation).

    y[n, ho, wo, f] = b[f] + sum_{i,j,c} xp[n, ho*sh + i*dh, wo*sw + j*dw, c] * w[i, j, c, f],
    with xp the zero-padded input. Output size per axis:
    floor((n + P - d*(k-1) - 1) / s) + 1 (P = total padding); "same" gives ceil(n / s).

    Derivatives: gw = patches^T @ gy, gb = sum of gy over (batch, height, width), and gx the
    full correlation of the (stride-dilated) gy with the flipped kernel.

    Args:
        x: input (N, H, W, C).
        w: kernel (kh, kw, C / groups, F), Keras' layout.
        b: optional bias (F,). Defaults to None.
        strides: int or (sh, sw), positive. Defaults to (1, 1).
        padding: "valid" (none), "same" (TensorFlow's: extra cell at the bottom/right), an
            int, (pad_h, pad_w), or ((top, bottom), (left, right)). Defaults to "valid".
        dilation_rate: int or (dh, dw), positive. Defaults to (1, 1).
        groups: split the channels into this many independent convolutions (groups == C is
            a depthwise convolution). Defaults to 1.

    Returns:
        (N, Ho, Wo, F) Tensor.

    >>> import numpy as np, ember
    >>> x = ember.ones((1, 128, 128, 3))
    >>> w = ember.ones((3, 3, 3, 1))
    >>> from ember.ops.convolution import conv2d
    >>> conv2d(x, w, padding=1).shape
    (1, 128, 128, 1)
    """
    x, w, b = as_tensors(x, w, b)
    geo = _conv_geometry(x, w, b, strides, padding, dilation_rate, groups, "conv2d")
    return Conv2D.apply(x, w, b, geo)


def _pads_1d(padding, n, k, s, d, op):
    """1-D padding (left, right): "valid", "same", "causal" (all of it on the left), an int
    or a pair."""
    mode = padding.lower() if isinstance(padding, str) else None
    if mode == "causal":
        return d * (k - 1), 0
    if mode in ("valid", "same"):
        return resolve_padding(mode, (1, n), (1, k), (1, s), (1, d), op)[1]
    try:
        if isinstance(padding, str):
            raise TypeError
        if isinstance(padding, int | np.integer) and not isinstance(padding, bool):
            padding = (int(padding), int(padding))
        left, right = (int(p) for p in padding)
    except (TypeError, ValueError):
        raise ValueError(f"{op}: padding must be 'valid', 'same', 'causal', an int or "
                         f"(left, right); received {padding!r}") from None
    if min(left, right) < 0:
        raise ValueError(f"{op}: padding must be >= 0; received {padding!r}")
    return left, right


def conv1d(x, w, b=None, strides=1, padding="valid", dilation_rate=1, groups=1):
    """1-D convolution of channels-last sequences (Keras' Conv1D without the activation).

    y[n, t, f] = b[f] + sum_{i, c} xp[n, t*s + i*d, c] * w[i, c, f]; computed as `conv2d` on
    a unit height axis, so it shares its derivatives.

    Args:
        x: input (N, L, C).
        w: kernel (k, C / groups, F).
        b: optional bias (F,).
        strides: int (or a 1-tuple). Defaults to 1.
        padding: "valid", "same", "causal" (d*(k-1) zeros on the left only: the output at
            step t sees inputs up to t), an int or (left, right). Defaults to "valid".
        dilation_rate: int. Defaults to 1.
        groups: as in `conv2d`. Defaults to 1.

    Returns:
        (N, Lo, F) Tensor.

    >>> import ember
    >>> from ember.ops.convolution import conv1d
    >>> conv1d(ember.ones((2, 10, 4)), ember.ones((3, 4, 8)), padding="causal").shape
    (2, 10, 8)
    """
    op = "conv1d"
    x, w, b = as_tensors(x, w, b)
    check_rank(x, 3, op)
    if w.ndim != 3:
        raise ValueError(f"{op}: the kernel must be 3-D (kernel_size, in_channels/groups, "
                         f"filters); received a kernel of shape {w.shape}")
    if isinstance(groups, int | np.integer) and groups >= 1:
        check_channels(x, w.shape[1] * groups, op,
                       f"the kernel of shape {w.shape} with groups={groups}")
    (s,) = int_tuple(strides, 1, "strides", op)
    (d,) = int_tuple(dilation_rate, 1, "dilation_rate", op)
    pads = ((0, 0), _pads_1d(padding, x.shape[1], w.shape[0], s, d, op))
    x4 = reshape(x, (x.shape[0], 1) + x.shape[1:])
    w4 = reshape(w, (1,) + w.shape)
    geo = _conv_geometry(x4, w4, b, (1, s), pads, (1, d), groups, op)
    y = Conv2D.apply(x4, w4, b, geo)
    return reshape(y, (y.shape[0],) + y.shape[2:])


def transpose_padding(n, k, s, d, padding, output_padding):
    """Output length and the (top, bottom) padding of the convolution a transposed
    convolution is the gradient of, for one axis, following Keras.

    Keras' output length (`deconv_output_length`), with k' = d*(k-1) + 1:
        valid, no output_padding: n*s + max(k' - s, 0);   same, none: n*s;
        with output_padding p:    (n-1)*s + k' - 2*pad + p,  pad = k'//2 (same) or 0 (valid).
    The padding is that of Keras' JAX/PyTorch backends; a negative bottom means the last
    rows receive nothing (output_padding).
    """
    ke = d * (k - 1) + 1
    if padding == "valid":
        extra = max(ke, s) - ke if output_padding is None else output_padding
        left, right = ke - 1, ke - 1 + extra
    else:
        pad_len = s + ke - 2 if output_padding is None else ke + ke % 2 - 2 + output_padding
        left = min(pad_len // 2 + pad_len % 2, ke - 1)
        right = pad_len - left
    out = (n - 1) * s + left + right - ke + 2
    return out, (ke - 1 - left, ke - 1 - right)


def conv2d_transpose(x, w, b=None, strides=(1, 1), padding="valid", output_padding=None,
                     dilation_rate=(1, 1)):
    """Transposed 2-D convolution (Keras' Conv2DTranspose without the activation).

    The gradient of `conv2d` with respect to its input, applied to x: each input pixel
    scatters w[:, :, :, c_in] * x[n, h, w, c_in] into the output at stride s. It equals the
    data gradient of y = conv2d(u, w, strides, padding') for u of the output's size, which is
    also its derivative structure: gx = conv2d(gz, w), gw = patches(gz)^T @ x.

    Output size per axis (Keras' `deconv_output_length`, k' = d*(k-1) + 1):
    "valid": n*s + max(k' - s, 0); "same": n*s; with output_padding p:
    (n-1)*s + k' - 2*pad + p with pad = k'//2 for "same", 0 for "valid".

    Args:
        x: input (N, H, W, C_in).
        w: kernel (kh, kw, C_out, C_in): Keras' Conv2DTranspose layout.
        b: optional bias (C_out,).
        strides: int or pair. Defaults to (1, 1).
        padding: "valid" or "same". Defaults to "valid".
        output_padding: None, int or pair, each 0 <= p < stride: extra rows/columns at the
            bottom/right. Defaults to None.
        dilation_rate: int or pair. Defaults to (1, 1).

    Returns:
        (N, Ho, Wo, C_out) Tensor.

    >>> import ember
    >>> from ember.ops.convolution import conv2d_transpose
    >>> conv2d_transpose(ember.ones((1, 4, 4, 8)), ember.ones((3, 3, 2, 8)),
    ...                  strides=2, padding="same").shape
    (1, 8, 8, 2)
    """
    op = "conv2d_transpose"
    x, w, b = as_tensors(x, w, b)
    check_rank(x, 4, op)
    if w.ndim != 4:
        raise ValueError(f"{op}: the kernel must be 4-D (kernel_h, kernel_w, out_channels, "
                         f"in_channels); received a kernel of shape {w.shape}")
    kh, kw, c_out, c_in = w.shape
    check_channels(x, c_in, op, f"the kernel of shape {w.shape}")
    if b is not None and b.shape != (c_out,):
        raise ValueError(f"{op}: the bias must have shape ({c_out},); received {b.shape}")
    strides = int_tuple(strides, 2, "strides", op)
    dilation = int_tuple(dilation_rate, 2, "dilation_rate", op)
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same'; received {padding!r}")
    padding = padding.lower()
    if output_padding is None:
        out_pad = (None, None)
    else:
        out_pad = int_tuple(output_padding, 2, "output_padding", op, minimum=0)
        if any(p >= s for p, s in zip(out_pad, strides)):
            raise ValueError(f"{op}: output_padding must be smaller than the strides "
                             f"{strides}; received {output_padding!r}")
    sizes, pads = zip(*(transpose_padding(n, k, s, d, padding, p) for n, k, s, d, p in zip(
        x.shape[1:3], (kh, kw), strides, dilation, out_pad)))
    geo = ConvGeometry(sizes, c_out, c_in, (kh, kw), strides, dilation, pads, 1, op)
    if (geo.Ho, geo.Wo) != x.shape[1:3]:  # pragma: no cover - guaranteed by the formulas
        raise AssertionError(f"{op}: internal size mismatch {geo.Ho, geo.Wo} != {x.shape}")
    return Conv2DTranspose.apply(x, w, b, geo)
