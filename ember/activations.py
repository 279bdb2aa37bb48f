"""Activation functions with Keras' names and arguments (`keras.activations`).

Each takes a Tensor (or array-like) and returns a Tensor in the graph, so gradients flow. Most are
compositions of ember ops; the exact GELU, which needs the error function, is a primitive here
(`Gelu`) with its derivative written out. `get(identifier)` resolves names, as layers do with
`activation="relu"`.

>>> import ember
>>> ember.activations.get("relu")(ember.tensor([-1.0, 2.0])).numpy()
array([0., 2.], dtype=float32)
"""

import math

import numpy as np

from ember import ops
from ember.autograd import Function
from ember.tensor import Tensor

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _t(x):
    return x if isinstance(x, Tensor) else Tensor(x)


# ------------------------------------------------------------------------- the error function
def _erf_series(z):
    """erf(z) = 2/sqrt(pi) * z * exp(-z^2) * sum_n (2 z^2)^n / (1*3*...*(2n+1)), all terms
    positive (no cancellation); 40 terms reach double precision for |z| < 2."""
    a = 2.0 * z * z
    s = np.ones_like(z)
    for k in range(40, 0, -1):
        s = 1.0 + a * s / (2 * k + 1)
    return (2.0 / _SQRT_PI) * z * np.exp(-z * z) * s


def _erfc_fraction(z):
    """erfc(z) for z >= 2 by Laplace's continued fraction
    exp(-z^2)/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))), 60 terms."""
    t = z.copy()
    for k in range(60, 0, -1):
        t = z + (0.5 * k) / t
    return np.exp(-z * z) / (_SQRT_PI * t)


def erfc(w):
    """The complementary error function 1 - erf(w) of an ndarray, in its dtype (accurate to a
    few ulps in float64; relative accuracy kept in the tail, where 1 - erf would cancel).

    >>> import numpy as np
    >>> from ember.activations import erfc
    >>> erfc(np.array([0.0, 1.0, 10.0]))
    array([1.00000000e+00, 1.57299207e-01, 2.08848758e-45])
    """
    w = np.asarray(w)
    out = np.empty_like(w)
    small = np.abs(w) < 2.0
    out[small] = 1.0 - _erf_series(w[small])
    big = ~small
    if big.any():
        wb = w[big]
        tail = _erfc_fraction(np.minimum(np.abs(wb), 30.0))  # erfc(30) underflows anyway
        out[big] = np.where(wb > 0, tail, 2.0 - tail)
    return out


class Gelu(Function):
    """The exact GELU: y = x * Phi(x) with Phi(x) = erfc(-x / sqrt(2)) / 2 the normal CDF;
    gx = gy * (Phi(x) + x * phi(x)) with phi(x) = exp(-x^2 / 2) / sqrt(2 pi)."""

    def forward(self, x):
        cdf = 0.5 * erfc(-x * (1.0 / math.sqrt(2.0)))
        self.save_for_backward(x, cdf)
        return x * cdf

    def backward(self, gy):
        x, cdf = self.saved
        xc = np.clip(x, -40.0, 40.0)  # phi underflows to 0 there; x * x never overflows
        pdf = np.exp(-0.5 * xc * xc) * (1.0 / _SQRT_2PI)
        return gy * (cdf + x * pdf)


# ------------------------------------------------------------------------- activations
def linear(x):
    """The identity (Keras' "linear" activation; also what `get(None)` returns).

    >>> import ember
    >>> ember.activations.linear(ember.tensor([-1.0, 2.0])).numpy()
    array([-1.,  2.], dtype=float32)
    """
    return _t(x)


def sigmoid(x):
    """1 / (1 + exp(-x)), stable for any magnitude.

    >>> import ember
    >>> ember.activations.sigmoid(ember.tensor([0.0])).numpy()
    array([0.5], dtype=float32)
    """
    return ops.sigmoid(_t(x))


