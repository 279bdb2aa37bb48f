"""The notes' Keras flow, run as written with `import ember as keras`, and end-to-end training:
XOR with a hidden layer, a regression, and bit-for-bit repeatability under a seed."""

import types

import numpy as np

import ember
from ember.layers import Dropout


def test_the_notes_keras_flow_runs_as_written(keras, capsys):
    keras = ember  # `import ember as keras` (the fixture provides the Keras names)
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (100, 3)).astype(np.float32)  # noqa: N806  (the notes' names)
    Y = types.SimpleNamespace(values=(X.sum(axis=1, keepdims=True) > 0).astype(np.float32))  # noqa: N806

    model = keras.Sequential(
        [keras.layers.Dense(2, activation="sigmoid", input_shape=(X.shape[-1],)),
         keras.layers.Dense(1, activation="linear")
         ])
    model.summary()
    model.compile(optimizer=keras.optimizers.SGD(), loss="mean_squared_error")
    history = model.fit(X, Y.values, epochs=10, batch_size=32)
    predictions = model.predict(X)[:, 0]
    model.add(Dropout(0.2))

    out = capsys.readouterr().out
    assert 'Model: "sequential"' in out and "Total params: 11 (44.00 B)" in out
    assert out.count("Epoch ") == 10 and "4/4 " in out
    assert len(history.history["loss"]) == 10
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert predictions.shape == (100,) and predictions.dtype == np.float32
    assert [type(la).__name__ for la in model.layers] == ["Dense", "Dense", "Dropout"]
    # Dropout is inactive at inference: predictions are unchanged by the added layer
    np.testing.assert_allclose(model.predict(X, verbose=0)[:, 0], predictions, rtol=1e-6)


def test_xor_with_a_hidden_layer_converges(keras):
    ember.utils.set_random_seed(3)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    model = keras.Sequential([keras.layers.Dense(8, activation="tanh", input_shape=(2,)),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05),
                  loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=300, batch_size=4, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
    assert history.history["loss"][-1] < 0.05
    np.testing.assert_array_equal(model.predict(x, verbose=0).round(), y)


def test_a_regression_converges(keras, make_regression):
    ember.utils.set_random_seed(0)
    x, y = make_regression(n=512)
    model = keras.Sequential([keras.layers.Input(shape=(3,)),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=60, batch_size=32, verbose=0)
    loss, mae = model.evaluate(x, y, verbose=0)
    assert history.history["loss"][0] > 10 * loss
    assert loss < 5e-3 and mae < 0.06


def _seeded_run(seed, make_classification):
    ember.layers.clear_session()
    ember.utils.set_random_seed(seed)
    x, y = make_classification(n=128)
    model = ember.models.Sequential([ember.layers.Input(shape=(4,)),
                                     ember.layers.Dense(8, activation="relu"),
                                     ember.layers.Dropout(0.3),
                                     ember.layers.Dense(3)])
    model.compile(optimizer="adam",
                  loss=ember.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0)
    return history.history, model.get_weights()


def test_set_random_seed_twice_gives_bit_identical_fits(make_classification):
    h1, w1 = _seeded_run(7, make_classification)
    h2, w2 = _seeded_run(7, make_classification)
    assert h1 == h2
    assert all(np.array_equal(a, b) for a, b in zip(w1, w2))
    h3, w3 = _seeded_run(8, make_classification)
    assert not all(np.array_equal(a, b) for a, b in zip(w1, w3))


def test_training_is_float32_end_to_end(keras, make_regression):
    x, y = make_regression(n=64)
    model = keras.Sequential([keras.layers.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x.astype(np.float64), y.astype(np.float64), epochs=1, verbose=0)
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert model.predict(x.astype(np.float64), verbose=0).dtype == np.float32
