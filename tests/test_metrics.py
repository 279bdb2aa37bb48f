"""ember.metrics: hand-computed results, sample weights, reset, accumulation over batches,
Keras' "accuracy" resolution, Precision/Recall/AUC, names and configs.

Expected values are worked out in the comments (or, for AUC, by an exact pairwise count
written here), never with ember itself.
"""

import math

import numpy as np
import pytest

import ember
from ember import losses
from ember import metrics as M


def res(m):
    out = m.result()
    assert isinstance(out, ember.Tensor) and out.dtype == np.float32
    return out.numpy().astype(np.float64)


def close(got, want, rtol=1e-6, atol=1e-7):
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- reduction metrics
def test_mean_and_sum_with_weights_and_reset():
    m = M.Mean()
    m.update_state([1, 3, 5, 7])
    close(res(m), 4.0)
    m.update_state([[2, 4]], sample_weight=[2.0])  # one sample of value 3, counted twice
    close(res(m), (16 + 3 * 2) / (4 + 2))
    m.reset_state()
    assert res(m) == 0.0 and all((v.numpy() == 0).all() for v in m.variables)
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    close(res(m), 2.0)
    s = M.Sum()
    s.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    close(res(s), 4.0)
    s.update_state(ember.tensor([10.0]))
    close(res(s), 14.0)
    assert M.Mean()([2.0, 4.0]).item() == 3.0  # __call__ = update_state + result


def test_tracked_tensors_are_read_without_building_a_graph():
    p = ember.Variable([[0.9], [0.2]])
    m = M.MeanMetricWrapper(losses.mean_squared_error)
    m.update_state(ember.tensor([[1.0], [0.0]]), p)
    close(res(m), (0.01 + 0.04) / 2, rtol=1e-5)
    acc = M.BinaryAccuracy()
    acc.update_state([[1], [1]], p * 1.0)
    close(res(acc), 0.5)
    assert p.grad is None


def test_state_is_float64_and_not_trainable():
    m = M.Precision(thresholds=[0.2, 0.7])
    assert [v.name for v in m.variables] == ["true_positives", "false_positives"]
    assert all(v.dtype == np.float64 and not v.trainable and v.shape == (2,)
               for v in m.variables)


# ---------------------------------------------------------------- accuracy family
def test_accuracy_metrics_by_hand():
    m = M.Accuracy()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    close(res(m), 0.75)
    m = M.BinaryAccuracy(threshold=0.7)
    # predictions > 0.7: [1, 0, 0, 1] against labels [1, 1, 0, 0] -> 2 of 4
    m.update_state([1, 1, 0, 0], [[0.98], [0.6], [0.1], [0.8]])
    close(res(m), 0.5)
    m = M.CategoricalAccuracy()
    # argmax: [1, 1] against labels [2, 1]; weights 0.7, 0.3 -> 0.3 / 1.0
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
                   sample_weight=[0.7, 0.3])
    close(res(m), 0.3)
    m = M.SparseCategoricalAccuracy()
    m.update_state([2, 1, 0], [[0.1, 0.6, 0.3], [0.05, 0.95, 0], [0.5, 0.2, 0.3]])
    close(res(m), 2 / 3)


def test_top_k_accuracy_by_hand_with_ties():
    p = [[0.1, 0.9, 0.8, 0.0], [0.3, 0.3, 0.3, 0.1], [0.5, 0.2, 0.1, 0.2]]
    # label 2 has the 2nd score (in top 2); label 1 ties for first (in); label 3 is 3rd-equal:
    # one score (0.5) is higher, so it is in the top 2 too (ties count as in, as Keras/TF).
    m = M.SparseTopKCategoricalAccuracy(k=2)
    m.update_state([2, 1, 3], p)
    close(res(m), 1.0)
    m = M.SparseTopKCategoricalAccuracy(k=1)
    m.update_state([2, 1, 3], p)  # only row 2 (tie for first) is in the top 1
    close(res(m), 1 / 3)
    m = M.TopKCategoricalAccuracy(k=1)
    m.update_state(np.eye(4)[[2, 1, 3]], p, sample_weight=[1.0, 3.0, 0.0])
    close(res(m), 3 / 4)
    assert M.TopKCategoricalAccuracy().k == 5


