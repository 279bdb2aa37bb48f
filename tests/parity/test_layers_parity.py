"""ember's layers and activations against PyTorch where the definitions coincide.

Forward values: atol 1e-6 / rtol 1e-3; gradients: atol 1e-4 / rtol 1e-3 (float32 on both
sides). Conventions that differ are converted, and each conversion is stated where it is made:

- BatchNorm momentum: Keras keeps `moving * momentum + batch * (1 - momentum)`, PyTorch
  `(1 - m) * running + m * batch`, so Keras 0.99 is PyTorch m = 0.01.
- BatchNorm running variance: PyTorch stores the unbiased batch variance (n / (n - 1) times the
  biased one), Keras (and ember) the biased variance used for normalising.
- Layout: ember's images are (N, H, W, C), PyTorch's (N, C, H, W).
- Keras 3's hard_sigmoid is relu6(x + 3) / 6, exactly `torch.nn.functional.hardsigmoid` (Keras 2
  used 0.2 x + 0.5, which no longer matches either).
"""

import numpy as np
import pytest

import ember
from ember import activations, layers

torch = pytest.importorskip("torch")
F = torch.nn.functional

FWD = {"rtol": 1e-3, "atol": 1e-6}
GRAD = {"rtol": 1e-3, "atol": 1e-4}


def _inputs(shape, seed=0):
    """Uniform in [-5, 5], nudged 0.05 away from every kink (0, +-3, 6)."""
    x = np.random.default_rng(seed).uniform(-5, 5, size=shape)
    for kink in (0.0, 3.0, -3.0):
        near = np.abs(x - kink) < 0.05
        x[near] += 0.1
    return x.astype(np.float32)


def _ember_value_and_grad(fn, x, upstream):
    xt = ember.Variable(x)
    with ember.GradientTape() as tape:
        y = fn(xt)
        loss = (y * upstream).sum()
    return y.numpy(), tape.gradient(loss, xt).numpy()


def _torch_value_and_grad(fn, x, upstream):
    xt = torch.tensor(x, requires_grad=True)
    y = fn(xt)
    (y * torch.tensor(upstream)).sum().backward()
    return y.detach().numpy(), xt.grad.numpy()


ACTIVATIONS = [
    ("relu", activations.relu, F.relu),
    ("leaky_relu", activations.leaky_relu, lambda t: F.leaky_relu(t, 0.2)),
    ("relu6", activations.relu6, F.relu6),
    ("elu", activations.elu, F.elu),
    ("selu", activations.selu, F.selu),
    ("softplus", activations.softplus, F.softplus),
    ("softsign", activations.softsign, F.softsign),
    ("silu", activations.silu, F.silu),
    ("gelu", activations.gelu, F.gelu),
    ("gelu_tanh", lambda x: activations.gelu(x, approximate=True),
     lambda t: F.gelu(t, approximate="tanh")),
    ("hard_sigmoid", activations.hard_sigmoid, F.hardsigmoid),
    ("hard_silu", activations.hard_silu, F.hardswish),
    ("mish", activations.mish, F.mish),
    ("sigmoid", activations.sigmoid, torch.sigmoid),
    ("tanh", activations.tanh, torch.tanh),
    ("exponential", activations.exponential, torch.exp),
    ("softmax", activations.softmax, lambda t: F.softmax(t, dim=-1)),
    ("log_softmax", activations.log_softmax, lambda t: F.log_softmax(t, dim=-1)),
]


@pytest.mark.parametrize("name, ours, theirs", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_values_and_gradients(name, ours, theirs):
    x = _inputs((6, 7))
    upstream = np.random.default_rng(1).normal(size=x.shape).astype(np.float32)
    y, g = _ember_value_and_grad(ours, x, upstream)
    ty, tg = _torch_value_and_grad(theirs, x, upstream)
    np.testing.assert_allclose(y, ty, **FWD)
    np.testing.assert_allclose(g, tg, **GRAD)


def test_dense_matches_linear():
    x = _inputs((5, 4))
    dense = layers.Dense(3)
    dense.build(x.shape)
    linear = torch.nn.Linear(4, 3)
    with torch.no_grad():  # torch stores the kernel transposed: (out, in)
        linear.weight.copy_(torch.tensor(dense.kernel.numpy().T))
        linear.bias.copy_(torch.tensor(np.array([0.1, -0.2, 0.3], np.float32)))
    dense.bias.assign([0.1, -0.2, 0.3])
    upstream = np.random.default_rng(2).normal(size=(5, 3)).astype(np.float32)
    y, g = _ember_value_and_grad(dense, x, upstream)
    ty, tg = _torch_value_and_grad(linear, x, upstream)
    np.testing.assert_allclose(y, ty, **FWD)
    np.testing.assert_allclose(g, tg, **GRAD)


def _bn_pair(channels, eps, seed):
    rng = np.random.default_rng(seed)
    gamma = rng.normal(1.0, 0.3, channels).astype(np.float32)
    beta = rng.normal(0.0, 0.3, channels).astype(np.float32)
    ours = layers.BatchNormalization(momentum=0.99, epsilon=eps)
    theirs = torch.nn.BatchNorm2d(channels, eps=eps, momentum=1 - 0.99)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(gamma))
        theirs.bias.copy_(torch.tensor(beta))
    return ours, theirs, gamma, beta


