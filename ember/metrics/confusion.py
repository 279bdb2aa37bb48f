"""Confusion-matrix metrics: TruePositives.., Precision, Recall and AUC (Keras 3 semantics).

A prediction is positive at threshold `t` when `y_pred > t` (strictly); labels are positive
when non-zero. Counts are weighted by `sample_weight` and accumulated in float64. Every
threshold is evaluated exactly from one sort of the batch's predictions (no bucketing).
"""

import numpy as np

from ember import backend, config
from ember.losses.loss import squeeze_or_expand_to_same_rank
from ember.metrics.base import ACCUMULATOR, Metric, as_numpy, divide_no_nan

NEG_INF = -1e10


def parse_thresholds(thresholds, default):
    """A list of float thresholds, each in [0, 1] (a single number is allowed)."""
    if thresholds is None:
        return [default]
    items = list(np.ravel(thresholds)) if np.ndim(thresholds) else [thresholds]
    bad = [t for t in items if t is None or not 0 <= t <= 1]
    if bad:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return [float(t) for t in items]


def _filter_top_k(x, k):
    """Keep the `k` largest values of each row (lower index first on ties), others NEG_INF."""
    xp = backend.array_module(x)
    # each entry's rank in its row (stable: lower index first on ties); the top k are kept
    rank = xp.argsort(xp.argsort(-x, axis=-1, kind="stable"), axis=-1, kind="stable")
    return xp.where(rank < k, x, np.float32(NEG_INF))


def prepare(y_true, y_pred, sample_weight, where, top_k=None, class_id=None):
    """Boolean labels, float32 predictions and float64 weights, all of one shape."""
    t = as_numpy(y_true, "y_true", where)
    p = as_numpy(y_pred, "y_pred", where).astype(np.float32)
    p, t = squeeze_or_expand_to_same_rank(p, t)
    if t.shape != p.shape:
        raise ValueError(f"{where}: y_true and y_pred must have the same shape; received "
                         f"y_true.shape={t.shape}, y_pred.shape={p.shape}")
    sw = None
    if sample_weight is not None:
        sw = backend.asarray(as_numpy(sample_weight, "sample_weight", where), like=p)
        sw = backend.array_module(p).expand_dims(sw.astype(ACCUMULATOR, copy=False), -1)
        _, sw = squeeze_or_expand_to_same_rank(t, sw, expand_rank_1=False)
    if top_k is not None:
        p = _filter_top_k(p, top_k)
    if class_id is not None:
        if p.ndim < 2 or not 0 <= class_id < p.shape[-1]:
            raise ValueError(f"{where}: class_id={class_id} needs y_pred of shape "
                             f"(num_samples, num_classes) with class_id < num_classes; "
                             f"received y_pred.shape={p.shape}")
        t, p = t[..., class_id, None], p[..., class_id, None]
    xp = backend.array_module(p)
    w = xp.ones(p.shape, dtype=ACCUMULATOR)
    if sw is not None:
        try:
            w = xp.broadcast_to(sw, p.shape)
        except ValueError:
            raise ValueError(f"{where}: `sample_weight` of shape {np.shape(sample_weight)} "
                             f"cannot be broadcast to y_pred's shape {p.shape}") from None
    return t != 0, p, w


def confusion_counts(is_pos, pred, weight, thresholds):
    """Weighted (tp, fp, tn, fn) per threshold, each of shape (len(thresholds),).

    One sort, cumulative sums, and a binary search per threshold: exact for any thresholds.
    A NaN prediction is negative at every threshold (as `NaN > t` is False).

    >>> import numpy as np
    >>> from ember.metrics.confusion import confusion_counts
    >>> tp, fp, tn, fn = confusion_counts(np.array([True, False, True]),
    ...                                   np.array([0.9, 0.6, 0.2], np.float32), np.ones(3),
    ...                                   [0.5])
    >>> tp, fp, tn, fn
    (array([1.]), array([1.]), array([0.]), array([1.]))
    """
    xp = backend.array_module(pred)
    pred = xp.where(xp.isnan(pred), -np.inf, pred).ravel()
    order = xp.argsort(pred, kind="stable")
    pos = (weight * is_pos).ravel()[order]
    neg = (weight * ~is_pos).ravel()[order]
    zero = xp.zeros(1, ACCUMULATOR)
    cum_pos = xp.concatenate([zero, xp.cumsum(pos, dtype=ACCUMULATOR)])
    cum_neg = xp.concatenate([zero, xp.cumsum(neg, dtype=ACCUMULATOR)])
    below = xp.searchsorted(pred[order], xp.asarray(thresholds, np.float32), side="right")
    tp, fp = cum_pos[-1] - cum_pos[below], cum_neg[-1] - cum_neg[below]
    return tp, fp, cum_neg[below], cum_pos[below]


