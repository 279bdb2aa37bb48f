"""Argument plumbing shared by the Keras-named ops (`ember.ops.nn`, `.math`, `.linalg`, `.image`):
array-likes become Tensors, integer inputs of float-valued ops become floatx, Keras'
`data_format` is resolved."""

from ember import config
from ember.backend import array_module
from ember.ops.dtypes import as_tensor
from ember.ops.dtypes import float_tensor as _float_tensor
from ember.tensor import Tensor


def tensor(x, dtype=None, op="ember.ops", arg="x"):
    """`x` as a Tensor (Tensors pass through unchanged unless `dtype` differs): the conversion
    door of `ember.ops.dtypes.as_tensor` (device data stays on its device, host data goes to
    the current device)."""
    return as_tensor(x, op, arg, dtype=dtype)


def float_tensor(x, op="ember.ops", arg="x"):
    """`x` as a float Tensor: integer and bool inputs become floatx (Keras' rule for ops whose
    result is real-valued, such as erf, gelu or softmax); `ember.ops.dtypes.float_tensor`."""
    return _float_tensor(x, op, arg)


def const(like, array, dtype=None):
    """A constant (kernel, resampling matrix, mask) as an untracked Tensor on the device of
    the Tensor `like` (NumPy-built constants move to CuPy when the data is there)."""
    xp = array_module(like.data)
    return Tensor._wrap(xp.asarray(array, dtype=dtype if dtype is not None else like.dtype))


def on_device(like, array):
    """An index or mask array moved to the module of the Tensor `like`."""
    return array_module(like.data).asarray(array)


def channels_last(data_format):
    """True for channels_last (None: `ember.config.image_data_format()`, as Keras)."""
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first'; received "
                         f"{data_format!r}")
    return data_format == "channels_last"
