"""The recipes built on the convolutional layers, in --quick mode."""

import numpy as np
import pytest


@pytest.mark.slow
def test_cnn_vs_mlp(recipe):
    results, folder, out = recipe("cnn-vs-mlp")
    runs = results["results"]["runs"]
    assert list(runs) == ["mlp", "cnn"]
    n_test = results["results"]["test_size"]
    for name, run in runs.items():
        cm = np.array(run["confusion_matrix"])
        assert cm.shape == (10, 10) and cm.sum() == n_test
        assert run["misclassified"] == n_test - np.trace(cm)
        assert run["test_accuracy"] == pytest.approx(np.trace(cm) / n_test)
        assert run["test_accuracy"] > 0.3, name  # both learn something in 3 quick epochs
    # parameters as built: 8x8 digits; MLP 64-128-64-10, CNN conv(16)-pool-conv(32)-pool-64-10
    assert runs["mlp"]["params"] == 64 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10
    assert runs["cnn"]["params"] == (3 * 3 * 1 * 16 + 16) + (3 * 3 * 16 * 32 + 32) + (
        2 * 2 * 32 * 64 + 64) + (64 * 10 + 10)
    figures = results["figures"]
    assert figures["confusion_matrices.png"]["axes"] == 4  # two matrices, two colour bars
    assert figures["mlp_history.png"]["axes"] == 2
    assert sum(f.endswith("_misclassified.png") for f in figures) == sum(
        r["misclassified"] > 0 for r in runs.values())


@pytest.mark.slow
def test_feature_maps(recipe):
    results, folder, out = recipe("feature-maps")
    layers = results["results"]["layers"]
    assert list(layers) == ["conv1", "conv2"]
    assert layers["conv1"]["kernel_shape"] == [3, 3, 1, 16]
    assert layers["conv1"]["output_shape"] == [8, 8, 16]
    assert layers["conv2"]["output_shape"] == [4, 4, 32]
    assert layers["conv1"]["params"] == 3 * 3 * 16 + 16
    for layer in layers.values():  # after ReLU: no negative activations, some exact zeros
        assert layer["mean_activation"] >= 0 and 0 < layer["zero_fraction"] < 1
    figures = results["figures"]
    assert figures["filters.png"]["axes"] == 16
    inputs = results["results"]["inputs"]
    assert [i["label"] for i in inputs] == [0, 3, 7]
    for i in inputs:  # one row of 8 maps per conv layer
        assert figures[f"feature_maps_{i['index']}.png"]["axes"] == 16


@pytest.mark.slow
def test_cifar10_regularization_stand_in(recipe):
    results, folder, out = recipe("cifar10-regularization", "--dataset", "standin")
    r = results["results"]
    assert r["standin"] is True and r["dataset"].startswith("stand-in")
    assert any("CIFAR-10 was not used" in n for n in results["notes"])
    runs = r["runs"]
    assert list(runs) == ["I", "II", "III", "IV", "V", "VI", "VII"]
    notes = {k: (v["notes_train_accuracy"], v["notes_val_accuracy"]) for k, v in runs.items()}
    assert notes == {"I": (0.84, 0.79), "II": (0.98, 0.79), "III": (0.89, 0.82),
                     "IV": (0.94, 0.76), "V": (0.86, 0.83), "VI": (0.89, 0.84),
                     "VII": (0.92, 0.84)}
    # the ingredients change the networks as described: a third block adds parameters, twice
    # the feature maps adds more; batch norm adds its weights
    assert runs["VI"]["params"] > runs["V"]["params"]
    assert runs["VII"]["params"] > runs["VI"]["params"]
    assert runs["III"]["params"] > runs["I"]["params"]
    assert all(0 <= v["val_accuracy"] <= 1 for v in runs.values())
    assert results["figures"]["accuracies.png"]["axes"] == 2
    assert "stand-in" in (folder / "index.html").read_text()
    assert "0.84" in out and "0.79" in out


def test_cifar10_stand_in_is_a_colour_task():
    from ember.experiments.cifar10_regularization import coloured_digits

    (x, y), (xt, yt) = coloured_digits(0)
    assert x.shape == (1437, 16, 16, 3) and xt.shape == (360, 16, 16, 3)
    assert x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert sorted(set(y.tolist())) == list(range(10))
    # colour varies between images, not just brightness
    assert np.std(x.mean(axis=(1, 2)), axis=0).min() > 0.05


@pytest.mark.slow
def test_transfer(recipe):
    results, folder, out = recipe("transfer")
    acc = results["results"]["accuracy"]
    assert sorted(acc) == ["finetuned", "frozen", "scratch", "source"]
    assert all(0 <= v <= 1 for v in acc.values())
    assert acc["source"] > 0.5  # the pretrained network learnt its own task
    assert results["figures"]["accuracies.png"]["axes"] == 1
