"""The `lstm` and `gru` models of the training suite (see train_suite.py, BENCHMARKS.md).

LSTM 128 (GRU 128) over 40 steps of 1 feature, last state, Dense 10, batch 128. ember runs
`layers.LSTM(128)` / `layers.GRU(128)` (the fused sequence ops); PyTorch runs nn.LSTM / nn.GRU
(batch_first) followed by the same head on the last hidden state.

FLOPs count the matrix products, forward and backward: per step the input projection
(2 * batch * features * gates * units) and the recurrent one (2 * batch * units * gates *
units), three times (forward, and the two backward products), plus the Dense head.

    python benchmarks/train_suite.py --models lstm gru --quick
"""

STEPS, FEATURES, UNITS = 40, 1, 128


def specs(Spec, CLASSES):  # noqa: N803  (the names train_suite passes)
    class RecurrentSpec(Spec):
        def __init__(self, name, gates, ember_cls, torch_cls):
            self.gates = gates
            super().__init__(name, (STEPS, FEATURES), lambda: _ember(ember_cls, CLASSES),
                             lambda nn: _torch(nn, torch_cls, CLASSES), [(UNITS, CLASSES)])

        def flops(self):
            batch = 128
            rnn = 6 * batch * STEPS * (FEATURES + UNITS) * self.gates * UNITS
            return rnn + super().flops()

    return {"lstm": RecurrentSpec("lstm", 4, "LSTM", "LSTM"),
            "gru": RecurrentSpec("gru", 3, "GRU", "GRU")}


def _ember(cls_name, classes):
    from ember import layers

    return [getattr(layers, cls_name)(UNITS), layers.Dense(classes)]


def _torch(nn, cls_name, classes):
    class LastState(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(nn, cls_name)(FEATURES, UNITS, batch_first=True)

        def forward(self, x):
            out, _ = self.rnn(x)
            return out[:, -1]

    return [LastState(), nn.Linear(UNITS, classes)]
