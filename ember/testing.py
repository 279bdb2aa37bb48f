"""Test helpers for layer authors: Keras' `run_layer_test`, and `gradcheck`.

`run_layer_test` runs the contract every ember layer must meet, in Keras' order:

1. config round trip: `from_config(get_config())` gives the same config, which `json.dumps`
   accepts and which names every constructor argument given; rebuilt with the same weights,
   the layer computes the same outputs;
2. `build(input_shape)`: the layer is built, with the expected numbers of trainable and
   non-trainable weights;
3. symbolic call on `ember.layers.Input`: the output shape, with a None batch axis;
4. eager call on data: shape, dtype and (when given) values, and `compute_output_shape`
   agreeing with the real output;
5. a training step: under `ember.GradientTape`, every trainable weight gets a finite gradient
   and one plain SGD step lowers a squared-error loss (for weightless layers, the gradient
   must reach the input instead).

>>> import ember
>>> from ember.testing import run_layer_test
>>> _ = run_layer_test(ember.layers.Dense, {"units": 3}, input_shape=(2, 4),
...                    expected_output_shape=(2, 3), expected_num_trainable_weights=2,
...                    expected_num_non_trainable_weights=0)
"""

import json

import numpy as np

from ember.autograd import GradientTape, no_grad
from ember.tensor import Tensor
from ember.utils.gradcheck import gradcheck

__all__ = ["gradcheck", "run_layer_test"]


def _is_multi(shape):
    return isinstance(shape, list) and all(isinstance(s, list | tuple) for s in shape)


def _make_data(shape, dtype, rng):
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return rng.integers(0, 10, size=shape).astype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    return rng.standard_normal(shape).astype(dtype)


def _fail(layer_cls, step, message):
    raise AssertionError(f"run_layer_test({layer_cls.__name__}) [{step}]: {message}")


def _check_config(layer_cls, init_kwargs):
    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    missing = sorted(set(init_kwargs) - set(config) - {"input_dim", "batch_input_shape"})
    if missing:
        _fail(layer_cls, "config", f"get_config() lacks the constructor arguments {missing}")
    try:
        text = json.dumps(config, sort_keys=True)
    except TypeError as e:
        _fail(layer_cls, "config", f"get_config() is not JSON-serialisable ({e}): {config!r}")
    revived = layer_cls.from_config(json.loads(text))
    again = json.dumps(revived.get_config(), sort_keys=True)
    if again != text:
        _fail(layer_cls, "config", f"from_config(get_config()) changed the config:\n  {text}\n"
                                   f"  {again}")


def _check_build(layer_cls, init_kwargs, input_shape, n_trainable, n_non_trainable):
    layer = layer_cls(**init_kwargs)
    layer.build(input_shape)
    if not layer.built:
        _fail(layer_cls, "build", "layer.built is False after build()")
    for what, expected, got in (("trainable", n_trainable, layer.trainable_weights),
                                ("non-trainable", n_non_trainable, layer.non_trainable_weights)):
        if expected is not None and len(got) != expected:
            _fail(layer_cls, "build", f"expected {expected} {what} weights, found {len(got)}: "
                                      f"{[w.name for w in got]}")


def _check_symbolic(layer_cls, init_kwargs, input_shape, input_dtype, expected_shape,
                    call_kwargs):
    from ember.layers import Input  # noqa: PLC0415  (layers import this module's users)

    shapes = input_shape if _is_multi(input_shape) else [input_shape]
    inputs = [Input(batch_shape=(None, *s[1:]), dtype=input_dtype) for s in shapes]
    out = layer_cls(**init_kwargs)(inputs if _is_multi(input_shape) else inputs[0],
                                   **call_kwargs)
    if expected_shape is not None:
        want = (None, *tuple(expected_shape)[1:])
        if tuple(out.shape) != want:
            _fail(layer_cls, "symbolic call", f"expected output shape {want}, found "
                                              f"{tuple(out.shape)}")


