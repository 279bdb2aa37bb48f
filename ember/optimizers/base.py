"""The optimizer base class: Keras 3's API (`build`, `update_step`, `apply_gradients`) on NumPy.

One call of `apply_gradients` (or `apply`, `step`, `minimize`) does, for the variables that
received a gradient (a `None` gradient is skipped):

1. cast each gradient to its variable's dtype, average it over the ranks under
   `ember.distribution.DataParallel`, and divide by `loss_scale_factor` if set;
2. clip: `clipvalue` elementwise, `clipnorm` per variable, or `global_clipnorm` jointly;
3. decoupled weight decay, before the update: `w -= w * weight_decay * lr`;
4. the subclass's rule, `update_step(g, w, lr * multiplier)`: in-place array maths on `w.data`;
5. the moving average of the weights if `use_ema`, then `iterations += 1`.

`lr` is the learning rate at the current `iterations` (a float, a schedule or a callable).
"""

import warnings

import numpy as np

from ember import backend
from ember.autograd import GradientTape
from ember.autograd import grad as _grad
from ember.device import current_device, device
from ember.distribution import reduce_gradients
from ember.optimizers import clipping
from ember.optimizers._checks import (
    call_learning_rate,
    check_count,
    check_learning_rate,
    check_number,
)
from ember.optimizers.schedules import LearningRateSchedule
from ember.optimizers.state import StateMixin
from ember.tensor import Tensor, Variable, to_array


