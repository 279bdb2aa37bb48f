"""Options shared by every optimizer: clipping, weight decay, learning rates, multipliers, EMA.

Expected values are worked out by hand in each test (float64 NumPy or plain numbers).
"""

import math

import numpy as np
import pytest

import ember
from ember.optimizers import SGD, Adam, AdamW, RMSprop, schedules

ALL = [
    lambda **k: SGD(**k),
    lambda **k: SGD(momentum=0.9, nesterov=True, **k),
    lambda **k: SGD(momentum=0.5, momentum_style="ema", **k),
    lambda **k: ember.optimizers.Adagrad(**k),
    lambda **k: RMSprop(momentum=0.5, centered=True, **k),
    lambda **k: Adam(amsgrad=True, **k),
    lambda **k: AdamW(**k),
    lambda **k: ember.optimizers.Nadam(**k),
]


# ------------------------------------------------------------------------ clipping
def test_clipvalue_elementwise():
    w = ember.Variable([0.0, 0.0, 0.0])
    SGD(learning_rate=1.0, clipvalue=0.5).apply_gradients([(np.array([2.0, -0.2, -3.0]), w)])
    np.testing.assert_allclose(w.numpy(), [-0.5, 0.2, 0.5])


def test_clipnorm_per_variable():
    # g1 = (3, 4), norm 5 -> (0.6, 0.8); g2 = (0.3, 0.4), norm 0.5 < 1 -> unchanged
    a, b = ember.Variable([0.0, 0.0]), ember.Variable([0.0, 0.0])
    SGD(learning_rate=1.0, clipnorm=1.0).apply_gradients(
        [(np.array([3.0, 4.0]), a), (np.array([0.3, 0.4]), b)])
    np.testing.assert_allclose(a.numpy(), [-0.6, -0.8], rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), [-0.3, -0.4], rtol=1e-6)


def test_global_clipnorm_joint():
    # joint norm of (3, 4) and (12,) is 13 -> every gradient scaled by 1/13
    a, b = ember.Variable([0.0, 0.0]), ember.Variable([0.0])
    SGD(learning_rate=1.0, global_clipnorm=1.0).apply_gradients(
        [(np.array([3.0, 4.0]), a), (np.array([12.0]), b)])
    np.testing.assert_allclose(a.numpy(), [-3 / 13, -4 / 13], rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), [-12 / 13], rtol=1e-6)


def test_global_clipnorm_below_threshold_is_identity():
    a = ember.Variable([0.0, 0.0])
    SGD(learning_rate=1.0, global_clipnorm=10.0).apply_gradients([(np.array([3.0, 4.0]), a)])
    np.testing.assert_allclose(a.numpy(), [-3.0, -4.0])


def test_clipnorm_survives_float32_overflow():
    # the squares (1e40) overflow float32; the norm is still 5e20 and the clip exact
    a = ember.Variable([0.0, 0.0])
    SGD(learning_rate=1.0, clipnorm=1.0).apply_gradients([(np.float32([3e20, 4e20]), a)])
    np.testing.assert_allclose(a.numpy(), [-0.6, -0.8], rtol=1e-6)


def test_global_clipnorm_nonfinite_gives_nan_like_keras():
    a = ember.Variable([0.0, 0.0])
    SGD(learning_rate=1.0, global_clipnorm=1.0).apply_gradients([(np.array([np.inf, 1.0]), a)])
    assert np.isnan(a.numpy()).all()


def test_clipping_does_not_modify_callers_gradient():
    g = np.float32([3.0, 4.0])
    SGD(clipnorm=1.0).apply_gradients([(g, ember.Variable([0.0, 0.0]))])
    np.testing.assert_array_equal(g, [3.0, 4.0])


@pytest.mark.parametrize("kwargs", [
    {"clipnorm": 1.0, "global_clipnorm": 1.0},
    {"clipnorm": 1.0, "clipvalue": 1.0},
    {"clipvalue": 1.0, "global_clipnorm": 1.0},
])
def test_two_clip_arguments_rejected(kwargs):
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and "):
        SGD(**kwargs)


@pytest.mark.parametrize("arg", ["clipnorm", "clipvalue", "global_clipnorm"])
def test_nonpositive_clip_rejected_with_value(arg):
    with pytest.raises(ValueError, match=f"`{arg}`.*Received: {arg}=-1"):
        SGD(**{arg: -1})


