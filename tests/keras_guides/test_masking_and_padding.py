"""keras.io "Understanding masking & padding", as a program run with ember and with Keras 3
(torch): pad_sequences, Embedding(mask_zero=True) -> `_keras_mask`, the Masking layer, masks
flowing into an LSTM in functional and subclassed models, passing a mask by hand, a layer that
makes a mask (compute_mask), one that splits it (a list of masks), one that uses it
(TemporalSoftmax), and a masked LSTM learning from post-padded sequences."""

import numpy as np
import pytest

import ember
from tests.keras_guides.conftest import as_numpy, load_keras, run_once

RAW = [[711, 632, 71], [73, 8, 3215, 55, 927], [83, 91, 1, 645, 1253, 927]]


def mask_of(keras, tensor):
    mask = getattr(tensor, "_keras_mask", None)
    return None if mask is None else np.asarray(as_numpy(keras, mask)).tolist()


def program(keras):
    ops, layers = keras.ops, keras.layers
    out = {}
    padded_inputs = keras.utils.pad_sequences(RAW, padding="post")
    out["padded"] = np.asarray(padded_inputs).tolist()

    embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
    masked_output = embedding(padded_inputs)
    out["embedding_mask"] = mask_of(keras, masked_output)

    masking_layer = layers.Masking()
    unmasked_embedding = np.tile(padded_inputs[:, :, None], (1, 1, 10)).astype("float32")
    out["masking_mask"] = mask_of(keras, masking_layer(unmasked_embedding))

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
    outputs = layers.LSTM(32)(x)
    model = keras.Model(inputs, outputs)
    out["functional_lstm"] = tuple(model(padded_inputs).shape)

    class MyLayer(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
            self.lstm = layers.LSTM(32)

        def call(self, inputs):
            x = self.embedding(inputs)
            mask = self.embedding.compute_mask(inputs)
            return self.lstm(x, mask=mask)  # the mask passed by hand

    out["manual_mask"] = tuple(MyLayer()(padded_inputs).shape)

    class TemporalSplit(keras.layers.Layer):
        """Split the input tensor into 2 tensors along the time dimension."""

        def call(self, inputs):
            return ops.split(inputs, 2, axis=1)

        def compute_mask(self, inputs, mask=None):
            if mask is None:
                return None
            return ops.split(mask, 2, axis=1)

    first_half, second_half = TemporalSplit()(masked_output)
    out["split_masks"] = (mask_of(keras, first_half), mask_of(keras, second_half))

    class CustomEmbedding(keras.layers.Layer):
        def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
            super().__init__(**kwargs)
            self.input_dim = input_dim
            self.output_dim = output_dim
            self.mask_zero = mask_zero

        def build(self, input_shape):
            self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                              initializer="random_normal", dtype="float32")

        def call(self, inputs):
            inputs = ops.cast(inputs, "int32")
            return ops.take(self.embeddings, inputs, axis=0) if hasattr(ops, "take") else \
                self.embeddings[inputs]

        def compute_mask(self, inputs, mask=None):
            if not self.mask_zero:
                return None
            return ops.not_equal(inputs, 0)

    layer = CustomEmbedding(10, 32, mask_zero=True)
    x = np.random.default_rng(0).integers(0, 10, (3, 10))
    x[:, -2:] = 0
    out["custom_mask"] = (mask_of(keras, layer(x)), (x != 0).tolist())

    class TemporalSoftmax(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            assert mask is not None
            broadcast_float_mask = ops.expand_dims(ops.cast(mask, "float32"), -1)
            inputs_exp = ops.exp(inputs) * broadcast_float_mask
            # over the time axis (the guide writes axis=-1, which with one feature gives 0/0
            # at masked steps)
            inputs_sum = ops.sum(inputs_exp * broadcast_float_mask, axis=1, keepdims=True)
            return inputs_exp / inputs_sum

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=5000, output_dim=32, mask_zero=True)(inputs)
    x = layers.Dense(1)(x)
    outputs = TemporalSoftmax()(x)
    model = keras.Model(inputs, outputs)
    y = as_numpy(keras, model(padded_inputs))
    out["temporal_softmax"] = (tuple(y.shape), bool((y[padded_inputs == 0] == 0).all()),
                               np.round(y.sum(axis=(1, 2)), 5).tolist())

    # learning with masks: the label is the parity of the LAST real token of each
    # post-padded sequence, which a masked LSTM reads and an unmasked one would not
    rng = np.random.default_rng(1)
    n, length = 256, 8
    seqs = [list(rng.integers(1, 10, rng.integers(2, length + 1))) for _ in range(n)]
    xs = np.asarray(keras.utils.pad_sequences(seqs, maxlen=length, padding="post"))
    ys = np.array([s[-1] % 2 for s in seqs], "float32")[:, None]
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(length,), dtype="int32")
    h = layers.Embedding(input_dim=10, output_dim=8, mask_zero=True)(inputs)
    h = layers.LSTM(16)(h)
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(h))
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(xs, ys, epochs=6, batch_size=32, verbose=0)
    out["masked_lstm_accuracy"] = history.history["accuracy"][-1]
    return out


def check(out):
    assert out["padded"] == [[711, 632, 71, 0, 0, 0], [73, 8, 3215, 55, 927, 0],
                             [83, 91, 1, 645, 1253, 927]]
    expected = [[True, True, True, False, False, False], [True, True, True, True, True, False],
                [True] * 6]
    assert out["embedding_mask"] == expected and out["masking_mask"] == expected
    assert out["functional_lstm"] == (3, 32) and out["manual_mask"] == (3, 32)
    assert out["split_masks"] == ([row[:3] for row in expected], [row[3:] for row in expected])
    assert out["custom_mask"][0] == out["custom_mask"][1]
    assert out["temporal_softmax"] == ((3, 6, 1), True, [1.0, 1.0, 1.0])
    assert out["masked_lstm_accuracy"] > 0.9


def test_masking_and_padding_guide(keras):
    check(run_once(program, keras))


@pytest.mark.slow
def test_masking_and_padding_matches_keras():
    ours, theirs = run_once(program, ember), run_once(program, load_keras())
    assert {k: v for k, v in ours.items() if k != "masked_lstm_accuracy"} == \
        {k: v for k, v in theirs.items() if k != "masked_lstm_accuracy"}
    assert ours["masked_lstm_accuracy"] == pytest.approx(theirs["masked_lstm_accuracy"],
                                                         abs=0.1)
