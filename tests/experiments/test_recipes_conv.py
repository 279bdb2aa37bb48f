"""The recipes built on the convolutional layers, in --quick mode."""

import numpy as np
import pytest

from .conftest import assert_confirmed


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
        assert run["test_accuracy"] > 0.3, name  # both learn something in the quick budget
    # parameters as built: 12x12 shifted digits; MLP 144-128-64-10,
    # CNN conv(16)-pool-conv(32)-pool-64-10
    assert results["results"]["dataset"].startswith("shifted digits")
    assert runs["mlp"]["params"] == 144 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10
    assert runs["cnn"]["params"] == (3 * 3 * 1 * 16 + 16) + (3 * 3 * 16 * 32 + 32) + (
        3 * 3 * 32 * 64 + 64) + (64 * 10 + 10)
    # the lesson's direction, by a clear margin: the CNN, with fewer parameters, wins
    assert runs["cnn"]["test_accuracy"] > runs["mlp"]["test_accuracy"] + 0.05
    assert runs["cnn"]["params"] < runs["mlp"]["params"]
    assert_confirmed(results)
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
    assert results["results"]["filter_change"] > 0.05  # the filters were learnt
    assert_confirmed(results)


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
    # batch normalization's head start in training (the notes' III against I, same dropout)
    assert runs["III"]["history"]["loss"][-1] < runs["I"]["history"]["loss"][-1]
    assert runs["III"]["train_accuracy"] > runs["I"]["train_accuracy"]
    assert_confirmed(results)


def test_cifar10_stand_in_is_a_colour_task():
    from ember.experiments.cifar10_regularization import coloured_digits

    (x, y), (xt, yt) = coloured_digits(0)
    assert x.shape == (1437, 16, 16, 3) and xt.shape == (360, 16, 16, 3)
    assert x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert sorted(set(y.tolist())) == list(range(10))
    # colour varies between images, not just brightness
    assert np.std(x.mean(axis=(1, 2)), axis=0).min() > 0.05


@pytest.mark.slow
def test_transfer_pays_at_few_labels(recipe):
    results, folder, out = recipe("transfer")
    settings = results["results"]["settings"]
    assert list(settings) == ["shifted digits", "centred digits"]
    shifted = settings["shifted digits"]
    curve = shifted["curve"]
    assert curve["shots"] == [5] and len(curve["seeds"]) == 2
    for kind in ("scratch", "frozen", "finetuned"):
        assert all(len(v) == 2 and all(0 <= a <= 1 for a in v) for v in curve[kind])
    assert min(curve["source"]) > 0.9  # the pretrained networks learnt their own task
    # the notes' claim, by a clear margin at the smallest label count, averaged over seeds;
    # the spread is reported beside the mean
    mean = {k: float(np.mean(curve[k][0])) for k in ("scratch", "frozen", "finetuned")}
    assert mean["frozen"] > mean["scratch"] + 0.03, mean
    assert mean["finetuned"] > mean["scratch"] + 0.06, mean
    assert shifted["stats"]["scratch"][0][1] == pytest.approx(np.std(curve["scratch"][0]))
    assert_confirmed(results)
    # the centred digits: whatever the sign, the report says when transfer does not pay
    centred = settings["centred digits"]
    if centred["gain"][0] <= 0.02:
        assert any(n.startswith("centred digits: no gain") for n in results["notes"])
    assert results["figures"]["accuracy_vs_labels.png"]["axes"] == 2
    assert "labels per class" in out


def test_transfer_settings_are_related_tasks():
    from ember.experiments.transfer import place, split_digits

    (src, src_test), (tgt, tgt_test) = split_digits(True, copies=2)
    assert src[0].shape[1:] == (12, 12, 1) == tgt[0].shape[1:]
    assert sorted(set(src[1].tolist())) == list(range(5)) == sorted(set(tgt[1].tolist()))
    import ember

    (_, y_train), _ = ember.datasets.digits.load_data()
    assert len(src[0]) == 2 * int(np.sum(y_train < 5))  # every source image twice, shifted
    assert len(tgt[0]) == int(np.sum(y_train >= 5))
    # each digit is placed whole: the ink of an image sums to the original's
    x = np.random.default_rng(0).uniform(size=(3, 8, 8)).astype(np.float32)
    placed = place(x, np.random.default_rng(1), noise=0.0)
    np.testing.assert_allclose(placed.sum(axis=(1, 2, 3)), x.sum(axis=(1, 2)), rtol=1e-5)
