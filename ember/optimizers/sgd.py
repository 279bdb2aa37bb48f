"""Stochastic gradient descent, with Keras' momentum form or the notes' moving-average form."""

from ember.optimizers._checks import check_number
from ember.optimizers.base import Optimizer

MOMENTUM_STYLES = ("keras", "ema")


class SGD(Optimizer):
    """Gradient descent (with momentum).

    Without momentum (`momentum=0`), both styles are the notes' plain rule
    `W := W - lr * dW` (batch, stochastic or mini-batch gradient descent: only the batch that
    produced `dW` differs).

    `momentum_style="keras"` (the default; Keras' and Sutskever's form, velocity `m`):

        m = momentum * m - lr * g
        w = w + m
        nesterov: w = w + momentum * m - lr * g      (m already updated)

    `momentum_style="ema"` (the notes' form: the velocity is an exponential moving average of
    the gradients, `beta` = `momentum`):

        v = beta * v + (1 - beta) * dW
        W = W - lr * v
        nesterov: W = W - lr * (beta * v + (1 - beta) * dW)      (v already updated)

    With a constant rate the two give the same trajectory when the EMA style's rate is
    `lr / (1 - momentum)`: the moving average is `(1 - momentum)` times Keras' velocity
    divided by `-lr`. PyTorch's `torch.optim.SGD` (`b = mu * b + g; w -= lr * b`) is the Keras
    form with `m = -lr * b`.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.01.
        momentum: float in [0, 1]. Defaults to 0.0.
        nesterov: use Nesterov momentum. Defaults to False.
        momentum_style: "keras" or "ema" (see above). Defaults to "keras".
        **kwargs: the `Optimizer` arguments (weight_decay, clipnorm, clipvalue,
            global_clipnorm, use_ema, ..., name="SGD").

    >>> import numpy as np, ember
    >>> from ember.optimizers import SGD
    >>> w = ember.Variable([1.0])
    >>> opt = SGD(learning_rate=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     _ = opt.apply_gradients([(np.ones(1), w)])
    >>> w.numpy()  # m = -0.1, then m = -0.09 - 0.1 = -0.19: w = 1 - 0.1 - 0.19
    array([0.71], dtype=float32)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, momentum_style="keras",
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="SGD",
                 **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.momentum = check_number("momentum", momentum, 0.0, 1.0)
        self.nesterov = bool(nesterov)
        if momentum_style not in MOMENTUM_STYLES:
            raise ValueError(f"Argument `momentum_style` must be one of {MOMENTUM_STYLES}. "
                             f"Received: momentum_style={momentum_style!r}")
        self.momentum_style = momentum_style

    def build(self, variables):
        """One `momentum` slot per variable (none when `momentum` is 0)."""
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        """The rule of the class docstring, in place on `variable.data`."""
        g, w, lr, mu = gradient, variable.data, learning_rate, self.momentum
        if mu == 0:
            w -= lr * g
            return
        m = self.momentums[self._get_variable_index(variable)].data
        if self.momentum_style == "keras":
            m *= mu
            m -= lr * g
            if self.nesterov:
                w += mu * m - lr * g
            else:
                w += m
        else:
            m *= mu
            m += (1.0 - mu) * g
            if self.nesterov:
                w -= lr * (mu * m + (1.0 - mu) * g)
            else:
                w -= lr * m

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov,
                       "momentum_style": self.momentum_style})
        return config
