"""weights_io without convolutions: dense and batch-norm layers, files, errors."""

import numpy as np
import pytest

import ember
from ember.applications import weights_io


def mlp():
    inputs = ember.Input(shape=(4,))
    x = ember.layers.Dense(3, name="fc1")(inputs)
    x = ember.layers.BatchNormalization(name="bn1")(x)
    return ember.Model(inputs, ember.layers.Dense(2, name="fc2")(x))


def test_export_then_import_round_trips_through_npz(tmp_path):
    source, target = mlp(), mlp()
    source.get_layer("bn1").moving_mean.assign(np.arange(3, dtype=np.float32))
    state = weights_io.export_state_dict(source, tmp_path / "w.npz")
    assert sorted(state) == ["bn1.bias", "bn1.num_batches_tracked", "bn1.running_mean",
                             "bn1.running_var", "bn1.weight", "fc1.bias", "fc1.weight",
                             "fc2.bias", "fc2.weight"]
    assert state["fc1.weight"].shape == (3, 4)  # torch's (out, in)
    weights_io.load_state_dict(target, tmp_path / "w.npz")
    for a, b in zip(source.weights, target.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_array_equal(source.predict(x, verbose=0), target.predict(x, verbose=0))


def test_linear_weight_is_transposed():
    model = mlp()
    w = np.arange(12, dtype=np.float32).reshape(3, 4)
    state = weights_io.export_state_dict(model)
    state["fc1.weight"] = w
    weights_io.load_state_dict(model, state)
    np.testing.assert_array_equal(model.get_layer("fc1").kernel.numpy(), w.T)


def test_errors_name_the_layer_and_both_shapes(tmp_path):
    model = mlp()
    state = weights_io.export_state_dict(model)
    state["fc2.weight"] = np.zeros((2, 5), np.float32)
    before = model.get_layer("fc1").kernel.numpy()
    state["fc1.weight"] = np.ones((3, 4), np.float32)
    with pytest.raises(ValueError, match=r"layer 'fc2' \(fc2.weight\): the file's tensor has "
                                         r"shape \(2, 5\) \(as \(5, 2\) in ember's layout\), "
                                         r"the layer expects \(3, 2\)"):
        weights_io.load_state_dict(model, state)
    # nothing was copied: every shape is checked first
    np.testing.assert_array_equal(model.get_layer("fc1").kernel.numpy(), before)
    with pytest.raises(ValueError, match="must be .npz or .safetensors; received w.pt"):
        weights_io.write_state_dict(state, tmp_path / "w.pt")
    (tmp_path / "w.pt").write_bytes(b"x")
    with pytest.raises(ValueError, match="must be .npz or .safetensors; received w.pt"):
        weights_io.load_state_dict(model, tmp_path / "w.pt")


def test_order_matching_needs_as_many_modules_as_layers():
    model = mlp()
    state = {"a.weight": np.zeros((3, 4), np.float32)}
    with pytest.raises(ValueError, match="1 modules with tensors, model .* has 3 layers"):
        weights_io.load_state_dict(model, state)


def test_safetensors_is_optional(tmp_path):
    model = mlp()
    try:
        import safetensors  # noqa: F401
    except ImportError:
        (tmp_path / "w.safetensors").write_bytes(b"{}")
        with pytest.raises(ImportError, match="optional `safetensors` package"):
            weights_io.load_state_dict(model, tmp_path / "w.safetensors")
        return
    weights_io.export_state_dict(model, tmp_path / "w.safetensors")
    weights_io.load_state_dict(mlp(), tmp_path / "w.safetensors")