def test_regression_metrics_by_hand():
    t, p = [[0, 1], [0, 0]], [[1, 1], [0, 2]]  # squared errors [[1, 0], [0, 4]]
    m = M.MeanSquaredError()
    m.update_state(t, p)
    close(res(m), 5 / 4)
    m = M.MeanAbsoluteError()
    m.update_state(t, p, sample_weight=[1.0, 3.0])  # per sample [0.5, 1.0]
    close(res(m), (0.5 + 3.0) / 4)
    m = M.RootMeanSquaredError()
    m.update_state(t, p)
    close(res(m), math.sqrt(5 / 4))
    m.update_state([[3.0, 3.0]], [[3.0, 3.0]], sample_weight=[2.0])
    close(res(m), math.sqrt((2.5 + 0.0) / 4))  # per-sample means 0.5, 2.0, 0 (x2)


# ---------------------------------------------------------------- accumulation
def _data(rng, kind):
    n = 23
    if kind == "binary":
        return (rng.random((n, 1)) > 0.4).astype(np.float32), rng.random((n, 1))
    if kind == "sparse":
        return rng.integers(0, 5, n), rng.random((n, 5))
    if kind == "onehot":
        return np.eye(5)[rng.integers(0, 5, n)], rng.random((n, 5))
    return rng.normal(size=(n, 3)), rng.normal(size=(n, 3))


CASES = [
    (lambda: M.BinaryAccuracy(), "binary"), (lambda: M.Precision(), "binary"),
    (lambda: M.Recall(thresholds=[0.3, 0.6]), "binary"), (lambda: M.AUC(), "binary"),
    (lambda: M.AUC(curve="PR"), "binary"), (lambda: M.TruePositives(), "binary"),
    (lambda: M.MeanMetricWrapper(losses.BinaryCrossentropy()), "binary"),
    (lambda: M.SparseCategoricalAccuracy(), "sparse"),
    (lambda: M.SparseTopKCategoricalAccuracy(k=2), "sparse"),
    (lambda: M.CategoricalAccuracy(), "onehot"), (lambda: M.TopKCategoricalAccuracy(3), "onehot"),
    (lambda: M.Precision(top_k=2), "onehot"), (lambda: M.Recall(class_id=3), "onehot"),
    (lambda: M.AUC(multi_label=True), "onehot"),
    (lambda: M.MeanMetricWrapper(losses.categorical_crossentropy), "onehot"),
    (lambda: M.MeanSquaredError(), "regression"), (lambda: M.RootMeanSquaredError(), "regression"),
    (lambda: M.MeanAbsoluteError(), "regression"), (lambda: M.CosineSimilarity(), "regression"),
]


@pytest.mark.parametrize(("make", "kind"), CASES, ids=lambda c: getattr(c, "__name__", c))
def test_batches_accumulate_to_the_full_batch_result(make, kind, rng):
    t, p = _data(rng, kind)
    w = rng.uniform(0.1, 2.0, size=len(t))
    whole = make()
    whole.update_state(t, p, sample_weight=w)
    parts = make()
    for lo, hi in [(0, 5), (5, 6), (6, 17), (17, 23)]:  # uneven batch sizes
        parts.update_state(t[lo:hi], p[lo:hi], sample_weight=w[lo:hi])
    close(res(parts), res(whole), rtol=1e-6, atol=1e-7)
    parts.reset_state()
    parts.update_state(t, p, sample_weight=w)
    close(res(parts), res(whole))


def test_mean_of_a_loss_equals_the_loss_on_the_whole_data(rng):
    t, p = (rng.random((10, 1)) > 0.5).astype(np.float32), rng.uniform(0.05, 0.95, (10, 1))
    w = rng.uniform(0.1, 2.0, size=10)
    m = M.MeanMetricWrapper(losses.BinaryCrossentropy())
    m.update_state(t[:3], p[:3], sample_weight=w[:3])
    m.update_state(t[3:], p[3:], sample_weight=w[3:])
    per = [-(a * math.log(b) + (1 - a) * math.log(1 - b)) for a, b in zip(t[:, 0], p[:, 0])]
    close(res(m), np.dot(per, w) / w.sum(), rtol=1e-5)
    assert m.name == "binary_crossentropy"


# ---------------------------------------------------------------- accuracy resolution
@pytest.mark.parametrize(("t_shape", "p_shape", "cls"), [
    ((8, 1), (8, 1), M.BinaryAccuracy),
    ((8,), (8, 1), M.BinaryAccuracy),  # y_pred last dim 1 wins
    ((8,), (8, 10), M.SparseCategoricalAccuracy),
    ((8, 1), (8, 10), M.SparseCategoricalAccuracy),
    ((8, 5, 1), (8, 5, 10), M.SparseCategoricalAccuracy),
    ((8, 10), (8, 10), M.CategoricalAccuracy),
])
@pytest.mark.parametrize("name", ["accuracy", "acc", "Accuracy"])
def test_accuracy_resolution(t_shape, p_shape, cls, name):
    m = M.resolve_accuracy(name, np.zeros(t_shape), ember.tensor(np.zeros(p_shape)))
    assert type(m) is cls and m.name == name
    assert type(M.resolve(name, np.zeros(t_shape), np.zeros(p_shape))) is cls
    with pytest.raises(ValueError, match="accuracy"):
        M.resolve_accuracy("precision", np.zeros(t_shape), np.zeros(p_shape))


