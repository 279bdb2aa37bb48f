"""Shape and argument errors name the op and the shapes involved (DESIGN.md, "errors")."""

import re

import numpy as np
import pytest

import ember
from ember import ops


def t(*shape):
    return ember.ones(shape)


def raises(exc, message, fn):
    with pytest.raises(exc, match=re.escape(message)):
        fn()


def test_matmul_names_both_shapes_and_the_mismatched_sizes():
    raises(ValueError, "matmul: shapes (32, 784) and (128, 10) are not aligned: 784 != 128",
           lambda: t(32, 784) @ t(128, 10))
    raises(ValueError, "matmul: shapes (3,) and (4,) are not aligned: 3 != 4",
           lambda: ops.matmul(t(3), t(4)))
    raises(ValueError, "matmul: shapes (2, 3) and (2,) are not aligned: 3 != 2",
           lambda: ops.matmul(t(2, 3), np.ones(2)))
    raises(ValueError, "matmul: batch axes of shapes (2, 3, 4) and (5, 4, 2) cannot be "
           "broadcast together", lambda: t(2, 3, 4) @ t(5, 4, 2))
    raises(ValueError, "matmul: operands must have at least one axis; received shapes () and "
           "(2,)", lambda: ops.matmul(ember.tensor(1.0), t(2)))
    raises(ValueError, "dot: shapes (2, 3, 4) and (5, 6, 2) are not aligned: 4 != 6",
           lambda: ops.dot(t(2, 3, 4), t(5, 6, 2)))


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_broadcast_errors_name_the_op_and_both_shapes(name):
    raises(ValueError, f"{name}: operands could not be broadcast together: shapes (2, 3) and "
           "(4,)", lambda: getattr(ops, name)(t(2, 3), t(4)))
    raises(ValueError, f"{name}: operands could not be broadcast together: shapes (5,) and "
           "(2, 3)", lambda: getattr(ops, name)(np.ones(5), t(2, 3)))


def test_operators_report_the_op_behind_them():
    for op, name in [(lambda a, b: a + b, "add"), (lambda a, b: a - b, "sub"),
                     (lambda a, b: a * b, "mul"), (lambda a, b: a / b, "div"),
                     (lambda a, b: a ** b, "pow")]:
        raises(ValueError, f"{name}: operands could not be broadcast together: shapes (2, 3) "
               "and (2,)", lambda op=op: op(t(2, 3), t(2)))


def test_where_names_all_three_shapes():
    raises(ValueError, "where: condition, x and y could not be broadcast together: shapes "
           "(2, 3), (4,) and (3,)", lambda: ops.where(np.ones((2, 3), bool), t(4), t(3)))


def test_reshape_errors_name_both_shapes_and_the_size():
    raises(ValueError, "reshape: cannot reshape a tensor of shape (2, 3) (6 elements) into "
           "shape (4,)", lambda: t(2, 3).reshape(4))
    raises(ValueError, "reshape: cannot reshape a tensor of shape (2, 3) (6 elements) into "
           "shape (4, -1)", lambda: ops.reshape(t(2, 3), (4, -1)))
    raises(ValueError, "reshape: cannot reshape a tensor of shape (2, 3) (6 elements) into "
           "shape (5,)", lambda: ops.reshape(t(2, 3), 5))
    raises(ValueError, "broadcast_to: cannot broadcast shape (2, 3) to (4, 3)",
           lambda: ops.broadcast_to(t(2, 3), (4, 3)))


