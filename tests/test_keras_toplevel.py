"""Keras' top-level names in ember: each means Keras' thing."""

import os
import warnings

import numpy as np
import pytest

import ember
import ember as keras
from ember import layers


def test_names_are_the_classes_of_the_subpackages():
    assert keras.Layer is layers.Layer and keras.Model is ember.models.Model
    assert keras.Sequential is ember.models.Sequential and keras.Input is layers.Input
    assert keras.InputSpec is layers.InputSpec
    assert keras.Loss is ember.losses.Loss and keras.Metric is ember.metrics.Metric
    assert keras.Optimizer is ember.optimizers.Optimizer
    assert keras.Initializer is ember.initializers.Initializer
    assert keras.Regularizer is ember.regularizers.Regularizer
    assert isinstance(keras.Input(shape=(3,)), keras.KerasTensor)
    assert isinstance(layers.Dense(2), keras.Operation)
    assert keras.version() == ember.__version__
    for name in ("Layer", "Model", "Sequential", "Input", "Variable", "InputSpec", "KerasTensor",
                 "Loss", "Metric", "Optimizer", "Initializer", "Regularizer", "Operation",
                 "Function", "device", "name_scope", "version", "StatelessScope",
                 "DTypePolicy", "FloatDTypePolicy", "dtype_policies", "mixed_precision"):
        assert name in ember.__all__, name


def test_keras_tensor_takes_keras_arguments():
    t = keras.KerasTensor(shape=(None, 4), dtype="float32", name="t")
    assert t.shape == (None, 4) and t.name == "t"
    with pytest.raises(ValueError, match="sparse"):
        keras.KerasTensor((2,), sparse=True)


def test_operation_eager_and_in_a_functional_graph():
    class Scale(keras.Operation):
        def call(self, x):
            return x * 3.0

    op = Scale()
    assert op.name.startswith("scale")
    np.testing.assert_array_equal(op(ember.ones((2,))).numpy(), [3.0, 3.0])
    inputs = keras.Input(shape=(2,))
    outputs = op(layers.Dense(2, kernel_initializer="ones", bias_initializer="zeros")(inputs))
    assert outputs.shape == (None, 2)
    model = keras.Model(inputs, outputs)
    np.testing.assert_allclose(model(np.ones((1, 2), "float32")).numpy(), [[6.0, 6.0]])
    spec = op.compute_output_spec(keras.KerasTensor((None, 5)))
    assert spec.shape == (None, 5)


def test_function_runs_its_graph_and_functional_models_are_functions():
    inputs = keras.Input(shape=(3,))
    outputs = layers.Dense(2, kernel_initializer="ones")(inputs)
    fn = keras.Function(inputs, outputs)
    assert fn(np.ones((4, 3), "float32")).numpy().tolist() == [[3.0, 3.0]] * 4
    assert len(fn.inputs) == 1 and len(fn.operations) == 2
    assert isinstance(keras.Model(inputs, outputs), keras.Function)


def test_device_accepts_the_cpu_and_names_what_it_refuses():
    for name in ("cpu", "cpu:0", "CPU:0", "/device:CPU:0"):
        with keras.device(name):
            w = keras.Variable(np.ones(2))
        assert w.shape == (2,)
    # Without CuPy (or a CUDA device) a GPU is refused at once, naming the device and the fix
    from ember.device import DeviceUnavailableError

    if keras.backend.device_module("gpu") is None:
        with pytest.raises(DeviceUnavailableError, match="'gpu:0'.*pip install"):
            keras.device("gpu:0")
        with pytest.raises(DeviceUnavailableError, match="'cuda'"):
            keras.device("cuda")
    with pytest.raises(ValueError, match="'tpu'"):
        keras.device("tpu")


def test_name_scope_prefixes_variable_paths():
    with keras.name_scope("outer"), keras.name_scope("inner"):
        v = keras.Variable(1.0, name="w")
    assert v.name == "w" and v.path == "outer/inner/w"
    assert keras.Variable(1.0, name="u").path == "u"
    with pytest.raises(ValueError, match="name"):
        keras.name_scope("")


def test_stateless_scope_leaves_variables_unchanged():
    bn = layers.BatchNormalization()
    x = np.random.default_rng(0).standard_normal((16, 3)).astype("float32") + 5.0
    bn(x)  # build
    before = [w.numpy() for w in bn.weights]
    with keras.StatelessScope() as scope:
        bn(x, training=True)  # updates the moving statistics through assign
        moved = scope.get_current_value(bn.moving_mean)
    assert moved is not None and float(moved.numpy().mean()) > 0.0
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(before, bn.weights))
    v = keras.Variable([1.0])
    with keras.StatelessScope(state_mapping=[(v, [4.0])]):
        assert v.numpy().tolist() == [4.0]
    assert v.numpy().tolist() == [1.0]

    class Penalty(layers.Layer):
        def call(self, x):
            self.add_loss(ember.ops.sum(x))
            return x

    with keras.StatelessScope(collect_losses=True) as scope:
        Penalty()(np.ones((2, 2), "float32"))
    assert len(scope.losses) == 1 and float(scope.losses[0].numpy()) == 4.0


def test_dtype_policies_and_mixed_precision():
    p = keras.DTypePolicy("float64")
    assert (p.name, p.compute_dtype, p.variable_dtype) == ("float64", "float64", "float64")
    assert isinstance(keras.FloatDTypePolicy("float32"), keras.DTypePolicy)
    assert keras.dtype_policies.deserialize(keras.dtype_policies.serialize(p)) == p
    with pytest.raises(ValueError, match="mixed_float16"):
        keras.DTypePolicy("int32")
    try:
        keras.mixed_precision.set_dtype_policy("float64")
        dense = layers.Dense(2)
        assert dense.dtype_policy.name == "float64"
        assert dense(np.ones((1, 3))).dtype == np.float64
        assert dense.kernel.dtype == np.float64
        with pytest.warns(UserWarning, match="float32"):
            keras.mixed_precision.set_global_policy("mixed_float16")
        assert keras.mixed_precision.global_policy().name == "mixed_float16"
        layer = layers.Dense(2)
        assert layer.dtype_policy.name == "mixed_float16" and layer.compute_dtype == "float32"
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            explicit = layers.Dense(2, dtype="mixed_bfloat16")
        assert explicit(np.ones((1, 3))).dtype == np.float32
    finally:
        keras.utils.clear_session()  # as in Keras, the session's global policy is dropped
    assert keras.config.dtype_policy().name == keras.config.floatx()


def test_mixed_precision_program_runs_in_float32(tmp_path):
    """The keras.io mixed precision pattern: global policy, a float32 softmax at the end."""
    try:
        with pytest.warns(UserWarning):
            keras.mixed_precision.set_global_policy("mixed_float16")
        inputs = keras.Input(shape=(4,))
        x = layers.Dense(8, activation="relu")(inputs)
        outputs = layers.Activation("softmax", dtype="float32")(layers.Dense(3)(x))
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        x = np.random.default_rng(0).standard_normal((32, 4)).astype("float32")
        model.fit(x, np.arange(32) % 3, epochs=1, verbose=0)
        assert model.predict(x, verbose=0).dtype == np.float32
        model.save(os.path.join(tmp_path, "m.keras"))
    finally:
        keras.utils.clear_session()
