"""Learning-rate schedules against Keras 3's formulas, written out here with `math`."""

import json
import math

import numpy as np
import pytest

import ember
from ember.optimizers import schedules
from ember.optimizers.schedules import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    LearningRateSchedule,
    PiecewiseConstantDecay,
    PolynomialDecay,
)

STEPS = [0, 1, 5, 10, 17, 100, 1000]


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    s = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.96, staircase=staircase)
    for step in STEPS:
        p = math.floor(step / 10) if staircase else step / 10
        assert s(step) == pytest.approx(0.1 * 0.96**p, rel=1e-12)


def test_piecewise_constant_decay_boundaries_inclusive():
    s = PiecewiseConstantDecay([100, 110], [1.0, 0.5, 0.1])
    got = [s(step) for step in (0, 100, 101, 110, 111, 10**6)]
    assert got == [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]
    with pytest.raises(ValueError, match="1 less than the length of values"):
        PiecewiseConstantDecay([1, 2], [1.0, 0.5])
    with pytest.raises(ValueError, match="strictly increasing"):
        PiecewiseConstantDecay([5, 2], [1.0, 0.5, 0.1])


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay(staircase):
    s = InverseTimeDecay(0.1, decay_steps=4, decay_rate=0.5, staircase=staircase)
    for step in STEPS:
        p = math.floor(step / 4) if staircase else step / 4
        assert s(step) == pytest.approx(0.1 / (1 + 0.5 * p), rel=1e-12)


def test_polynomial_decay():
    s = PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=0.5)
    for step in STEPS:
        t = min(step, 10)
        assert s(step) == pytest.approx((0.1 - 0.01) * (1 - t / 10) ** 0.5 + 0.01, rel=1e-12)
    c = PolynomialDecay(0.1, 10, end_learning_rate=0.01, cycle=True)
    for step in (0, 5, 10, 15, 25):
        steps = 10 * (1 if step == 0 else math.ceil(step / 10))
        assert c(step) == pytest.approx(0.09 * (1 - step / steps) + 0.01, rel=1e-12)


def test_cosine_decay_without_warmup():
    s = CosineDecay(0.1, decay_steps=100, alpha=0.1)
    for step in STEPS:
        t = min(step, 100)
        want = 0.1 * ((1 - 0.1) * 0.5 * (1 + math.cos(math.pi * t / 100)) + 0.1)
        assert s(step) == pytest.approx(want, rel=1e-12)


def test_cosine_decay_with_warmup():
    s = CosineDecay(0.0, decay_steps=100, alpha=0.0, warmup_target=0.1, warmup_steps=10)
    for step in STEPS:
        t = min(step, 110)
        if t < 10:
            want = (0.1 - 0.0) * t / 10 + 0.0
        else:
            want = 0.1 * 0.5 * (1 + math.cos(math.pi * (t - 10) / 100))
        assert s(step) == pytest.approx(want, rel=1e-12, abs=1e-15)
    # warmup_target with zero warmup steps decays from the target straight away
    assert CosineDecay(0.5, 10, warmup_target=0.2)(0) == pytest.approx(0.2)


@pytest.mark.parametrize("t_mul, m_mul", [(1.0, 0.5), (2.0, 0.8)])
def test_cosine_decay_restarts(t_mul, m_mul):
    s = CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=t_mul, m_mul=m_mul, alpha=0.1)
    for step in range(0, 80, 3):
        # walk the periods by hand: lengths 10, 10 t_mul, 10 t_mul^2, ...
        start, length, i = 0.0, 10.0, 0
        while step >= start + length:
            start, length, i = start + length, length * t_mul, i + 1
        frac = (step - start) / length
        want = (1 - 0.1) * 0.5 * m_mul**i * (1 + math.cos(math.pi * frac)) + 0.1
        assert s(step) == pytest.approx(want, rel=1e-9), step


def test_array_and_tensor_steps():
    s = ExponentialDecay(1.0, 1, 0.5)
    values = s(np.arange(4))
    assert values.dtype == np.float32
    np.testing.assert_allclose(values, [1.0, 0.5, 0.25, 0.125])
    assert s(ember.Variable(np.int64(2), trainable=False)) == 0.25
    assert isinstance(s(np.int64(3)), float)


@pytest.mark.parametrize("schedule", [
    ExponentialDecay(0.1, 10, 0.9, staircase=True),
    PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]),
    PolynomialDecay(0.1, 10, cycle=True),
    InverseTimeDecay(0.1, 5, 0.5),
    CosineDecay(0.0, 50, alpha=0.1, warmup_target=0.1, warmup_steps=5),
    CosineDecayRestarts(0.1, 10, t_mul=2.0, m_mul=0.9),
])
def test_config_round_trip(schedule):
    config = json.loads(json.dumps(schedules.serialize(schedule)))
    clone = schedules.deserialize(config)
    assert type(clone) is type(schedule) and clone.get_config() == schedule.get_config()
    for step in (0, 7, 33):
        assert clone(step) == schedule(step)


def test_validation_and_base_class():
    with pytest.raises(ValueError, match="`decay_steps`.*Received: decay_steps=0"):
        ExponentialDecay(0.1, 0, 0.9)
    with pytest.raises(ValueError, match="`first_decay_steps`"):
        CosineDecayRestarts(0.1, -1)
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        LearningRateSchedule()(0)
    with pytest.raises(ValueError, match="Unknown learning rate schedule: 'Nope'"):
        schedules.deserialize({"class_name": "Nope", "config": {}})