def _check_revived(layer_cls, layer, x, call_kwargs, rtol, atol):
    """A layer rebuilt from the config, given the same weights, computes the same outputs."""
    kwargs = dict(call_kwargs)
    if layer._call_has_training:
        kwargs["training"] = False
    twin = layer_cls.from_config(layer.get_config())
    twin(x, **kwargs)
    twin.set_weights(layer.get_weights())
    want, got = layer(x, **kwargs), twin(x, **kwargs)
    if want.shape != got.shape or not np.allclose(got.data, want.data, rtol=rtol, atol=atol):
        _fail(layer_cls, "config", "a layer rebuilt with from_config(get_config()) and the same "
                                   "weights computes different outputs")


def _loss(layer, x, target, call_kwargs):
    kwargs = {"training": True, **call_kwargs} if layer._call_has_training else call_kwargs
    y = layer(x, **kwargs)
    d = y - target
    loss = (d * d).mean()
    for extra in layer.losses:
        loss = loss + extra
    return loss


def _check_training(layer_cls, layer, x, out_shape, call_kwargs, learning_rate, rng):
    weights = layer.trainable_weights
    target = Tensor(rng.standard_normal(out_shape).astype(layer.dtype))
    if not weights:  # weightless: the gradient must at least reach a float input
        leaves = x if isinstance(x, list) else [x]
        floats = [t for t in leaves if t.dtype.kind == "f"]
        if not floats:
            return
        with GradientTape() as tape:
            tape.watch(floats)
            loss = _loss(layer, x, target, call_kwargs)
        grads = tape.gradient(loss, floats)
        for t, g in zip(floats, grads):
            if g is None or g.shape != t.shape or not np.all(np.isfinite(g.data)):
                _fail(layer_cls, "training", f"no finite gradient of shape {t.shape} reached "
                                             "the input (does `call` use raw NumPy?)")
        return
    with GradientTape() as tape:
        before = _loss(layer, x, target, call_kwargs)
    grads = tape.gradient(before, weights)
    for w, g in zip(weights, grads):
        if g is None:
            _fail(layer_cls, "training", f"weight {w.name} received no gradient (does `call` "
                                         "use raw NumPy?)")
        if not np.all(np.isfinite(g.data)):
            _fail(layer_cls, "training", f"weight {w.name} received a non-finite gradient")
    saved = [w.numpy() for w in weights]
    lr = learning_rate
    for _ in range(12):  # backtracking: a true descent direction lowers the loss for small lr
        for w, s, g in zip(weights, saved, grads):
            w.assign(s - lr * g.data)
        with no_grad():
            after = _loss(layer, x, target, call_kwargs)
        if float(after) < float(before):
            return
        lr /= 4
    _fail(layer_cls, "training", f"an SGD step along the gradient did not lower the loss "
                                 f"({float(before)!r} -> {float(after)!r})")


