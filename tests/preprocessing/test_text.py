"""Text tools against hand-computed results (Keras' documented behaviour)."""

import json

import numpy as np
import pytest

import ember
from ember.preprocessing import (
    Tokenizer,
    hashing_trick,
    one_hot,
    pad_sequences,
    sequences_to_one_hot,
    text_to_word_sequence,
    tokenizer_from_json,
)
from ember.preprocessing.text_vectorization import TextVectorization

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "My cat ate the dog?"]


# ------------------------------------------------------------------ pad_sequences
def test_pad_sequences_pre_and_post():
    seqs = [[1, 2, 3, 4], [5, 6], [7]]
    np.testing.assert_array_equal(pad_sequences(seqs), [[1, 2, 3, 4], [0, 0, 5, 6],
                                                        [0, 0, 0, 7]])
    np.testing.assert_array_equal(pad_sequences(seqs, padding="post"),
                                  [[1, 2, 3, 4], [5, 6, 0, 0], [7, 0, 0, 0]])
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=3), [[2, 3, 4], [0, 5, 6],
                                                                  [0, 0, 7]])
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=3, truncating="post"),
                                  [[1, 2, 3], [0, 5, 6], [0, 0, 7]])
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=2, padding="post", value=-1),
                                  [[3, 4], [5, 6], [7, -1]])
    assert pad_sequences(seqs).dtype == np.int32


def test_pad_sequences_dtype_items_empty_and_exports():
    out = pad_sequences([[0.5, 1.5], []], maxlen=3, dtype="float32", value=9.0)
    np.testing.assert_array_equal(out, [[9.0, 0.5, 1.5], [9.0, 9.0, 9.0]])
    assert out.dtype == np.float32
    vec = pad_sequences([np.ones((2, 3)), np.ones((1, 3))], padding="post")
    assert vec.shape == (2, 2, 3)
    np.testing.assert_array_equal(vec[1, 1], [0, 0, 0])
    assert pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)
    assert pad_sequences([]).shape == (0, 0)
    strs = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert strs.tolist() == [["a", "b"], ["<pad>", "c"]]
    assert ember.utils.pad_sequences is pad_sequences
    assert ember.preprocessing.sequence.pad_sequences is pad_sequences


@pytest.mark.parametrize("kwargs, match", [
    ({"padding": "middle"}, "padding"), ({"truncating": "both"}, "truncating"),
    ({"maxlen": -1}, "maxlen"), ({"value": "x"}, "dtype")])
def test_pad_sequences_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pad_sequences([[1, 2]], **kwargs)


def test_pad_sequences_bad_sequences():
    with pytest.raises(ValueError, match="non-sequence 3"):
        pad_sequences([[1], 3])
    with pytest.raises(ValueError, match="shape"):
        pad_sequences([np.ones((2, 3)), np.ones((2, 4))])


# -------------------------------------------------------------------- words
def test_text_to_word_sequence_and_hashing():
    assert text_to_word_sequence("Hello,  World! it's\tme") == ["hello", "world", "it's", "me"]
    assert text_to_word_sequence("A-B", lower=False, filters="-") == ["A", "B"]
    ids = one_hot("the cat the hat", 7)
    assert len(ids) == 4 and ids[0] == ids[2] and all(1 <= i < 7 for i in ids)
    # md5 is stable across processes; its value is computable by hand
    import hashlib
    want = int(hashlib.md5(b"cat").hexdigest(), 16) % 6 + 1
    assert hashing_trick("cat", 7, hash_function="md5") == [want]
    assert hashing_trick("ab cd", 5, hash_function=len) == [2 % 4 + 1, 2 % 4 + 1]
    with pytest.raises(ValueError, match="`n`"):
        one_hot("a", 1)


def test_sequences_to_one_hot():
    x = sequences_to_one_hot(pad_sequences([[2, 1], [3]]), 4)
    assert x.shape == (2, 2, 4) and x.dtype == np.float32
    np.testing.assert_array_equal(x[1], [[1, 0, 0, 0], [0, 0, 0, 1]])
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        sequences_to_one_hot([[4]], 4)


