"""ember.initializers: Keras' formulas (statistics of large draws), seeding, lookup, configs."""

import json
import math

import numpy as np
import pytest

import ember
from ember import initializers as I  # noqa: E741  (the conventional short name)

TRUNC = 0.87962566103423978  # std of a standard normal truncated at +-2


def _stats(values):
    return float(values.mean()), float(values.std())


@pytest.mark.parametrize("cls, scale, mode, uniform", [
    (I.GlorotUniform, 1.0, "fan_avg", True),
    (I.GlorotNormal, 1.0, "fan_avg", False),
    (I.HeUniform, 2.0, "fan_in", True),
    (I.HeNormal, 2.0, "fan_in", False),
    (I.LecunUniform, 1.0, "fan_in", True),
    (I.LecunNormal, 1.0, "fan_in", False),
])
def test_presets_have_the_keras_variance(cls, scale, mode, uniform):
    fan_in, fan_out = 300, 500
    w = cls(seed=1)((fan_in, fan_out))
    assert w.shape == (fan_in, fan_out) and w.dtype == np.float32
    n = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2}[mode]
    std = math.sqrt(scale / n)  # the target standard deviation of every preset
    mean, got = _stats(w)
    assert abs(mean) < 5 * std / math.sqrt(w.size)  # five standard errors
    assert got == pytest.approx(std, rel=0.02)
    bound = math.sqrt(3 * scale / n) if uniform else 2 * std / TRUNC
    assert np.abs(w).max() <= bound * (1 + 1e-6)
    assert np.abs(w).max() > 0.95 * bound  # the whole range is used


def test_glorot_uniform_limit_is_sqrt_6_over_fans():
    w = I.GlorotUniform(seed=0)((784, 64))
    limit = math.sqrt(6 / (784 + 64))
    assert w.min() >= -limit and w.max() <= limit
    assert w.max() > 0.99 * limit and w.min() < -0.99 * limit


def test_convolution_kernel_fans_use_the_receptive_field():
    assert I.compute_fans((3, 3, 16, 32)) == (144, 288)
    assert I.compute_fans((5, 8)) == (5, 8)
    assert I.compute_fans((7,)) == (7, 7)
    assert I.compute_fans(()) == (1, 1)
    w = I.HeNormal(seed=2)((3, 3, 64, 128))
    assert float(w.std()) == pytest.approx(math.sqrt(2 / (3 * 3 * 64)), rel=0.02)


@pytest.mark.parametrize("mode, n", [("fan_in", 200), ("fan_out", 800), ("fan_avg", 500)])
def test_variance_scaling_modes_and_distributions(mode, n):
    shape = (200, 800)
    w = I.VarianceScaling(3.0, mode, "untruncated_normal", seed=4)(shape)
    assert float(w.std()) == pytest.approx(math.sqrt(3.0 / n), rel=0.02)
    u = I.VarianceScaling(3.0, mode, "uniform", seed=4)(shape)
    assert np.abs(u).max() <= math.sqrt(9.0 / n) * (1 + 1e-6)
    t = I.VarianceScaling(3.0, mode, "normal", seed=4)  # "normal" means truncated
    assert t.distribution == "truncated_normal"
    assert float(t(shape).std()) == pytest.approx(math.sqrt(3.0 / n), rel=0.02)


def test_random_normal_uniform_truncated_defaults():
    n = I.RandomNormal(seed=0)((400, 400))
    assert _stats(n)[1] == pytest.approx(0.05, rel=0.02) and abs(_stats(n)[0]) < 1e-3
    u = I.RandomUniform(seed=0)((400, 400))
    assert u.min() >= -0.05 and u.max() < 0.05 and abs(float(u.mean())) < 1e-3
    t = I.TruncatedNormal(mean=1.0, stddev=2.0, seed=0)((400, 400))
    assert t.min() >= 1.0 - 4.0 and t.max() <= 1.0 + 4.0
    assert _stats(t)[1] == pytest.approx(2.0 * TRUNC, rel=0.02)
    assert I.get("normal").get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert I.get("uniform").get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}


def test_constant_initializers():
    assert I.Zeros()((2, 3)).tolist() == [[0.0] * 3] * 2
    assert I.Ones()((2,), dtype="float64").dtype == np.float64
    assert I.Zeros()((2,), dtype="int64").dtype == np.int64
    np.testing.assert_array_equal(I.Constant(2.5)((2, 2)), np.full((2, 2), 2.5, np.float32))
    np.testing.assert_array_equal(I.Identity(gain=2.0)((2, 3)), 2 * np.eye(2, 3))
    with pytest.raises(ValueError, match="scalar"):
        I.Constant([1.0, 2.0])
    with pytest.raises(ValueError, match="2-D"):
        I.Identity()((2, 2, 2))


@pytest.mark.parametrize("cls", [I.GlorotUniform, I.GlorotNormal, I.HeUniform, I.HeNormal,
                                 I.LecunUniform, I.LecunNormal, I.Orthogonal, I.RandomNormal,
                                 I.RandomUniform, I.TruncatedNormal, I.VarianceScaling])
