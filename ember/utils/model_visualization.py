"""`plot_model` and `model_to_dot` (Keras' `keras.utils` names and arguments).

The graph (one box per layer, arrows along the layer calls, nested models as clusters when
`expand_nested`) is read once from the model by `model_layout`. It is drawn by Graphviz (through
pydot, as Keras) when both are installed, else by ember's own matplotlib diagram
(`ember.plot.diagram.draw_graph`) with the same arguments; with neither, an ImportError says
what to install. The file format follows `to_file`'s extension (png when it has none).

>>> import ember
>>> m = ember.Sequential([ember.Input(shape=(3,)), ember.layers.Dense(2, name="d"),
...                       ember.layers.Dense(1, activation="sigmoid", name="out")])
>>> layout = model_layout(m, show_shapes=True, show_layer_activations=True)
>>> for box in layout.boxes:
...     print(" | ".join(box.label))
d (Dense) | Activation: linear | Input shape: (None, 3) | Output shape: (None, 2)
out (Dense) | Activation: sigmoid | Input shape: (None, 2) | Output shape: (None, 1)
>>> layout.edges
[('d', 'out')]
"""

import io
import os
import shutil
import sys
from dataclasses import dataclass, field

from ember.models.summary import _fmt, _node_of

LABEL_OPTIONS = ("show_shapes", "show_dtype", "show_layer_names", "show_layer_activations",
                 "show_trainable")


@dataclass
class Box:
    """One layer's box: `key` (unique within the plot), its label lines, its cluster path."""

    key: str
    label: list
    cluster: tuple = ()
    trainable: bool = None


@dataclass
class Layout:
    """The boxes, the edges `(from key, to key)` and the clusters `{path: title}`."""

    title: str
    boxes: list = field(default_factory=list)
    edges: list = field(default_factory=list)
    clusters: dict = field(default_factory=dict)


def _is_model(layer):
    from ember.models.model import Model  # noqa: PLC0415

    return isinstance(layer, Model)


def _is_sequential(model):
    from ember.models.sequential import Sequential  # noqa: PLC0415

    return isinstance(model, Sequential)


def _shape_text(tensors):
    shapes = [t.shape for t in tensors]
    if not shapes:
        return "?"
    return _fmt(shapes[0]) if len(shapes) == 1 else _fmt(shapes)


def _activation_name(layer):
    fn = getattr(layer, "activation", None)
    if fn is None:
        return None
    return getattr(fn, "name", None) or getattr(fn, "__name__", None) or str(fn)


def layer_label(model, layer, show_shapes=False, show_dtype=False, show_layer_names=True,
                show_layer_activations=False, show_trainable=False):
    """The lines of a layer's box, in Keras' order."""
    kind = type(layer).__name__
    lines = [f"{layer.name} ({kind})" if show_layer_names else kind]
    if show_layer_activations:
        name = _activation_name(layer)
        if name is not None:
            lines.append(f"Activation: {name}")
    node = _node_of(model, layer)
    if show_shapes:
        if kind != "InputLayer":
            lines.append("Input shape: " + ("?" if node is None else _shape_text(node.inputs)))
        lines.append("Output shape: " + ("?" if node is None else _shape_text(node.outputs)))
    if show_dtype:
        dtypes = [] if node is None else sorted({str(t.dtype) for t in node.outputs})
        lines.append("Output dtype: " + (", ".join(dtypes) or "?"))
    if show_trainable and layer.weights:
        lines.append("Trainable" if layer.trainable else "Non-trainable")
    return lines


def _graph_layers(model):
    """The layers drawn for `model` and the edges between them (as layer pairs)."""
    layers = list(model.layers)
    network = getattr(model, "_network_nodes", None)
    if _is_sequential(model) or network is None:
        layers = [lr for lr in layers if type(lr).__name__ != "InputLayer"]
        return layers, list(zip(layers[:-1], layers[1:]))
    edges = []
    for layer in layers:
        for node in layer._inbound_nodes:
            if id(node) not in network:
                continue
            for t in node.inputs:
                if t._history is not None and t._history[0] is not layer:
                    edges.append((t._history[0], layer))
    return layers, edges


def _entry(layer):
    """The innermost layer an edge INTO `layer` should reach (nested models expanded)."""
    while _is_model(layer) and layer.layers:
        inner, _ = _graph_layers(layer)
        if not inner:
            break
        layer = inner[0]
    return layer


