"""A two-layer network trained on two-moons data through the low-level API.

Variables, ops, a `GradientTape` and a hand-written gradient-descent step: the notes' training
loop (forward, loss, backpropagation, update) with nothing hidden.

>>> from ember.examples.two_moons import make_moons, train
>>> x, y = make_moons(200, seed=0)
>>> x.shape, y.shape
((200, 2), (200,))
>>> result = train(epochs=30, verbose=False)
>>> result["losses"][-1] < result["losses"][0]
True
"""

import numpy as np

import ember
from ember import ops


def make_moons(n=400, noise=0.1, seed=0):
    """Two interleaving half circles in 2-D, labels 0 and 1 (float32 points, int64 labels)."""
    rng = np.random.default_rng(seed)
    half = n // 2
    t = rng.uniform(0, np.pi, n)
    upper = np.stack([np.cos(t[:half]), np.sin(t[:half])], axis=1)
    lower = np.stack([1 - np.cos(t[half:]), 0.5 - np.sin(t[half:])], axis=1)
    x = np.concatenate([upper, lower]) + rng.normal(0, noise, (n, 2))
    y = np.concatenate([np.zeros(half, np.int64), np.ones(n - half, np.int64)])
    order = rng.permutation(n)
    return x[order].astype(np.float32), y[order]


def train(epochs=300, hidden=16, learning_rate=0.5, batch_size=64, seed=0, verbose=True):
    """Train a 2-16-1 tanh network with binary cross-entropy from logits and mini-batch SGD.

    Returns a dict with the per-epoch losses and the final train and test accuracies.
    """
    x, y = make_moons(600, seed=seed)
    x_train, y_train, x_test, y_test = x[:400], y[:400], x[400:], y[400:]
    rng = np.random.default_rng(seed)
    w1 = ember.Variable(rng.normal(0, 1, (2, hidden)), name="w1")
    b1 = ember.Variable(np.zeros(hidden), name="b1")
    w2 = ember.Variable(rng.normal(0, 1 / np.sqrt(hidden), (hidden, 1)), name="w2")
    b2 = ember.Variable(np.zeros(1), name="b2")
    params = [w1, b1, w2, b2]

    def logits(inputs):
        return (ops.tanh(inputs @ w1 + b1) @ w2 + b2)[:, 0]

    losses = []
    for epoch in range(epochs):
        order = rng.permutation(len(x_train))
        total = 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            targets = y_train[idx].astype(np.float32)
            with ember.GradientTape() as tape:
                loss = ops.mean(ops.sigmoid_binary_cross_entropy(targets, logits(x_train[idx])))
            grads = tape.gradient(loss, params)
            with ember.no_grad():
                for p, g in zip(params, grads):
                    p.assign_sub(learning_rate * g.data)  # W <- W - lr * dL/dW
            total += loss.item() * len(idx)
        losses.append(total / len(order))
        if verbose and (epoch % max(1, epochs // 10) == 0 or epoch == epochs - 1):
            print(f"epoch {epoch + 1:4d}/{epochs}  loss {losses[-1]:.4f}")

    def accuracy(inputs, labels):
        with ember.no_grad():
            return float(np.mean((logits(inputs).numpy() > 0) == labels))

    result = {"losses": losses, "train_accuracy": accuracy(x_train, y_train),
              "test_accuracy": accuracy(x_test, y_test)}
    if verbose:
        print(f"train accuracy {result['train_accuracy']:.3f}  "
              f"test accuracy {result['test_accuracy']:.3f}")
    return result