def test_seeded_initializers_are_deterministic(cls):
    a = cls(seed=7)((6, 5))
    np.testing.assert_array_equal(a, cls(seed=7)((6, 5)))
    init = cls(seed=7)
    np.testing.assert_array_equal(init((6, 5)), init((6, 5)))  # Keras: same values per call
    assert not np.array_equal(a, cls(seed=8)((6, 5)))


def test_unseeded_initializers_follow_the_global_seed():
    ember.utils.set_random_seed(5)
    a = I.GlorotUniform()((4, 4))
    b = I.GlorotUniform()((4, 4))
    assert not np.array_equal(a, b)  # the global generator advances
    ember.utils.set_random_seed(5)
    np.testing.assert_array_equal(a, I.GlorotUniform()((4, 4)))
    np.testing.assert_array_equal(b, I.GlorotUniform()((4, 4)))


@pytest.mark.parametrize("shape", [(7, 4), (3, 6), (5, 5), (3, 3, 4, 8)])
def test_orthogonal_gives_orthonormal_columns_or_rows(shape):
    q = I.Orthogonal(seed=3)(shape).astype(np.float64)
    m = q.reshape(-1, shape[-1])
    if m.shape[0] >= m.shape[1]:
        np.testing.assert_allclose(m.T @ m, np.eye(m.shape[1]), atol=1e-5)
    else:
        np.testing.assert_allclose(m @ m.T, np.eye(m.shape[0]), atol=1e-5)
    g = I.Orthogonal(gain=2.0, seed=3)(shape).reshape(-1, shape[-1]).astype(np.float64)
    np.testing.assert_allclose(g, 2 * m, rtol=1e-6)


def test_orthogonal_refuses_vectors():
    with pytest.raises(ValueError, match="rank >= 2"):
        I.Orthogonal()((5,))


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="scale"):
        I.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="mode"):
        I.VarianceScaling(mode="fan_middle")
    with pytest.raises(ValueError, match="distribution"):
        I.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="seed"):
        I.GlorotUniform(seed=-1)
    with pytest.raises(TypeError, match="float"):
        I.GlorotUniform(seed=0)((2, 2), dtype="int32")


@pytest.mark.parametrize("name, cls", [
    ("glorot_uniform", I.GlorotUniform), ("GlorotUniform", I.GlorotUniform),
    ("he_normal", I.HeNormal), ("HeNormal", I.HeNormal), ("lecun_uniform", I.LecunUniform),
    ("orthogonal", I.Orthogonal), ("Orthogonal", I.Orthogonal), ("zeros", I.Zeros),
    ("zero", I.Zeros), ("ones", I.Ones), ("one", I.Ones), ("random_normal", I.RandomNormal),
    ("normal", I.RandomNormal), ("uniform", I.RandomUniform),
    ("truncated_normal", I.TruncatedNormal), ("variance_scaling", I.VarianceScaling),
    ("constant", I.Constant), ("identity", I.Identity),
])
def test_get_resolves_snake_and_camel_names(name, cls):
    assert type(I.get(name)) is cls


def test_get_accepts_dicts_classes_instances_and_callables():
    init = I.get({"class_name": "RandomUniform", "config": {"minval": 0.0, "maxval": 1.0,
                                                            "seed": 3}})
    assert isinstance(init, I.RandomUniform) and init.seed == 3 and init.maxval == 1.0
    assert isinstance(I.get(I.HeUniform), I.HeUniform)
    same = I.Ones()
    assert I.get(same) is same

    def fn(shape, dtype=None):
        return np.ones(shape)

    assert I.get(fn) is fn
    assert I.get(None) is None


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(ValueError) as info:
        I.get("glorot_uniformm")
    assert "'glorot_uniformm'" in str(info.value) and "glorot_uniform" in str(info.value)
    with pytest.raises(ValueError, match="Unknown initializer"):
        I.get({"class_name": "Xavier", "config": {}})
    with pytest.raises(ValueError, match="Could not interpret"):
        I.get(3.5)


@pytest.mark.parametrize("init", [
    I.Zeros(), I.Ones(), I.Constant(1.5), I.Identity(3.0), I.RandomNormal(1.0, 2.0, seed=1),
    I.RandomUniform(-1.0, 2.0), I.TruncatedNormal(seed=9), I.VarianceScaling(2.0, "fan_out",
                                                                               "uniform", 4),
    I.GlorotUniform(seed=0), I.GlorotNormal(), I.HeUniform(), I.HeNormal(seed=1),
    I.LecunUniform(), I.LecunNormal(), I.Orthogonal(gain=0.5, seed=2),
])
def test_serialize_round_trips_through_json(init):
    config = json.loads(json.dumps(I.serialize(init)))
    revived = I.deserialize(config)
    assert type(revived) is type(init) and revived.get_config() == init.get_config()
    if init.get_config().get("seed") is not None:
        np.testing.assert_array_equal(revived((3, 4)), init((3, 4)))


def test_serialize_refuses_plain_functions():
    with pytest.raises(ValueError, match="Cannot serialize"):
        I.serialize(lambda shape, dtype=None: np.zeros(shape))
    assert I.serialize(None) is None
