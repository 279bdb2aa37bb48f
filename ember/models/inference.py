"""Evaluation and prediction: Keras 3's `evaluate`, `predict`, their steps and `*_on_batch`.

Both run batch by batch under `ember.no_grad()` (no graph is recorded) with `training=False`;
`predict` returns NumPy arrays in the structure of the model's outputs.
"""

import numpy as np

from ember import backend, config, tree
from ember.autograd import no_grad
from ember.callbacks.base import CallbackList
from ember.data import adapter as da
from ember.data.adapter import check_batch_size, check_count, check_verbose
from ember.models.allocator import keep_freed_memory
from ember.models.device_feed import device_batches, on_model_device, place_for
from ember.tensor import Tensor
from ember.utils.packing import unpack_x_y_sample_weight
from ember.utils.traceback_utils import filter_traceback


def pythonify_logs(logs):
    """Logs as plain Python floats (Tensors, 0-d and one-element arrays converted; nested
    dicts flattened, as Keras)."""
    out = {}
    for key, value in (logs or {}).items():
        if isinstance(value, dict):  # e.g. a CompileMetrics' result: its metrics, flattened
            out.update(pythonify_logs(value))
            continue
        if isinstance(value, Tensor):
            value = value.data
        if (isinstance(value, np.ndarray | np.generic) or backend.is_device_array(value)) \
                and value.size == 1:
            value = float(value.reshape(()))  # a log read from a GPU: one scalar copied back
        elif isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        out[key] = value
    return out


def batch_size_of(x):
    leaves = tree.flatten(x)
    return int(leaves[0].shape[0]) if leaves and hasattr(leaves[0], "shape") else 1


def to_numpy(value):
    """A host (NumPy) copy of an output: predictions made on a GPU come back as NumPy."""
    return backend.to_host(value.data if isinstance(value, Tensor) else value)


