"""Training: Keras 3's `compile`, `fit`, the steps, and the loss and metric helpers.

`fit` is a plain loop: epochs -> batches -> `train_step` -> callbacks. `train_step(data)` gets
one batch, `x`, `(x, y)` or `(x, y, sample_weight)`, and returns a dict of logs; override it
for GANs, VAEs or any custom update, using `self.compute_loss`, `self.compute_metrics`,
`self.optimizer` and `self.metrics` as in Keras 3. Evaluation and prediction are in
`ember.models.inference`.
"""

import inspect
import warnings

import numpy as np

from ember import config
from ember import distribution as distribution_lib
from ember.autograd import run_backward
from ember.callbacks.base import CallbackList
from ember.data import adapter as da
from ember.data.adapter import check_batch_size, check_count, check_verbose
from ember.distribution.fit import prepare_fit
from ember.models import compile_utils as cu
from ember.models.allocator import keep_freed_memory
from ember.models.device_feed import device_batches, on_model_device, place_for
from ember.models.inference import Inference, batch_size_of, pythonify_logs
from ember.models.interrupt import InterruptGuard
from ember.tensor import Tensor
from ember.utils.packing import unpack_x_y_sample_weight
from ember.utils.random import global_generator
from ember.utils.traceback_utils import filter_traceback


def spawn_generator():
    """A new np.random.Generator derived from ember's global one (so `set_random_seed` makes
    `fit`'s shuffling repeat) without drawing from it."""
    parent = global_generator()
    try:
        return parent.spawn(1)[0]
    except (AttributeError, TypeError, ValueError):
        return np.random.default_rng(int(parent.integers(2**63)))


def gradients(loss, variables):
    """d(loss)/d(variable) for each variable (None where it does not depend on it).

    The arrays come straight from the graph walk, without the defensive copy of
    `ember.grad`: the optimizer only reads them.
    """
    if not loss.requires_grad:
        return [None] * len(variables)
    capture = run_backward(loss, capture={id(v): None for v in variables}, where="train_step")
    return [capture[id(v)] for v in variables]


def apply_constraints(variables):
    """`w.assign(w._constraint(w))` for each constrained weight, after an update."""
    for v in variables:
        constraint = getattr(v, "_constraint", None)
        if constraint is not None:
            v.assign(constraint(v))


