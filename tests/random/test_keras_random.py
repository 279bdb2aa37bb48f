"""ember.random = keras.random: distributions (moments on large samples), seeds (int,
SeedGenerator, None under set_random_seed), layers owning a SeedGenerator."""

import numpy as np
import pytest

import ember
from ember import layers

N = 200_000


def test_normal_uniform_truncated_moments():
    x = ember.random.normal((N,), mean=2.0, stddev=3.0, seed=1).numpy()
    assert x.dtype == np.float32
    assert abs(x.mean() - 2.0) < 0.03 and abs(x.std() - 3.0) < 0.03
    u = ember.random.uniform((N,), minval=-1.0, maxval=3.0, seed=2).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0
    assert abs(u.mean() - 1.0) < 0.02 and abs(u.var() - 16 / 12) < 0.02
    t = ember.random.truncated_normal((N,), mean=1.0, stddev=2.0, seed=3).numpy()
    assert np.abs(t - 1.0).max() <= 4.0 + 1e-6
    # N(0,1) truncated to [-2, 2] has variance 1 - 2*2*phi(2)/(Phi(2)-Phi(-2)) = 0.7737
    assert abs(t.mean() - 1.0) < 0.02 and abs(t.var() / 4.0 - 0.7737) < 0.01


def test_gamma_beta_binomial_moments():
    g = ember.random.gamma((N,), alpha=3.0, seed=4).numpy()
    assert abs(g.mean() - 3.0) < 0.03 and abs(g.var() - 3.0) < 0.1
    b = ember.random.beta((N,), alpha=2.0, beta=5.0, seed=5).numpy()
    assert abs(b.mean() - 2 / 7) < 0.003 and abs(b.var() - 10 / (49 * 8)) < 0.002
    k = ember.random.binomial((N,), counts=10, probabilities=0.3, seed=6).numpy()
    assert k.dtype == np.float32 and set(np.unique(k)) <= set(range(11))
    assert abs(k.mean() - 3.0) < 0.02 and abs(k.var() - 2.1) < 0.05


def test_randint_and_categorical_frequencies():
    r = ember.random.randint((N,), 2, 6, seed=7).numpy()
    assert r.dtype == np.int32 and set(np.unique(r)) == {2, 3, 4, 5}
    np.testing.assert_allclose(np.bincount(r)[2:] / N, 0.25, atol=0.005)
    p = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    s = ember.random.categorical(np.log(p), 50_000, seed=8).numpy()
    assert s.shape == (2, 50_000) and s.dtype == np.int32
    for row in range(2):
        np.testing.assert_allclose(np.bincount(s[row], minlength=3) / 50_000, p[row], atol=0.01)
    with pytest.raises(ValueError, match="2-D"):
        ember.random.categorical(np.zeros(3), 2)


def test_dropout_rate_and_gradient():
    x = ember.Variable(np.ones((400, 500), np.float32))
    y = ember.random.dropout(x, 0.3, seed=9)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.005
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy() != 0, kept)  # the same mask backwards
    assert (ember.random.dropout(np.ones((2, 2)), 1.0).numpy() == 0).all()
    row = ember.random.dropout(np.ones((4, 6), np.float32), 0.5, noise_shape=(4, 1), seed=1)
    assert all(len(set(r)) == 1 for r in row.numpy().tolist())  # one decision per row


def test_shuffle_is_a_permutation_and_differentiable():
    x = np.arange(24, dtype=np.float32).reshape(6, 4)
    s = ember.random.shuffle(x, seed=0).numpy()
    assert sorted(map(tuple, s.tolist())) == sorted(map(tuple, x.tolist()))  # rows kept whole
    assert not np.array_equal(s, x)
    s1 = ember.random.shuffle(x, axis=1, seed=0).numpy()
    for a, b in zip(s1, x):
        assert sorted(a) == sorted(b)
    v = ember.Variable(x)
    ember.random.shuffle(v, seed=3).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), np.ones_like(x))


def test_int_seed_repeats_and_matches_the_state_stream():
    a = ember.random.normal((5,), seed=11).numpy()
    np.testing.assert_array_equal(a, ember.random.normal((5,), seed=11).numpy())
    # the stream of the state [seed, 0], as Keras' NumPy backend
    expected = np.random.default_rng(np.array([11, 0], np.uint32)).normal(size=5)
    np.testing.assert_array_equal(a, expected.astype(np.float32))
    assert not np.array_equal(a, ember.random.normal((5,), seed=12).numpy())


