"""Random initializers: Keras' normal, uniform and variance-scaling families, and Orthogonal.

An int `seed` gives a fresh generator per call, so every call returns the same values (Keras'
semantics); None draws from ember's global generator at call time.
"""

import math

import numpy as np

from ember.initializers.constant_initializers import Initializer, _float_dtype, _shape, compute_fans
from ember.utils.random import get_generator


class RandomInitializer(Initializer):
    """Base of the random initializers: holds `seed` (None, an int or a numpy Generator).

    >>> from ember.initializers import RandomNormal
    >>> RandomNormal(seed=3).get_config()["seed"]
    3
    """

    def __init__(self, seed=None):
        if seed is not None and not isinstance(seed, np.random.Generator) and (
                isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0):
            raise ValueError(f"{type(self).__name__}: `seed` must be None, a non-negative "
                             f"integer or a numpy Generator; received seed={seed!r}")
        self.seed = int(seed) if isinstance(seed, int | np.integer) else seed

    def _rng(self):
        # An int seed gives a fresh generator per call: the same values every call (Keras).
        return get_generator(self.seed)

    def get_config(self):
        return {"seed": self.seed if isinstance(self.seed, int) else None}


def _draw_dtype(dtype):
    # float64 on purpose for float64 (and float16) weights; float32 weights draw in float32.
    return np.float32 if dtype == np.float32 else np.float64


def _normal(rng, shape, dtype):
    return rng.standard_normal(shape, dtype=_draw_dtype(dtype))


def _truncated_standard_normal(rng, shape, dtype):
    """N(0, 1) samples redrawn until they lie within two standard deviations."""
    z = _normal(rng, shape, dtype)
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = _normal(rng, (int(bad.sum()),), dtype)
        bad = np.abs(z) > 2
    return z


class RandomNormal(RandomInitializer):
    """Samples from N(mean, stddev^2). Defaults mean=0, stddev=0.05 (Keras' "normal").

    >>> from ember.initializers import RandomNormal
    >>> RandomNormal(seed=0)((3,)).shape
    (3,)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = float(mean), float(stddev)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype)
        z = _normal(self._rng(), _shape(shape), dtype)
        return (self.mean + self.stddev * z).astype(dtype, copy=False)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class TruncatedNormal(RandomInitializer):
    """N(mean, stddev^2) with draws beyond two standard deviations redrawn. Defaults mean=0,
    stddev=0.05.

    >>> from ember.initializers import TruncatedNormal
    >>> bool(abs(TruncatedNormal(stddev=1.0, seed=0)((1000,))).max() <= 2)
    True
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = float(mean), float(stddev)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype)
        z = _truncated_standard_normal(self._rng(), _shape(shape), dtype)
        return (self.mean + self.stddev * z).astype(dtype, copy=False)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(RandomInitializer):
    """Samples from U[minval, maxval). Defaults minval=-0.05, maxval=0.05 (Keras' "uniform").

    >>> from ember.initializers import RandomUniform
    >>> bool(abs(RandomUniform(seed=0)((100,))).max() <= 0.05)
    True
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval = float(minval), float(maxval)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype)
        u = self._rng().random(_shape(shape), dtype=_draw_dtype(dtype))
        return (self.minval + (self.maxval - self.minval) * u).astype(dtype, copy=False)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class VarianceScaling(RandomInitializer):
    """Samples scaled to the weight's fans, as Keras.

    With n = fan_in, fan_out or their mean (`mode`), and s = scale / max(1, n):
    "truncated_normal" (or "normal"): stddev sqrt(s) / 0.8796... (the std of a standard normal
    truncated at +-2), "untruncated_normal": stddev sqrt(s), "uniform": U[-sqrt(3 s), sqrt(3 s)].

    Args:
        scale: positive factor. Defaults to 1.
        mode: "fan_in", "fan_out" or "fan_avg". Defaults to "fan_in".
        distribution: "truncated_normal", "untruncated_normal" or "uniform". Defaults to
            "truncated_normal".
        seed: None, an int or a numpy Generator.

    >>> from ember.initializers import VarianceScaling
    >>> init = VarianceScaling(2.0, "fan_in", "uniform", seed=0)
    >>> bool(abs(init((50, 10))).max() <= (3 * 2.0 / 50) ** 0.5)
    True
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if not scale > 0:
            raise ValueError(f"VarianceScaling: `scale` must be a positive float; received "
                             f"scale={scale!r}")
        if mode not in self._MODES:
            raise ValueError(f"VarianceScaling: `mode` must be one of {self._MODES}; received "
                             f"mode={mode!r}")
        distribution = str(distribution).lower()
        distribution = "truncated_normal" if distribution == "normal" else distribution
        if distribution not in self._DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling: `distribution` must be one of "
                             f"{self._DISTRIBUTIONS}; received distribution={distribution!r}")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape), _float_dtype(dtype)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        s = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * s)
            u = rng.random(shape, dtype=_draw_dtype(dtype))
            return ((2.0 * limit) * u - limit).astype(dtype, copy=False)
        if self.distribution == "untruncated_normal":
            return (math.sqrt(s) * _normal(rng, shape, dtype)).astype(dtype, copy=False)
        stddev = math.sqrt(s) / 0.87962566103423978
        return (stddev * _truncated_standard_normal(rng, shape, dtype)).astype(dtype, copy=False)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                **super().get_config()}


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed arguments; its config is the seed only."""

    preset = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None):
        super().__init__(*self.preset, seed=seed)

    def get_config(self):
        return RandomInitializer.get_config(self)


class GlorotUniform(_Preset):
    """U[-limit, limit] with limit = sqrt(6 / (fan_in + fan_out)); the default for kernels.

    >>> from ember.initializers import GlorotUniform
    >>> GlorotUniform(seed=0)((3, 2)).shape
    (3, 2)
    """

    preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Truncated normal with stddev sqrt(2 / (fan_in + fan_out)).

    >>> from ember.initializers import GlorotNormal
    >>> GlorotNormal(seed=0)((3, 2)).dtype
    dtype('float32')
    """

    preset = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_Preset):
    """U[-limit, limit] with limit = sqrt(6 / fan_in).

    >>> from ember.initializers import HeUniform
    >>> bool(abs(HeUniform(seed=0)((24, 4))).max() <= 0.5)
    True
    """

    preset = (2.0, "fan_in", "uniform")


