"""The class registry: the only way a name read from a file becomes a Python object.

A name resolves, in this order, through:

1. `custom_objects` passed to the call, then those of enclosing `custom_object_scope`s;
2. objects registered with `@register_serializable(package, name)` (Keras spelling:
   `register_keras_serializable`), under `"package>name"` or, if unambiguous, the bare name;
3. ember's own classes: every subclass of Layer, Optimizer, LearningRateSchedule, Loss, Metric,
   Initializer, Regularizer or Constraint found in ember's modules (walked at lookup time, so a
   class added to ember is found without a list to update).

Nothing else: no module named in a file is ever imported, and a dotted name such as
`"os.system"` is refused before any lookup. Files can name only classes; functions are reachable
only when the user hands them over in `custom_objects` or registers them.

>>> from ember.layers import Layer
>>> @register_serializable(package="Demo")
... class DemoDoubler(Layer):
...     def call(self, x):
...         return x * 2
>>> get_registered_name(DemoDoubler)
'Demo>DemoDoubler'
>>> resolve("Demo>DemoDoubler") is DemoDoubler, resolve("DemoDoubler") is DemoDoubler
(True, True)
>>> resolve("os.system")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ember.saving.errors.UnknownObjectError: 'os.system' is not a plain class name ...
"""

import inspect
import re
import sys
import threading

from ember.saving.errors import UnknownObjectError

_REGISTERED = {}  # "package>name" -> object: Keras' global custom objects
_NAME_OF = {}  # id(object) -> "package>name"
_SCOPES = threading.local()
_NAME_RE = re.compile(r"^(?:[A-Za-z0-9_.\-]{1,100}>)?[A-Za-z_][A-Za-z0-9_]{0,199}$")
#: The serialisable base classes: (module, class name, what it is called in errors).
_BASES = (("ember.layers", "Layer", "layer or model"), ("ember.optimizers", "Optimizer",
                                                          "optimizer"),
          ("ember.optimizers.schedules", "LearningRateSchedule", "learning-rate schedule"),
          ("ember.losses", "Loss", "loss"), ("ember.metrics", "Metric", "metric"),
          ("ember.initializers", "Initializer", "initializer"),
          ("ember.regularizers", "Regularizer", "regularizer"),
          ("ember.constraints", "Constraint", "constraint"))
_CACHE = {"key": None, "classes": {}}