def tanh(x):
    """Hyperbolic tangent.

    >>> import ember
    >>> ember.activations.tanh(ember.tensor([0.0])).numpy()
    array([0.], dtype=float32)
    """
    return ops.tanh(_t(x))


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras' options.

    `f(x) = x` for `threshold <= x < max_value`, `max_value` above it, and
    `negative_slope * (x - threshold)` below the threshold.

    Args:
        x: input tensor.
        negative_slope: slope below the threshold. Defaults to 0.
        max_value: saturation value, or None for none. Defaults to None.
        threshold: values below it are damped. Defaults to 0.

    >>> import ember
    >>> x = ember.tensor([-10.0, -5.0, 0.0, 5.0, 10.0])
    >>> ember.activations.relu(x, negative_slope=0.5).numpy()
    array([-5. , -2.5,  0. ,  5. , 10. ], dtype=float32)
    >>> ember.activations.relu(x, max_value=5.0).numpy()
    array([0., 0., 0., 5., 5.], dtype=float32)
    """
    x = _t(x)
    if negative_slope == 0 and max_value is None and threshold == 0:
        return ops.relu(x)
    if negative_slope != 0 and max_value is None and threshold == 0:
        return ops.leaky_relu(x, negative_slope)
    y = ops.where(x > threshold, x, 0.0) if threshold != 0 else ops.relu(x)
    if max_value is not None:
        y = ops.clip(y, 0.0, float(max_value))
    if negative_slope != 0:
        y = y - negative_slope * ops.relu(threshold - x)
    return y


def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, negative_slope * x otherwise. Defaults to negative_slope=0.2 (Keras).

    >>> import ember
    >>> ember.activations.leaky_relu(ember.tensor([-1.0, 2.0])).numpy()
    array([-0.2,  2. ], dtype=float32)
    """
    return ops.leaky_relu(_t(x), negative_slope)


