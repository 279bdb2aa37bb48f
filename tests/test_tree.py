"""ember.tree against Keras' keras.tree: same leaves, same order, same rebuilt structures,
the same exception types on mismatches."""

import os
from collections import OrderedDict, defaultdict, deque, namedtuple

import numpy as np
import pytest

from ember import tree

Point = namedtuple("Point", ["x", "y"])
Other = namedtuple("Other", ["x", "y"])


def _dd():
    d = defaultdict(list)
    d["b"], d["a"] = 1, [2, None]
    return d


STRUCTURES = [
    1, None, "text", np.ones(3), {1, 2}, [], (), {},
    [1, [2, [3, [4]]]],
    {"b": 2, "a": 1, "c": {"z": 0, "y": [5, 6]}},
    {100: "world!", 6: "Hello"},
    OrderedDict([("b", 1), ("a", 2)]),
    [None, {"b": 1, "a": None}],
    Point(x=(1, 2), y={"q": 3}),
    deque([1, [2, 3]]),
    _dd(),
    ([1], (2, 3), {"k": [4, (5,)]}),
    [[], 1, ()],
]


def keras_tree():
    """Keras' optree implementation (the one its TensorFlow and JAX backends use): the torch
    backend's own tree sorts only the outermost dict's keys (nested dicts keep insertion
    order), against Keras' documented rule."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("keras")
    pytest.importorskip("optree")
    from keras.src.tree import optree_impl  # noqa: PLC0415

    return optree_impl


def test_flatten_order_and_round_trip():
    assert tree.flatten({"b": [1, 2], "a": (3, None)}) == [3, None, 1, 2]
    assert tree.flatten(OrderedDict([("b", 1), ("a", 2)])) == [1, 2]
    assert tree.flatten(None) == [None] and tree.flatten(np.float32(2)) == [np.float32(2)]
    for s in STRUCTURES:
        rebuilt = tree.pack_sequence_as(s, tree.flatten(s))
        assert type(rebuilt) is type(s)
        if tree.is_nested(s):
            assert repr(rebuilt) == repr(s)  # same types, same key order, same values
    rebuilt = tree.pack_sequence_as(_dd(), [7, 8, 9])
    assert rebuilt.default_factory is list and list(rebuilt) == ["b", "a"]
    assert tree.unflatten_as([0, (0,)], [1, 2]) == [1, (2,)]


def test_deep_structure_flattens_iteratively():
    deep = 0
    for _ in range(5000):
        deep = [deep]
    assert tree.flatten(deep) == [0]


@pytest.mark.parametrize("index", range(len(STRUCTURES)))
def test_matches_keras(index):
    kt = keras_tree()
    s = STRUCTURES[index]
    assert tree.is_nested(s) == kt.is_nested(s)
    leaves = tree.flatten(s)
    k_leaves = kt.flatten(s)
    assert len(leaves) == len(k_leaves) and all(a is b for a, b in zip(leaves, k_leaves))
    assert [p for p, _ in tree.flatten_with_path(s)] == [p for p, _ in kt.flatten_with_path(s)]
    ids = list(range(len(leaves)))
    assert tree.pack_sequence_as(s, ids) == kt.pack_sequence_as(s, ids)
    assert tree.map_structure(lambda v: ("leaf", v is None), s) == kt.map_structure(
        lambda v: ("leaf", v is None), s)
    assert tree.lists_to_tuples(s) == kt.lists_to_tuples(s) if tree.is_nested(s) else True


def test_map_structure_several_and_none():
    assert tree.map_structure(lambda a, b: a + b, [1, (2, 3)], [10, (20, 30)]) == [11, (22, 33)]
    assert tree.map_structure(lambda v: v * 2, [1, None], none_is_leaf=False) == [2, None]
    assert tree.map_structure(lambda v: v, None, none_is_leaf=False) is None
    assert tree.map_structure(lambda a, b: (a, b), {"a": 1, "b": 2},
                              OrderedDict([("b", 3), ("a", 4)])) == {"a": (1, 4), "b": (2, 3)}
    with pytest.raises(ValueError, match="some arguments are None"):
        tree.map_structure(lambda a, b: a, [1, None], [2, 3], none_is_leaf=False)
    with pytest.raises(ValueError, match="at least one structure"):
        tree.map_structure(lambda v: v)


@pytest.mark.parametrize("a, b", [
    ([1, 2], [1]), ([1, 2], (1, 2)), ({"a": 1}, {"b": 1}), ([1, [2]], [2, 3]),
    ([1, 3], [2, [3]]), (Point(1, 2), (1, 2)), (Point(1, 2), Other(1, 2)), ([1], deque([2])),
])
def test_mismatches_raise_value_error_like_keras(a, b):
    with pytest.raises(ValueError, match="same nested structure"):
        tree.assert_same_structure(a, b)
    with pytest.raises(ValueError):
        tree.map_structure(lambda x, y: x, a, b)
    kt = keras_tree()
    with pytest.raises(ValueError):
        kt.assert_same_structure(a, b)


def test_error_messages_name_the_place():
    with pytest.raises(ValueError, match=r"at path \('k', 1\): a list of 2 items against "
                                          "one of 3"):
        tree.assert_same_structure({"k": [0, [1, 2]]}, {"k": [0, [1, 2, 3]]})
    with pytest.raises(ValueError, match=r"keys \['a'\] against keys \['b'\]"):
        tree.assert_same_structure({"a": 1}, {"b": 1})
    tree.assert_same_structure({"a": [1, None]}, OrderedDict(a=[None, 2]))
    with pytest.warns(DeprecationWarning):
        tree.assert_same_structure([1], [2], check_types=True)


def test_assert_same_paths_message_as_keras():
    tree.assert_same_paths([0, 1], (2, 3))
    tree.assert_same_paths(Point(0, 1), Other(2, 3))
    with pytest.raises(ValueError) as ours:
        tree.assert_same_paths({"a": 1}, [3])
    kt = keras_tree()
    with pytest.raises(ValueError) as theirs:
        kt.assert_same_paths({"a": 1}, [3])
    assert str(ours.value) == str(theirs.value)


def test_pack_sequence_as_errors():
    with pytest.raises(ValueError, match="2 leaves but `flat_sequence` has 1"):
        tree.pack_sequence_as([0, 0], [1])
    with pytest.raises(ValueError, match="has 3 items"):
        tree.pack_sequence_as([0, 0], [1, 2, 3])
    with pytest.raises(TypeError, match="must be iterable"):
        tree.pack_sequence_as([0], 1)
    assert tree.pack_sequence_as(0, [5]) == 5
    with pytest.raises(TypeError, match="sortable"):
        tree.flatten({1: "a", "x": 2})


def test_map_structure_up_to_as_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    kt = pytest.importorskip("keras").tree  # optree's version refuses None in the shallow tree
    cases = [([None, None], len, ([[1, 1], [2, 2]],)),
             ([None, [None, None]], str, ([[1, 1], [2, 2]],)),
             ([None, None], lambda a, b: (a, b), ([[1, 1], [2, 2]], [3, 4])),
             ({"b": None, "a": None}, str, ({"a": [1], "b": (2, 3)},))]
    for shallow, fn, structures in cases:
        assert tree.map_structure_up_to(shallow, fn, *structures) == kt.map_structure_up_to(
            shallow, fn, *structures)
    with pytest.raises(ValueError):
        tree.map_structure_up_to([None, [None, None]], str, [[1, 1], 2])
    with pytest.raises(ValueError):
        tree.map_structure_up_to({"a": None}, str, {"a": [1], "b": 2})
    with pytest.raises(ValueError, match="at least one"):
        tree.map_structure_up_to([None], str)


def test_traverse_and_map_to_none():
    kt = keras_tree()
    s = [(1, 2), [3], {"a": 4}]
    for top_down in (True, False):
        ours, theirs = [], []
        assert tree.traverse(ours.append, s, top_down) == kt.traverse(theirs.append, s, top_down)
        assert ours == theirs
    assert tree.traverse(lambda x: tree.MAP_TO_NONE if isinstance(x, tuple) else None,
                         [1, (2,)]) == [1, None]
    assert tree.traverse(lambda x: x * 2 if isinstance(x, int) else None, [1, (2,)],
                         top_down=False) == [2, (4,)]
    with pytest.raises(TypeError, match="callable"):
        tree.traverse(5, [1])


def test_map_shape_structure():
    kt = keras_tree()
    s = [(1, None), {"b": (2,), "a": [3, 4]}, None, ()]
    fn = lambda shape: ("shape", shape)  # noqa: E731
    assert tree.map_shape_structure(fn, s) == kt.map_shape_structure(fn, s)


def test_ember_package_has_one_tree_home():
    """No other module keeps a private flatten/pack helper for nested structures."""
    import ember

    root = os.path.dirname(ember.__file__)
    offenders = []
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py") and name != "tree.py":
                text = open(os.path.join(folder, name), encoding="utf-8").read()
                for helper in ("def flatten_structure", "def pack_like", "def _paths("):
                    if helper in text:
                        offenders.append(f"{name}: {helper}")
    assert offenders == []
