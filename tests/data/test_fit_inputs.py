"""fit / evaluate / predict on a Dataset, a generator and a Sequence, with Keras' rules."""

import numpy as np
import pytest

import ember
from ember.data import Dataset, Sequence


def data(n=40):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)


def model():
    ember.utils.set_random_seed(11)
    m = ember.models.Sequential([ember.layers.Input(shape=(3,)), ember.layers.Dense(4),
                                 ember.layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return m


def weights(m):
    return [w.numpy() for w in m.weights]


def test_fit_on_dataset_equals_fit_on_arrays():
    x, y = data()
    a = model()
    ha = a.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    b = model()
    hb = b.fit(Dataset.from_tensor_slices((x, y)).batch(8), epochs=3, verbose=0)
    for wa, wb in zip(weights(a), weights(b)):
        np.testing.assert_array_equal(wa, wb)
    assert ha.history["loss"] == hb.history["loss"]
    assert a.evaluate(x, y, verbose=0) == b.evaluate(Dataset.from_tensor_slices((x, y)).batch(
        16), verbose=0)
    # Same batch size on both sides: BLAS may pick another kernel for another batch size.
    np.testing.assert_array_equal(a.predict(x, batch_size=7, verbose=0),
                                  b.predict(Dataset.from_tensor_slices(x).batch(7), verbose=0))


def test_fit_on_prefetched_shuffled_dataset_is_repeatable():
    x, y = data()
    make = lambda: Dataset.from_tensor_slices((x, y)).shuffle(40, seed=1).batch(8)
    a, b = model(), model()
    a.fit(make(), epochs=2, verbose=0)
    b.fit(make().prefetch(2), epochs=2, verbose=0)
    for wa, wb in zip(weights(a), weights(b)):
        np.testing.assert_array_equal(wa, wb)


def test_validation_dataset_and_logs():
    x, y = data()
    h = model().fit(Dataset.from_tensor_slices((x, y)).batch(8), epochs=2, verbose=0,
                    validation_data=Dataset.from_tensor_slices((x[:10], y[:10])).batch(5))
    assert len(h.history["val_loss"]) == 2 and np.isfinite(h.history["val_mae"]).all()


def test_infinite_generator_needs_steps_and_carries_on():
    x, y = data()

    def forever():
        i = 0
        while True:
            yield x[i % 40:i % 40 + 8], y[i % 40:i % 40 + 8]
            i += 8

    m = model()
    h = m.fit(forever(), steps_per_epoch=5, epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2
    with pytest.raises(ValueError, match="infinite.*steps_per_epoch"):
        m.fit(Dataset.from_tensor_slices((x, y)).batch(8).repeat(), epochs=1, verbose=0)
    m.fit(Dataset.from_tensor_slices((x, y)).batch(8).repeat(), steps_per_epoch=3, epochs=2,
          verbose=0)


def test_finite_generator_runs_out_after_one_pass():
    x, y = data()
    gen = ((x[i:i + 10], y[i:i + 10]) for i in range(0, 40, 10))
    m = model()
    m.fit(gen, epochs=1, verbose=0)
    gen = ((x[i:i + 10], y[i:i + 10]) for i in range(0, 40, 10))
    with pytest.raises(ValueError, match="ran out of data"):
        m.fit(gen, epochs=2, verbose=0)


class Batches(Sequence):
    def __init__(self, x, y, size):
        super().__init__()
        self.x, self.y, self.size, self.ends = x, y, size, 0

    def __len__(self):
        return -(-len(self.x) // self.size)

    def __getitem__(self, i):
        s = slice(i * self.size, (i + 1) * self.size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.ends += 1


def test_sequence_input_equals_arrays_and_calls_on_epoch_end():
    x, y = data()
    a = model()
    a.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    seq = Batches(x, y, 8)
    b = model()
    b.fit(seq, epochs=2, shuffle=False, verbose=0)
    for wa, wb in zip(weights(a), weights(b)):
        np.testing.assert_array_equal(wa, wb)
    assert seq.ends == 2
    assert ember.utils.Sequence is Sequence and ember.utils.PyDataset is Sequence
    assert b.predict(Batches(x, y, 16), verbose=0).shape == (40, 1)
    c = model()
    c.fit(Batches(x, y, 8), epochs=1, verbose=0)  # shuffled batch order: still trains
    assert b.evaluate(seq, verbose=0)[0] == pytest.approx(b.evaluate(x, y, verbose=0)[0],
                                                          rel=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    ({"y": np.zeros((40, 1))}, "`y` argument is not supported"),
    ({"validation_split": 0.2}, "`validation_split` is only supported for NumPy"),
    ({"sample_weight": np.ones(40)}, "`sample_weight` argument"),
])
def test_keras_rules(kwargs, match):
    x, y = data()
    with pytest.raises(ValueError, match=match):
        model().fit(Dataset.from_tensor_slices((x, y)).batch(8), verbose=0, **kwargs)
    with pytest.warns(UserWarning, match=r"ignored: `x` is a Sequence \(Batches\)"):
        model().evaluate(Batches(x, y, 8), batch_size=4, verbose=0)  # as Keras: ignored
    with pytest.raises(ValueError, match="not for a generator;"):
        model().fit((b for b in [(x, y)]), validation_split=0.5, verbose=0)
    with pytest.raises(ValueError, match=r"not for a Python iterator \(list_iterator\)"):
        model().fit(iter([(x, y)]), validation_split=0.5, verbose=0)
    with pytest.raises(ValueError, match="not for a Dataset;"):
        model().fit(Dataset.from_generator(lambda: iter([(x, y)])), validation_split=0.5)


def test_class_weight_and_validate_inputs_with_dataset():
    x, y = data()
    labels = (y[:, 0] > 0).astype(np.int64)
    m = ember.models.Sequential([ember.layers.Input(shape=(3,)),
                                 ember.layers.Dense(2, activation="softmax")])
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    m.fit(Dataset.from_tensor_slices((x, labels)).batch(8), class_weight={0: 1.0, 1: 3.0},
          verbose=0)
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        m.fit(Dataset.from_tensor_slices((bad, labels)).batch(8), validate_inputs=True,
              verbose=0)
