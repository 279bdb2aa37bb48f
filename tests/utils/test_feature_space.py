"""FeatureSpace: every feature type, crosses, concat/dict output, adapting on a dict or an
ember Dataset, configs and files, and a model trained on the encoded features."""

import numpy as np
import pytest

import ember
from ember.utils import FeatureSpace
from ember.utils.feature_space_encoders import fnv1a

RNG = np.random.default_rng(0)
N = 200
DATA = {
    "age": RNG.normal(40, 10, N).astype("float32"),
    "income": RNG.uniform(0, 100, N).astype("float32"),
    "score": RNG.normal(0, 1, N).astype("float32"),
    "raw": RNG.normal(0, 1, N).astype("float32"),
    "city": RNG.choice(["paris", "rome", "oslo"], N, p=[0.5, 0.3, 0.2]),
    "rooms": RNG.choice([1, 2, 3, 4], N, p=[0.4, 0.3, 0.2, 0.1]),
    "zip": RNG.choice([f"z{i}" for i in range(50)], N),
    "user": RNG.integers(0, 10_000, N),
}


def _space(**kwargs):
    return FeatureSpace({
        "age": "float_normalized", "income": FeatureSpace.float_rescaled(scale=0.01),
        "score": FeatureSpace.float_discretized(num_bins=4), "raw": "float",
        "city": "string_categorical", "rooms": "integer_categorical",
        "zip": FeatureSpace.string_hashed(num_bins=8),
        "user": FeatureSpace.integer_hashed(num_bins=16)}, **kwargs)