# ---------------------------------------------------------------- Tokenizer
def test_tokenizer_word_index_by_frequency_ties_in_order_of_appearance():
    tok = Tokenizer()
    tok.fit_on_texts(TEXTS)
    # the: 4, cat: 2, dog: 2, ate: 2, my: 2 (first seen in that order), then the singletons
    assert list(tok.word_index.items())[:5] == [("the", 1), ("cat", 2), ("dog", 3),
                                                ("ate", 4), ("my", 5)]
    assert tok.word_index == {"the": 1, "cat": 2, "dog": 3, "ate": 4, "my": 5, "sat": 6,
                              "on": 7, "mat": 8, "homework": 9}
    assert tok.index_word[9] == "homework"
    assert tok.word_counts["the"] == 4 and tok.word_docs["the"] == 3
    assert tok.document_count == 3
    assert tok.texts_to_sequences(["the cat ate a fish"]) == [[1, 2, 4]]
    assert tok.sequences_to_texts([[1, 2, 4, 99]]) == ["the cat ate"]


def test_tokenizer_num_words_and_oov():
    tok = Tokenizer(num_words=4, oov_token="<OOV>")
    tok.fit_on_texts(TEXTS)
    assert tok.word_index["<OOV>"] == 1 and tok.word_index["the"] == 2
    assert tok.word_index["cat"] == 3 and tok.word_index["dog"] == 4
    # dog (index 4 >= num_words) and the unknown zebra both become the OOV index
    assert tok.texts_to_sequences(["the cat dog zebra"]) == [[2, 3, 1, 1]]
    assert tok.sequences_to_texts([[2, 3, 4]]) == ["the cat <OOV>"]
    plain = Tokenizer(num_words=3)
    plain.fit_on_texts(TEXTS)
    assert plain.texts_to_sequences(["the cat dog zebra"]) == [[1, 2]]


def test_tokenizer_char_level():
    tok = Tokenizer(char_level=True)
    tok.fit_on_texts(["abba", "Ca"])
    # a: 3, b: 2, c: 1
    assert tok.word_index == {"a": 1, "b": 2, "c": 3}
    assert tok.texts_to_sequences(["cab!"]) == [[3, 1, 2]]
    assert tok.sequences_to_texts([[3, 1]]) == ["c a"]


def test_tokenizer_analyzer_gets_the_raw_text_as_keras():
    tok = Tokenizer(analyzer=lambda t: t.split("|"))
    tok.fit_on_texts(["A|b|A", "b|c!"])
    # the analyzer replaces splitting, filters and lower-casing (Keras)
    assert tok.word_index == {"A": 1, "b": 2, "c!": 3}
    assert tok.texts_to_sequences(["c!|a|A"]) == [[3, 1]]
    with pytest.raises(ValueError, match="analyzer"):
        tok.to_json()


def test_texts_to_matrix_modes_by_hand():
    tok = Tokenizer()
    tok.fit_on_texts(["a a b", "b c"])  # a: 2, b: 2, c: 1 -> a=1, b=2, c=3; width 4
    texts = ["a a b", "c"]
    np.testing.assert_array_equal(tok.texts_to_matrix(texts, "binary"),
                                  [[0, 1, 1, 0], [0, 0, 0, 1]])
    np.testing.assert_array_equal(tok.texts_to_matrix(texts, "count"),
                                  [[0, 2, 1, 0], [0, 0, 0, 1]])
    np.testing.assert_allclose(tok.texts_to_matrix(texts, "freq"),
                               [[0, 2 / 3, 1 / 3, 0], [0, 0, 0, 1]], rtol=1e-6)
    # tfidf: (1 + ln c) * ln(1 + N / (1 + df)), N = 2 documents; df(a)=1, df(b)=2, df(c)=1
    tfidf = tok.texts_to_matrix(texts, "tfidf")
    assert tfidf.dtype == np.float32
    want = [[0, (1 + np.log(2)) * np.log(2), np.log(1 + 2 / 3), 0], [0, 0, 0, np.log(2)]]
    np.testing.assert_allclose(tfidf, want, rtol=1e-6)
    with pytest.raises(ValueError, match="mode"):
        tok.texts_to_matrix(texts, "onehot")
    with pytest.raises(ValueError, match="num_words"):
        Tokenizer().texts_to_matrix(["a"])


