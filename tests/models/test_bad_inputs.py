"""Every bad input gives its documented error, naming the argument, expected and received."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.models import Sequential


@pytest.fixture
def model():
    m = Sequential([layers.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return m


X = np.zeros((10, 4), np.float32)
Y = np.zeros(10, np.int64)


def test_x_and_y_of_different_lengths(model):
    with pytest.raises(ValueError, match="cardinality is ambiguous: x has 10, y has 9"):
        model.fit(X, Y[:9], verbose=0)
    with pytest.raises(ValueError, match="sample_weight has 3"):
        model.evaluate(X, Y, sample_weight=np.ones(3), verbose=0)


def test_wrong_input_size_or_rank_gives_the_layers_error(model):
    with pytest.raises(ValueError, match="Input 0 of layer 'dense' is incompatible.*axis -1 "
                                         "of input shape to have value 4.*\\(10, 5\\)"):
        model.fit(np.zeros((10, 5), np.float32), Y, verbose=0)
    with pytest.raises(ValueError, match="layer 'dense' is incompatible.*min_ndim=2, found "
                                         "ndim=1"):
        model.predict(np.zeros(10, np.float32), verbose=0)


def test_integer_labels_to_categorical_crossentropy_gives_the_losss_error(model):
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="looks like integer class labels.*sparse"):
        model.fit(X, Y, verbose=0)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_data_is_caught_with_validate_inputs(model, value):
    bad = X.copy()
    bad[3, 2] = value
    bad[7, 0] = value
    with pytest.raises(ValueError, match=r"`x` contains 2 NaN or Inf value\(s\); the first at "
                                         r"index \(3, 2\)"):
        model.fit(bad, Y, validate_inputs=True, verbose=0)
    with np.errstate(all="ignore"):
        model.fit(bad, Y, verbose=0)  # off by default: one pass saved, as Keras


def test_nan_in_sample_weight_and_validation_data_checked_too(model):
    sw = np.ones(10, np.float32)
    sw[4] = np.nan
    with pytest.raises(ValueError, match="`sample_weight` contains 1 NaN"):
        model.fit(X, Y, sample_weight=sw, validate_inputs=True, verbose=0)
    vx = X[:2].copy()
    vx[1, 1] = np.inf
    with pytest.raises(ValueError, match=r"fit \(validation_data\): `x` contains 1"):
        model.fit(X, Y, validation_data=(vx, Y[:2]), validate_inputs=True, verbose=0)


@pytest.mark.parametrize("batch_size", [0, -4, True, 2.5, "32"])
def test_bad_batch_size(model, batch_size):
    with pytest.raises(ValueError, match=f"`batch_size` should be a positive integer value, "
                                         f"but got batch_size={batch_size!r}"):
        model.fit(X, Y, batch_size=batch_size, verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        model.predict(X, batch_size=batch_size)


@pytest.mark.parametrize("epochs", [0, -1, True, 1.5])
def test_bad_epochs(model, epochs):
    with pytest.raises(ValueError, match=f"`epochs` must be a positive integer; received "
                                         f"epochs={epochs!r}"):
        model.fit(X, Y, epochs=epochs, verbose=0)


@pytest.mark.parametrize("split", [1.0, -0.1, 1.5, True, "0.2"])
def test_bad_validation_split(model, split):
    with pytest.raises(ValueError, match=r"`validation_split` must be a number in \[0, 1\)"):
        model.fit(X, Y, validation_split=split, verbose=0)


def test_validation_split_leaving_an_empty_side(model):
    with pytest.raises(ValueError, match="not sufficient to split"):
        model.fit(X[:1], Y[:1], validation_split=0.5, verbose=0)


def test_empty_dataset(model):
    with pytest.raises(ValueError, match="x has 0 samples"):
        model.fit(X[:0], Y[:0], verbose=0)
    with pytest.raises(ValueError, match="x has 0 samples"):
        model.predict(X[:0])


@pytest.mark.parametrize("bad, dtype", [(np.array([["a"] * 4] * 10), "<U1"),
                                        (np.array([[object()] * 4] * 10), "object"),
                                        (np.zeros((10, 4), np.complex64), "complex64")])
def test_non_numeric_arrays_are_type_errors_naming_the_argument(model, bad, dtype):
    with pytest.raises(TypeError, match=f"fit: `x` must hold numbers.*dtype {dtype}"):
        model.fit(bad, Y, verbose=0)
    with pytest.raises(TypeError, match=f"fit: `y` must hold numbers.*dtype {dtype}"):
        model.fit(X, bad, verbose=0)
    with pytest.raises(TypeError, match="predict: `x` must hold numbers"):
        model.predict(bad)


def test_unknown_names_give_their_get_errors():
    m = Sequential([layers.Input(shape=(4,)), layers.Dense(1)])
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 'mse_typo'"):
        m.compile(loss="mse_typo")
    with pytest.raises(ValueError, match="Unknown optimizer: 'adamm'"):
        m.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 'acuracy'"):
        m.compile(loss="mse", metrics=["acuracy"])


def test_other_argument_errors(model):
    with pytest.raises(ValueError, match="You must call `compile\\(\\)` before calling "
                                         "`fit\\(\\)`"):
        Sequential([layers.Dense(1)]).fit(X, Y)
    with pytest.raises(ValueError, match="`verbose` must be 'auto', 0, 1 or 2"):
        model.fit(X, Y, verbose=3)
    with pytest.raises(ValueError, match="`shuffle` must be True, False or 'batch'"):
        model.fit(X, Y, shuffle="yes", verbose=0)
    with pytest.raises(ValueError, match="`steps_per_epoch` must be a positive integer"):
        model.fit(X, Y, steps_per_epoch=0, verbose=0)
    with pytest.raises(ValueError, match="`class_weight` and `sample_weight` cannot"):
        model.fit(X, Y, class_weight={0: 1.0}, sample_weight=np.ones(10), verbose=0)
    with pytest.raises(ValueError, match="`validation_data` must be a tuple"):
        model.fit(X, Y, validation_data=X, verbose=0)
    with pytest.raises(ValueError, match="`x` is required"):
        model.fit(None, Y, verbose=0)
    with pytest.raises(ValueError, match="no target `y`"):
        model.fit(X, verbose=0)
    with pytest.raises(TypeError, match="callbacks\\[0\\]: expected a Callback"):
        model.fit(X, Y, callbacks=[print], verbose=0)
    with pytest.raises(ValueError, match="No loss to compute"):
        m = Sequential([layers.Input(shape=(4,)), layers.Dense(1)])
        m.compile(optimizer="sgd")
        m.fit(X, Y, verbose=0)
    with pytest.raises(ValueError, match="`class_weight` keys must be integer"):
        model.fit(X, Y, class_weight={"a": 1.0}, verbose=0)
    assert ember.models.Model  # the module stays importable after all of this
