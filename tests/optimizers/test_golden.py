"""Golden tests: three steps on fixed gradients against the written-out update rules.

Each reference below is the rule as the notes / Keras write it, computed here in float64
with plain NumPy, independently of ember's implementation; ember runs in float32, hence
rtol 1e-5 (a few float32 roundings per step).
"""

import math

import numpy as np
import pytest

import ember
from ember.optimizers import SGD, Adagrad, Adam, AdamW, Nadam, RMSprop

W0 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
GRADS = [
    np.array([[0.1, -0.2, 0.3], [1.0, -0.5, 0.05]]),
    np.array([[-0.4, 0.2, 0.6], [0.8, 0.0, -0.3]]),
    np.array([[0.25, -0.1, -0.2], [-1.2, 0.7, 0.5]]),
]
B0 = np.array([0.3, -0.2])
B_GRADS = [np.array([0.5, -0.5]), np.array([0.1, 0.9]), np.array([-0.3, 0.2])]


def run_ember(opt):
    """Three steps on two variables; returns the weights after each step (float32)."""
    w = ember.Variable(W0, name="w")
    b = ember.Variable(B0, name="b")
    out = []
    for g, gb in zip(GRADS, B_GRADS):
        opt.apply_gradients([(g, w), (ember.constant(gb), b)])
        assert w.dtype == np.float32 and b.dtype == np.float32
        out.append((w.numpy(), b.numpy()))
    return out


def check(opt, reference):
    """`reference(w0, grads)` -> list of weights after each step, for both variables."""
    got = run_ember(opt)
    want_w = reference(W0.copy(), GRADS)
    want_b = reference(B0.copy(), B_GRADS)
    for t, ((w, b), ww, wb) in enumerate(zip(got, want_w, want_b), start=1):
        np.testing.assert_allclose(w, ww, rtol=1e-5, atol=1e-7, err_msg=f"w after step {t}")
        np.testing.assert_allclose(b, wb, rtol=1e-5, atol=1e-7, err_msg=f"b after step {t}")
    assert int(opt.iterations) == 3


# ----------------------------------------------------------------------------- SGD
def test_sgd_plain_hand_numbers():
    # W := W - lr * dW, three times with dW = 1, 2, -1 and lr = 0.1: 1 -> 0.9 -> 0.7 -> 0.8
    w = ember.Variable([1.0])
    opt = SGD(learning_rate=0.1)
    for g, want in zip([1.0, 2.0, -1.0], [0.9, 0.7, 0.8]):
        opt.apply_gradients([(np.array([g]), w)])
        assert w.numpy()[0] == pytest.approx(want, rel=1e-6)


def test_sgd_plain():
    def ref(w, grads, lr=0.05):
        out = []
        for g in grads:
            w = w - lr * g
            out.append(w)
        return out
    check(SGD(learning_rate=0.05), ref)


def test_sgd_keras_momentum_hand_numbers():
    # m = 0.9 m - 0.1 g with g = 1: m = -0.1, -0.19, -0.271; w = 1 + m summed
    w = ember.Variable([1.0])
    opt = SGD(learning_rate=0.1, momentum=0.9)
    for want in [0.9, 0.71, 0.439]:
        opt.apply_gradients([(np.ones(1), w)])
        assert w.numpy()[0] == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_keras_momentum(nesterov):
    def ref(w, grads, lr=0.05, mu=0.9):
        m, out = np.zeros_like(w), []
        for g in grads:
            m = mu * m - lr * g
            w = w + (mu * m - lr * g if nesterov else m)
            out.append(w)
        return out
    check(SGD(learning_rate=0.05, momentum=0.9, nesterov=nesterov), ref)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_ema_momentum(nesterov):
    # The notes: v = beta v + (1 - beta) dW ; W = W - lr v
    def ref(w, grads, lr=0.05, beta=0.8):
        v, out = np.zeros_like(w), []
        for g in grads:
            v = beta * v + (1 - beta) * g
            w = w - lr * ((beta * v + (1 - beta) * g) if nesterov else v)
            out.append(w)
        return out
    check(SGD(learning_rate=0.05, momentum=0.8, nesterov=nesterov, momentum_style="ema"), ref)


def test_sgd_ema_hand_numbers():
    # beta = 0.5, lr = 1, dW = 2, 2: v = 1 then 1.5; W = 0 - 1 = -1, then -2.5
    w = ember.Variable([0.0])
    opt = SGD(learning_rate=1.0, momentum=0.5, momentum_style="ema")
    for want in [-1.0, -2.5]:
        opt.apply_gradients([(np.array([2.0]), w)])
        assert w.numpy()[0] == pytest.approx(want)


def test_sgd_styles_match_with_rescaled_rate():
    # EMA style with lr / (1 - mu) follows Keras style with lr exactly (documented).
    a, b = ember.Variable(W0), ember.Variable(W0)
    keras = SGD(learning_rate=0.05, momentum=0.9)
    ema = SGD(learning_rate=0.05 / (1 - 0.9), momentum=0.9, momentum_style="ema")
    for g in GRADS:
        keras.apply_gradients([(g, a)])
        ema.apply_gradients([(g, b)])
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------- Adagrad
def test_adagrad():
    # s = s + dW^2 ; W = W - lr dW / sqrt(s + eps), s starting at 0.1
    def ref(w, grads, lr=0.1, s0=0.1, eps=1e-7):
        s, out = np.full_like(w, s0), []
        for g in grads:
            s = s + g**2
            w = w - lr * g / np.sqrt(s + eps)
            out.append(w)
        return out
    check(Adagrad(learning_rate=0.1), ref)