class _ConfusionMetric(Metric):
    """Shared plumbing: thresholds, top_k and class_id, and the update of some counts."""

    _counts = ()

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if top_k is not None and (isinstance(top_k, bool) or int(top_k) != top_k or top_k < 1):
            raise ValueError(f"{self.name}: `top_k` must be a positive integer; received "
                             f"top_k={top_k!r}")
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        for key in self._counts:
            setattr(self, key, self.add_variable((len(self.thresholds),), key))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate the counts of a batch (labels are cast to bool, non-zero = positive).

        Args:
            y_true: labels, of y_pred's shape.
            y_pred: scores, compared with each threshold (`>`).
            sample_weight: per-sample weights (rank 0, or y_true's rank); defaults to 1.
        """
        t, p, w = prepare(y_true, y_pred, sample_weight, self.name, self.top_k, self.class_id)
        tp, fp, tn, fn = confusion_counts(t, p, w, self.thresholds)
        got = {"true_positives": tp, "false_positives": fp, "true_negatives": tn,
               "false_negatives": fn}
        for key in self._counts:
            getattr(self, key).assign_add(got[key])

    def _scalar_or_vector(self, values):
        return self._out(values[0] if len(self.thresholds) == 1 else values)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class _Count(_ConfusionMetric):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        return self._scalar_or_vector(getattr(self, self._counts[0]).data)


class TruePositives(_Count):
    """The weighted number of true positives at each threshold (default 0.5).

    >>> import ember
    >>> float(ember.metrics.TruePositives()([0, 1, 1, 1], [1, 0, 1, 1]))
    2.0
    """

    _counts = ("true_positives",)


class FalsePositives(_Count):
    """The weighted number of false positives at each threshold (default 0.5).

    >>> import ember
    >>> float(ember.metrics.FalsePositives()([0, 1, 0, 0], [0, 0, 1, 1]))
    2.0
    """

    _counts = ("false_positives",)


class TrueNegatives(_Count):
    """The weighted number of true negatives at each threshold (default 0.5).

    >>> import ember
    >>> float(ember.metrics.TrueNegatives()([0, 1, 0, 0], [1, 1, 0, 0]))
    2.0
    """

    _counts = ("true_negatives",)


class FalseNegatives(_Count):
    """The weighted number of false negatives at each threshold (default 0.5).

    >>> import ember
    >>> float(ember.metrics.FalseNegatives()([0, 1, 1, 1], [0, 1, 0, 0]))
    2.0
    """

    _counts = ("false_negatives",)


class Precision(_ConfusionMetric):
    """tp / (tp + fp) (0 when nothing is predicted positive).

    Args:
        thresholds: a float or list of floats in [0, 1]; one result per threshold. Defaults
            to 0.5, or to "any score" (NEG_INF) when `top_k` is set.
        top_k: only the k highest scores of each row count as predicted positive.
        class_id: restrict to this class (column) of `(num_samples, num_classes)` inputs.
        name, dtype: see `Metric`.

    >>> import ember
    >>> m = ember.metrics.Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 6)
    0.666667
    """

    _counts = ("true_positives", "false_positives")

    def result(self):
        tp, fp = self.true_positives.data, self.false_positives.data
        return self._scalar_or_vector(divide_no_nan(tp, tp + fp))

    def get_config(self):
        return {**super().get_config(), "top_k": self.top_k, "class_id": self.class_id}


class Recall(_ConfusionMetric):
    """tp / (tp + fn) (0 when there is no positive label); arguments as `Precision`.

    >>> import ember
    >>> m = ember.metrics.Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 6)
    0.666667
    """

    _counts = ("true_positives", "false_negatives")

    def result(self):
        tp, fn = self.true_positives.data, self.false_negatives.data
        return self._scalar_or_vector(divide_no_nan(tp, tp + fn))

    def get_config(self):
        return {**super().get_config(), "top_k": self.top_k, "class_id": self.class_id}


def evenly_distributed(thresholds):
    """Whether thresholds are [0, 1/(n-1), ..., 1] (within epsilon), n >= 3."""
    n = len(thresholds)
    return n >= 3 and np.allclose(thresholds, np.arange(n) / (n - 1), atol=config.epsilon())
