"""ember.losses: hand-computed values, reductions, weights, smoothing, stability, gradients,
errors, warnings and name resolution.

Expected values are worked out in the comments and computed here with `math`, never with
ember, so a wrong formula in the library cannot agree with its own test.
"""

import math
import warnings

import numpy as np
import pytest

import ember
from ember import losses
from ember.utils import gradcheck

L = losses


def val(t):
    return np.asarray(t.numpy() if isinstance(t, ember.Tensor) else t, dtype=np.float64)


def close(got, want, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(val(got), want, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- hand computations
YT = [[0.0, 1.0], [0.0, 0.0]]
YP = [[1.0, 1.0], [1.0, 2.0]]


def test_regression_losses_by_hand():
    # errors (y_pred - y_true): [[1, 0], [1, 2]]
    close(L.mean_squared_error(YT, YP), [0.5, 2.5])  # (1+0)/2, (1+4)/2
    close(L.mean_absolute_error(YT, YP), [0.5, 1.5])
    # Huber delta=1: |e|=1 -> 0.5; |e|=0 -> 0; |e|=2 -> 1*2 - 0.5 = 1.5
    close(L.huber(YT, YP), [0.25, 1.0])
    # delta=0.5: |e|=1 -> 0.5 - 0.125 = 0.375; |e|=2 -> 1 - 0.125 = 0.875
    close(L.huber(YT, YP, delta=0.5), [0.1875, 0.625])
    lc = lambda e: math.log(math.cosh(e))  # noqa: E731
    close(L.log_cosh(YT, YP), [(lc(1) + lc(0)) / 2, (lc(1) + lc(2)) / 2])
    # MAPE: |2-1|/2 = 0.5, |4-5|/4 = 0.25 -> 100 * 0.375
    close(L.mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 5.0]]), [37.5])
    # MSLE: log1p(e - 1) = 1 against log1p(eps) ~ 0 and a match -> (1 + 0) / 2
    close(L.mean_squared_logarithmic_error([[0.0, 2.0]], [[math.e - 1, 2.0]]), [0.5], rtol=1e-5)
    close(L.poisson([[1.0, 2.0]], [[1.0, 4.0]]), [(1 - 0 + 4 - 2 * math.log(4)) / 2], rtol=1e-5)


def test_mape_and_msle_guards():
    # y_true = 0: divided by epsilon, not by zero; negative predictions raised to epsilon.
    close(L.mean_absolute_percentage_error([[0.0]], [[0.5]]), [100 * 0.5 / 1e-7], rtol=1e-5)
    close(L.mean_squared_logarithmic_error([[0.0]], [[-5.0]]), [0.0], atol=1e-12)


