"""The patch-matrix engine behind `ember.ops.convolution`: im2col, col2im and the chunked pass.

Everything is channels-last: inputs (N, H, W, C), kernels (kh, kw, C/groups, F), outputs
(N, Ho, Wo, F). A convolution is three products of one patch matrix:

    cols[(n, ho, wo), (i, j, c)] = xp[n, ho*sh + i*dh, wo*sw + j*dw, c]      (xp: x zero-padded)
    y   = cols @ wm                      wm = w.reshape(kh*kw*C, F)     forward
    gw  = cols^T @ gy                                                   weight gradient
    gx  = col2im(gy @ wm^T)                                             data gradient

How it is made fast (each choice measured with benchmarks/conv_ops.py):

- `im2col` builds `cols` with ONE copy from a strided view of the padded input (no index
  arrays); with few input channels the copy is laid out (K, rows), which moves whole image rows
  at a time, and BLAS reads the transposed view as it is.
- One GEMM per chunk of the batch, each chunk's patch matrix about `CHUNK_BYTES` so it is still
  in cache when the GEMM reads it; the patch and padded-input buffers are allocated once per
  call and reused chunk after chunk, and memory stays near the activations' size (a whole
  batch's patch matrix is kh*kw times the input). A batch that fits in one chunk keeps its
  patch matrix for the weight gradient instead of copying the patches again.
- For stride 1 the data gradient is itself a convolution (the full correlation of gy with the
  flipped kernel, `correlation_geometry`), so it costs a patch copy and one GEMM. Strided
  convolutions use `col2im`: kh*kw vectorised slice-adds into strided views of the padded
  gradient (one per kernel tap), never `np.add.at`.
- 1x1 stride-1 convolutions are plain matrix products on the flattened pixels.

Padding is ((top, bottom), (left, right)); a negative amount crops instead (the transposed
convolution and the correlation need it: rows that no window reaches get no gradient).
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ember.backend import array_module
from ember.ops.conv_geometry import correlation_geometry

# Size of one chunk's patch matrix: small enough that the patch matrix, the padded input chunk
# and the GEMM output are still in the last-level cache when the GEMM reads them, big enough
# that each GEMM has thousands of rows. Measured on the benchmark layers (2-core AMD EPYC,
# OpenBLAS, batch 128, forward + backward): 4 MiB chunks beat 0.5-2 MiB ones, 8 MiB ones by
# 0-20% and whole-batch matrices of 14-150 MiB by 5-35% (glibc also maps allocations over
# 32 MiB fresh from the kernel on every call, and those page faults cost about as much as
# the copy itself).
CHUNK_BYTES = 4 << 20
# Inputs with at most this many channels (per group) get the (K, rows) patch layout.
K_MAJOR_MAX_CHANNELS = 4
# Stride-1 data gradients use col2im instead of the correlation from this many channels of x
# (when gy has more channels than x; see `col2im_is_cheaper`).
COL2IM_MIN_CHANNELS = 16


def chunk_size(geo, n, itemsize):
    """Images per chunk so that one chunk's patch matrix is about CHUNK_BYTES (at least one
    image; the whole batch when it fits)."""
    per_image = max(geo.Ho * geo.Wo * geo.K * geo.groups * itemsize, 1)
    return max(1, min(n, CHUNK_BYTES // per_image))


def k_major(geo):
    """Lay the patch matrix out (K, rows): for inputs with few channels (images), where the
    row-major copy would move runs of only kw*C cells."""
    return geo.Cg <= K_MAJOR_MAX_CHANNELS and geo.Wo >= 4


def col2im_is_cheaper(geo):
    """For a stride-1 data gradient, col2im beats the full correlation when gy has more
    channels than x (the correlation's patch matrix and GEMM scale with F, col2im's with C)
    and x's channels are many enough that each tap's slice-add moves long runs. Measured
    with benchmarks/train_suite.py shapes (batch 128): 13x13x32 -> 64 "valid": 92 ms
    against 153 ms; 16x16x32 -> 64 "same": 197 against 232; 14x14x6 -> 16 (5x5, C = 6):
    col2im 2x slower, so it stays on the correlation."""
    return geo.groups == 1 and geo.F > geo.C and geo.C >= COL2IM_MIN_CHANNELS


def channel_sum(g):
    """Sum over every axis but the last (a bias gradient), as a reduction along a long axis.

    NumPy reduces (M, F) over axis 0 one F-wide row at a time, slowly for small F; viewed as
    (M/r, r*F) the rows are r times longer, and the r partial sums are added at the end:
    several times faster, and pairwise summation along the long axis is also more accurate.
    """
    f = g.shape[-1]
    g = g.reshape(-1, f)
    m, r = g.shape[0], 1
    while r < 64 and m % (2 * r) == 0 and 2 * r * f <= 4096:
        r *= 2
    return g.reshape(m // r, r * f).sum(axis=0).reshape(r, f).sum(axis=0)


# ------------------------------------------------------------------------------------ buffers
class _Padded:
    """A reusable zero-bordered buffer holding one chunk of x padded (or x itself if unpadded).

    Only the interior is written chunk after chunk, so the zero border is written once.
    """

    def __init__(self, geo, nb, dtype, fill=0, mod=np):
        self.geo = geo
        (self.sh_, self.dh_), (self.sw_, self.dw_) = geo.windows()
        self.identity = geo.reads_input_in_place
        self.buf = None if self.identity else mod.full((nb, geo.Hp, geo.Wp, geo.C), fill, dtype)

    def __call__(self, xc):
        if self.identity:
            return xc
        b = self.buf[: xc.shape[0]]
        b[:, self.dh_, self.dw_] = xc[:, self.sh_, self.sw_]
        return b


def patch_view(xp, geo):
    """The (n, Ho, Wo, kh, kw, C) read-only strided view of a padded chunk: no copy."""
    s_n, s_h, s_w, s_c = xp.strides
    shape = (xp.shape[0], geo.Ho, geo.Wo, geo.kh, geo.kw, geo.C)
    strides = (s_n, s_h * geo.sh, s_w * geo.sw, s_h * geo.dh, s_w * geo.dw, s_c)
    if type(xp) is np.ndarray:
        return as_strided(xp, shape, strides, writeable=False)
    # a device array: its module's own stride trick (cupy.lib.stride_tricks.as_strided)
    return array_module(xp).lib.stride_tricks.as_strided(xp, shape, strides)


def tap_view(xp, geo, i, j):
    """The (n, Ho, Wo, C) strided view of the cells kernel tap (i, j) reads (writable)."""
    h0, w0 = i * geo.dh, j * geo.dw
    return xp[:, h0: h0 + geo.sh * (geo.Ho - 1) + 1: geo.sh,
              w0: w0 + geo.sw * (geo.Wo - 1) + 1: geo.sw]


def im2col(xp, geo, flat):
    """Copy the patches of a padded chunk into `flat` (a preallocated 1-D buffer).

    Returns the patch matrix (n*Ho*Wo, K), or (groups, n*Ho*Wo, K) for grouped convolutions
    (each group's input channels in its own matrix). With few input channels
    (`k_major`) the copy is laid out (K, n*Ho*Wo) and the transposed view returned: the
    copy then moves whole output rows (Wo cells) at a time instead of kw*C-cell runs, which
    for C = 1 or 3 is several times faster, and BLAS reads the transpose at no cost.
    """
    n = xp.shape[0]
    rows = n * geo.Ho * geo.Wo
    g = geo.groups
    mod = array_module(xp)
    view = patch_view(xp, geo)  # (n, Ho, Wo, kh, kw, C)
    if k_major(geo):
        view = view.reshape(view.shape[:5] + (g, geo.Cg)).transpose(5, 3, 4, 6, 0, 1, 2)
        cols = flat[: g * rows * geo.K].reshape(view.shape)
        mod.copyto(cols, view)
        cols = cols.reshape(g, geo.K, rows).transpose(0, 2, 1)
        return cols[0] if g == 1 else cols
    if g == 1:
        cols = flat[: rows * geo.K].reshape(view.shape)
        mod.copyto(cols, view)
        return cols.reshape(rows, geo.K)
    cols = flat[: g * rows * geo.K].reshape(g, n, geo.Ho, geo.Wo, geo.kh, geo.kw, geo.Cg)
    mod.copyto(cols, view.reshape(view.shape[:5] + (g, geo.Cg)).transpose(5, 0, 1, 2, 3, 4, 6))
    return cols.reshape(g, rows, geo.K)


def col2im(gcols, gxp, geo):
    """gxp += the column blocks of `gcols` ((rows, K) or (groups, rows, K), C-ordered), tap by
    tap.

    Each kernel tap (i, j) owns one (n, Ho, Wo, C) block of the columns and one strided view
    of the padded gradient; distinct windows of one tap never share a cell, so each block is a
    single vectorised add. Overlapping windows (stride < kernel) accumulate across taps.
    """
    n = gxp.shape[0]
    g = geo.groups
    mod = array_module(gxp)
    if g == 1:
        blocks = gcols.reshape(n, geo.Ho, geo.Wo, geo.kh, geo.kw, geo.C)
    else:  # (g, n, Ho, Wo, kh, kw, Cg) -> (n, Ho, Wo, kh, kw, g, Cg)
        blocks = gcols.reshape(g, n, geo.Ho, geo.Wo, geo.kh, geo.kw, geo.Cg)
        blocks = blocks.transpose(1, 2, 3, 4, 5, 0, 6)
    for i in range(geo.kh):
        for j in range(geo.kw):
            dst = tap_view(gxp, geo, i, j)
            if g == 1:
                mod.add(dst, blocks[:, :, :, i, j], out=dst)
            else:
                dst = dst.reshape(dst.shape[:3] + (g, geo.Cg))
                mod.add(dst, blocks[:, :, :, i, j], out=dst)


# ------------------------------------------------------------------------------------ the pass
def _weight_matrix(w, geo):
    """w (kh, kw, Cg, F) as the GEMM operand: (K, F), or (groups, K, Fg)."""
    if geo.groups == 1:
        return w.reshape(geo.K, geo.F)
    return array_module(w).ascontiguousarray(
        w.reshape(geo.K, geo.groups, geo.Fg).transpose(1, 0, 2))


def _per_group(a, geo):
    """(rows, F) -> (groups, rows, Fg) view (F = groups * Fg, filters grouped contiguously)."""
    return a.reshape(a.shape[0], geo.groups, geo.Fg).transpose(1, 0, 2)


def conv_pass(geo, w, x=None, gy=None, want_y=False, want_gw=False, want_gx=False,
              n=None, bias=None, cols=None, keep_cols=False):
    """One chunked sweep over the batch computing any of y = conv(x, w), gw = d/dw and
    gx = d/dx (given gy), sharing each chunk's patch matrix.

    Args:
        geo: the ConvGeometry.
        w: kernel (kh, kw, Cg, F).
        x: input (N, H, W, C); needed for `want_y` and `want_gw` (unless `cols` is given).
        gy: output gradient (N, Ho, Wo, F); needed for `want_gw` and `want_gx`.
        n: batch size when neither x nor gy is given.
        bias: optional (F,) added to y chunk by chunk (while the chunk is in cache).
        cols: the whole batch's patch matrix, kept from an earlier pass (used instead of x).
        keep_cols: when the whole batch is one chunk, return its patch matrix too, so that the
            backward pass can reuse it instead of copying the patches again.

    Returns:
        (y, gw, gx, kept_cols), each None unless asked for (or not possible).
    """
    dtype = w.dtype if x is None else np.result_type(x.dtype, w.dtype)
    N = next(a.shape[0] for a in (x, gy) if a is not None) if n is None else n
    mod = array_module(w)  # every buffer below is built on the kernel's device
    wm = _weight_matrix(w.astype(dtype, copy=False), geo)
    if gy is not None:
        gy = mod.ascontiguousarray(gy, dtype=dtype)
    if x is not None:
        x = x.astype(dtype, copy=False)
    y = mod.empty((N, geo.Ho, geo.Wo, geo.F), dtype) if want_y else None
    gx = mod.empty((N, geo.H, geo.W, geo.C), dtype) if want_gx else None
    gw = mod.zeros(wm.shape, dtype) if want_gw else None
    if N == 0:
        if gx is not None:
            gx.fill(0)
        return y, (None if gw is None else _unweight(gw, geo)), gx, None
    if geo.pointwise:
        return _pointwise(geo, wm, x, gy, y, gw, gx, bias) + (None,)
    if want_gx and geo.sh == geo.sw == 1 and not col2im_is_cheaper(geo):
        # Stride 1: the data gradient is itself a convolution (the full correlation of gy with
        # the flipped kernel): a patch copy and one GEMM, cheaper than col2im's kh*kw
        # scattered adds.
        cgeo = correlation_geometry(geo)
        gx = conv_pass(cgeo, flipped_kernel(w.astype(dtype, copy=False), geo), x=gy,
                       want_y=True)[0]
        want_gx = False

    need_cols = want_y or want_gw
    nb = N if cols is not None else chunk_size(geo, N, np.dtype(dtype).itemsize)
    size = nb * geo.Ho * geo.Wo * geo.K * geo.groups
    flat = mod.empty(size, dtype) if need_cols and cols is None else None
    keep = keep_cols and need_cols and nb >= N
    gflat = None
    if want_gx:  # the gradient's columns reuse the patch buffer unless it is kept
        gflat = flat if flat is not None and not keep else mod.empty(size, dtype)
    padder = _Padded(geo, nb, dtype, mod=mod) if need_cols and cols is None else None
    gx_pad = _GradPad(geo, nb, dtype, mod) if want_gx else None
    rows_per = geo.Ho * geo.Wo
    c = None
    for s in range(0, N, nb):
        e = min(N, s + nb)
        rows = (e - s) * rows_per
        if gy is not None:
            gyc = gy[s:e].reshape(rows, geo.F)
        if need_cols:
            c = cols if cols is not None else im2col(padder(x[s:e]), geo, flat)
            if want_y:
                yc = y[s:e].reshape(rows, geo.F)
                if geo.groups == 1:
                    mod.matmul(c, wm, out=yc)
                else:
                    _per_group(yc, geo)[...] = mod.matmul(c, wm)
                if bias is not None:
                    yc += bias
            if want_gw:
                if geo.groups == 1:
                    gw += mod.matmul(c.T, gyc)
                else:
                    gw += mod.matmul(c.transpose(0, 2, 1), _per_group(gyc, geo))
        if want_gx:
            if geo.groups == 1:
                gcols = mod.matmul(gyc, wm.T, out=gflat[: rows * geo.K].reshape(rows, geo.K))
            else:
                gcols = mod.matmul(_per_group(gyc, geo), wm.transpose(0, 2, 1),
                                  out=gflat[: geo.groups * rows * geo.K].reshape(
                                      geo.groups, rows, geo.K))
            gx_pad.add(gcols, gx[s:e])
    return y, (None if gw is None else _unweight(gw, geo)), gx, (c if keep else None)


def flipped_kernel(w, geo):
    """w'[i, j, fg, g*Cg + cg] = w[kh-1-i, kw-1-j, cg, g*Fg + fg]: the kernel of
    `correlation_geometry` (rotated 180 degrees, channels exchanged within each group)."""
    wf = w[::-1, ::-1].reshape(geo.kh, geo.kw, geo.Cg, geo.groups, geo.Fg)
    return array_module(w).ascontiguousarray(wf.transpose(0, 1, 4, 3, 2)).reshape(
        geo.kh, geo.kw, geo.Fg, geo.groups * geo.Cg)


def _unweight(gw, geo):
    """The GEMM-shaped weight gradient back in the kernel layout (kh, kw, Cg, F)."""
    if geo.groups == 1:
        return gw.reshape(geo.kh, geo.kw, geo.Cg, geo.F)
    return array_module(gw).ascontiguousarray(gw.transpose(1, 0, 2)).reshape(
        geo.kh, geo.kw, geo.Cg, geo.F)


class _GradPad:
    """col2im into a zeroed padded chunk, then the interior out to gx (cropped cells: 0)."""

    def __init__(self, geo, nb, dtype, mod=np):
        self.geo = geo
        (self.src_h, self.dst_h), (self.src_w, self.dst_w) = geo.windows()
        self.identity = geo.reads_input_in_place
        self.buf = None if self.identity else mod.empty((nb, geo.Hp, geo.Wp, geo.C), dtype)
        self.cropped = (self.src_h != slice(0, geo.H) or self.src_w != slice(0, geo.W))

    def add(self, gcols, gxc):
        n = gxc.shape[0]
        if self.identity:
            gxc.fill(0)
            col2im(gcols, gxc, self.geo)
            return
        b = self.buf[:n]
        b.fill(0)
        col2im(gcols, b, self.geo)
        if self.cropped:
            gxc.fill(0)
        gxc[:, self.src_h, self.src_w] = b[:, self.dst_h, self.dst_w]


def _pointwise(geo, wm, x, gy, y, gw, gx, bias):
    """1x1 stride-1 unpadded convolution: every product is one GEMM on the flattened pixels."""
    mod = array_module(wm)
    if y is not None:
        mod.matmul(x.reshape(-1, geo.C), wm, out=y.reshape(-1, geo.F))
        if bias is not None:
            y += bias
    gyf = None if gy is None else gy.reshape(-1, geo.F)
    if gw is not None:
        mod.matmul(x.reshape(-1, geo.C).T, gyf, out=gw)
        gw = _unweight(gw, geo)
    if gx is not None:
        mod.matmul(gyf, wm.T, out=gx.reshape(-1, geo.C))
    return y, gw, gx
