"""Initializer base class and the deterministic initializers: Zeros, Ones, Constant, Identity."""

import math

import numpy as np

from ember import config


def _shape(shape):
    return (int(shape),) if isinstance(shape, int | np.integer) else tuple(int(s) for s in shape)


def _float_dtype(dtype):
    dtype = np.dtype(dtype or config.floatx())
    if dtype.kind != "f":
        raise TypeError(f"random initializers make float weights; received dtype={dtype}")
    return dtype


def compute_fans(shape):
    """(fan_in, fan_out) as Keras computes them.

    Scalars: (1, 1); vectors: (n, n); matrices (in, out); convolution kernels
    (..., in_channels, out_channels): both multiplied by the receptive field size.

    >>> from ember.initializers import compute_fans
    >>> compute_fans((3, 3, 16, 32))
    (144, 288)
    """
    shape = _shape(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: subclasses implement `__call__(shape, dtype=None)` and `get_config()`.

    >>> import numpy as np
    >>> from ember.initializers import Initializer
    >>> class Halves(Initializer):
    ...     def __call__(self, shape, dtype=None):
    ...         return np.full(shape, 0.5, dtype=dtype or "float32")
    >>> Halves()((2,))
    array([0.5, 0.5], dtype=float32)
    """

    def __call__(self, shape, dtype=None):  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self):
        """The constructor arguments (JSON-serialisable)."""
        return {}

    @classmethod
    def from_config(cls, config_):
        """Rebuild from `get_config()`."""
        return cls(**config_)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros.

    >>> from ember.initializers import Zeros
    >>> Zeros()((2,))
    array([0., 0.], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        return np.zeros(_shape(shape), dtype=np.dtype(dtype or config.floatx()))


class Ones(Initializer):
    """All ones.

    >>> from ember.initializers import Ones
    >>> Ones()((2,))
    array([1., 1.], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        return np.ones(_shape(shape), dtype=np.dtype(dtype or config.floatx()))


class Constant(Initializer):
    """Every value equal to the scalar `value`. Defaults to 0.

    >>> from ember.initializers import Constant
    >>> Constant(3.0)((2,))
    array([3., 3.], dtype=float32)
    """

    def __init__(self, value=0.0):
        if np.ndim(value) != 0:
            raise ValueError(f"Constant: `value` must be a scalar; received an array of shape "
                             f"{np.shape(value)}")
        self.value = float(value) if isinstance(value, float | np.floating) else value

    def __call__(self, shape, dtype=None):
        return np.full(_shape(shape), self.value, dtype=np.dtype(dtype or config.floatx()))

    def get_config(self):
        return {"value": self.value}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only). Defaults to gain=1.

    >>> from ember.initializers import Identity
    >>> Identity()((2, 2))
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """

    def __init__(self, gain=1.0):
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity initializer works on 2-D shapes; received shape={shape}")
        return self.gain * np.eye(*shape, dtype=np.dtype(dtype or config.floatx()))

    def get_config(self):
        return {"gain": self.gain}