# ---------------------------------------------------------------- confusion metrics
def test_precision_recall_by_hand():
    t, p = [0, 1, 1, 1], [1, 0, 1, 1]  # tp = 2, fp = 1, fn = 1
    m = M.Precision()
    m.update_state(t, p)
    close(res(m), 2 / 3)
    m.reset_state()
    m.update_state(t, p, sample_weight=[0, 0, 1, 0])  # only a true positive is weighted
    close(res(m), 1.0)
    r = M.Recall()
    r.update_state(t, p)
    close(res(r), 2 / 3)
    # thresholds 0.3 and 0.6 on scores [0.2, 0.5, 0.7, 0.9] with labels [0, 1, 0, 1]:
    # > 0.3 -> {0.5, 0.7, 0.9}: tp 2, fp 1; > 0.6 -> {0.7, 0.9}: tp 1, fp 1; fn 0 and 1
    scores, labels = [0.2, 0.5, 0.7, 0.9], [0, 1, 0, 1]
    m = M.Precision(thresholds=[0.3, 0.6])
    m.update_state(labels, scores)
    close(res(m), [2 / 3, 1 / 2])
    r = M.Recall(thresholds=[0.3, 0.6])
    r.update_state(labels, scores)
    close(res(r), [1.0, 1 / 2])
    m = M.Precision()
    assert res(m) == 0.0  # nothing predicted positive yet: 0, not NaN


def test_precision_top_k_and_class_id():
    m = M.Precision(top_k=2)  # Keras' examples: the first two of four equal scores count
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    close(res(m), 0.0)
    m = M.Precision(top_k=4)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    close(res(m), 0.5)
    # class 1 column: labels [1, 0, 1], scores [0.8, 0.6, 0.3] -> > 0.5: tp 1, fp 1, fn 1
    t, p = [[0, 1], [1, 0], [0, 1]], [[0.2, 0.8], [0.4, 0.6], [0.7, 0.3]]
    m, r = M.Precision(class_id=1), M.Recall(class_id=1)
    m.update_state(t, p)
    r.update_state(t, p)
    close(res(m), 0.5)
    close(res(r), 0.5)


def exact_roc_auc(labels, scores):
    """P(score of a positive > score of a negative), ties counting one half."""
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg)
    return wins / (len(pos) * len(neg))


def test_auc_roc_against_exact_trapezoid():
    labels, scores = [0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.7, 0.9]
    assert exact_roc_auc(labels, scores) == 7 / 9  # 0.35 beats 1 negative, 0.8 and 0.9 all 3
    m = M.AUC()
    m.update_state(labels, scores)
    close(res(m), 7 / 9, rtol=1e-4)
    rng = np.random.default_rng(3)
    labels = rng.random(400) > 0.5
    scores = np.clip(rng.normal(0.5 + 0.15 * labels, 0.2), 0, 1)
    m = M.AUC(num_thresholds=1000)
    m.update_state(labels, scores)
    close(res(m), exact_roc_auc(labels, scores), atol=2e-3)


def test_auc_keras_examples_and_variants():
    t, p = [0, 0, 1, 1], [0, 0.5, 0.3, 0.9]
    # thresholds [-eps, 0.5, 1 + eps]: tp [2, 1, 0], fp [2, 0, 0] -> tpr [1, .5, 0], fpr [1, 0, 0]
    m = M.AUC(num_thresholds=3)
    m.update_state(t, p)
    close(res(m), 0.75)  # (1 + 0.5) / 2 * 1
    m.reset_state()
    m.update_state(t, p, sample_weight=[1, 0, 0, 1])
    close(res(m), 1.0)
    # PR, interpolation (Davis & Goadrich): P = tp + fp = [4, 1, 0]; slopes [1/3, 1];
    # intercepts [2/3, 0]; increments [(1/3)(1 + (2/3) ln 4) / 2, 1 * 1 / 2]
    pr = M.AUC(num_thresholds=3, curve="PR")
    pr.update_state(t, p)
    close(res(pr), (1 + 2 / 3 * math.log(4)) / 6 + 0.5)
    # ROC heights from tpr [1, .5, 0] over fpr [1, 0, 0]: the lower or the higher of each pair
    lo, hi = M.AUC(num_thresholds=3, summation_method="minoring"), M.AUC(
        num_thresholds=3, summation_method="majoring")
    for a in (lo, hi):
        a.update_state(t, p)
    close(res(lo), 0.5 * 1.0)  # min(1, .5) * (1 - 0) + min(.5, 0) * 0
    close(res(hi), 1.0)
    z = np.array([-2.0, 0.5, -0.3, 3.0])
    a, b = M.AUC(from_logits=True), M.AUC()
    a.update_state(t, z)
    b.update_state(t, 1 / (1 + np.exp(-z)))
    close(res(a), res(b))