# -------------------------------------------------------------------- weight decay
def test_weight_decay_sgd_before_update():
    # w = 2, wd = 0.1, lr = 0.5, g = 1: decay first w = 2 - 2*0.1*0.5 = 1.9, then 1.9 - 0.5
    w = ember.Variable([2.0])
    SGD(learning_rate=0.5, weight_decay=0.1).apply_gradients([(np.ones(1), w)])
    assert w.numpy()[0] == pytest.approx(1.4, rel=1e-6)


def test_weight_decay_rmsprop_uses_decayed_weight():
    # decay 3 -> 3 - 3*0.2*0.1 = 2.94; then RMSprop: s = 0.1*4, step = 0.1*2/sqrt(0.4+1e-7)
    w = ember.Variable([3.0])
    RMSprop(learning_rate=0.1, weight_decay=0.2).apply_gradients([(np.array([2.0]), w)])
    assert w.numpy()[0] == pytest.approx(2.94 - 0.2 / math.sqrt(0.4 + 1e-7), rel=1e-6)


def test_exclude_from_weight_decay():
    kernel, bias = ember.Variable([1.0], name="kernel"), ember.Variable([1.0], name="bias")
    opt = SGD(learning_rate=1.0, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply_gradients([(np.zeros(1), kernel), (np.zeros(1), bias)])
    assert kernel.numpy()[0] == 0.5 and bias.numpy()[0] == 1.0
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["x"])


def test_adamw_rejects_none_weight_decay():
    with pytest.raises(ValueError, match="weight_decay=None"):
        AdamW(weight_decay=None)


# ------------------------------------------------------------------ learning rates
def test_schedule_is_evaluated_at_iterations():
    # ExponentialDecay(1, 1, 0.5): lr = 1, 0.5, 0.25 at iterations 0, 1, 2; g = 1 each step
    w = ember.Variable([0.0])
    opt = SGD(learning_rate=schedules.ExponentialDecay(1.0, 1, 0.5))
    seen = []
    for _ in range(3):
        seen.append(opt.learning_rate)
        opt.apply_gradients([(np.ones(1), w)])
    assert seen == [1.0, 0.5, 0.25]
    assert w.numpy()[0] == pytest.approx(-1.75)


def test_callable_of_iteration_count_and_zero_argument_callable():
    w = ember.Variable([0.0])
    opt = SGD(learning_rate=lambda step: 1.0 / (step + 1))
    for _ in range(3):
        opt.apply_gradients([(np.ones(1), w)])
    assert w.numpy()[0] == pytest.approx(-(1 + 1 / 2 + 1 / 3), rel=1e-6)
    box = {"lr": 0.5}
    opt2 = SGD(learning_rate=lambda: box["lr"])
    v = ember.Variable([0.0])
    opt2.apply_gradients([(np.ones(1), v)])
    box["lr"] = 0.25
    opt2.apply_gradients([(np.ones(1), v)])
    assert v.numpy()[0] == pytest.approx(-0.75)


def test_learning_rate_setter():
    opt = SGD(learning_rate=0.1)
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5
    opt.learning_rate = schedules.InverseTimeDecay(1.0, 1, 1.0)
    assert opt.learning_rate == 1.0
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        opt.learning_rate = 0.1
    with pytest.raises(ValueError, match="`learning_rate`.*Received: learning_rate='fast'"):
        SGD(learning_rate="fast")
    with pytest.raises(ValueError, match="learning_rate=-0.1"):
        SGD(learning_rate=-0.1)


# --------------------------------------------------------------------- multipliers
def test_lr_multiplier_scales_update_and_decay():
    # base: lr 0.1 * 0.1 = 0.01 -> decay 1 - 1*0.5*0.01 = 0.995, then - 0.01 * 1 = 0.985
    # head: lr 0.1 -> decay 1 - 0.05 = 0.95, then - 0.1 = 0.85
    base, head = ember.Variable([1.0]), ember.Variable([1.0])
    opt = SGD(learning_rate=0.1, weight_decay=0.5, lr_multipliers={base: 0.1})
    opt.apply_gradients([(np.ones(1), base), (np.ones(1), head)])
    assert base.numpy()[0] == pytest.approx(0.985, rel=1e-6)
    assert head.numpy()[0] == pytest.approx(0.85, rel=1e-6)
    assert opt.get_lr_multiplier(base) == 0.1 and opt.get_lr_multiplier(head) == 1.0


