"""The autodiff engine: graph walk, accumulation, freeing, grad modes and the three APIs."""

import numpy as np
import pytest

import ember
from ember import ops


def test_chain_of_100000_ops_does_not_recurse():
    x = ember.Variable(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y = y + 0.0
    y.backward()
    assert x.grad.item() == 1.0


def test_diamond_graph_accumulates_both_paths():
    x = ember.Variable(3.0)
    a = x * 2  # 6
    b = a + 1  # 7
    c = a * 3  # 18
    d = b * c  # dd/da = c + 3b = 18 + 21 = 39; dd/dx = 78
    d.backward()
    assert x.grad.item() == pytest.approx(78.0)


def test_tensor_used_twice_in_one_op():
    x = ember.Variable([1.0, -2.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0])


def test_grad_accumulates_across_backward_calls_and_zero_grad_resets():
    x = ember.Variable([1.0, 2.0])
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])
    x.zero_grad()
    assert x.grad is None


def test_leaf_grads_do_not_alias_each_other():
    x = ember.Variable([1.0])
    y = ember.Variable([2.0])
    (x + y).sum().backward()
    x.grad.data += 10  # an optimizer updating one gradient in place
    assert y.grad.item() == 1.0


def test_graph_freed_after_backward():
    x = ember.Variable(2.0)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_retain_graph_allows_a_second_walk():
    x = ember.Variable(2.0)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(8.0)


def test_backward_of_non_scalar_needs_a_gradient_and_names_the_shape():
    x = ember.Variable(np.ones((3, 4)))
    y = x * 2
    with pytest.raises(RuntimeError, match=r"\(3, 4\)"):
        y.backward()
    y.backward(np.ones((3, 4)))
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.ones((3, 4)))


def test_backward_gradient_of_wrong_shape_is_refused():
    x = ember.Variable(np.ones(3))
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        (x * 2).backward(np.ones(2))


