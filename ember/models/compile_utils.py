"""What `compile(loss=..., metrics=...)` builds: per-output losses and metrics, resolved once.

Losses and metrics are given as names, objects, or per output (a list in output order, or a
dict keyed by output names). They are resolved at the first batch, when the shapes of `y_true`
and `y_pred` are known ("accuracy" and "crossentropy" depend on them, as in Keras), and reused
for every later batch: no lookup happens per step. Metrics are updated on NumPy arrays, never
on the graph.
"""

import numpy as np

from ember import losses as losses_module
from ember import metrics as metrics_module
from ember.tensor import Tensor

_DEFERRED_LOSSES = ("crossentropy", "ce")
_DEFERRED_METRICS = ("accuracy", "acc", "crossentropy", "ce")


def _apply_pending_states(owner):
    """Metric states a resumed `BackupAndRestore` left for metrics built only now (the first
    batch): `owner.pending_states = (states by name, setter)`, applied once."""
    pending = owner.__dict__.pop("pending_states", None)
    if pending is not None:
        states, setter = pending
        for metric in owner.metrics:
            if metric.name in states:
                setter(metric, states[metric.name])


class LossTracker(metrics_module.Mean):
    """The running mean of the loss over the batches of an epoch, weighted by batch size."""

    def update_state(self, values, sample_weight=None):
        if isinstance(values, float | int) and isinstance(sample_weight, int | float):
            self.total.data += values * sample_weight  # the per-step fast path
            self.count.data += sample_weight
        else:
            super().update_state(values, sample_weight)


def check_identifier(identifier, kind):
    """Fail at compile time (not at the first batch) on an unknown loss or metric name."""
    if not isinstance(identifier, str):
        return
    if kind == "loss" and identifier.lower() not in _DEFERRED_LOSSES:
        losses_module.get(identifier)
    elif kind == "metric" and identifier.lower() not in _DEFERRED_METRICS:
        metrics_module.get(identifier)


def flatten_outputs(value, output_names, what):
    """A list with one entry per output, from a single value, a list/tuple or a dict keyed by
    output names (missing keys give None)."""
    n = len(output_names)
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(output_names))
        if unknown:
            raise ValueError(f"{what}: unknown output name(s) {unknown}; the model's outputs "
                             f"are {output_names}")
        return [value.get(name) for name in output_names]
    if isinstance(value, list | tuple):
        if n == 1 and len(value) == 1:
            return [value[0]]
        if len(value) != n:
            raise ValueError(f"{what}: expected {n} entries, one per output {output_names}; "
                             f"received {len(value)}")
        return list(value)
    return [value] * n  # one value applies to every output


def as_output_list(y_pred, output_names):
    """The model's outputs as a list in `output_names` order."""
    if isinstance(y_pred, dict):
        return [y_pred[name] for name in output_names]
    if isinstance(y_pred, list | tuple):
        return list(y_pred)
    return [y_pred]


def as_target_list(y_true, output_names, where):
    """The targets as a list aligned with the outputs (a dict is matched by output name)."""
    n = len(output_names)
    if y_true is None:
        return [None] * n
    if isinstance(y_true, dict):
        return [y_true.get(name) for name in output_names]
    if isinstance(y_true, list | tuple) and not isinstance(y_true, np.ndarray):
        if len(y_true) == n:
            return list(y_true)
        if n == 1:
            return [y_true]
        raise ValueError(f"{where}: the model has {n} outputs {output_names} but `y` holds "
                         f"{len(y_true)} arrays")
    if n != 1:
        raise ValueError(f"{where}: the model has {n} outputs {output_names}; pass `y` as a "
                         "list (one array per output) or a dict keyed by output name")
    return [y_true]


def as_weight_list(sample_weight, output_names, where):
    """Sample weights per output: one array applies to every output."""
    if sample_weight is None or not isinstance(sample_weight, list | tuple | dict):
        return [sample_weight] * len(output_names)
    return as_target_list(sample_weight, output_names, where)


def _array(value):
    return value.data if isinstance(value, Tensor) else value


