"""Objects to JSON configs and back: `{"module", "class_name", "config", "registered_name"}`.

`serialize` asks an object for `get_config()` and checks that the result is plain data
(numbers, strings, booleans, None, lists, dicts with string keys; nested ember objects become
nested configs). A function or any other code object is refused when saving, so a file never
needs to run code when loading.

`deserialize` resolves `class_name` through the registry only (see `registry.resolve`) and calls
`cls.from_config(config)`. The "module" entry is never imported. While a file is being
rebuilt, `load_model` and `load_weights` refuse to run, so a config cannot make ember read
another file (CVE-2026-1462's pattern).

>>> from ember.optimizers import SGD
>>> cfg = serialize(SGD(learning_rate=0.5))
>>> cfg["class_name"], cfg["module"], cfg["config"]["learning_rate"]
('SGD', 'ember.optimizers', 0.5)
>>> float(deserialize(cfg).learning_rate)
0.5
"""

import contextlib
import inspect
import math
import threading

import numpy as np

from ember.saving.errors import UnknownObjectError
from ember.saving.registry import custom_object_scope, get_registered_name, resolve

_STATE = threading.local()
_MAX_DEPTH = 200


def to_json_data(value, where="config", depth=0):
    """A JSON-ready copy of `value`; TypeError (naming the path) for anything that is not data.

    >>> to_json_data({"units": np.int64(3), "shape": (None, 4)})
    {'units': 3, 'shape': [None, 4]}
    >>> to_json_data({"activation": print})
    Traceback (most recent call last):
    ...
    TypeError: config['activation'] is a function (print): ember files hold data only, never code
    """
    if depth > _MAX_DEPTH:
        raise ValueError(f"{where}: nested more than {_MAX_DEPTH} levels deep")
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            raise ValueError(f"{where} is {value}: only finite numbers can be saved")
        return float(value)
    if isinstance(value, np.ndarray):
        return to_json_data(value.tolist(), where, depth + 1)
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, list | tuple):
        return [to_json_data(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for key, v in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: dict keys must be strings; received {key!r}")
            out[key] = to_json_data(v, f"{where}[{key!r}]", depth + 1)
        return out
    if not inspect.isclass(value) and callable(getattr(value, "get_config", None)):
        return serialize(value, where)
    kind = "a class" if inspect.isclass(value) else (
        "a function" if callable(value) else f"a {type(value).__name__}")
    name = getattr(value, "__name__", None) or type(value).__name__
    raise TypeError(f"{where} is {kind} ({name}): ember files hold data only, never code")


def _public_module(cls):
    module = cls.__module__
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "ember" and len(parts) > 2 else module


def serialize(obj, where=None):
    """`{"module", "class_name", "config"}` (+ `"registered_name"`, `"build_config"`) for `obj`.

    Args:
        obj: an object with `get_config()` (a layer, model, optimizer, loss, ...).
        where: how errors name the object. Defaults to its class name.

    Raises:
        TypeError: when `obj` has no `get_config` or its config holds non-data values.
    """
    cls = type(obj)
    where = where or cls.__name__
    if not callable(getattr(obj, "get_config", None)):
        raise TypeError(f"{where}: cannot serialise a {cls.__name__} (it has no get_config)")
    out = {"module": _public_module(cls), "class_name": cls.__name__,
           "config": to_json_data(obj.get_config(), f"{where}.get_config()")}
    registered = get_registered_name(cls)
    if registered != cls.__name__:
        out["registered_name"] = registered
    build_config = _build_config(obj)
    if build_config:
        out["build_config"] = to_json_data(build_config, f"{where}.get_build_config()")
    return out


def _build_config(obj):
    """Keras' `get_build_config()` (`{"input_shape": ...}`), for objects that rebuild from it."""
    if not getattr(obj, "built", False) or not callable(getattr(obj, "build_from_config", None)):
        return None
    getter = getattr(obj, "get_build_config", None)
    if callable(getter):
        return getter()
    shape = getattr(obj, "_build_input_shape", None)  # ember's Model records it when built
    return None if shape is None else {"input_shape": shape}


serialize_keras_object = serialize


def deserialize(config, custom_objects=None, base=None, safe_mode=True):
    """The object described by a `serialize` dict, built through the registry only.

    Args:
        config: `{"class_name": ..., "config": {...}}` (plus optional "module",
            "registered_name", "build_config").
        custom_objects: dict name -> class, searched first; also visible to nested
            `deserialize` calls made by `from_config`.
        base: the class the result must subclass (e.g. `Layer`, `Loss`).
        safe_mode: accepted for Keras compatibility. ember files never hold code, so there is
            nothing for it to allow; it must be a bool.

    Raises:
        UnknownObjectError: the class cannot be resolved (the message says how to fix it).
        ValueError: the config is malformed or `from_config` rejects it.
    """
    if not isinstance(safe_mode, bool):
        raise TypeError(f"safe_mode: expected a bool; received {safe_mode!r}")
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError("expected a config dict with a string 'class_name'; received "
                         f"{str(config)[:200]}")
    inner = config.get("config", {})
    if not isinstance(inner, dict):
        raise ValueError(f"the 'config' of {config['class_name']!r} must be a dict; received "
                         f"{type(inner).__name__}")
    registered = config.get("registered_name")
    name = registered if isinstance(registered, str) and registered else config["class_name"]
    cls = resolve(name, base, custom_objects, module=config.get("module"))
    if not inspect.isclass(cls) or not callable(getattr(cls, "from_config", None)):
        raise UnknownObjectError(f"{name!r} resolves to {cls!r:.80}, which is not a class with "
                                 "from_config; a config can name only classes")
    with custom_object_scope(custom_objects or {}):
        try:
            obj = cls.from_config(dict(inner))
        except (UnknownObjectError, RecursionError):
            raise
        except (TypeError, ValueError, KeyError, AttributeError) as e:
            raise ValueError(f"could not rebuild {name!r} from its config: "
                             f"{type(e).__name__}: {e}") from e
        build_config = config.get("build_config")
        if build_config and callable(getattr(obj, "build_from_config", None)):
            obj.build_from_config(build_config)
    return obj


deserialize_keras_object = deserialize


@contextlib.contextmanager
def loading_scope():
    """Mark that a file is being rebuilt: nested `load_model`/`load_weights` calls refuse."""
    _STATE.depth = getattr(_STATE, "depth", 0) + 1
    try:
        yield
    finally:
        _STATE.depth -= 1


def check_not_loading(what, path):
    """Raise if called while a file's config is being rebuilt (a config may not load files)."""
    if getattr(_STATE, "depth", 0):
        raise ValueError(f"{what}({str(path)[:200]!r}) was called while rebuilding a model "
                         "from a file: a model file may not reference or load another file")
