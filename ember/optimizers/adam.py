"""Adam, AdamW (decoupled weight decay) and Nadam (Adam with Nesterov momentum)."""

import math

import numpy as np

from ember.optimizers._checks import check_number
from ember.optimizers.base import Optimizer


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014): momentum and RMSprop with bias correction.

    The notes write it as (t = iterations + 1):

        v = beta_1 * v + (1 - beta_1) * dW
        s = beta_2 * s + (1 - beta_2) * dW ** 2
        v_corrected = v / (1 - beta_1 ** t)
        s_corrected = s / (1 - beta_2 ** t)
        W = W - lr * v_corrected / (sqrt(s_corrected) + epsilon)

    ember computes Keras' equivalent form, with epsilon ("epsilon hat") outside the root of
    the uncorrected average:

        m += (g - m) * (1 - beta_1)
        v += (g ** 2 - v) * (1 - beta_2)
        alpha = lr * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        w -= alpha * m / (sqrt(v) + epsilon)

    The two agree exactly for epsilon = 0; otherwise this epsilon equals the notes' epsilon
    times `sqrt(1 - beta_2 ** t)` (`torch.optim.Adam` uses the notes' placement).
    `amsgrad=True` divides by the running maximum `v_hat = max(v_hat, v)` instead of `v`.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        beta_1: the decay of the first moment, in [0, 1). Defaults to 0.9.
        beta_2: the decay of the second moment, in [0, 1). Defaults to 0.999.
        epsilon: the small constant. Defaults to 1e-7.
        amsgrad: use AMSGrad (Reddi et al., 2018). Defaults to False.
        **kwargs: the `Optimizer` arguments.

    >>> import numpy as np, ember
    >>> from ember.optimizers import Adam
    >>> w = ember.Variable([1.0, 1.0])
    >>> _ = Adam(learning_rate=0.1).apply_gradients([(np.array([0.5, -2.0]), w)])
    >>> np.round(w.numpy(), 4)  # the first Adam step moves each weight by ~lr
    array([0.9, 1.1], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adam", **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_1 = check_number("beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = check_number("beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = check_number("epsilon", epsilon, low=0.0)
        self.amsgrad = bool(amsgrad)

    def build(self, variables):
        """Slots `momentum` and `velocity` (and `velocity_hat` with amsgrad) per variable."""
        if self.built:
            return
        super().build(variables)
        self._momentums = self.add_optimizer_variables(variables, "momentum")
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(variables, "velocity_hat")

    def update_step(self, gradient, variable, learning_rate):
        """Keras' form of the class docstring, in place on `variable.data`."""
        g = gradient
        t = int(self._iterations.data) + 1
        i = self._get_variable_index(variable)
        m, v = self._momentums[i].data, self._velocities[i].data
        alpha = learning_rate * math.sqrt(1.0 - self.beta_2**t) / (1.0 - self.beta_1**t)
        m += (g - m) * (1.0 - self.beta_1)
        v += (g * g - v) * (1.0 - self.beta_2)
        if self.amsgrad:
            v_hat = self._velocity_hats[i].data
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat
        variable.data -= alpha * m / (np.sqrt(v) + self.epsilon)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Before each Adam step, `w -= w * weight_decay * lr` (the same step as `torch.optim.AdamW`,
    `w *= 1 - lr * weight_decay`); the decay never enters the moment estimates.

    Args:
        learning_rate: Defaults to 0.001.
        weight_decay: a number >= 0. Defaults to 0.004.
        beta_1, beta_2, epsilon, amsgrad: as `Adam`.
        **kwargs: the `Optimizer` arguments.

    >>> import numpy as np, ember
    >>> from ember.optimizers import AdamW
    >>> w = ember.Variable([2.0])
    >>> _ = AdamW(learning_rate=0.1, weight_decay=0.5).apply_gradients([(np.zeros(1), w)])
    >>> w.numpy()  # zero gradient: only the decay, 2 - 2 * 0.5 * 0.1
    array([1.9], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adamw", **kwargs):
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")
        super().__init__(
            learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
            amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
            global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)


class Nadam(Optimizer):
    """Nadam (Dozat, 2015): Adam with Nesterov momentum, as Keras 3 computes it.

    A momentum schedule `u_t = beta_1 * (1 - 0.5 * 0.96 ** t)` and its running product
    `U_t = u_1 * ... * u_t` (the `u_product` slot) replace Adam's bias correction
    (t = iterations + 1):

        m += (g - m) * (1 - beta_1)
        v += (g ** 2 - v) * (1 - beta_2)
        m_hat = u_{t+1} * m / (1 - U_t * u_{t+1}) + (1 - u_t) * g / (1 - U_t)
        v_hat = v / (1 - beta_2 ** t)
        w -= lr * m_hat / (sqrt(v_hat) + epsilon)

    This is `torch.optim.NAdam` with `momentum_decay=1.0` (torch's default 0.004 uses
    `0.96 ** (0.004 * t)`).

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        beta_1: in [0, 1). Defaults to 0.9.
        beta_2: in [0, 1). Defaults to 0.999.
        epsilon: Defaults to 1e-7.
        **kwargs: the `Optimizer` arguments.

    >>> import numpy as np, ember
    >>> from ember.optimizers import Nadam
    >>> w = ember.Variable([1.0])
    >>> _ = Nadam(learning_rate=0.1).apply_gradients([(np.array([4.0]), w)])
    >>> np.round(w.numpy(), 4)  # the look-ahead makes the first step a little over lr
    array([0.8937], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="nadam",
                 **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_1 = check_number("beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = check_number("beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = check_number("epsilon", epsilon, low=0.0)

    def build(self, variables):
        """Slots `momentum` and `velocity` per variable, and the scalar `u_product` (1)."""
        if self.built:
            return
        super().build(variables)
        self._momentums = self.add_optimizer_variables(variables, "momentum")
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._u_product = self.add_variable((), initializer="ones", name="u_product")

    def _u(self, t):
        return self.beta_1 * (1.0 - 0.5 * 0.96**t)

    def _backend_update_step(self, grads, variables, lr):
        # U_t is advanced once per step, before the per-variable updates (as in Keras).
        self._u_product.data *= self._u(int(self._iterations.data) + 1)
        super()._backend_update_step(grads, variables, lr)

    def update_step(self, gradient, variable, learning_rate):
        """Keras 3's Nadam step of the class docstring, in place on `variable.data`."""
        g = gradient
        t = int(self._iterations.data) + 1
        u_t, u_next = self._u(t), self._u(t + 1)
        u_product = float(self._u_product.data)
        i = self._get_variable_index(variable)
        m, v = self._momentums[i].data, self._velocities[i].data
        m += (g - m) * (1.0 - self.beta_1)
        v += (g * g - v) * (1.0 - self.beta_2)
        m_hat = (u_next / (1.0 - u_product * u_next)) * m + ((1.0 - u_t) / (1.0 - u_product)) * g
        v_hat = v / (1.0 - self.beta_2**t)
        variable.data -= learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
