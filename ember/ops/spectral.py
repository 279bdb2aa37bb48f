"""Keras' Fourier transforms (`fft`, `fft2`, `ifft2`, `rfft`, `irfft`, `stft`, `istft`) on
(real, imag) pairs of float tensors, and `view_as_complex` / `view_as_real`.

The transforms are linear, so each primitive's backward is the adjoint transform (NumPy's
unnormalised `fft` F has adjoint F^H = n * ifft). A primitive returns real and imaginary
parts stacked on a leading axis of 2, which the public door splits with `getitem`.
"""

import numpy as np

from ember.autograd import Function
from ember.backend import array_module
from ember.ops.segments import extract_sequences
from ember.ops.shaping import concat, getitem, reshape, swapaxes
from ember.ops.sliding_blocks import fold
from ember.ops.tensor_args import float_tensor, tensor
from ember.tensor import Tensor


def _fft(a):
    """The fft namespace of a's array module (cupy.fft for CuPy data): the transforms run
    where the data lives."""
    return array_module(a).fft


def _pair(x, op):
    if not isinstance(x, tuple | list) or len(x) != 2:
        raise ValueError(f"{op}: x must be a tuple (real, imag) of two float tensors; "
                         f"received {type(x).__name__}")
    re, im = float_tensor(x[0]), float_tensor(x[1])
    if re.shape != im.shape:
        raise ValueError(f"{op}: real and imaginary parts must have the same shape; received "
                         f"{re.shape} and {im.shape}")
    if im.dtype != re.dtype:
        im = tensor(im, re.dtype)
    return re, im


def _split(y):
    return getitem(y, 0), getitem(y, 1)


def _stacked(z, dtype):
    return np.stack([z.real, z.imag]).astype(dtype, copy=False)


class ComplexFFT(Function):
    """fft / fft2 / ifft2 of re + i im over the last 1 or 2 axes;
    backward: g = n * ifft(gre + i gim) for fft (F^H = n ifft), fft(g) / n for ifft."""

    def forward(self, re, im, axes, inverse):
        self.axes, self.inverse = axes, inverse
        z = re + 1j * im
        y = _fft(z).ifftn(z, axes=axes) if inverse else _fft(z).fftn(z, axes=axes)
        return _stacked(y, re.dtype)

    def backward(self, gy):
        g = gy[0] + 1j * gy[1]
        n = int(np.prod([gy.shape[1:][a] for a in self.axes]))
        gz = _fft(g).fftn(g, axes=self.axes) / n if self.inverse else \
            _fft(g).ifftn(g, axes=self.axes) * n
        return gz.real.astype(gy.dtype), gz.imag.astype(gy.dtype), None, None


class RFFT(Function):
    """y = rfft(x, n) (x cut or zero-padded to n);
    gx = Re(n * ifft(g zero-extended to n bins)) on the first min(len, n) samples."""

    def forward(self, x, n):
        self.n, self.length = n, x.shape[-1]
        return _stacked(_fft(x).rfft(x, n=n, axis=-1), x.dtype)

    def backward(self, gy):
        g = gy[0] + 1j * gy[1]
        full = np.zeros_like(g, shape=g.shape[:-1] + (self.n,))
        full[..., :g.shape[-1]] = g
        gx = (_fft(full).ifft(full, axis=-1) * self.n).real
        out = np.zeros_like(gy, shape=gy.shape[1:-1] + (self.length,))
        m = min(self.length, self.n)
        out[..., :m] = gx[..., :m]
        return out, None


class IRFFT(Function):
    """y = irfft(re + i im, n): real output of length n from a half spectrum;
    g(re + i im)_k = w_k / n * rfft(gy)_k with w_k = 1 for the DC and Nyquist bins, else 2
    (each interior bin stands for itself and its conjugate); bins past n // 2 get 0."""

    def forward(self, re, im, n):
        self.n, self.bins = n, re.shape[-1]
        return _fft(re).irfft(re + 1j * im, n=n, axis=-1).astype(re.dtype, copy=False)

    def backward(self, gy):
        n, half = self.n, self.n // 2 + 1
        w = np.full_like(gy, 2.0, shape=(half,))
        w[0] = 1.0
        if n % 2 == 0:
            w[-1] = 1.0
        gz = _fft(gy).rfft(gy, axis=-1) * (w / n)
        out = np.zeros_like(gz, shape=gy.shape[:-1] + (self.bins,))
        m = min(self.bins, half)
        out[..., :m] = gz[..., :m]
        return out.real.astype(gy.dtype), out.imag.astype(gy.dtype), None


