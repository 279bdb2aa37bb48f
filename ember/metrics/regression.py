"""Metrics that are the mean of a loss function (Keras' regression, probabilistic and hinge
metrics), plus `RootMeanSquaredError`. Names and signatures follow Keras 3.
"""

import numpy as np

from ember import losses
from ember.losses.loss import squeeze_or_expand_to_same_rank
from ember.metrics.base import Mean, MeanMetricWrapper, as_numpy


def cosine_similarity(y_true, y_pred, axis=-1):
    """The cosine similarity along `axis` (1 when aligned): minus the loss of the same name.

    >>> from ember.metrics import cosine_similarity
    >>> cosine_similarity([[1.0, 0.0]], [[2.0, 0.0]]).numpy()
    array([1.], dtype=float32)
    """
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


class _LossMean(MeanMetricWrapper):
    """The mean of a fixed loss function; `_settings` are its keyword arguments."""

    _fn = None
    _settings = ()

    def __init__(self, name, dtype, **settings):
        super().__init__(type(self)._fn, name=name, dtype=dtype, **settings)
        for key, value in settings.items():
            setattr(self, key, value)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype,
                **{key: getattr(self, key) for key in self._settings}}


class MeanSquaredError(_LossMean):
    """The mean of `mean_squared_error` over all samples (name "mean_squared_error").

    >>> import ember
    >>> m = ember.metrics.MeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.25
    """

    _fn = staticmethod(losses.mean_squared_error)

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(name, dtype)


class MeanAbsoluteError(_LossMean):
    """The mean of `mean_absolute_error` (name "mean_absolute_error").

    >>> import ember
    >>> float(ember.metrics.MeanAbsoluteError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.25
    """

    _fn = staticmethod(losses.mean_absolute_error)

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(name, dtype)


class MeanAbsolutePercentageError(_LossMean):
    """The mean of `mean_absolute_percentage_error`.

    >>> import ember
    >>> float(ember.metrics.MeanAbsolutePercentageError()([[2.0, 4.0]], [[1.0, 5.0]]))
    37.5
    """

    _fn = staticmethod(losses.mean_absolute_percentage_error)

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(name, dtype)


class MeanSquaredLogarithmicError(_LossMean):
    """The mean of `mean_squared_logarithmic_error`.

    >>> import ember
    >>> float(ember.metrics.MeanSquaredLogarithmicError()([[1.0]], [[1.0]]))
    0.0
    """

    _fn = staticmethod(losses.mean_squared_logarithmic_error)

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(name, dtype)


class LogCoshError(_LossMean):
    """The mean of `log_cosh` (name "logcosh").

    >>> import ember
    >>> float(ember.metrics.LogCoshError()([[0.0]], [[0.0]]))
    0.0
    """

    _fn = staticmethod(losses.log_cosh)

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(name, dtype)


class CosineSimilarity(_LossMean):
    """The mean cosine similarity along `axis` (1 is best; name "cosine_similarity").

    >>> import ember
    >>> m = ember.metrics.CosineSimilarity()
    >>> round(float(m([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])), 6)
    0.5
    """

    _fn = staticmethod(cosine_similarity)
    _settings = ("axis",)

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(name, dtype, axis=axis)


class BinaryCrossentropy(_LossMean):
    """The mean of `binary_crossentropy` (name "binary_crossentropy").

    >>> import ember
    >>> m = ember.metrics.BinaryCrossentropy()
    >>> round(float(m([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 4)
    0.8149
    """

    _fn = staticmethod(losses.binary_crossentropy)
    _settings = ("from_logits", "label_smoothing")

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(name, dtype, from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(_LossMean):
    """The mean of `categorical_crossentropy` (name "categorical_crossentropy").

    >>> import ember
    >>> m = ember.metrics.CategoricalCrossentropy()
    >>> round(float(m([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 4)
    1.1769
    """

    _fn = staticmethod(losses.categorical_crossentropy)
    _settings = ("from_logits", "label_smoothing", "axis")

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(name, dtype, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class SparseCategoricalCrossentropy(_LossMean):
    """The mean of `sparse_categorical_crossentropy`.

    >>> import ember
    >>> m = ember.metrics.SparseCategoricalCrossentropy()
    >>> round(float(m([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 4)
    1.1769
    """

    _fn = staticmethod(losses.sparse_categorical_crossentropy)
    _settings = ("from_logits", "axis")

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 axis=-1):
        super().__init__(name, dtype, from_logits=from_logits, axis=axis)


class KLDivergence(_LossMean):
    """The mean of `kl_divergence` (name "kl_divergence").

    >>> import ember
    >>> round(float(ember.metrics.KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]])), 6)
    0.143841
    """

    _fn = staticmethod(losses.kl_divergence)

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(name, dtype)


class Poisson(_LossMean):
    """The mean of `poisson` (name "poisson").

    >>> import ember
    >>> round(float(ember.metrics.Poisson()([[1.0]], [[1.0]])), 5)
    1.0
    """

    _fn = staticmethod(losses.poisson)

    def __init__(self, name="poisson", dtype=None):
        super().__init__(name, dtype)


class Hinge(_LossMean):
    """The mean of `hinge` (name "hinge").

    >>> import ember
    >>> float(ember.metrics.Hinge()([[1.0, 0.0]], [[0.5, 0.5]]))
    1.0
    """

    _fn = staticmethod(losses.hinge)

    def __init__(self, name="hinge", dtype=None):
        super().__init__(name, dtype)


class SquaredHinge(_LossMean):
    """The mean of `squared_hinge` (name "squared_hinge").

    >>> import ember
    >>> float(ember.metrics.SquaredHinge()([[1.0, 0.0]], [[0.5, 0.5]]))
    1.25
    """

    _fn = staticmethod(losses.squared_hinge)

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(name, dtype)


class CategoricalHinge(_LossMean):
    """The mean of `categorical_hinge` (name "categorical_hinge").

    >>> import ember
    >>> round(float(ember.metrics.CategoricalHinge()([[0, 1, 0]], [[0.3, 0.5, 0.2]])), 6)
    0.8
    """

    _fn = staticmethod(losses.categorical_hinge)

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(name, dtype)


class RootMeanSquaredError(Mean):
    """sqrt of the (weighted) mean squared error over every element seen.

    >>> import ember
    >>> m = ember.metrics.RootMeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        t = as_numpy(y_true, "y_true", self.name)
        p = as_numpy(y_pred, "y_pred", self.name)
        t, p = squeeze_or_expand_to_same_rank(t, p)
        if t.shape != p.shape:
            raise ValueError(f"{self.name}: y_true and y_pred must have the same shape; "
                             f"received y_true.shape={t.shape}, y_pred.shape={p.shape}")
        d = p.astype(np.float64) - t  # float64 on purpose: squared errors are accumulated
        super().update_state(d * d, sample_weight=sample_weight)

    def result(self):
        return self._out(np.sqrt(super().result().data))
