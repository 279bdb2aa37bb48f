"""The random functions of `keras.random`, with Keras' signatures and defaults.

Each takes `seed`: None (ember's global generator), an int (the same values at every call), a
`SeedGenerator` (new values at every call, repeatable from its seed) or a `np.random.Generator`.
Samples are drawn on the host with NumPy (so an int seed gives Keras' NumPy-backend values on
every device) and returned as constant Tensors on the current device (`ember.device`); no
gradient flows into a sample; `dropout` and `shuffle` pass gradients to their input.
"""

import numpy as np

from ember import backend, config
from ember.device import current_device
from ember.random.seed_generator import draw_generator
from ember.tensor import Tensor


def _shape(shape, where):
    if isinstance(shape, int | np.integer):
        shape = (shape,)
    try:
        out = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: `shape` must be a tuple of non-negative integers; received "
                         f"shape={shape!r}") from None
    if any(s < 0 for s in out):
        raise ValueError(f"{where}: `shape` must be a tuple of non-negative integers; received "
                         f"shape={shape!r}")
    return out


def _float(dtype, where):
    dtype = np.dtype(dtype or config.floatx())
    if dtype.kind != "f":
        raise ValueError(f"{where}: only floating point dtypes are supported; received "
                         f"dtype={dtype}")
    return dtype


def _value(x):
    return backend.to_host(x.data if isinstance(x, Tensor) else x)


def _placed(sample):
    """A host sample as a Tensor on the current device (no copy on the CPU)."""
    return Tensor._wrap(backend.asarray(sample, xp=current_device().xp))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from the normal distribution N(mean, stddev**2).

    Args:
        shape: the shape of the result.
        mean, stddev: the distribution's mean and standard deviation. Default to 0 and 1.
        dtype: a float dtype. Defaults to `ember.config.floatx()` ("float32").
        seed: None, an int, a SeedGenerator or a numpy Generator (see the module).

    >>> import ember
    >>> ember.random.normal((2, 3), seed=0).shape
    (2, 3)
    """
    dtype = _float(dtype, "normal")
    rng = draw_generator(seed, "normal")
    return _placed(rng.normal(mean, stddev, _shape(shape, "normal")).astype(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from the uniform distribution on [minval, maxval).

    >>> import ember
    >>> x = ember.random.uniform((1000,), minval=2.0, maxval=3.0, seed=1).numpy()
    >>> bool(x.min() >= 2.0 and x.max() < 3.0)
    True
    """
    dtype = _float(dtype, "uniform")
    rng = draw_generator(seed, "uniform")
    return _placed(rng.uniform(minval, maxval, _shape(shape, "uniform")).astype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev**2), values beyond two standard deviations redrawn.

    >>> import ember
    >>> x = ember.random.truncated_normal((1000,), stddev=2.0, seed=0).numpy()
    >>> bool(abs(x).max() <= 4.0)
    True
    """
    dtype = _float(dtype, "truncated_normal")
    rng = draw_generator(seed, "truncated_normal")
    shape = _shape(shape, "truncated_normal")
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2
    return _placed((mean + stddev * z).astype(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from [minval, maxval).

    >>> import ember
    >>> r = ember.random.randint((5,), 0, 3, seed=0)
    >>> r.dtype, bool(((r.numpy() >= 0) & (r.numpy() < 3)).all())
    (dtype('int32'), True)
    """
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":
        raise ValueError(f"randint: `dtype` must be an integer dtype; received dtype={dtype}")
    rng = draw_generator(seed, "randint")
    return _placed(rng.integers(minval, maxval, _shape(shape, "randint"), dtype=dtype))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Class indices drawn from `softmax(logits)` row by row.

    Args:
        logits: a 2-D tensor (batch_size, num_classes) of unnormalised log-probabilities.
        num_samples: samples per row.
        dtype: an integer dtype. Defaults to "int32".

    Returns:
        A tensor of shape (batch_size, num_samples).

    >>> import ember, numpy as np
    >>> s = ember.random.categorical([[-50.0, 50.0], [50.0, -50.0]], 4, seed=0)
    >>> s.numpy().tolist()
    [[1, 1, 1, 1], [0, 0, 0, 0]]
    """
    logits = _value(logits)
    if logits.ndim != 2:
        raise ValueError(f"categorical: `logits` should be a 2-D tensor with shape "
                         f"[batch_size, num_classes]. Received: logits.shape={logits.shape}")
    rng = draw_generator(seed, "categorical")
    z = logits.astype(np.float64)  # float64 on purpose: the CDF must reach 1 for the search
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    cdf = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = rng.random((logits.shape[0], int(num_samples)))
    idx = (u[:, :, None] >= cdf[:, None, :]).sum(axis=-1)
    return _placed(np.minimum(idx, logits.shape[1] - 1).astype(dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each element with probability `rate`, scale the rest by 1 / (1 - rate).

    Differentiable in `inputs` (the same mask scales the gradient). `rate=1` gives zeros.

    >>> import ember
    >>> y = ember.random.dropout(ember.ones((2, 4)), 0.5, seed=0)
    >>> sorted(set(y.numpy().ravel().tolist()))
    [0.0, 2.0]
    """
    from ember.ops.dropout import dropout as _dropout  # noqa: PLC0415  (ops import random)

    x = inputs if isinstance(inputs, Tensor) else Tensor(inputs)
    rate = float(rate)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"dropout: `rate` must be in [0, 1]; received rate={rate}")
    if rate == 1.0:
        return x * 0.0
    if rate == 0.0:
        return x
    return _dropout(x, rate, noise_shape, draw_generator(seed, "dropout"))


