"""The recipes that need only Dense layers, in --quick mode: their numbers, figures and
pages."""

import numpy as np
import pytest

from .conftest import assert_confirmed


@pytest.mark.slow
def test_optimizers(recipe, tmp_path):
    results, folder, out = recipe("optimizers")
    r = results["results"]
    runs = r["runs"]
    n = r["train_size"]
    assert list(runs) == ["batch GD", "stochastic GD", "mini-batch GD", "momentum", "Adagrad",
                          "RMSprop", "Adam"]
    e = r["epochs"]
    # the same budget: e passes; batch GD makes e updates, stochastic GD e n, mini-batch e n/32
    assert runs["batch GD"]["steps"][-1] == e
    assert runs["stochastic GD"]["steps"][-1] == e * n
    assert runs["Adam"]["steps"][-1] == e * -(-n // 32)
    for name, run in runs.items():
        assert run["loss"][0] == pytest.approx(runs["batch GD"]["loss"][0], rel=1e-5), name
        assert run["final_loss"] < run["loss"][0], name  # every method made progress
        assert np.all(np.diff(run["seconds"]) >= 0)
    # per pass, many small noisy steps beat one exact step
    assert runs["stochastic GD"]["final_loss"] < runs["batch GD"]["final_loss"] - 0.3
    # the lesson's direction: at equal budget momentum and the adaptive methods beat plain
    # mini-batch SGD, by a clear margin
    for name in ("momentum", "Adagrad", "RMSprop", "Adam"):
        assert runs[name]["final_loss"] < runs["mini-batch GD"]["final_loss"] - 0.1, name
    assert_confirmed(results)
    assert "this run: confirmed" in out
    assert results["figures"]["loss_curves.png"]["axes"] == 2
    assert "stochastic GD" in out and "train seconds" in out


@pytest.mark.slow
def test_activations(recipe, tmp_path):
    results, folder, out = recipe("activations")
    runs = results["results"]["runs"]
    depth = results["results"]["depth"]
    sigmoid, tanh = runs["sigmoid"], runs["tanh"]
    assert len(sigmoid["grad_norms_before"]) == depth + 1
    # vanishing: the sigmoid's gradient at layer 1 is orders of magnitude below the output's,
    # and shrinks monotonically towards the input; tanh's does not
    assert sigmoid["first_to_last_ratio"] < 1e-2
    assert np.all(np.diff(sigmoid["grad_norms_before"]) > 0)
    assert tanh["first_to_last_ratio"] > 0.2
    # dead units are counted for the ReLU family only; a 10x learning rate kills more ReLUs
    assert sigmoid["dead_units"] is None and tanh["dead_units"] is None
    assert runs["relu, lr x10"]["dead_units"] > runs["relu"]["dead_units"]
    assert len(runs["relu"]["dead_units_per_layer"]) == depth
    assert results["figures"]["activations.png"]["axes"] == 10
    assert results["figures"]["gradient_norms.png"]["axes"] == 2
    assert results["figures"]["dead_units_and_loss.png"]["axes"] == 2
    assert "relu, lr x10" in out
    # ... and the lesson's consequence: ReLU and tanh train the deep network, the sigmoid not
    acc = {k: v["test_accuracy"] for k, v in runs.items()}
    assert acc["sigmoid"] < 0.3
    assert min(acc["relu"], acc["tanh"]) > acc["sigmoid"] + 0.2
    assert_confirmed(results)