def _exit(layer):
    """The innermost layer an edge OUT of `layer` should leave from."""
    while _is_model(layer) and layer.layers:
        outputs = getattr(layer, "outputs", None) or []
        if outputs and getattr(outputs[0], "_history", None) is not None:
            layer = outputs[0]._history[0]
        else:
            inner, _ = _graph_layers(layer)
            if not inner:
                break
            layer = inner[-1]
    return layer


def model_layout(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 expand_nested=False, show_layer_activations=False, show_trainable=False,
                 _cluster=(), _layout=None):
    """The boxes and edges of `model`'s plot (what both renderers draw)."""
    if not getattr(model, "built", False):
        raise ValueError(f"plot_model: the model {model.name!r} has not yet been built. Build "
                         "it first by calling `build()` or by calling it on a batch of data.")
    options = {"show_shapes": show_shapes, "show_dtype": show_dtype,
               "show_layer_names": show_layer_names,
               "show_layer_activations": show_layer_activations,
               "show_trainable": show_trainable}
    layout = _layout or Layout(title=model.name)
    layers, edges = _graph_layers(model)
    for layer in layers:
        if expand_nested and _is_model(layer):
            path = (*_cluster, layer.name)
            layout.clusters[path] = layer.name
            model_layout(layer, expand_nested=True, _cluster=path, _layout=layout, **options)
        else:
            layout.boxes.append(Box(str(id(layer)), layer_label(model, layer, **options),
                                    _cluster, layer.trainable if layer.weights else None))
    for a, b in edges:
        if expand_nested:
            a, b = _exit(a), _entry(b)
        edge = (str(id(a)), str(id(b)))
        if edge not in layout.edges:
            layout.edges.append(edge)
    if not _cluster:  # readable keys for the top level: layer names where unique
        names = {}
        for box in layout.boxes:
            names.setdefault(box.label[0].split(" (")[0], []).append(box.key)
        rename = {keys[0]: name for name, keys in names.items() if len(keys) == 1}
        for box in layout.boxes:
            box.key = rename.get(box.key, box.key)
        layout.edges = [(rename.get(a, a), rename.get(b, b)) for a, b in layout.edges]
    return layout


# ------------------------------------------------------------------- Graphviz (pydot)
def check_pydot():
    """Whether pydot can be imported."""
    try:
        import pydot  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def check_graphviz():
    """Whether pydot is importable and Graphviz's `dot` program is on the PATH."""
    return check_pydot() and shutil.which("dot") is not None


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, subgraph=False,
                 show_layer_activations=False, show_trainable=False, splines="ortho",
                 **kwargs):
    """The model as a `pydot.Dot` graph (Keras' `keras.utils.model_to_dot`; needs pydot).

    Args:
        model: a built model.
        show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable:
            what each box shows (layer names are shown by default here, as Keras).
        rankdir: "TB" (top to bottom) or "LR" (left to right).
        expand_nested: draw nested models' layers inside a dashed cluster.
        dpi: the resolution of raster output.
        subgraph: return a `pydot.Cluster` (for nesting in another graph) instead of a Dot.
        splines: Graphviz's edge style ("ortho", "curved", "polyline", "spline", "line").

    Raises:
        ImportError: pydot is not installed.
        ValueError: the model is not built, or an unknown keyword argument is given.

    >>> import ember
    >>> m = ember.Sequential([ember.Input(shape=(3,)), ember.layers.Dense(2, name="d"),
    ...                       ember.layers.Dense(1, name="out")])
    >>> dot = model_to_dot(m, show_shapes=True)
    >>> sorted(n.get_name().strip('"') for n in dot.get_nodes() if n.get_name() != "node")
    ['d', 'out']
    """
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("model_to_dot: `layer_range` is no longer supported (as Keras 3)")
    if kwargs:
        raise ValueError(f"model_to_dot: unrecognized keyword arguments {sorted(kwargs)}")
    if not check_pydot():
        raise ImportError("You must install pydot (`pip install pydot`) for model_to_dot to "
                          "work.")
    import pydot  # noqa: PLC0415

    layout = model_layout(model, show_shapes, show_dtype, show_layer_names, expand_nested,
                          show_layer_activations, show_trainable)
    if subgraph:
        dot = pydot.Cluster(graph_name=model.name, style="dashed", label=_quote(model.name),
                            labeljust="l")
    else:
        dot = pydot.Dot(graph_type="digraph", rankdir=rankdir, concentrate="true", dpi=dpi,
                        splines=splines)
        dot.set_node_defaults(shape="record", fontname="Helvetica")
    graphs = {(): dot}
    for path in sorted(layout.clusters, key=len):
        cluster = pydot.Cluster(graph_name="_".join(path), style="dashed",
                                label=_quote(layout.clusters[path]), labeljust="l")
        graphs[path[:-1]].add_subgraph(cluster)
        graphs[path] = cluster
    for box in layout.boxes:
        colour = {True: "forestgreen", False: "firebrick"}.get(box.trainable, "black")
        label = "{" + "|".join(line.replace("{", "\\{").replace("}", "\\}")
                               .replace("<", "\\<").replace(">", "\\>").replace("|", "\\|")
                               for line in box.label) + "}"
        graphs[box.cluster].add_node(pydot.Node(_quote(box.key), label=_quote(label),
                                                color=colour))
    for a, b in layout.edges:
        dot.add_edge(pydot.Edge(_quote(a), _quote(b), penwidth="2"))
    return dot


