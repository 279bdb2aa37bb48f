"""Functional models: several inputs and outputs (lists and dicts), shared layers, nested
models, graph order and errors, config round trip."""

import json

import numpy as np
import pytest

import ember
from ember import layers
from ember.models import Functional, Model, Sequential


def two_in_two_out():
    a = layers.Input(shape=(3,), name="a")
    b = layers.Input(shape=(2,), name="b")
    h = layers.Concatenate()([layers.Dense(4, activation="relu")(a), b])
    reg = layers.Dense(1, name="reg")(h)
    cls = layers.Dense(3, name="cls")(h)
    return a, b, reg, cls


def data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    xa = rng.normal(size=(n, 3)).astype(np.float32)
    xb = rng.normal(size=(n, 2)).astype(np.float32)
    return xa, xb, (xa.sum(1, keepdims=True) + xb[:, :1]), (xa[:, 0] > 0).astype(np.int64)


def test_model_of_inputs_and_outputs_is_functional_with_inputs_first():
    a, b, reg, cls = two_in_two_out()
    model = Model([a, b], [reg, cls])
    assert isinstance(model, Functional) and model.name == "functional"
    assert [la.name for la in model.layers] == ["a", "dense", "b", "concatenate", "reg", "cls"]
    assert model.input_names == ["a", "b"] and model.output_names == ["reg", "cls"]
    xa, xb, _, _ = data(5)
    out = model([xa, xb])
    assert isinstance(out, list) and [o.shape for o in out] == [(5, 1), (5, 3)]


def test_multi_output_training_with_per_output_losses_weights_and_metrics():
    ember.utils.set_random_seed(0)
    a, b, reg, cls = two_in_two_out()
    model = Model([a, b], [reg, cls])
    model.compile(optimizer=ember.optimizers.Adam(0.02),
                  loss=["mse", ember.losses.SparseCategoricalCrossentropy(from_logits=True)],
                  loss_weights=[1.0, 0.5], metrics={"cls": ["accuracy"]})
    xa, xb, yr, yc = data(128)
    history = model.fit([xa, xb], [yr, yc], epochs=40, batch_size=32, verbose=0)
    assert sorted(history.history) == ["cls_accuracy", "cls_loss", "loss", "reg_loss"]
    h = history.history
    # the total is the weighted sum of the per-output losses (running means over an epoch)
    np.testing.assert_allclose(h["loss"][-1], h["reg_loss"][-1] + 0.5 * h["cls_loss"][-1],
                               rtol=1e-4)
    assert h["loss"][-1] < h["loss"][0] / 4 and h["cls_accuracy"][-1] > 0.8
    result = model.evaluate([xa, xb], [yr, yc], verbose=0)
    assert len(result) == 4  # loss, reg_loss, cls_loss, cls_accuracy
    by_name = model.evaluate({"a": xa, "b": xb}, {"reg": yr, "cls": yc}, verbose=0,
                             return_dict=True)
    assert by_name["loss"] == pytest.approx(result[0], rel=1e-6)
    preds = model.predict([xa, xb], verbose=0)
    assert [p.shape for p in preds] == [(128, 1), (128, 3)]


def test_dict_inputs_and_outputs():
    x1, x2 = layers.Input(shape=(2,), name="left"), layers.Input(shape=(2,), name="right")
    s = layers.Add()([x1, x2])
    model = Model({"left": x1, "right": x2}, {"sum": layers.Dense(1, name="s")(s),
                                              "copy": layers.Identity(name="c")(s)})
    assert model.output_names == ["copy", "sum"]  # dicts flatten in sorted key order (Keras)
    out = model({"left": np.ones((2, 2)), "right": np.ones((2, 2))})
    assert set(out) == {"sum", "copy"} and np.array_equal(out["copy"].numpy(), 2 * np.ones((2, 2)))
    model.compile(optimizer="sgd", loss={"sum": "mse"})
    logs = model.train_on_batch({"left": np.ones((4, 2)), "right": np.zeros((4, 2))},
                                {"sum": np.ones((4, 1))}, return_dict=True)
    assert set(logs) == {"loss", "sum_loss"}
    with pytest.raises(ValueError, match="missing input"):
        model({"left": np.ones((2, 2))})