def test_seed_generator_advances_and_repeats_from_its_seed():
    g1, g2 = ember.random.SeedGenerator(3), ember.random.SeedGenerator(3)
    first = [ember.random.uniform((4,), seed=g1).numpy() for _ in range(3)]
    assert not np.array_equal(first[0], first[1]) and not np.array_equal(first[1], first[2])
    second = [ember.random.uniform((4,), seed=g2).numpy() for _ in range(3)]
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    np.testing.assert_array_equal(first[0], ember.random.uniform((4,), seed=3).numpy())
    assert g1.state.numpy().tolist() == [3, 3] and g1.state.dtype == np.uint32
    assert not g1.state.trainable
    assert g1.get_config() == {"seed": 3, "name": g1.name}
    assert g1.next().numpy().tolist() == [3, 3] and g1.state.numpy().tolist() == [3, 4]


def test_seed_errors_name_the_argument():
    with pytest.raises(ValueError, match="seed"):
        ember.random.normal((2,), seed=-1)
    with pytest.raises(ValueError, match="seed"):
        ember.random.normal((2,), seed="abc")
    with pytest.raises(ValueError, match="must be an integer"):
        ember.random.SeedGenerator(1.5)
    with pytest.raises(ValueError, match="2\\*\\*32"):
        ember.random.SeedGenerator(2**32)
    with pytest.raises(ValueError, match="floating point"):
        ember.random.normal((2,), dtype="int32")


def test_seed_generator_without_seed_repeats_under_set_random_seed():
    ember.utils.set_random_seed(5)
    a = ember.random.normal((3,), seed=ember.random.SeedGenerator()).numpy()
    b = ember.random.normal((3,)).numpy()  # seed=None: the global generator
    ember.utils.set_random_seed(5)
    np.testing.assert_array_equal(a, ember.random.normal(
        (3,), seed=ember.random.SeedGenerator()).numpy())
    np.testing.assert_array_equal(b, ember.random.normal((3,)).numpy())


class Noise(layers.Layer):
    def __init__(self, stddev=0.5, **kwargs):
        super().__init__(**kwargs)
        self.stddev = stddev
        self.seed_generator = ember.random.SeedGenerator(1337)

    def call(self, x, training=False):
        if not training:
            return x
        return x + ember.random.normal(x.shape, stddev=self.stddev, seed=self.seed_generator)


def test_a_layer_tracks_its_seed_generator_as_state_not_weights():
    inner = Noise()
    model = ember.models.Sequential([layers.Input(shape=(3,)), layers.Dense(2), inner])
    assert inner.variables == [inner.seed_generator.state]
    assert inner.weights == [] and inner.non_trainable_variables == [inner.seed_generator.state]
    assert any(v is inner.seed_generator.state for v in model.variables)
    assert all(v is not inner.seed_generator.state for v in model.weights)
    assert model.count_params() == 3 * 2 + 2
    x = np.ones((2, 3), np.float32)
    a, b = inner(x, training=True).numpy(), inner(x, training=True).numpy()
    assert not np.array_equal(a, b) and inner.seed_generator.state.numpy().tolist() == [1337, 2]


def test_a_model_with_random_layers_repeats_under_set_random_seed():
    def run():
        ember.utils.set_random_seed(21)
        model = ember.models.Sequential([layers.Input(shape=(3,)), Noise(),
                                         layers.Dense(4, activation="relu"),
                                         layers.Dropout(0.3), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        x = ember.random.normal((64, 3), seed=1).numpy()
        y = x.sum(axis=1, keepdims=True)
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        return model.get_weights()

    first, second = run(), run()
    assert all(np.array_equal(a, b) for a, b in zip(first, second))


def _params(fn):
    import inspect  # noqa: PLC0415

    target = fn.__init__ if isinstance(fn, type) else fn
    return [(p.name, p.default) for p in inspect.signature(target).parameters.values()]


@pytest.mark.slow
def test_names_and_signatures_are_keras():
    """Every public name of keras.random exists in ember.random with Keras' parameters and
    defaults (Keras 3 on torch, skipped when absent)."""
    import os  # noqa: PLC0415

    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    names = [n for n in dir(keras.random) if not n.startswith("_")]
    assert len(names) >= 11
    for name in names:
        assert hasattr(ember.random, name), name
        assert _params(getattr(ember.random, name)) == _params(getattr(keras.random, name)), name
