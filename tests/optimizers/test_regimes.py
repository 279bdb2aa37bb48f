"""The notes' three regimes of gradient descent are one rule, `W := W - lr * dW`, fed
different batches: the whole set (batch), one example (stochastic) or a mini-batch.

Each regime trains linear regression `y = X w + b` written with plain ember ops and must
recover the true weights of noisy synthetic data.
"""

import numpy as np
import pytest

import ember
from ember.optimizers import SGD

TRUE_W = np.array([[2.0], [-3.0], [0.5]])
TRUE_B = 1.0


def make_data(n=256, noise=0.01):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x @ TRUE_W + TRUE_B + noise * rng.normal(size=(n, 1))).astype(np.float32)
    return x, y


def mse(w, b, x, y):
    return ember.mean((ember.matmul(ember.constant(x), w) + b - ember.constant(y)) ** 2)


def train(batch_size, learning_rate, epochs, style):
    x, y = make_data()
    w = ember.Variable(np.zeros((3, 1)), name="w")
    b = ember.Variable(np.zeros((1,)), name="b")
    opt = SGD(learning_rate=learning_rate)
    order_rng = np.random.default_rng(1)
    initial = float(mse(w, b, x, y))
    for _ in range(epochs):
        order = order_rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            idx = order[start:start + batch_size]
            xb, yb = x[idx], y[idx]
            if style == "minimize":
                opt.minimize(lambda xb=xb, yb=yb: mse(w, b, xb, yb), [w, b])
            elif style == "backward":  # PyTorch style
                mse(w, b, xb, yb).backward()
                opt.step([w, b])
                opt.zero_grad()
            else:  # Keras custom-training-loop style
                with ember.GradientTape() as tape:
                    loss = mse(w, b, xb, yb)
                opt.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    return w.numpy(), float(b.numpy()[0]), initial, float(mse(w, b, x, y)), int(opt.iterations)


@pytest.mark.parametrize("regime, batch_size, learning_rate, epochs, style", [
    ("batch", 256, 0.1, 100, "minimize"),
    ("stochastic", 1, 0.01, 3, "backward"),
    ("mini-batch", 32, 0.05, 15, "tape"),
])
def test_regimes_converge_to_true_weights(regime, batch_size, learning_rate, epochs, style):
    w, b, initial, final, steps = train(batch_size, learning_rate, epochs, style)
    assert steps == epochs * -(-256 // batch_size)
    np.testing.assert_allclose(w, TRUE_W, atol=0.02, err_msg=regime)
    assert b == pytest.approx(TRUE_B, abs=0.02), regime
    assert final < 1e-3 < initial, regime
