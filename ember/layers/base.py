"""The `Layer` base class: Keras' contract on ember's engine.

Settings are validated in `__init__`; weights are created in `build(input_shape)` through
`add_weight`; the maths is in `call(inputs, training=None)` using ember ops only, so gradients
flow. A layer called on NumPy arrays or Tensors computes; called on symbolic tensors (from
`Input`) it records a node of a functional graph.
"""

import contextlib
import inspect
import re

import numpy as np

from ember import backend, dtype_policies, tree
from ember.autograd import no_grad
from ember.device import current_device
from ember.dtype_policies import DTypePolicy
from ember.layers.input_spec import InputSpec  # noqa: F401  (re-exported)
from ember.layers.node import (
    Node,
    SymbolicTensor,
    is_shape,
    is_shape_data,
    is_shape_list,
    map_structure_shapes,
    shape_data,
    shape_tuple,
)
from ember.scopes import StatelessScope
from ember.tensor import _STATELESS_STACK, Tensor, Variable, to_array
from ember.utils.random import global_generator

_NAME_COUNTS = {}
_CALL_CONTEXT = {"training": None, "depth": 0}
# Layers holding losses added during the current outermost call (`add_loss` inside `call`,
# activity regularizers); they are cleared when the next outermost call starts (as Keras).
_CALL_LOSS_LAYERS = []
_TRACKED_TYPES = {}


def _tracked_types():
    """(Metric, SeedGenerator), imported on first use (both modules import tensors only, but
    ember.metrics imports ember.losses, which must not load while layers are loading)."""
    if not _TRACKED_TYPES:
        from ember.metrics.base import Metric  # noqa: PLC0415
        from ember.random.seed_generator import SeedGenerator  # noqa: PLC0415

        _TRACKED_TYPES.update(metric=Metric, seed=SeedGenerator)
    return _TRACKED_TYPES["metric"], _TRACKED_TYPES["seed"]