def test_shape_op_errors():
    raises(ValueError, "concat: tensors must have the same shape except on axis 0; received "
           "shapes (2, 3), (3, 2)", lambda: ops.concat([t(2, 3), t(3, 2)]))
    raises(ValueError, "stack: all tensors must have the same shape; received (2, 3), (3, 2)",
           lambda: ops.stack([t(2, 3), t(3, 2)]))
    raises(ValueError, "squeeze: cannot squeeze axis 0 of a tensor of shape (2, 3)",
           lambda: ops.squeeze(t(2, 3), 0))
    raises(ValueError, "split: axis 0 of length 5 cannot be split into 2 equal sections",
           lambda: ops.split(t(5, 2), 2))
    raises(ValueError, "transpose: axes (0, 3) are not a permutation of the 2 axes of a tensor "
           "of shape (2, 3)", lambda: ops.transpose(t(2, 3), (0, 3)))
    raises(ValueError, "transpose: axes (0, 0) are not a permutation",
           lambda: ops.transpose(t(2, 3), (0, 0)))
    raises(ValueError, "swapaxes: axis 4 is out of range for a tensor of shape (2, 3)",
           lambda: ops.swapaxes(t(2, 3), 0, 4))
    raises(ValueError, "expand_dims: axis 5 is out of range for a tensor of shape (2, 3)",
           lambda: ops.expand_dims(t(2, 3), 5))
    raises(ValueError, "repeat: cannot repeat a tensor of shape (2, 3) by repeats [1, 2] "
           "along axis 1", lambda: ops.repeat(t(2, 3), [1, 2], axis=1))
    raises(ValueError, "tile: reps must be >= 0; received (-1,)", lambda: ops.tile(t(2), -1))
    raises(ValueError, "pad: pad widths must be >= 0", lambda: ops.pad(t(2, 3), -1))
    raises(ValueError, "pad: mode must be 'constant', 'edge', 'reflect', 'symmetric' or "
           "'wrap'; received 'mean'", lambda: ops.pad(t(2, 3), 1, mode="mean"))
    raises(IndexError, "getitem: index 5 is out of bounds for axis 0 with size 2 (tensor of "
           "shape (2, 3))", lambda: t(2, 3)[5])


def test_reduction_errors():
    raises(ValueError, "sum: axis 2 is out of range for a tensor of rank 2",
           lambda: ops.sum(t(2, 3), axis=2))
    raises(ValueError, "mean: axis -3 is out of range for a tensor of rank 2",
           lambda: ops.mean(t(2, 3), axis=-3))
    raises(ValueError, "var: repeated axis in (0, -2)", lambda: ops.var(t(2, 3), axis=(0, -2)))
    raises(ValueError, "max: cannot reduce an empty axis of shape (0, 3)",
           lambda: ops.max(t(0, 3), axis=0))
    raises(ValueError, "min: cannot reduce an empty axis of shape (0, 3)",
           lambda: ops.min(t(0, 3)))
    raises(ValueError, "argmax: received an empty tensor of shape (0, 3)",
           lambda: ops.argmax(t(0, 3)))
    raises(ValueError, "clip: at least one of x_min and x_max must be given",
           lambda: ops.clip(t(2)))


def test_loss_errors_name_the_loss_and_both_shapes():
    raises(ValueError, "sparse_softmax_cross_entropy: labels of shape (2,) do not match logits "
           "of shape (3, 4) (expected labels of shape (3,))",
           lambda: ops.sparse_softmax_cross_entropy(np.array([0, 1]), t(3, 4)))
    raises(ValueError, "sparse_softmax_cross_entropy: labels must be in [0, 4); received "
           "out-of-range values [-1, 4]",
           lambda: ops.sparse_softmax_cross_entropy(np.array([0, 4, -1]), t(3, 4)))
    raises(TypeError, "sparse_softmax_cross_entropy: labels must be integers; received dtype "
           "float32", lambda: ops.sparse_softmax_cross_entropy(np.array([0.0, 1.0]), t(2, 4)))
    raises(ValueError, "softmax_cross_entropy: labels and logits must have the same shape; "
           "received (3, 5) and (3, 4)", lambda: ops.softmax_cross_entropy(t(3, 5), t(3, 4)))
    raises(ValueError, "sigmoid_binary_cross_entropy: targets and logits must have the same "
           "shape; received (3, 1) and (3,)",
           lambda: ops.sigmoid_binary_cross_entropy(t(3, 1), t(3)))


def test_a_failed_op_records_nothing():
    x = ember.Variable(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError):
        ops.matmul(x, x)
    y = ops.sum(x * 2)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))