# ------------------------------------------------------------------- plot_model
def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho",
               **kwargs):
    """Draw the model to `to_file` (Keras' `keras.utils.plot_model`).

    With pydot and Graphviz's `dot` installed this is Keras' picture; otherwise ember draws
    the same boxes and arrows with matplotlib. The format comes from `to_file`'s extension
    ("png", "pdf", "svg", ... ; "png" without one). The file is written atomically.

    Args:
        model: a built model.
        to_file: the file to write. Defaults to "model.png".
        show_shapes: show each layer's input and output shapes. Defaults to False.
        show_dtype: show output dtypes. Defaults to False.
        show_layer_names: show layer names (else only class names). Defaults to False.
        rankdir: "TB" (vertical) or "LR" (horizontal). Defaults to "TB".
        expand_nested: draw nested models' layers in clusters. Defaults to False.
        dpi: resolution in dots per inch. Defaults to 200.
        show_layer_activations: show the activation of layers that have one.
        show_trainable: mark layers with weights as trainable or not.
        splines: Graphviz's edge style (ignored by the matplotlib drawing).

    Returns:
        When IPython is loaded (a notebook), an `IPython.display.Image` of the file (png,
        jpg, gif) or `SVG` (svg), as Keras, so the notebook shows it; else None.

    Raises:
        ImportError: neither pydot with Graphviz nor matplotlib is installed (the message
            says what to install).
        ValueError: the model is not built, or `rankdir` or a keyword argument is unknown.
    """
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("plot_model: `layer_range` is no longer supported (as Keras 3)")
    if kwargs:
        raise ValueError(f"plot_model: unrecognized keyword arguments {sorted(kwargs)}")
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"plot_model: rankdir must be 'TB' or 'LR'; received {rankdir!r}")
    from ember.plot._backend import matplotlib_available  # noqa: PLC0415
    from ember.saving.atomic import atomic_write_bytes  # noqa: PLC0415

    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    options = {"show_shapes": show_shapes, "show_dtype": show_dtype,
               "show_layer_names": show_layer_names, "expand_nested": expand_nested,
               "show_layer_activations": show_layer_activations,
               "show_trainable": show_trainable}
    if check_graphviz():
        dot = model_to_dot(model, rankdir=rankdir, dpi=dpi, splines=splines, **options)
        data = dot.create(prog="dot", format=extension)
    elif matplotlib_available():
        from ember.plot.diagram import draw_graph  # noqa: PLC0415

        layout = model_layout(model, **options)
        fig = draw_graph(layout, rankdir=rankdir)
        buffer = io.BytesIO()
        try:
            fig.savefig(buffer, format=extension, dpi=dpi)
        except ValueError as e:
            raise ValueError(f"plot_model: matplotlib cannot write {extension!r} files "
                             f"({to_file!r}): {e}") from None
        data = buffer.getvalue()
    else:
        raise ImportError("plot_model needs pydot and Graphviz (`pip install pydot` and the "
                          "`dot` program: https://graphviz.org/download/, e.g. `apt-get "
                          "install graphviz`) for Keras' picture, or matplotlib (`pip "
                          "install 'ember[plot]'`) for ember's own diagram.")
    atomic_write_bytes(to_file, data)
    return _notebook_image(to_file, extension)


def _notebook_image(path, extension):
    """An IPython display object of the file when IPython is loaded (Keras returns one so a
    notebook shows the plot), else None. Keras fails on svg here; ember returns an SVG."""
    if "IPython" not in sys.modules:
        return None
    try:
        from IPython import display  # noqa: PLC0415
    except ImportError:
        return None
    if extension == "svg":
        return display.SVG(filename=path)
    if extension in ("png", "jpg", "jpeg", "gif"):
        return display.Image(filename=path)
    return None
