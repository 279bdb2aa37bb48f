"""`model.summary()`: Keras 3's table of layers, output shapes and parameter counts.

Columns `Layer (type) | Output Shape | Param #`, plus `Connected to` for functional graphs that
are not a simple chain, and `Trainable` with `show_trainable=True`. Below the table, the
totals with their sizes in bytes (1024-based, two decimals): ` Total params: 13 (52.00 B)`,
` Trainable params: ...`, ` Non-trainable params: ...`, and ` Optimizer params: ...` once the
optimizer is built (its variables are included in the total, as Keras).

The table is drawn with rich's box characters when rich is installed, else in plain text
(`render_plain`); both give the same rows and footer.
"""

import shutil

import numpy as np


def readable_size(nbytes):
    """`52.00 B`, `10.52 MB`, ... (1024-based, as Keras).

    >>> readable_size(52), readable_size(11_031_044)
    ('52.00 B', '10.52 MB')
    """
    size = float(nbytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _unique(weights):
    return list({id(w): w for w in weights}.values())


def count_params(weights):
    return int(sum(int(np.prod(w.shape)) for w in _unique(weights)))


def weight_bytes(weights):
    return int(sum(int(np.prod(w.shape)) * np.dtype(w.dtype).itemsize for w in _unique(weights)))


def _fmt(shape):
    """`(None, 26, 26, 32)`; several shapes as a list, a dict of shapes as a dict."""
    if isinstance(shape, tuple) and all(d is None or isinstance(d, int | np.integer)
                                        for d in shape):
        return "(" + ", ".join("None" if d is None else str(int(d)) for d in shape) + ")"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {_fmt(v)}" for k, v in shape.items()) + "}"
    return "[" + ", ".join(_fmt(s) for s in shape) + "]"


def _node_of(model, layer):
    nodes = layer._inbound_nodes
    own = getattr(model, "_network_nodes", None)
    if own is not None:
        nodes = [n for n in nodes if id(n) in own]
    return nodes[-1] if nodes else None


def output_shape_text(model, layer):
    """The layer's output shape in this model: from its graph node, else from the shape it
    was built on, else `?`."""
    node = _node_of(model, layer)
    if node is not None:
        shapes = [t.shape for t in node.outputs]
        return _fmt(shapes[0]) if len(shapes) == 1 else _fmt(shapes)
    build_shape = getattr(layer, "_build_input_shape", None)
    if not layer.built or build_shape is None:
        return "?"
    try:
        shape = tuple(build_shape) if all(d is None or isinstance(d, int)
                                          for d in build_shape) else [tuple(s) for s in
                                                                      build_shape]
        if isinstance(shape, tuple):
            shape = (None,) + shape[1:]
        out = layer.compute_output_shape(shape)
        return _fmt(out)
    except Exception:  # noqa: BLE001  (a best-effort display only)
        return "?"


def _is_sequential_like(model):
    nodes = getattr(model, "_nodes", None)
    if nodes is None:
        return True
    consumers, layer_nodes = {}, {}
    for node in nodes:
        if len(node.inputs) > 1:
            return False
        for t in node.inputs:
            consumers[id(t)] = consumers.get(id(t), 0) + 1
        layer_nodes[id(node.layer)] = layer_nodes.get(id(node.layer), 0) + 1
    return (len(model.inputs) == 1 and len(model.outputs) == 1
            and all(c == 1 for c in consumers.values())
            and all(c == 1 for c in layer_nodes.values()))


def _connections(model, layer):
    parts = []
    for node in layer._inbound_nodes:
        if id(node) not in model._network_nodes:
            continue
        for t in node.inputs:
            src, node_index, tensor_index = t._history
            own = sum(1 for n in src._inbound_nodes[:node_index] if id(n) in model._network_nodes)
            parts.append(f"{src.name}[{own}][{tensor_index}]")
    return ", ".join(parts) or "-"


def summary_rows(model, expand_nested=False, show_trainable=False, layer_range=None):
    """`(header, alignments, rows, default_line_length, positions)` of the table."""
    sequential_like = _is_sequential_like(model)
    header = ["Layer (type)", "Output Shape", "Param #"]
    align = ["left", "left", "right"]
    line_length, positions = 88, [0.45, 0.80, 1.0]
    if not sequential_like:
        header.append("Connected to")
        align.append("left")
        line_length, positions = 108, [0.3, 0.56, 0.74, 1.0]
    if show_trainable:
        header.append("Trainable")
        align.append("center")
        line_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
    layers = list(model.layers)
    if layer_range is not None:
        names = [la.name for la in layers]
        if len(layer_range) != 2 or any(n not in names for n in layer_range):
            raise ValueError(f"summary: `layer_range` must name two layers of the model; "
                             f"received {layer_range!r}; layers are {names}")
        layers = layers[names.index(layer_range[0]):names.index(layer_range[1]) + 1]

    def fields(owner, layer, prefix):
        if not layer.built:
            params = "0 (unbuilt)"
        else:
            params = f"{count_params(layer.weights):,}"
        row = [f"{prefix}{layer.name} ({type(layer).__name__})", output_shape_text(owner, layer),
               params]
        if not sequential_like:
            row.append(_connections(owner, layer) if owner is model else "")
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        return row

    rows = []

    def visit(owner, layer, level):
        prefix = "   " * level + "└ " if level else ""
        rows.append(fields(owner, layer, prefix))
        inner = getattr(layer, "layers", None) if expand_nested else None
        if inner and hasattr(layer, "_init_trainer"):
            for sub in inner:
                visit(layer, sub, level + 1)

    for layer in layers:
        visit(model, layer, 0)
    return header, align, rows, line_length, positions


