"""The parts of a training run a checkpoint needs beyond weights: RNG states and fingerprints.

RNG states are captured as JSON data: NumPy `bit_generator.state` dicts (arrays inside them,
like MT19937's key, become `{"__ndarray__": [...], "dtype": "uint32"}`), Python `random`'s
state and NumPy's legacy global state. Restoring hands the data back to NumPy and `random`,
which validate it themselves; nothing in it is ever called.

The fingerprint of a model is a SHA-256 over its architecture (each layer's path, class and
config without names, each weight's key, shape and dtype) and, separately, its compile config
(with the optimizer's name and float learning rate left out: those are state, restored from
the checkpoint). Layer names are left out because automatic names change between sessions.

>>> import numpy as np
>>> g = np.random.default_rng(0)
>>> state = encode_rng_state(g.bit_generator.state)
>>> _ = g.random()
>>> restore_generator(g, state, "example")
>>> float(g.random()) == float(np.random.default_rng(0).random())
True
"""

import hashlib
import json
import random

import numpy as np

from ember.saving.compile_config import get_compile_config
from ember.saving.errors import FileFormatError
from ember.saving.weights import collect_weights, walk_layers

#: What NumPy and `random` raise for a malformed state (all become FileFormatError).
_STATE_ERRORS = (TypeError, ValueError, KeyError, IndexError, OverflowError, AttributeError)
_ARRAY_DTYPES = {"uint8", "uint16", "uint32", "uint64", "int32", "int64", "float64"}


def encode_rng_state(state):
    """A NumPy bit-generator state as JSON data."""
    if isinstance(state, dict):
        return {k: encode_rng_state(v) for k, v in state.items()}
    if isinstance(state, np.ndarray):
        return {"__ndarray__": state.tolist(), "dtype": state.dtype.name}
    if isinstance(state, np.integer):
        return int(state)
    if isinstance(state, np.floating):
        return float(state)
    if isinstance(state, list | tuple):
        return [encode_rng_state(v) for v in state]
    return state


def decode_rng_state(data, source):
    """Inverse of `encode_rng_state` (arrays only of integer/float64 dtypes)."""
    if isinstance(data, dict) and "__ndarray__" in data:
        if set(data) != {"__ndarray__", "dtype"} or data["dtype"] not in _ARRAY_DTYPES:
            raise FileFormatError(source, f"bad array in an RNG state: {str(data)[:100]}")
        try:
            return np.asarray(data["__ndarray__"], dtype=data["dtype"])
        except _STATE_ERRORS as e:
            raise FileFormatError(source, f"bad array in an RNG state: {e}") from None
    if isinstance(data, dict):
        return {k: decode_rng_state(v, source) for k, v in data.items()}
    if isinstance(data, list):
        return [decode_rng_state(v, source) for v in data]
    return data


def restore_generator(generator, data, source):
    """Set a `np.random.Generator`'s state from `encode_rng_state` data."""
    try:
        generator.bit_generator.state = decode_rng_state(data, source)
    except _STATE_ERRORS as e:
        raise FileFormatError(source, f"cannot restore an RNG state ({type(e).__name__}: "
                                      f"{e})") from None


def python_random_state():
    """Python's `random` state as JSON data: `[version, [625 ints], gauss_next]`."""
    version, internal, gauss = random.getstate()
    return [version, list(internal), gauss]


def restore_python_random(data, source):
    """Set Python's `random` state from `python_random_state()` data."""
    try:
        version, internal, gauss = data
        random.setstate((version, tuple(internal), gauss))
    except _STATE_ERRORS as e:
        raise FileFormatError(source, f"cannot restore Python's random state: {e}") from None


def numpy_legacy_state():
    """NumPy's legacy global state (`np.random.seed`'s) as JSON data."""
    return encode_rng_state(np.random.get_state(legacy=False))


def restore_numpy_legacy(data, source, target=None):
    """Restore NumPy's legacy global state (or that of the RandomState `target`)."""
    try:
        (np.random if target is None else target).set_state(decode_rng_state(data, source))
    except _STATE_ERRORS as e:
        raise FileFormatError(source, f"cannot restore NumPy's global random state: {e}") from None


def layer_generators(model):
    """path -> `np.random.Generator` for every layer keeping one in its `generator` attribute."""
    out = {}
    for path, layer in walk_layers(model):
        gen = getattr(layer, "generator", None)
        if isinstance(gen, np.random.Generator):
            out[path or "<model>"] = gen
    return out


def seed_generator_states(model):
    """key -> state Variable of every `SeedGenerator` a layer owns (`keras.random`'s stateful
    seeds); the key is the layer's path and the generator's position in that layer."""
    out = {}
    for path, layer in walk_layers(model):
        for i, gen in enumerate(getattr(layer, "_seed_generators", ())):
            out[f"{path or '<model>'}#{i}"] = gen.state
    return out


def check_seed_states(data, source):
    """Refuse seed generator states that are not `{key: [seed, counter]}`, two integers in
    [0, 2**32) each."""
    if not isinstance(data, dict):
        raise FileFormatError(source, "seed generator states must be a JSON object")
    for key, value in data.items():
        if not (isinstance(value, list) and len(value) == 2 and all(
                isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**32
                for v in value)):
            raise FileFormatError(source, f"seed generator state {str(key)[:80]!r} must be two "
                                          f"integers in [0, 2**32); received {str(value)[:80]}")