def test_lr_multiplier_with_adam_and_zero_freezes():
    # Adam's first step moves each weight by ~lr * factor
    frozen, slow, fast = (ember.Variable([1.0]) for _ in range(3))
    opt = Adam(learning_rate=0.1)
    opt.set_lr_multiplier(frozen, 0.0)
    opt.set_lr_multiplier([slow], 0.1)
    opt.apply_gradients([(np.ones(1), frozen), (np.ones(1), slow), (np.ones(1), fast)])
    assert frozen.numpy()[0] == 1.0
    assert slow.numpy()[0] == pytest.approx(0.99, abs=1e-6)
    assert fast.numpy()[0] == pytest.approx(0.9, abs=1e-6)


def test_lr_multiplier_accepts_object_with_trainable_variables():
    class Block:
        def __init__(self):
            self.trainable_variables = [ember.Variable([1.0]), ember.Variable([2.0])]

    block = Block()
    opt = SGD()
    opt.set_lr_multiplier(block, 0.25)
    assert [opt.get_lr_multiplier(v) for v in block.trainable_variables] == [0.25, 0.25]
    with pytest.raises(TypeError, match="expected Variables, received ndarray"):
        opt.set_lr_multiplier([np.zeros(1)], 0.5)
    with pytest.raises(ValueError, match="factor=-1"):
        opt.set_lr_multiplier(block, -1)


# ----------------------------------------------------------------------------- EMA
def test_ema_average_and_finalize():
    # SGD lr 1, g = 1: w = 1 -> 0, -1, -2.  EMA(0.5): the first step copies w (avg = 0),
    # then avg = 0.5 * 0 + 0.5 * -1 = -0.5, then 0.5 * -0.5 + 0.5 * -2 = -1.25
    w = ember.Variable([1.0])
    opt = SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    for _ in range(3):
        opt.apply_gradients([(np.ones(1), w)])
    assert w.numpy()[0] == -2.0
    assert opt.get_state()["average/0"][0] == pytest.approx(-1.25)
    opt.finalize_variable_values([w])
    assert w.numpy()[0] == pytest.approx(-1.25)


def test_ema_overwrite_frequency():
    w = ember.Variable([0.0])
    opt = SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    opt.apply_gradients([(np.ones(1), w)])  # w = -1, avg = -1 (copied)
    opt.apply_gradients([(np.ones(1), w)])  # w = -2, avg = -1.5, overwritten
    assert w.numpy()[0] == pytest.approx(-1.5)


# -------------------------------------------------------------------- loss scaling
def test_loss_scale_factor_cancels_in_minimize():
    w = ember.Variable([3.0])
    SGD(learning_rate=0.1, loss_scale_factor=1024.0).minimize(lambda: ember.sum(w * w), [w])
    assert w.numpy()[0] == pytest.approx(3.0 - 0.1 * 6.0, rel=1e-6)


# --------------------------------------------------------------- dtype discipline
@pytest.mark.parametrize("make", ALL)
def test_float32_end_to_end(make):
    w = ember.Variable(np.ones((2, 3)))
    opt = make(learning_rate=np.float64(0.01))  # a float64 scalar must not leak in
    opt.apply_gradients([(np.full((2, 3), 0.5, dtype=np.float64), w)])
    assert w.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.variables[1:])
    assert opt.iterations.dtype == np.int64 and int(opt.iterations) == 1
    assert np.isfinite(w.numpy()).all() and not np.allclose(w.numpy(), 1.0)


def test_float16_variable_keeps_its_dtype():
    w = ember.Variable(np.ones(3, dtype=np.float16))
    opt = Adam(learning_rate=0.1)
    opt.apply_gradients([(np.ones(3, dtype=np.float32), w)])
    assert w.dtype == np.float16 and opt.get_state()["momentum/0"].dtype == np.float16


def test_weight_constraints_are_applied_after_each_update():
    import ember

    layer = ember.layers.Dense(3, kernel_constraint=ember.constraints.NonNeg())
    layer.build((None, 2))
    opt = ember.optimizers.SGD(learning_rate=1.0)
    kernel = layer.kernel
    grads = [np.ones(w.shape, dtype=np.float32) * 5 for w in layer.trainable_weights]
    opt.apply(grads, layer.trainable_weights)
    assert (kernel.numpy() >= 0).all()
    assert (kernel.numpy() == 0).all()  # every weight was pushed below 0, then clipped
