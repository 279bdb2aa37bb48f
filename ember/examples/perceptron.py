"""The notes' perceptron: a weighted sum plus a bias, through a step, trained by the
perceptron rule.

    z = w1 x1 + w2 x2 + ... + b;   y_hat = step(z) = 1 if z > 0 else 0
    w <- w + lr * (y - y_hat) * x;  b <- b + lr * (y - y_hat)

It learns any linearly separable function (AND, OR) and cannot learn XOR, which a network with
a hidden layer then learns (`xor_with_hidden_layer`).

>>> import numpy as np
>>> from ember.examples.perceptron import Perceptron, LOGIC_INPUTS
>>> p = Perceptron(2).fit(LOGIC_INPUTS, np.array([0, 0, 0, 1]))
>>> p.predict(LOGIC_INPUTS).tolist()
[0, 0, 0, 1]
"""

import numpy as np

import ember
from ember import ops

LOGIC_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)


class Perceptron:
    """A single neuron with a step output, trained by the perceptron rule.

    Args:
        n_inputs: the number of input features.
        learning_rate: the step size of the rule. Defaults to 1.0.
    """

    def __init__(self, n_inputs, learning_rate=1.0):
        if n_inputs < 1:
            raise ValueError(f"Perceptron: n_inputs must be >= 1, received {n_inputs}")
        self.w = ember.Variable(np.zeros(n_inputs), trainable=False, name="w")
        self.b = ember.Variable(0.0, trainable=False, name="b")
        self.learning_rate = learning_rate
        self.converged = False

    def cumulative_input(self, x):
        """z = w . x + b for each row of x."""
        return ember.tensor(x) @ self.w + self.b

    def predict(self, x):
        """step(z): 1 where the cumulative input is positive, else 0."""
        return ops.step(self.cumulative_input(x)).numpy().astype(np.int64)

    def fit(self, x, y, epochs=100):
        """Apply the perceptron rule example by example until an epoch makes no mistake."""
        x = np.asarray(x, dtype=np.float32)
        y = np.asarray(y)
        for _ in range(epochs):
            mistakes = 0
            for xi, yi in zip(x, y):
                error = int(yi) - int(self.predict(xi[None])[0])
                if error:
                    mistakes += 1
                    self.w.assign_add(self.learning_rate * error * xi)
                    self.b.assign_add(self.learning_rate * error)
            if mistakes == 0:
                self.converged = True
                break
        return self


def xor_with_hidden_layer(hidden=8, steps=2000, learning_rate=0.5, seed=0):
    """Train a 2-hidden-1 sigmoid network on XOR by gradient descent; returns its predictions.

    >>> xor_with_hidden_layer().tolist()
    [0, 1, 1, 0]
    """
    rng = np.random.default_rng(seed)
    y = np.array([0, 1, 1, 0], dtype=np.float32)
    w1 = ember.Variable(rng.normal(0, 1, (2, hidden)))
    b1 = ember.Variable(np.zeros(hidden))
    w2 = ember.Variable(rng.normal(0, 1, (hidden, 1)))
    b2 = ember.Variable(np.zeros(1))
    params = [w1, b1, w2, b2]
    for _ in range(steps):
        with ember.GradientTape() as tape:
            z = (ops.tanh(LOGIC_INPUTS @ w1 + b1) @ w2 + b2)[:, 0]
            loss = ops.mean(ops.sigmoid_binary_cross_entropy(y, z))
        for p, g in zip(params, tape.gradient(loss, params)):
            p.assign_sub(learning_rate * g.data)
    z = (ops.tanh(LOGIC_INPUTS @ w1 + b1) @ w2 + b2)[:, 0]
    return (z.numpy() > 0).astype(np.int64)