@pytest.mark.parametrize("shape", [(16, 5), (4, 6, 6, 3)], ids=["1d", "2d"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_batchnorm_matches_torch(shape, training):
    channels = shape[-1]
    ours, theirs, gamma, beta = _bn_pair(channels, 1e-3, seed=3)
    if len(shape) == 2:
        theirs = torch.nn.BatchNorm1d(channels, eps=1e-3, momentum=1 - 0.99)
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(gamma))
            theirs.bias.copy_(torch.tensor(beta))
    ours.build(shape)
    mm = np.random.default_rng(4).normal(size=channels).astype(np.float32)
    mv = np.random.default_rng(5).uniform(0.5, 2.0, size=channels).astype(np.float32)
    ours.set_weights([gamma, beta, mm, mv])
    with torch.no_grad():
        theirs.running_mean.copy_(torch.tensor(mm))
        theirs.running_var.copy_(torch.tensor(mv))
    theirs.train(training)

    x = (_inputs(shape, seed=6) * 2 + 1).astype(np.float32)
    upstream = np.random.default_rng(7).normal(size=shape).astype(np.float32)
    to_torch = (lambda a: a) if len(shape) == 2 else (lambda a: np.moveaxis(a, -1, 1).copy())
    back = (lambda a: a) if len(shape) == 2 else (lambda a: np.moveaxis(a, 1, -1))

    xe = ember.Variable(x)
    with ember.GradientTape() as tape:
        y = ours(xe, training=training)
        loss = (y * upstream).sum()
    gx, gg, gb = tape.gradient(loss, [xe, ours.gamma, ours.beta])
    xt = torch.tensor(to_torch(x), requires_grad=True)
    yt = theirs(xt)
    (yt * torch.tensor(to_torch(upstream))).sum().backward()

    np.testing.assert_allclose(y.numpy(), back(yt.detach().numpy()), **FWD)
    np.testing.assert_allclose(gx.numpy(), back(xt.grad.numpy()), **GRAD)
    np.testing.assert_allclose(gg.numpy(), theirs.weight.grad.numpy(), **GRAD)
    np.testing.assert_allclose(gb.numpy(), theirs.bias.grad.numpy(), **GRAD)
    np.testing.assert_allclose(ours.moving_mean.numpy(), theirs.running_mean.numpy(), **FWD)
    n = x.size // channels
    # torch adds 0.01 * unbiased variance, ember 0.01 * biased = 0.01 * unbiased * (n-1)/n
    torch_added = theirs.running_var.numpy() - 0.99 * mv if training else 0 * mv
    ours_added = ours.moving_variance.numpy() - (0.99 * mv if training else mv)
    np.testing.assert_allclose(ours_added, torch_added * (n - 1) / n, rtol=1e-4, atol=1e-6)


def test_batchnorm_moving_statistics_over_several_steps():
    ours = layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
    theirs = torch.nn.BatchNorm1d(3, eps=1e-5, momentum=1 - 0.9)
    for step in range(4):
        x = (_inputs((32, 3), seed=10 + step) + step).astype(np.float32)
        ours(x, training=True)
        theirs(torch.tensor(x))
    np.testing.assert_allclose(ours.moving_mean.numpy(), theirs.running_mean.numpy(), **FWD)
    theirs.eval()
    x = _inputs((8, 3), seed=20)
    # same inference output once torch is given ember's (biased) moving variance
    with torch.no_grad():
        theirs.running_var.copy_(torch.tensor(ours.moving_variance.numpy()))
    np.testing.assert_allclose(ours(x).numpy(), theirs(torch.tensor(x)).detach().numpy(), **FWD)


@pytest.mark.parametrize("axis, normalized", [(-1, (5,)), ([1, 2], (4, 5))])
def test_layernorm_matches_torch(axis, normalized):
    x = _inputs((3, 4, 5), seed=11)
    ours = layers.LayerNormalization(axis=axis, epsilon=1e-5)
    ours.build(x.shape)
    rng = np.random.default_rng(12)
    gamma = rng.normal(size=normalized).astype(np.float32)
    beta = rng.normal(size=normalized).astype(np.float32)
    ours.set_weights([gamma, beta])
    theirs = torch.nn.LayerNorm(normalized, eps=1e-5)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(gamma))
        theirs.bias.copy_(torch.tensor(beta))
    upstream = rng.normal(size=x.shape).astype(np.float32)
    xe = ember.Variable(x)
    with ember.GradientTape() as tape:
        y = ours(xe)
        loss = (y * upstream).sum()
    gx, gg, gb = tape.gradient(loss, [xe, ours.gamma, ours.beta])
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt)
    (yt * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), **FWD)
    np.testing.assert_allclose(gx.numpy(), xt.grad.numpy(), **GRAD)
    np.testing.assert_allclose(gg.numpy(), theirs.weight.grad.numpy(), **GRAD)
    np.testing.assert_allclose(gb.numpy(), theirs.bias.grad.numpy(), **GRAD)
