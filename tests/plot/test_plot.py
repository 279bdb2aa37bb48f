"""ember.plot: every figure has the panels it should and renders to a non-blank PNG."""

import subprocess
import sys

import numpy as np
import pytest

import ember

matplotlib = pytest.importorskip("matplotlib", reason="the plot extra: pip install 'ember[plot]'")
from ember import plot  # noqa: E402


def test_core_imports_without_matplotlib_and_plot_says_what_to_install():
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import numpy as np, ember, ember.cli, ember.plot as p\n"
        "h = ember.callbacks.History(); h.history = {'loss': [1.0]}\n"
        "m = ember.Sequential([ember.Input(shape=(2,)), ember.layers.Dense(1)])\n"
        "calls = [h.plot, lambda: p.plot_activations(), lambda: p.model_diagram(m),\n"
        "         lambda: p.image_grid(np.zeros((2, 3, 3))), lambda: p.plot_filters(\n"
        "         np.zeros((3, 3, 1, 2))), lambda: p.plot_latent_space(np.zeros((3, 2))),\n"
        "         lambda: p.plot_confusion_matrix([0], [0])]\n"
        "for call in calls:\n"
        "    try:\n        call()\n    except ImportError as e:\n        print('ERR', e)\n"
        "print(ember.cli.main(['experiment', 'optimizers', '--quick']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[:7] == ["ERR " + plot.INSTALL_HINT] * 7
    assert "pip install 'ember[plot]'" in plot.INSTALL_HINT
    assert lines[7] == "2"  # `ember experiment` exits 2 ...
    assert "ember experiment: ember.plot needs matplotlib" in out.stderr  # ... saying why


def test_history_of_a_real_fit(picture, tmp_path):
    (x, y), _ = ember.datasets.digits.load_data()
    x = (x[:200] / 16).astype("float32")
    model = ember.Sequential([ember.Input(shape=(8, 8)), ember.layers.Flatten(),
                              ember.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y[:200], epochs=3, validation_split=0.25, verbose=0)
    fig = history.plot(to_file=tmp_path / "h.png")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    for ax in fig.axes:  # train and validation, 3 epochs each
        assert [len(line.get_xdata()) for line in ax.get_lines()] == [3, 3]
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]
    picture((tmp_path / "h.png").read_bytes(), min_size=(400, 200))


def test_history_errors_name_what_is_missing():
    with pytest.raises(ValueError, match="no logs named \\['auc'\\]"):
        plot.plot_history({"loss": [1.0]}, metrics=["auc"])
    with pytest.raises(ValueError, match="non-empty dict"):
        plot.plot_history({})


def test_confusion_matrix_counts_and_figure(picture):
    cm = plot.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], num_classes=3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert cm.sum() == 6
    fig = plot.plot_confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], normalize=True)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[:3] == ["0.50", "0.50", "0.00"] and len(texts) == 9
    picture(plot.figure_to_png(fig), min_size=(150, 150))
    with pytest.raises(ValueError, match="labels must be in \\[0, 2\\)"):
        plot.confusion_matrix([0, 3], [0, 1], num_classes=2)


def test_image_grid_panels_and_colour(picture, rng):
    fig = plot.image_grid(rng.random((7, 8, 8, 3)), labels=[str(i) for i in range(7)], ncols=4)
    assert len(fig.axes) == 7
    assert fig.axes[0].get_subplotspec().get_gridspec().get_geometry() == (2, 4)
    picture(plot.figure_to_png(fig))
    with pytest.raises(ValueError, match="received \\(8, 8\\)"):
        plot.image_grid(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="7 images but 2 labels"):
        plot.image_grid(np.zeros((7, 4, 4)), labels=["a", "b"])


def test_filters_and_feature_maps(picture, rng):
    fig = plot.plot_filters(rng.normal(size=(5, 5, 3, 10)))  # colour filters
    assert len(fig.axes) == 10
    picture(plot.figure_to_png(fig))
    fig = plot.plot_filters(rng.normal(size=(3, 3, 1, 100)), max_filters=16)
    assert len(fig.axes) == 16
    fig = plot.plot_feature_maps({"c1": rng.random((1, 12, 12, 6)), "c2": rng.random((6, 6, 3))})
    assert len(fig.axes) == 9
    assert [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()] == ["c1", "c2"]
    picture(plot.figure_to_png(fig))
    with pytest.raises(ValueError, match="in_channels"):
        plot.plot_filters(np.zeros((3, 3, 4)))


