"""Nested structures: Keras 3's `keras.tree`, the one home of flatten / pack / map in ember.

A structure is a leaf or a container of structures. Containers are `list`, `tuple`,
namedtuples, `dict`, `collections.OrderedDict`, `collections.defaultdict` and
`collections.deque` (exact types, as Keras registers them); everything else is a leaf:
arrays, Tensors, strings, sets and `None` (`None` is a leaf, as Keras' `none_is_leaf=True`).

Order (Keras' rule): a dict's values are visited in SORTED key order (deterministic whatever
the insertion order); an `OrderedDict` keeps its own order. `pack_sequence_as` uses the same
order, so `pack_sequence_as(s, flatten(s))` rebuilds `s`; rebuilt dicts keep the key order of
the structure given. Keys that cannot be sorted (`{1: .., "a": ..}`) raise a TypeError.

This module imports nothing from ember: every floor above it (data, layers, models) uses it.

>>> flatten({"b": [1, 2], "a": (3, None)})
[3, None, 1, 2]
>>> pack_sequence_as({"b": [0, 0], "a": (0, 0)}, [10, 20, 30, 40])
{'b': [30, 40], 'a': (10, 20)}
>>> map_structure(lambda x, y: x + y, [1, (2, 3)], [10, (20, 30)])
[11, (22, 33)]
"""

import warnings
from collections import OrderedDict, defaultdict, deque

__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten",
           "flatten_with_path", "is_nested", "lists_to_tuples", "map_shape_structure",
           "map_structure", "map_structure_up_to", "pack_sequence_as", "traverse",
           "unflatten_as"]

_MAPPINGS = (dict, OrderedDict, defaultdict)
_SEQUENCES = (list, tuple, deque)


class MAP_TO_NONE:  # noqa: N801  (Keras' name)
    """Returned by a `traverse` function to replace a sub-structure with `None`."""


def _is_namedtuple(obj):
    return isinstance(obj, tuple) and type(obj) is not tuple and hasattr(type(obj), "_fields")


def is_nested(structure):
    """Whether `structure` is a container (list, tuple, namedtuple, dict, OrderedDict,
    defaultdict, deque), not a leaf.

    >>> is_nested(42), is_nested({"foo": 42}), is_nested("abc"), is_nested({1, 2})
    (False, True, False, False)
    """
    kind = type(structure)
    return kind in _MAPPINGS or kind in _SEQUENCES or _is_namedtuple(structure)


def _keys(mapping):
    """The keys of a mapping in flattening order: sorted, except for an OrderedDict."""
    if type(mapping) is OrderedDict:
        return list(mapping)
    try:
        return sorted(mapping)
    except TypeError:
        raise TypeError("keras.tree: the keys of a dict must be sortable (dicts are flattened "
                        f"in sorted key order); received keys {list(mapping)!r}") from None


def _children_like(head, item):
    """The children of `item` in the order of `head`'s (mappings matched by key)."""
    if type(head) in _MAPPINGS and type(item) in _MAPPINGS:
        return [item[k] for k in _keys(head)]
    return [child for _, child in _children(item)]


def _children(structure):
    """`[(key or index, child)]` of a container, in flattening order."""
    if type(structure) in _MAPPINGS:
        return [(k, structure[k]) for k in _keys(structure)]
    return list(enumerate(structure))


def _rebuild(structure, values):
    """A container of `structure`'s type holding `values` (in flattening order)."""
    kind = type(structure)
    if kind in _MAPPINGS:
        by_key = dict(zip(_keys(structure), values))
        items = [(k, by_key[k]) for k in structure]  # the structure's own key order
        if kind is defaultdict:
            return defaultdict(structure.default_factory, items)
        return kind(items)
    if _is_namedtuple(structure):
        return kind(*values)
    if kind is deque:
        return deque(values, maxlen=structure.maxlen)
    return kind(values)


def flatten(structure):
    """The leaves of `structure` as a list, depth first (dict values by sorted key).

    >>> flatten([[1, 2, 3], [4, [5], [[6]]]])
    [1, 2, 3, 4, 5, 6]
    >>> flatten(None), flatten(1), flatten({100: "world!", 6: "Hello"})
    ([None], [1], ['Hello', 'world!'])
    """
    out = []
    stack = [structure]
    while stack:  # iterative: deep structures do not hit the recursion limit
        item = stack.pop()
        if is_nested(item):
            stack.extend(child for _, child in reversed(_children(item)))
        else:
            out.append(item)
    return out


def flatten_with_path(structure):
    """`[(path, leaf)]`: each leaf with the tuple of keys and indices that reach it.

    >>> flatten_with_path([{"foo": 42}])
    [((0, 'foo'), 42)]
    """
    out = []

    def walk(item, path):
        if not is_nested(item):
            out.append((path, item))
            return
        for key, child in _children(item):
            walk(child, (*path, key))

    walk(structure, ())
    return out