def test_hinge_family_and_kl_and_cosine_by_hand():
    # 0/1 labels become -1/1: 1 - 1*0.5 = 0.5, 1 + 0.5 = 1.5
    close(L.hinge([[1.0, 0.0]], [[0.5, 0.5]]), [1.0])
    close(L.squared_hinge([[1.0, 0.0]], [[0.5, 0.5]]), [(0.25 + 2.25) / 2])
    # -1/1 labels are kept: max(1 + 0.3, 0) = 1.3, max(1 - 2, 0) = 0
    close(L.hinge([[-1.0, 1.0]], [[0.3, 2.0]]), [0.65])
    # pos = 0.5, neg = max(0.3, 0, 0.2) = 0.3 -> 0.3 - 0.5 + 1
    close(L.categorical_hinge([[0, 1, 0]], [[0.3, 0.5, 0.2]]), [0.8])
    kl = 0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)
    close(L.kl_divergence([[0.5, 0.5]], [[0.25, 0.75]]), [kl])
    close(L.cosine_similarity([[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
                              [[1.0, 0.0], [2.0, 2.0], [-1.0, -1.0]]), [0.0, -1.0, 1.0])
    # along axis 0: columns (0, 1) . (1, 0) = 0 and (1, 1) . (0, 3) -> -1/sqrt(2)
    close(L.cosine_similarity([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [0.0, 3.0]], axis=0),
          [-0.0, -1 / math.sqrt(2)])


def bce_by_hand(t, p):
    return -(t * math.log(p) + (1 - t) * math.log(1 - p))


def test_binary_crossentropy_by_hand_and_smoothing():
    t, p = [[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]]
    want = [(bce_by_hand(0, 0.6) + bce_by_hand(1, 0.4)) / 2,
            (bce_by_hand(0, 0.4) + bce_by_hand(0, 0.6)) / 2]
    close(L.binary_crossentropy(t, p), want)
    close(L.BinaryCrossentropy()(t, p), sum(want) / 2)
    # smoothing 0.2 moves 0 -> 0.1 and 1 -> 0.9
    want = [(bce_by_hand(0.1, 0.6) + bce_by_hand(0.9, 0.4)) / 2,
            (bce_by_hand(0.1, 0.4) + bce_by_hand(0.1, 0.6)) / 2]
    close(L.binary_crossentropy(t, p, label_smoothing=0.2), want)
    # logits: softplus(z) - z t per element, Keras' documented example (0.8654...)
    sp = lambda z: math.log1p(math.exp(-abs(z))) + max(z, 0.0)  # noqa: E731
    z = [[-18.6, 0.51], [2.94, -12.8]]
    want = ((sp(-18.6) + sp(0.51) - 0.51) / 2 + (sp(2.94) + sp(-12.8)) / 2) / 2
    close(L.BinaryCrossentropy(from_logits=True)([[0, 1], [0, 0]], z), want)
    assert abs(want - 0.8654) < 1e-4


def test_categorical_crossentropies_by_hand():
    t, p = [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]
    want = [-math.log(0.95), -math.log(0.1)]
    close(L.categorical_crossentropy(t, p), want)
    close(L.sparse_categorical_crossentropy([1, 2], p), want)
    close(L.sparse_categorical_crossentropy([[1], [2]], p), want)  # (N, 1) labels
    close(L.CategoricalCrossentropy()(t, p), sum(want) / 2)
    # renormalised by the sum: [0.2, 0.6] / 0.8 -> 0.75
    close(L.categorical_crossentropy([[0, 1]], [[0.2, 0.6]]), [-math.log(0.75)])
    close(L.sparse_categorical_crossentropy([1], [[0.2, 0.6]]), [-math.log(0.75)])
    # smoothing 0.1 over 3 classes: off-target 0.1/3, target 0.9 + 0.1/3
    lo, hi = 0.1 / 3, 0.9 + 0.1 / 3
    want = -(lo * math.log(0.2) + hi * math.log(0.7) + lo * math.log(0.1))
    close(L.categorical_crossentropy([[0, 1, 0]], [[0.2, 0.7, 0.1]], label_smoothing=0.1),
          [want])
    # class axis 0: columns are the distributions
    close(L.categorical_crossentropy([[1, 0], [0, 1]], [[0.8, 0.3], [0.2, 0.7]], axis=0),
          [-math.log(0.8), -math.log(0.7)])


# ---------------------------------------------------------------- reductions and weights
def test_reductions_and_sample_weights():
    # per-sample MSE [0.5, 2.5]; weights [0.8, 0.2] -> [0.4, 0.5]
    mse = lambda **kw: L.MeanSquaredError(**kw)(YT, YP, sample_weight=[0.8, 0.2])  # noqa: E731
    close(mse(), 0.45)
    close(mse(reduction="mean"), 0.45)
    close(mse(reduction="sum"), 0.9)
    close(mse(reduction="mean_with_sample_weight"), 0.9)
    close(mse(reduction=None), [0.4, 0.5])
    close(mse(reduction="none"), [0.4, 0.5])
    close(L.MeanSquaredError()(YT, YP), 1.5)
    close(L.MeanSquaredError()(YT, YP, sample_weight=2.0), 3.0)
    close(L.MeanSquaredError()(YT, YP, sample_weight=[[0.8], [0.2]]), 0.45)
    # a (N, T) loss with one weight per sample: weights align with axis 0
    loss = L.MeanSquaredError(reduction="sum")
    close(loss(np.zeros((2, 2, 1)), [[[1.0], [2.0]], [[3.0], [4.0]]], sample_weight=[1.0, 0.0]),
          1.0 + 4.0)
    assert L.MeanSquaredError(reduction="mean_with_sample_weight")(
        YT, YP, sample_weight=[0.0, 0.0]).item() == 0.0


def test_n_against_n1_follows_keras_squeeze_or_expand():
    # (N,) targets against (N, 1) outputs are expanded, not broadcast to (N, N)
    t, p = [1.0, 0.0, 1.0], [[0.5], [0.5], [1.0]]
    close(L.mean_squared_error(t, p), [0.25, 0.25, 0.0])
    close(L.mean_squared_error(np.array(t)[:, None], [0.5, 0.5, 1.0]), [0.25, 0.25, 0.0])
    close(L.BinaryCrossentropy()(t, np.clip(p, 0.1, 0.9)),
          (2 * -math.log(0.5) - math.log(0.9)) / 3)


def test_ignore_class_masks_the_mean():
    p = [[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]]
    per = L.SparseCategoricalCrossentropy(ignore_class=-1, reduction=None)([1, -1, 1], p)
    close(per, [-math.log(0.5), 0.0, -math.log(0.8)])
    close(L.SparseCategoricalCrossentropy(ignore_class=-1)([1, -1, 1], p),
          (-math.log(0.5) - math.log(0.8)) / 2)  # mean over the 2 kept entries


def test_empty_batch_and_configurable_epsilon():
    assert L.MeanSquaredError()(np.zeros((0, 3)), np.zeros((0, 3))).item() == 0.0
    old = ember.config.epsilon()
    try:
        ember.config.set_epsilon(1e-3)  # probabilities are clipped to [1e-3, 1 - 1e-3]
        close(L.binary_crossentropy([[1.0]], [[0.0]]), [-math.log(1e-3)], rtol=1e-4)
    finally:
        ember.config.set_epsilon(old)


def test_float32_end_to_end():
    for fn in (L.mean_squared_error, L.binary_crossentropy, L.categorical_crossentropy,
               L.kl_divergence, L.cosine_similarity, L.huber, L.log_cosh):
        out = fn(np.array([[0.0, 1.0]]), np.array([[0.3, 0.7]]))  # float64 arrays in
        assert out.dtype == np.float32, fn.__name__
    assert L.MeanSquaredError()(YT, YP, sample_weight=np.ones(2)).dtype == np.float32


# ---------------------------------------------------------------- logits vs probabilities
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_from_logits_paths_equal_probability_paths(rng):
    z = rng.normal(0, 2, size=(6, 4))
    t = (rng.random((6, 4)) > 0.5).astype(np.float32)
    close(L.binary_crossentropy(t, z, from_logits=True), val(L.binary_crossentropy(
        t, sigmoid(z))), rtol=1e-4)
    labels = rng.integers(0, 4, size=6)
    onehot = np.eye(4)[labels]
    for ls in (0.0, 0.1):
        close(L.categorical_crossentropy(onehot, z, from_logits=True, label_smoothing=ls),
              val(L.categorical_crossentropy(onehot, softmax(z), label_smoothing=ls)),
              rtol=1e-4)
    close(L.sparse_categorical_crossentropy(labels, z, from_logits=True),
          val(L.sparse_categorical_crossentropy(labels, softmax(z))), rtol=1e-4)
    close(L.categorical_crossentropy(onehot.T, z.T, from_logits=True, axis=0),
          val(L.categorical_crossentropy(onehot, z, from_logits=True)), rtol=1e-5)


@pytest.mark.parametrize("big", [100.0, 1e4])
def test_logits_stay_finite_at_extremes(big):
    z = ember.Variable([[big, -big, 0.0], [-big, big, big]])
    cases = [
        (lambda: L.binary_crossentropy([[0, 1, 1], [1, 0, 1]], z, from_logits=True),
         [(big + big + math.log(2)) / 3, (big + big + 0.0) / 3]),
        (lambda: L.categorical_crossentropy([[0, 1, 0], [1, 0, 0]], z, from_logits=True),
         [2 * big, 2 * big + math.log(2)]),
        (lambda: L.sparse_categorical_crossentropy([1, 0], z, from_logits=True),
         [2 * big, 2 * big + math.log(2)]),
    ]
    for make, want in cases:
        out = make()
        close(out, want, rtol=1e-5)
        (g,) = ember.grad(ember.ops.sum(out), [z])
        assert np.isfinite(g.numpy()).all()


def test_probability_paths_clip_zero_and_one():
    p = ember.Variable([[0.0, 1.0, 0.0]])
    for out in (L.binary_crossentropy([[1, 0, 0]], p), L.categorical_crossentropy([[1, 0, 0]], p),
                L.sparse_categorical_crossentropy([0], p), L.kl_divergence([[1, 0, 0]], p)):
        assert np.isfinite(out.numpy()).all() and out.item() > 5  # ~ -log(1e-7) = 16.1
        (g,) = ember.grad(ember.ops.sum(out), [p])
        assert np.isfinite(g.numpy()).all()
    # an all-zero probability row is finite too (Keras would divide 0 by 0)
    assert np.isfinite(L.categorical_crossentropy([[1, 0]], [[0.0, 0.0]]).numpy()).all()


# ---------------------------------------------------------------- float64 gradient checks
def _f64(a):
    return ember.tensor(np.asarray(a, dtype=np.float64), dtype="float64")


GRAD_CASES = {
    "mse": lambda t, p: L.mean_squared_error(t, p),
    "mae": lambda t, p: L.mean_absolute_error(t, p),
    "mape": lambda t, p: L.mean_absolute_percentage_error(t + 2.0, p),
    "msle": lambda t, p: L.mean_squared_logarithmic_error(t + 0.5, p + 1.5),
    "huber": lambda t, p: L.huber(t, p * 2.0, delta=0.8),
    "log_cosh": lambda t, p: L.log_cosh(t, p * 3.0),
    "hinge": lambda t, p: L.hinge(t * 0 + np.array([1.0, -1.0, 1.0]), p),
    "squared_hinge": lambda t, p: L.squared_hinge(t * 0 + np.array([1.0, -1.0, 1.0]), p),
    "categorical_hinge": lambda t, p: L.categorical_hinge(t * 0 + np.eye(3)[:2], p),
    "kl": lambda t, p: L.kl_divergence(ember.ops.softmax(t), ember.ops.softmax(p)),
    "cosine": lambda t, p: L.cosine_similarity(t, p),
    "bce": lambda t, p: L.binary_crossentropy(ember.ops.sigmoid(t), ember.ops.sigmoid(p),
                                              label_smoothing=0.1),
    "bce_logits": lambda t, p: L.binary_crossentropy(ember.ops.sigmoid(t), p * 3,
                                                     from_logits=True),
    "cce": lambda t, p: L.categorical_crossentropy(np.eye(3)[[0, 2]], ember.ops.sigmoid(p)),
    "cce_logits": lambda t, p: L.categorical_crossentropy(ember.ops.softmax(t), p * 3,
                                                          from_logits=True,
                                                          label_smoothing=0.2),
    "scce": lambda t, p: L.sparse_categorical_crossentropy([2, 0], ember.ops.sigmoid(p)),
    "scce_logits": lambda t, p: L.sparse_categorical_crossentropy([2, 0], p * 3,
                                                                  from_logits=True),
    "class_reduced": lambda t, p: L.Huber(delta=0.7)(t, p, sample_weight=[0.3, 1.7]),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradcheck_float64(name):
    # values chosen away from kinks (|e| = delta, hinge margin 1, |e| = 0)
    t = _f64([[0.1, -0.6, 0.9], [0.45, 0.2, -0.35]])
    p = _f64([[0.7, -0.15, 0.4], [-0.3, 0.55, 0.25]])
    assert gradcheck(GRAD_CASES[name], [t, p])


# ---------------------------------------------------------------- errors
def test_shape_errors():
    with pytest.raises(ValueError, match=r"must have the same shape.*\(4, 3\).*\(4, 1\)"):
        L.mean_squared_error(np.zeros((4, 3)), np.zeros((4, 1)))
    with pytest.raises(ValueError, match="must have the same shape"):
        L.BinaryCrossentropy()(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="at least rank 1"):
        L.mean_absolute_error(1.0, 2.0)
    with pytest.raises(ValueError, match="same shape up until the last dimension"):
        L.sparse_categorical_crossentropy([0, 1, 1], np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"sample_weight.*\(3,\).*\(2,\)"):
        L.MeanSquaredError()(YT, YP, sample_weight=[1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="y_pred"):
        L.mean_squared_error([[1.0]], np.array([["a"]]))


def test_label_range_and_integer_label_errors():
    with pytest.raises(ValueError, match=r"\[0, 3\).*\[-1, 3, 7\]"):
        L.sparse_categorical_crossentropy([0, 3, -1, 7, 3], np.full((5, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"\[0, 3\).*\[5\]"):
        L.SparseCategoricalCrossentropy(from_logits=True)([5, 0], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="non-integer"):
        L.sparse_categorical_crossentropy([0.5, 1.0], np.full((2, 3), 1 / 3))
    for labels in ([0, 2], [[0], [2]]):
        with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
            L.CategoricalCrossentropy()(labels, np.full((2, 3), 1 / 3))


def test_argument_errors():
    with pytest.raises(ValueError, match="reduction"):
        L.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="label_smoothing"):
        L.BinaryCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match="delta"):
        L.Huber(delta=0.0)
    with pytest.raises(ValueError, match="axis"):
        L.categorical_crossentropy([[1, 0]], [[0.5, 0.5]], axis=True)


# ---------------------------------------------------------------- warnings
def test_from_logits_warning_after_softmax_and_sigmoid():
    z = ember.Variable([[1.0, 2.0, 0.5]])
    with pytest.warns(UserWarning, match="received `from_logits=True`, but the `output` "
                      "argument was produced by a Softmax activation") as rec:
        L.CategoricalCrossentropy(from_logits=True)([[0, 1, 0]], ember.ops.softmax(z))
    assert rec[0].filename == __file__  # points at the caller, not into ember
    with pytest.warns(UserWarning, match="sparse_categorical_crossentropy.*Softmax"):
        L.sparse_categorical_crossentropy([1], ember.ops.softmax(z), from_logits=True)
    with pytest.warns(UserWarning, match="binary_crossentropy.*Sigmoid"):
        L.binary_crossentropy([[0, 1, 0]], ember.ops.sigmoid(z), from_logits=True)


def test_no_warning_on_raw_logits_or_probabilities():
    z = ember.Variable([[1.0, 2.0, 0.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        L.categorical_crossentropy([[0, 1, 0]], z * 2.0, from_logits=True)
        L.sparse_categorical_crossentropy([1], ember.ops.log_softmax(z), from_logits=True)
        L.binary_crossentropy([[0, 1, 0]], z, from_logits=True)
        L.categorical_crossentropy([[0, 1, 0]], ember.ops.softmax(z))


def test_probability_warning_on_values_outside_unit_interval():
    with pytest.warns(UserWarning, match="from_logits=False.*outside"):
        L.binary_crossentropy([[0.0, 1.0]], [[-2.0, 3.0]])


# ---------------------------------------------------------------- names and configs
def test_get_resolves_names_aliases_classes_and_callables():
    assert L.get("mean_squared_error") is L.mean_squared_error
    for alias, fn in [("mse", L.mean_squared_error), ("MSE", L.mean_squared_error),
                      ("mae", L.mean_absolute_error), ("MAPE", L.mean_absolute_percentage_error),
                      ("msle", L.mean_squared_logarithmic_error), ("bce", L.binary_crossentropy),
                      ("KLD", L.kl_divergence), ("log_cosh", L.log_cosh), ("huber", L.huber)]:
        assert L.get(alias) is fn, alias
    assert isinstance(L.get("CategoricalCrossentropy"), L.CategoricalCrossentropy)
    assert isinstance(L.get(L.Huber), L.Huber)
    inst = L.Hinge()
    assert L.get(inst) is inst and L.get(None) is None
    custom = lambda t, p: p  # noqa: E731
    assert L.get(custom) is custom
    with pytest.raises(ValueError, match="Valid names.*mean_squared_error"):
        L.get("mean_sqared_error")
    with pytest.raises(ValueError, match="Could not interpret"):
        L.get(3)


ALL_CLASSES = [
    L.MeanSquaredError(), L.MeanAbsoluteError(reduction="sum"), L.MeanAbsolutePercentageError(),
    L.MeanSquaredLogarithmicError(), L.Huber(delta=0.7, name="h"), L.LogCosh(), L.Hinge(),
    L.SquaredHinge(), L.CategoricalHinge(), L.KLDivergence(), L.Poisson(),
    L.CosineSimilarity(axis=0), L.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    L.CategoricalCrossentropy(label_smoothing=0.2), L.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=3, reduction=None),
]


@pytest.mark.parametrize("loss", ALL_CLASSES, ids=lambda x: type(x).__name__)
def test_config_round_trip(loss):
    config = loss.get_config()
    again = type(loss).from_config(config)
    assert again.get_config() == config
    assert L.deserialize(L.serialize(loss)).get_config() == config
    if isinstance(loss, L.SparseCategoricalCrossentropy):
        t, p = [0, 2], [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]]
    else:
        t, p = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], [[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]]
    np.testing.assert_array_equal(loss(t, p).numpy(), again(t, p).numpy())


def test_defaults_and_names_match_keras():
    assert L.Huber().name == "huber_loss" and L.Huber().delta == 1.0
    assert L.KLDivergence().name == "kl_divergence" and L.LogCosh().name == "log_cosh"
    cfg = L.BinaryCrossentropy().get_config()
    assert cfg == {"name": "binary_crossentropy", "reduction": "sum_over_batch_size",
                   "from_logits": False, "label_smoothing": 0.0, "axis": -1}
    assert L.SparseCategoricalCrossentropy().get_config()["ignore_class"] is None


def test_loss_function_wrapper_and_resolution():
    wrapped = L.LossFunctionWrapper(L.huber, delta=0.5, reduction="sum")
    again = L.LossFunctionWrapper.from_config(wrapped.get_config())
    assert again.fn is L.huber and again.get_config() == wrapped.get_config()
    close(again([[0.0]], [[2.0]]), 2.0 * 0.5 - 0.125)
    for t, p, fn in [(np.zeros((4, 1)), np.zeros((4, 1)), L.binary_crossentropy),
                     (np.zeros(4), np.zeros((4, 3)), L.sparse_categorical_crossentropy),
                     (np.zeros((4, 1)), np.zeros((4, 3)), L.sparse_categorical_crossentropy),
                     (np.zeros((4, 3)), np.zeros((4, 3)), L.categorical_crossentropy)]:
        loss = L.resolve("CrossEntropy", t, p)
        assert loss.fn is fn and loss.name == "CrossEntropy"
    assert L.resolve("mse", YT, YP).fn is L.mean_squared_error
    inst = L.Huber()
    assert L.resolve(inst, YT, YP) is inst