class Trainer(Inference):
    """The training half of `Model` (see the module docstring)."""

    def _init_trainer(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self._compile_config = None
        self.stop_training = False
        self.history = None

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configure the model for training.

        Args:
            optimizer: a name ("rmsprop", "adam", "sgd", ...) or an Optimizer. Defaults to
                "rmsprop".
            loss: a name ("mse", "sparse_categorical_crossentropy", ...), a Loss, a function
                `fn(y_true, y_pred)`, or one per output (a list in output order or a dict
                keyed by output name). None when the loss comes only from `add_loss` or a
                custom `train_step`.
            loss_weights: weights of the per-output losses (list, dict or number).
            metrics: a list of metrics (names, Metric objects or functions) for every
                output, or per output (a list of lists, or a dict keyed by output name).
                "accuracy" is resolved from the data's shapes, as Keras.
            weighted_metrics: metrics that receive the sample weights.
            run_eagerly, steps_per_execution, jit_compile, auto_scale_loss: accepted for
                Keras compatibility; ember always runs eagerly, one step at a time.

        Raises:
            ValueError: an unknown optimizer, loss or metric name (the error of its `get`).
        """
        from ember import optimizers  # noqa: PLC0415  (optimizers import models lazily)

        if isinstance(steps_per_execution, bool) or not isinstance(
                steps_per_execution, int | np.integer) or steps_per_execution < 1:
            raise ValueError(f"compile: `steps_per_execution` must be a positive integer; "
                             f"received steps_per_execution={steps_per_execution!r}")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self._compile_loss = cu.CompileLoss(loss, loss_weights) if loss is not None else None
        self._compile_metrics = (cu.CompileMetrics(metrics, weighted_metrics,
                                                   align=self._aligned)
                                 if metrics or weighted_metrics else None)
        self._loss_tracker = cu.LossTracker(name="loss")
        self.run_eagerly = bool(run_eagerly)
        self.jit_compile = jit_compile
        self.steps_per_execution = int(steps_per_execution)
        self._compile_config = {
            "optimizer": optimizer, "loss": loss, "loss_weights": loss_weights,
            "metrics": metrics, "weighted_metrics": weighted_metrics,
            "run_eagerly": bool(run_eagerly), "steps_per_execution": int(steps_per_execution),
            "jit_compile": jit_compile, "auto_scale_loss": auto_scale_loss,
        }
        self.compiled = True
        self.stop_training = False

    def get_compile_config(self):
        """The arguments of the last `compile` call (None when not compiled)."""
        return None if self._compile_config is None else dict(self._compile_config)

    def _assert_compile_called(self, method):
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before calling `{method}()`.")

    # ------------------------------------------------------------------ metrics
    @property
    def metrics(self):
        """Keras' order: the loss tracker ("loss"), the compiled metrics (one
        "compile_metrics" Metric holding them), the per-output loss trackers, then the
        Metrics assigned as attributes of the model and of its layers (not of nested models).
        Override it as a property to choose what `fit` resets at each epoch."""
        out = []
        if self.compiled:
            if self._loss_tracker is not None:
                out.append(self._loss_tracker)
            if self._compile_metrics is not None:
                out.append(self._compile_metrics)
            if self._compile_loss is not None:
                out.extend(self._compile_loss.metrics)
        out.extend(getattr(self, "_tracked_metrics", ()))
        for layer in self._flatten_layers(include_self=False):
            if not isinstance(layer, Trainer):
                out.extend(getattr(layer, "_tracked_metrics", ()))
        return out

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        """Reset every metric's state (done at the start of each epoch and evaluation)."""
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self):
        """`{name: value}` of every metric, names sorted (as Keras' logs)."""
        out = {}
        for m in self.metrics:
            result = m.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[m.name] = result
        return dict(sorted(pythonify_logs(out).items()))

    def _output_names_for(self, y_pred):
        if isinstance(y_pred, dict):
            return list(y_pred)
        n = len(y_pred) if isinstance(y_pred, list | tuple) else 1
        names = list(getattr(self, "output_names", None) or [])
        if len(names) == n:
            return names
        return ["output"] if n == 1 else [f"output_{i}" for i in range(n)]

    def _aligned(self, y, y_pred, sample_weight):
        names = self._output_names_for(y_pred)
        return (names, cu.as_target_list(y, names, self.name), cu.as_output_list(y_pred, names),
                cu.as_weight_list(sample_weight, names, self.name))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss: the compiled loss(es) plus `self.losses` (regularization and
        `add_loss` terms, each summed to a scalar, as Keras), as a scalar Tensor in the graph.

        Keras 3's signature; a custom `train_step` calls `self.compute_loss(y=y,
        y_pred=y_pred)` (or passes `x` and `sample_weight` too). It updates no metric: the
        default steps update the "loss" tracker with its value.
        """
        total = None
        compiled = self._compile_loss
        if compiled is not None:
            names, targets, preds, weights = self._aligned(y, y_pred, sample_weight)
            if not compiled.built:
                compiled.build(targets, preds, names)
            total = compiled(targets, preds, weights, batch_size_of(preds[0]))
        for extra in self.losses:
            if isinstance(extra, Tensor) and extra.dtype.kind != "f":
                extra = extra.astype("float32")
            if isinstance(extra, Tensor) and extra.ndim:
                extra = extra.sum()
            total = extra if total is None else total + extra
        if total is None:
            if not self.trainable_weights:
                return Tensor(np.zeros((), dtype=np.float32))
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def _compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """`compute_loss`, without `training` for an override that does not take it (the
        argument came in Keras 3.3)."""
        if "training" in inspect.signature(self.compute_loss).parameters:
            return self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                     training=training)
        return self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics on this batch; return `get_metrics_result()`."""
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    # ------------------------------------------------------------------ steps
    def train_step(self, data):
        """One optimisation step on a batch; returns the logs (running means)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=True)
        loss = self._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
        self._loss_tracker.update_state(float(loss.data), batch_size_of(x))
        variables = self.trainable_variables
        if variables:
            grads = gradients(loss, variables)
            self.optimizer.apply(grads, variables)  # applies the weight constraints too
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One `train_step` on the given batch (metrics keep accumulating, as Keras 3).

        Returns:
            The loss (a float) when it is the only log, else `[loss, *metrics]`, or the
            logs dict with `return_dict=True`.
        """
        self._assert_compile_called("train_on_batch")
        keep_freed_memory()
        if da.is_iterable_input(x):
            raise TypeError("train_on_batch: `x` must be arrays (one batch); received a "
                            f"{type(x).__name__}")
        data = da.adapt(x, y, sample_weight, "train_on_batch", inputs=self._data_inputs())
        if class_weight is not None:
            data = data.with_class_weight(class_weight, sample_weight is not None)
        batch = place_for(self, da.pack_x_y_sample_weight(*data.take_parts(slice(None))))
        with on_model_device(self):
            logs = pythonify_logs(self.train_step(batch))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    # ------------------------------------------------------------------ fit
    @filter_traceback
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, validate_inputs=False):
        """Train for `epochs` passes over the data (Keras 3 semantics).

        Args:
            x, y: arrays (NumPy, lists of numbers, pandas, torch tensors), or lists/dicts
                of them for several inputs/outputs (dicts keyed by input name); or `x` a
                source of whole batches: an `ember.data.Dataset`, a `PyDataset`, a
                generator, or any iterable of batches such as a PyTorch DataLoader (then
                `y` and `validation_split` must not be given, and `batch_size` is
                ignored). See `ember.data.adapter`.
            batch_size: samples per step. Defaults to 32.
            epochs: the epoch to stop at (with `initial_epoch`). Defaults to 1.
            verbose: "auto" (= 1, progress bar), 0 (silent), 1, or 2 (one line per epoch).
            callbacks: a list of Callbacks; History and the progress bar are added.
            validation_split: the fraction of the data held out for validation: the LAST
                samples, taken before shuffling (Keras' rule). Defaults to 0.
            validation_data: `(x_val, y_val)` or `(x_val, y_val, val_sample_weight)`, or a
                batch source as `x`; overrides `validation_split`.
            shuffle: reshuffle the samples each epoch (True), shuffle batch order ("batch"),
                or not (False). Defaults to True.
            class_weight: `{class: weight}` turned into per-sample weights.
            sample_weight: one weight per sample.
            initial_epoch: the epoch to start at (resuming). Defaults to 0.
            steps_per_epoch: batches per epoch (at most one pass over the data).
            validation_steps: validation batches per evaluation.
            validation_batch_size: defaults to `batch_size`.
            validation_freq: validate every this many epochs. Defaults to 1.
            validate_inputs: ember's extra: check the data for NaN/Inf first (one pass) and
                raise a ValueError with the count and first index. Defaults to False.

        Returns:
            The `History` (its `history` dict: `loss`, metrics, `val_*`, `learning_rate`).

        Raises:
            KeyboardInterrupt: after Ctrl-C, once the current step has finished and the
                callbacks' `on_interrupt` and `on_train_end` have run.

        >>> import numpy as np, ember
        >>> model = ember.models.Sequential([ember.layers.Input(shape=(2,)),
        ...                                  ember.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=3, verbose=0)
        >>> len(history.history["loss"]), history.epoch
        (3, [0, 1, 2])
        """
        where = "fit"
        self._assert_compile_called(where)
        keep_freed_memory()
        da.check_iterable_call(x, y, sample_weight, batch_size, where, validation_split,
                               steps_per_epoch)
        batch_size = check_batch_size(batch_size, where)
        epochs = check_count(epochs, "epochs", where, minimum=1)
        verbose = check_verbose(verbose, where)
        initial_epoch = check_count(initial_epoch, "initial_epoch", where, minimum=0)
        steps_per_epoch = check_count(steps_per_epoch, "steps_per_epoch", where, none=True)
        validation_steps = check_count(validation_steps, "validation_steps", where, none=True)
        validation_batch_size = check_batch_size(
            validation_batch_size, where, "validation_batch_size", default=batch_size)
        validation_freq = da.check_freq(validation_freq)
        validation_split = da.check_split(validation_split)
        shuffle = da.check_shuffle(shuffle)
        data, val_data = da.fit_data(x, y, sample_weight, class_weight, validation_data,
                                     validation_split, validate_inputs, self._data_inputs())
        num_batches = data.num_batches(batch_size)
        if num_batches is None:  # a generator, or a Dataset of unknown length
            num_batches = steps_per_epoch
        if steps_per_epoch is not None and steps_per_epoch > num_batches:
            warnings.warn(f"fit: steps_per_epoch={steps_per_epoch} is more than the "
                          f"{num_batches} batches in the data; each epoch stops when the data "
                          "runs out", stacklevel=2)
        steps = num_batches if steps_per_epoch is None else min(steps_per_epoch, num_batches)
        epochs, steps = config.capped_epochs(epochs), config.capped_steps(steps)
        callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                 model=self, verbose=verbose, epochs=epochs, steps=steps)
        data, val_data, callbacks = prepare_fit(self, distribution_lib.distribution(), data,
                                                val_data, callbacks, batch_size)
        return self._fit_loop(data, val_data, callbacks, batch_size, epochs, shuffle,
                              initial_epoch, steps, validation_batch_size, validation_steps,
                              validation_freq)

    def _fit_loop(self, data, val_data, callbacks, batch_size, epochs, shuffle, initial_epoch,
                  steps, val_batch_size, val_steps, val_freq):
        self._callbacks = callbacks
        self.stop_training = False
        self._nan_stopped = False
        self._fit_interrupted = False
        self._fit_rng = spawn_generator()
        self._initial_epoch, self._initial_step, self._resume_rng_state = None, 0, None
        logs, epoch_logs, guard = {}, None, InterruptGuard()
        try:
            with guard:
                callbacks.on_train_begin()
                start = initial_epoch if self._initial_epoch is None else int(self._initial_epoch)
                skip = int(self._initial_step or 0)
                for epoch in range(start, epochs):
                    self.reset_metrics()
                    self._current_epoch = epoch
                    callbacks.on_epoch_begin(epoch)
                    if skip and self._resume_rng_state is not None:
                        self._fit_rng.bit_generator.state = self._resume_rng_state
                    self._epoch_rng_state = self._fit_rng.bit_generator.state
                    # each batch is copied to the model's device (the next one overlapping
                    # this step's compute on a GPU)
                    for step, batch in device_batches(
                            data.batches(batch_size, shuffle, self._fit_rng, skip, steps), self):
                        callbacks.on_train_batch_begin(step)
                        with on_model_device(self):
                            logs = pythonify_logs(self.train_step(batch))
                        callbacks.on_train_batch_end(step, logs)
                        if self.stop_training or guard.requested:
                            self._interrupted_at = (epoch, step + 1)
                            break
                    skip = 0
                    if guard.requested:
                        break
                    epoch_logs = dict(logs)
                    if val_data is not None and da.validation_due(epoch, val_freq):
                        val_logs = self._run_test(val_data, val_batch_size, val_steps, callbacks)
                        epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                    lr = self._learning_rate_log()
                    if lr is not None:
                        epoch_logs["learning_rate"] = lr
                    callbacks.on_epoch_end(epoch, epoch_logs)
                    if self.stop_training or guard.requested:
                        break
        except KeyboardInterrupt:
            self._end_interrupted(callbacks, logs)
            raise
        if guard.requested:
            self._end_interrupted(callbacks, logs)
            epoch, step = getattr(self, "_interrupted_at", (self._current_epoch, 0))
            raise KeyboardInterrupt(f"fit interrupted (Ctrl-C) at epoch {epoch + 1}, after "
                                    f"step {step}; on_train_end has run")
        callbacks.on_train_end(epoch_logs)
        return callbacks._history

    def _end_interrupted(self, callbacks, logs):
        self._fit_interrupted = True
        try:
            callbacks.on_interrupt(logs)
        finally:
            callbacks.on_train_end(logs)

    def _learning_rate_log(self):
        """The learning rate for the epoch logs when a schedule drives it, else None (as in
        Keras, a constant rate is not logged; ReduceLROnPlateau and LearningRateScheduler
        log it themselves when they change it)."""
        if not callable(getattr(self.optimizer, "_learning_rate", None)):
            return None
        lr = getattr(self.optimizer, "learning_rate", None)
        try:
            return None if lr is None else float(lr)
        except (TypeError, ValueError):
            return None