class Optimizer(StateMixin):
    """Base class of ember's optimizers (Keras 3 API).

    Subclasses create their slots in `build(variables)` with `add_optimizer_variables` and
    implement `update_step(gradient, variable, learning_rate)` as in-place maths on
    `variable.data` (gradient: an ndarray of the variable's dtype).

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable taking the iteration
            count (or, as in Keras, no argument) and returning the learning rate.
        weight_decay: decoupled weight decay `w -= w * weight_decay * lr`, applied before the
            update step. Defaults to None (off).
        clipnorm: clip each gradient to this L2 norm. Defaults to None.
        clipvalue: clip each gradient element to `[-clipvalue, clipvalue]`. Defaults to None.
        global_clipnorm: clip all gradients jointly to this global L2 norm. Defaults to None.
            At most one of the three clipping arguments may be set (as in Keras).
        use_ema: keep an exponential moving average of the weights. Defaults to False.
        ema_momentum: `average = ema_momentum * average + (1 - ema_momentum) * w` (the first
            step copies `w`). Defaults to 0.99.
        ema_overwrite_frequency: copy the averages into the weights every this many steps;
            None leaves that to `finalize_variable_values`. Defaults to None.
        loss_scale_factor: `minimize` multiplies the loss by it and gradients are divided by
            it. Defaults to None.
        gradient_accumulation_steps: not supported by ember; must be None.
        lr_multipliers: dict mapping a Variable to a factor on its learning rate (for example
            0.1 to fine-tune a pretrained base gently). See `set_lr_multiplier`.
        name: the optimizer's name.

    >>> import numpy as np, ember
    >>> from ember.optimizers import Optimizer
    >>> class SignSGD(Optimizer):
    ...     def update_step(self, gradient, variable, learning_rate):
    ...         variable.data -= learning_rate * np.sign(gradient)
    >>> w = ember.Variable([1.0, -1.0])
    >>> opt = SignSGD(learning_rate=0.5)
    >>> _ = opt.apply_gradients([(np.array([3.0, -0.1]), w)])
    >>> w.numpy(), int(opt.iterations)
    (array([ 0.5, -0.5], dtype=float32), 1)
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, lr_multipliers=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.",
                          stacklevel=2)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if gradient_accumulation_steps is not None:
            raise NotImplementedError(
                "Argument `gradient_accumulation_steps` is not supported by ember; expected "
                f"None. Received: gradient_accumulation_steps={gradient_accumulation_steps!r}")
        if sum(v is not None for v in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}")
        self.name = name if name is not None else type(self).__name__.lower()
        self.weight_decay = check_number("weight_decay", weight_decay, low=0.0, none=True)
        self.clipnorm = check_number("clipnorm", clipnorm, low=0.0, low_open=True, none=True)
        self.clipvalue = check_number("clipvalue", clipvalue, low=0.0, low_open=True, none=True)
        self.global_clipnorm = check_number("global_clipnorm", global_clipnorm, low=0.0,
                                            low_open=True, none=True)
        self.use_ema = bool(use_ema)
        self.ema_momentum = check_number("ema_momentum", ema_momentum, 0.0, 1.0)
        self.ema_overwrite_frequency = check_count("ema_overwrite_frequency",
                                                   ema_overwrite_frequency)
        self.loss_scale_factor = check_number("loss_scale_factor", loss_scale_factor, 0.0,
                                              low_open=True, none=True)
        self._learning_rate = self._lr_variable(check_learning_rate(learning_rate))
        self.built = False
        self._trainable_variables = []
        self._index = {}  # id(variable) -> position in the list the optimizer was built on
        self._state = {}  # state key -> Variable, in creation order (see `variables`)
        self._lr_multipliers = {}  # id(variable) -> (variable, factor)
        self._no_decay_ids = set()
        self._no_decay_names = ()
        # The step counter stays on the host whatever the device: the bias corrections read it
        # as a Python number every step, and reading it from a GPU would wait for the GPU.
        with device("cpu"):
            self._iterations = Variable(np.zeros((), dtype=np.int64), trainable=False,
                                        name=f"{self.name}/iteration")
        self._state["iterations"] = self._iterations
        for var, factor in (lr_multipliers or {}).items():
            self.set_lr_multiplier(var, factor)

    # ------------------------------------------------------------ learning rate and state
    @property
    def iterations(self):
        """The number of steps taken: a 0-d int64 Variable."""
        return self._iterations

    def _lr_variable(self, value):
        """A float learning rate as a 0-d float32 Variable (as Keras' optimizer variable);
        schedules and callables stay as they are."""
        if callable(value):
            return value
        return Variable(np.array(value, dtype=np.float32), trainable=False,
                        name=f"{self.name}/learning_rate", dtype="float32")

    @property
    def learning_rate(self):
        """The learning rate: a 0-d float32 Variable when it is a number (as in Keras:
        `opt.learning_rate.assign(0.01)`, `opt.learning_rate.numpy()`, `float(...)`), else the
        value of the schedule or callable at the current iteration, as a float.

        Assigning a float sets the Variable in place; a schedule or callable replaces it. A
        float cannot replace a schedule (as in Keras: the schedule owns the value).

        >>> from ember.optimizers import SGD
        >>> opt = SGD(learning_rate=0.5)
        >>> _ = opt.learning_rate.assign(0.25)
        >>> float(opt.learning_rate), opt.learning_rate.numpy().dtype.name
        (0.25, 'float32')
        """
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            return float(lr(int(self._iterations.data)))
        if callable(lr):
            return check_number("learning_rate", call_learning_rate(lr, int(
                self._iterations.data)), low=0.0)
        return lr

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, Variable) and value is self._learning_rate:
            return  # `opt.learning_rate = opt.learning_rate` (e.g. after `+=` on .data)
        value = check_learning_rate(value)
        if isinstance(self._learning_rate, LearningRateSchedule) and not callable(value):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not "
                "settable. If you need the learning rate to be settable, you should "
                f"instantiate the optimizer with a float `learning_rate`. Received: {value!r}")
        if not callable(value) and isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(np.float32(value))  # in place: references stay live
        else:
            self._learning_rate = self._lr_variable(value)

    def _current_learning_rate(self):
        """The learning rate of this step as a Python float."""
        return float(self.learning_rate)

    @property
    def variables(self):
        """All optimizer state (iterations first, then the slots in creation order)."""
        return list(self._state.values())

    def set_lr_multiplier(self, variables, factor):
        """Scale the learning rate of `variables` by `factor` (1 restores the default).

        Args:
            variables: a Variable, a list of Variables, or an object with
                `trainable_variables` (a layer or model).
            factor: a number >= 0; 0 freezes the variables (no update, no weight decay).

        >>> import numpy as np, ember
        >>> from ember.optimizers import SGD
        >>> base, head = ember.Variable([1.0]), ember.Variable([1.0])
        >>> opt = SGD(learning_rate=0.1)
        >>> opt.set_lr_multiplier(base, 0.1)
        >>> _ = opt.apply_gradients([(np.ones(1), base), (np.ones(1), head)])
        >>> base.numpy(), head.numpy()
        (array([0.99], dtype=float32), array([0.9], dtype=float32))
        """
        factor = check_number("factor", factor, low=0.0)
        if hasattr(variables, "trainable_variables") and not isinstance(variables, Tensor):
            variables = variables.trainable_variables
        items = [variables] if isinstance(variables, Tensor) else list(variables)
        for v in items:
            if not isinstance(v, Variable):
                raise TypeError("set_lr_multiplier: expected Variables, received "
                                f"{type(v).__name__}")
            self._lr_multipliers[id(v)] = (v, factor)

    def get_lr_multiplier(self, variable):
        """The learning-rate factor of `variable` (1.0 unless set)."""
        return self._lr_multipliers.get(id(variable), (None, 1.0))[1]

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempt variables from weight decay: these objects, or names containing a substring.

        >>> from ember.optimizers import AdamW
        >>> opt = AdamW()
        >>> opt.exclude_from_weight_decay(var_names=["bias", "gamma"])
        """
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._no_decay_ids = {id(v) for v in (var_list or [])}
        self._no_decay_names = tuple(var_names or ())

    def _use_weight_decay(self, variable):
        if id(variable) in self._no_decay_ids:
            return False
        name = variable.name or ""
        return not any(s in name for s in self._no_decay_names)

    # ------------------------------------------------------------------------ slots
    def build(self, variables):
        """Record the variables (their position is their index) and create the slots.

        Subclasses call `super().build(variables)` first, then `add_optimizer_variables`.
        """
        if self.built:
            return
        variables = list(variables)
        index = {}
        for i, v in enumerate(variables):
            if not isinstance(v, Variable) or v.dtype.kind != "f":
                raise TypeError(f"{type(self).__name__}.build: variables[{i}] must be a float "
                                f"Variable; received {v!r:.80}")
            if id(v) in index:
                raise ValueError(f"{type(self).__name__}.build: variables[{i}] "
                                 f"({v.name!r}) appears twice in the list")
            index[id(v)] = i
        self._index = index
        self._trainable_variables = variables
        self.built = True
        if self.use_ema:
            self._averages = self.add_optimizer_variables(variables, "average")
            for avg, v in zip(self._averages, variables):
                avg.data[...] = v.data

    def add_variable(self, shape, initializer="zeros", dtype=None, name=None, like=None):
        """A state Variable not tied to one model variable (state key: `name`), on the device
        of array `like` (default: of the variables the optimizer was built on)."""
        if name is None or name in self._state:
            raise ValueError(f"add_variable: `name` must be a new state key; received {name!r}")
        fill = {"zeros": 0.0, "ones": 1.0}.get(initializer, initializer)
        dtype = np.dtype(dtype) if dtype is not None else (
            self._trainable_variables[0].dtype if self._trainable_variables else np.float32)
        if like is None and self._trainable_variables:
            like = self._trainable_variables[0].data
        xp = backend.array_module(like) if like is not None else current_device().xp
        var = Variable(xp.full(shape, fill, dtype=dtype), trainable=False,
                       name=f"{self.name}/{name}")
        self._state[name] = var
        return var

    def add_optimizer_variables(self, var_list, name, initializer="zeros"):
        """One slot per variable, of its shape and dtype; state key `f"{name}/{index}"`."""
        return [self.add_variable(v.shape, initializer, v.dtype,
                                  f"{name}/{self._get_variable_index(v)}", like=v.data)
                for v in var_list]

    def _get_variable_index(self, variable):
        try:
            return self._index[id(variable)]
        except KeyError:
            raise ValueError(
                f"Unknown variable: {variable.name!r} of shape {variable.shape}. This optimizer "
                "can only be called for the variables it was originally built with. When "
                "working with a new set of variables, you should recreate a new optimizer "
                "instance.") from None

    # ------------------------------------------------------------------------ updates
    def update_step(self, gradient, variable, learning_rate):
        """Update `variable.data` in place from `gradient` (an ndarray of its dtype)."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_step")

    def apply_gradients(self, grads_and_vars):
        """Apply a list of `(gradient, variable)` pairs; returns `iterations`."""
        pairs = list(grads_and_vars)
        if pairs:
            grads, variables = zip(*pairs)
            self.apply(grads, variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Apply `grads` (Tensors, ndarrays or None) to `trainable_variables`.

        Without `trainable_variables`, `grads` must match the built variables one to one.
        The first call builds the optimizer on `trainable_variables`.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built. Call `optimizer.build(variables)` first.")
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
            if not self.built:
                self.build(variables)
        if len(grads) != len(variables):
            raise ValueError(f"apply: expected one gradient per variable ({len(variables)}); "
                             f"received {len(grads)} gradients")
        for v in variables:
            self._get_variable_index(v)
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        if len(kept) < len(variables):
            missing = [v.name for g, v in zip(grads, variables) if g is None]
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          "loss.", stacklevel=2)
        variables = [v for _, v in kept]
        grads = [self._as_gradient(g, v) for g, v in kept]
        grads = reduce_gradients(grads)  # averaged over the ranks under DataParallel
        if self.loss_scale_factor is not None:
            grads = [g / g.dtype.type(self.loss_scale_factor) for g in grads]
        grads = self._clip_gradients(grads)
        lr = self._current_learning_rate()
        self._apply_weight_decay(variables, lr)
        self._backend_update_step(grads, variables, lr)
        if self.use_ema:
            self._update_moving_average()
        self._iterations.data += 1

    def _as_gradient(self, g, variable):
        arr = g.data if isinstance(g, Tensor) else g
        # a gradient goes where its variable lives
        arr = backend.asarray(arr if backend.is_array(arr) else np.asarray(arr),
                              like=variable.data)
        if arr.dtype.kind not in "fiu":
            raise TypeError(f"apply: the gradient of variable {variable.name!r} must be numeric; "
                            f"received dtype {arr.dtype}")
        if arr.shape != variable.shape:
            raise ValueError(f"apply: the gradient of variable {variable.name!r} must have its "
                             f"shape {variable.shape}; received shape {arr.shape}")
        return arr.astype(variable.dtype, copy=False)

    def _clip_gradients(self, grads):
        if self.clipnorm is not None:
            return [clipping.clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm is not None:
            return clipping.clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue is not None:
            return [clipping.clip_by_value(g, self.clipvalue) for g in grads]
        return grads

    def _apply_weight_decay(self, variables, lr):
        if not self.weight_decay:
            return
        for v in variables:
            if self._use_weight_decay(v):
                decay = self.weight_decay * lr * self.get_lr_multiplier(v)
                if decay:
                    v.data -= v.data * decay

    def _backend_update_step(self, grads, variables, lr):
        for g, v in zip(grads, variables):
            factor = self.get_lr_multiplier(v)
            if factor != 0.0:
                self.update_step(g, v, lr * factor)
            constraint = getattr(v, "_constraint", None)
            if constraint is not None:  # Keras applies weight constraints after each update
                v.data[...] = to_array(constraint(v), v.dtype)

    def _update_moving_average(self):
        momentum = self.ema_momentum if int(self._iterations.data) != 0 else 0.0
        for v, avg in zip(self._trainable_variables, self._averages):
            avg.data *= momentum
            avg.data += (1.0 - momentum) * v.data
        freq = self.ema_overwrite_frequency
        if freq and (int(self._iterations.data) + 1) % freq == 0:
            self.finalize_variable_values(self._trainable_variables)

    def finalize_variable_values(self, var_list):
        """With `use_ema`, copy the moving averages into the variables (end of training)."""
        if self.use_ema:
            for v in var_list:
                v.data[...] = self._averages[self._get_variable_index(v)].data

    def scale_loss(self, loss):
        """`loss * loss_scale_factor` when set, else `loss`."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def minimize(self, loss, var_list, tape=None):
        """One step on `loss`: a callable returning the loss (recorded on a GradientTape) or
        a loss Tensor already computed from `var_list`.

        >>> import ember
        >>> from ember.optimizers import RMSprop
        >>> w = ember.Variable(10.0)
        >>> RMSprop(learning_rate=0.1).minimize(lambda: (w ** 2) / 2.0, [w])
        >>> round(float(w), 6)
        9.683772
        """
        var_list = list(var_list)
        if callable(loss):
            tape = tape if tape is not None else GradientTape()
            with tape:
                value = self.scale_loss(loss())
            grads = tape.gradient(value, var_list)
        else:
            grads = _grad(self.scale_loss(loss), var_list)
        self.apply_gradients(zip(grads, var_list))

    def step(self, variables=None):
        """PyTorch-style step from each variable's `.grad` (variables without one are skipped).

        Args:
            variables: the variables to update; defaults to those the optimizer was built on.
                The first call builds the optimizer on them.
        """
        if variables is None:
            if not self.built:
                raise ValueError("step: pass the variables (or call build(variables)) before the "
                                 "first step")
            variables = self._trainable_variables
        variables = list(variables)
        if not self.built:
            self.build(variables)
        pairs = [(v.grad, v) for v in variables if v.grad is not None]
        if pairs:
            self.apply_gradients(pairs)

    def zero_grad(self, variables=None):
        """Forget the `.grad` of `variables` (defaults to the built variables)."""
        for v in (self._trainable_variables if variables is None else variables):
            v.grad = None