def test_a_shared_layer_is_two_nodes_with_one_set_of_weights():
    shared = layers.Dense(3, name="shared")
    x1, x2 = layers.Input(shape=(4,)), layers.Input(shape=(4,))
    y = layers.Subtract()([shared(x1), shared(x2)])
    model = Model([x1, x2], y)
    assert len(shared._inbound_nodes) == 2
    assert len(model.weights) == 2 and model.count_params() == 15
    v = np.random.default_rng(1).normal(size=(3, 4)).astype(np.float32)
    np.testing.assert_allclose(model([v, v]).numpy(), np.zeros((3, 3)), atol=1e-6)
    w = shared.kernel.numpy()
    np.testing.assert_allclose(model([v, 0 * v]).numpy(), v @ w, rtol=1e-5)


def test_nested_models_train_their_inner_weights():
    inner_in = layers.Input(shape=(3,))
    inner = Model(inner_in, layers.Dense(2, activation="tanh")(inner_in), name="inner")
    x = layers.Input(shape=(3,))
    outer = Model(x, layers.Dense(1)(inner(x)))
    assert inner in outer.layers and outer.count_params() == 8 + 3
    assert outer.layers[1].compute_output_shape((None, 3)) == (None, 2)
    outer.compile(optimizer="sgd", loss="mse")
    before = inner.get_weights()[0].copy()
    outer.fit(np.ones((4, 3), np.float32), np.ones((4, 1), np.float32), verbose=0)
    assert not np.array_equal(before, inner.get_weights()[0])


def test_explicit_training_argument_in_the_graph_wins():
    x = layers.Input(shape=(1000,))
    model = Model(x, layers.Dropout(0.5)(x, training=False))
    ones = np.ones((1, 1000), np.float32)
    assert np.array_equal(model(ones, training=True).numpy(), ones)


def test_graph_errors():
    a, b = layers.Input(shape=(2,)), layers.Input(shape=(2,))
    y = layers.Add()([a, b])
    with pytest.raises(ValueError, match="Graph disconnected"):
        Model(a, y)
    with pytest.raises(TypeError, match="symbolic tensors"):
        Model(np.zeros((1, 2)), y)
    c = layers.Input(shape=(2,))
    d1, d2 = layers.Dense(1, name="same"), layers.Dense(1, name="same")
    with pytest.raises(ValueError, match='"same" is used 2 times'):
        Model(c, layers.Add()([d1(c), d2(c)]))
    with pytest.raises(ValueError, match="expects 2 input"):
        Model([a, b], y)(np.zeros((1, 2)))


def test_long_chains_run_without_recursion():
    x = layers.Input(shape=(2,))
    h = x
    for _ in range(1500):
        h = layers.Identity()(h)
    model = Model(x, h)
    assert model(np.ones((1, 2))).shape == (1, 2)


def test_config_round_trip_with_shared_layers_and_nested_models():
    inner = Sequential([layers.Input(shape=(4,)), layers.Dense(4, activation="relu")],
                       name="block")
    shared = layers.Dense(4, name="shared")
    x1, x2 = layers.Input(shape=(4,), name="x1"), layers.Input(shape=(4,), name="x2")
    h = layers.Concatenate(name="cat")([shared(x1), inner(shared(x2))])
    model = Model([x1, x2], [layers.Dense(1, name="o1")(h), layers.Dense(2, name="o2")(h)])
    config = model.get_config()
    json.dumps(config)
    entry = next(e for e in config["layers"] if e["name"] == "shared")
    assert len(entry["inbound_nodes"]) == 2
    assert config["input_layers"] == [["x1", 0, 0], ["x2", 0, 0]]
    assert config["output_layers"] == [["o1", 0, 0], ["o2", 0, 0]]
    clone = Model.from_config(config)
    assert isinstance(clone, Functional)
    assert [la.name for la in clone.layers] == [la.name for la in model.layers]
    clone.set_weights(model.get_weights())
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(3, 4)).astype(np.float32) for _ in range(2)]
    for p, q in zip(model.predict(xs, verbose=0), clone.predict(xs, verbose=0)):
        np.testing.assert_allclose(p, q, rtol=1e-6)
