"""The notes' perceptron: AND and OR are learned, XOR is not; a hidden layer solves XOR."""

import numpy as np
import pytest

from ember.examples.perceptron import LOGIC_INPUTS, Perceptron, xor_with_hidden_layer


@pytest.mark.parametrize("name, targets", [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1])])
def test_perceptron_learns_linearly_separable_gates(name, targets):
    p = Perceptron(2).fit(LOGIC_INPUTS, np.array(targets))
    assert p.converged, name
    assert p.predict(LOGIC_INPUTS).tolist() == targets


def test_perceptron_cannot_learn_xor():
    targets = [0, 1, 1, 0]
    p = Perceptron(2).fit(LOGIC_INPUTS, np.array(targets), epochs=500)
    assert not p.converged
    assert p.predict(LOGIC_INPUTS).tolist() != targets


def test_cumulative_input_is_the_weighted_sum_plus_bias():
    p = Perceptron(3)
    p.w.assign([0.5, -1.0, 2.0])
    p.b.assign(0.25)
    z = p.cumulative_input(np.array([[1.0, 2.0, 3.0]], dtype=np.float32)).numpy()
    np.testing.assert_allclose(z, [0.5 - 2.0 + 6.0 + 0.25])
    assert p.predict(np.array([[0.0, 1.0, 0.0]], dtype=np.float32)).tolist() == [0]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_hidden_layer_solves_xor(seed):
    assert xor_with_hidden_layer(seed=seed).tolist() == [0, 1, 1, 0]


def test_perceptron_rejects_zero_inputs():
    with pytest.raises(ValueError, match="n_inputs"):
        Perceptron(0)
