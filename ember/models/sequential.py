"""`Sequential`: a plain stack of layers, each feeding the next (Keras 3).

It is built as soon as its input shape is known: from an `Input` (or `InputLayer`) added first,
from the first layer's `input_shape=` argument, from `build(input_shape)`, or from the first
batch it is called on. Building runs the layers once on a symbolic input, which creates the
weights and records every layer's output shape (for `summary`) and the graph that feature
extraction uses (`Model(model.inputs, model.get_layer("dense").output)`).

>>> import numpy as np, ember
>>> from ember import layers
>>> model = ember.models.Sequential([layers.Dense(2, activation="sigmoid", input_shape=(4,)),
...                                  layers.Dense(1)])
>>> model.built, model.count_params(), model(np.zeros((3, 4))).shape
(True, 13, (3, 1))
"""

from ember.layers.base import Layer
from ember.layers.input_layer import InputLayer
from ember.layers.node import SymbolicTensor
from ember.models.model import Model


class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: the layers, in order (an `Input` tensor or `InputLayer` may come first).
        trainable: defaults to True.
        name: defaults to "sequential" (made unique).
    """

    _one_input = True  # for the data layer's checks, even before it is built

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        Model.__init__(self, trainable=trainable, name=name, **kwargs)
        self._stack = []  # the layers, with the InputLayer first when there is one
        self._input_layer = None
        self.inputs, self.outputs = None, None
        if layers is not None:
            if not isinstance(layers, list | tuple):
                raise TypeError(f"Sequential: `layers` must be a list of layers; received "
                                f"{type(layers).__name__}")
            for layer in layers:
                self.add(layer, rebuild=False)
            self._maybe_rebuild()

    # ------------------------------------------------------------------ stack editing
    def add(self, layer, rebuild=True):
        """Append a layer (an `Input` tensor or `InputLayer` is accepted first)."""
        if isinstance(layer, SymbolicTensor) and layer._history is not None \
                and isinstance(layer._history[0], InputLayer):
            layer = layer._history[0]
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: only layers can be added; received "
                            f"{type(layer).__name__} ({layer!r:.80})")
        if isinstance(layer, InputLayer):
            if self._stack:
                raise ValueError(f"Sequential '{self.name}': an InputLayer can only be the "
                                 "first layer")
        elif not self._stack and layer._input_shape_arg is not None:
            self._stack.append(InputLayer(shape=layer._input_shape_arg))
        if any(layer is other for other in self._stack):
            raise ValueError(f"Sequential '{self.name}': layer '{layer.name}' was already "
                             "added (a layer appears once in a Sequential)")
        self._stack.append(layer)
        self._sync_layers()
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self.layers:
            raise IndexError(f"Sequential '{self.name}' has no layers to pop")
        layer = self._stack.pop()
        self._sync_layers()
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _sync_layers(self):
        self._input_layer = self._stack[0] if self._stack and isinstance(
            self._stack[0], InputLayer) else None
        self._layers = [la for la in self._stack if not isinstance(la, InputLayer)]
        self.built = False
        self.inputs, self.outputs = None, None

    def _maybe_rebuild(self):
        if self._input_layer is not None and self._layers:
            self._build_graph(self._input_layer)
        elif self._input_layer is not None:
            self.built = True
        elif getattr(self, "_build_input_shape", None) is not None and self._layers:
            self.build(tuple(self._build_input_shape))

    # ------------------------------------------------------------------ building
    @property
    def layers(self):
        """The layers (an input layer is not listed, as Keras)."""
        return list(self._layers)

    def build(self, input_shape=None):
        """Build for inputs of `input_shape` (batch axis included, may be None)."""
        if input_shape is None:
            raise ValueError(f"Sequential '{self.name}': build() needs an input shape")
        shape = tuple(input_shape)
        if self._input_layer is None or self._input_layer.batch_shape[1:] != shape[1:]:
            self._stack = [la for la in self._stack if not isinstance(la, InputLayer)]
            self._stack.insert(0, InputLayer(batch_shape=(None,) + shape[1:]))
            self._sync_layers()
        self._build_graph(self._input_layer)

    def _maybe_build(self, shapes):
        if self.built:
            return
        if len(shapes) != 1:
            raise ValueError(f"Sequential '{self.name}' takes one input; received {len(shapes)}")
        self.build(shapes[0])

    def _build_graph(self, input_layer):
        x = input_layer.output_tensor
        self.inputs = [x]
        for layer in self._layers:
            x = layer(x)
            if not isinstance(x, SymbolicTensor):
                raise ValueError(f"Sequential '{self.name}': layer '{layer.name}' returned "
                                 f"{len(x)} tensors; every layer of a Sequential must have a "
                                 "single output (use the functional API)")
        self.outputs = [x]
        self._build_input_shape = list(input_layer.batch_shape)
        self.built = True

    @property
    def input_shape(self):
        if self._input_layer is None:
            raise AttributeError(f"Sequential '{self.name}' is not built: it has no input "
                                 "shape yet")
        return self._input_layer.batch_shape

    @property
    def output_shape(self):
        if not self.outputs:
            raise AttributeError(f"Sequential '{self.name}' is not built: it has no output "
                                 "shape yet")
        return self.outputs[0].shape

    @property
    def input(self):
        return self.inputs[0] if self.inputs else None

    @property
    def output(self):
        return self.outputs[0] if self.outputs else None

    @property
    def output_names(self):
        return [self._layers[-1].name] if self._layers else []

    # ------------------------------------------------------------------ calling
    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._layers:
            x = layer(x, training=training)
        return x

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
        return shape

    # ------------------------------------------------------------------ config
    def get_config(self):
        """`{"name", "trainable", "dtype", "layers": [serialised layers],
        "build_input_shape"}` (the InputLayer, when there is one, is the first layer)."""
        from ember.saving.serialization import serialize  # noqa: PLC0415  (saving imports us)

        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype.name,
                  "layers": [serialize(la, f"layer '{la.name}'") for la in self._stack]}
        if self._input_layer is not None:
            config["build_input_shape"] = list(self._input_layer.batch_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ember.saving.serialization import deserialize  # noqa: PLC0415

        if isinstance(config, list):  # Keras 2 wrote the bare list of layers
            config = {"layers": config}
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for entry in config.get("layers", []):
            model.add(deserialize(entry, custom_objects, base=Layer), rebuild=False)
        model._maybe_rebuild()
        shape = config.get("build_input_shape")
        if not model.built and isinstance(shape, list) and model.layers:
            model.build(tuple(shape))
        return model