def run_layer_test(layer_cls, init_kwargs, input_shape=None, input_dtype="float32",
                   expected_output_shape=None, expected_num_trainable_weights=None,
                   expected_num_non_trainable_weights=None, expected_output=None,
                   supports_training=True, input_data=None, call_kwargs=None,
                   expected_output_dtype=None, expected_num_params=None,
                   expected_num_losses=None, run_training_check=True, learning_rate=0.1,
                   rtol=1e-6, atol=1e-6, seed=0):
    """Check a layer against Keras' layer contract; raise AssertionError naming the failed step.

    Args:
        layer_cls: the Layer subclass.
        init_kwargs: its constructor arguments (a dict).
        input_shape: the input shape, batch axis included; a list of shapes for layers taking
            a list of inputs (merge layers). Optional when `input_data` is given.
        input_dtype: dtype of the generated input. Defaults to "float32".
        expected_output_shape: the eager output shape (the symbolic one is the same with a
            None batch axis).
        expected_num_trainable_weights, expected_num_non_trainable_weights: weight counts.
        expected_output: values of the eager output (needs `input_data`).
        supports_training: run the training step. Defaults to True.
        input_data: the input array (or list of arrays); random normal data by default.
        call_kwargs: extra keyword arguments for the call.
        expected_output_dtype: defaults to the layer's dtype for float outputs.
        expected_num_params: `count_params()` after the eager call.
        expected_num_losses: `len(layer.losses)` after the eager call.
        run_training_check: alias of `supports_training` (Keras' name).
        learning_rate: first step size tried by the training check. Defaults to 0.1.
        rtol, atol: tolerances on `expected_output`. Default to 1e-6.
        seed: seed of the generated data. Defaults to 0.

    Returns:
        The layer used for the eager call (built, after the training step).

    >>> import ember
    >>> layer = run_layer_test(ember.layers.BatchNormalization, {}, input_shape=(8, 4, 4, 3),
    ...                        expected_output_shape=(8, 4, 4, 3), expected_num_params=12)
    >>> len(layer.non_trainable_weights)
    2
    """
    call_kwargs = dict(call_kwargs or {})
    rng = np.random.default_rng(seed)
    multi = _is_multi(input_shape) or isinstance(input_data, list)
    if input_data is None:
        if input_shape is None:
            raise ValueError("run_layer_test: pass input_shape or input_data")
        shapes = input_shape if multi else [input_shape]
        input_data = [_make_data(tuple(s), input_dtype, rng) for s in shapes]
        input_data = input_data if multi else input_data[0]
    datas = input_data if multi else [input_data]
    datas = [np.asarray(d) for d in datas]
    if input_shape is None:
        input_shape = [d.shape for d in datas] if multi else datas[0].shape
    input_shape = [tuple(s) for s in input_shape] if multi else tuple(input_shape)

    _check_config(layer_cls, init_kwargs)
    _check_build(layer_cls, init_kwargs, input_shape, expected_num_trainable_weights,
                 expected_num_non_trainable_weights)
    _check_symbolic(layer_cls, init_kwargs, input_shape, datas[0].dtype, expected_output_shape,
                    call_kwargs)

    layer = layer_cls(**init_kwargs)
    xs = [Tensor(d, dtype=d.dtype) for d in datas]
    x = xs if multi else xs[0]
    out = layer(x, **call_kwargs)
    if expected_output_shape is not None and out.shape != tuple(expected_output_shape):
        _fail(layer_cls, "eager call", f"expected output shape {tuple(expected_output_shape)}, "
                                       f"found {out.shape}")
    want_dtype = expected_output_dtype or (layer.dtype if out.dtype.kind == "f" else out.dtype)
    if out.dtype != np.dtype(want_dtype):
        _fail(layer_cls, "eager call", f"expected output dtype {np.dtype(want_dtype)}, found "
                                       f"{out.dtype}")
    predicted = tuple(layer.compute_output_shape(input_shape))
    if len(predicted) != out.ndim or any(p is not None and p != o
                                         for p, o in zip(predicted, out.shape)):
        _fail(layer_cls, "eager call", f"compute_output_shape gave {tuple(predicted)} but the "
                                       f"output has shape {out.shape}")
    if expected_output is not None:
        np.testing.assert_allclose(out.data, np.asarray(expected_output), rtol=rtol, atol=atol,
                                   err_msg=f"run_layer_test({layer_cls.__name__}) [eager call]")
    _check_revived(layer_cls, layer, x, call_kwargs, rtol, atol)
    if expected_num_params is not None and layer.count_params() != expected_num_params:
        _fail(layer_cls, "eager call", f"expected {expected_num_params} parameters, found "
                                       f"{layer.count_params()}")
    if expected_num_losses is not None and len(layer.losses) != expected_num_losses:
        _fail(layer_cls, "eager call", f"expected {expected_num_losses} losses, found "
                                       f"{len(layer.losses)}")
    if supports_training and run_training_check and out.dtype.kind == "f":
        _check_training(layer_cls, layer, x, out.shape, call_kwargs, learning_rate, rng)
    return layer
