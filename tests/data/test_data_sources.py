"""Every data source of fit / evaluate / predict gives the same training as NumPy arrays, and
structures that do not fit the model fail with the model's inputs named."""

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import ember
from ember.data import Dataset, PyDataset


def data(n=40):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)


def model():
    ember.utils.set_random_seed(11)
    m = ember.models.Sequential([ember.layers.Input(shape=(3,), name="features"),
                                 ember.layers.Dense(4), ember.layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return m


def two_input_model(keyed=False):
    ember.utils.set_random_seed(5)
    a = ember.layers.Input(shape=(3,), name="a")
    b = ember.layers.Input(shape=(2,), name="b")
    out = ember.layers.Dense(1)(ember.layers.Concatenate()([a, b]))
    m = ember.models.Model({"a": a, "b": b} if keyed else [a, b], out)
    m.compile(optimizer="sgd", loss="mse")
    return m


def weights(m):
    return [w.numpy() for w in m.weights]


def reference(epochs=2):
    x, y = data()
    m = model()
    h = m.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0)
    return m, h


def assert_same_training(m, h):
    ref, ref_h = reference(len(h.history["loss"]))
    for a, b in zip(weights(ref), weights(m)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ref_h.history["loss"], h.history["loss"], rtol=1e-6)


# ------------------------------------------------------------------ in-memory sources
def test_python_lists_of_numbers():
    x, y = data()
    m = model()
    h = m.fit(x.tolist(), y.tolist(), batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert_same_training(m, h)
    assert m.predict(x.tolist(), verbose=0).shape == (40, 1)
    assert np.isfinite(m.evaluate(x.tolist(), y[:, 0].tolist(), verbose=0)[0])
    with pytest.raises(TypeError, match="`x` must be an array of numbers"):
        m.fit([[1.0, 2.0, 3.0], [1.0, 2.0]], [1.0, 2.0], verbose=0)


def test_pandas_dataframe_and_series():
    pd = pytest.importorskip("pandas")
    x, y = data()
    m = model()
    h = m.fit(pd.DataFrame(x, columns=["p", "q", "r"]), pd.Series(y[:, 0]).to_frame(),
              batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert_same_training(m, h)
    h = model().fit(pd.DataFrame(x), pd.Series(y[:, 0]), validation_split=0.25, verbose=0)
    assert len(h.history["val_loss"]) == 1
    frame = pd.DataFrame({"n": [1.0, 2.0], "s": ["a", "b"]})
    with pytest.raises(TypeError, match="non-numeric columns"):
        model().predict(frame, verbose=0)


def test_lists_and_dicts_of_arrays_by_input_name():
    x, y = data()
    xb = x[:, :2] * 2
    ref = two_input_model()
    ref.fit([x, xb], y, batch_size=10, shuffle=False, verbose=0)
    by_name = two_input_model()
    by_name.fit({"b": xb, "a": x}, y, batch_size=10, shuffle=False, verbose=0)
    keyed = two_input_model(keyed=True)
    keyed.fit({"a": x, "b": xb}, y, batch_size=10, shuffle=False, verbose=0)
    for m in (by_name, keyed):
        for a, b in zip(weights(ref), weights(m)):
            np.testing.assert_array_equal(a, b)
    one = model()  # a one-input model takes a dict keyed by its input's name
    one.fit({"features": x}, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(weights(reference()[0]), weights(one)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_torch_tensors_are_read_without_a_copy():
    torch = pytest.importorskip("torch")
    from ember.data.arrays import to_numpy

    t = torch.arange(6, dtype=torch.float32).reshape(3, 2)
    assert np.shares_memory(to_numpy(t), t.numpy())
    x, y = data()
    m = model()
    h = m.fit(torch.from_numpy(x), torch.from_numpy(y), batch_size=8, epochs=2, shuffle=False,
              verbose=0)
    assert_same_training(m, h)


def test_ember_imports_neither_pandas_nor_torch():
    code = ("import sys, numpy as np, ember\n"
            "m = ember.models.Sequential([ember.layers.Input(shape=(2,)), "
            "ember.layers.Dense(1)])\n"
            "m.compile(optimizer='sgd', loss='mse')\n"
            "m.fit(np.ones((4, 2)).tolist(), np.ones((4, 1)), verbose=0)\n"
            "print('pandas' in sys.modules, 'torch' in sys.modules)\n")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(ember.__file__)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=120, check=True)
    assert out.stdout.split() == ["False", "False"]


# ------------------------------------------------------------------ batch sources
class Batches(PyDataset):
    def __init__(self, x, y, size, delay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.size, self.delay = x, y, size, delay
        self.begins = self.ends = 0
        self.threads = set()

    def __len__(self):
        return -(-len(self.x) // self.size)

    def __getitem__(self, i):
        if self.delay:  # later batches come back first: the order must still hold
            time.sleep(self.delay * ((len(self) - i) % 3))
        self.threads.add(threading.get_ident())
        s = slice(i * self.size, (i + 1) * self.size)
        return self.x[s], self.y[s]

    def on_epoch_begin(self):
        self.begins += 1

    def on_epoch_end(self):
        self.ends += 1


@pytest.mark.parametrize("kwargs", [{}, {"workers": 3, "max_queue_size": 2},
                                    {"workers": 2, "use_multiprocessing": True}])
def test_py_dataset_workers_keep_the_order(kwargs):
    x, y = data()
    seq = Batches(x, y, 8, delay=0.01 if kwargs else 0.0, **kwargs)
    m = model()
    h = m.fit(seq, epochs=2, shuffle=False, verbose=0)
    assert_same_training(m, h)
    assert (seq.begins, seq.ends) == (2, 2)
    if kwargs.get("workers", 1) > 1 and not kwargs.get("use_multiprocessing"):
        assert threading.get_ident() not in seq.threads and len(seq.threads) >= 2
    np.testing.assert_allclose(m.predict(seq, verbose=0), m.predict(x, verbose=0), rtol=1e-6)


def test_py_dataset_epochs_carry_on_as_keras():
    """Keras 3.15 asks for [0, 1, 2], [3, 4] (the pass ran out), [0, 1, 2] with
    steps_per_epoch=3 on 5 batches, and calls the epoch hooks in evaluate/predict too."""
    x, y = data(50)
    seen = []

    class Five(PyDataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            seen.append(i)
            return x[i * 10:(i + 1) * 10], y[i * 10:(i + 1) * 10]

        def on_epoch_begin(self):
            seen.append("begin")

        def on_epoch_end(self):
            seen.append("end")

    m = model()
    m.fit(Five(), steps_per_epoch=3, epochs=3, shuffle=False, verbose=0)
    assert seen == ["begin", 0, 1, 2, "end", "begin", 3, 4, "end", "begin", 0, 1, 2, "end"]
    seen.clear()
    m.predict(Five(), verbose=0)
    assert seen == ["begin", 0, 1, 2, 3, 4, "end"]


def test_infinite_py_dataset_and_super_not_called():
    x, y = data()

    class Forever(PyDataset):
        def __init__(self):  # no super().__init__(): Keras warns and uses the defaults
            pass

        @property
        def num_batches(self):
            return None

        def __getitem__(self, i):
            s = slice((i * 8) % 40, (i * 8) % 40 + 8)
            return x[s], y[s]

    with pytest.raises(ValueError, match="infinite.*steps_per_epoch"):
        model().fit(Forever(), verbose=0)
    m = model()
    with pytest.warns(UserWarning, match="super"):
        h = m.fit(Forever(), steps_per_epoch=5, epochs=2, verbose=0)
    assert_same_training(m, h)


def test_torch_dataloader():
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader, TensorDataset

    x, y = data()
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=8,
                        shuffle=False)
    m = model()
    h = m.fit(loader, epochs=2, validation_data=loader, verbose=0)
    assert_same_training(m, h)
    assert len(h.history["val_loss"]) == 2
    assert m.predict(loader, verbose=0).shape == (40, 1)
    assert m.evaluate(loader, verbose=0, return_dict=True)["loss"] == pytest.approx(
        m.evaluate(x, y, verbose=0, return_dict=True)["loss"], rel=1e-5)
    h = model().fit(loader, epochs=2, steps_per_epoch=3, validation_data=loader,
                    validation_steps=2, verbose=0)  # 3 of 5 batches, carried on over epochs
    assert len(h.history["loss"]) == 2


def test_any_reiterable_of_batches_and_generators():
    x, y = data()

    class Loader:  # no len: unknown length, iterated afresh each epoch
        def __iter__(self):
            return ((x[i:i + 8], y[i:i + 8]) for i in range(0, 40, 8))

    m = model()
    assert_same_training(m, m.fit(Loader(), epochs=2, verbose=0))
    m = model()
    gen = ((x[i % 40:i % 40 + 8], y[i % 40:i % 40 + 8]) for i in range(0, 10**6, 8))
    assert_same_training(m, m.fit(gen, steps_per_epoch=5, epochs=2, verbose=0))
    m = model()
    batches = [(x[i:i + 8], y[i:i + 8]) for i in range(0, 40, 8)]
    assert_same_training(m, m.fit(iter(batches * 2), steps_per_epoch=5, epochs=2, verbose=0))


def test_sample_and_class_weight_and_validation_arguments():
    x, y = data()
    labels = (y[:, 0] > 0).astype(np.int64)
    m = ember.models.Sequential([ember.layers.Input(shape=(3,)),
                                 ember.layers.Dense(2, activation="softmax")])
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    cw = {0: 1.0, 1: 3.0}
    seq = Batches(x, labels, 8)
    h = m.fit(seq, class_weight=cw, validation_data=(x, labels), validation_steps=2,
              epochs=2, verbose=0)
    assert len(h.history["val_loss"]) == 2
    m.fit(x.tolist(), labels.tolist(), sample_weight=np.ones(40).tolist(), epochs=1,
          validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="cannot be specified at the same time"):
        m.fit(x, labels, sample_weight=np.ones(40), class_weight=cw, verbose=0)


# ------------------------------------------------------------------ structures that do not fit
def test_structures_that_do_not_fit_name_the_inputs():
    x, y = data()
    one = model()
    with pytest.raises(ValueError, match=r"has 1 input \('features'\); received a dict with "
                                         r"keys \['image'\] \(no input is named \['image'\]\)"):
        one.fit({"image": x}, y, verbose=0)
    with pytest.raises(ValueError, match=r"has 1 input \('features'\); received 2 arrays"):
        one.fit((x, x), y, verbose=0)
    two = two_input_model()
    with pytest.raises(ValueError, match=r"has 2 inputs \['a', 'b'\]; received 3 arrays"):
        two.fit([x, x[:, :2], x], y, verbose=0)
    with pytest.raises(ValueError, match=r"has 2 inputs \['a', 'b'\]; received 1 array"):
        two.predict(x, verbose=0)
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        two_input_model(keyed=True).fit({"a": x, "c": x}, y, verbose=0)
    with pytest.raises(ValueError, match="x has 40, y has 30"):
        one.fit(x, y[:30], verbose=0)

    def three_of_two():
        while True:
            yield x[:4], y[:4], np.ones(4), np.ones(4)

    with pytest.raises(ValueError, match=r"`\(x, y, sample_weight\)`; received a tuple of "
                                         "length 4"):
        one.fit(three_of_two(), steps_per_epoch=2, verbose=0)

    def ragged():
        while True:
            yield x[:4], y[:3]

    with pytest.raises(ValueError, match="x has 4, y has 3"):
        one.fit(ragged(), steps_per_epoch=2, verbose=0)

    def dict_batches():
        while True:
            yield {"pixels": x[:4]}, y[:4]

    with pytest.raises(ValueError, match=r"no input is named \['pixels'\]"):
        one.fit(dict_batches(), steps_per_epoch=1, verbose=0)
    with pytest.raises(ValueError, match="validation_data"):
        one.fit(x, y, validation_data=x, verbose=0)
    unbuilt = ember.models.Sequential([ember.layers.Dense(1)])  # no Input: still one input
    unbuilt.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"Model 'sequential\w*' has 1 input.*keys \['foo'\]"):
        unbuilt.fit({"foo": x}, y, verbose=0)


def test_dataset_of_dicts_feeds_named_inputs():
    x, y = data()
    xb = x[:, :2]
    m = two_input_model(keyed=True)
    ds = Dataset.from_tensor_slices(({"b": xb, "a": x}, y)).batch(10)
    h = m.fit(ds, epochs=1, verbose=0)
    ref = two_input_model(keyed=True)
    ref_h = ref.fit({"a": x, "b": xb}, y, batch_size=10, shuffle=False, verbose=0)
    assert h.history["loss"] == ref_h.history["loss"]
