"""One-to-many: a character-level LSTM that generates text, with temperature sampling.

The notes' one-to-many RNN is a generative model: from a single input (here one seed
character) it emits a whole sequence. It is trained many-to-many on next-character prediction
(the input is a window of text, the target the same window shifted by one), then generates
one character at a time, each step's output fed back as the next input, through a one-step
model that shares the trained layers and carries the LSTM states (h, c).

Sampling divides the logits by a temperature before the softmax: p_i = softmax(z / T)_i. As
T -> 0 this is the argmax; T = 1 samples the model's distribution; a large T flattens it
towards uniform.

>>> import numpy as np
>>> sample(np.array([1.0, 3.0, 2.0]), temperature=0.0)
1
"""

import numpy as np

import ember
from ember import layers
from ember.preprocessing import Tokenizer
from ember.utils.random import get_generator


def sample(logits, temperature=1.0, rng=None):
    """Draw an index from softmax(logits / temperature).

    Args:
        logits: shape (V,) or (N, V).
        temperature: >= 0; 0 (or below 1e-6) takes the argmax. Defaults to 1.0.
        rng: a `np.random.Generator` (or a seed). Defaults to None: ember's global generator.

    Returns:
        An int for (V,) logits, an int64 array (N,) for (N, V).

    >>> rng = np.random.default_rng(0)
    >>> sample(np.array([[0.0, 5.0], [5.0, 0.0]]), temperature=1e-9, rng=rng).tolist()
    [1, 0]
    """
    z = np.asarray(logits, dtype=np.float64)  # float64 on purpose: probabilities must sum to 1
    if z.ndim not in (1, 2) or z.shape[-1] == 0 or not np.all(np.isfinite(z)):
        raise ValueError(f"sample: expected finite logits of shape (V,) or (N, V); received "
                         f"shape {z.shape}")
    if isinstance(temperature, bool) or not np.isfinite(temperature) or temperature < 0:
        raise ValueError(f"sample: `temperature` must be a finite number >= 0; received "
                         f"{temperature!r}")
    rows = z.reshape(-1, z.shape[-1])
    if temperature < 1e-6:
        out = np.argmax(rows, axis=-1)
    else:
        gen = get_generator(rng)
        scaled = rows / temperature
        p = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
        # inverse-CDF draw, one uniform per row (vectorised np.random.choice)
        u = gen.random((len(p), 1))
        out = np.minimum((p.cumsum(axis=-1) < u).sum(axis=-1), p.shape[-1] - 1)
    return int(out[0]) if z.ndim == 1 else out.astype(np.int64)


def char_tokenizer(text):
    """A character-level `Tokenizer` fitted on `text` (case kept; index 0 unused)."""
    tok = Tokenizer(char_level=True, lower=False)
    tok.fit_on_texts([text])
    return tok


def make_char_windows(text, tokenizer, seq_len=20, step=3):
    """Windows of `seq_len` character ids and the same windows shifted by one character.

    Returns:
        (x int32 (N, seq_len), y int64 (N, seq_len)).
    """
    ids = np.asarray(tokenizer.texts_to_sequences([text])[0], np.int64)
    if len(ids) <= seq_len:
        raise ValueError(f"make_char_windows: the text has {len(ids)} characters, need more "
                         f"than seq_len={seq_len}")
    starts = np.arange(0, len(ids) - seq_len, step)
    x = np.stack([ids[s:s + seq_len] for s in starts]).astype(np.int32)
    y = np.stack([ids[s + 1:s + seq_len + 1] for s in starts])
    return x, y


def build_char_rnn(vocab, units=64, embed_dim=16):
    """The training model (ids (N, T) -> logits (N, T, vocab)) and a one-step generation model
    ([id (N, 1), h, c] -> [logits (N, 1, vocab), h, c]) sharing its layers."""
    emb = layers.Embedding(vocab, embed_dim, name="char_embedding")
    lstm = layers.LSTM(units, return_sequences=True, return_state=True, name="char_lstm")
    head = layers.Dense(vocab, name="char_logits")
    ids = ember.Input(shape=(None,), dtype="int32")
    seq, _, _ = lstm(emb(ids))
    model = ember.Model(ids, head(seq), name="char_rnn")
    token = ember.Input(shape=(1,), dtype="int32")
    h_in, c_in = ember.Input(shape=(units,)), ember.Input(shape=(units,))
    step, h, c = lstm(emb(token), initial_state=[h_in, c_in])
    stepper = ember.Model([token, h_in, c_in], [head(step), h, c], name="char_step")
    return model, stepper


def generate(stepper, tokenizer, seed_text, length, temperature=1.0, rng=None, units=None):
    """Read `seed_text`, then emit `length` characters, each sampled with `sample` and fed
    back; returns seed_text + the generated characters."""
    units = units or stepper.inputs[1].shape[-1]
    ids = tokenizer.texts_to_sequences([seed_text])[0]
    if len(ids) != len(seed_text):
        raise ValueError(f"generate: `seed_text` {seed_text!r} has characters the tokenizer "
                         "has not seen")
    h = np.zeros((1, units), np.float32)
    c = np.zeros((1, units), np.float32)
    out = []
    with ember.no_grad():
        for i in ids[:-1]:
            _, h, c = stepper([np.array([[i]], np.int32), h, c])
        token = ids[-1]
        for _ in range(length):
            logits, h, c = stepper([np.array([[token]], np.int32), h, c])
            token = sample(logits.numpy()[0, 0], temperature, rng)
            if token == 0:  # index 0 is no character; only an untrained model picks it
                token = int(np.argmax(logits.numpy()[0, 0, 1:])) + 1
            out.append(tokenizer.index_word[token])
    return seed_text + "".join(out)


def train_char_rnn(text, seq_len=20, epochs=10, units=64, seed=0, verbose=0):
    """Train the character model on `text`; returns history, models and tokenizer."""
    ember.utils.set_random_seed(seed)
    tok = char_tokenizer(text)
    x, y = make_char_windows(text, tok, seq_len)
    vocab = len(tok.word_index) + 1
    model, stepper = build_char_rnn(vocab, units)
    model.compile(optimizer=ember.optimizers.Adam(0.01),
                  loss=ember.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, batch_size=32, epochs=epochs, verbose=verbose)
    return {"history": history.history, "model": model, "stepper": stepper, "tokenizer": tok}