def shuffle(x, axis=0, seed=None):
    """`x` shuffled along `axis` (differentiable: a gather).

    Along axis 0 one permutation moves whole slices; along a later axis each leading index gets
    its own permutation, as Keras' torch backend.

    >>> import ember, numpy as np
    >>> sorted(ember.random.shuffle(np.arange(5), seed=0).numpy().tolist())
    [0, 1, 2, 3, 4]
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.ndim == 0:
        raise ValueError("shuffle: `x` must have at least one axis; received a 0-d tensor")
    axis = int(axis)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"shuffle: `axis` {axis} is out of range for x of shape {x.shape}")
    axis %= x.ndim
    rng = draw_generator(seed, "shuffle")
    if axis == 0:
        return x[rng.permutation(x.shape[0])]
    perm = np.argsort(rng.random(x.shape[:axis + 1]), axis=axis)
    index = tuple(np.arange(n).reshape((n,) + (1,) * (axis - i)) for i, n in
                  enumerate(x.shape[:axis])) + (perm,)
    return x[index]


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from the Gamma distribution with concentration `alpha` (scale 1).

    >>> import ember
    >>> ember.random.gamma((3,), alpha=2.0, seed=0).dtype
    dtype('float32')
    """
    dtype = _float(dtype, "gamma")
    rng = draw_generator(seed, "gamma")
    return _placed(rng.gamma(_value(alpha), 1.0, _shape(shape, "gamma")).astype(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples from Binomial(counts, probabilities): successes out of `counts` trials.

    `counts` and `probabilities` broadcast with `shape`. The result has a float dtype (Keras').

    >>> import ember
    >>> b = ember.random.binomial((4,), counts=10, probabilities=0.5, seed=0).numpy()
    >>> bool(((b >= 0) & (b <= 10)).all())
    True
    """
    dtype = _float(dtype, "binomial")
    rng = draw_generator(seed, "binomial")
    out = rng.binomial(_value(counts), _value(probabilities), _shape(shape, "binomial"))
    return _placed(out.astype(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from the Beta(alpha, beta) distribution.

    >>> import ember
    >>> x = ember.random.beta((100,), 2.0, 3.0, seed=0).numpy()
    >>> bool(((x > 0) & (x < 1)).all())
    True
    """
    dtype = _float(dtype, "beta")
    rng = draw_generator(seed, "beta")
    return _placed(rng.beta(_value(alpha), _value(beta), _shape(shape, "beta"))
                        .astype(dtype))


__all__ = ["beta", "binomial", "categorical", "dropout", "gamma", "normal", "randint",
           "shuffle", "truncated_normal", "uniform"]
