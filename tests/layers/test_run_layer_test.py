"""`ember.testing.run_layer_test` itself: each step catches the defect it is there for."""

import numpy as np
import pytest

from ember import layers
from ember.tensor import Tensor
from ember.testing import run_layer_test


class RawNumpyScale(layers.Layer):
    """Computes in raw NumPy: the output is right but no gradient reaches the weight."""

    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1],), "ones", name="w")
        self.built = True

    def call(self, x):
        return Tensor(x.data * self.w.data)


class GoodScale(RawNumpyScale):
    def call(self, x):
        return x * self.w


class WrongSignScale(GoodScale):
    """Its gradient points uphill: the forward is x * w, the backward claims -x."""

    def call(self, x):
        return x * self.w + (x * self.w - x * self.w.detach()) * -2.0


class ForgetfulConfig(layers.Layer):
    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor  # get_config omits `factor`


class StaleConfig(ForgetfulConfig):
    def get_config(self):
        return {**super().get_config(), "factor": 1.0}  # always the default: wrong


class RawNumpyFlatten(layers.Layer):
    def call(self, x):
        return Tensor(x.data.reshape(x.shape[0], -1))


def test_a_correct_layer_passes():
    run_layer_test(GoodScale, {}, input_shape=(3, 4), expected_output_shape=(3, 4),
                   expected_num_trainable_weights=1)


def test_raw_numpy_in_call_is_caught():
    with pytest.raises(AssertionError, match="received no gradient"):
        run_layer_test(RawNumpyScale, {}, input_shape=(3, 4))
    with pytest.raises(AssertionError, match="reached the input"):
        run_layer_test(RawNumpyFlatten, {}, input_shape=(3, 2, 2))


def test_an_uphill_gradient_is_caught():
    with pytest.raises(AssertionError, match="did not lower the loss"):
        run_layer_test(WrongSignScale, {}, input_shape=(3, 4))


def test_a_lossy_config_is_caught():
    with pytest.raises(AssertionError, match="changed the config|factor"):
        run_layer_test(ForgetfulConfig, {"factor": 2.0}, input_shape=(2, 2))


def test_a_config_that_rebuilds_a_different_layer_is_caught():
    with pytest.raises(AssertionError, match="computes different outputs"):
        run_layer_test(StaleConfig, {"factor": 2.0}, input_shape=(2, 2))


def test_wrong_expectations_are_caught():
    with pytest.raises(AssertionError, match="output shape"):
        run_layer_test(layers.Dense, {"units": 3}, input_shape=(2, 4), expected_output_shape=(2, 4))
    with pytest.raises(AssertionError, match="trainable weights"):
        run_layer_test(layers.Dense, {"units": 3}, input_shape=(2, 4),
                       expected_num_trainable_weights=1)
    with pytest.raises(AssertionError, match="parameters"):
        run_layer_test(layers.Dense, {"units": 3}, input_shape=(2, 4), expected_num_params=12)
    with pytest.raises(AssertionError):
        run_layer_test(layers.Identity, {}, input_data=np.ones((1, 2), np.float32),
                       expected_output=[[1.0, 2.0]])
