"""Encoder-decoder (sequence to sequence) LSTM that learns to sort or reverse digit sequences.

The notes: the encoder reads the input one element at a time into a fixed-size context
vector (its final states h and c); the decoder, an RNN started from that context, emits the
output element by element, each step predicting the next element from the previous ones. In
training the decoder reads the true previous element (teacher forcing); at inference it reads
its own previous prediction (greedy decoding). The notes also say an RNN can learn an
algorithm such as sorting: `train_sorter` shows it.

Three functional models share the same layers (so the same weights): the teacher-forced
training model, the encoder model (digits -> [h, c]) and the one-step decoder model
([previous token, h, c] -> [logits, h, c]).

>>> from ember.examples.seq2seq import make_sequence_data
>>> x, dec_in, y = make_sequence_data(2, length=4, seed=0)
>>> bool((y == np.sort(x, axis=1)).all()), bool((dec_in[:, 0] == 10).all())
(True, True)
"""

import numpy as np

import ember
from ember import layers

TASKS = ("sort", "reverse", "sum")


def make_sequence_data(n, length=6, vocab=10, task="sort", seed=0):
    """Random digit sequences and their targets.

    Tasks: "sort" and "reverse" give targets of the input's length; "sum" gives the base-`vocab`
    digits of the sum of the digits, zero-padded to a fixed width (2 for 6 decimal digits):
    input and output lengths differ, which the encoder-decoder handles like any other task.

    Returns:
        (x, decoder_input, y): int32 arrays; x is (n, length), y and decoder_input
        (n, output length). `decoder_input` is `y` shifted right by one step behind the start
        token `vocab` (the teacher-forcing input).

    >>> x, _, y = make_sequence_data(1, length=3, task="sum", seed=0)
    >>> int(x.sum()) == int("".join(map(str, y[0])))
    True
    """
    if task not in TASKS:
        raise ValueError(f"make_sequence_data: `task` must be one of {TASKS}; received {task!r}")
    rng = np.random.default_rng(seed)
    x = rng.integers(0, vocab, (n, length)).astype(np.int32)
    if task == "sort":
        y = np.sort(x, axis=1)
    elif task == "reverse":
        y = x[:, ::-1].copy()
    else:
        width = len(np.base_repr((vocab - 1) * length, vocab))
        total = x.sum(axis=1)
        y = np.stack([total // vocab ** p % vocab for p in range(width - 1, -1, -1)], 1)
        y = y.astype(np.int32)
    dec_in = np.concatenate([np.full((n, 1), vocab, np.int32), y[:, :-1]], axis=1)
    return x, dec_in, y


def build_seq2seq(vocab=10, units=128, embed_dim=32, encoder="lstm"):
    """The training, encoder and decoder models of an LSTM encoder-decoder.

    Args:
        vocab: the number of symbols; the decoder's vocabulary adds the start token `vocab`.
        units: LSTM units (the size of the context vector h and of c).
        embed_dim: embedding size.
        encoder: "lstm", or "bidirectional": a Bidirectional(LSTM) encoder (the notes'
            offline sequences, read both ways) whose forward and backward final states are
            concatenated, so the decoder has 2 * units. Defaults to "lstm".

    Returns:
        (model, encoder, decoder): `model([x, decoder_input])` -> logits (N, T_out, vocab);
        `encoder(x)` -> [h, c]; `decoder([token (N, 1), h, c])` -> [logits (N, 1, vocab), h, c].

    >>> model, encoder, decoder = build_seq2seq(vocab=5, units=8, embed_dim=4)
    >>> [tuple(t.shape) for t in decoder.outputs]
    [(None, 1, 5), (None, 8), (None, 8)]
    """
    if encoder not in ("lstm", "bidirectional"):
        raise ValueError(f"build_seq2seq: `encoder` must be 'lstm' or 'bidirectional'; "
                         f"received {encoder!r}")
    enc_in = ember.Input(shape=(None,), dtype="int32", name="encoder_tokens")
    enc_emb = layers.Embedding(vocab, embed_dim, name="encoder_embedding")
    encoder_lstm = layers.LSTM(units, return_state=True, name="encoder_lstm")
    if encoder == "lstm":
        _, h, c = encoder_lstm(enc_emb(enc_in))
    else:
        _, fh, fc, bh, bc = layers.Bidirectional(encoder_lstm, name="encoder_bidirectional")(
            enc_emb(enc_in))
        h, c = layers.concatenate([fh, bh]), layers.concatenate([fc, bc])
        units *= 2

    dec_in = ember.Input(shape=(None,), dtype="int32", name="decoder_tokens")
    dec_emb = layers.Embedding(vocab + 1, embed_dim, name="decoder_embedding")
    decoder_lstm = layers.LSTM(units, return_sequences=True, return_state=True,
                               name="decoder_lstm")
    head = layers.Dense(vocab, name="logits")
    seq, _, _ = decoder_lstm(dec_emb(dec_in), initial_state=[h, c])
    model = ember.Model([enc_in, dec_in], head(seq), name="seq2seq")

    encoder = ember.Model(enc_in, [h, c], name="encoder")
    token = ember.Input(shape=(1,), dtype="int32", name="previous_token")
    h_in = ember.Input(shape=(units,), name="h")
    c_in = ember.Input(shape=(units,), name="c")
    step, h_out, c_out = decoder_lstm(dec_emb(token), initial_state=[h_in, c_in])
    decoder = ember.Model([token, h_in, c_in], [head(step), h_out, c_out], name="decoder")
    return model, encoder, decoder


def greedy_decode(encoder, decoder, x, length, start_token):
    """Greedy decoding: encode `x`, then feed the decoder its own argmax `length` times.

    Returns:
        int32 predictions of shape (N, length).
    """
    with ember.no_grad():
        h, c = encoder(np.asarray(x, dtype=np.int32))
        token = np.full((len(x), 1), start_token, np.int32)
        out = np.empty((len(x), length), np.int32)
        for t in range(length):
            logits, h, c = decoder([token, h, c])
            token = np.argmax(logits.numpy(), axis=-1).astype(np.int32)  # (N, 1)
            out[:, t] = token[:, 0]
    return out


def exact_sequence_accuracy(pred, y):
    """The fraction of rows of `pred` equal to `y` at every step."""
    return float(np.mean(np.all(np.asarray(pred) == np.asarray(y), axis=1)))


def train_sorter(task="sort", length=6, vocab=10, n_train=4000, n_test=1000, epochs=4,
                 units=64, batch_size=100, learning_rate=0.01, seed=0, verbose=0,
                 encoder="lstm"):
    """Train the encoder-decoder on `task` with teacher forcing, then greedy-decode held-out
    sequences (`encoder` as in `build_seq2seq`).

    Returns:
        A dict: "history" (per-epoch loss and per-step accuracy, teacher-forced), "test_exact"
        (greedy exact-sequence accuracy on the test sequences not in the training set),
        "test_step" (per-step accuracy), the three models and the test data.
    """
    ember.utils.set_random_seed(seed)
    x, dec_in, y = make_sequence_data(n_train, length, vocab, task, seed)
    x_test, _, y_test = make_sequence_data(n_test, length, vocab, task, seed + 1)
    seen = {row.tobytes() for row in x}
    held_out = np.array([row.tobytes() not in seen for row in x_test], dtype=bool)
    x_test, y_test = x_test[held_out], y_test[held_out]  # never seen in training
    model, encoder, decoder = build_seq2seq(vocab, units, encoder=encoder)
    model.compile(optimizer=ember.optimizers.Adam(learning_rate, clipnorm=1.0),
                  loss=ember.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit([x, dec_in], y, batch_size=batch_size, epochs=epochs, verbose=verbose)
    pred = greedy_decode(encoder, decoder, x_test, y.shape[1], start_token=vocab)
    return {"history": history.history, "test_exact": exact_sequence_accuracy(pred, y_test),
            "test_step": float(np.mean(pred == y_test)), "model": model, "encoder": encoder,
            "decoder": decoder, "x_test": x_test, "y_test": y_test, "pred": pred}


if __name__ == "__main__":  # python -m ember.examples.seq2seq
    import time

    start = time.perf_counter()
    result = train_sorter(verbose=1)
    print(f"greedy exact-sequence accuracy on held-out sequences: {result['test_exact']:.4f} "
          f"({time.perf_counter() - start:.1f} s)")
