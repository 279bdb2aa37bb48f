"""Saving and restoring an optimizer: its config (constructor arguments) and its state (arrays).

`StateMixin` is mixed into `Optimizer`; it relies on the optimizer's `_learning_rate`, its
ordered `_state` dict (state key -> Variable) and `build`.
"""

import numpy as np

from ember import backend
from ember.optimizers._checks import check_learning_rate
from ember.optimizers.schedules import LearningRateSchedule
from ember.optimizers.schedules import deserialize as _deserialize_schedule
from ember.optimizers.schedules import serialize as _serialize_schedule
from ember.tensor import to_array as _to_array


class StateMixin:
    """`get_config` / `from_config` and `get_state` / `set_state` of `Optimizer`."""

    def get_config(self):
        """The constructor arguments as a JSON-ready dict (multipliers and state excluded)."""
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = _serialize_schedule(lr)
        elif not callable(lr):
            lr = float(lr)  # the Variable's value
        elif callable(lr):
            raise TypeError(
                f"{type(self).__name__}.get_config: the learning rate is a plain callable "
                f"({lr!r}), which cannot be serialised; use a LearningRateSchedule subclass "
                "with get_config, or a float")
        return {
            "name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue, "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor, "gradient_accumulation_steps": None,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The optimizer described by `config` (the output of `get_config`)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _deserialize_schedule(config["learning_rate"],
                                                            custom_objects)
        return cls(**config)

    def get_state(self):
        """Every piece of optimizer state as a dict of name -> ndarray (copies).

        Keys: `"iterations"`, `"learning_rate"` (when it is a float), and one
        `"<slot>/<index>"` per slot, the index being the variable's position in the list the
        optimizer was built on, so a fresh optimizer built on the same model restores it.

        >>> import numpy as np, ember
        >>> from ember.optimizers import Adam
        >>> w = ember.Variable([1.0, 2.0])
        >>> opt = Adam()
        >>> _ = opt.apply_gradients([(np.ones(2), w)])
        >>> sorted(opt.get_state())
        ['iterations', 'learning_rate', 'momentum/0', 'velocity/0']
        """
        state = {key: var.numpy() for key, var in self._state.items()}
        if not callable(self._learning_rate):
            # float64 on purpose: the stored format keeps its dtype (the value is float32's)
            state["learning_rate"] = np.array(float(self._learning_rate), dtype=np.float64)
        return state

    def set_state(self, state, variables=None):
        """Restore `get_state()`; an unbuilt optimizer is first built on `variables`."""
        if not self.built:
            if variables is None:
                raise ValueError("set_state: the optimizer is not built; pass the model's "
                                 "variables (or call build(variables) first)")
            self.build(variables)
        missing = sorted(set(self._state) - set(state))
        unexpected = sorted(set(state) - set(self._state) - {"learning_rate"})
        if missing or unexpected:
            raise ValueError(f"set_state: state keys do not match this {type(self).__name__}: "
                             f"missing {missing}, unexpected {unexpected}")
        arrays = {}
        for key, var in self._state.items():
            arr = _to_array(state[key], var.dtype)
            arr = arr if backend.is_array(arr) else np.asarray(arr)
            if arr.shape != var.shape:
                raise ValueError(f"set_state: state {key!r} must have shape {var.shape}; "
                                 f"received shape {arr.shape}")
            arrays[key] = arr
        for key, arr in arrays.items():  # each slot stays on its device
            self._state[key].data[...] = backend.asarray(arr, like=self._state[key].data)
        if "learning_rate" in state and not callable(self._learning_rate):
            self.learning_rate = check_learning_rate(float(np.asarray(state["learning_rate"])))
