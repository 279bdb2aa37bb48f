"""Losses with Keras 3's names, defaults and semantics.

Functions (`mean_squared_error`, `binary_crossentropy`, ...) return one value per sample;
classes (`MeanSquaredError`, `BinaryCrossentropy`, ...) add sample weights, masks and the
reduction (see `ember.losses.loss`). `get` resolves names the way `compile(loss=...)` does.

>>> import ember
>>> loss = ember.losses.get("mse")
>>> loss.__name__
'mean_squared_error'
>>> float(ember.losses.MeanSquaredError()([[1.0], [0.0]], [[0.0], [0.0]]))
0.5
"""

import inspect

import numpy as np

from ember.losses.classes import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from ember.losses.crossentropy import (
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from ember.losses.loss import (
    Loss,
    reduce_weighted_values,
    squeeze_or_expand_to_same_rank,
    standardize_reduction,
)
from ember.losses.regression import (
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    squared_hinge,
)

ALL_OBJECTS = (
    Loss, LossFunctionWrapper,
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCosh, Huber,
    Hinge, SquaredHinge, CategoricalHinge,
    kl_divergence, poisson, binary_crossentropy, categorical_crossentropy,
    sparse_categorical_crossentropy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, log_cosh, huber,
    hinge, squared_hinge, categorical_hinge,
)
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    # tf.keras (legacy) spellings
    "logcosh": log_cosh, "kullback_leibler_divergence": kl_divergence,
})


def serialize(loss):
    """`{"module", "class_name", "config"}` for a Loss; a built-in function gives its name.

    >>> import ember
    >>> ember.losses.serialize(ember.losses.Huber(delta=2.0))["config"]["delta"]
    2.0
    """
    from ember.saving.registry import function_name, get_registered_name  # noqa: PLC0415

    if isinstance(loss, Loss):
        out = {"module": type(loss).__module__.rsplit(".", 1)[0] if type(loss).__module__
               .startswith("ember.") else type(loss).__module__,
               "class_name": type(loss).__name__, "config": loss.get_config()}
        registered = get_registered_name(type(loss))
        if registered != type(loss).__name__:
            out["registered_name"] = registered
        return out
    name = getattr(loss, "__name__", None)
    if ALL_OBJECTS_DICT.get(name) is loss:
        return {"module": "ember.losses", "class_name": "function", "config": name}
    if callable(loss) and not inspect.isclass(loss):  # a user's function, saved by name
        return {"module": getattr(loss, "__module__", None), "class_name": "function",
                "config": function_name(loss)}
    raise ValueError(f"serialize: cannot serialize {loss!r}; expected a Loss or a loss "
                     "function")


def deserialize(config, custom_objects=None):
    """The loss described by `serialize`'s dict (or a name). Names resolve only through
    ember's registry and `custom_objects`; nothing is imported.

    >>> import ember
    >>> config = {"class_name": "Huber", "config": {"delta": 2.0}}
    >>> ember.losses.deserialize(config).delta
    2.0
    """
    from ember.saving.registry import lookup_user_object, resolve  # noqa: PLC0415

    if isinstance(config, str):
        found = lookup_user_object(config, custom_objects)
        return found if found is not None else get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("deserialize: expected a dict with 'class_name' and 'config', or a "
                         f"name; received {config!r}")
    custom = custom_objects or {}
    name = config["class_name"]
    if name == "function":
        fn = (lookup_user_object(config.get("config"), custom)
              or ALL_OBJECTS_DICT.get(config.get("config")))
        if fn is None or inspect.isclass(fn):
            raise ValueError(f"Unknown loss function: {config.get('config')!r}. "
                             f"Valid names: {_valid_names()}")
        return fn
    registered = config.get("registered_name")
    cls = custom.get(name) or ALL_OBJECTS_DICT.get(name)
    if cls is None or isinstance(registered, str):
        try:
            cls = resolve(registered if isinstance(registered, str) else name, Loss, custom)
        except ValueError:
            cls = None
    if not (inspect.isclass(cls) and issubclass(cls, Loss)):
        raise ValueError(f"Unknown loss class: {name!r}. Valid names: {_valid_names()}")
    return cls.from_config(dict(config.get("config", {})))


def _valid_names():
    return sorted(ALL_OBJECTS_DICT, key=str.lower)


