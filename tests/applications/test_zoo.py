"""The zoo: parameter counts and MACs at 224x224x3 / 1000 classes against torchvision's, from
shape-only builds (no weights allocated), plus shapes, names and bad input."""

import time

import numpy as np
import pytest

import ember
from ember.applications import alexnet, costs, googlenet, lenet, resnet, vgg, zoo

TORCHVISION = {  # parameters, GMACs as torchvision publishes them (None: not checked)
    "alexnet": (alexnet.AlexNet, 61_100_840, 0.714),
    "vgg11": (vgg.VGG11, 132_863_336, 7.61),
    "vgg13": (vgg.VGG13, 133_047_848, 11.31),
    "vgg16": (vgg.VGG16, 138_357_544, 15.47),
    "vgg19": (vgg.VGG19, 143_667_240, 19.63),
    "vgg11_bn": (vgg.VGG11_BN, 132_868_840, 7.61),
    "vgg13_bn": (vgg.VGG13_BN, 133_053_736, 11.31),
    "vgg16_bn": (vgg.VGG16_BN, 138_365_992, 15.47),
    "vgg19_bn": (vgg.VGG19_BN, 143_678_248, 19.63),
    "googlenet": (googlenet.GoogLeNet, 6_624_904, 1.498),
    "resnet18": (resnet.ResNet18, 11_689_512, 1.814),
    "resnet34": (resnet.ResNet34, 21_797_672, 3.664),
    "resnet50": (resnet.ResNet50, 25_557_032, 4.089),
    "resnet101": (resnet.ResNet101, 44_549_160, 7.801),
    "resnet152": (resnet.ResNet152, 60_192_808, 11.514),
}


@pytest.mark.parametrize("name", list(TORCHVISION))
def test_params_and_macs_equal_torchvision(name):
    builder, params, gmacs = TORCHVISION[name]
    start = time.perf_counter()
    with costs.shape_only():
        model = builder()
    assert costs.count_params(model) == params
    assert abs(costs.total_macs(model) / 1e9 / gmacs - 1) < 0.02
    assert time.perf_counter() - start < 3  # shape-only: no 575 MB of weights
    assert model.output_shape == (None, 1000)
    # the weights are zero-stride views, not allocated arrays
    assert all(w.data.strides == (0,) * w.ndim for w in model.weights if w.ndim)


def test_small_models_counted_by_hand():
    model = lenet.LeNet5()  # C1 156, C3 2416, C5 48120, F6 10164, output 850
    assert model.count_params() == 156 + 2416 + 48120 + 10164 + 850 == 61_706
    assert costs.total_macs(model) == (28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 120 * 400
                                       + 120 * 84 + 84 * 10)
    model = resnet.ResNet20()
    assert costs.count_params(model) == 272_474
    assert model.output_shape == (None, 10)


def test_block_names_and_head_options():
    with costs.shape_only():
        model = vgg.VGG16(include_top=False, pooling="avg")
        names = [layer.name for layer in model.layers]
        assert {"block1_conv1", "block5_conv3", "block5_pool", "avg_pool"} <= set(names)
        assert model.output_shape == (None, 512)
        model = resnet.ResNet50(include_top=False, input_shape=(64, 64, 3))
        assert model.output_shape == (None, 2, 2, 2048)
        assert "conv5_block3_3_bn" in [layer.name for layer in model.layers]
        model = googlenet.GoogLeNet(classes=5, aux_logits=True)
        assert [t.shape for t in model.outputs] == [(None, 5)] * 3
    assert lenet.LeNet5(variant="modern", include_top=False, pooling="max").output_shape == \
        (None, 120)


def test_activation_memory_is_linear_in_batch_size():
    model = lenet.LeNet5()
    per_example = sum(r["activations"] for r in costs.layer_costs(model))
    # conv1 28*28*6, pool1 14*14*6, conv2 10*10*16, pool2 5*5*16, conv3 120, flatten, fc1, out
    assert per_example == 4704 + 1176 + 1600 + 400 + 120 + 120 + 84 + 10
    assert costs.activation_memory(model, 32) == 32 * per_example * 4
    assert costs.parameter_memory(model) == 61_706 * 4
    assert "Total" in costs.cost_table(model)