def pack_sequence_as(structure, flat_sequence):
    """`flat_sequence` (leaves, in `flatten` order) packed into the shape of `structure`.

    Args:
        structure: any nested structure (its leaves are ignored).
        flat_sequence: an iterable with exactly as many items as `structure` has leaves.

    Raises:
        TypeError: `flat_sequence` is not iterable.
        ValueError: it has too few or too many items.

    >>> pack_sequence_as((("a", "b"), ("c", "d", "e"), "f"), [1, 2, 3, 4, 5, 6])
    ((1, 2), (3, 4, 5), 6)
    """
    try:
        flat = list(flat_sequence)
    except TypeError:
        raise TypeError("pack_sequence_as: `flat_sequence` must be iterable (a list of "
                        f"leaves); received {type(flat_sequence).__name__}") from None
    position = 0

    def build(item):
        nonlocal position
        if not is_nested(item):
            position += 1
            return flat[position - 1]
        return _rebuild(item, [build(child) for _, child in _children(item)])

    expected = len(flatten(structure))
    if expected != len(flat):
        raise ValueError(f"pack_sequence_as: the structure has {expected} leaves but "
                         f"`flat_sequence` has {len(flat)} items; structure: "
                         f"{_describe(structure)}")
    return build(structure)


def unflatten_as(structure, flat_sequence):
    """dm-tree's name for `pack_sequence_as` (same arguments, same result)."""
    return pack_sequence_as(structure, flat_sequence)


def _describe(structure, limit=120):
    text = repr(map_structure(lambda _: "*", structure)) if is_nested(structure) else "a leaf"
    return text if len(text) <= limit else text[:limit] + "..."


def _kind_name(item):
    if _is_namedtuple(item):
        return f"namedtuple {type(item).__name__}"
    return type(item).__name__


def _mismatch(path, a, b):
    """Why `a` and `b` differ at `path` (a node compared with another), or None."""
    if not is_nested(a) and not is_nested(b):
        return None
    where = f" at path {path}" if path else ""
    if is_nested(a) != is_nested(b):
        return (f"{where}: a {_kind_name(a)} against a {_kind_name(b)}"
                f"{'' if is_nested(b) else ' leaf'}")
    a_map, b_map = type(a) in _MAPPINGS, type(b) in _MAPPINGS
    if a_map and b_map:
        if set(a) != set(b):
            return (f"{where}: keys {sorted(a, key=repr)} against keys "
                    f"{sorted(b, key=repr)}")
        return None
    if type(a) is not type(b):
        return f"{where}: a {_kind_name(a)} against a {_kind_name(b)}"
    if len(a) != len(b):
        return f"{where}: a {_kind_name(a)} of {len(a)} items against one of {len(b)}"
    return None


def _check_same(a, b, path=()):
    reason = _mismatch(path, a, b)
    if reason:
        raise ValueError(f"The two structures don't have the same nested structure{reason}.")
    if is_nested(a):
        for (key, child_a), child_b in zip(_children(a), _children_like(a, b)):
            _check_same(child_a, child_b, (*path, key))


def assert_same_structure(a, b, check_types=None):
    """Raise a ValueError unless `a` and `b` nest alike: same container types at every
    level (dict, OrderedDict and defaultdict count as one kind, compared by their keys;
    list, tuple, deque and each namedtuple class are all different), same lengths.

    Args:
        a, b: nested structures.
        check_types: deprecated in Keras, no effect (a DeprecationWarning when given).

    >>> assert_same_structure([(0, 1)], [(2, 3)])
    >>> assert_same_structure([0, 1], (2, 3))
    Traceback (most recent call last):
        ...
    ValueError: The two structures don't have the same nested structure: a list against a tuple.
    """
    if check_types is not None:
        warnings.warn("The `check_types` argument is deprecated and no longer has any effect, "
                      "please remove." if check_types else
                      "The `check_types` argument is deprecated and no longer has any effect. "
                      "For a looser check, use `keras.tree.assert_same_paths()`, which "
                      "considers `list`, `tuple`, `namedtuple` and `deque` as matching",
                      DeprecationWarning, stacklevel=2)
    _check_same(a, b)


def assert_same_paths(a, b):
    """Raise a ValueError unless `a` and `b` have the same set of leaf paths (container
    types are ignored: a list and a tuple of two items match).

    >>> assert_same_paths([0, 1], (2, 3))
    """
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        msg = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            msg += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            msg += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(msg)


