"""ember's optimizers against torch.optim where the update rules coincide.

Both sides run in float32 on the same initial weights and the same five gradients. Where the
rules differ only in form (momentum bookkeeping, epsilon placement) the transformation is
stated in each test. Tolerance rtol 1e-5 / atol 1e-6: a handful of float32 roundings per step,
done in a different order by each library.
"""

import numpy as np
import pytest

import ember
from ember import optimizers

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-5, 1e-6
SHAPES = [(4, 3), (3,)]


def gradients(steps=5, floor=0.0):
    """Fixed gradients; `floor` > 0 keeps every |g| >= floor (signs random)."""
    rng = np.random.default_rng(7)
    out = []
    for _ in range(steps):
        gs = [rng.normal(size=s) for s in SHAPES]
        out.append([(g + np.sign(g) * floor).astype(np.float32) for g in gs])
    return out


def compare(ember_opt, make_torch_opt, steps=5, floor=0.0):
    rng = np.random.default_rng(3)
    init = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
    ours = [ember.Variable(w) for w in init]
    theirs = [torch.nn.Parameter(torch.tensor(w)) for w in init]
    topt = make_torch_opt(theirs)
    for t, grads in enumerate(gradients(steps, floor), start=1):
        ember_opt.apply_gradients(zip(grads, ours))
        for p, g in zip(theirs, grads):
            p.grad = torch.tensor(g)
        topt.step()
        for a, p in zip(ours, theirs):
            np.testing.assert_allclose(a.numpy(), p.detach().numpy(), rtol=RTOL, atol=ATOL,
                                       err_msg=f"step {t}")


@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd(momentum, nesterov):
    # torch: b = mu b + g; w -= lr b  ==  Keras: m = mu m - lr g; w += m, with m = -lr b
    compare(optimizers.SGD(learning_rate=0.05, momentum=momentum, nesterov=nesterov),
            lambda p: torch.optim.SGD(p, lr=0.05, momentum=momentum, nesterov=nesterov))


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_ema_style(nesterov):
    # The notes' v = mu v + (1 - mu) g is (1 - mu) times torch's buffer, so ember's rate
    # lr matches torch's rate lr * (1 - mu).
    compare(optimizers.SGD(learning_rate=0.5, momentum=0.8, nesterov=nesterov,
                           momentum_style="ema"),
            lambda p: torch.optim.SGD(p, lr=0.5 * (1 - 0.8), momentum=0.8, nesterov=nesterov))


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_rmsprop(centered, momentum):
    # torch divides by sqrt(s) + eps, Keras by sqrt(s + eps); with eps = 0 the rules are
    # identical (torch's lr-after-momentum-buffer form is equal for a constant rate).
    compare(optimizers.RMSprop(learning_rate=0.01, rho=0.9, momentum=momentum, epsilon=0.0,
                               centered=centered),
            lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=momentum, eps=0.0,
                                          centered=centered))


def test_adagrad():
    # torch's accumulator starts at 0 unless told (Keras: 0.1), and its eps sits outside the
    # root: equal rules with initial_accumulator_value=0.1 on both sides and eps = 0.
    compare(optimizers.Adagrad(learning_rate=0.1, initial_accumulator_value=0.1, epsilon=0.0),
            lambda p: torch.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=0.0))


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_zero_epsilon(amsgrad):
    compare(optimizers.Adam(learning_rate=0.01, epsilon=0.0, amsgrad=amsgrad),
            lambda p: torch.optim.Adam(p, lr=0.01, eps=0.0, amsgrad=amsgrad))


def test_adam_default_epsilon():
    # Keras' eps (outside sqrt(v)) acts as torch's eps / sqrt(1 - beta_2^t), i.e. up to
    # 1e-7 / sqrt(0.001) ~ 3.2e-6 at t = 1, added to sqrt(v_hat) ~ |g|. With every |g| >= 0.5
    # that moves a step of size ~lr by < 1e-5 relative (< 1e-7 absolute): inside RTOL/ATOL.
    # (For tiny gradients the two epsilons differ visibly; test_adam_zero_epsilon shows the
    # rules are otherwise identical.)
    compare(optimizers.Adam(learning_rate=0.01),
            lambda p: torch.optim.Adam(p, lr=0.01, eps=1e-7), floor=0.5)


def test_adamw():
    # torch.optim.AdamW: w *= 1 - lr * wd before the Adam step == Keras' w -= w * wd * lr.
    compare(optimizers.AdamW(learning_rate=0.01, weight_decay=0.1, epsilon=0.0),
            lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1, eps=0.0))


def test_nadam():
    # Keras' momentum schedule uses 0.96 ** t: torch's NAdam with momentum_decay = 1.0.
    compare(optimizers.Nadam(learning_rate=0.01),
            lambda p: torch.optim.NAdam(p, lr=0.01, eps=1e-7, momentum_decay=1.0))


def test_global_clipnorm_matches_clip_grad_norm():
    # torch.nn.utils.clip_grad_norm_(max_norm) scales by max_norm / (norm + 1e-6) when the
    # norm exceeds it; ember (Keras) by max_norm / norm: a 1e-6 relative difference at norm ~1.
    class ClippedSGD:
        def __init__(self, params):
            self.params, self.opt = params, torch.optim.SGD(params, lr=0.1)

        def step(self):
            torch.nn.utils.clip_grad_norm_(self.params, max_norm=1.0)
            self.opt.step()

    compare(optimizers.SGD(learning_rate=0.1, global_clipnorm=1.0), ClippedSGD)
