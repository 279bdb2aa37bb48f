"""The compile config of a model file: which optimizer, loss and metrics to recompile with.

Saved as the arguments of `model.compile` in JSON: `"optimizer"` is the serialised live
optimizer; losses and metrics are kept as strings ("mse", "accuracy"), serialised objects
(`{"class_name": "MeanSquaredError", ...}`) or, for a user's own function,
`{"class_name": "function", "config": "my_loss"}` -- which loads only through `custom_objects`
or `@register_serializable`: a file can name a function but only the user can supply it.

>>> encode({"loss": "mse", "metrics": ["accuracy"]})
{'loss': 'mse', 'metrics': ['accuracy']}
"""

import inspect
import sys

from ember.saving.errors import UnknownObjectError
from ember.saving.registry import get_registered_name, resolve
from ember.saving.serialization import deserialize, serialize, to_json_data

_ARGS = ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly",
         "steps_per_execution", "jit_compile", "auto_scale_loss")
_BASES = {"optimizer": ("ember.optimizers", "Optimizer"), "loss": ("ember.losses", "Loss"),
          "metrics": ("ember.metrics", "Metric"),
          "weighted_metrics": ("ember.metrics", "Metric")}


def _raw_compile_args(model):
    for attr in ("_compile_config", "compile_config"):
        value = getattr(model, attr, None)
        value = getattr(value, "config", value)  # Keras wraps it in a SerializableDict
        if isinstance(value, dict):
            return dict(value)
    getter = getattr(model, "get_compile_config", None)
    if callable(getter):
        value = getter()
        if isinstance(value, dict):
            return dict(value)
    return None


def get_compile_config(model):
    """The JSON-ready compile config of `model`, or None when it is not compiled."""
    optimizer = getattr(model, "optimizer", None)
    args = _raw_compile_args(model)
    if args is None and optimizer is None:
        return None
    args = {k: v for k, v in (args or {}).items() if k in _ARGS}
    if optimizer is not None:
        args["optimizer"] = optimizer  # the live one: its config has the current settings
    return encode(args)


def encode(value, where="compile config"):
    """JSON-ready form of compile arguments (see module doc)."""
    if isinstance(value, dict) and "class_name" not in value:
        return {k: encode(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if inspect.isfunction(value) or inspect.isbuiltin(value):
        name = get_registered_name(value)
        if value.__module__.startswith("ember.") and _lookup_ember(value.__name__) is value:
            return value.__name__
        return {"class_name": "function", "config": name, "module": value.__module__}
    if not inspect.isclass(value) and callable(getattr(value, "get_config", None)):
        return serialize(value, where)
    return to_json_data(value, where)


def _lookup_ember(name):
    for module_name in ("ember.losses", "ember.metrics"):
        getter = getattr(sys.modules.get(module_name), "get", None)
        if callable(getter):
            try:
                found = getter(name)
            except (ValueError, TypeError, KeyError):
                continue
            if found is not None:
                return found
    return None


def _base(key):
    module_name, attr = _BASES.get(key, (None, None))
    module = sys.modules.get(module_name) if module_name else None
    return getattr(module, attr, None) if module is not None else None


def decode(value, custom_objects=None, key=None):
    """Compile arguments back from `encode`'s output; classes only through the registry."""
    if isinstance(value, list):
        return [decode(v, custom_objects, key) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: decode(v, custom_objects, key if key in _BASES else k)
                for k, v in value.items()}
    if isinstance(value, dict):
        if value["class_name"] == "function":
            name = value.get("config")
            fn = resolve(name, custom_objects=custom_objects)
            if inspect.isclass(fn):
                raise UnknownObjectError(f"{name!r} is saved as a function but resolves to the "
                                         f"class {fn.__name__}")
            return fn
        return deserialize(value, custom_objects, base=_base(key))
    return value


def compile_from_config(model, config, custom_objects=None):
    """Compile `model` with the arguments saved by `get_compile_config`."""
    if not isinstance(config, dict):
        raise ValueError(f"expected a dict of compile arguments; received "
                         f"{type(config).__name__}")
    unknown = sorted(set(config) - set(_ARGS))
    if unknown:
        raise ValueError(f"unknown compile arguments {unknown}; expected some of {list(_ARGS)}")
    kwargs = {k: decode(v, custom_objects, k) for k, v in config.items()}
    accepted = inspect.signature(model.compile).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in accepted}
    model.compile(**kwargs)
