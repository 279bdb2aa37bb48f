"""The conversion door of the Keras-named ops (`ember.ops.dtypes.as_tensor` / `promote`, which
`ember.ops.tensor_args.tensor` / `float_tensor` go through): device data stays on its device,
a host operand next to a device one is copied there, and Python numbers are made where the
other operands live (or on the current device)."""

import numpy as np

import ember
from ember import ops
from ember.backend import is_device_array
from ember.ops.dtypes import as_tensor, promote
from ember.ops.tensor_args import float_tensor, tensor


def _dev(values):
    with ember.device("gpu"):
        return ember.tensor(values)


def test_promote_moves_host_operands_and_numbers_next_to_a_device_tensor():
    x = _dev([1.0, 2.0])
    a, b = promote("demo", x, np.array([3.0, 4.0]))
    assert is_device_array(a.data) and is_device_array(b.data)
    a, b = promote("demo", 2.5, x)
    assert is_device_array(a.data) and a.dtype == np.float32 and float(a.numpy()) == 2.5
    # outside any device block the result follows the device operand
    assert is_device_array(ops.logaddexp(x, np.zeros(2, np.float32)).data)
    assert is_device_array(ops.hypot(3.0, x).data)
    np.testing.assert_allclose(ops.hypot(3.0, x).numpy(), np.hypot(3.0, [1.0, 2.0]), rtol=1e-6)


def test_numbers_alone_are_made_on_the_current_device():
    with ember.device("gpu"):
        a, b = promote("demo", 1, 2.5)
    assert is_device_array(a.data) and is_device_array(b.data)
    assert a.dtype == b.dtype == np.float32
    a, b = promote("demo", 1, 2.5)  # on the host again
    assert type(a.data) is np.ndarray


def test_as_tensor_keeps_device_data_and_moves_host_data_beside_it():
    x = _dev([1, 2])
    assert as_tensor(x, "demo") is x
    assert is_device_array(as_tensor(x.data, "demo").data)
    assert is_device_array(as_tensor(np.ones(2), "demo", like=x).data)
    assert type(as_tensor(np.ones(2), "demo").data) is np.ndarray
    # the nn/linalg helpers are the same door
    assert is_device_array(tensor(x).data)
    f = float_tensor(x)
    assert is_device_array(f.data) and f.dtype == np.float32


def test_a_tracked_host_tensor_is_not_detached_by_the_move():
    h = ember.Variable([1.0, 2.0])
    a, _ = promote("demo", h, _dev([1.0, 1.0]))
    assert a is h  # moving it would cut the graph; the op reports the mix itself


def test_constructors_follow_the_current_device():
    with ember.device("gpu"):
        made = [ops.zeros(2), ops.ones((1, 2)), ops.full((2,), 3.0), ops.eye(2),
                ops.arange(3), ops.tri(2), ops.hanning(4), ops.linspace(0.0, 1.0, 3)]
    assert all(is_device_array(t.data) for t in made)
    assert type(ops.zeros(2).data) is np.ndarray


def test_device_transform_parameters_are_read_explicitly():
    images = _dev(np.arange(16.0, dtype=np.float32).reshape(1, 4, 4, 1))
    shift = _dev([[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0]])
    out = ops.image.affine_transform(images, shift, interpolation="nearest")
    host = ops.image.affine_transform(images.numpy(), shift.numpy(), interpolation="nearest")
    assert is_device_array(out.data)
    np.testing.assert_array_equal(out.numpy(), host.numpy())
