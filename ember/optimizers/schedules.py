"""Learning-rate schedules: callables of the optimizer step, as in Keras 3.

A schedule passed as an optimizer's `learning_rate` is called with `iterations` (0 on the
first step) before every update. Called with a number it returns a Python float; called with
an array of steps it returns a float32 array (handy for plotting a schedule).

>>> from ember.optimizers.schedules import ExponentialDecay
>>> schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> schedule(0), schedule(10), schedule(20)
(0.1, 0.05, 0.025)
"""

import math

import numpy as np

from ember.optimizers._checks import check_number
from ember.tensor import Tensor


def _steps(step):
    data = step.data if isinstance(step, Tensor) else step
    # float64 on purpose: scalar schedule values are exact as written, even past 2**24 steps.
    return np.asarray(data, dtype=np.float64)


def _result(value, steps):
    if np.ndim(steps) == 0:
        return float(value)
    return np.asarray(value, dtype=np.float32)


def _positive(arg, value):
    return check_number(arg, value, low=0.0, low_open=True)


class LearningRateSchedule:
    """Base class: implement `__call__(step)` and `get_config()`.

    >>> from ember.optimizers.schedules import LearningRateSchedule
    >>> class OneOverT(LearningRateSchedule):
    ...     def __init__(self, initial_learning_rate):
    ...         self.initial_learning_rate = initial_learning_rate
    ...     def __call__(self, step):
    ...         return self.initial_learning_rate / (step + 1)
    ...     def get_config(self):
    ...         return {"initial_learning_rate": self.initial_learning_rate}
    >>> OneOverT(0.1)(4)
    0.02
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  "override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  "override `get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        """The schedule described by `config` (the output of `get_config`)."""
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    With `staircase=True`, `step / decay_steps` is floored (the rate drops in steps).

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: a number > 0.
        decay_rate: the factor applied every `decay_steps` steps.
        staircase: floor `step / decay_steps`. Defaults to False.
        name: defaults to "ExponentialDecay".

    >>> from ember.optimizers.schedules import ExponentialDecay
    >>> ExponentialDecay(1.0, 2, 0.5, staircase=True)(3)
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        self.initial_learning_rate = check_number("initial_learning_rate", initial_learning_rate)
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.decay_rate = check_number("decay_rate", decay_rate)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step):
        s = _steps(step)
        p = s / self.decay_steps
        if self.staircase:
            p = np.floor(p)
        return _result(self.initial_learning_rate * np.power(self.decay_rate, p), s)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, and `values[-1]` after `boundaries[-1]`.

    Args:
        boundaries: strictly increasing step counts.
        values: one more value than boundaries.
        name: defaults to "PiecewiseConstant".

    >>> from ember.optimizers.schedules import PiecewiseConstantDecay
    >>> schedule = PiecewiseConstantDecay([100, 110], [1.0, 0.5, 0.1])
    >>> schedule(100), schedule(101), schedule(111)
    (1.0, 0.5, 0.1)
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        if any(b >= c for b, c in zip(boundaries, boundaries[1:])):
            raise ValueError("Argument `boundaries` must be strictly increasing. "
                             f"Received: boundaries={boundaries}")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        s = _steps(step)
        index = np.searchsorted(np.asarray(self.boundaries, dtype=np.float64), s, side="left")
        return _result(np.asarray(self.values, dtype=np.float64)[index], s)

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """`(initial - end) * (1 - step / decay_steps) ** power + end`, with
    `step = min(step, decay_steps)`; with `cycle=True`, `decay_steps` is instead the first
    multiple of itself that is >= step.

    >>> from ember.optimizers.schedules import PolynomialDecay
    >>> PolynomialDecay(1.0, 10, end_learning_rate=0.0)(5)
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = check_number("initial_learning_rate", initial_learning_rate)
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.end_learning_rate = check_number("end_learning_rate", end_learning_rate)
        self.power = check_number("power", power)
        self.cycle = bool(cycle)
        self.name = name

    def __call__(self, step):
        s = _steps(step)
        if self.cycle:
            steps = self.decay_steps * np.where(s == 0, 1.0, np.ceil(s / self.decay_steps))
            t = s
        else:
            steps = self.decay_steps
            t = np.minimum(s, steps)
        span = self.initial_learning_rate - self.end_learning_rate
        return _result(span * np.power(1.0 - t / steps, self.power) + self.end_learning_rate, s)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)` (`floor` of the ratio
    with `staircase=True`).

    >>> from ember.optimizers.schedules import InverseTimeDecay
    >>> InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)(2)
    0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate = check_number("initial_learning_rate", initial_learning_rate)
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.decay_rate = check_number("decay_rate", decay_rate)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step):
        s = _steps(step)
        p = s / self.decay_steps
        if self.staircase:
            p = np.floor(p)
        return _result(self.initial_learning_rate / (1.0 + self.decay_rate * p), s)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay with an optional linear warmup (Loshchilov & Hutter, SGDR).

    Without `warmup_target`: `initial * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps))
    + alpha)` with `s = min(step, decay_steps)`. With `warmup_target`, the rate first rises
    linearly from `initial_learning_rate` to `warmup_target` over `warmup_steps`, then decays
    from `warmup_target` as above over the next `decay_steps` steps.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: a number > 0: the length of the decay.
        alpha: the final rate as a fraction of the rate decayed from. Defaults to 0.0.
        name: defaults to "CosineDecay".
        warmup_target: the rate reached at the end of warmup; None skips warmup.
        warmup_steps: the length of the warmup. Defaults to 0.

    >>> from ember.optimizers.schedules import CosineDecay
    >>> schedule = CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=4)
    >>> schedule(2), schedule(4), schedule(9), schedule(14)
    (0.5, 1.0, 0.5, 0.0)
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = check_number("initial_learning_rate", initial_learning_rate)
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.alpha = check_number("alpha", alpha)
        self.name = name
        self.warmup_target = check_number("warmup_target", warmup_target, none=True)
        self.warmup_steps = check_number("warmup_steps", warmup_steps, low=0.0)

    def _decay(self, s, start):
        cosine = 0.5 * (1.0 + np.cos(math.pi * s / self.decay_steps))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        s = _steps(step)
        if self.warmup_target is None:
            return _result(self._decay(np.minimum(s, self.decay_steps),
                                       self.initial_learning_rate), s)
        s_ = np.minimum(s, self.decay_steps + self.warmup_steps)
        rise = self.warmup_target - self.initial_learning_rate
        warm = rise * (s_ / max(self.warmup_steps, 1.0)) + self.initial_learning_rate
        decayed = self._decay(s_ - self.warmup_steps, self.warmup_target)
        return _result(np.where(s_ < self.warmup_steps, warm, decayed), s)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): the i-th period lasts
    `first_decay_steps * t_mul ** i` steps and starts at `initial * m_mul ** i`.

    >>> from ember.optimizers.schedules import CosineDecayRestarts
    >>> schedule = CosineDecayRestarts(1.0, 10, t_mul=1.0, m_mul=0.5)
    >>> schedule(0), schedule(5), schedule(10)
    (1.0, 0.5, 0.5)
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        self.initial_learning_rate = check_number("initial_learning_rate", initial_learning_rate)
        self.first_decay_steps = _positive("first_decay_steps", first_decay_steps)
        self._t_mul = _positive("t_mul", t_mul)
        self._m_mul = check_number("m_mul", m_mul)
        self.alpha = check_number("alpha", alpha)
        self.name = name

    def __call__(self, step):
        s = _steps(step)
        fraction = s / self.first_decay_steps
        t_mul = self._t_mul
        if t_mul == 1.0:
            restart = np.floor(fraction)
            fraction = fraction - restart
        else:
            restart = np.floor(np.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            done = (1.0 - np.power(t_mul, restart)) / (1.0 - t_mul)
            fraction = (fraction - done) / np.power(t_mul, restart)
        cosine = 0.5 * np.power(self._m_mul, restart) * (1.0 + np.cos(math.pi * fraction))
        decayed = (1.0 - self.alpha) * cosine + self.alpha
        return _result(self.initial_learning_rate * decayed, s)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_SCHEDULES = {cls.__name__: cls for cls in (
    ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay,
    CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """`{"module", "class_name", "config"}` for a schedule (Keras' layout).

    >>> from ember.optimizers import schedules
    >>> schedules.serialize(schedules.InverseTimeDecay(0.1, 1, 0.5))["class_name"]
    'InverseTimeDecay'
    """
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise TypeError("serialize: expected a LearningRateSchedule, received "
                        f"{type(learning_rate_schedule).__name__}")
    return {"module": "ember.optimizers.schedules",
            "class_name": type(learning_rate_schedule).__name__,
            "config": learning_rate_schedule.get_config()}


def deserialize(config, custom_objects=None):
    """The schedule described by `{"class_name": ..., "config": {...}}`.

    Classes resolve only among ember's schedules and `custom_objects` (name -> class); a
    `module` entry is never imported.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("deserialize: expected a dict with 'class_name' and 'config'; "
                         f"received {config!r}")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _SCHEDULES.get(name)
    if cls is None:
        raise ValueError(f"Unknown learning rate schedule: {name!r}. Expected one of "
                         f"{sorted(_SCHEDULES)} or a name in custom_objects.")
    return cls.from_config(dict(config.get("config", {})))