def test_auc_multi_label_averages_labels():
    t = np.array([[0, 1], [0, 0], [1, 1], [1, 0]])
    p = np.array([[0.1, 0.9], [0.4, 0.2], [0.35, 0.8], [0.8, 0.3]])
    want = [exact_roc_auc(t[:, j], p[:, j]) for j in range(2)]  # [0.75, 1.0]
    m = M.AUC(multi_label=True)
    m.update_state(t, p)
    close(res(m), np.mean(want), rtol=1e-4)
    m = M.AUC(multi_label=True, label_weights=[3.0, 1.0])
    m.update_state(t, p)
    close(res(m), (3 * want[0] + want[1]) / 4, rtol=1e-4)


# ---------------------------------------------------------------- errors, names, configs
def test_errors_name_the_argument():
    for make, pattern in [
        (lambda: M.BinaryAccuracy(threshold=1.5), "threshold"),
        (lambda: M.Precision(thresholds=[0.2, 1.2]), r"\[0, 1\].*1.2"),
        (lambda: M.AUC(num_thresholds=1), "num_thresholds"),
        (lambda: M.AUC(curve="XY"), "curve"),
        (lambda: M.AUC(summation_method="mid"), "summation"),
        (lambda: M.TopKCategoricalAccuracy(k=0), "k"),
        (lambda: M.get("accuracy_score"), "Valid names.*binary_accuracy"),
    ]:
        with pytest.raises(ValueError, match=pattern):
            make()
    with pytest.raises(ValueError, match="sparse_categorical_accuracy"):
        M.CategoricalAccuracy().update_state([0, 2], np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"\[0, 3\).*\[4\]"):
        M.SparseTopKCategoricalAccuracy(k=1).update_state([4, 0], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="sample_weight"):
        M.Mean().update_state([1.0, 2.0], sample_weight=[1.0, 2.0, 3.0])


def test_get_names():
    for name, cls in [("accuracy", M.Accuracy), ("acc", M.Accuracy), ("mse", M.MeanSquaredError),
                      ("MAE", M.MeanAbsoluteError), ("binary_accuracy", M.BinaryAccuracy),
                      ("categorical_accuracy", M.CategoricalAccuracy),
                      ("sparse_categorical_accuracy", M.SparseCategoricalAccuracy),
                      ("top_k_categorical_accuracy", M.TopKCategoricalAccuracy),
                      ("precision", M.Precision), ("recall", M.Recall), ("auc", M.AUC),
                      ("AUC", M.AUC), ("root_mean_squared_error", M.RootMeanSquaredError)]:
        assert type(M.get(name)) is cls, name
    assert M.get(None) is None and isinstance(M.get(M.Recall), M.Recall)
    wrapped = M.resolve(losses.mean_absolute_error, None, None)
    assert isinstance(wrapped, M.MeanMetricWrapper) and wrapped.name == "mean_absolute_error"


@pytest.mark.parametrize("metric", [
    M.Mean(name="m"), M.Sum(), M.Accuracy(), M.BinaryAccuracy(threshold=0.3),
    M.CategoricalAccuracy(), M.SparseCategoricalAccuracy(), M.TopKCategoricalAccuracy(k=2),
    M.SparseTopKCategoricalAccuracy(k=3), M.MeanSquaredError(), M.RootMeanSquaredError(),
    M.Precision(thresholds=[0.1, 0.9], class_id=1), M.Recall(top_k=2), M.TruePositives(),
    M.AUC(curve="PR", summation_method="majoring", thresholds=[0.25, 0.5, 0.75]),
    M.AUC(multi_label=True, num_labels=3, label_weights=[1.0, 2.0, 0.5], from_logits=True),
    M.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    M.MeanMetricWrapper(losses.huber, delta=0.3),
], ids=lambda m: type(m).__name__)
def test_config_round_trip(metric):
    config = metric.get_config()
    assert type(metric).from_config(config).get_config() == config
    assert M.deserialize(M.serialize(metric)).get_config() == config
