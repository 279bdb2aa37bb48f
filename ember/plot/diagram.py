"""A model drawn as a diagram: one box per layer with its type, output shape and parameter
count, arrows along the graph. Graphviz's `dot` draws it when it is installed (Keras'
`plot_model`); otherwise matplotlib boxes, so a picture is always possible. `draw_graph` is
the matplotlib drawing behind `ember.utils.plot_model` (Keras' arguments)."""

import shutil
import subprocess

from ember.models.summary import count_params, output_shape_text
from ember.plot._backend import figure_to_png, new_figure, require_matplotlib


def model_graph(model):
    """(nodes, edges) of a model: nodes `(name, type, output shape, params)` in layer order,
    edges `(from name, to name)`.

    >>> import ember
    >>> m = ember.Sequential([ember.Input(shape=(3,)), ember.layers.Dense(2, name="d")])
    >>> model_graph(m)
    ([('input', 'InputLayer', '(None, 3)', 0), ('d', 'Dense', '(None, 2)', 8)], [('input', 'd')])
    """
    layers = list(model.layers)
    network = getattr(model, "_network_nodes", None)
    nodes = []
    if network is None:  # Sequential: a chain, with its input in front when it has one
        inputs = getattr(model, "inputs", None) or []
        if inputs:
            shape = "(" + ", ".join("None" if d is None else str(d) for d in inputs[0].shape)
            nodes.append(("input", "InputLayer", shape + ")", 0))
    for layer in layers:
        params = count_params(layer.weights) if layer.built else 0
        nodes.append((layer.name, type(layer).__name__, output_shape_text(model, layer), params))
    if network is None:
        names = [n[0] for n in nodes]
        return nodes, list(zip(names[:-1], names[1:]))
    edges = []
    for layer in layers:
        for node in layer._inbound_nodes:
            if id(node) in network:
                edges += [(t._history[0].name, layer.name) for t in node.inputs]
    return nodes, edges


def model_to_dot(model, show_shapes=True, show_params=True):
    """Graphviz DOT source of the diagram (what `dot -Tpng` draws).

    >>> import ember
    >>> m = ember.Sequential([ember.Input(shape=(3,)), ember.layers.Dense(2, name="d")])
    >>> print(model_to_dot(m).splitlines()[-2])
      "input" -> "d";
    """
    nodes, edges = model_graph(model)
    lines = [f'digraph "{model.name}" {{', "  node [shape=box, style=rounded, fontname=Helvetica];"]
    for name, kind, shape, params in nodes:
        label = [f"{name} ({kind})"]
        if show_shapes:
            label.append(shape)
        if show_params:
            label.append(f"{params:,} params")
        text = "\\n".join(part.replace('"', "'") for part in label)
        lines.append(f'  "{name}" [label="{text}"];')
    lines += [f'  "{a}" -> "{b}";' for a, b in edges]
    lines.append("}")
    return "\n".join(lines)


def model_diagram(model, show_shapes=True, show_params=True):
    """The diagram drawn with matplotlib: boxes top to bottom, arrows along the edges.

    Returns:
        A `Figure` with one axes.

    >>> import ember
    >>> m = ember.Sequential([ember.Input(shape=(3,)), ember.layers.Dense(2)])
    >>> len(model_diagram(m).axes[0].patches)  # one box per node
    2
    """
    require_matplotlib()  # before any matplotlib import: the error says what to install
    from matplotlib.patches import FancyBboxPatch  # noqa: PLC0415

    nodes, edges = model_graph(model)
    level = {}
    for name, *_ in nodes:  # depth = longest path from an input, so branches sit side by side
        level[name] = max([level[a] + 1 for a, b in edges if b == name and a in level],
                          default=0)
    rows = {}
    for name, *_ in nodes:
        rows.setdefault(level[name], []).append(name)
    width = max(len(r) for r in rows.values())
    fig = new_figure(3.4 * width, 0.95 * len(rows) + 0.5)
    ax = fig.add_subplot(1, 1, 1)
    span = 3.2 * width  # data units across: 3.2 per column, boxes 2.8 wide
    ax.set_xlim(0, span)
    ax.set_ylim(-len(rows), 0.3)
    ax.axis("off")
    info = {n[0]: n for n in nodes}
    centre = {}
    for depth, names in rows.items():
        for i, name in enumerate(names):
            x = (i + 0.5) * span / len(names)
            y = -depth - 0.3
            centre[name] = (x, y)
            _, kind, shape, params = info[name]
            text = [f"{name} ({kind})"]
            if show_shapes:
                text.append(shape)
            if show_params:
                text.append(f"{params:,} params")
            ax.add_patch(FancyBboxPatch((x - 1.4, y - 0.3), 2.8, 0.6,
                                        boxstyle="round,pad=0.02", fc="#e8f0fe", ec="#3b6bb5"))
            ax.text(x, y, "\n".join(text), ha="center", va="center", fontsize=7)
    for a, b in edges:
        (xa, ya), (xb, yb) = centre[a], centre[b]
        ax.annotate("", xy=(xb, yb + 0.3), xytext=(xa, ya - 0.3),
                    arrowprops={"arrowstyle": "->", "color": "#555555"})
    ax.set_title(f"{model.name}: {count_params(model.weights):,} parameters", fontsize=9)
    return fig