def test_activations_and_their_derivatives(picture):
    x = np.array([-2.0, -0.5, 0.5, 2.0], np.float32)
    s = 1 / (1 + np.exp(-x))
    for name, f, df in [("sigmoid", s, s * (1 - s)),
                        ("tanh", np.tanh(x), 1 - np.tanh(x) ** 2),
                        ("relu", np.maximum(x, 0), (x > 0) * 1.0),
                        ("leaky_relu", np.where(x > 0, x, 0.2 * x), np.where(x > 0, 1, 0.2)),
                        ("step", (x > 0) * 1.0, np.zeros(4))]:
        y, dy = plot.activation_and_derivative(name, x)
        np.testing.assert_allclose(y, f, rtol=1e-6, atol=1e-7, err_msg=name)
        np.testing.assert_allclose(dy, df, rtol=1e-6, atol=1e-7, err_msg=name)
    fig = plot.plot_activations()
    assert len(fig.axes) == 10
    assert [ax.get_title() for ax in fig.axes[:5]] == list(plot.functions.ACTIVATIONS)
    # the sigmoid's derivative peaks at 0.25: the vanishing factor per layer
    assert max(fig.axes[5].get_lines()[0].get_ydata()) == pytest.approx(0.25, abs=1e-4)
    picture(plot.figure_to_png(fig), min_size=(600, 300))


def test_latent_space(picture, rng):
    fig = plot.plot_latent_space(rng.normal(size=(200, 4)), labels=rng.integers(0, 10, 200))
    assert len(fig.axes) == 2
    assert fig.axes[0].collections[0].get_offsets().shape == (200, 2)
    picture(plot.figure_to_png(fig))
    with pytest.raises(ValueError, match="\\(N, D >= 2\\)"):
        plot.plot_latent_space(np.zeros((5, 1)))


def test_model_diagram_sequential_and_branches(picture, tmp_path):
    model = ember.Sequential([ember.Input(shape=(8, 8)), ember.layers.Flatten(name="flat"),
                              ember.layers.Dense(16, name="hidden"),
                              ember.layers.Dense(10, name="out")])
    nodes, edges = plot.model_graph(model)
    assert [n[0] for n in nodes] == ["input", "flat", "hidden", "out"]
    assert [n[3] for n in nodes] == [0, 0, 64 * 16 + 16, 16 * 10 + 10]
    assert edges == [("input", "flat"), ("flat", "hidden"), ("hidden", "out")]
    fig = plot.model_diagram(model)
    assert len(fig.axes[0].patches) == 4
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "hidden (Dense)" in texts and "(None, 16)" in texts and "1,040 params" in texts
    assert plot.plot_model(model, tmp_path / "m.png", engine="matplotlib") == "matplotlib"
    picture((tmp_path / "m.png").read_bytes())

    x = ember.Input(shape=(4,))
    a = ember.layers.Dense(3, name="left")(x)
    b = ember.layers.Dense(3, name="right")(x)
    model = ember.Model(x, ember.layers.add([a, b], name="sum"))
    nodes, edges = plot.model_graph(model)
    assert sorted(edges) == sorted([(nodes[0][0], "left"), (nodes[0][0], "right"),
                                    ("left", "sum"), ("right", "sum")])
    dot = plot.model_to_dot(model)
    assert '"left" -> "sum";' in dot and "15 params" in dot
    fig = plot.model_diagram(model)
    ys = {t.get_text().split(" ")[0]: t.get_position()[1] for t in fig.axes[0].texts}
    assert ys["left"] == ys["right"] and ys["sum"] < ys["left"]  # branches side by side


def test_plot_model_graphviz_when_present(picture, tmp_path):
    import shutil

    model = ember.Sequential([ember.Input(shape=(3,)), ember.layers.Dense(2)])
    if shutil.which("dot") is None:
        with pytest.raises(RuntimeError, match="apt-get install graphviz"):
            plot.plot_model(model, tmp_path / "g.png", engine="graphviz")
        assert plot.plot_model(model, tmp_path / "g.png") == "matplotlib"
    else:
        assert plot.plot_model(model, tmp_path / "g.png") == "graphviz"
    picture((tmp_path / "g.png").read_bytes(), min_size=(50, 50))
    with pytest.raises(ValueError, match="engine must be"):
        plot.plot_model(model, tmp_path / "g.png", engine="svg")
