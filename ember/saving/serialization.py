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

from ember import config as _config
from ember.saving.errors import UnknownObjectError
from ember.saving.registry import (
    custom_object_scope,
    get_registered_name,
    lookup_user_object,
    resolve,
)

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


def serialize_keras_object(obj):
    """Keras' `serialize_keras_object`: None, numbers, strings and bools as they are; lists
    and dicts element by element; a function as `{"module", "class_name": "function",
    "config": name, "registered_name": name}` (its registered name or `__name__`; a file names
    a function, only the user supplies it); anything with `get_config` through `serialize`.

    >>> import ember
    >>> serialize_keras_object([1, "a", None])
    [1, 'a', None]
    >>> serialize_keras_object(ember.activations.relu)["config"]
    'relu'
    """
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, list | tuple):
        return [serialize_keras_object(o) for o in obj]
    if isinstance(obj, dict):
        return {str(k): serialize_keras_object(v) for k, v in obj.items()}
    if callable(obj) and not inspect.isclass(obj) and not callable(
            getattr(obj, "get_config", None)):
        from ember.saving.registry import function_name  # noqa: PLC0415

        name = function_name(obj)
        return {"module": getattr(obj, "__module__", None), "class_name": "function",
                "config": name, "registered_name": name}
    return serialize(obj)


def deserialize(config, custom_objects=None, base=None, safe_mode=True):
    """The object described by a `serialize` dict, built through the registry only.

    Args:
        config: `{"class_name": ..., "config": {...}}` (plus optional "module",
            "registered_name", "build_config").
        custom_objects: dict name -> class, searched first; also visible to nested
            `deserialize` calls made by `from_config`.
        base: the class the result must subclass (e.g. `Layer`, `Loss`).
        safe_mode: Keras' switch against code in files. ember files never hold code, so
            nothing depends on it inside ember; it is passed on to `from_config` methods
            through `in_safe_mode()`. An enclosing load's setting, or
            `ember.config.enable_unsafe_deserialization()`, takes precedence. Must be a bool.

    Raises:
        UnknownObjectError: the class cannot be resolved (the message says how to fix it).
        ValueError: the config is malformed or `from_config` rejects it.
    """
    if not isinstance(safe_mode, bool):
        raise TypeError(f"safe_mode: expected a bool; received {safe_mode!r}")
    scoped = in_safe_mode()  # an enclosing load (or the global switch) decides first
    safe_mode = scoped if scoped is not None else safe_mode
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError("expected a config dict with a string 'class_name'; received "
                         f"{str(config)[:200]}")
    inner = config.get("config", {})
    if not isinstance(inner, dict):
        raise ValueError(f"the 'config' of {config['class_name']!r} must be a dict; received "
                         f"{type(inner).__name__}")
    registered = config.get("registered_name")
    name = registered if isinstance(registered, str) and registered else config["class_name"]
    try:
        cls = resolve(name, base, custom_objects, module=config.get("module"))
    except UnknownObjectError:
        # saved while registered, loaded with custom_objects by the plain class name
        if name == config["class_name"] or lookup_user_object(config["class_name"],
                                                              custom_objects) is None:
            raise
        cls = resolve(config["class_name"], base, custom_objects)
    if not inspect.isclass(cls) or not callable(getattr(cls, "from_config", None)):
        raise UnknownObjectError(f"{name!r} resolves to {cls!r:.80}, which is not a class with "
                                 "from_config; a config can name only classes")
    with custom_object_scope(custom_objects or {}), safe_mode_scope(safe_mode):
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


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Keras' `deserialize_keras_object`, with Keras' signature, over `deserialize`.

    None gives None; a name (str) gives the user object registered or in `custom_objects` /
    a scope under that name, else the string itself; numbers, bools and lists of such are
    returned as they are; a `{"class_name", "config", ...}` dict is rebuilt by `deserialize`.
    `base=` may be given as a keyword (the class the result must subclass).

    >>> deserialize_keras_object(None), deserialize_keras_object(3)
    (None, 3)
    >>> deserialize_keras_object({"class_name": "Huber", "config": {"delta": 2.0}}).delta
    2.0
    """
    base = kwargs.pop("base", None)
    kwargs.pop("module_objects", None)  # Keras' legacy arguments: ember imports nothing
    kwargs.pop("printable_module_name", None)
    if kwargs:
        raise TypeError(f"deserialize_keras_object: unexpected arguments {sorted(kwargs)}")
    if config is None or isinstance(config, bool | int | float):
        return config
    if isinstance(config, str):
        found = lookup_user_object(config, custom_objects)
        return config if found is None else found
    if isinstance(config, list | tuple):
        return type(config)(deserialize_keras_object(c, custom_objects, safe_mode)
                            for c in config)
    if isinstance(config, dict) and "class_name" not in config:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode)
                for k, v in config.items()}
    if isinstance(config, dict) and config["class_name"] == "function":
        return _function_from_config(config, custom_objects)
    return deserialize(config, custom_objects, base=base, safe_mode=safe_mode)


def _function_from_config(config, custom_objects):
    """The function a `{"class_name": "function"}` config names: the user's (registered or
    in custom_objects), else one of ember's activations, losses or metrics by name."""
    name = config.get("registered_name") or config.get("config")
    found = lookup_user_object(name, custom_objects)
    if found is None and isinstance(config.get("config"), str):
        found = lookup_user_object(config["config"], custom_objects)
    if found is None:
        import ember.activations as activations  # noqa: PLC0415
        import ember.losses as losses  # noqa: PLC0415
        import ember.metrics as metrics  # noqa: PLC0415

        short = config.get("config")
        found = (getattr(activations, "_BY_NAME", {}).get(short)
                 or losses.ALL_OBJECTS_DICT.get(short) or metrics.ALL_OBJECTS_DICT.get(short))
    if found is None or inspect.isclass(found):
        raise UnknownObjectError(f"Could not locate function {name!r}: it is not registered, "
                                 "not in custom_objects and not an ember activation, loss or "
                                 "metric. Pass custom_objects or decorate it with "
                                 "@ember.utils.register_keras_serializable()")
    return found


def in_safe_mode():
    """The safe mode in force: True or False while an object is being rebuilt (the
    `safe_mode` of the outermost `load_model`/`deserialize` call), False everywhere after
    `ember.config.enable_unsafe_deserialization()`, else None (Keras' `in_safe_mode`).

    >>> in_safe_mode() is None
    True
    """
    scoped = getattr(_STATE, "safe_mode", None)
    if scoped is not None:
        return scoped
    return False if _config.is_unsafe_deserialization_enabled() else None


@contextlib.contextmanager
def safe_mode_scope(safe_mode):
    """Within this block, `in_safe_mode()` returns `safe_mode` (nested loads inherit it)."""
    previous = getattr(_STATE, "safe_mode", None)
    _STATE.safe_mode = bool(safe_mode)
    try:
        yield
    finally:
        _STATE.safe_mode = previous


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