def fft(x):
    """Discrete Fourier transform over the last axis of (real, imag); returns (real, imag).

    >>> import ember
    >>> re, im = ember.ops.fft((ember.tensor([1.0, 0.0]), ember.tensor([0.0, 0.0])))
    >>> re.numpy(), im.numpy()
    (array([1., 1.], dtype=float32), array([0., 0.], dtype=float32))
    """
    re, im = _pair(x, "fft")
    return _split(ComplexFFT.apply(re, im, (-1,), False))


def fft2(x):
    """2-D Fourier transform over the last two axes of (real, imag).

    >>> import ember
    >>> re, im = ember.ops.fft2((ember.ones((2, 2)), ember.zeros((2, 2))))
    >>> re.numpy()
    array([[4., 0.],
           [0., 0.]], dtype=float32)
    """
    re, im = _pair(x, "fft2")
    return _split(ComplexFFT.apply(re, im, (-2, -1), False))


def ifft2(x):
    """Inverse 2-D Fourier transform over the last two axes of (real, imag).

    >>> import ember
    >>> re, im = ember.ops.ifft2((ember.ones((2, 2)), ember.zeros((2, 2))))
    >>> re.numpy()
    array([[1., 0.],
           [0., 0.]], dtype=float32)
    """
    re, im = _pair(x, "ifft2")
    return _split(ComplexFFT.apply(re, im, (-2, -1), True))


def rfft(x, fft_length=None):
    """Fourier transform of a real signal over the last axis: fft_length // 2 + 1 bins
    (fft_length defaults to the signal's length). Returns (real, imag).

    >>> import ember
    >>> re, im = ember.ops.rfft(ember.tensor([1.0, 1.0, 1.0, 1.0]))
    >>> re.numpy()
    array([4., 0., 0.], dtype=float32)
    """
    x = float_tensor(x)
    n = x.shape[-1] if fft_length is None else int(fft_length)
    return _split(RFFT.apply(x, n))


def irfft(x, fft_length=None):
    """Inverse of `rfft`: a real signal of length fft_length (default 2 (bins - 1)).

    >>> import ember
    >>> ember.ops.irfft((ember.tensor([4.0, 0.0, 0.0]), ember.zeros(3))).numpy()
    array([1., 1., 1., 1.], dtype=float32)
    """
    re, im = _pair(x, "irfft")
    n = 2 * (re.shape[-1] - 1) if fft_length is None else int(fft_length)
    return IRFFT.apply(re, im, n)


def _window(window, length, dtype, op):
    if window is None:
        return np.ones(length, dtype=dtype)
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f"{op}: window must be 'hann', 'hamming', an array or None; "
                             f"received {window!r}")
        a = 0.5 if window == "hann" else 0.54
        k = np.arange(length)
        return (a - (1 - a) * np.cos(2 * np.pi * k / length)).astype(dtype)  # periodic
    w = tensor(window).data.astype(dtype)
    if w.shape != (length,):
        raise ValueError(f"{op}: window must have shape ({length},); received {w.shape}")
    return w


