"""The notes' recurrent architectures as working examples: many-to-one, many-to-many,
encoder-decoder (teacher forcing, greedy decoding, separate inference models), one-to-many
character generation with temperature sampling, and a seq2seq model that learns to sort."""

import numpy as np
import pytest

import ember
from ember.examples import char_rnn, seq2seq, sequences


# ---------------------------------------------------------------- many-to-one
def test_order_data_invariants():
    x, y, lengths = sequences.make_order_data(200, seed=3)
    assert x.shape == (200, 10) and x.dtype == np.int32
    for row, label, n in zip(x, y, lengths, strict=True):
        assert (row[:10 - n] == 0).all() and (row[10 - n:] > 0).all()
        assert (row == 1).sum() == 1 and (row == 2).sum() == 1
        assert label == int(np.argmax(row == 1) < np.argmax(row == 2))
    assert 0.3 < y.mean() < 0.7


def test_classifier_masks_padding():
    ember.utils.set_random_seed(0)
    model = sequences.build_classifier()
    x, _, lengths = sequences.make_order_data(4, seed=1)
    batch = model.predict(x, verbose=0)
    for row, n, p in zip(x, lengths, batch, strict=True):
        alone = model.predict(row[None, 10 - n:], verbose=0)  # unpadded
        np.testing.assert_allclose(p, alone[0], rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_many_to_one_classifier_learns_order():
    result = sequences.train_classifier()
    assert result["history"]["loss"][-1] < 0.3 * result["history"]["loss"][0]
    assert result["test_accuracy"] >= 0.9


# -------------------------------------------------------------- many-to-many
def test_tagging_data_by_hand():
    x, tags = sequences.make_tagging_data(3, length=6, seed=0)
    for row, tag in zip(x, tags, strict=True):
        want = [0] + [1 if b > a else 2 if b < a else 0 for a, b in zip(row, row[1:])]
        assert tag.tolist() == want


def test_summed_over_steps_is_the_sum_of_step_cross_entropies():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4, 5, 3)).astype(np.float32)
    y = rng.integers(0, 3, (4, 5))
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    want = -np.take_along_axis(log_p, y[..., None], -1)[..., 0].sum(axis=1)  # (N,)
    got = sequences.summed_over_steps(y, logits).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5)
    # Keras' default (mean over steps) is the same divided by the number of steps
    mean = ember.losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits)
    np.testing.assert_allclose(float(mean.numpy()) * 5, want.mean(), rtol=1e-5)


def test_dense_on_3d_is_time_distributed_dense():
    ember.utils.set_random_seed(0)
    tagger = sequences.build_tagger(units=6, embed_dim=4)
    flat = ember.Sequential([ember.Input(shape=(None,), dtype="int32"),
                             ember.layers.Embedding(10, 4),
                             ember.layers.SimpleRNN(6, return_sequences=True),
                             ember.layers.Dense(3)])
    flat.set_weights(tagger.get_weights())
    x, _ = sequences.make_tagging_data(4, length=7, seed=5)
    out = tagger.predict(x, verbose=0)
    assert out.shape == (4, 7, 3)
    np.testing.assert_allclose(flat.predict(x, verbose=0), out, rtol=1e-5, atol=1e-6)


def test_tagger_learns_a_tag_per_step():
    result = sequences.train_tagger()
    assert result["model"].output_shape == (None, None, 3)
    assert result["test_step_accuracy"] >= 0.95


# ----------------------------------------------------------- encoder-decoder
def test_sequence_data():
    x, dec_in, y = seq2seq.make_sequence_data(5, length=4, task="reverse", seed=0)
    np.testing.assert_array_equal(y, x[:, ::-1])
    np.testing.assert_array_equal(dec_in[:, 1:], y[:, :-1])
    assert (dec_in[:, 0] == 10).all()
    with pytest.raises(ValueError, match="task"):
        seq2seq.make_sequence_data(2, task="shuffle")


def _tiny():
    ember.utils.set_random_seed(1)
    return seq2seq.build_seq2seq(vocab=6, units=8, embed_dim=4)