def get(identifier):
    """A loss from a name, a config dict, a class, an instance or a callable (Keras' `get`).

    Args:
        identifier: a function name ("mean_squared_error") or alias ("mse", "MSE", "bce",
            "kld", ...) gives the function; a class name ("MeanSquaredError") or a class gives
            an instance with default settings; a dict from `serialize`; a Loss instance or any
            callable is returned as is; None gives None.

    Raises:
        ValueError: an unknown name (the message lists the valid ones).

    >>> import ember
    >>> ember.losses.get("MSE") is ember.losses.mean_squared_error
    True
    >>> ember.losses.get("BinaryCrossentropy").name
    'binary_crossentropy'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:  # a user's loss: custom_objects, a scope, or registered
            from ember.saving.registry import lookup_user_object, unknown_name_hint  # noqa: PLC0415

            obj = lookup_user_object(identifier)
            if obj is None:
                raise ValueError(f"Could not interpret loss identifier: {identifier!r}. Valid "
                                 f"names: {_valid_names()}. For your own loss, "
                                 f"{unknown_name_hint(identifier)}")
    else:
        obj = identifier
    if inspect.isclass(obj):
        obj = obj()
    if not callable(obj):
        raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
    return obj


def _shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def is_binary_or_sparse_categorical(y_true, y_pred):
    """Keras' test behind "accuracy" and "crossentropy": `(is_binary, is_sparse_categorical)`.

    Binary when `y_pred.shape[-1] == 1`; sparse when `y_true` has lower rank than `y_pred`,
    or its last axis is 1 while y_pred's is larger.

    >>> import numpy as np
    >>> from ember.losses import is_binary_or_sparse_categorical
    >>> is_binary_or_sparse_categorical(np.zeros((4, 1)), np.zeros((4, 3)))
    (False, True)
    """
    t, p = _shape(y_true), _shape(y_pred)
    if not t or not p:
        raise ValueError("Cannot infer the target kind from 0-d tensors; received "
                         f"y_true.shape={t}, y_pred.shape={p}")
    is_binary = p[-1] == 1
    is_sparse = len(t) < len(p) or (t[-1] == 1 and p[-1] > 1)
    return is_binary, is_sparse


def resolve_crossentropy(name, y_true, y_pred):
    """Keras' "crossentropy"/"ce" loss: binary, sparse categorical or categorical from shapes,
    wrapped in a `LossFunctionWrapper` that keeps the user's name.

    >>> import numpy as np, ember
    >>> ember.losses.resolve_crossentropy("ce", np.zeros(4), np.zeros((4, 3))).fn.__name__
    'sparse_categorical_crossentropy'
    """
    if str(name).lower() not in ("crossentropy", "ce"):
        raise ValueError(f"resolve_crossentropy: expected 'crossentropy' or 'ce'; received "
                         f"{name!r}")
    is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
    fn = (binary_crossentropy if is_binary else sparse_categorical_crossentropy if is_sparse
          else categorical_crossentropy)
    return LossFunctionWrapper(fn, name=str(name))


def resolve(identifier, y_true, y_pred):
    """What `compile(loss=identifier)` uses (Keras' `get_loss`): "crossentropy"/"ce" resolved
    from the first batch's shapes, anything else through `get`; a plain function is wrapped
    in a `LossFunctionWrapper` named after the identifier.

    >>> import numpy as np, ember
    >>> ember.losses.resolve("mse", np.zeros((2, 1)), np.zeros((2, 1))).name
    'mse'
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        return resolve_crossentropy(identifier, y_true, y_pred)
    obj = get(identifier)
    if isinstance(obj, Loss):
        return obj
    name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
    return LossFunctionWrapper(obj, name=name)


__all__ = [
    "ALL_OBJECTS", "ALL_OBJECTS_DICT", "BinaryCrossentropy", "CategoricalCrossentropy",
    "CategoricalHinge", "CosineSimilarity", "Hinge", "Huber", "KLDivergence", "LogCosh", "Loss",
    "LossFunctionWrapper", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "Poisson",
    "SparseCategoricalCrossentropy", "SquaredHinge", "binary_crossentropy",
    "categorical_crossentropy", "categorical_hinge", "cosine_similarity", "deserialize", "get",
    "hinge", "huber", "is_binary_or_sparse_categorical", "kl_divergence", "log_cosh",
    "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "poisson", "reduce_weighted_values", "resolve",
    "resolve_crossentropy", "serialize", "sparse_categorical_crossentropy", "squared_hinge",
    "squeeze_or_expand_to_same_rank", "standardize_reduction",
]
