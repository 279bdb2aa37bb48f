"""Keras' loss classes: a loss function plus its settings, a name and a reduction.

Every class wraps the function of the same name through `LossFunctionWrapper`, with Keras 3's
defaults, names and `get_config` keys.
"""

from ember.losses import crossentropy as ce
from ember.losses import regression as rg
from ember.losses.loss import Loss, as_output, as_target, squeeze_or_expand_to_same_rank

_R = "sum_over_batch_size"


class LossFunctionWrapper(Loss):
    """Make a `Loss` from a function `fn(y_true, y_pred, **kwargs)` returning per-sample values.

    Args:
        fn: the loss function.
        reduction: see `Loss`. Defaults to "sum_over_batch_size".
        name: defaults to `fn.__name__`.
        dtype: see `Loss`.
        **kwargs: passed on to `fn` on every call.

    >>> import ember
    >>> loss = ember.losses.LossFunctionWrapper(ember.losses.huber, delta=0.5)
    >>> float(loss([[0.0]], [[2.0]]))
    0.875
    """

    def __init__(self, fn, reduction=_R, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper: `fn` must be callable; received {fn!r}")
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction,
                         dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_pred = as_output(y_pred, self.name)
        y_true = as_target(y_true, y_pred, self.name)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config["fn"] = getattr(self.fn, "__name__", None)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("fn"), str):
            from ember.losses import get  # noqa: PLC0415  (the registry imports this module)

            config["fn"] = get(config["fn"])
        return cls(**config)

    def __repr__(self):
        fn = getattr(self.fn, "__name__", self.fn)
        return f"<LossFunctionWrapper({fn}, kwargs={self._fn_kwargs})>"


class _Fixed(LossFunctionWrapper):
    """A built-in class: its function is fixed and its config holds only its own settings."""

    _fn = None
    _settings = ()

    def __init__(self, reduction=_R, name=None, dtype=None, **settings):
        super().__init__(type(self)._fn, reduction=reduction, name=name, dtype=dtype,
                         **settings)
        for key, value in settings.items():
            setattr(self, key, value)

    def call(self, y_true, y_pred):
        # The built-in functions convert, squeeze-or-expand and check shapes themselves (and
        # keep integer labels integer for the sparse loss).
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = Loss.get_config(self)
        config.update({key: getattr(self, key) for key in self._settings})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MeanSquaredError(_Fixed):
    """Mean of squared errors: `mean((y_true - y_pred) ** 2)` (name "mean_squared_error").

    >>> import ember
    >>> float(ember.losses.MeanSquaredError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]))
    0.5
    """

    _fn = staticmethod(rg.mean_squared_error)

    def __init__(self, reduction=_R, name="mean_squared_error", dtype=None):
        super().__init__(reduction, name, dtype)


class MeanAbsoluteError(_Fixed):
    """Mean of absolute errors (name "mean_absolute_error").

    >>> import ember
    >>> float(ember.losses.MeanAbsoluteError()([[0.0, 1.0]], [[1.0, 3.0]]))
    1.5
    """

    _fn = staticmethod(rg.mean_absolute_error)

    def __init__(self, reduction=_R, name="mean_absolute_error", dtype=None):
        super().__init__(reduction, name, dtype)


