"""model.summary(): Keras 3's table for the notes' model and a functional graph (Connected to),
parameter counts with thousands separators, sizes, unbuilt models, rich and plain renderings."""

import sys

import numpy as np
import pytest

import ember
from ember import layers
from ember.models import Model, Sequential
from ember.models.summary import readable_size


def lines_of(model, **kwargs):
    out = []
    model.summary(print_fn=out.append, **kwargs)
    return out


def notes_model(features=3):
    return Sequential([layers.Dense(2, activation="sigmoid", input_shape=(features,)),
                       layers.Dense(1, activation="linear")])


def test_the_notes_model_summary_in_full():
    # keras-io's pages show this layout (their console: 80 columns, so a 76-wide table)
    lines = lines_of(notes_model(), line_length=76)
    assert lines == [
        'Model: "sequential"',
        "┏" + "━" * 33 + "┳" + "━" * 24 + "┳" + "━" * 15 + "┓",
        "┃ Layer (type)" + " " * 20 + "┃ Output Shape" + " " * 11 + "┃" + " " * 7 + "Param # ┃",
        "┡" + "━" * 33 + "╇" + "━" * 24 + "╇" + "━" * 15 + "┩",
        "│ dense (Dense)" + " " * 19 + "│ (None, 2)" + " " * 14 + "│" + " " * 13 + "8 │",
        "├" + "─" * 33 + "┼" + "─" * 24 + "┼" + "─" * 15 + "┤",
        "│ dense_1 (Dense)" + " " * 17 + "│ (None, 1)" + " " * 14 + "│" + " " * 13 + "3 │",
        "└" + "─" * 33 + "┴" + "─" * 24 + "┴" + "─" * 15 + "┘",
        " Total params: 11 (44.00 B)",
        " Trainable params: 11 (44.00 B)",
        " Non-trainable params: 0 (0.00 B)",
    ]
    assert all(len(line) == 76 for line in lines[1:8])
    wide = lines_of(notes_model(), line_length=88)
    assert all(len(line) == 88 for line in wide[1:8]) and wide[8:] == lines[8:]


def test_footer_counts_optimizer_params_once_built():
    model = notes_model()
    model.compile(optimizer="adam", loss="mse")
    assert "Optimizer params" not in "\n".join(lines_of(model))
    model.fit(np.zeros((4, 3), np.float32), np.zeros((4, 1), np.float32), verbose=0)
    footer = lines_of(model)[-4:]
    # Adam: iterations (int64, 8 bytes) + momentum and velocity per weight (2 * 11 floats)
    assert footer == [" Total params: 34 (140.00 B)", " Trainable params: 11 (44.00 B)",
                      " Non-trainable params: 0 (0.00 B)", " Optimizer params: 23 (96.00 B)"]


def test_functional_graph_has_connected_to_and_thousands_separators():
    a, b = layers.Input(shape=(100,), name="a"), layers.Input(shape=(24,), name="b")
    h = layers.Concatenate(name="merge")([layers.Dense(1000, name="wide")(a), b])
    model = Model([a, b], layers.Dense(10, name="head")(h), name="two_inputs")
    text = "\n".join(lines_of(model, line_length=108))
    assert 'Model: "two_inputs"' in text and "Connected to" in text
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:5]]
            for line in text.splitlines() if line.startswith("│")}
    assert rows["a (InputLayer)"] == ["(None, 100)", "0", "-"]
    assert rows["wide (Dense)"] == ["(None, 1000)", "101,000", "a[0][0]"]
    assert rows["merge (Concatenate)"] == ["(None, 1024)", "0", "wide[0][0], b[0][0]"]
    assert rows["head (Dense)"] == ["(None, 10)", "10,250", "merge[0][0]"]
    total = 101_000 + 10_250
    assert f" Total params: {total:,} ({readable_size(total * 4)})" in text
    assert readable_size(total * 4) == "434.57 KB"


def test_sequential_like_functional_has_no_connected_to_and_lists_the_input():
    x = layers.Input(shape=(8,))
    model = Model(x, layers.Dense(4)(layers.Dense(16)(x)))
    text = "\n".join(lines_of(model))
    assert "Connected to" not in text and "input_layer (InputLayer)" in text


def test_sizes_are_1024_based_with_two_decimals():
    assert readable_size(0) == "0.00 B"
    assert readable_size(1023) == "1023.00 B"
    assert readable_size(1024) == "1.00 KB"
    assert readable_size(2_757_761 * 4) == "10.52 MB"
    assert readable_size(3 * 1024**3) == "3.00 GB"


def test_unbuilt_models_show_question_marks_and_unbuilt_counts():
    model = Sequential([layers.Dense(3), layers.Dense(1)])
    lines = lines_of(model)
    row = next(line for line in lines if "dense (Dense)" in line)
    assert "?" in row and "0 (unbuilt)" in row
    assert lines[-3] == " Total params: 0 (0.00 B)"


def test_subclassed_model_shows_built_shapes():
    class Net(Model):
        def __init__(self):
            super().__init__()
            self.a, self.b = layers.Dense(5), layers.Dense(2)

        def call(self, x):
            return self.b(self.a(x))

    net = Net()
    net(np.zeros((1, 3), np.float32))
    text = "\n".join(lines_of(net))
    assert "(None, 5)" in text and "(None, 2)" in text and "Total params: 32" in text


def test_show_trainable_and_expand_nested():
    inner = Sequential([layers.Dense(4, name="inner_dense")], name="inner")
    x = layers.Input(shape=(3,))
    model = Model(x, layers.Dense(1, name="top")(inner(x)))
    inner.trainable = False
    text = "\n".join(lines_of(model, show_trainable=True, expand_nested=True, line_length=100))
    assert "Trainable" in text
    rows = {line.split("│")[1].strip(): line.split("│")[-2].strip()
            for line in text.splitlines() if line.startswith("│")}
    assert rows["inner (Sequential)"] == "N" and rows["top (Dense)"] == "Y"
    assert rows["input_layer (InputLayer)"] == "-"
    assert rows["└ inner_dense (Dense)"] == "N"
    assert "Non-trainable params: 16 (64.00 B)" in text


def test_plain_text_rendering_without_rich(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "rich", None)  # `import rich` now fails
    notes_model().summary(line_length=80)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == 'Model: "sequential"'
    assert not any(ch in "".join(out) for ch in "┏━│┃")
    assert out[2].startswith("| Layer (type)") and out[2].endswith("Param # |")
    assert all(len(line) == 80 for line in out[1:8])
    assert "| dense (Dense)" in out[4] and "(None, 2)" in out[4] and out[4].endswith(" 8 |")
    assert out[-3:] == [" Total params: 11 (44.00 B)", " Trainable params: 11 (44.00 B)",
                        " Non-trainable params: 0 (0.00 B)"]


def test_summary_argument_errors():
    model = notes_model()
    with pytest.raises(ValueError, match="Insufficient console width"):
        model.summary(line_length=10, print_fn=lambda s: None)
    with pytest.raises(ValueError, match="`positions` must have 3 entries"):
        model.summary(positions=[0.5, 1.0], print_fn=lambda s: None)
    lines = lines_of(model, positions=[30, 60, 80], line_length=80)
    assert "Param #" in lines[2]
    assert ember.models.Model is Model
