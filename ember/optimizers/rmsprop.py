"""RMSprop: gradients divided by a moving root mean square of their recent magnitudes."""

import numpy as np

from ember.optimizers._checks import check_number
from ember.optimizers.base import Optimizer


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012), as the notes and Keras write it (epsilon inside the root):

        s = rho * s + (1 - rho) * dW ** 2
        W = W - lr * dW / sqrt(s + epsilon)

    `centered=True` also keeps the mean gradient `a` and divides by the estimated standard
    deviation instead:

        a = rho * a + (1 - rho) * dW
        W = W - lr * dW / sqrt(s - a ** 2 + epsilon)

    `momentum > 0` accumulates the increments (plain, not Nesterov, momentum):

        mom = momentum * mom + lr * dW / sqrt(...)
        W = W - mom

    `torch.optim.RMSprop` (`alpha` = `rho`) puts epsilon outside the root
    (`g / (sqrt(s) + eps)`) and applies the rate after the momentum buffer; with a constant
    rate and a tiny epsilon the two agree.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        rho: the decay of the moving averages, in [0, 1). Defaults to 0.9.
        momentum: in [0, 1]. Defaults to 0.0.
        epsilon: the small constant under the root. Defaults to 1e-7.
        centered: normalise by the variance instead of the second moment. Defaults to False.
        **kwargs: the `Optimizer` arguments.

    >>> import ember
    >>> from ember.optimizers import RMSprop
    >>> w = ember.Variable(10.0)
    >>> RMSprop(learning_rate=0.1).minimize(lambda: (w ** 2) / 2.0, [w])
    >>> round(float(w), 6)  # 10 - 0.1 * 10 / sqrt(0.1 * 100 + 1e-7)
    9.683772
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="rmsprop", **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.rho = check_number("rho", rho, 0.0, 1.0, high_open=True)
        self.momentum = check_number("momentum", momentum, 0.0, 1.0)
        self.epsilon = check_number("epsilon", epsilon, low=0.0)
        self.centered = bool(centered)

    def build(self, variables):
        """Slots `velocity`, plus `momentum` (momentum > 0) and `average_gradient` (centered)."""
        if self.built:
            return
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(variables, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(variables, "average_gradient")

    def update_step(self, gradient, variable, learning_rate):
        """The rule of the class docstring, in place on `variable.data`."""
        g, rho = gradient, self.rho
        i = self._get_variable_index(variable)
        s = self._velocities[i].data
        s *= rho
        s += (1.0 - rho) * (g * g)
        if self.centered:
            a = self._average_gradients[i].data
            a *= rho
            a += (1.0 - rho) * g
            denominator = s - a * a + self.epsilon
        else:
            denominator = s + self.epsilon
        increment = learning_rate * g / np.sqrt(denominator)
        if self.momentum > 0:
            mom = self._momentums[i].data
            mom *= self.momentum
            mom += increment
            variable.data -= mom
        else:
            variable.data -= increment

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
