"""ember.losses against torch.nn losses where the definitions coincide, in float32.

Values (atol 1e-6, rtol 1e-3) and gradients with respect to the prediction (atol 1e-4,
rtol 1e-3), with per-sample weights where torch has no such argument: torch's per-element
losses (reduction="none") are averaged over the last axis, weighted and averaged, which is
Keras' "sum_over_batch_size" rule written out.
"""

import numpy as np
import pytest

import ember
from ember import losses as L

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

RTOL, ATOL = 1e-3, 1e-6
GRAD_RTOL, GRAD_ATOL = 1e-3, 1e-4
RNG = np.random.default_rng(42)
N, C = 6, 4
W = RNG.uniform(0.2, 2.0, size=N).astype(np.float32)


def compare(ours, theirs, y_pred):
    """`ours(pred)` on an ember Variable and `theirs(pred)` on a torch leaf, same start."""
    p = ember.Variable(y_pred)
    out = ours(p)
    (g,) = ember.grad(out, [p])
    tp = torch.tensor(y_pred, requires_grad=True)
    tout = theirs(tp)
    tout.backward()
    assert out.dtype == np.float32 and out.shape == ()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(g.numpy(), tp.grad.numpy(), rtol=GRAD_RTOL, atol=GRAD_ATOL)


def weighted(per_element):
    """Keras' reduction of torch's per-element losses: mean over the last axis, times W,
    summed and divided by N."""
    return (per_element.mean(-1) * torch.tensor(W)).mean()


def f32(a):
    return np.asarray(a, dtype=np.float32)


T_REG = f32(RNG.normal(size=(N, C)))
P_REG = f32(RNG.normal(size=(N, C)) * 2)


def test_mse_mae_match_torch():
    compare(lambda p: L.MeanSquaredError()(T_REG, p),
            lambda p: torch.nn.MSELoss()(p, torch.tensor(T_REG)), P_REG)
    compare(lambda p: L.MeanAbsoluteError()(T_REG, p),
            lambda p: torch.nn.L1Loss()(p, torch.tensor(T_REG)), P_REG)
    compare(lambda p: L.MeanSquaredError()(T_REG, p, sample_weight=W),
            lambda p: weighted(torch.nn.MSELoss(reduction="none")(p, torch.tensor(T_REG))),
            P_REG)


@pytest.mark.parametrize("delta", [1.0, 0.35, 2.5])
def test_huber_matches_torch(delta):
    compare(lambda p: L.Huber(delta=delta)(T_REG, p),
            lambda p: torch.nn.HuberLoss(delta=delta)(p, torch.tensor(T_REG)), P_REG)
    compare(lambda p: L.Huber(delta=delta)(T_REG, p, sample_weight=W),
            lambda p: weighted(torch.nn.HuberLoss(reduction="none", delta=delta)(
                p, torch.tensor(T_REG))), P_REG)


T_BIN = f32(RNG.random((N, C)) > 0.5)
T_SOFT = f32(RNG.random((N, C)))


def test_bce_matches_bceloss():
    prob = f32(RNG.uniform(0.05, 0.95, size=(N, C)))
    for t in (T_BIN, T_SOFT):
        compare(lambda p, t=t: L.BinaryCrossentropy()(t, p),
                lambda p, t=t: torch.nn.BCELoss()(p, torch.tensor(t)), prob)
        compare(lambda p, t=t: L.BinaryCrossentropy()(t, p, sample_weight=W),
                lambda p, t=t: weighted(torch.nn.BCELoss(reduction="none")(p, torch.tensor(t))),
                prob)


@pytest.mark.parametrize("scale", [1.0, 30.0, 100.0])
def test_bce_from_logits_matches_bcewithlogits(scale):
    z = f32(RNG.normal(size=(N, C)) * scale)
    compare(lambda p: L.BinaryCrossentropy(from_logits=True)(T_BIN, p),
            lambda p: torch.nn.BCEWithLogitsLoss()(p, torch.tensor(T_BIN)), z)
    compare(lambda p: L.BinaryCrossentropy(from_logits=True, label_smoothing=0.2)(T_BIN, p),
            lambda p: torch.nn.BCEWithLogitsLoss()(p, torch.tensor(T_BIN * 0.8 + 0.1)), z)


LABELS = RNG.integers(0, C, size=N)
ONEHOT = f32(np.eye(C)[LABELS])
PROBS = f32(RNG.dirichlet(np.ones(C), size=N))  # soft probability targets
LOGITS = f32(RNG.normal(size=(N, C)) * 3)


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
@pytest.mark.parametrize("target", ["onehot", "probs"])
def test_cce_matches_crossentropyloss_with_probabilities(smoothing, target):
    t = ONEHOT if target == "onehot" else PROBS
    theirs = lambda p: torch.nn.CrossEntropyLoss(label_smoothing=smoothing)(  # noqa: E731
        p, torch.tensor(t))
    compare(lambda p: L.CategoricalCrossentropy(from_logits=True, label_smoothing=smoothing)(
        t, p), theirs, LOGITS)
    # the probability path, differentiated through an ember softmax, agrees as well
    compare(lambda p: L.CategoricalCrossentropy(label_smoothing=smoothing)(
        t, ember.ops.softmax(p)), theirs, LOGITS)


def test_sparse_cce_matches_crossentropyloss_with_indices():
    idx = torch.tensor(LABELS)
    compare(lambda p: L.SparseCategoricalCrossentropy(from_logits=True)(LABELS, p),
            lambda p: torch.nn.CrossEntropyLoss()(p, idx), LOGITS)
    compare(lambda p: L.SparseCategoricalCrossentropy()(LABELS, ember.ops.softmax(p)),
            lambda p: torch.nn.CrossEntropyLoss()(p, idx), LOGITS)
    compare(lambda p: L.SparseCategoricalCrossentropy(from_logits=True)(
        LABELS, p, sample_weight=W),
        lambda p: (torch.nn.CrossEntropyLoss(reduction="none")(p, idx) * torch.tensor(W)).mean(),
        LOGITS)
    # ignore_class is torch's ignore_index: the mean runs over the kept entries
    masked = np.where(np.arange(N) % 3 == 0, -1, LABELS)
    compare(lambda p: L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(
        masked, p), lambda p: torch.nn.CrossEntropyLoss(ignore_index=-1)(
        p, torch.tensor(masked)), LOGITS)


def test_kl_divergence_matches_kldivloss_batchmean():
    pred = f32(RNG.dirichlet(np.ones(C), size=N))
    compare(lambda p: L.KLDivergence()(PROBS, p),
            lambda p: torch.nn.KLDivLoss(reduction="batchmean")(torch.log(p),
                                                                 torch.tensor(PROBS)), pred)


def test_cosine_similarity_matches_torch():
    compare(lambda p: L.CosineSimilarity()(T_REG, p),
            lambda p: -torch.nn.CosineSimilarity(dim=-1)(p, torch.tensor(T_REG)).mean(), P_REG)
    compare(lambda p: L.CosineSimilarity(axis=0)(T_REG, p),
            lambda p: -torch.nn.CosineSimilarity(dim=0)(p, torch.tensor(T_REG)).mean(), P_REG)
