"""Stateful metrics with Keras 3's names, defaults and semantics, on NumPy values.

`update_state(y_true, y_pred, sample_weight=None)` accumulates, `result()` reads, and
`reset_state()` starts over. `get` resolves names; `resolve` is what `compile(metrics=[...])`
uses, including Keras' resolution of "accuracy"/"acc" from the first batch's shapes.

>>> import ember
>>> m = ember.metrics.get("binary_accuracy")
>>> m.update_state([[1], [0]], [[0.9], [0.8]])
>>> float(m.result())
0.5
"""

import inspect

from ember import losses as _losses
from ember.losses import (
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from ember.losses.loss import to_snake_case
from ember.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from ember.metrics.auc import AUC
from ember.metrics.base import Mean, MeanMetricWrapper, Metric, Sum
from ember.metrics.confusion import (
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from ember.metrics.regression import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    KLDivergence,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    RootMeanSquaredError,
    SparseCategoricalCrossentropy,
    SquaredHinge,
    cosine_similarity,
)

ALL_OBJECTS = (
    Metric, Mean, Sum, MeanMetricWrapper,
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError,
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives,
    Hinge, SquaredHinge, CategoricalHinge,
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
    "acc": Accuracy, "auc": AUC,
})

# Metric functions by name (used by MeanMetricWrapper.from_config).
FUNCTIONS = {fn.__name__: fn for fn in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, cosine_similarity,
)}


def _valid_names():
    return sorted(ALL_OBJECTS_DICT, key=str.lower)


def get_function(name):
    """A metric or loss function by name ("binary_accuracy", "mse", ...).

    >>> import ember
    >>> ember.metrics.get_function("mse").__name__
    'mean_squared_error'
    """
    fn = FUNCTIONS.get(name) or _losses.ALL_OBJECTS_DICT.get(name)
    if fn is None or inspect.isclass(fn):
        raise ValueError(f"Unknown metric function: {name!r}. Valid names: "
                         f"{sorted(FUNCTIONS) + sorted(_losses.ALL_OBJECTS_DICT)}")
    return fn


def serialize(metric):
    """`{"module", "class_name", "config"}` for a Metric instance.

    >>> import ember
    >>> ember.metrics.serialize(ember.metrics.AUC(curve="PR"))["config"]["curve"]
    'PR'
    """
    if not isinstance(metric, Metric):
        raise TypeError(f"serialize: expected an ember Metric; received {metric!r}")
    return {"module": "ember.metrics", "class_name": type(metric).__name__,
            "config": metric.get_config()}


