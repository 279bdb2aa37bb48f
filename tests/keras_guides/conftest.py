"""The keras.io guides as programs: each test runs one program written against the Keras API,
with `keras` = ember, and again with `keras` = Keras 3 on its torch backend when both are
installed (skipped otherwise), asserting both reach comparable results."""

import os

import numpy as np
import pytest

import ember


def load_keras():
    """Keras 3 on the torch backend, or skip."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)  # small models on a shared machine: threads only contend
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip(f"Keras is set up for the {keras.backend.backend()} backend, not torch")
    return keras


@pytest.fixture(params=["ember", pytest.param("keras", marks=pytest.mark.slow)])
def keras(request):
    """The framework a guide program runs with: ember, then Keras 3 (torch) when installed."""
    return ember if request.param == "ember" else load_keras()


_RESULTS = {}


def run_once(program, keras, *args):
    """`program(keras, *args)`, computed once per session (the guide test and the
    comparison with Keras share it)."""
    key = (program.__module__, program.__name__, "ember" if keras is ember else "keras", args)
    if key not in _RESULTS:
        _RESULTS[key] = program(keras, *args)
    return _RESULTS[key]


def no_grad(keras):
    """The no-gradient block around `optimizer.apply` in a PyTorch-flavoured train_step:
    `torch.no_grad()` under Keras, `ember.no_grad()` under ember."""
    if keras is ember:
        return ember.no_grad()
    import torch  # noqa: PLC0415

    return torch.no_grad()


def as_numpy(keras, value):
    """A tensor (or an ember mask, which is an ndarray) of either framework as NumPy."""
    return keras.ops.convert_to_numpy(value) if keras is not ember else np.asarray(value)
