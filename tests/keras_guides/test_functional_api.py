"""keras.io "The Functional API", as a program run with ember and with Keras 3 (torch):
the encoder/decoder autoencoder (models called like layers, nested models), a toy ResNet
(residual `add`s), shared layers, and the multi-input, multi-output ticket model with named
inputs, a dict of outputs, loss and loss_weights dicts, trained on dict-keyed data."""

import numpy as np
import pytest

import ember
from tests.keras_guides.conftest import load_keras, run_once


def program(keras):
    layers = keras.layers
    out = {}

    encoder_input = keras.Input(shape=(28, 28, 1), name="original_img")
    x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    encoder_output = layers.GlobalMaxPooling2D()(x)
    encoder = keras.Model(encoder_input, encoder_output, name="encoder")
    decoder_input = keras.Input(shape=(16,), name="encoded_img")
    x = layers.Reshape((4, 4, 1))(decoder_input)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
    x = layers.UpSampling2D(3)(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)
    decoder = keras.Model(decoder_input, decoder_output, name="decoder")
    autoencoder_input = keras.Input(shape=(28, 28, 1), name="img")
    decoded_img = decoder(encoder(autoencoder_input))
    autoencoder = keras.Model(autoencoder_input, decoded_img, name="autoencoder")
    y = autoencoder(np.zeros((2, 28, 28, 1), "float32"))
    out["autoencoder"] = (encoder.count_params(), decoder.count_params(),
                          autoencoder.count_params(), tuple(y.shape),
                          len(autoencoder.layers))

    inputs = keras.Input(shape=(32, 32, 3), name="img")
    x = layers.Conv2D(8, 3, activation="relu")(inputs)
    block_1_output = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(8, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(8, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])
    x = layers.Conv2D(8, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(8, 3, activation="relu", padding="same")(x)
    block_3_output = layers.add([x, block_2_output])
    x = layers.GlobalAveragePooling2D()(block_3_output)
    x = layers.Dropout(0.5)(x)
    resnet = keras.Model(inputs, layers.Dense(10)(x), name="toy_resnet")
    out["resnet"] = (resnet.count_params(), len(resnet.layers))

    shared_embedding = layers.Embedding(1000, 16)
    text_input_a = keras.Input(shape=(None,), dtype="int32")
    text_input_b = keras.Input(shape=(None,), dtype="int32")
    encoded_a, encoded_b = shared_embedding(text_input_a), shared_embedding(text_input_b)
    shared = keras.Model([text_input_a, text_input_b], [encoded_a, encoded_b])
    out["shared"] = (shared.count_params(), len(shared.layers))

    num_tags, num_words, num_departments = 12, 1000, 4
    title_input = keras.Input(shape=(None,), name="title")
    body_input = keras.Input(shape=(None,), name="body")
    tags_input = keras.Input(shape=(num_tags,), name="tags")
    title_features = layers.Embedding(num_words, 16)(title_input)
    body_features = layers.Embedding(num_words, 16)(body_input)
    title_features = layers.LSTM(16)(title_features)
    body_features = layers.LSTM(8)(body_features)
    x = layers.concatenate([title_features, body_features, tags_input])
    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(num_departments, name="department")(x)
    model = keras.Model(inputs=[title_input, body_input, tags_input],
                        outputs={"priority": priority_pred, "department": department_pred})
    out["ticket_params"] = model.count_params()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    n = 320
    title_data = rng.integers(1, num_words, size=(n, 6))
    body_data = rng.integers(1, num_words, size=(n, 12))
    tags_data = rng.integers(0, 2, size=(n, num_tags)).astype("float32")
    priority_targets = (tags_data[:, :3].sum(axis=1, keepdims=True) >= 2).astype("float32")
    dept_targets = np.eye(num_departments, dtype="float32")[
        np.argmax(tags_data[:, 3:7] + 0.01 * np.arange(4), axis=1)]
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-2),
        loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
              "department": keras.losses.CategoricalCrossentropy(from_logits=True)},
        loss_weights={"priority": 1.0, "department": 0.2})
    history = model.fit({"title": title_data, "body": body_data, "tags": tags_data},
                        {"priority": priority_targets, "department": dept_targets},
                        epochs=6, batch_size=32, verbose=0)
    out["ticket_keys"] = sorted(k for k in history.history if k != "learning_rate")
    out["ticket_loss"] = (history.history["loss"][0], history.history["loss"][-1])
    pred = model.predict({"title": title_data[:4], "body": body_data[:4],
                          "tags": tags_data[:4]}, verbose=0)
    out["ticket_predict"] = sorted((k, tuple(np.shape(v))) for k, v in pred.items())
    return out


def check(out):
    # parameter counts as Keras gives them for this guide's layers
    enc = 160 + 4640 + 9248 + 4624
    dec = 160 + 4640 + 4624 + 145
    assert out["autoencoder"] == (enc, dec, enc + dec, (2, 28, 28, 1), 3)
    assert out["resnet"] == (224 + 4 * 584 + 90, 12)
    assert out["shared"] == (16000, 3)
    assert out["ticket_keys"] == ["department_loss", "loss", "priority_loss"]
    first, last = out["ticket_loss"]
    assert last < 0.6 * first
    assert out["ticket_predict"] == [("department", (4, 4)), ("priority", (4, 1))]


def test_functional_api_guide(keras):
    check(run_once(program, keras))


@pytest.mark.slow
def test_functional_api_matches_keras():
    ours, theirs = run_once(program, ember), run_once(program, load_keras())
    for key in ("autoencoder", "resnet", "shared", "ticket_params", "ticket_keys",
                "ticket_predict"):
        assert ours[key] == theirs[key], key
    assert ours["ticket_loss"][1] == pytest.approx(theirs["ticket_loss"][1], rel=0.35)