def test_tokenizer_json_round_trip():
    tok = Tokenizer(num_words=5, oov_token="?", lower=False)
    tok.fit_on_texts(TEXTS)
    text = tok.to_json()
    data = json.loads(text)
    assert data["class_name"] == "Tokenizer"
    back = tokenizer_from_json(text)
    assert back.word_index == tok.word_index and back.index_word == tok.index_word
    assert back.word_counts == tok.word_counts and dict(back.index_docs) == dict(tok.index_docs)
    assert back.num_words == 5 and back.oov_token == "?" and back.lower is False
    probe = ["The dog ate the cat", "unknown words"]
    assert back.texts_to_sequences(probe) == tok.texts_to_sequences(probe)
    np.testing.assert_array_equal(back.texts_to_matrix(probe, "tfidf"),
                                  tok.texts_to_matrix(probe, "tfidf"))


@pytest.mark.parametrize("bad", ["not json", '{"class_name": "Model", "config": {}}',
                                 '{"class_name": "Tokenizer", "config": {"num_words": 3}}',
                                 '[1, 2]'])
def test_tokenizer_from_json_rejects_other_data(bad):
    with pytest.raises(ValueError, match="tokenizer_from_json"):
        tokenizer_from_json(bad)


def test_tokenizer_bad_arguments():
    with pytest.raises(ValueError, match="num_words"):
        Tokenizer(num_words=0)
    with pytest.raises(TypeError, match="single str"):
        Tokenizer().fit_on_texts("a text")


# -------------------------------------------------------- TextVectorization
def test_text_vectorization_keras_doc_example():
    layer = TextVectorization(max_tokens=5000, output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    # counts: bar 2, baz 2, then 1s; ties sorted by token, descending (Keras)
    assert layer.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]
    out = layer(["foo qux bar", "qux baz"])
    assert isinstance(out, ember.Tensor) and out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), [[4, 1, 3, 0], [1, 2, 0, 0]])


def test_text_vectorization_vocabulary_standardize_and_length():
    layer = TextVectorization(vocabulary=["earth", "wind", "and", "fire"])
    assert layer.vocabulary_size() == 6
    out = layer(np.array([["The Earth, and FIRE!"], ["wind"]])).numpy()
    # no output_sequence_length: padded (post) to the longest text of the batch
    np.testing.assert_array_equal(out, [[1, 2, 4, 5], [3, 0, 0, 0]])
    short = TextVectorization(vocabulary=["a", "b"], output_sequence_length=2)
    np.testing.assert_array_equal(short(["b a b a"]).numpy(), [[3, 2]])
    raw = TextVectorization(standardize=None, vocabulary=["A", "b."])
    np.testing.assert_array_equal(raw(["A a b."]).numpy(), [[2, 1, 3]])


def test_text_vectorization_max_tokens_and_characters():
    layer = TextVectorization(max_tokens=4)
    layer.adapt(["x x x y y z"])
    assert layer.get_vocabulary() == ["", "[UNK]", "x", "y"]
    chars = TextVectorization(split="character")
    chars.adapt(["abca"])
    assert chars.get_vocabulary(include_special_tokens=False) == ["a", "c", "b"]
    np.testing.assert_array_equal(chars(["cab", "d"]).numpy(), [[3, 2, 4], [1, 0, 0]])
    grams = TextVectorization(ngrams=2, vocabulary=["a", "b", "a b"])
    np.testing.assert_array_equal(grams(["a b"]).numpy(), [[2, 3, 4]])