def test_inference_models_share_the_trained_weights():
    model, encoder, decoder = _tiny()
    ids = {id(w) for w in model.weights}
    assert {id(w) for w in encoder.weights} <= ids and {id(w) for w in decoder.weights} <= ids
    assert len(encoder.weights) + len(decoder.weights) == len(model.weights)
    # the one-step decoder, fed the teacher-forcing inputs, reproduces the training pass
    x, dec_in, _ = seq2seq.make_sequence_data(3, length=5, vocab=6, seed=2)
    full = model.predict([x, dec_in], verbose=0)
    h, c = encoder.predict(x, verbose=0)
    for t in range(5):
        step, h, c = decoder.predict([dec_in[:, t:t + 1], h, c], verbose=0)
        np.testing.assert_allclose(step[:, 0], full[:, t], rtol=1e-4, atol=1e-5)


def test_greedy_decoding_feeds_back_its_own_predictions():
    model, encoder, decoder = _tiny()
    x, _, _ = seq2seq.make_sequence_data(8, length=5, vocab=6, seed=3)
    pred = seq2seq.greedy_decode(encoder, decoder, x, length=5, start_token=6)
    assert pred.shape == (8, 5) and pred.dtype == np.int32
    own = np.concatenate([np.full((8, 1), 6), pred[:, :-1]], axis=1)
    np.testing.assert_array_equal(np.argmax(model.predict([x, own], verbose=0), -1), pred)
    assert seq2seq.exact_sequence_accuracy(pred, pred) == 1.0
    assert seq2seq.exact_sequence_accuracy([[1, 2], [3, 4]], [[1, 2], [3, 5]]) == 0.5


def test_sum_targets_have_another_length():
    x, dec_in, y = seq2seq.make_sequence_data(50, length=6, task="sum", seed=4)
    assert y.shape == dec_in.shape == (50, 2)
    np.testing.assert_array_equal(y[:, 0] * 10 + y[:, 1], x.sum(axis=1))
    _, _, y3 = seq2seq.make_sequence_data(5, length=12, vocab=10, task="sum", seed=4)
    assert y3.shape == (5, 3)


@pytest.mark.slow
def test_encoder_decoder_of_unequal_lengths_learns_digit_sums():
    result = seq2seq.train_sorter(task="sum", epochs=6)
    print(f"sum: greedy exact-sequence accuracy {result['test_exact']:.4f}")
    assert result["pred"].shape == (len(result["x_test"]), 2)
    assert result["test_exact"] >= 0.8


@pytest.mark.slow
def test_seq2seq_learns_to_sort_held_out_sequences():
    result = seq2seq.train_sorter()
    print(f"sort: greedy exact-sequence accuracy {result['test_exact']:.4f}, per step "
          f"{result['test_step']:.4f}")
    assert result["test_exact"] >= 0.95
    x_train, _, _ = seq2seq.make_sequence_data(4000, seed=0)
    seen = {row.tobytes() for row in x_train}
    assert len(result["x_test"]) > 900
    assert not any(row.tobytes() in seen for row in result["x_test"])


def test_bidirectional_encoder_concatenates_both_directions_states():
    ember.utils.set_random_seed(2)
    model, encoder, decoder = seq2seq.build_seq2seq(vocab=6, units=8, embed_dim=4,
                                                    encoder="bidirectional")
    assert [tuple(t.shape) for t in encoder.outputs] == [(None, 16), (None, 16)]
    assert [tuple(t.shape) for t in decoder.outputs] == [(None, 1, 6), (None, 16), (None, 16)]
    x, dec_in, _ = seq2seq.make_sequence_data(3, length=5, vocab=6, seed=2)
    h, c = encoder.predict(x, verbose=0)
    # the backward half of h, c: a forward LSTM with the backward weights on the reversed input
    bidi = model.get_layer("encoder_bidirectional")
    assert bidi.backward_layer.go_backwards and not bidi.forward_layer.go_backwards
    emb = model.get_layer("encoder_embedding")(x[:, ::-1].copy())
    plain = ember.layers.LSTM(8, return_state=True)
    plain(emb)
    plain.set_weights(bidi.backward_layer.get_weights())
    _, bh, bc = plain(emb)
    np.testing.assert_allclose(h[:, 8:], bh.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c[:, 8:], bc.numpy(), rtol=1e-5, atol=1e-6)
    full = model.predict([x, dec_in], verbose=0)
    for t in range(5):
        step, h, c = decoder.predict([dec_in[:, t:t + 1], h, c], verbose=0)
        np.testing.assert_allclose(step[:, 0], full[:, t], rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="encoder"):
        seq2seq.build_seq2seq(encoder="gru")