class Inference:
    """The evaluation and prediction half of `Model`."""

    def _data_inputs(self):
        """The model's inputs for the data layer's checks (`ember.data.adapter.ModelInputs`),
        or None when unknown (a subclassed model, a Sequential without `Input`)."""
        inputs = getattr(self, "inputs", None)
        if not inputs or not isinstance(inputs, list | tuple):
            if getattr(type(self), "_one_input", False):  # a Sequential without Input yet
                return da.ModelInputs(["input"], model=self.name)
            return None
        names = list(getattr(self, "input_names", None) or [])
        if len(names) != len(inputs):
            names = [getattr(t, "name", None) or f"input_{i}" for i, t in enumerate(inputs)]
        return da.ModelInputs(names, keyed=isinstance(getattr(self, "_inputs_struct", None),
                                                      dict), model=self.name)

    def test_step(self, data):
        """Loss and metrics on one batch, without updating the weights; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                  training=False)
        self._loss_tracker.update_state(float(loss.data), batch_size_of(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs on one batch (`training=False`)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _run_test(self, data, batch_size, steps, callbacks):
        self.reset_metrics()
        callbacks.on_test_begin()
        logs = {}
        with no_grad(), on_model_device(self):
            for step, batch in device_batches(data.batches(batch_size, steps=steps), self):
                callbacks.on_test_batch_begin(step)
                logs = pythonify_logs(self.test_step(batch))
                callbacks.on_test_batch_end(step, logs)
        callbacks.on_test_end(logs)
        return logs

    def _flatten_metrics_in_order(self, logs):
        names = []
        for m in self.metrics:
            inner = getattr(m, "_entries", None)  # a CompileMetrics: its metrics, in order
            names += [sub.name for sub in m.metrics] if inner is not None else [m.name]
        results = [logs[n] for n in names if n in logs]
        results += [logs[k] for k in sorted(logs) if k not in names]
        return results[0] if len(results) == 1 else results

    @filter_traceback
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, validate_inputs=False):
        """The loss and metrics over the data, batch by batch (Keras 3).

        Args:
            x, y, sample_weight: as in `fit` (also a Dataset, generator or Sequence).
            batch_size: defaults to 32.
            verbose: "auto" (= 1), 0, 1 or 2.
            steps: evaluate only this many batches.
            callbacks: Callbacks receiving the `on_test_*` hooks.
            return_dict: return `{name: value}` instead of a list.
            validate_inputs: check for NaN/Inf first (ember's extra). Defaults to False.

        Returns:
            The loss (a float) if it is the only value, else `[loss, *metrics]` in compile
            order, or a dict with `return_dict=True`.

        >>> import numpy as np, ember
        >>> model = ember.models.Sequential([ember.layers.Input(shape=(1,)),
        ...     ember.layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros")])
        >>> model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        >>> model.evaluate(np.ones((4, 1)), np.zeros((4, 1)), verbose=0)
        [1.0, 1.0]
        """
        where = "evaluate"
        self._assert_compile_called(where)
        keep_freed_memory()
        da.check_iterable_call(x, y, sample_weight, batch_size, where, steps=steps,
                               steps_name="steps")
        batch_size = check_batch_size(batch_size, where)
        verbose = check_verbose(verbose, where)
        steps = config.capped_steps(check_count(steps, "steps", where, none=True))
        data = da.adapt(x, y, sample_weight, where, validate_inputs, self._data_inputs())
        n = da.count_steps(data, batch_size, steps)
        callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                 verbose=verbose, epochs=1, steps=n)
        logs = self._run_test(data, batch_size, steps, callbacks)
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    @filter_traceback
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs on `x` as NumPy arrays, computed batch by batch without a graph.

        Args:
            x: an array, or a list/dict of arrays for several inputs; or a Dataset,
                generator or Sequence yielding batches (`x` or `(x, y, ...)`).
            batch_size: defaults to 32.
            verbose: "auto" (= 1), 0, 1 or 2.
            steps: predict only this many batches.
            callbacks: Callbacks receiving the `on_predict_*` hooks.

        Returns:
            An array of shape `(num_samples, ...)`, or a list/dict of them for several
            outputs. For a few samples, `model(x)` is faster.

        >>> import numpy as np, ember
        >>> model = ember.models.Sequential([ember.layers.Input(shape=(3,)),
        ...                                  ember.layers.Dense(2)])
        >>> model.predict(np.zeros((70, 3)), batch_size=32, verbose=0).shape
        (70, 2)
        """
        where = "predict"
        keep_freed_memory()
        da.check_iterable_call(x, None, None, batch_size, where, steps=steps, steps_name="steps")
        batch_size = check_batch_size(batch_size, where)
        verbose = check_verbose(verbose, where)
        steps = config.capped_steps(check_count(steps, "steps", where, none=True))
        data = da.adapt(x, None, None, where, inputs=self._data_inputs())
        n = da.count_steps(data, batch_size, steps)
        callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                 verbose=verbose, epochs=1, steps=n)
        callbacks.on_predict_begin()
        structure, chunks = None, []
        with no_grad(), on_model_device(self):
            for step, batch in device_batches(data.batches(batch_size, steps=steps), self):
                callbacks.on_predict_batch_begin(step)
                outputs = self.predict_step(batch)
                if structure is None:
                    structure = outputs
                chunks.append([to_numpy(o) for o in tree.flatten(outputs)])
                callbacks.on_predict_batch_end(step, {"outputs": outputs})
        callbacks.on_predict_end()
        leaves = [np.concatenate(parts) for parts in zip(*chunks)]
        return tree.pack_sequence_as(structure, leaves)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """`test_step` on one batch. Returns as `evaluate`. As in Keras 3, the metrics keep
        accumulating across calls: call `reset_metrics()` first for this batch's values."""
        self._assert_compile_called("test_on_batch")
        keep_freed_memory()
        data = da.adapt(x, y, sample_weight, "test_on_batch", inputs=self._data_inputs())
        with no_grad(), on_model_device(self):
            logs = pythonify_logs(self.test_step(place_for(self, da.pack_x_y_sample_weight(
                *data.take_parts(slice(None))))))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict_on_batch(self, x):
        """The outputs on one batch, as NumPy arrays."""
        keep_freed_memory()
        data = da.adapt(x, None, None, "predict_on_batch", inputs=self._data_inputs())
        with no_grad(), on_model_device(self):
            outputs = self.predict_step(place_for(self, data.x))
        return tree.map_structure(to_numpy, outputs)
