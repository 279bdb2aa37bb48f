"""AUC: the area under the ROC or precision-recall curve, Keras 3's Riemann-sum estimate.

The curve is sampled at `num_thresholds` thresholds (0 - eps, 1/(n-1), ..., 1 + eps); between
neighbours the area is summed by `summation_method`: "interpolation" (trapezoids for ROC; for
PR, Davis & Goadrich's interpolation of true and false positives), "minoring" (the lower of
the two heights) or "majoring" (the higher).
"""

import numpy as np

from ember import backend, config
from ember.metrics.base import ACCUMULATOR, Metric, as_numpy, divide_no_nan
from ember.metrics.confusion import confusion_counts, evenly_distributed, prepare

_CURVES = {"roc": "ROC", "pr": "PR"}
_METHODS = ("interpolation", "majoring", "minoring")


class AUC(Metric):
    """Approximate AUC of the ROC (default) or PR curve over every batch seen.

    Args:
        num_thresholds: number of thresholds (> 1) discretising the curve. Defaults to 200.
        curve: "ROC" or "PR". Defaults to "ROC".
        summation_method: "interpolation" (default), "minoring" or "majoring".
        name, dtype: see `Metric`.
        thresholds: explicit thresholds in [0, 1] (then `num_thresholds` is ignored); the
            endpoints -eps and 1 + eps are added.
        multi_label: compute one AUC per label (column of 2-D inputs) and average them
            (weighted by `label_weights`); otherwise inputs are flattened. Defaults to False.
        num_labels: the number of labels when `multi_label` (else taken from the first batch).
        label_weights: non-negative per-label weights.
        from_logits: apply a sigmoid to y_pred first. Defaults to False.

    >>> import ember
    >>> m = ember.metrics.AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        if str(curve).lower() not in _CURVES:
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are '
                             '["PR", "ROC"]')
        if str(summation_method).lower() not in _METHODS:
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             'Expected values are ["interpolation", "majoring", "minoring"]')
        super().__init__(name=name, dtype=dtype)
        self.curve = _CURVES[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(float(t) for t in np.ravel(thresholds))
            if any(not 0 <= t <= 1 for t in inner):
                raise ValueError(f"Threshold values must be in [0, 1]. Received: {inner}")
            self.num_thresholds = len(inner) + 2
            self._evenly = evenly_distributed([0.0, *inner, 1.0])
        else:
            if isinstance(num_thresholds, bool) or not isinstance(
                    num_thresholds, int | np.integer) or num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds!r}")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        eps = config.epsilon()
        self._thresholds = np.array([0.0 - eps, *inner, 1.0 + eps])
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.label_weights = None
        if label_weights is not None:
            self.label_weights = np.asarray(label_weights, dtype=ACCUMULATOR)
            if (self.label_weights < 0).any():
                raise ValueError(f"{self.name}: `label_weights` must be non-negative; "
                                 f"received {self.label_weights.tolist()}")
        self._from_logits = bool(from_logits)
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds, endpoints included."""
        return list(self._thresholds)

    def _build(self, shape, like=None):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. Found "
                                 f"rank {len(shape)}. Full shape received for `y_pred`: "
                                 f"{tuple(shape)}")
            self._num_labels = shape[1]
            var_shape = (self.num_thresholds, self._num_labels)
        else:
            var_shape = (self.num_thresholds,)
        for key in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, key, self.add_variable(var_shape, key, like=like))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate the four confusion counts at every threshold."""
        p = as_numpy(y_pred, "y_pred", self.name)
        if not self._built:  # the counts live where the first predictions do
            self._build(p.shape, like=p)
        if self._from_logits:
            p = 0.5 * (1.0 + np.tanh(0.5 * p.astype(np.float32)))
        if self._evenly:  # as Keras' bucketed path: scores are first clipped to [0, 1]
            p = np.clip(p, 0.0, 1.0)
        t, p, w = prepare(y_true, p, sample_weight, self.name)
        if self.multi_label:
            if p.ndim != 2 or p.shape[1] != self._num_labels:
                raise ValueError(f"{self.name}: expected y_pred of shape (batch, "
                                 f"{self._num_labels}) with multi_label=True; received "
                                 f"{p.shape}")
            cols = [confusion_counts(t[:, j], p[:, j], w[:, j], self._thresholds)
                    for j in range(p.shape[1])]
            counts = [np.stack(c, axis=1) for c in zip(*cols)]
        else:
            if self.label_weights is not None:
                w = w * backend.asarray(self.label_weights, like=w)
            counts = confusion_counts(t, p, w, self._thresholds)
        tp, fp, tn, fn = counts
        self.true_positives.assign_add(tp)
        self.false_positives.assign_add(fp)
        self.true_negatives.assign_add(tn)
        self.false_negatives.assign_add(fn)

    def _average(self, by_threshold):
        if not self.multi_label:
            return np.sum(by_threshold)
        by_label = np.sum(by_threshold, axis=0)
        if self.label_weights is None:
            return np.mean(by_label)
        lw = backend.asarray(self.label_weights, like=by_label)
        return divide_no_nan(np.sum(by_label * lw), np.sum(lw))

    def interpolate_pr_auc(self):
        """PR-AUC with precision interpolated between thresholds (Davis & Goadrich 2006),
        Keras' closed form: slope * (dTP + intercept * log(P_A / P_B)) / (TP_B + FN_B)."""
        tp, fp = self.true_positives.data, self.false_positives.data
        fn = self.false_negatives.data
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        increment = divide_no_nan(slope * (dtp + intercept * np.log(ratio)),
                                  np.maximum(tp[1:] + fn[1:], 0))
        return self._average(increment)

    def result(self):
        if not self._built:
            return self._out(0.0)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._out(self.interpolate_pr_auc())
        tp, fp = self.true_positives.data, self.false_positives.data
        tn, fn = self.true_negatives.data, self.false_negatives.data
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._out(self._average((x[:-1] - x[1:]) * heights))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds, "curve": self.curve,
            "summation_method": self.summation_method, "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config