def test_adagrad_hand_numbers():
    # s0 = 0, eps = 0, g = 3 then 4: s = 9, 25; w = 1 - 0.5*3/3 = 0.5, 0.5 - 0.5*4/5 = 0.1
    w = ember.Variable([1.0])
    opt = Adagrad(learning_rate=0.5, initial_accumulator_value=0.0, epsilon=0.0)
    for g, want in [(3.0, 0.5), (4.0, 0.1)]:
        opt.apply_gradients([(np.array([g]), w)])
        assert w.numpy()[0] == pytest.approx(want, rel=1e-6)


# ------------------------------------------------------------------------- RMSprop
@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_rmsprop(centered, momentum):
    def ref(w, grads, lr=0.01, rho=0.9, eps=1e-7):
        s, a, mom, out = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w), []
        for g in grads:
            s = rho * s + (1 - rho) * g**2
            if centered:
                a = rho * a + (1 - rho) * g
                step = lr * g / np.sqrt(s - a**2 + eps)
            else:
                step = lr * g / np.sqrt(s + eps)
            if momentum > 0:
                mom = momentum * mom + step
                step = mom
            w = w - step
            out.append(w)
        return out
    check(RMSprop(learning_rate=0.01, momentum=momentum, centered=centered), ref)


def test_rmsprop_keras_docstring_value():
    # Keras' own example: var 10, loss var^2 / 2, lr 0.1 -> 9.683772
    w = ember.Variable(10.0)
    RMSprop(learning_rate=0.1).minimize(lambda: (w**2) / 2.0, [w])
    assert float(w) == pytest.approx(9.683772, abs=1e-6)


# ---------------------------------------------------------------------------- Adam
def adam_reference(amsgrad=False, wd=0.0, lr=0.01, b1=0.9, b2=0.999, eps=1e-7):
    def ref(w, grads):
        m, v, vmax, out = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w), []
        for t, g in enumerate(grads, start=1):
            w = w - w * wd * lr
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g**2
            vmax = np.maximum(vmax, v)
            alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
            w = w - alpha * m / (np.sqrt(vmax if amsgrad else v) + eps)
            out.append(w)
        return out
    return ref


def test_adam():
    check(Adam(learning_rate=0.01), adam_reference())


def test_adam_notes_form_with_zero_epsilon():
    # The notes' form (bias-corrected v and s, W -= lr v_c / (sqrt(s_c) + eps)) with eps = 0
    def ref(w, grads, lr=0.01, b1=0.9, b2=0.999):
        v, s, out = np.zeros_like(w), np.zeros_like(w), []
        for t, g in enumerate(grads, start=1):
            v = b1 * v + (1 - b1) * g
            s = b2 * s + (1 - b2) * g**2
            w = w - lr * (v / (1 - b1**t)) / np.sqrt(s / (1 - b2**t))
            out.append(w)
        return out
    check(Adam(learning_rate=0.01, epsilon=0.0), ref)


def test_adam_amsgrad():
    # Gradients shrinking in magnitude make v fall below its running max.
    opt = Adam(learning_rate=0.01, beta_2=0.5, amsgrad=True)
    check(opt, adam_reference(amsgrad=True, b2=0.5))
    assert not np.allclose(opt.get_state()["velocity_hat/0"], opt.get_state()["velocity/0"])


def test_adamw_default_and_decay():
    assert AdamW().weight_decay == 0.004
    check(AdamW(learning_rate=0.01, weight_decay=0.1), adam_reference(wd=0.1))


def test_nadam():
    # Keras 3 nadam.py, written out: u_t = b1 (1 - 0.5 * 0.96^t), U_t = u_1 ... u_t
    def ref(w, grads, lr=0.01, b1=0.9, b2=0.999, eps=1e-7):
        m, v, u_prod, out = np.zeros_like(w), np.zeros_like(w), 1.0, []
        for t, g in enumerate(grads, start=1):
            u_t = b1 * (1 - 0.5 * 0.96**t)
            u_next = b1 * (1 - 0.5 * 0.96 ** (t + 1))
            u_prod = u_prod * u_t
            m = m + (g - m) * (1 - b1)
            v = v + (g**2 - v) * (1 - b2)
            m_hat = u_next * m / (1 - u_prod * u_next) + (1 - u_t) * g / (1 - u_prod)
            v_hat = v / (1 - b2**t)
            w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
            out.append(w)
        return out
    opt = Nadam(learning_rate=0.01)
    check(opt, ref)
    u = [0.9 * (1 - 0.5 * 0.96**t) for t in (1, 2, 3)]
    assert float(opt.get_state()["u_product"]) == pytest.approx(u[0] * u[1] * u[2], rel=1e-6)


# --------------------------------------------------------------------- defaults
@pytest.mark.parametrize("cls, expected", [
    (SGD, {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False}),
    (Adagrad, {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7}),
    (RMSprop, {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7,
               "centered": False}),
    (Adam, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
            "amsgrad": False}),
    (AdamW, {"learning_rate": 0.001, "weight_decay": 0.004, "beta_1": 0.9, "beta_2": 0.999,
             "epsilon": 1e-7}),
    (Nadam, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
])
def test_keras_defaults(cls, expected):
    config = cls().get_config()
    for key, value in expected.items():
        if key == "learning_rate":  # a float32 Variable's value, as Keras 3's get_config
            value = float(np.float32(value))
        assert config[key] == value, key
    for key in ("clipnorm", "clipvalue", "global_clipnorm"):
        assert config[key] is None