def _reflect(x, p):
    """Reflect-pad the last axis by p on both sides (torch.stft's center padding)."""
    if p == 0:
        return x
    left = getitem(x, (Ellipsis, slice(p, 0, -1)))
    right = getitem(x, (Ellipsis, slice(-2, -p - 2, -1)))
    return concat([left, x, right], axis=-1)


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform over the last axis, Keras' `ops.stft` (PyTorch's
    framing: with `center`, the signal is reflect-padded by fft_length // 2; frames of
    fft_length samples every sequence_stride, the window of sequence_length centred in them).

    Returns:
        (real, imag), each (..., frames, fft_length // 2 + 1).

    >>> import ember
    >>> re, im = ember.ops.stft(ember.ones((16,)), 8, 4, 8)
    >>> re.shape
    (5, 5)
    """
    x = float_tensor(x)
    if fft_length < sequence_length:
        raise ValueError(f"stft: fft_length must be >= sequence_length; received "
                         f"fft_length={fft_length}, sequence_length={sequence_length}")
    win = _window(window, sequence_length, x.dtype, "stft")
    left = (fft_length - sequence_length) // 2
    win = np.pad(win, (left, fft_length - sequence_length - left))
    if center:
        x = _reflect(x, fft_length // 2)
    xp = array_module(x.data)
    frames = extract_sequences(x, fft_length, sequence_stride) * xp.asarray(win)
    return rfft(frames, fft_length)


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """Inverse short-time Fourier transform, Keras' `ops.istft`: irfft of each frame, the
    window applied and overlap-added, divided by the overlap-added squared window.

    >>> import ember
    >>> sig = ember.tensor([0.0, 1.0, 2.0, 3.0, 2.0, 1.0, 0.0, -1.0, 0.5, 0.25, 0.0, 1.0])
    >>> back = ember.ops.istft(ember.ops.stft(sig, 8, 2, 8), 8, 2, 8, length=12)
    >>> bool(abs(back.numpy() - sig.numpy()).max() < 1e-5)
    True
    """
    re, im = _pair(x, "istft")
    frames = irfft((re, im), fft_length)  # (..., F, n_fft)
    batch, n_frames = frames.shape[:-2], frames.shape[-2]
    win = _window(window, sequence_length, frames.dtype, "istft")
    left = (fft_length - sequence_length) // 2
    win = np.pad(win, (left, fft_length - sequence_length - left))
    total = fft_length + sequence_stride * (n_frames - 1)
    xp = array_module(frames.data)
    flat = reshape(frames * xp.asarray(win), (-1, n_frames, fft_length))
    summed = fold(swapaxes(flat, -1, -2), (1, total), (1, fft_length),
                  stride=(1, sequence_stride))
    y = reshape(summed, batch + (total,))
    envelope = np.zeros(total, dtype=frames.dtype)  # the squared windows, overlap-added
    for f in range(n_frames):
        envelope[f * sequence_stride:f * sequence_stride + fft_length] += win * win
    start = fft_length // 2 if center else 0
    end = total - fft_length // 2 if center else total
    if length is not None:
        end = start + int(length)
    env = envelope[start:end]
    if end > total:
        y = concat([y, Tensor._wrap(xp.zeros(batch + (end - total,), frames.dtype))], axis=-1)
        env = np.concatenate([env, np.ones(end - total, env.dtype)])
    y = getitem(y, (Ellipsis, slice(start, end)))
    return y / xp.asarray(np.where(env > 1e-11, env, 1.0).astype(frames.dtype))


def view_as_complex(x):
    """(..., 2) float -> (...) complex (complex64 from float32). Not differentiable.

    >>> import ember
    >>> ember.ops.view_as_complex(ember.tensor([[1.0, 2.0]])).numpy()
    array([1.+2.j], dtype=complex64)
    """
    x = float_tensor(x).data
    if x.ndim == 0 or x.shape[-1] != 2:
        raise ValueError(f"view_as_complex: the last axis must have size 2; received shape "
                         f"{x.shape}")
    dtype = np.result_type(x.dtype, np.complex64)
    return Tensor._wrap((x[..., 0] + 1j * x[..., 1]).astype(dtype))


def view_as_real(x):
    """(...) complex -> (..., 2) float (real, imag). Not differentiable.

    >>> import numpy as np, ember
    >>> ember.ops.view_as_real(np.array([1 + 2j], np.complex64)).numpy()
    array([[1., 2.]], dtype=float32)
    """
    z = x.data if isinstance(x, Tensor) else np.asarray(x)
    if z.dtype.kind != "c":
        raise ValueError(f"view_as_real: x must be complex; received dtype {z.dtype}")
    return Tensor._wrap(np.stack([z.real, z.imag], axis=-1))
