"""`ember.utils.plot_model` / `model_to_dot`: Keras' arguments, Graphviz through pydot when
installed, ember's matplotlib diagram otherwise, a clear error with neither."""

import shutil

import numpy as np
import pytest

import ember
from ember import layers
from ember.utils import model_visualization as mv


def _functional():
    inner = ember.Sequential([ember.Input(shape=(4,)), layers.Dense(3, name="inner_a"),
                              layers.Dense(3, activation="relu", name="inner_b")],
                             name="block")
    x = ember.Input(shape=(4,), name="x")
    h = layers.Dense(4, activation="tanh", name="stem")(x)
    left, right = inner(h), layers.Dense(3, name="side")(h)
    out = layers.Dense(1, activation="sigmoid", name="head")(layers.Concatenate(name="cat")(
        [left, right]))
    model = ember.Model(x, out, name="branches")
    model.get_layer("side").trainable = False
    return model


def _labels(layout):
    return {box.label[0]: box.label for box in layout.boxes}


def test_layout_labels_follow_the_show_options():
    model = _functional()
    plain = _labels(mv.model_layout(model, show_layer_names=False))
    assert plain["Dense"] == ["Dense"] and "InputLayer" in plain
    full = mv.model_layout(model, show_shapes=True, show_dtype=True, show_layer_names=True,
                           show_layer_activations=True, show_trainable=True)
    labels = _labels(full)
    assert labels["stem (Dense)"] == ["stem (Dense)", "Activation: tanh",
                                      "Input shape: (None, 4)", "Output shape: (None, 4)",
                                      "Output dtype: float32", "Trainable"]
    assert labels["side (Dense)"][-1] == "Non-trainable"
    assert labels["cat (Concatenate)"][1] == "Input shape: [(None, 3), (None, 3)]"
    assert "Input shape: (None, 4)" not in labels["x (InputLayer)"]  # inputs have none
    assert ("stem", "block") in full.edges and ("block", "cat") in full.edges
    assert ("x", "stem") in full.edges and len(full.edges) == 6


def test_expand_nested_draws_the_inner_layers_in_a_cluster():
    layout = mv.model_layout(_functional(), expand_nested=True)
    assert layout.clusters == {("block",): "block"}
    inner = [b for b in layout.boxes if b.cluster == ("block",)]
    assert [b.label[0] for b in inner] == ["inner_a (Dense)", "inner_b (Dense)"]
    assert ("stem", "inner_a") in layout.edges and ("inner_b", "cat") in layout.edges
    assert ("inner_a", "inner_b") in layout.edges
    assert "block" not in {b for e in layout.edges for b in e}


def test_model_to_dot_is_a_pydot_graph_with_keras_settings():
    pytest.importorskip("pydot")
    dot = mv.model_to_dot(_functional(), show_shapes=True, rankdir="LR", dpi=72,
                          expand_nested=True)
    source = dot.to_string()
    assert "rankdir=LR" in source and "dpi=72" in source
    assert "cluster_block" in source and "Output shape: (None, 1)" in source
    assert '"stem" -> "inner_a"' in source
    with pytest.raises(ValueError, match="unrecognized keyword"):
        mv.model_to_dot(_functional(), colour=True)
    cluster = mv.model_to_dot(_functional(), subgraph=True)
    assert type(cluster).__name__ == "Cluster"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program not installed")
@pytest.mark.parametrize("name, magic", [("m.png", b"\x89PNG"), ("m.svg", b"<?xml"),
                                         ("m.pdf", b"%PDF")])
def test_plot_model_with_graphviz_writes_the_format_of_the_extension(tmp_path, name, magic):
    pytest.importorskip("pydot")
    path = tmp_path / name
    shown = ember.utils.plot_model(_functional(), path, show_shapes=True, dpi=60)
    assert path.read_bytes().startswith(magic)
    assert shown is None or not name.endswith(".pdf")  # a notebook display object, not pdf


def test_plot_model_returns_a_notebook_display_when_ipython_is_loaded(tmp_path, monkeypatch):
    display = pytest.importorskip("IPython.display")
    monkeypatch.setattr(mv, "check_graphviz", lambda: False)
    png = ember.utils.plot_model(_functional(), tmp_path / "m.png")
    svg = ember.utils.plot_model(_functional(), tmp_path / "m.svg")
    assert isinstance(png, display.Image) and isinstance(svg, display.SVG)
    assert ember.utils.plot_model(_functional(), tmp_path / "m.pdf") is None
    monkeypatch.delitem(__import__("sys").modules, "IPython")
    assert ember.utils.plot_model(_functional(), tmp_path / "m.png") is None


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_plot_model_falls_back_to_ember_s_diagram(picture, tmp_path, monkeypatch, rankdir):
    monkeypatch.setattr(mv, "check_graphviz", lambda: False)
    path = tmp_path / "m.png"
    ember.utils.plot_model(_functional(), path, show_shapes=True, show_layer_names=True,
                           expand_nested=True, show_trainable=True, rankdir=rankdir, dpi=80)
    image = picture(path.read_bytes())
    h, w = image.shape[:2]
    assert (w > h) if rankdir == "LR" else (h > w)
    svg = tmp_path / "m.svg"
    ember.utils.plot_model(_functional(), svg)
    assert b"<svg" in svg.read_bytes()[:400]


def test_plot_model_without_any_drawing_library_says_what_to_install(tmp_path, monkeypatch):
    import ember.plot._backend as backend

    monkeypatch.setattr(mv, "check_graphviz", lambda: False)
    monkeypatch.setattr(backend, "matplotlib_available", lambda: False)
    with pytest.raises(ImportError, match="pip install pydot.*graphviz.*matplotlib"):
        ember.utils.plot_model(_functional(), tmp_path / "m.png")
    assert not (tmp_path / "m.png").exists()


def test_plot_model_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="rankdir"):
        ember.utils.plot_model(_functional(), tmp_path / "m.png", rankdir="BT")
    with pytest.raises(ValueError, match="unrecognized keyword"):
        ember.utils.plot_model(_functional(), tmp_path / "m.png", show_colors=True)
    unbuilt = ember.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        ember.utils.plot_model(unbuilt, tmp_path / "m.png")
    unbuilt(np.zeros((1, 3), "float32"))
    assert [b.label[0] for b in mv.model_layout(unbuilt).boxes] == [unbuilt.layers[0].name +
                                                                      " (Dense)"]