@pytest.mark.slow
def test_bidirectional_encoder_learns_to_reverse_held_out_sequences():
    result = seq2seq.train_sorter(task="reverse", encoder="bidirectional", units=32,
                                  epochs=10, length=5)
    print(f"reverse (bidirectional): greedy exact-sequence accuracy {result['test_exact']:.4f}")
    np.testing.assert_array_equal(result["y_test"], result["x_test"][:, ::-1])
    assert len(result["x_test"]) > 900
    assert result["test_exact"] >= 0.95


# --------------------------------------------------------------- one-to-many
def test_sample_temperature_zero_is_argmax():
    logits = np.array([[0.1, 2.0, 1.9], [3.0, -1.0, 2.9]], np.float32)
    np.testing.assert_array_equal(char_rnn.sample(logits, 0.0), [1, 0])
    np.testing.assert_array_equal(char_rnn.sample(logits, 1e-8, rng=0), [1, 0])
    many = np.repeat(logits[:1], 500, axis=0)
    assert (char_rnn.sample(many, 0.01, rng=0) == 1).mean() > 0.99
    assert char_rnn.sample(np.array([0.0, 1.0]), 0) == 1


def test_sample_follows_softmax_and_high_temperature_flattens():
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    n = 20000
    rows = np.repeat(logits[None], n, axis=0)
    p1 = np.exp(logits) / np.exp(logits).sum()
    f1 = np.bincount(char_rnn.sample(rows, 1.0, rng=0), minlength=4) / n
    np.testing.assert_allclose(f1, p1, atol=0.015)
    p_half = np.exp(logits / 0.5) / np.exp(logits / 0.5).sum()
    f_half = np.bincount(char_rnn.sample(rows, 0.5, rng=1), minlength=4) / n
    np.testing.assert_allclose(f_half, p_half, atol=0.015)
    f_hot = np.bincount(char_rnn.sample(rows, 1000.0, rng=2), minlength=4) / n
    np.testing.assert_allclose(f_hot, 0.25, atol=0.015)
    assert f_half[0] > f1[0] > f_hot[0]


def test_sample_is_seeded_and_checks_arguments():
    logits = np.zeros((50, 5))
    np.testing.assert_array_equal(char_rnn.sample(logits, 1.0, rng=7),
                                  char_rnn.sample(logits, 1.0, rng=7))
    ember.utils.set_random_seed(3)
    a = char_rnn.sample(logits, 1.0)
    ember.utils.set_random_seed(3)
    np.testing.assert_array_equal(a, char_rnn.sample(logits, 1.0))
    with pytest.raises(ValueError, match="temperature"):
        char_rnn.sample(logits, -1.0)
    with pytest.raises(ValueError, match="shape"):
        char_rnn.sample(np.zeros((2, 2, 2)), 1.0)


def test_char_windows_are_shifted_by_one():
    text = "abcabcabd"
    tok = char_rnn.char_tokenizer(text)
    x, y = char_rnn.make_char_windows(text, tok, seq_len=4, step=2)
    ids = tok.texts_to_sequences([text])[0]
    np.testing.assert_array_equal(x[1], ids[2:6])
    np.testing.assert_array_equal(y[1], ids[3:7])
    with pytest.raises(ValueError, match="seq_len"):
        char_rnn.make_char_windows("ab", tok, seq_len=4)


@pytest.mark.slow
def test_char_rnn_generates_the_text_it_learned():
    text = "the quick brown fox jumps over the lazy dog. " * 12
    result = char_rnn.train_char_rnn(text, epochs=10)
    assert result["history"]["loss"][-1] < 0.3
    greedy = char_rnn.generate(result["stepper"], result["tokenizer"], "the q", 40,
                               temperature=0.0)
    assert greedy == text[:45]
    hot = char_rnn.generate(result["stepper"], result["tokenizer"], "t", 200,
                            temperature=50.0, rng=0)
    assert len(hot) == 201 and hot[1:] not in text  # a flat distribution: not the corpus
