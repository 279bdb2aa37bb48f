"""A config.json whose layer sizes disagree with the stored tensors is refused before any
weight is allocated (a doctored `units=10**12` would otherwise ask for 233 TiB)."""

import json
import tracemalloc
import zipfile

import numpy as np
import pytest

import ember
from ember.layers import Conv2D, Dense, Embedding, Flatten, Input
from ember.models import Model, Sequential
from ember.saving import FileFormatError


def doctored(craft, model, tmp_path, change):
    """Save `model`, then rewrite its config.json through `change(config)`."""
    path = tmp_path / "good.ember"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist() if i.filename != "manifest.json"}
    config = json.loads(members["config.json"])
    change(config)
    members["config.json"] = json.dumps(config).encode()
    return craft.make_zip(tmp_path / "doctored.ember", list(members.items()))


def layer_configs(config, class_name):
    return [layer["config"] for layer in config["config"]["layers"]
            if layer["class_name"] == class_name]


def refused_cheaply(path, *words, error=FileFormatError):
    tracemalloc.start()
    try:
        with pytest.raises(error) as info:
            ember.models.load_model(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(path) in str(info.value)
    for word in ("refused before building", *words) if error is FileFormatError else words:
        assert word in str(info.value), str(info.value)
    assert peak < 20 * 2**20, f"{peak} bytes allocated before refusing"


@pytest.mark.parametrize("units", [10**12, 10**8])
def test_dense_units_in_a_sequential(craft, tmp_path, units):
    model = Sequential([Input(shape=(4,)), Dense(3), Dense(2)])

    def change(config):
        layer_configs(config, "Dense")[-1]["units"] = units

    path = doctored(craft, model, tmp_path, change)
    refused_cheaply(path, f"(3, {units}) in the model but (3, 2) in the file")


def test_a_size_the_next_layer_contradicts(craft, tmp_path):
    """The next Dense was built for 3 inputs: the shape-only build itself refuses."""
    model = Sequential([Input(shape=(4,)), Dense(3), Dense(2)])

    def change(config):
        layer_configs(config, "Dense")[0]["units"] = 10**12

    refused_cheaply(doctored(craft, model, tmp_path, change), "1000000000000", error=ValueError)


def test_dense_units_in_a_functional_model(craft, tmp_path):
    inputs = Input(shape=(4,))
    model = Model(inputs, Dense(2)(Dense(3)(inputs)))

    def change(config):
        layer_configs(config, "Dense")[-1]["units"] = 10**12

    refused_cheaply(doctored(craft, model, tmp_path, change), "in the model but")


@pytest.mark.parametrize("field, value", [("filters", 10**9), ("kernel_size", [30000, 30000])])
def test_conv_sizes(craft, tmp_path, field, value):
    model = Sequential([Input(shape=(8, 8, 1)), Conv2D(2, 3, padding="same")])

    def change(config):
        layer_configs(config, "Conv2D")[0][field] = value

    refused_cheaply(doctored(craft, model, tmp_path, change), "in the model but")


def test_embedding_vocabulary(craft, tmp_path):
    model = Sequential([Input(shape=(5,), dtype="int32"), Embedding(10, 4)])

    def change(config):
        layer_configs(config, "Embedding")[0]["input_dim"] = 10**11

    refused_cheaply(doctored(craft, model, tmp_path, change), "(100000000000, 4)")


def test_an_extra_huge_layer_missing_from_the_file(craft, tmp_path):
    model = Sequential([Input(shape=(4,)), Dense(3)])

    def change(config):
        extra = json.loads(json.dumps(config["config"]["layers"][-1]))
        extra["config"].update(name="extra", units=10**12)
        extra.pop("build_config", None)  # built for the input the first Dense gets
        config["config"]["layers"].append(extra)

    refused_cheaply(doctored(craft, model, tmp_path, change), "not in the file")


def test_an_honest_file_still_loads_with_its_values(tmp_path):
    model = Sequential([Input(shape=(8, 8, 1)), Conv2D(2, 3), Flatten(), Dense(3)])
    model.save(tmp_path / "m.ember")
    loaded = ember.models.load_model(tmp_path / "m.ember")
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        assert np.array_equal(a, b) and b.flags.writeable and b.strides != (0,) * b.ndim
