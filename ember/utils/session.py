"""`clear_session`, `get_source_inputs`, `is_keras_tensor`: ember's global graph state."""

import gc

from ember import tree
from ember.layers import base as _layer_base
from ember.layers.node import SymbolicTensor


def clear_session(free_memory=True):
    """Reset the state ember keeps across models (Keras' `keras.utils.clear_session`).

    What Keras keeps in its session state goes back to its start: automatic layer names start
    again (the next `Dense` is "dense"), losses added by layers during the last call are
    dropped, open `custom_object_scope`s are forgotten, the global dtype policy is unset (it
    follows `floatx()` again), and the `ember.config` switches (interactive logging, traceback
    filtering, flash attention, unsafe deserialization) return to their defaults; with
    `free_memory` Python's garbage collector runs. Registered custom objects, floatx / epsilon /
    image data format and the random generators are kept (as in Keras, where
    `set_random_seed` alone reseeds).

    >>> import ember
    >>> _ = [ember.layers.Dense(1) for _ in range(3)]
    >>> ember.utils.clear_session()
    >>> ember.layers.Dense(1).name
    'dense'
    """
    from ember import config, dtype_policies  # noqa: PLC0415
    from ember.saving import registry  # noqa: PLC0415

    _layer_base.clear_session()
    _layer_base._CALL_LOSS_LAYERS.clear()
    registry._scope_stack().clear()
    config.reset_session_state()
    dtype_policies.reset_dtype_policy()
    if free_memory:
        gc.collect()


def is_keras_tensor(x):
    """Whether `x` is a symbolic tensor of a functional graph (what `keras.Input` returns).

    >>> import ember, numpy as np
    >>> is_keras_tensor(ember.Input(shape=(3,))), is_keras_tensor(ember.constant(np.ones(3)))
    (True, False)
    """
    return isinstance(x, SymbolicTensor)


def get_source_inputs(tensor):
    """The `Input` tensors that `tensor` is computed from, in the order they are found.

    Args:
        tensor: a symbolic tensor (the output of layers called on `ember.Input`s).

    Returns:
        A list of symbolic tensors. A tensor made by no layer is returned as `[tensor]`; a
        non-symbolic value is returned unchanged (as Keras does).

    >>> import ember
    >>> a, b = ember.Input(shape=(2,), name="a"), ember.Input(shape=(2,), name="b")
    >>> out = ember.layers.Dense(1)(ember.layers.Add()([a, b]))
    >>> [t.name for t in get_source_inputs(out)]
    ['a', 'b']
    """
    if not isinstance(tensor, SymbolicTensor):
        return tensor
    sources, stack, seen = [], [tensor], set()
    while stack:  # iterative depth-first walk, inputs in call order
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        history = t._history
        node = None if history is None else history[0]._inbound_nodes[history[1]]
        if node is None or not node.inputs:
            if all(t is not s for s in sources):
                sources.append(t)
            continue
        stack.extend(reversed(tree.flatten(node.inputs)))
    return sources