def relu6(x):
    """min(max(x, 0), 6).

    >>> import ember
    >>> ember.activations.relu6(ember.tensor([-1.0, 8.0])).numpy()
    array([0., 6.], dtype=float32)
    """
    return relu(x, max_value=6.0)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise.

    >>> import ember
    >>> ember.activations.elu(ember.tensor([1.0, 0.0])).numpy()
    array([1., 0.], dtype=float32)
    """
    return ops.elu(_t(x), alpha)


def selu(x):
    """scale * elu(x, alpha) with Klambauer et al.'s alpha = 1.67326... and scale = 1.05070...

    >>> import ember
    >>> ember.activations.selu(ember.tensor([1.0])).numpy()
    array([1.050701], dtype=float32)
    """
    return _SELU_SCALE * ops.elu(_t(x), _SELU_ALPHA)


def softplus(x):
    """log(1 + exp(x)), stable for large |x|.

    >>> import ember
    >>> ember.activations.softplus(ember.tensor([0.0])).numpy()
    array([0.6931472], dtype=float32)
    """
    return ops.softplus(_t(x))


def softsign(x):
    """x / (1 + |x|).

    >>> import ember
    >>> ember.activations.softsign(ember.tensor([1.0, -3.0])).numpy()
    array([ 0.5 , -0.75], dtype=float32)
    """
    x = _t(x)
    return x / (ops.abs(x) + 1.0)


def silu(x):
    """x * sigmoid(x) (also called swish).

    >>> import ember
    >>> ember.activations.silu(ember.tensor([0.0, 1.0])).numpy()
    array([0.       , 0.7310586], dtype=float32)
    """
    x = _t(x)
    return x * ops.sigmoid(x)


swish = silu


def gelu(x, approximate=False):
    """Gaussian error linear unit, x * P(X <= x) for X ~ N(0, 1).

    Args:
        x: input tensor.
        approximate: use `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))` instead of the
            exact `0.5 x (1 + erf(x / sqrt(2)))`. Defaults to False (as Keras).

    >>> import ember
    >>> ember.activations.gelu(ember.tensor([0.0, 1.0])).numpy()
    array([0.       , 0.8413447], dtype=float32)
    """
    x = _t(x)
    if not approximate:
        return Gelu.apply(x)
    inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * (x * x * x))
    return 0.5 * x * (ops.tanh(inner) + 1.0)


def hard_sigmoid(x):
    """Keras 3's hard sigmoid: 0 for x <= -3, 1 for x >= 3, x / 6 + 1/2 between
    (`relu6(x + 3) / 6`, the same function as `torch.nn.functional.hardsigmoid`).

    >>> import ember
    >>> ember.activations.hard_sigmoid(ember.tensor([-4.0, 0.0, 1.5, 4.0])).numpy()
    array([0.  , 0.5 , 0.75, 1.  ], dtype=float32)
    """
    return ops.clip(_t(x) * (1.0 / 6.0) + 0.5, 0.0, 1.0)


def hard_silu(x):
    """x * hard_sigmoid(x) (also called hard swish).

    >>> import ember
    >>> ember.activations.hard_silu(ember.tensor([-4.0, 1.5, 4.0])).numpy()
    array([-0.   ,  1.125,  4.   ], dtype=float32)
    """
    x = _t(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def mish(x):
    """x * tanh(softplus(x)).

    >>> import ember
    >>> ember.activations.mish(ember.tensor([0.0])).numpy()
    array([0.], dtype=float32)
    """
    x = _t(x)
    return x * ops.tanh(ops.softplus(x))


def exponential(x):
    """exp(x).

    >>> import ember
    >>> ember.activations.exponential(ember.tensor([0.0])).numpy()
    array([1.], dtype=float32)
    """
    return ops.exp(_t(x))


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (stable). Defaults to the last axis.

    >>> import ember
    >>> ember.activations.softmax(ember.tensor([[1.0, 1.0]])).numpy()
    array([[0.5, 0.5]], dtype=float32)
    """
    return ops.softmax(_t(x), axis)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`, finite for any finite x.

    >>> import ember
    >>> ember.activations.log_softmax(ember.tensor([0.0, 0.0])).numpy()
    array([-0.6931472, -0.6931472], dtype=float32)
    """
    return ops.log_softmax(_t(x), axis)


def step(x):
    """The perceptron's Heaviside step: 1 where x > 0, else 0 (zero gradient).

    >>> import ember
    >>> ember.activations.step(ember.tensor([-1.0, 0.0, 2.0])).numpy()
    array([0., 0., 1.], dtype=float32)
    """
    return ops.step(_t(x))


_BY_NAME = {
    fn.__name__: fn
    for fn in (linear, sigmoid, tanh, relu, leaky_relu, relu6, elu, selu, softplus, softsign,
               silu, gelu, hard_sigmoid, hard_silu, mish, exponential, softmax, log_softmax,
               step)
}
_BY_NAME["swish"] = silu
_BY_NAME["hard_swish"] = hard_silu
_NAME_OF = {fn: name for name, fn in _BY_NAME.items() if name not in ("swish", "hard_swish")}


def get(identifier):
    """An activation function from a name, a serialized dict, a callable, or None (linear).

    Raises:
        ValueError: for an unknown name; the message lists the valid ones.

    >>> import ember
    >>> ember.activations.get("swish") is ember.activations.silu
    True
    >>> ember.activations.get(None) is ember.activations.linear
    True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        identifier = identifier.get("config", identifier.get("class_name"))
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        if fn is None:  # a user's function: custom_objects, a scope, or registered
            from ember.saving.registry import lookup_user_object, unknown_name_hint  # noqa: PLC0415

            fn = lookup_user_object(identifier)
            if fn is None or isinstance(fn, type) or not callable(fn):
                raise ValueError(f"Unknown activation {identifier!r}; valid names are "
                                 f"{', '.join(sorted(_BY_NAME))}. For your own function, "
                                 f"{unknown_name_hint(identifier)}")
        return fn
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation identifier: {identifier!r} (expected "
                     "a name, a callable or None)")


def serialize(activation):
    """The name an activation is saved under (what a layer's `get_config` stores): a
    built-in's name, else a user function's registered name ("package>name") or `__name__`,
    which loads back through `custom_objects` or the registry.

    Raises:
        ValueError: for a lambda or another unnamed callable (it could not be found again).

    >>> import ember
    >>> ember.activations.serialize(ember.activations.relu)
    'relu'
    """
    name = _NAME_OF.get(activation)
    if name is None:
        from ember.saving.registry import function_name  # noqa: PLC0415

        if not callable(activation) or isinstance(activation, type):
            raise ValueError(f"Cannot serialize activation {activation!r:.80}: expected a "
                             "function")
        try:
            name = function_name(activation)
        except ValueError as e:
            raise ValueError(f"Cannot serialize activation: {e}") from None
        if name in _BY_NAME:
            raise ValueError(f"Cannot serialize activation {activation!r:.80}: its name "
                             f"{name!r} is a built-in activation's; register it under a "
                             "package with @ember.utils.register_keras_serializable()")
    return name


def deserialize(config):
    """The inverse of `serialize` (a name, or a dict whose "config" is a name).

    >>> import ember
    >>> ember.activations.deserialize("gelu") is ember.activations.gelu
    True
    """
    return get(config)
