"""Adagrad: per-parameter rates that shrink with the sum of squared gradients."""

import numpy as np

from ember.optimizers._checks import check_number
from ember.optimizers.base import Optimizer


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), as the notes and Keras write it (epsilon inside the root):

        s = s + dW ** 2                       (s starts at initial_accumulator_value)
        W = W - lr * dW / sqrt(s + epsilon)

    `torch.optim.Adagrad` differs in two places: its accumulator starts at 0 by default, and
    its epsilon is outside the root (`lr * g / (sqrt(s) + eps)`).

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        initial_accumulator_value: the starting value of `s`, >= 0. Defaults to 0.1.
        epsilon: the small constant under the root. Defaults to 1e-7.
        **kwargs: the `Optimizer` arguments.

    >>> import numpy as np, ember
    >>> from ember.optimizers import Adagrad
    >>> w = ember.Variable([1.0])
    >>> _ = Adagrad(learning_rate=0.1, initial_accumulator_value=0.0, epsilon=0.0
    ...             ).apply_gradients([(np.array([2.0]), w)])
    >>> w.numpy()  # 1 - 0.1 * 2 / sqrt(4)
    array([0.9], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.initial_accumulator_value = check_number(
            "initial_accumulator_value", initial_accumulator_value, low=0.0)
        self.epsilon = check_number("epsilon", epsilon, low=0.0)

    def build(self, variables):
        """One `accumulator` slot per variable, filled with `initial_accumulator_value`."""
        if self.built:
            return
        super().build(variables)
        self._accumulators = self.add_optimizer_variables(
            variables, "accumulator", initializer=self.initial_accumulator_value)

    def update_step(self, gradient, variable, learning_rate):
        """`s += g**2; w -= lr * g / sqrt(s + epsilon)`, in place."""
        g = gradient
        s = self._accumulators[self._get_variable_index(variable)].data
        s += g * g
        variable.data -= learning_rate * g / np.sqrt(s + self.epsilon)

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