def plot_model(model, to_file="model.png", show_shapes=True, show_params=True, engine="auto"):
    """Write the model's diagram as a PNG (Keras' `plot_model`).

    Args:
        model: a built model.
        to_file: the PNG path. Defaults to "model.png".
        show_shapes: write output shapes. Defaults to True.
        show_params: write parameter counts. Defaults to True.
        engine: "graphviz" (needs the `dot` program), "matplotlib", or "auto" (graphviz when
            `dot` is on the PATH). Defaults to "auto".

    Returns:
        The engine used ("graphviz" or "matplotlib").
    """
    from ember.saving.atomic import atomic_write_bytes  # noqa: PLC0415

    if engine not in ("auto", "graphviz", "matplotlib"):
        raise ValueError(f"plot_model: engine must be 'auto', 'graphviz' or 'matplotlib'; "
                         f"received {engine!r}")
    dot = shutil.which("dot")
    if engine == "graphviz" and dot is None:
        raise RuntimeError("plot_model: engine='graphviz' needs Graphviz's `dot` program "
                           "(apt-get install graphviz); engine='matplotlib' needs nothing more")
    if engine == "graphviz" or (engine == "auto" and dot is not None):
        png = subprocess.run([dot, "-Tpng"], input=model_to_dot(model, show_shapes,
                                                                show_params).encode(),
                             capture_output=True, check=True, timeout=60).stdout
        atomic_write_bytes(to_file, png)
        return "graphviz"
    atomic_write_bytes(to_file, figure_to_png(model_diagram(model, show_shapes, show_params)))
    return "matplotlib"


def draw_graph(layout, rankdir="TB"):
    """A `Figure` of a `Layout` from `ember.utils.model_visualization` (the boxes, edges and
    nested-model clusters of `ember.utils.plot_model`): what it draws when Graphviz is absent.

    Args:
        layout: the `Layout` (title, boxes with label lines, edges, clusters).
        rankdir: "TB" (top to bottom) or "LR" (left to right).

    >>> import ember
    >>> from ember.utils.model_visualization import model_layout
    >>> m = ember.Sequential([ember.Input(shape=(3,)), ember.layers.Dense(2)])
    >>> fig = draw_graph(model_layout(m, show_shapes=True), rankdir="LR")
    >>> len(fig.axes[0].patches)  # one box per layer
    1
    """
    require_matplotlib()
    from matplotlib.patches import FancyBboxPatch, Rectangle  # noqa: PLC0415

    keys = [box.key for box in layout.boxes]
    level = {}
    for key in keys:  # depth = longest path from a source; boxes come in graph order
        level[key] = max([level[a] + 1 for a, b in layout.edges if b == key and a in level],
                         default=0)
    ranks = {}
    for key in keys:
        ranks.setdefault(level[key], []).append(key)
    lines = max(len(box.label) for box in layout.boxes) if layout.boxes else 1
    box_w, box_h = 3.2, 0.22 * lines + 0.2  # data units (inches at the figure's scale)
    step_along, step_across = box_h + 0.45, box_w + 0.4
    if rankdir == "LR":
        step_along, step_across = box_w + 0.6, box_h + 0.4
    width = max((len(r) for r in ranks.values()), default=1)
    along, across = step_along * max(len(ranks), 1), step_across * width
    size = (along, across) if rankdir == "LR" else (across, along)
    fig = new_figure(size[0] + 0.4, size[1] + 0.5)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_xlim(-0.2, size[0] + 0.2)
    ax.set_ylim(-size[1] - 0.2, 0.3)
    ax.axis("off")
    centre = {}
    for depth, row in ranks.items():
        # rows are centred; with nested-model frames they start at the left edge, so a
        # frame's boxes line up in the first columns and the frame does not cover others
        offset = 0.0 if layout.clusters else (width - len(row)) * step_across / 2
        for i, key in enumerate(row):
            a = (depth + 0.5) * step_along
            c = offset + (i + 0.5) * step_across
            centre[key] = (a, -c) if rankdir == "LR" else (c, -a)
    for box in layout.boxes:
        x, y = centre[box.key]
        edge = {True: "#228b22", False: "#b22222"}.get(box.trainable, "#3b6bb5")
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0.02", fc="#e8f0fe", ec=edge))
        ax.text(x, y, "\n".join(box.label), ha="center", va="center", fontsize=6)
    for path, title in layout.clusters.items():  # dashed frame around a nested model
        inside = [centre[b.key] for b in layout.boxes if b.cluster[:len(path)] == path]
        if not inside:
            continue
        xs, ys = [p[0] for p in inside], [p[1] for p in inside]
        pad = 0.1 * (4 - min(len(path), 3))
        x0, y0 = min(xs) - box_w / 2 - pad, min(ys) - box_h / 2 - pad
        ax.add_patch(Rectangle((x0, y0), max(xs) - min(xs) + box_w + 2 * pad,
                               max(ys) - min(ys) + box_h + 2 * pad, fill=False, ls="--",
                               ec="#777777"))
        ax.text(x0, max(ys) + box_h / 2 + pad, title, fontsize=6, va="bottom")
    for a, b in layout.edges:
        (xa, ya), (xb, yb) = centre[a], centre[b]
        if rankdir == "LR":
            start, end = (xa + box_w / 2, ya), (xb - box_w / 2, yb)
        else:
            start, end = (xa, ya - box_h / 2), (xb, yb + box_h / 2)
        ax.annotate("", xy=end, xytext=start,
                    arrowprops={"arrowstyle": "->", "color": "#555555"})
    ax.set_title(layout.title, fontsize=8)
    return fig
