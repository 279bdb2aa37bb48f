"""Convolution geometry: argument checks, TensorFlow's "same" padding, output sizes.

Shared by the convolution and pooling ops. Sizes follow one rule per axis: with padding
(before, after), stride s and dilation d, n input cells give
floor((n + before + after - d*(k-1) - 1) / s) + 1 outputs; "same" pads
max((ceil(n/s) - 1)*s + d*(k-1) + 1 - n, 0) in total, the extra cell after (bottom/right).
"""

import numpy as np


def int_tuple(value, n, name, op, minimum=1):
    """`value` (an int or a sequence of `n` ints) as a tuple of `n` ints >= `minimum`."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        items = (int(value),) * n
    else:
        try:
            items = tuple(value)
        except TypeError:
            items = None
        if (items is None or len(items) != n
                or not all(isinstance(v, int | np.integer) and not isinstance(v, bool)
                           for v in items)):
            raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints; "
                             f"received {value!r}")
        items = tuple(int(v) for v in items)
    if any(v < minimum for v in items):
        kind = "positive integers" if minimum == 1 else f"integers >= {minimum}"
        raise ValueError(f"{op}: {name} must be {kind}; received {value!r}")
    return items


def same_pads(n, k, s, d=1):
    """TensorFlow's "same" padding of one axis: (before, after), the extra cell after.

    The output has ceil(n / s) cells; the total padding is
    max((ceil(n/s) - 1) * s + d*(k - 1) + 1 - n, 0).
    """
    out = -(-n // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def resolve_padding(padding, in_hw, kernel_hw, strides, dilation, op, explicit=True):
    """Padding as ((top, bottom), (left, right)) from "valid", "same", an int, a pair of ints
    (symmetric per axis) or a pair of pairs. `explicit=False` allows only the two strings."""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return (0, 0), (0, 0)
        if mode == "same":
            return tuple(same_pads(n, k, s, d)
                         for n, k, s, d in zip(in_hw, kernel_hw, strides, dilation))
    elif explicit:
        try:
            if isinstance(padding, int | np.integer) and not isinstance(padding, bool):
                pads = ((int(padding),) * 2,) * 2
            else:
                items = tuple(padding)
                if len(items) != 2:
                    raise TypeError
                pads = tuple((int(p), int(p)) if isinstance(p, int | np.integer)
                             else tuple(int(q) for q in p) for p in items)
                if any(len(p) != 2 for p in pads):
                    raise TypeError
        except (TypeError, ValueError):
            pads = None
        if pads is not None:
            if min(min(p) for p in pads) < 0:
                raise ValueError(f"{op}: padding must be >= 0; received {padding!r}")
            return pads
    allowed = ("'valid', 'same', an int, (pad_h, pad_w) or ((top, bottom), (left, right))"
               if explicit else "'valid' or 'same'")
    raise ValueError(f"{op}: padding must be {allowed}; received {padding!r}")


def output_length(n, k, s, d, before, after, op, axis):
    """floor((n + P - d*(k-1) - 1) / s) + 1, with a clear error when the kernel does not fit."""
    span = d * (k - 1) + 1
    if n + before + after < span:
        dil = f" (dilated to {span})" if d > 1 else ""
        raise ValueError(f"{op}: the kernel's {axis} {k}{dil} is larger than the padded input's "
                         f"{axis} {n + before + after} (input {n}, padding {before}+{after})")
    return (n + before + after - span) // s + 1


class ConvGeometry:
    """Sizes of one convolution, channels-last, with `pads` = (top, bottom, left, right)."""

    __slots__ = ("H", "W", "C", "F", "kh", "kw", "sh", "sw", "dh", "dw", "pads", "groups",
                 "Ho", "Wo", "Hp", "Wp", "K", "Cg", "Fg", "op")

    def __init__(self, in_hw, channels, filters, kernel_hw, strides, dilation, pads, groups,
                 op="conv2d"):
        self.H, self.W = in_hw
        self.C, self.F = channels, filters
        self.kh, self.kw = kernel_hw
        self.sh, self.sw = strides
        self.dh, self.dw = dilation
        (top, bottom), (left, right) = pads
        self.pads = (top, bottom, left, right)
        self.groups = groups
        self.op = op
        self.Ho = output_length(self.H, self.kh, self.sh, self.dh, top, bottom, op, "height")
        self.Wo = output_length(self.W, self.kw, self.sw, self.dw, left, right, op, "width")
        # Rows/columns of the padded input the windows actually read.
        self.Hp = (self.Ho - 1) * self.sh + self.dh * (self.kh - 1) + 1
        self.Wp = (self.Wo - 1) * self.sw + self.dw * (self.kw - 1) + 1
        self.Cg, self.Fg = channels // groups, filters // groups
        self.K = self.kh * self.kw * self.Cg

    @property
    def pointwise(self):
        """A 1x1, stride-1, unpadded, ungrouped convolution: a plain matrix product."""
        return (self.kh == self.kw == self.sh == self.sw == 1 and self.groups == 1
                and not any(self.pads))

    @property
    def reads_input_in_place(self):
        """No padding before the input and the windows stay inside it: patches can be read
        from x itself (cells past the last window are simply never read)."""
        top, _, left, _ = self.pads
        return top == 0 and left == 0 and self.Hp <= self.H and self.Wp <= self.W

    def windows(self):
        """(source slices of x, destination slices in the padded buffer) for H and W: where x
        lands in the padded input of Hp x Wp cells (negative pads crop x)."""
        top, _, left, _ = self.pads
        out = []
        for n, before, size in ((self.H, top, self.Hp), (self.W, left, self.Wp)):
            src0 = max(0, -before)
            dst0 = max(0, before)
            length = min(n - src0, size - dst0)
            out.append((slice(src0, src0 + length), slice(dst0, dst0 + length)))
        return out


def correlation_geometry(geo):
    """For a stride-1 convolution, the convolution computing its data gradient from gy:
    gx[h] = sum_i gy[h + top - i*d] w[i] = sum_i' gyp[h + i'*d] w[kh-1-i'], i.e. gy padded by
    d*(k-1) - top before and d*(k-1) - bottom after (negative: cropped), kernel flipped, input
    and output channels exchanged (per group)."""
    eh, ew = geo.dh * (geo.kh - 1), geo.dw * (geo.kw - 1)
    top, bottom, left, right = geo.pads
    return ConvGeometry((geo.Ho, geo.Wo), geo.F, geo.C, (geo.kh, geo.kw), (1, 1),
                        (geo.dh, geo.dw), ((eh - top, eh - bottom), (ew - left, ew - right)),
                        geo.groups, geo.op)