def test_forward_pass_of_a_zoo_model_at_small_size():
    model = resnet.ResNet18(input_shape=(32, 32, 3), classes=3)
    out = model.predict(np.random.default_rng(0).standard_normal((2, 32, 32, 3))
                        .astype(np.float32), verbose=0)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out.sum(-1), 1, rtol=1e-5)


@pytest.mark.parametrize("builder,minimum", [(alexnet.AlexNet, 63), (vgg.VGG11, 32),
                                             (resnet.ResNet18, 32), (googlenet.GoogLeNet, 32),
                                             (lenet.LeNet5, 32)])
def test_input_too_small_says_the_minimum(builder, minimum):
    channels = 1 if builder is lenet.LeNet5 else 3
    with costs.shape_only():
        model = builder(input_shape=(minimum, minimum, channels), include_top=False)
        assert all(d is None or d >= 1 for d in model.output_shape)
        with pytest.raises(ValueError, match=f"too small; the minimum height and width is "
                                             f"{minimum}"):
            builder(input_shape=(minimum - 1, minimum, channels))


def test_classes_without_top_and_other_bad_arguments():
    with pytest.raises(ValueError, match="classes=10 needs include_top=True"):
        resnet.ResNet18(include_top=False, classes=10)
    with pytest.raises(ValueError, match="pooling must be None, 'avg' or 'max'; received 'sum'"):
        vgg.VGG11(include_top=False, pooling="sum")
    with pytest.raises(ValueError, match="depth must be one of 18, 34, 50, 101, 152; received 7"):
        resnet.resnet(7)
    with pytest.raises(ValueError, match="input_shape must be"):
        alexnet.AlexNet(input_shape=(224, 224))


def test_mismatched_weights_name_the_first_layer_and_both_shapes(tmp_path):
    model = lenet.LeNet5()
    from ember.applications import weights_io

    state = weights_io.export_state_dict(model)
    state["conv2.weight"] = np.zeros((16, 6, 3, 3), np.float32)
    state["fc1.weight"] = np.zeros((1, 1), np.float32)
    path = weights_io.write_state_dict(state, tmp_path / "bad.npz")
    with pytest.raises(ValueError, match=r"layer 'conv2' \(conv2.weight\): the file's tensor has "
                                         r"shape \(16, 6, 3, 3\).*expects \(5, 5, 6, 16\)"):
        lenet.LeNet5(weights=path)
    del state["conv2.weight"]
    with pytest.raises(ValueError, match="needs tensor 'conv2.weight'"):
        weights_io.load_state_dict(model, state)
    good = weights_io.export_state_dict(model)
    good["extra.weight"] = np.zeros(3, np.float32)
    with pytest.raises(ValueError, match="first 'extra.weight'"):
        weights_io.load_state_dict(model, good)
    with pytest.raises(FileNotFoundError):
        lenet.LeNet5(weights=tmp_path / "missing.npz")


def test_zoo_index_and_compare_table():
    assert set(TORCHVISION) <= set(zoo.MODELS)
    rows = zoo.compare(("lenet5", "resnet20"), image_size=32, batch_sizes=(1, 2), repeats=1)
    assert [r["model"] for r in rows] == ["lenet5", "resnet20"]
    assert rows[1]["params"] == 272_474 and rows[0]["macs"] > 0
    assert all(r["ms_per_image"][1] > 0 and r["peak_mb"][2] > 0 for r in rows)
    text = zoo.format_table(rows, (1, 2))
    assert "lenet5" in text and "ms/img b=2" in text
    with pytest.raises(ValueError, match="unknown model 'resnet9'"):
        zoo.build("resnet9")
    assert isinstance(ember.applications.zoo, type(zoo))


def test_resnet20_trains_on_a_cpu():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 16, 16, 3)).astype(np.float32)
    y = rng.integers(0, 10, 16)
    ember.utils.set_random_seed(0)
    model = resnet.ResNet20(input_shape=(16, 16, 3))
    model.compile(optimizer=ember.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    losses = model.fit(x, y, epochs=8, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < 0.5 * losses[0]


def test_alexnet_with_the_papers_local_response_normalization():
    with costs.shape_only():
        model = alexnet.AlexNet(local_response_normalization=True)
    names = [layer.name for layer in model.layers]
    assert names.index("block1_lrn") < names.index("block1_pool")
    assert "block2_lrn" in names and costs.count_params(model) == 61_100_840
