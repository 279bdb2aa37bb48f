"""Scopes with Keras' names: `name_scope` (a path prefix for the variables made inside) and
`StatelessScope` (run code without changing any variable, Keras' functional-style scope).

>>> import ember
>>> with ember.name_scope("block1"):
...     v = ember.Variable(1.0, name="kernel")
>>> v.name, v.path
('kernel', 'block1/kernel')
"""

import numpy as np

from ember.tensor import _NAME_STACK, _STATELESS_STACK, Tensor, Variable, to_array


def current_path():
    """The `/`-joined names of the enclosing `name_scope`s ("" outside any)."""
    return "/".join(_NAME_STACK)


class name_scope:  # noqa: N801  (Keras' spelling)
    """Prefix the `path` of the variables made inside with `name` (nested scopes join with
    "/"), as Keras' `keras.name_scope`.

    Args:
        name: the scope's name (a non-empty string).
        caller, deduplicate, override_parent: accepted for Keras compatibility.
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or not name:
            raise ValueError(f"name_scope: `name` must be a non-empty string; received "
                             f"name={name!r}")
        self.name = name
        self.override_parent = override_parent
        self._saved = None

    def __enter__(self):
        if self.override_parent is not None:
            self._saved = list(_NAME_STACK)
            _NAME_STACK[:] = [p for p in self.override_parent.split("/") if p]
        _NAME_STACK.append(self.name)
        return self

    def __exit__(self, *exc):
        _NAME_STACK.pop()
        if self._saved is not None:
            _NAME_STACK[:] = self._saved
        return False


def active_stateless_scope():
    """The innermost `StatelessScope` being run, or None."""
    return _STATELESS_STACK[-1] if _STATELESS_STACK else None


class StatelessScope:
    """Run code without changing any variable (Keras' `keras.StatelessScope`).

    Inside the scope, the variables in `state_mapping` hold the given values; assignments
    (`assign`, `assign_add`, `assign_sub`: layers' state updates such as BatchNormalization's
    moving statistics) are seen inside the scope and read back with `get_current_value`; on
    exit every variable is as it was. Optimizers update their variables in place, outside
    this mechanism: do not apply gradients inside a StatelessScope.

    Args:
        state_mapping: `[(variable, value), ...]` to use inside the scope.
        collect_losses: collect the `add_loss` terms made inside in `losses`.
        initialize_variables: accepted for Keras compatibility (ember creates variables
            with their values at once).

    >>> import ember
    >>> v = ember.Variable([1.0, 2.0])
    >>> with ember.StatelessScope(state_mapping=[(v, [5.0, 5.0])]) as scope:
    ...     _ = v.assign_add([1.0, 1.0])
    ...     inside = scope.get_current_value(v).numpy()
    >>> inside.tolist(), v.numpy().tolist()
    ([6.0, 6.0], [1.0, 2.0])
    """

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        self.collect_losses = bool(collect_losses)
        self.initialize_variables = bool(initialize_variables)
        self.losses = []
        self._mapping = []
        for item in state_mapping or []:
            try:
                variable, value = item
            except (TypeError, ValueError):
                raise ValueError("StatelessScope: `state_mapping` must be a list of "
                                 f"(Variable, value) pairs; received {item!r}") from None
            if not isinstance(variable, Variable):
                raise ValueError(f"StatelessScope: all keys in argument `mapping` must be "
                                 f"Variable instances. Received instead: {variable}")
            value = np.asarray(to_array(value, variable.dtype))
            if value.shape != variable.shape:
                raise ValueError(f"StatelessScope: variable {variable.name!r} has shape "
                                 f"{variable.shape}; its value has shape {value.shape}")
            self._mapping.append((variable, value))
        self._originals = {}  # id -> (variable, the array it held before the scope)

    def _own(self, variable):
        """Give `variable` a private copy of its array for the scope (copy on write)."""
        if id(variable) not in self._originals:
            self._originals[id(variable)] = (variable, variable.data)
            variable.data = variable.data.copy()

    def __enter__(self):
        for variable, value in self._mapping:
            self._own(variable)
            variable.data[...] = value
        _STATELESS_STACK.append(self)
        return self

    def __exit__(self, *exc):
        _STATELESS_STACK.remove(self)
        self._final = {key: variable.data for key, (variable, _) in self._originals.items()}
        for variable, original in self._originals.values():
            variable.data = original
        self._originals = {}
        return False

    def add_loss(self, loss):
        self.losses.append(loss)

    def get_current_value(self, variable):
        """The value `variable` has in the scope (a Tensor), or None if the scope neither
        mapped nor assigned it."""
        if id(variable) in self._originals:
            return Tensor._wrap(variable.data.copy())
        final = getattr(self, "_final", {}).get(id(variable))
        return None if final is None else Tensor._wrap(final.copy())


__all__ = ["StatelessScope", "active_stateless_scope", "current_path", "name_scope"]