def restore_seed_states(model, data, source):
    """Set the SeedGenerators' states from `check_seed_states`-valid data (keys the model
    does not have are ignored)."""
    check_seed_states(data, source)
    states = seed_generator_states(model)
    for key, value in data.items():
        if key in states:
            states[key].data[...] = np.asarray(value, dtype=states[key].dtype)


def _strip_names(value):
    if isinstance(value, dict):
        return {k: _strip_names(v) for k, v in value.items() if k != "name"}
    if isinstance(value, list):
        return [_strip_names(v) for v in value]
    return value


def _digest(obj):
    # Anything that is not JSON (a function in a config) counts by name, never by address.
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"),
                      default=lambda o: getattr(o, "__name__", type(o).__name__))
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprints(model):
    """`{"model": sha256, "compile": sha256}` of the architecture and the compile config."""
    layers = []
    for path, layer in walk_layers(model):
        config = None
        if path:  # the model's own config repeats its layers; they are listed one by one
            try:
                config = _strip_names(layer.get_config())
            except (NotImplementedError, TypeError, AttributeError):
                config = None
        layers.append([path, type(layer).__name__, config])
    weights = [[key, list(var.shape), var.dtype.name]
               for key, (_, var) in collect_weights(model).items()]
    try:
        compile_config = get_compile_config(model) or {}
    except (TypeError, ValueError):  # e.g. a plain-callable learning rate: compare classes
        compile_config = {"optimizer": type(getattr(model, "optimizer", None)).__name__}
    optimizer = compile_config.get("optimizer")
    if isinstance(optimizer, dict) and isinstance(optimizer.get("config"), dict):
        inner = {k: v for k, v in optimizer["config"].items() if k != "name"}
        if isinstance(inner.get("learning_rate"), int | float):
            inner.pop("learning_rate")
        compile_config = {**compile_config, "optimizer": {**optimizer, "config": inner}}
    return {"model": _digest([type(model).__name__, layers, weights]),
            "compile": _digest(compile_config)}


_METRIC_DTYPES = {"float16", "float32", "float64", "int32", "int64"}


def metric_states(model):
    """`{metric name: [{"dtype", "shape", "values"}, ...]}` of the model's running metrics
    (the loss tracker and the compiled metrics built so far): the partial-epoch means that a
    mid-epoch backup must carry so a resumed epoch logs what an uninterrupted one would.
    JSON floats round-trip float64 and float32 values exactly.

    >>> from ember.layers import Dense, Input
    >>> from ember.models import Sequential
    >>> model = Sequential([Input(shape=(1,)), Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> model._loss_tracker.update_state(0.5, 4)
    >>> [(v["dtype"], v["values"]) for v in metric_states(model)["loss"]]  # total, count
    [('float64', [2.0]), ('float64', [4.0])]
    """
    out = {}
    for metric in _state_metrics(model):
        out[metric.name] = [{"dtype": v.dtype.name, "shape": list(v.shape),
                             "values": np.asarray(v.data).ravel().tolist()}
                            for v in metric.variables]
    return out


def _state_metrics(model):
    """The metrics that hold state, by their own names: `model.metrics` with the compiled
    metrics' container (Keras' "compile_metrics", a Metric of metrics) replaced by its
    members, which may be built only at the first batch."""
    for metric in getattr(model, "metrics", []):
        members = getattr(metric, "metrics", None)
        if isinstance(members, list) and metric is getattr(model, "_compile_metrics", None):
            yield from members
        else:
            yield metric


def set_metric_state(metric, data, source):
    """Assign `metric_states` data of one metric to `metric`'s variables (all checked first)."""
    variables = metric.variables
    if not isinstance(data, list) or len(data) != len(variables):
        raise FileFormatError(source, f"metric {metric.name!r}: expected {len(variables)} state "
                                      f"arrays; received {str(data)[:80]}")
    arrays = []
    for var, item in zip(variables, data, strict=True):
        if (not isinstance(item, dict) or item.get("dtype") not in _METRIC_DTYPES
                or item.get("shape") != list(var.shape)):
            raise FileFormatError(source, f"metric {metric.name!r}: expected a state of shape "
                                          f"{list(var.shape)}; received {str(item)[:80]}")
        try:
            arr = np.asarray(item["values"], dtype=item["dtype"]).reshape(var.shape)
        except _STATE_ERRORS as e:
            raise FileFormatError(source, f"metric {metric.name!r}: bad state values "
                                          f"({e})") from None
        arrays.append(arr.astype(var.dtype, copy=False))
    for var, arr in zip(variables, arrays, strict=True):
        var.assign(arr)


def restore_metric_states(model, states, source):
    """Set the model's running metrics from `metric_states` data. Metrics the model has not
    built yet (compiled metrics resolve on the first batch) get theirs when they are built."""
    states = dict(states)
    for metric in _state_metrics(model):
        if metric.name in states:
            set_metric_state(metric, states.pop(metric.name), source)
    if not states:
        return
    for owner in (getattr(model, "_compile_loss", None), getattr(model, "_compile_metrics", None)):
        if owner is not None and not owner.built:
            owner.pending_states = (
                states, lambda m, d: set_metric_state(m, d, source))
