"""Many-to-one and many-to-many recurrent networks from the notes, on small synthetic tasks.

- Many-to-one (sequence classification, like judging a sentence correct or incorrect): the
  loss is one cross-entropy after the whole sequence is read, Loss = CE(y_out, y).
  `make_order_data` builds variable-length token sequences (padded with `pad_sequences`,
  masked by `Embedding(mask_zero=True)`) whose label says whether token 1 comes before 2.
- Many-to-many of equal length (a tag at every step, like a part-of-speech tagger): the
  network emits an output at each step and the loss is the sum over the steps,
  Loss = sum_t CE(y'_t, y_t) (`summed_over_steps`). `make_tagging_data` tags each step up,
  down or same against the previous token.

>>> from ember.examples.sequences import make_tagging_data
>>> x, tags = make_tagging_data(1, length=4, seed=0)
>>> x.shape, tags.shape
((1, 4), (1, 4))
"""

import numpy as np

import ember
from ember import layers
from ember.preprocessing import pad_sequences


def make_order_data(n, min_len=4, max_len=10, vocab=12, seed=0):
    """Variable-length sequences of tokens in [1, vocab) holding exactly one 1 and one 2,
    label 1 when the 1 comes first; padded with 0 at the front to `max_len`.

    Returns:
        (x int32 (n, max_len), y int64 (n,), lengths (n,)).
    """
    rng = np.random.default_rng(seed)
    seqs, labels = [], []
    for _ in range(n):
        length = int(rng.integers(min_len, max_len + 1))
        seq = rng.integers(3, vocab, length)
        i, j = rng.choice(length, 2, replace=False)
        seq[i], seq[j] = 1, 2
        seqs.append(seq)
        labels.append(int(i < j))
    lengths = np.array([len(s) for s in seqs])
    return pad_sequences(seqs, maxlen=max_len), np.array(labels, np.int64), lengths


def build_classifier(vocab=12, units=32, embed_dim=16):
    """Embedding(mask_zero) -> LSTM (last state only) -> Dense(1, sigmoid): many-to-one."""
    return ember.Sequential([
        ember.Input(shape=(None,), dtype="int32"),
        layers.Embedding(vocab, embed_dim, mask_zero=True),
        layers.LSTM(units),
        layers.Dense(1, activation="sigmoid"),
    ])


def train_classifier(n_train=1500, n_test=500, epochs=3, seed=0, verbose=0):
    """Train the many-to-one classifier; returns the history and held-out accuracy."""
    ember.utils.set_random_seed(seed)
    x, y, _ = make_order_data(n_train, seed=seed)
    x_test, y_test, _ = make_order_data(n_test, seed=seed + 1)
    model = build_classifier()
    model.compile(optimizer=ember.optimizers.Adam(0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=50, epochs=epochs, verbose=verbose)
    pred = (model.predict(x_test, verbose=0)[:, 0] > 0.5).astype(np.int64)
    return {"history": history.history, "test_accuracy": float(np.mean(pred == y_test)),
            "model": model}


def make_tagging_data(n, length=12, vocab=10, seed=0):
    """Token sequences in [0, vocab) and one tag per step: 0 at the first step, then 1 if the
    token rose from the previous one, 2 if it fell, 0 if it stayed.

    Returns:
        (x int32 (n, length), tags int64 (n, length)).
    """
    rng = np.random.default_rng(seed)
    x = rng.integers(0, vocab, (n, length)).astype(np.int32)
    diff = np.diff(x, axis=1)
    tags = np.zeros((n, length), np.int64)
    tags[:, 1:] = np.where(diff > 0, 1, np.where(diff < 0, 2, 0))
    return x, tags


def summed_over_steps(y_true, y_pred):
    """The notes' many-to-many loss: sum over steps of the cross-entropy of the logits at each
    step, one value per sequence (compile's reduction then averages over the batch).

    >>> import numpy as np
    >>> logits = np.zeros((1, 3, 2), np.float32)  # uniform: log 2 at each of 3 steps
    >>> round(float(summed_over_steps(np.zeros((1, 3)), logits).numpy()[0]), 4)
    2.0794
    """
    per_step = ember.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True)
    return ember.ops.sum(per_step, axis=-1)


def build_tagger(vocab=10, n_tags=3, units=32, embed_dim=16):
    """Embedding -> SimpleRNN(return_sequences) -> TimeDistributed(Dense): a tag per step."""
    return ember.Sequential([
        ember.Input(shape=(None,), dtype="int32"),
        layers.Embedding(vocab, embed_dim),
        layers.SimpleRNN(units, return_sequences=True),
        layers.TimeDistributed(layers.Dense(n_tags)),
    ])


def train_tagger(n_train=1500, n_test=500, epochs=5, seed=0, verbose=0):
    """Train the tagger with the summed-over-steps loss; returns the history and the held-out
    per-step accuracy."""
    ember.utils.set_random_seed(seed)
    x, tags = make_tagging_data(n_train, seed=seed)
    x_test, tags_test = make_tagging_data(n_test, seed=seed + 1)
    model = build_tagger()
    model.compile(optimizer=ember.optimizers.Adam(0.01), loss=summed_over_steps)
    history = model.fit(x, tags, batch_size=50, epochs=epochs, verbose=verbose)
    pred = np.argmax(model.predict(x_test, verbose=0), axis=-1)
    return {"history": history.history, "test_step_accuracy": float(np.mean(pred == tags_test)),
            "model": model}