def register_serializable(package="Custom", name=None):
    """Class decorator: make a class loadable by name from ember files.

    Args:
        package: a namespace for the registered name. Defaults to "Custom".
        name: the name to register under. Defaults to the class name.

    Returns:
        The decorator; the class is returned unchanged.

    Raises:
        ValueError: when another object is already registered under the same name.
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_serializable: package must be a string without '>'; "
                         f"received {package!r}")

    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        if not _NAME_RE.match(registered):
            raise ValueError(f"register_serializable: {registered!r} is not a valid name "
                             "(letters, digits and _ only)")
        if inspect.isclass(obj) and not callable(getattr(obj, "get_config", None)):
            raise ValueError(f"register_serializable: class {obj.__name__} must define "
                             "get_config() to be serialisable")
        current = _REGISTERED.get(registered)
        if current is not None and current is not obj and _qualname(current) != _qualname(obj):
            raise ValueError(f"register_serializable: {registered!r} is already registered "
                             f"to {_qualname(current)}")
        _REGISTERED[registered] = obj
        _NAME_OF[id(obj)] = registered
        return obj

    return decorator


register_keras_serializable = register_serializable


def _qualname(obj):
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', obj)}"


def get_registered_name(obj):
    """The name `obj` is saved under: `"package>name"` if registered, else its `__name__`."""
    name = _NAME_OF.get(id(obj))
    if name is None or _REGISTERED.get(name) is not obj:  # unregistered, or edited by hand
        name = next((reg for reg, o in _REGISTERED.items() if o is obj), None)
    return name or getattr(obj, "__name__", type(obj).__name__)


def get_custom_objects():
    """The global dict of registered objects (Keras' `get_custom_objects`); may be edited:
    adding `name: obj` registers `obj` under `name`, deleting an entry unregisters it."""
    return _REGISTERED


class CustomObjectScope:
    """Within this `with` block, `custom_objects` (name -> class) are resolvable by name.

    >>> from ember.layers import Layer
    >>> class Mine(Layer):
    ...     pass
    >>> with CustomObjectScope({"Mine": Mine}):
    ...     resolve("Mine") is Mine
    True
    """

    def __init__(self, *dicts):
        self.objects = {}
        for d in dicts:
            self.objects.update(_check_custom_objects(d))

    def __enter__(self):
        _scope_stack().append(self.objects)
        return self

    def __exit__(self, *exc):
        stack = _scope_stack()  # clear_session may have emptied it meanwhile
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is self.objects:
                del stack[i]
                break


custom_object_scope = CustomObjectScope


def _scope_stack():
    if not hasattr(_SCOPES, "stack"):
        _SCOPES.stack = []
    return _SCOPES.stack


def _check_custom_objects(custom_objects):
    if custom_objects is None:
        return {}
    if not isinstance(custom_objects, dict):
        raise TypeError(f"custom_objects: expected a dict of name -> class; received "
                        f"{type(custom_objects).__name__}")
    for key, value in custom_objects.items():
        if not isinstance(key, str) or not callable(value):
            raise TypeError(f"custom_objects: expected str -> class (or function); received "
                            f"{key!r} -> {value!r:.80}")
    return custom_objects


def _bases():
    out = []
    for module_name, attr, what in _BASES:
        module = sys.modules.get(module_name)
        cls = getattr(module, attr, None) if module is not None else None
        if inspect.isclass(cls):
            out.append((cls, what))
    return out


def _import_ember_modules():
    """Load ember's own modules that define serialisable classes (fixed names, never read
    from a file). Done at lookup time: these modules import `ember.saving` themselves."""
    import ember.activations  # noqa: F401, PLC0415
    import ember.constraints  # noqa: F401, PLC0415
    import ember.initializers  # noqa: F401, PLC0415
    import ember.layers  # noqa: F401, PLC0415
    import ember.losses  # noqa: F401, PLC0415
    import ember.metrics  # noqa: F401, PLC0415
    import ember.models  # noqa: F401, PLC0415
    import ember.optimizers.schedules  # noqa: F401, PLC0415
    import ember.regularizers  # noqa: F401, PLC0415


def ember_classes():
    """Every serialisable ember class, as a dict name -> list of classes (walked now)."""
    _import_ember_modules()
    modules = [m for n, m in list(sys.modules.items())
               if (n == "ember" or n.startswith("ember.")) and m is not None]
    key = len(modules)
    if _CACHE["key"] == key:
        return _CACHE["classes"]
    bases = tuple(cls for cls, _ in _bases())
    found = {}
    for module in modules:
        for value in list(vars(module).values()):
            if (inspect.isclass(value) and issubclass(value, bases)
                    and value.__module__.startswith("ember.")
                    and not value.__name__.startswith("_")):
                group = found.setdefault(value.__name__, [])
                if all(value is not c for c in group):
                    group.append(value)
    _CACHE.update(key=key, classes=found)
    return found


def describe_base(base):
    """How errors name a base class ("layer or model", "loss", ...)."""
    for cls, what in _bases():
        if base is cls:
            return what
    return getattr(base, "__name__", "object")


def resolve(name, base=None, custom_objects=None, module=None):
    """The class (or user-supplied object) that `name` stands for.

    Args:
        name: a class name ("Dense") or a registered name ("package>Name").
        base: if given, ember's own classes must subclass it (disambiguates a loss and a
            metric that share a name) and any class found must subclass it.
        custom_objects: dict name -> object, searched first.
        module: the "module" entry of a config; used only to choose between same-named ember
            classes, never imported.

    Raises:
        UnknownObjectError: `name` is not a plain name, or is found nowhere (the message says
            how to fix it), or is ambiguous.
    """
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise UnknownObjectError(
            f"{str(name)[:200]!r} is not a plain class name (expected a name such as 'Dense' or "
            "'package>Name'); dotted paths and module references are never resolved")
    candidates = [_check_custom_objects(custom_objects)] + list(reversed(_scope_stack()))
    for objects in candidates:
        if name in objects:
            return _checked(objects[name], name, base)
    if name in _REGISTERED:
        return _checked(_REGISTERED[name], name, base)
    classes = [c for c in ember_classes().get(name, []) if base is None or issubclass(c, base)]
    if not classes:  # a hand-written config may give a registered class by its bare name
        bare = [obj for reg, obj in _REGISTERED.items() if reg.split(">", 1)[1] == name]
        if len(bare) == 1:
            return _checked(bare[0], name, base)
    if len(classes) > 1 and isinstance(module, str):
        hinted = [c for c in classes if c.__module__.startswith(module)]
        classes = hinted or classes
    if len(classes) == 1:
        return classes[0]
    what = describe_base(base) if base is not None else "class"
    if classes:
        raise UnknownObjectError(
            f"{name!r} is ambiguous: it names the ember classes "
            f"{[c.__module__ + '.' + c.__name__ for c in classes]}")
    others = ember_classes().get(name, [])
    if others:  # an ember class of another family (a layer where a metric belongs)
        raise UnknownObjectError(
            f"{name!r} names {_qualname(others[0])}, which is not {_a(what)} (expected a "
            f"subclass of {base.__name__})")
    simple = name.split(">")[-1]
    raise UnknownObjectError(
        f"Could not locate {what} {name!r}: it is not an ember class, not registered and not in "
        f"custom_objects. Pass custom_objects={{{simple!r}: {simple}}} to load_model (or wrap "
        "the call in ember.saving.custom_object_scope), or decorate the class with "
        "@ember.saving.register_serializable()")


def _a(noun):
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _checked(obj, name, base):
    if base is not None and inspect.isclass(obj) and not issubclass(obj, base):
        raise UnknownObjectError(f"{name!r} resolves to {_qualname(obj)}, which is not "
                                 f"{_a(describe_base(base))} (expected a subclass of "
                                 f"{base.__name__})")
    return obj


def lookup_user_object(name, custom_objects=None):
    """A user's object named `name`: from `custom_objects`, the enclosing
    `custom_object_scope`s, then the registered objects (by "package>name", or by a bare name
    registered once). None when absent. ember's own classes are not searched: this is how the
    per-family `get()` functions (activations, losses, metrics, ...) find user functions.

    >>> def twice(x):
    ...     return 2 * x
    >>> lookup_user_object("twice", {"twice": twice}) is twice, lookup_user_object("twice")
    (True, None)
    """
    if not isinstance(name, str) or not _NAME_RE.match(name):
        return None
    for objects in [_check_custom_objects(custom_objects)] + list(reversed(_scope_stack())):
        if name in objects:
            return objects[name]
    if name in _REGISTERED:
        return _REGISTERED[name]
    bare = [obj for reg, obj in _REGISTERED.items() if reg.split(">", 1)[1] == name]
    return bare[0] if len(bare) == 1 else None


def function_name(fn):
    """The name a user's function is saved under: its registered name ("package>name") if it
    is registered, else its `__name__`; ValueError for a lambda or another unnamed callable
    (a file could never give it back).

    >>> def my_act(x):
    ...     return x
    >>> function_name(my_act)
    'my_act'
    """
    name = get_registered_name(fn)
    if not _NAME_RE.match(name or ""):
        raise ValueError(f"cannot save {fn!r:.80}: only named functions can be saved (by name; "
                         "load them with custom_objects or register them with "
                         "@ember.utils.register_keras_serializable()), not lambdas")
    return name


def unknown_name_hint(name):
    """The end of a 'not found' message: how to make `name` resolvable."""
    simple = str(name).split(">")[-1]
    return (f"pass custom_objects={{{simple!r}: {simple}}} (or wrap the call in "
            "ember.utils.custom_object_scope), or decorate it with "
            "@ember.utils.register_keras_serializable()")


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Keras' lookup: the object registered (or in `custom_objects`) as `name`, else None.

    `module_objects`, a dict name -> object, is searched last (never a module to import).
    """
    try:
        return resolve(name, custom_objects=custom_objects)
    except UnknownObjectError:
        return (module_objects or {}).get(name) if isinstance(name, str) else None