def map_structure(func, *structures, none_is_leaf=True):
    """`func` applied leaf by leaf to one or more structures of the same layout.

    Args:
        func: called with one leaf from each structure.
        *structures: nested structures that pass `assert_same_structure` with each other.
        none_is_leaf: True (default): `func` sees `None` leaves too. False: `None` stays
            `None` without calling `func` (then every structure must hold `None` there).

    Raises:
        ValueError: no structure, or structures that do not match.

    >>> map_structure(lambda v: v ** 2, [[1], [2], [3]])
    [[1], [4], [9]]
    >>> map_structure(lambda v: v * 2, [1, None], none_is_leaf=False)
    [2, None]
    """
    if not structures:
        raise ValueError("Must provide at least one structure")
    if not callable(func):
        raise TypeError(f"map_structure: `func` must be callable; received {func!r}")
    first = structures[0]
    for other in structures[1:]:
        _check_same(first, other)

    def apply(items, path):
        head = items[0]
        if not is_nested(head):
            if head is None and not none_is_leaf:
                if any(item is not None for item in items):
                    raise ValueError("Structure mismatch: some arguments are None, others are "
                                     f"not, at path {path}. Received arguments: {items}.")
                return None
            return func(*items)
        columns = [_children_like(head, item) for item in items]
        keys = [key for key, _ in _children(head)]
        return _rebuild(head, [apply(column, (*path, key))
                               for key, column in zip(keys, zip(*columns))])

    return apply(structures, ())


def map_structure_up_to(shallow_structure, func, *structures):
    """`map_structure` down to the leaves of `shallow_structure` only: `func` receives
    whole sub-structures where `shallow_structure` has a leaf.

    Raises:
        ValueError: no structure, or a structure that does not match `shallow_structure`
            down to its leaves (deeper nesting below them is allowed).

    >>> map_structure_up_to([None, None], len, [[1, 1], [2, 2]])
    [2, 2]
    >>> map_structure_up_to([None, [None, None]], str, [[1, 1], [2, 2]])
    ['[1, 1]', ['2', '2']]
    """
    if not structures:
        raise ValueError("Must provide at least one structure")

    def apply(shallow, items, path):
        if not is_nested(shallow):
            return func(*items)
        for item in items:
            reason = _mismatch(path, shallow, item)
            if reason:
                raise ValueError("The two structures don't have the same nested structure"
                                 f"{reason}.")
        columns = [_children_like(shallow, item) for item in items]
        keys = [key for key, _ in _children(shallow)]
        children = [child for _, child in _children(shallow)]
        return _rebuild(shallow, [apply(child, column, (*path, key)) for key, child, column
                                  in zip(keys, children, zip(*columns))])

    return apply(shallow_structure, structures, ())


def traverse(func, structure, top_down=True):
    """Depth-first traversal applying `func` to every sub-structure (containers and leaves).

    Top down (default): a non-None result replaces that sub-structure and its children are
    not visited. Bottom up: children first; a non-None result replaces the (rebuilt)
    sub-structure. Return `MAP_TO_NONE` to replace with `None`.

    >>> visited = []
    >>> traverse(visited.append, [(1, 2), [3], {"a": 4}], top_down=False)
    [(1, 2), [3], {'a': 4}]
    >>> visited
    [1, 2, (1, 2), 3, [3], 4, {'a': 4}, [(1, 2), [3], {'a': 4}]]
    """
    if not callable(func):
        raise TypeError(f"traverse: `func` must be callable; received {func!r}")

    def children_done(item):
        if not is_nested(item):
            return item
        return _rebuild(item, [visit(child) for _, child in _children(item)])

    def visit(item):
        if top_down:
            result = func(item)
            if result is None:
                return children_done(item)
        else:
            item = children_done(item)
            result = func(item)
            if result is None:
                return item
        return None if result is MAP_TO_NONE else result

    return visit(structure)


def lists_to_tuples(structure):
    """`structure` with every list turned into a tuple.

    >>> lists_to_tuples([1, [2, {"a": [3]}]])
    (1, (2, {'a': (3,)}))
    """
    return traverse(lambda item: tuple(item) if isinstance(item, list) else None, structure,
                    top_down=False)


def _is_shape(item):
    return isinstance(item, list | tuple) and all(
        isinstance(e, int | type(None)) for e in item)


def map_shape_structure(func, structure):
    """`map_structure` where shape tuples (lists/tuples of ints and Nones) are leaves.

    >>> map_shape_structure(lambda s: (None, *s[1:]), [(4, 2), {"a": (4, 3, 1)}])
    [(None, 2), {'a': (None, 3, 1)}]
    """
    def visit(item):
        if _is_shape(item) or not is_nested(item):
            return func(item)
        return _rebuild(item, [visit(child) for _, child in _children(item)])

    return visit(structure)