class MeanAbsolutePercentageError(_Fixed):
    """`100 * mean(|(y_true - y_pred) / y_true|)` (name "mean_absolute_percentage_error").

    >>> import ember
    >>> float(ember.losses.MeanAbsolutePercentageError()([[2.0, 4.0]], [[1.0, 5.0]]))
    37.5
    """

    _fn = staticmethod(rg.mean_absolute_percentage_error)

    def __init__(self, reduction=_R, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(reduction, name, dtype)


class MeanSquaredLogarithmicError(_Fixed):
    """`mean((log1p(y_pred) - log1p(y_true)) ** 2)` (name "mean_squared_logarithmic_error").

    >>> import ember
    >>> float(ember.losses.MeanSquaredLogarithmicError()([[0.0]], [[0.0]]))
    0.0
    """

    _fn = staticmethod(rg.mean_squared_logarithmic_error)

    def __init__(self, reduction=_R, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(reduction, name, dtype)


class CosineSimilarity(_Fixed):
    """Negative cosine similarity along `axis` (name "cosine_similarity"; -1 is best).

    >>> import ember
    >>> float(ember.losses.CosineSimilarity()([[1.0, 0.0]], [[3.0, 0.0]]))
    -1.0
    """

    _fn = staticmethod(rg.cosine_similarity)
    _settings = ("axis",)

    def __init__(self, axis=-1, reduction=_R, name="cosine_similarity", dtype=None):
        super().__init__(reduction, name, dtype, axis=axis)


class Huber(_Fixed):
    """Huber loss with threshold `delta` (Defaults to 1.0; name "huber_loss").

    >>> import ember
    >>> float(ember.losses.Huber(delta=1.0)([[0.0, 0.0]], [[0.5, 3.0]]))
    1.3125
    """

    _fn = staticmethod(rg.huber)
    _settings = ("delta",)

    def __init__(self, delta=1.0, reduction=_R, name="huber_loss", dtype=None):
        rg._positive(delta, "delta", "Huber")
        super().__init__(reduction, name, dtype, delta=delta)


class LogCosh(_Fixed):
    """`mean(log(cosh(y_pred - y_true)))` (name "log_cosh").

    >>> import ember
    >>> round(float(ember.losses.LogCosh()([[0.0]], [[1.0]])), 6)
    0.433781
    """

    _fn = staticmethod(rg.log_cosh)

    def __init__(self, reduction=_R, name="log_cosh", dtype=None):
        super().__init__(reduction, name, dtype)


class Hinge(_Fixed):
    """`mean(max(1 - y_true * y_pred, 0))`, 0/1 labels mapped to -1/1 (name "hinge").

    >>> import ember
    >>> float(ember.losses.Hinge()([[1.0, 0.0]], [[0.5, 0.5]]))
    1.0
    """

    _fn = staticmethod(rg.hinge)

    def __init__(self, reduction=_R, name="hinge", dtype=None):
        super().__init__(reduction, name, dtype)


class SquaredHinge(_Fixed):
    """`mean(max(1 - y_true * y_pred, 0) ** 2)` (name "squared_hinge").

    >>> import ember
    >>> float(ember.losses.SquaredHinge()([[1.0, 0.0]], [[0.5, 0.5]]))
    1.25
    """

    _fn = staticmethod(rg.squared_hinge)

    def __init__(self, reduction=_R, name="squared_hinge", dtype=None):
        super().__init__(reduction, name, dtype)


class CategoricalHinge(_Fixed):
    """`max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` ("categorical_hinge").

    >>> import ember
    >>> round(float(ember.losses.CategoricalHinge()([[0, 1, 0]], [[0.3, 0.5, 0.2]])), 6)
    0.8
    """

    _fn = staticmethod(rg.categorical_hinge)

    def __init__(self, reduction=_R, name="categorical_hinge", dtype=None):
        super().__init__(reduction, name, dtype)


class KLDivergence(_Fixed):
    """`sum(y_true * log(y_true / y_pred))`, both clipped to [eps, 1] (name "kl_divergence").

    >>> import ember
    >>> round(float(ember.losses.KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]])), 6)
    0.143841
    """

    _fn = staticmethod(rg.kl_divergence)

    def __init__(self, reduction=_R, name="kl_divergence", dtype=None):
        super().__init__(reduction, name, dtype)


class Poisson(_Fixed):
    """`mean(y_pred - y_true * log(y_pred + eps))` (name "poisson").

    >>> import ember
    >>> round(float(ember.losses.Poisson()([[1.0]], [[1.0]])), 5)
    1.0
    """

    _fn = staticmethod(rg.poisson)

    def __init__(self, reduction=_R, name="poisson", dtype=None):
        super().__init__(reduction, name, dtype)


class BinaryCrossentropy(_Fixed):
    """Binary cross-entropy (name "binary_crossentropy"); see `binary_crossentropy`.

    Args:
        from_logits: y_pred holds logits (the stable fused path). Defaults to False.
        label_smoothing: in [0, 1]; targets become `t (1 - s) + s / 2`. Defaults to 0.
        axis: the axis of the mean. Defaults to -1.
        reduction, name, dtype: see `Loss`.

    >>> import ember
    >>> bce = ember.losses.BinaryCrossentropy(from_logits=True)
    >>> round(float(bce([[0, 1], [0, 0]], [[-18.6, 0.51], [2.94, -12.8]])), 4)
    0.8655
    """

    _fn = staticmethod(ce.binary_crossentropy)
    _settings = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=_R,
                 name="binary_crossentropy", dtype=None):
        ce._smoothing(label_smoothing, "BinaryCrossentropy")
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(_Fixed):
    """Categorical cross-entropy for one-hot targets (name "categorical_crossentropy").

    Args:
        from_logits: y_pred holds logits (fused log-softmax path). Defaults to False.
        label_smoothing: targets become `t (1 - s) + s / num_classes`. Defaults to 0.
        axis: the class axis. Defaults to -1.
        reduction, name, dtype: see `Loss`.

    >>> import ember
    >>> cce = ember.losses.CategoricalCrossentropy()
    >>> round(float(cce([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 4)
    1.1769
    """

    _fn = staticmethod(ce.categorical_crossentropy)
    _settings = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=_R,
                 name="categorical_crossentropy", dtype=None):
        ce._smoothing(label_smoothing, "CategoricalCrossentropy")
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_Fixed):
    """Cross-entropy for integer labels (name "sparse_categorical_crossentropy").

    Args:
        from_logits: y_pred holds logits (fused path). Defaults to False.
        ignore_class: a label to skip; those entries are masked out of the mean. Defaults to
            None.
        reduction, name, dtype: see `Loss`.

    >>> import ember
    >>> scce = ember.losses.SparseCategoricalCrossentropy()
    >>> round(float(scce([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 4)
    1.1769
    """

    _fn = staticmethod(ce.sparse_categorical_crossentropy)
    _settings = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction=_R,
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         ignore_class=ignore_class)