class HeNormal(_Preset):
    """Truncated normal with stddev sqrt(2 / fan_in).

    >>> from ember.initializers import HeNormal
    >>> HeNormal(seed=0)((3, 3, 1, 8)).shape
    (3, 3, 1, 8)
    """

    preset = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    """U[-limit, limit] with limit = sqrt(3 / fan_in).

    >>> from ember.initializers import LecunUniform
    >>> bool(abs(LecunUniform(seed=0)((12, 4))).max() <= 0.5)
    True
    """

    preset = (1.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    """Truncated normal with stddev sqrt(1 / fan_in) (for SELU networks).

    >>> from ember.initializers import LecunNormal
    >>> LecunNormal(seed=0)((4, 4)).shape
    (4, 4)
    """

    preset = (1.0, "fan_in", "truncated_normal")


class Orthogonal(RandomInitializer):
    """`gain` times a random orthogonal matrix (Saxe et al.), the default recurrent kernel.

    The shape is flattened to (prod(shape[:-1]), shape[-1]); a normal matrix is QR-factorised
    and Q's columns signed by diag(R) so that the result is uniformly distributed. Tall shapes
    get orthonormal columns, wide ones orthonormal rows.

    >>> import numpy as np
    >>> from ember.initializers import Orthogonal
    >>> q = Orthogonal(seed=0)((5, 3))
    >>> bool(np.allclose(q.T @ q, np.eye(3), atol=1e-5))
    True
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = float(gain)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape), _float_dtype(dtype)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank >= 2; received "
                             f"shape={shape} of rank {len(shape)}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = _normal(self._rng(), (max(rows, cols), min(rows, cols)), dtype)
        q, r = np.linalg.qr(a)
        q = q * np.where(np.diag(r) < 0, -1, 1).astype(q.dtype)
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).astype(dtype, copy=False)

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


OrthogonalInitializer = Orthogonal
