"""`Model`: a Layer that trains (Keras 3's `keras.Model`).

Three ways to make one, as in Keras:

- functional: `Model(inputs, outputs)` with symbolic tensors from `Input` (see `functional`);
- `Sequential([...])` (see `sequential`);
- subclassing: define layers in `__init__` (tracked when assigned as attributes) and the
  computation in `call(inputs, training=False)`; weights are created on the first call.

>>> import numpy as np, ember
>>> class TwoLayer(ember.models.Model):
...     def __init__(self, **kwargs):
...         super().__init__(**kwargs)
...         self.hidden = ember.layers.Dense(4, activation="relu")
...         self.out = ember.layers.Dense(1)
...     def call(self, inputs, training=False):
...         return self.out(self.hidden(inputs))
>>> model = TwoLayer()
>>> model(np.zeros((2, 3), "float32")).shape, len(model.weights)
((2, 1), 4)
"""

import inspect

import numpy as np

from ember.autograd import no_grad
from ember.layers.base import Layer, training_scope
from ember.models.trainer import Trainer


def _functional_init_arguments(args, kwargs):
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


def _plain_data(value, depth=0):
    if depth > 20:
        return False
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list | tuple):
        return all(_plain_data(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_data(v, depth + 1) for k, v in value.items())
    return False


def _capture_init_args(cls, args, kwargs):
    """The constructor arguments of a subclassed model, when they are plain data (used as its
    config, as Keras 3's auto-config); None otherwise."""
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
    except TypeError:
        return None
    config = {}
    for name, value in list(bound.arguments.items())[1:]:
        param = inspect.signature(cls.__init__).parameters[name]
        if param.kind is param.VAR_KEYWORD:
            config.update(value)
        elif param.kind is param.VAR_POSITIONAL:
            if value:
                return None
        else:
            config[name] = value
    return config if _plain_data(config) else None


class Model(Trainer, Layer):
    """A layer with training and inference APIs: `compile`, `fit`, `evaluate`, `predict`,
    `summary`, `save`.

    Args:
        inputs, outputs: for a functional model (`Model(inputs, outputs)`).
        name: defaults to the snake-cased class name ("functional" for functional models).
        trainable: defaults to True.
        dtype: defaults to float32.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_init_arguments(args, kwargs):
            from ember.models.functional import Functional  # noqa: PLC0415  (a subclass)

            return Functional.__new__(Functional)
        obj = super().__new__(cls)
        if cls.__init__ is not Model.__init__ and cls.__module__.split(".")[0] != "ember":
            obj._auto_config = _capture_init_args(cls, args, kwargs)
        return obj

    def __init__(self, *args, **kwargs):
        if _functional_init_arguments(args, kwargs):
            # `class CustomModel(Model)` built as `CustomModel(inputs, outputs)`: a functional
            # model that keeps the subclass's methods (train_step, ...), as Keras' injection
            # of `Functional` into the class; ember swaps in a subclass of both instead of
            # editing the user's class.
            from ember.models.functional import Functional, functional_subclass  # noqa: PLC0415

            if not isinstance(self, Functional):
                self.__class__ = functional_subclass(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise TypeError(f"{type(self).__name__}: a subclassed model takes no `inputs` or "
                            "`outputs`; define its layers in __init__ and its computation in "
                            "call(), or build a functional model with Model(inputs, outputs)")
        Layer.__init__(self, **kwargs)
        self._init_trainer()

    # ------------------------------------------------------------------ building
    def call(self, inputs, training=False):
        raise NotImplementedError(f"Model subclass {type(self).__name__} must implement "
                                  "call(inputs, training=False)")

    def _maybe_build(self, shapes):
        if self.built:
            return
        if type(self).build is Model.build:
            # A subclassed model builds its sublayers as its call runs them.
            shape = shapes[0] if len(shapes) == 1 else shapes
            self._build_input_shape = [None if d is None else int(d) for d in shape] \
                if isinstance(shape, tuple) else [list(s) for s in shape]
            self.built = True
            return
        super()._maybe_build(shapes)

    def build(self, input_shape):
        """Create the weights by running the model once on zeros of `input_shape` (unknown
        axes become 1), in inference mode and without a graph."""
        single = all(d is None or isinstance(d, int | np.integer) for d in input_shape)
        shapes = [tuple(input_shape)] if single else [tuple(s) for s in input_shape]
        dummies = [np.zeros(tuple(1 if d is None else int(d) for d in s), dtype=self.dtype)
                   for s in shapes]
        self._build_input_shape = [list(s) for s in shapes] if len(shapes) > 1 else \
            list(shapes[0])
        self.built = True
        with no_grad(), training_scope(False):
            self(dummies[0] if len(dummies) == 1 else dummies, training=False)

    def build_from_config(self, config):
        shape = (config or {}).get("input_shape")
        if shape is not None and not self.built:
            self.build(tuple(shape) if all(d is None or isinstance(d, int) for d in shape)
                       else [tuple(s) for s in shape])

    # ------------------------------------------------------------------ layers
    @property
    def layers(self):
        """The direct sublayers (attribute order for subclassed models)."""
        return [layer for layer in self._layers if layer is not self]

    def get_layer(self, name=None, index=None):
        """A sublayer by `name` or by position `index` in `layers`."""
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        layers = self.layers
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int | np.integer):
                raise TypeError(f"get_layer: `index` must be an int; received {index!r}")
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    # ------------------------------------------------------------------ summary, saving
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print Keras 3's summary table: layers, output shapes, parameter counts (with
        "Connected to" for non-sequential functional graphs), then the totals and sizes.

        Args:
            line_length: the table width. Defaults to 88 (108 with "Connected to"), capped
                by the terminal's width.
            positions: the right edges of the columns, as fractions of the width.
            print_fn: called with each line (no trailing newline) instead of printing.
            expand_nested: also list the layers of nested models.
            show_trainable: add a "Trainable" column.
            layer_range: `[first_name, last_name]` to show a slice of the layers.
        """
        from ember.models.summary import print_summary  # noqa: PLC0415

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    def save(self, filepath, overwrite=True, **kwargs):
        """Save the model (config, weights, compile config, optimizer state) to one file."""
        from ember.saving import save_model  # noqa: PLC0415  (saving imports models)

        save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Save only the weights."""
        from ember.saving import save_weights  # noqa: PLC0415

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights saved by `save_weights` (or from a model file)."""
        from ember.saving import load_weights  # noqa: PLC0415

        if kwargs:
            raise TypeError(f"load_weights: unexpected keyword argument(s) {sorted(kwargs)}")
        load_weights(self, filepath, skip_mismatch=skip_mismatch)

    # ------------------------------------------------------------------ config
    def get_config(self):
        """A subclassed model's config: name, trainable, dtype and its constructor arguments
        when they are plain data (else override `get_config`)."""
        base = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype.name}
        auto = getattr(self, "_auto_config", None)
        if type(self).__init__ is not Model.__init__ and auto is None:
            raise NotImplementedError(
                f"Model {type(self).__name__} takes constructor arguments that are not plain "
                "data (layers, models, functions), so ember cannot write its config: implement "
                "get_config() (and from_config() if needed) in the subclass")
        return {**base, **(auto or {})}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from `get_config()`: a functional config (with "layers", "input_layers",
        "output_layers") gives a functional model, anything else `cls(**config)`."""
        if isinstance(config, dict) and {"layers", "input_layers", "output_layers"} <= set(
                config):
            from ember.models.functional import Functional  # noqa: PLC0415
            from ember.models.functional_config import functional_from_config  # noqa: PLC0415

            return functional_from_config(Functional if cls is Model else cls, config,
                                          custom_objects)
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(f"Unable to revive model {cls.__name__} from config: {e}. Implement "
                            "get_config() and from_config() so that cls(**config) works.") \
                from e

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"