def to_snake_case(name):
    """`Conv2D` -> `conv2d`, `BatchNormalization` -> `batch_normalization`."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def unique_name(base):
    """`dense`, then `dense_1`, `dense_2`, ... (as Keras names layers)."""
    n = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def clear_session():
    """Reset automatic layer names (the next Dense is `dense` again)."""
    _NAME_COUNTS.clear()


@contextlib.contextmanager
def training_scope(training):
    """Set the training flag seen by layers that are not given one explicitly."""
    previous = _CALL_CONTEXT["training"]
    _CALL_CONTEXT["training"] = training
    try:
        yield
    finally:
        _CALL_CONTEXT["training"] = previous


def _kind(t):
    """The dtype kind of array-like `t` (a device array is not converted to find it)."""
    dtype = getattr(t, "dtype", None)
    return np.dtype(dtype).kind if dtype is not None else np.asarray(t).dtype.kind


class Layer:
    """Base of every layer.

    Args:
        trainable: whether the layer's weights are updated by training. Defaults to True.
        name: defaults to the snake-cased class name, made unique (`dense`, `dense_1`, ...).
        dtype: the dtype of weights and computations: a dtype name, or a dtype policy (a
            `DTypePolicy` or its name, e.g. "mixed_float16", which ember computes in float32).
            Defaults to the global policy (`floatx()`, "float32", unless one was set).
        input_shape / input_dim / batch_input_shape: accepted on the first layer of a
            `Sequential` model, as in Keras (the shape excludes the batch axis).

    >>> import ember
    >>> class Scale(ember.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.s = self.add_weight(shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, x):
    ...         return x * self.s
    >>> Scale()(ember.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        self._tracking = True
        self._weights_own = []
        self._layers = []
        self._inbound_nodes = []
        self._activity_losses = []
        self._added_losses = []
        self._seed_generators = []
        self._tracked_metrics = []
        self.built = False
        self.input_spec = None
        self.supports_masking = False
        self._trainable = bool(trainable)
        policy = None
        if isinstance(dtype, DTypePolicy) or (isinstance(dtype, str) and dtype.startswith(
                "mixed_")) or isinstance(dtype, dict):
            policy = dtype_policies.get(dtype)
        elif dtype is None:
            policy = dtype_policies.dtype_policy()
        self._dtype_policy = policy
        self.dtype = np.dtype(policy.variable_dtype if policy is not None else dtype)
        # where its weights go when it is built later (outside the `ember.device` block)
        self._device = current_device()
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        shape = kwargs.pop("input_shape", None)
        if "input_dim" in kwargs:
            shape = (kwargs.pop("input_dim"),)
        if "batch_input_shape" in kwargs:
            shape = tuple(kwargs.pop("batch_input_shape"))[1:]
        self._input_shape_arg = None if shape is None else tuple(shape)
        self.activity_regularizer = None
        if "activity_regularizer" in kwargs:
            from ember import regularizers  # noqa: PLC0415  (regularizers import layers)

            self.activity_regularizer = regularizers.get(kwargs.pop("activity_regularizer"))
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) "
                            f"{sorted(kwargs)}")
        sig = inspect.signature(self.call).parameters
        self._call_has_training = "training" in sig
        self._call_has_mask = "mask" in sig

    @property
    def dtype_policy(self):
        """The layer's DTypePolicy (None for a layer of a non-float dtype)."""
        if self._dtype_policy is None and self.dtype.kind == "f":
            return DTypePolicy(self.dtype.name)
        return self._dtype_policy

    @property
    def compute_dtype(self):
        """The dtype the layer computes in (its `dtype`: ember does not autocast)."""
        return self.dtype.name

    @property
    def variable_dtype(self):
        """The dtype of the layer's variables."""
        return self.dtype.name

    # ----------------------------------------------------------------- tracking
    def __setattr__(self, name, value):
        # Layers, SeedGenerators and Metrics assigned as attributes (or in lists) are tracked,
        # as Keras does: sublayers' weights, the seed states (in `variables`) and the metrics.
        if getattr(self, "_tracking", False) and not name.startswith("_"):
            items = value if isinstance(value, list | tuple) else [value]
            metric_cls, seed_cls = _tracked_types()
            for item in items:
                if isinstance(item, Layer):
                    if item is not self and all(item is not x for x in self._layers):
                        self._layers.append(item)
                elif isinstance(item, seed_cls):
                    if all(item is not x for x in self._seed_generators):
                        self._seed_generators.append(item)
                elif isinstance(item, metric_cls):
                    if all(item is not x for x in self._tracked_metrics):
                        self._tracked_metrics.append(item)
        object.__setattr__(self, name, value)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._flatten_layers(include_self=False):
            layer._trainable = bool(value)

    def _flatten_layers(self, include_self=True):
        seen, out, stack = set(), [], [self] if include_self else list(reversed(self._layers))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(reversed(layer._layers))
        return out

    def _owned_weights(self):
        """`(layer, weight)` for every weight, in Keras 3's order: each layer's own weights
        (those created trainable first, then those created non-trainable, each in creation
        order), then its sublayers', depth first. Freezing changes no position."""
        out, seen = [], set()
        for layer in self._flatten_layers():
            own = layer._weights_own
            late = layer.__dict__.get("_created_non_trainable", ())
            for w in [w for w in own if id(w) not in late] + [w for w in own if id(w) in late]:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append((layer, w))
        return out

    @property
    def weights(self):
        """All weights in Keras 3's order: layer by layer (see `_owned_weights`), whatever
        is frozen, so `set_weights(get_weights())` round-trips across `trainable` changes."""
        return [w for _, w in self._owned_weights()]

    @property
    def trainable_weights(self):
        """The weights the optimizer updates: trainable ones of trainable layers, in the
        order of `weights`."""
        if not self.trainable:
            return []
        return [w for layer, w in self._owned_weights() if layer.trainable and w.trainable]

    @property
    def non_trainable_weights(self):
        """The other weights, in the order of `weights`."""
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        """The non-trainable weights, then the states of the SeedGenerators the layer and its
        sublayers own (Keras: "all non-trainable layer state")."""
        return self.non_trainable_weights + self._seed_states

    @property
    def variables(self):
        """All the layer's state: `weights`, then the SeedGenerators' states (Keras'
        `layer.variables`; `weights` leaves the seeds out)."""
        return self.weights + self._seed_states

    @property
    def _seed_states(self):
        """The state Variable of every SeedGenerator tracked by the layer or a sublayer."""
        out, seen = [], set()
        for layer in self._flatten_layers():
            for gen in getattr(layer, "_seed_generators", ()):
                if id(gen.state) not in seen:
                    seen.add(id(gen.state))
                    out.append(gen.state)
        return out

    @property
    def metrics(self):
        """The Metrics assigned as attributes of the layer and of its sublayers."""
        out = []
        for layer in self._flatten_layers():
            out.extend(getattr(layer, "_tracked_metrics", ()))
        return out

    def zero_grad(self, set_to_none=True):
        """Forget the gradients `loss.backward()` left on every variable of the layer and its
        sublayers (`torch.nn.Module.zero_grad`, which Keras' PyTorch-flavoured train_step
        calls before the forward pass): set them to None, or to zeros with
        `set_to_none=False`."""
        for v in self.weights:
            if set_to_none or v.grad is None:
                v.grad = None
            else:
                v.grad = Tensor._wrap(np.zeros_like(v.grad.data))

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   regularizer=None, constraint=None, name=None):
        """Create a weight (a Variable) owned by this layer.

        Args:
            shape: the weight's shape. Defaults to () (a scalar).
            initializer: a name ("glorot_uniform", "zeros", ...), an Initializer or a callable
                `(shape, dtype) -> array`. Defaults to "glorot_uniform" for float weights.
            trainable: updated by the optimizer. Defaults to True.
            regularizer: a name, a Regularizer or a callable whose value is added to the loss.
            constraint: a callable applied to the weight after each optimizer update.
        """
        from ember import initializers, regularizers  # noqa: PLC0415

        shape = () if shape is None else tuple(int(s) for s in shape)
        dtype = np.dtype(dtype or self.dtype)
        init = initializers.get(initializer or ("glorot_uniform" if dtype.kind == "f"
                                                else "zeros"))
        # initial values are drawn on the host (the same weights on every device for one
        # seed), then placed on the layer's device
        value = backend.asarray(to_array(init(shape, dtype=dtype), dtype), xp=self._home_xp())
        if value.shape != shape:
            raise ValueError(f"{self.name}: initializer returned shape {value.shape}, "
                             f"expected {shape}")
        var = Variable(value, trainable=trainable and dtype.kind == "f",
                       name=f"{self.name}/{name or 'weight'}", dtype=dtype)
        var._regularizer = regularizers.get(regularizer) if regularizer is not None else None
        var._constraint = constraint
        if not var.trainable:  # created non-trainable: after the trainable ones in `weights`
            self.__dict__.setdefault("_created_non_trainable", set()).add(id(var))
        self._weights_own.append(var)
        return var

    def _home_xp(self):
        """The array module of this layer's device: its weights' (when it has some), else
        the current device's when that is not the CPU, else the device it was created on."""
        for w in self._weights_own:
            return backend.array_module(w.data)
        for layer in self._layers:
            for w in layer.weights:
                return backend.array_module(w.data)
        dev = current_device()
        return dev.xp if not dev.is_cpu else getattr(self, "_device", dev).xp

    # ----------------------------------------------------------------- building
    def build(self, input_shape):
        """Create the weights for inputs of `input_shape` (batch axis included, maybe None)."""
        self.built = True

    def _maybe_build(self, shapes):
        if self.built:
            return
        shape = shapes[0] if len(shapes) == 1 else shapes
        self._build_input_shape = shape_data(shape)
        self.build(shape)
        self.built = True

    def get_build_config(self):
        """`{"input_shape": ...}` recorded at the first build (None if never built on data)."""
        shape = getattr(self, "_build_input_shape", None)
        return None if shape is None else {"input_shape": shape}

    def build_from_config(self, config):
        """Build from `get_build_config()` (used when a model is loaded from a file)."""
        shape = (config or {}).get("input_shape")
        if shape is not None and not self.built:
            self._maybe_build([shape_tuple(shape)] if is_shape_data(shape)
                              else [shape_tuple(s) for s in shape])

    def compute_output_shape(self, input_shape):
        """The output shape for `input_shape`. By default found by running `call` on zeros."""
        shapes = input_shape if is_shape_list(input_shape) else [input_shape]
        xp = self._home_xp()
        dummies = [Tensor._wrap(xp.zeros(tuple(1 if d is None else d for d in s),
                                         dtype=self.dtype)) for s in shapes]
        pending = len(_CALL_LOSS_LAYERS)
        _CALL_CONTEXT["depth"] += 1  # a trial run: losses it adds are dropped below
        # ... and the random state it uses is put back: a SeedGenerator's (through the
        # StatelessScope) and ember's global generator's, as Keras' symbolic calls leave them
        rng = global_generator()
        rng_state = rng.bit_generator.state
        try:
            with no_grad(), training_scope(False), StatelessScope():
                out = self.call(dummies[0] if len(dummies) == 1 else dummies,
                                **_dummy_mask_kwargs(self))
        finally:
            rng.bit_generator.state = rng_state
            _CALL_CONTEXT["depth"] -= 1
            for layer in _CALL_LOSS_LAYERS[pending:]:
                layer._activity_losses, layer._added_losses = [], []
            del _CALL_LOSS_LAYERS[pending:]
        return tree.map_structure(lambda t: (None,) + tuple(t.shape[1:]), out)

    def _check_inputs(self, shapes):
        specs = self.input_spec
        if specs is None:
            return
        specs = specs if isinstance(specs, list) else [specs]
        for i, (spec, shape) in enumerate(zip(specs, shapes)):
            if spec is not None:
                spec.check(self, shape, i)

    # ----------------------------------------------------------------- calling
    def __call__(self, inputs, *args, **kwargs):
        leaves = tree.flatten(inputs)
        if any(isinstance(t, SymbolicTensor) for t in leaves):
            return self._symbolic_call(inputs, args, kwargs)
        if not all(isinstance(t, Tensor) for t in leaves):
            xp = self._home_xp()
            inputs = tree.map_structure(
                lambda t: t if isinstance(t, Tensor) or t is None else Tensor._wrap(
                    backend.asarray(to_array(t, self.dtype if _kind(t) == "f" else None),
                                    xp=xp)),
                inputs)
            leaves = tree.flatten(inputs)
        shapes = [t.shape for t in leaves if t is not None]
        if not self.built:
            self._check_inputs(shapes)
            self._maybe_build(shapes)
        self._check_inputs(shapes)
        # The training flag: explicit argument, else the enclosing call's, else False. It is
        # the context of everything this call runs (sublayers called without the argument);
        # a layer whose `call` takes no `training` still passes an explicit one down.
        training = kwargs.get("training") if self._call_has_training else kwargs.pop(
            "training", None)
        if training is None:
            training = _CALL_CONTEXT["training"]
        if self._call_has_training:
            kwargs["training"] = bool(training) if training is not None else False
        masks = [getattr(t, "_keras_mask", None) for t in leaves]
        in_mask = kwargs.get("mask", masks[0] if len(masks) == 1 else None)
        own_mask = type(self).compute_mask is not Layer.compute_mask
        if own_mask and "mask" not in kwargs and len(masks) > 1 and any(
                m is not None for m in masks):
            in_mask = masks  # a layer with its own compute_mask sees every input's mask
        if self._call_has_mask and "mask" not in kwargs and any(m is not None for m in masks):
            kwargs["mask"] = masks[0] if len(masks) == 1 else masks
        if _CALL_CONTEXT["depth"] == 0 and _CALL_LOSS_LAYERS:
            _clear_call_losses()
        previous = _CALL_CONTEXT["training"]
        _CALL_CONTEXT["training"] = training
        _CALL_CONTEXT["depth"] += 1
        try:
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            _CALL_CONTEXT["depth"] -= 1
            _CALL_CONTEXT["training"] = previous
        if own_mask or (self.supports_masking and in_mask is not None):
            self._set_mask_metadata(inputs, in_mask, outputs, own_mask)
        if self.activity_regularizer is not None:
            for t in tree.flatten(outputs):
                self._activity_losses.append(self.activity_regularizer(t) / t.shape[0])
            _CALL_LOSS_LAYERS.append(self)
        return outputs

    def compute_mask(self, inputs, mask=None):
        """The mask of the output: the input's when the layer `supports_masking` (it keeps
        the time axis), else None. Layers that change the time axis override this."""
        return mask if self.supports_masking else None

    def _set_mask_metadata(self, inputs, mask, outputs, own_mask):
        """Set `_keras_mask` on each output that has none, from `compute_mask` (Keras'
        `_set_mask_metadata`): for one output or several (a list of masks, one per output).
        A layer that overrides `compute_mask` supports masking (as Keras), even with no input
        mask (Embedding's `mask_zero`, a custom masking layer). A mask inherited by default
        (Dense, Dropout, ...) is kept only where it still describes the output's leading axes.
        """
        flat_out = [t for t in tree.flatten(outputs) if isinstance(t, Tensor)]
        if not flat_out or all(getattr(t, "_keras_mask", None) is not None for t in flat_out):
            return
        out_masks = self.compute_mask(inputs, mask)
        if out_masks is None:
            return
        flat_masks = (list(tree.flatten(out_masks))
                      if isinstance(out_masks, list | tuple | dict) else [out_masks])
        for tensor, m in zip(flat_out, flat_masks):
            if m is None or getattr(tensor, "_keras_mask", None) is not None:
                continue
            m = m.data if isinstance(m, Tensor) else m
            m = m if backend.is_array(m) else np.asarray(m)
            if not own_mask and tuple(tensor.shape[:m.ndim]) != m.shape:
                continue
            tensor._keras_mask = m

    def _symbolic_call(self, inputs, args, kwargs):
        leaves = [t for t in tree.flatten(inputs) if isinstance(t, SymbolicTensor)]
        shapes = [t.shape for t in leaves]
        self._check_inputs(shapes)
        self._maybe_build(shapes)
        shape_arg = shapes[0] if not isinstance(inputs, list | tuple) else shapes
        # A symbolic input carrying a mask (from Embedding(mask_zero=True), Masking, ...) gives
        # a trial `call` a mask, so a layer whose call needs one can be placed in a graph.
        mask_shapes = [getattr(t, "_mask_shape", None) for t in leaves]
        mask_shape = mask_shapes[0] if len(mask_shapes) == 1 else None
        self._pending_mask_shape = mask_shape if self._call_has_mask else None
        try:
            out_shapes = self.compute_output_shape(shape_arg)
        finally:
            self._pending_mask_shape = None
        if is_shape(out_shapes):
            outputs = SymbolicTensor(out_shapes, self._output_dtype(leaves),
                                     name=self.name)
        else:
            outputs = map_structure_shapes(
                lambda s: SymbolicTensor(s, self._output_dtype(leaves), name=self.name),
                out_shapes)
        self._symbolic_masks(shapes, mask_shape, outputs)
        Node(self, (inputs, *args), dict(kwargs), outputs)
        return outputs

    def _symbolic_masks(self, shapes, mask_shape, outputs):
        """Record on the symbolic outputs the shape of the mask they will carry: from a
        trial `compute_mask` for a layer with its own, else the input's when the layer
        supports masking."""
        out_leaves = [t for t in tree.flatten(outputs) if isinstance(t, SymbolicTensor)]
        if type(self).compute_mask is not Layer.compute_mask:
            dummies = [Tensor._wrap(np.zeros(tuple(1 if d is None else d for d in s),
                                             dtype=self.dtype)) for s in shapes]
            dummy_mask = None if mask_shape is None else np.ones(
                tuple(1 if d is None else d for d in mask_shape), dtype=bool)
            try:
                with no_grad():
                    masks = self.compute_mask(dummies[0] if len(dummies) == 1 else dummies,
                                              dummy_mask)
            except Exception:  # noqa: BLE001  (a trial on zeros; the real call decides)
                return
            if masks is None:
                return
            masks = list(masks) if isinstance(masks, list | tuple) else [masks]
            for t, m in zip(out_leaves, masks):
                if m is not None:
                    t._mask_shape = (None,) + tuple(np.shape(getattr(m, "data", m))[1:])
        elif self.supports_masking and mask_shape is not None:
            for t in out_leaves:
                if len(t.shape) >= len(mask_shape):
                    t._mask_shape = mask_shape

    def _output_dtype(self, leaves):
        return self.dtype

    def call(self, inputs, *args, **kwargs):
        """The layer's computation; the identity by default."""
        return inputs

    # ----------------------------------------------------------------- losses
    def add_loss(self, loss):
        """Add a loss tensor (e.g. a regularization term) to the layer's losses.

        Called inside `call`, the loss belongs to that forward pass: it is dropped when the
        next outermost call starts, so `model.losses` holds the current step's terms only.
        """
        self._added_losses.append(loss)
        if _STATELESS_STACK and _STATELESS_STACK[-1].collect_losses:
            _STATELESS_STACK[-1].add_loss(loss)
        if _CALL_CONTEXT["depth"] > 0:
            _CALL_LOSS_LAYERS.append(self)

    @property
    def losses(self):
        """Regularization losses: weight penalties (recomputed now, in the graph) plus
        activity penalties and added losses from the last call."""
        out = []
        for layer in self._flatten_layers():
            for w in layer._weights_own:
                reg = getattr(w, "_regularizer", None)
                if reg is not None and (w.trainable and layer.trainable):
                    out.append(reg(w))
            out.extend(layer._activity_losses)
            out.extend(layer._added_losses)
        return out

    # ----------------------------------------------------------------- weights as arrays
    def count_params(self):
        """The number of scalars in all weights (the layer must be built)."""
        if not self.built:
            raise ValueError(f"You tried to call count_params on layer '{self.name}', but the "
                             "layer isn't built. Build it first (call it on data or on an Input).")
        return int(sum(w.size for w in self.weights))

    def get_weights(self):
        """The weights as a list of ndarrays (copies)."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights):
        """Set the weights from a list of arrays, in the order of `weights`."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(f"Layer '{self.name}' expects {len(own)} weight arrays; received "
                             f"{len(weights)}")
        for w, value in zip(own, weights):
            value = value if backend.is_array(value) else np.asarray(value)
            if value.shape != w.shape:
                raise ValueError(f"Layer '{self.name}' weight {w.name} has shape {w.shape}; "
                                 f"received an array of shape {value.shape}")
            w.assign(value)

    # ----------------------------------------------------------------- config
    def get_config(self):
        """The constructor arguments as JSON-serialisable data."""
        config_ = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype.name}
        if self._input_shape_arg is not None:
            config_["input_shape"] = list(self._input_shape_arg)
        return config_

    @classmethod
    def from_config(cls, config_):
        """Rebuild a layer from `get_config()`."""
        return cls(**config_)

    # ----------------------------------------------------------------- graph access
    @property
    def input(self):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called on a symbolic "
                                 "input and so has no defined input.")
        node = self._inbound_nodes[0]
        return node.inputs[0] if len(node.inputs) == 1 else node.inputs

    @property
    def output(self):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called on a symbolic "
                                 "input and so has no defined output.")
        return self._inbound_nodes[0].output_structure

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _dummy_mask_kwargs(layer):
    """`{"mask": ones}` for a trial call of a layer placed after a masked symbolic tensor."""
    shape = getattr(layer, "_pending_mask_shape", None)
    if shape is None:
        return {}
    return {"mask": np.ones(tuple(1 if d is None else d for d in shape), dtype=bool)}


def _clear_call_losses():
    for layer in _CALL_LOSS_LAYERS:
        layer._activity_losses = []
        layer._added_losses = []
    _CALL_LOSS_LAYERS.clear()