def deserialize(config, custom_objects=None):
    """The metric described by `serialize`'s dict; class names resolve only through ember's
    registry and `custom_objects` (nothing is imported).

    >>> import ember
    >>> ember.metrics.deserialize({"class_name": "Precision", "config": {"top_k": 2}}).top_k
    2
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("deserialize: expected a dict with 'class_name' and 'config'; "
                         f"received {config!r}")
    from ember.saving.registry import resolve  # noqa: PLC0415

    name = config["class_name"]
    registered = config.get("registered_name")
    cls = (custom_objects or {}).get(name) or ALL_OBJECTS_DICT.get(name)
    if cls is None or isinstance(registered, str):
        try:
            cls = resolve(registered if isinstance(registered, str) else name, Metric,
                          custom_objects)
        except ValueError:
            cls = None
    if not (inspect.isclass(cls) and issubclass(cls, Metric)):
        raise ValueError(f"Unknown metric class: {name!r}. Valid names: {_valid_names()}")
    return cls.from_config(dict(config.get("config", {})))


def get(identifier):
    """A metric from a name, a config dict, a class, an instance or a function (Keras' `get`).

    Names are class names ("AUC"), their snake case ("binary_accuracy",
    "sparse_categorical_accuracy", "precision", "recall", "auc", ...) and the aliases "mse",
    "mae", "mape", "msle", "bce" (also upper case) and "acc"; each gives a new instance with
    default settings. Note that "accuracy" gives `Accuracy` (exact equality), as Keras' `get`;
    `compile` resolves "accuracy"/"acc" from the data through `resolve`.

    Raises:
        ValueError: an unknown name (the message lists the valid ones).

    >>> import ember
    >>> type(ember.metrics.get("mse")).__name__, ember.metrics.get("auc").num_thresholds
    ('MeanSquaredError', 200)
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:  # a user's metric: custom_objects, a scope, or registered
            from ember.saving.registry import lookup_user_object, unknown_name_hint  # noqa: PLC0415

            obj = lookup_user_object(identifier)
            if obj is None:
                raise ValueError(f"Could not interpret metric identifier: {identifier!r}. "
                                 f"Valid names: {_valid_names()}. For your own metric, "
                                 f"{unknown_name_hint(identifier)}")
    else:
        obj = identifier
    if inspect.isclass(obj):
        obj = obj()
    if not callable(obj) and not isinstance(obj, Metric):
        raise ValueError(f"Could not interpret metric identifier: {identifier!r}")
    return obj


def resolve_accuracy(name, y_true, y_pred):
    """Keras' resolution of "accuracy"/"acc" (any case) at the first batch, keeping `name`.

    `BinaryAccuracy` if `y_pred.shape[-1] == 1`; else `SparseCategoricalAccuracy` if y_true
    has lower rank than y_pred, or its last axis is 1 while y_pred's is larger; else
    `CategoricalAccuracy`.

    >>> import numpy as np, ember
    >>> m = ember.metrics.resolve_accuracy("acc", np.zeros(8), np.zeros((8, 10)))
    >>> type(m).__name__, m.name
    ('SparseCategoricalAccuracy', 'acc')
    """
    if str(name).lower() not in ("accuracy", "acc"):
        raise ValueError(f"resolve_accuracy: expected 'accuracy' or 'acc'; received {name!r}")
    is_binary, is_sparse = _losses.is_binary_or_sparse_categorical(y_true, y_pred)
    if is_binary:
        return BinaryAccuracy(name=str(name))
    if is_sparse:
        return SparseCategoricalAccuracy(name=str(name))
    return CategoricalAccuracy(name=str(name))


def resolve(identifier, y_true, y_pred):
    """What `compile(metrics=[identifier])` uses (Keras' `get_metric`).

    "accuracy"/"acc" go through `resolve_accuracy`; anything else through `get`. A function
    or a `Loss` becomes a `MeanMetricWrapper`. A string identifier names the metric.

    >>> import numpy as np, ember
    >>> ember.metrics.resolve("mse", np.zeros((2, 1)), np.zeros((2, 1))).name
    'mse'
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        return resolve_accuracy(identifier, y_true, y_pred)
    obj = get(identifier)
    if not isinstance(obj, Metric):
        obj = MeanMetricWrapper(obj)
    if isinstance(identifier, str):
        obj.name = identifier
    return obj


__all__ = [
    "ALL_OBJECTS", "ALL_OBJECTS_DICT", "AUC", "Accuracy", "BinaryAccuracy",
    "BinaryCrossentropy", "CategoricalAccuracy", "CategoricalCrossentropy", "CategoricalHinge",
    "CosineSimilarity", "FalseNegatives", "FalsePositives", "Hinge", "KLDivergence",
    "LogCoshError", "Mean", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanMetricWrapper", "MeanSquaredError", "MeanSquaredLogarithmicError", "Metric",
    "Poisson", "Precision", "Recall", "RootMeanSquaredError", "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy", "SparseTopKCategoricalAccuracy", "SquaredHinge", "Sum",
    "TopKCategoricalAccuracy", "TrueNegatives", "TruePositives", "accuracy", "binary_accuracy",
    "binary_crossentropy", "categorical_accuracy", "categorical_crossentropy",
    "categorical_hinge", "cosine_similarity", "deserialize", "get", "get_function", "hinge",
    "huber", "kl_divergence", "log_cosh", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "poisson", "resolve", "resolve_accuracy", "serialize", "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy", "sparse_top_k_categorical_accuracy", "squared_hinge",
    "top_k_categorical_accuracy",
]