def footer_lines(model):
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    lines = []
    optimizer = getattr(model, "optimizer", None)
    opt_vars = list(optimizer.variables) if getattr(model, "compiled", False) and getattr(
        optimizer, "built", False) else None
    total_count = count_params(trainable) + count_params(non_trainable)
    total_bytes = weight_bytes(trainable) + weight_bytes(non_trainable)
    if opt_vars is not None:
        total_count += count_params(opt_vars)
        total_bytes += weight_bytes(opt_vars)
    lines.append(f" Total params: {total_count:,} ({readable_size(total_bytes)})")
    lines.append(f" Trainable params: {count_params(trainable):,} "
                 f"({readable_size(weight_bytes(trainable))})")
    lines.append(f" Non-trainable params: {count_params(non_trainable):,} "
                 f"({readable_size(weight_bytes(non_trainable))})")
    if opt_vars is not None:
        lines.append(f" Optimizer params: {count_params(opt_vars):,} "
                     f"({readable_size(weight_bytes(opt_vars))})")
    return lines


def column_widths(line_length, positions):
    widths, current = [], 0
    for pos in positions:
        width = int(pos * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    return widths


def _wrap(text, width):
    width = max(width, 1)
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def render_plain(model, header, align, rows, widths):
    """The table as plain text lines (no rich), `sum(widths)` characters wide: a ruled
    header, then one row per layer (long cells wrap)."""
    widths = list(widths)
    widths[-1] -= len(widths) + 1  # room for the "|" separators
    for i, h in enumerate(header):  # every header fits: borrow from the widest column
        while widths[i] < len(h) + 2:
            widest = max(range(len(widths)), key=lambda j: widths[j])
            widths[widest] -= 1
            widths[i] += 1

    def line(cells):
        wrapped = [_wrap(str(c), w - 2) for c, w in zip(cells, widths)]
        out = []
        for i in range(max(len(w) for w in wrapped)):
            parts = []
            for chunk, w, a in zip(wrapped, widths, align):
                text = chunk[i] if i < len(chunk) else ""
                just = {"left": str.ljust, "right": str.rjust, "center": str.center}[a]
                parts.append(" " + just(text, w - 2) + " ")
            out.append("|" + "|".join(parts) + "|")
        return out

    rule = "+" + "+".join("-" * w for w in widths) + "+"
    out = [f'Model: "{model.name}"', rule]
    out += line(header)
    out.append("+" + "+".join("=" * w for w in widths) + "+")
    for row in rows:
        out += line(row)
        out.append(rule)
    return out


def render_rich(model, header, align, rows, widths, line_length, color):
    import rich.console  # noqa: PLC0415  (optional dependency)
    import rich.markup  # noqa: PLC0415
    import rich.table  # noqa: PLC0415

    columns = [rich.table.Column(h, justify=a, width=w) for h, a, w in zip(header, align,
                                                                          widths)]
    table = rich.table.Table(*columns, width=line_length, show_lines=True)
    for row in rows:
        table.add_row(*[rich.markup.escape(str(c)) for c in row])
    console = rich.console.Console(highlight=False, force_terminal=None if color else False,
                                   color_system="auto" if color else None, width=line_length,
                                   soft_wrap=False)
    with console.capture() as capture:
        console.print(f'[bold]Model: "{rich.markup.escape(model.name)}"[/bold]')
        console.print(table)
    return capture.get().rstrip("\n").split("\n")


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None, use_rich=None):
    """Print (or hand to `print_fn`, line by line) the summary of `model`."""
    header, align, rows, default_length, default_positions = summary_rows(
        model, expand_nested, show_trainable, layer_range)
    if line_length is None:
        line_length = min(default_length, shutil.get_terminal_size().columns - 4)
    positions = list(positions or default_positions)
    if len(positions) != len(header):
        raise ValueError(f"summary: `positions` must have {len(header)} entries (one per "
                         f"column); received {positions!r}")
    if positions[-1] > 1:  # Keras 2 style: absolute column edges
        positions = [p / positions[-1] for p in positions]
    widths = column_widths(line_length, positions)
    if use_rich is None:
        try:
            import rich  # noqa: F401, PLC0415
            use_rich = True
        except ImportError:
            use_rich = False
    if use_rich:
        lines = render_rich(model, header, align, rows, widths, line_length,
                            color=print_fn is None)
    else:
        lines = render_plain(model, header, align, rows, widths)
    lines += footer_lines(model)
    emit = print_fn if print_fn is not None else print
    for text in lines:
        emit(text)