class CompileLoss:
    """The compiled loss: `sum_i loss_weight_i * loss_i(y_true_i, y_pred_i, sample_weight_i)`.

    For several outputs it also tracks each output's loss as `<output>_loss`.
    """

    def __init__(self, loss, loss_weights=None):
        for item in loss.values() if isinstance(loss, dict) else (
                loss if isinstance(loss, list | tuple) else [loss]):
            check_identifier(item, "loss")
        self.loss = loss
        self.loss_weights = loss_weights
        self.built = False
        self._losses = []  # (output index, loss object, weight)
        self.metrics = []

    def build(self, y_true, y_pred, output_names):
        identifiers = flatten_outputs(self.loss, output_names, "loss")
        if self.loss_weights is None:
            weights = [1.0] * len(output_names)
        elif isinstance(self.loss_weights, int | float) and len(output_names) == 1:
            weights = [float(self.loss_weights)]
        else:
            weights = flatten_outputs(self.loss_weights, output_names, "loss_weights")
            weights = [1.0 if w is None else float(w) for w in weights]
        self._losses = []
        for i, identifier in enumerate(identifiers):
            if identifier is None:
                continue
            if y_true[i] is None:
                raise ValueError(f"the model was compiled with a loss for output "
                                 f"{output_names[i]!r}, but no target `y` was given for it")
            self._losses.append((i, losses_module.resolve(identifier, y_true[i], y_pred[i]),
                                 weights[i]))
        self.metrics = []
        if len(output_names) > 1:
            self.metrics = [LossTracker(name=f"{output_names[i]}_loss")
                            for i, _, _ in self._losses]
        self.built = True
        _apply_pending_states(self)

    def __call__(self, y_true, y_pred, sample_weight, batch_size):
        total = None
        for k, (i, loss, weight) in enumerate(self._losses):
            value = loss(y_true[i], y_pred[i], sample_weight[i])
            if self.metrics:
                self.metrics[k].update_state(float(value.data), batch_size)
            if weight != 1.0:
                value = value * weight
            total = value if total is None else total + value
        return total

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()


class CompileMetrics(metrics_module.Metric):
    """The compiled metrics, per output, updated on arrays; named `<output>_<metric>` when the
    model has several outputs (as Keras).

    Like Keras' `CompileMetrics` it is itself a Metric (named "compile_metrics", listed in
    `model.metrics`): a custom train_step's `metric.update_state(y, y_pred)` updates every
    compiled metric, `result()` is the dict of their results and `reset_state()` resets them.
    `align(y, y_pred, sample_weight)`, set by the model, lines the data up with its outputs.
    """

    def __init__(self, metrics=None, weighted_metrics=None, name="compile_metrics",
                 align=None):
        super().__init__(name=name)
        self.align = align
        for group in (metrics, weighted_metrics):
            items = group.values() if isinstance(group, dict) else (group or [])
            if not isinstance(items, list | tuple) and not isinstance(group, dict):
                raise TypeError(f"compile: `metrics` must be a list (or a dict keyed by output "
                                f"name); received {type(group).__name__}")
            for item in items:
                for ident in item if isinstance(item, list | tuple) else [item]:
                    check_identifier(ident, "metric")
        self._metrics_arg = metrics
        self._weighted_arg = weighted_metrics
        self.built = False
        self._entries = []  # (output index, metric, weighted)

    def _per_output(self, arg, output_names):
        if arg is None:
            return [[] for _ in output_names]
        if isinstance(arg, dict):
            lists = flatten_outputs(arg, output_names, "metrics")
            return [[] if m is None else list(m) if isinstance(m, list | tuple) else [m]
                    for m in lists]
        arg = list(arg)
        nested = len(output_names) > 1 and len(arg) == len(output_names) and all(
            isinstance(m, list | tuple) or m is None for m in arg)
        if nested:
            return [list(m or []) for m in arg]
        return [list(arg) for _ in output_names]  # a flat list applies to every output

    def build(self, y_true, y_pred, output_names):
        multi = len(output_names) > 1
        self._entries = []
        names = set()
        for weighted, arg in ((False, self._metrics_arg), (True, self._weighted_arg)):
            for i, idents in enumerate(self._per_output(arg, output_names)):
                for ident in idents:
                    if ident is None:
                        continue
                    metric = metrics_module.resolve(ident, y_true[i], y_pred[i])
                    if multi:
                        metric.name = f"{output_names[i]}_{metric.name}"
                    if weighted and metric.name in names:
                        metric.name = f"weighted_{metric.name}"
                    names.add(metric.name)
                    self._entries.append((i, metric, weighted))
        self.built = True
        _apply_pending_states(self)

    @property
    def metrics(self):
        return [m for _, m, _ in self._entries]

    @property
    def variables(self):
        """The state Variables of every compiled metric (as Keras': what a distributed run
        sums over the ranks, and what a backup saves)."""
        return [v for m in self.metrics for v in m.variables]

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Update every compiled metric with the model's targets and outputs (any structure
        the model takes: one array, a list in output order, a dict keyed by output name)."""
        if self.align is not None:
            names, targets, preds, weights = self.align(y_true, y_pred, sample_weight)
        else:
            names, targets, preds = ["output"], [y_true], [y_pred]
            weights = [sample_weight]
        if not self.built:
            self.build(targets, preds, names)
        self.update_aligned(targets, preds, weights)

    def result(self):
        """`{name: value}` of every compiled metric ({} before the first batch)."""
        out = {}
        for m in self.metrics:
            value = m.result()
            if isinstance(value, dict):
                out.update(value)
            else:
                out[m.name] = value
        return out

    def update_aligned(self, y_true, y_pred, sample_weight):
        """Update from lists aligned with the outputs (one entry per output)."""
        for i, metric, weighted in self._entries:
            if y_true[i] is None:
                continue
            sw = sample_weight[i] if weighted else None
            metric.update_state(y_true[i], _array(y_pred[i]), sw)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()
