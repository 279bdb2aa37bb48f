"""Weight constraints run once per training step (the optimizer applies them, as in Keras 3;
`train_step` used to apply them a second time)."""

import numpy as np

import ember
from ember.constraints import Constraint, NonNeg


class Counting(Constraint):
    def __init__(self):
        self.calls = 0

    def __call__(self, w):
        self.calls += 1
        return NonNeg()(w)


def test_constraint_runs_once_per_step():
    kernel, bias = Counting(), Counting()
    model = ember.models.Sequential([
        ember.layers.Input(shape=(3,)),
        ember.layers.Dense(2, kernel_constraint=kernel, bias_constraint=bias)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).standard_normal((20, 3)).astype("float32")
    y = np.ones((20, 2), "float32")
    model.fit(x, y, batch_size=5, epochs=2, verbose=0)  # 4 steps an epoch
    assert (kernel.calls, bias.calls) == (8, 8)
    model.train_on_batch(x, y)
    assert (kernel.calls, bias.calls) == (9, 9)
    assert (model.layers[0].kernel.numpy() >= 0).all()  # and it did act