def test_each_feature_type_is_encoded_as_keras_describes():
    space = _space(output_mode="dict", crosses=[("city", "rooms")], crossing_dim=10)
    space.adapt(DATA)
    out = space(DATA)
    assert list(out) == ["age", "city", "income", "raw", "rooms", "score", "user", "zip",
                         "city_X_rooms"]
    age = DATA["age"].astype("float64")
    np.testing.assert_allclose(out["age"][:, 0], (age - age.mean()) / age.std(), rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(out["income"][:, 0], DATA["income"] * 0.01, rtol=1e-6)
    np.testing.assert_array_equal(out["raw"][:, 0], DATA["raw"])
    # quartile bins: each holds a quarter of the adapted data
    assert out["score"].shape == (N, 4) and np.all(out["score"].sum(1) == 1)
    assert out["score"].sum(0).tolist() == [50, 50, 50, 50]
    # vocabulary most frequent first after one OOV index: paris=1, rome=2, oslo=3
    city = out["city"].argmax(1)
    assert out["city"].shape == (N, 4)
    np.testing.assert_array_equal(city, np.select(
        [DATA["city"] == "paris", DATA["city"] == "rome"], [1, 2], 3))
    np.testing.assert_array_equal(out["rooms"].argmax(1), DATA["rooms"])  # 1..4 by frequency
    zip_bins = out["zip"].argmax(1)
    assert out["zip"].shape == (N, 8)
    np.testing.assert_array_equal(zip_bins, [fnv1a(z) % 8 for z in DATA["zip"]])
    np.testing.assert_array_equal(out["user"].argmax(1), [fnv1a(str(u)) % 16
                                                          for u in DATA["user"]])
    cross = out["city_X_rooms"].argmax(1)
    assert out["city_X_rooms"].shape == (N, 10)
    pairs = {}
    for c, r, b in zip(DATA["city"], DATA["rooms"], cross):
        assert pairs.setdefault((c, r), b) == b  # the same pair always hashes alike
    for value in out.values():
        assert value.dtype == np.float32


def test_concat_output_is_sorted_features_then_crosses():
    space = _space(crosses=[FeatureSpace.cross(("zip", "city"), crossing_dim=5)])
    space.adapt(DATA)
    x = space(DATA)
    dims = space.output_dims()
    assert list(dims) == ["age", "city", "income", "raw", "rooms", "score", "user", "zip",
                          "zip_X_city"]
    assert x.shape == (N, sum(dims.values())) == (N, 1 + 4 + 1 + 1 + 5 + 4 + 16 + 8 + 5)
    assert x.dtype == np.float32
    dict_space = _space(output_mode="dict", crosses=[FeatureSpace.cross(("zip", "city"), 5)])
    dict_space.adapt(DATA)
    parts = dict_space(DATA)
    np.testing.assert_allclose(x, np.concatenate(list(parts.values()), axis=1))


def test_categorical_options_and_out_of_vocabulary_values():
    space = FeatureSpace({
        "c": FeatureSpace.string_categorical(max_tokens=3, output_mode="int"),
        "n": FeatureSpace.integer_categorical(num_oov_indices=2),
        "d": FeatureSpace.float_discretized(num_bins=3, bin_boundaries=[0.0, 1.0],
                                            output_mode="int")}, output_mode="dict")
    space.adapt({"c": ["a", "a", "b", "c", "c", "c"], "n": [5, 5, 6, 6, 6, 7],
                 "d": [0.5] * 6})
    out = space({"c": ["c", "a", "b", "new"], "n": [6, 5, 7, 99], "d": [-1.0, 0.0, 0.99, 5.0]})
    assert out["c"][:, 0].tolist() == [1, 2, 0, 0]  # max_tokens=3: OOV + 2 most frequent
    assert out["n"].shape == (4, 5) and out["n"].argmax(1)[:3].tolist() == [2, 3, 4]
    assert out["n"].argmax(1)[3] in (0, 1)  # one of the two OOV buckets
    assert out["d"][:, 0].tolist() == [0, 1, 1, 2]  # Keras' Discretization: x >= boundary


def test_adapting_on_an_ember_dataset_equals_adapting_on_the_dict():
    labels = RNG.integers(0, 2, N)
    ds = ember.data.Dataset.from_tensor_slices((DATA, labels)).batch(32)
    a, b = _space(), _space()
    a.adapt(DATA)
    b.adapt(ds)
    np.testing.assert_allclose(a(DATA), b(DATA), rtol=1e-5, atol=1e-6)
    c = _space()
    c.adapt(ember.data.Dataset.from_tensor_slices(DATA))  # unbatched elements
    np.testing.assert_allclose(a(DATA), c(DATA), rtol=1e-5, atol=1e-6)


def test_one_sample_of_scalars_has_no_batch_axis():
    space = _space()
    space.adapt(DATA)
    one = space({k: v[0] for k, v in DATA.items()})
    np.testing.assert_allclose(one, space(DATA)[0], rtol=1e-6)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="invalid feature type 'floaty'"):
        FeatureSpace({"a": "floaty"})
    with pytest.raises(ValueError, match="output_mode"):
        FeatureSpace({"a": "float"}, output_mode="list")
    with pytest.raises(ValueError, match="unknown features"):
        FeatureSpace({"a": "float"}, crosses=[("a", "b")])
    space = _space()
    with pytest.raises(ValueError, match="adapt"):
        space(DATA)
    space = FeatureSpace({"n": FeatureSpace.integer_categorical(output_mode="int")})
    space.adapt({"n": [1, 2]})
    with pytest.raises(ValueError, match="Cannot concatenate.*'n'"):
        space({"n": [1]})
    with pytest.raises(ValueError, match="lacks the features"):
        FeatureSpace({"a": "float"})({"b": [1.0]})
    assert FeatureSpace({"a": "float"})({"a": [2.0]}).tolist() == [[2.0]]  # nothing to adapt


def test_config_and_file_round_trip(tmp_path):
    space = _space(crosses=[("city", "rooms")])
    space.adapt(DATA)
    again = FeatureSpace.from_config(space.get_config())
    np.testing.assert_array_equal(again(DATA), space(DATA))
    path = tmp_path / "space.json"
    space.save(path)
    np.testing.assert_array_equal(FeatureSpace.load(path)(DATA), space(DATA))


def test_a_model_trains_on_the_encoded_features():
    labels = ((DATA["city"] == "paris") & (DATA["rooms"] > 1)).astype("float32")[:, None]
    space = FeatureSpace({"city": "string_categorical", "rooms": "integer_categorical",
                          "age": "float_normalized"}, crosses=[("city", "rooms")],
                         crossing_dim=16)
    space.adapt(DATA)
    encoded = space.get_encoded_features()
    assert encoded.shape == (None, 4 + 5 + 1 + 16)
    out = ember.layers.Dense(1, activation="sigmoid")(encoded)
    model = ember.Model(encoded, out)
    model.compile(optimizer=ember.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(space(DATA), labels, epochs=30, batch_size=50, verbose=0)
    assert model.evaluate(space(DATA), labels, verbose=0)[1] > 0.95