def test_backward_on_untracked_tensor_is_a_clear_error():
    c = ember.constant([1.0, 2.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        c.sum().backward()


def test_higher_order_gradients_are_refused_clearly():
    x = ember.Variable(2.0)
    with pytest.raises(NotImplementedError, match="higher-order"):
        (x * x).backward(create_graph=True)
    with pytest.raises(NotImplementedError, match="higher-order"):
        ember.grad(x * x, [x], create_graph=True)
    with ember.GradientTape() as outer:
        with ember.GradientTape() as inner:
            y = x * x * x
        with pytest.raises(NotImplementedError, match="higher-order"):
            inner.gradient(y, x)
    del outer


def test_no_grad_stops_tracking():
    w = ember.Variable([1.0, 2.0])
    with ember.no_grad():
        y = w * 2
        assert not ember.is_grad_enabled()
        with ember.enable_grad():
            z = w * 2
    assert ember.is_grad_enabled()
    assert not y.requires_grad and y._ctx is None
    assert z.requires_grad


def test_constants_are_not_tracked_and_are_immutable():
    c = ember.constant([1.0, 2.0])
    assert not c.requires_grad
    assert not (c * 2).requires_grad
    with pytest.raises(ValueError, match="read-only"):
        c.data[0] = 5.0
    with pytest.raises(TypeError, match="immutable"):
        c[0] = 5.0


def test_constant_copies_its_input():
    a = np.array([1.0, 2.0], dtype=np.float32)
    c = ember.constant(a)
    a[0] = 9.0
    assert c.numpy()[0] == 1.0
    assert a.flags.writeable


def test_variables_are_tracked_and_assignable():
    v = ember.Variable([[1.0, 2.0]], name="v")
    assert v.requires_grad and v.trainable
    v.assign([[3.0, 4.0]])
    v.assign_add([[1.0, 1.0]])
    v.assign_sub(0.5)
    np.testing.assert_allclose(v.numpy(), [[3.5, 4.5]])
    with pytest.raises(ValueError, match=r"'v' has shape \(1, 2\).*\(3,\)"):
        v.assign([1.0, 2.0, 3.0])


def test_non_trainable_variable_is_not_tracked():
    v = ember.Variable([1.0], trainable=False)
    assert not (v * 2).requires_grad


def test_integer_variable_that_asks_for_gradients_is_an_error():
    with pytest.raises(TypeError, match="only float tensors can require gradients"):
        ember.Variable(np.array([1, 2]))
    v = ember.Variable(np.array([1, 2]), trainable=False)
    assert v.dtype == np.int64
    with pytest.raises(TypeError, match="int64"):
        ember.tensor([1, 2], requires_grad=True)


def test_python_numbers_in_variables_become_float32():
    assert ember.Variable(3).dtype == np.float32
    assert ember.Variable([1, 2]).dtype == np.float32


def test_grad_function_has_no_side_effects_and_reaches_intermediates():
    w = ember.Variable([1.0, 2.0])
    h = w * 3
    loss = (h * h).sum()
    gw, gh = ember.grad(loss, [w, h])
    np.testing.assert_allclose(gh.numpy(), [6.0, 12.0])
    np.testing.assert_allclose(gw.numpy(), [18.0, 36.0])
    assert w.grad is None


def test_grad_of_unused_input():
    a = ember.Variable(1.0)
    b = ember.Variable(2.0)
    assert ember.grad(a * 2, [a, b], retain_graph=True)[1] is None
    with pytest.raises(RuntimeError, match=r"inputs\[1\]"):
        ember.grad(a * 2, [a, b], allow_unused=False)


def test_gradient_tape_workflow_from_the_notes():
    w = ember.Variable([[1.0], [2.0]], name="w")
    b = ember.Variable([0.5], name="b")
    x = ember.constant([[1.0, 1.0], [2.0, 0.0]])
    with ember.GradientTape() as tape:
        loss = ops.mean((x @ w + b) ** 2)
    gw, gb = tape.gradient(loss, [w, b])
    # y = [3.5, 2.5]; dL/dy = y (mean over 2 of y^2 -> 2y/2)
    np.testing.assert_allclose(gb.numpy(), [6.0])
    np.testing.assert_allclose(gw.numpy(), [[3.5 + 5.0], [3.5]])
    with pytest.raises(RuntimeError, match="only be called once"):
        tape.gradient(loss, [w])


def test_gradient_tape_watch_constant_persistent_and_structures():
    x = ember.constant([3.0])
    with ember.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * x
    assert tape.gradient(y, x).numpy()[0] == pytest.approx(6.0)
    assert tape.gradient(z, {"x": x})["x"].numpy()[0] == pytest.approx(27.0)
    assert not x.requires_grad  # the watch ends with the tape
    u = ember.Variable(1.0)
    assert tape.gradient(z, [u]) == [None]


def test_tape_ignores_constants_unless_watched():
    c = ember.constant(2.0)
    with ember.GradientTape() as tape:
        y = c * c
    assert tape.gradient(y, c) is None


def test_detach_cuts_the_graph():
    w = ember.Variable([2.0])
    y = (w * w).detach() * w
    y.sum().backward()
    assert w.grad.item() == pytest.approx(4.0)


def test_tensor_properties_and_repr():
    t = ember.tensor(np.arange(6.0).reshape(2, 3))
    assert (t.shape, t.ndim, t.size, t.dtype) == ((2, 3), 2, 6, np.float32)
    assert t.T.shape == (3, 2)
    arr = t.numpy()
    arr[0, 0] = 100
    assert t.numpy()[0, 0] == 0
    assert ember.tensor([[7.0]]).item() == 7.0
    assert "requires_grad=True" in repr(ember.Variable([1.0]) * 2)
    assert "trainable=True" in repr(ember.Variable([1.0]))
    assert "float32" in repr(t) and "5." in repr(t)
    assert "requires_grad" not in repr(t)


def test_dtype_rules():
    assert ember.tensor([1.5]).dtype == np.float32
    assert ember.tensor(np.array([1.5])).dtype == np.float32
    assert ember.tensor([1.5], dtype="float64").dtype == np.float64
    assert ember.tensor([1, 2]).dtype == np.int64
    assert ember.tensor([True]).dtype == np.bool_
    x = ember.tensor([1.0, 2.0])
    assert (x * np.array([2.0, 3.0])).dtype == np.float32
    assert (np.array([2.0, 3.0]) + x).dtype == np.float32
    assert (x * 2.5).dtype == np.float32
    with pytest.raises(TypeError, match="dtype"):
        ember.tensor(np.array(["a"]))


def test_float64_is_kept_when_asked_for():
    x = ember.Variable(np.ones(3), dtype="float64")
    y = (x * 2).sum()
    y.backward()
    assert y.dtype == np.float64 and x.grad.dtype == np.float64


def test_creation_functions():
    assert ember.zeros((2, 3)).dtype == np.float32
    assert ember.ones(4).shape == (4,)
    assert ember.full((2,), 7.0).numpy().tolist() == [7.0, 7.0]
    like = ember.tensor(np.ones((2, 2)), dtype="float64")
    assert ember.zeros_like(like).dtype == np.float64
    assert ember.ones_like(like).shape == (2, 2)
    assert ember.full_like(like, 3.0).numpy()[0, 0] == 3.0
    assert ember.arange(5).numpy().tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(ember.eye(3).numpy(), np.eye(3, dtype=np.float32))


def test_random_constructors_take_a_seed_or_a_generator():
    a = ember.random.normal((3, 4), seed=7).numpy()
    b = ember.random.normal((3, 4), seed=7).numpy()
    np.testing.assert_array_equal(a, b)
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(ember.random.uniform((5,), seed=g1).numpy(),
                                  ember.random.uniform((5,), seed=g2).numpy())
    t = ember.random.truncated_normal((1000,), stddev=1.0, seed=0).numpy()
    assert t.dtype == np.float32 and np.abs(t).max() <= 2.0
    r = ember.random.randint((100,), 0, 3, seed=0).numpy()
    assert set(np.unique(r)) <= {0, 1, 2}
    with pytest.raises(ValueError, match="seed"):
        ember.random.normal((2,), seed=-1)


def test_set_random_seed_makes_global_draws_repeat():
    ember.utils.set_random_seed(42)
    a = ember.random.normal((4,)).numpy()
    ember.utils.set_random_seed(42)
    np.testing.assert_array_equal(a, ember.random.normal((4,)).numpy())


def test_gradcheck_refuses_float32_and_catches_a_wrong_backward():
    x32 = ember.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="float64"):
        ember.utils.gradcheck(lambda t: t.sum(), [x32])

    class WrongSquare(ember.autograd.Function):
        def forward(self, x):
            self.save_for_backward(x)
            return x * x

        def backward(self, gy):
            return gy * self.saved[0]  # should be 2x

    x = ember.tensor(np.array([1.0, 2.0]), dtype="float64")
    with pytest.raises(ember.utils.GradcheckError, match="does not match"):
        ember.utils.gradcheck(lambda t: WrongSquare.apply(t).sum(), [x])
    assert not ember.utils.gradcheck(lambda t: WrongSquare.apply(t).sum(), [x],
                                     raise_exception=False)


def test_shape_errors_name_the_op_and_both_shapes():
    a = ember.ones((32, 784))
    b = ember.ones((128, 10))
    with pytest.raises(ValueError, match=r"matmul: shapes \(32, 784\) and \(128, 10\) are not "
                                         r"aligned: 784 != 128"):
        a @ b
    with pytest.raises(ValueError, match=r"add: .*\(2, 3\) and \(4,\)"):
        ember.ones((2, 3)) + ember.ones((4,))