def test_text_vectorization_multi_hot_and_count_keras_doc():
    vocab = ["a", "b", "c", "d"]
    data = ["a c d d", "d z b z"]
    multi = TextVectorization(output_mode="multi_hot", vocabulary=vocab)
    np.testing.assert_array_equal(multi(data).numpy(), [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    count = TextVectorization(output_mode="count", vocabulary=vocab)
    np.testing.assert_array_equal(count(data).numpy(), [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])
    assert count.get_vocabulary() == ["[UNK]", "a", "b", "c", "d"]
    padded = TextVectorization(output_mode="multi_hot", max_tokens=8, pad_to_max_tokens=True,
                               vocabulary=vocab)
    assert padded(data).shape == (2, 8) and padded(data).dtype == np.float32
    assert padded.compute_output_shape((None, 1)) == (None, 8)


def test_text_vectorization_config_round_trip():
    layer = TextVectorization(max_tokens=10, output_sequence_length=3, ngrams=(1, 2),
                              name="tv")
    layer.adapt(["one two two", "three"])
    config = ember.layers.serialize(layer)
    json.dumps(config)
    back = ember.layers.deserialize(json.loads(json.dumps(config)))
    assert type(back) is TextVectorization and back.name == "tv"
    assert back.get_vocabulary() == layer.get_vocabulary()
    np.testing.assert_array_equal(back(["two one four"]).numpy(),
                                  layer(["two one four"]).numpy())
    assert ember.layers.TextVectorization is TextVectorization


@pytest.mark.parametrize("kwargs, match", [
    ({"output_mode": "tf-idf"}, "output_mode"), ({"max_tokens": 2}, "max_tokens"),
    ({"split": "comma"}, "split"), ({"standardize": "upper"}, "standardize"),
    ({"output_mode": "count", "output_sequence_length": 3}, "output_sequence_length"),
    ({"pad_to_max_tokens": True}, "pad_to_max_tokens"),
    ({"vocabulary": ["a", "a"]}, "repeats"),
    ({"vocabulary": ["a", "b", "c"], "max_tokens": 4}, "max_tokens")])
def test_text_vectorization_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TextVectorization(**kwargs)


def test_text_vectorization_bad_inputs():
    layer = TextVectorization(vocabulary=["a"], name="tv")
    with pytest.raises(TypeError, match="TextVectorization 'tv'.*single str"):
        layer("a")
    with pytest.raises(ValueError, match=r"\(N,\) or \(N, 1\)"):
        layer([["a", "b"]])
    with pytest.raises(TypeError, match="eagerly"):
        layer(ember.Input(shape=(1,)))
    with pytest.raises(ValueError, match="callable"):
        TextVectorization(split=str.split).get_config()


# ------------------------------------------------------- text into a network
def _reviews(n, seed):
    rng = np.random.default_rng(seed)
    filler = ["the", "movie", "was", "plot", "actors", "and", "film", "really", "quite"]
    texts, labels = [], []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        words = list(rng.choice(filler, int(rng.integers(3, 9))))
        word = rng.choice(["good", "great"] if label else ["bad", "awful"])
        words.insert(int(rng.integers(0, len(words) + 1)), word)
        texts.append(" ".join(words).capitalize() + "!")
        labels.append(label)
    return texts, np.array(labels)


@pytest.mark.parametrize("tool", ["tokenizer", "text_vectorization"])
def test_text_tools_feed_a_recurrent_classifier(tool):
    texts, y = _reviews(400, seed=0)
    test_texts, y_test = _reviews(100, seed=1)
    if tool == "tokenizer":
        tok = Tokenizer(num_words=20, oov_token="<unk>")
        tok.fit_on_texts(texts)
        x, x_test = (pad_sequences(tok.texts_to_sequences(t), maxlen=10)
                     for t in (texts, test_texts))
    else:
        layer = TextVectorization(max_tokens=20, output_sequence_length=10)
        layer.adapt(texts)
        x, x_test = (layer(t).numpy() for t in (texts, test_texts))
    assert x.shape == (400, 10) and x.max() < 20
    ember.utils.set_random_seed(0)
    model = ember.Sequential([ember.Input(shape=(10,), dtype="int32"),
                              ember.layers.Embedding(20, 8, mask_zero=True),
                              ember.layers.LSTM(8), ember.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=ember.optimizers.Adam(0.02), loss="binary_crossentropy")
    model.fit(x, y, batch_size=32, epochs=8, verbose=0)
    accuracy = np.mean((model.predict(x_test, verbose=0)[:, 0] > 0.5) == y_test)
    assert accuracy >= 0.95
