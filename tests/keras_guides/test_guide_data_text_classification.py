"""keras.io "Text classification from scratch" (examples/nlp/
text_classification_from_scratch.py, Mark Omernick and fchollet) run with
`import ember as keras`, offline: small synthetic "reviews" (positive and negative words
among filler, some `<br />` tags) written to `train/{neg,pos}` and `test/{neg,pos}` folders
stand in for IMDB, and the sizes are scaled down (vocabulary 2,000, sequences of 40 tokens,
16 filters, 7 epochs on 960 texts). The program is the guide's: `text_dataset_from_directory` with
validation_split/subset/seed, a custom standardization, `TextVectorization.adapt` on the
text-only dataset, `Dataset.map` to vectorize, `cache().prefetch()`, an Embedding/Conv1D/
GlobalMaxPooling1D model, `fit(train_ds, validation_data=val_ds)` and `evaluate(test_ds)`.
Keras' `text_dataset_from_directory` and `TextVectorization` need TensorFlow: the Keras run
is skipped without it."""

import os
import re
import string

import numpy as np
import pytest

import ember

POSITIVE = ["great", "wonderful", "loved", "superb", "moving", "brilliant", "fun", "best"]
NEGATIVE = ["awful", "boring", "hated", "worst", "dull", "terrible", "waste", "bad"]
FILLER = ["the", "movie", "plot", "actor", "scene", "was", "and", "a", "it", "film", "story",
          "ending", "music", "this", "with", "very", "quite", "director", "cast", "really"]


def write_reviews(root, n_per_class, seed):
    rng = np.random.default_rng(seed)
    for label, words in (("neg", NEGATIVE), ("pos", POSITIVE)):
        os.makedirs(root / label)
        for i in range(n_per_class):
            tokens = list(rng.choice(FILLER, size=rng.integers(15, 30)))
            for position in rng.integers(0, len(tokens), size=3):
                tokens.insert(int(position), str(rng.choice(words)) + rng.choice(["", "!", "."]))
            if i % 3 == 0:
                tokens.insert(5, "<br />")
            (root / label / f"{i}_{label}.txt").write_text(" ".join(tokens).capitalize())


def program(keras, data_dir, epochs=7):
    """The guide's code, scaled down; `keras` is ember or Keras."""
    batch_size = 32
    raw_train_ds = keras.utils.text_dataset_from_directory(
        data_dir / "train", batch_size=batch_size, validation_split=0.2, subset="training",
        seed=1337)
    raw_val_ds = keras.utils.text_dataset_from_directory(
        data_dir / "train", batch_size=batch_size, validation_split=0.2, subset="validation",
        seed=1337)
    raw_test_ds = keras.utils.text_dataset_from_directory(data_dir / "test",
                                                          batch_size=batch_size)

    def custom_standardization(input_data):
        lowercase = input_data.lower()
        stripped_html = lowercase.replace("<br />", " ")
        return re.sub(f"[{re.escape(string.punctuation)}]", "", stripped_html)

    max_features = 2000
    embedding_dim = 16
    sequence_length = 40

    vectorize_layer = keras.layers.TextVectorization(
        standardize=custom_standardization, max_tokens=max_features, output_mode="int",
        output_sequence_length=sequence_length)
    text_ds = raw_train_ds.map(lambda x, y: x)
    vectorize_layer.adapt(text_ds)

    def vectorize_text(text, label):
        text = np.expand_dims(text, -1)
        return vectorize_layer(text), label

    train_ds = raw_train_ds.map(vectorize_text)
    val_ds = raw_val_ds.map(vectorize_text)
    test_ds = raw_test_ds.map(vectorize_text)
    train_ds = train_ds.cache().prefetch(buffer_size=10)
    val_ds = val_ds.cache().prefetch(buffer_size=10)
    test_ds = test_ds.cache().prefetch(buffer_size=10)

    layers = keras.layers
    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(max_features, embedding_dim)(inputs)
    x = layers.Dropout(0.5)(x)
    x = layers.Conv1D(16, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.Conv1D(16, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(16, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    model = keras.Model(inputs, predictions)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, verbose=0)
    return raw_train_ds, history, model.evaluate(test_ds, verbose=0)


@pytest.fixture
def reviews(tmp_path):
    write_reviews(tmp_path / "train", 600, seed=0)
    write_reviews(tmp_path / "test", 60, seed=1)
    return tmp_path


@pytest.mark.slow
def test_text_classification_from_directory(reviews, capsys):
    ember.utils.set_random_seed(0)
    raw_train_ds, history, (test_loss, test_accuracy) = program(ember, reviews)
    out = capsys.readouterr().out
    assert "Found 1200 files belonging to 2 classes." in out
    assert "Using 960 files for training." in out and "Using 240 files for validation." in out
    assert raw_train_ds.class_names == ["neg", "pos"]
    texts, labels = next(iter(raw_train_ds))
    assert texts.shape == (32,) and texts.dtype.kind == "U" and labels.dtype == np.int32
    assert history.history["val_accuracy"][-1] > 0.85, history.history
    assert test_accuracy > 0.85, (test_loss, test_accuracy)


@pytest.mark.slow
def test_text_classification_under_keras_too(reviews):
    pytest.importorskip("tensorflow")  # Keras' text_dataset_from_directory is TensorFlow's
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    _, _, (_, k_accuracy) = program(keras, reviews)
    ember.utils.set_random_seed(0)
    _, _, (_, accuracy) = program(ember, reviews)
    assert k_accuracy > 0.85 and accuracy > 0.85 and abs(k_accuracy - accuracy) < 0.1
