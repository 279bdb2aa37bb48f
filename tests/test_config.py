"""ember.config: Keras' global settings, and what each one changes in ember."""

import io
import os
import traceback

import numpy as np
import pytest

import ember
from ember import config
from ember.callbacks.progbar import Progbar


@pytest.fixture(autouse=True)
def _restore_config():
    yield
    config.set_floatx("float32")
    config.set_epsilon(1e-7)
    config.set_image_data_format("channels_last")
    config.set_max_epochs(None)
    config.set_max_steps_per_epoch(None)
    config.enable_interactive_logging()
    config.enable_traceback_filtering()
    config.disable_unsafe_deserialization()
    config.enable_flash_attention()


def _model():
    model = ember.Sequential([ember.Input(shape=(3,)), ember.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_every_keras_config_name_but_the_dtype_policy_pair_is_here():
    import json

    path = os.path.join(os.path.dirname(__file__), "fixtures", "keras_public_names.json")
    with open(path, encoding="utf-8") as f:
        names = json.load(f)["namespaces"]["config"]
    owned_elsewhere = {"dtype_policy", "set_dtype_policy"}  # DTypePolicy's module owns them
    assert [n for n in names if n not in owned_elsewhere and not hasattr(config, n)] == []


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_floatx_is_followed_by_tensors_layers_and_initializers(dtype):
    config.set_floatx(dtype)
    assert config.floatx() == dtype
    assert ember.constant([1.0]).dtype == dtype
    layer = ember.layers.Dense(2)
    layer.build((None, 3))
    assert layer.kernel.dtype == dtype and layer.bias.dtype == dtype
    assert ember.initializers.get("glorot_uniform")((2, 2)).dtype == dtype
    assert ember.initializers.get("zeros")((2,)).dtype == dtype


def test_floatx_refuses_bfloat16_and_unknown_names():
    with pytest.raises(ValueError, match="bfloat16"):
        config.set_floatx("bfloat16")
    with pytest.raises(ValueError, match="floatx"):
        config.set_floatx("float8")
    assert config.floatx() == "float32"


def test_epsilon_is_read_by_the_losses():
    y, p = np.array([[1.0]], "float32"), np.array([[0.0]], "float32")
    loss = ember.losses.BinaryCrossentropy()
    default = float(loss(y, p))
    config.set_epsilon(1e-3)
    assert config.epsilon() == 1e-3
    assert float(loss(y, p)) == pytest.approx(-np.log(1e-3), rel=1e-4)
    assert default == pytest.approx(-np.log(1e-7), rel=1e-3)
    with pytest.raises(ValueError, match="set_epsilon"):
        config.set_epsilon(0)


def test_image_data_format_validation():
    config.set_image_data_format("CHANNELS_FIRST")
    assert config.image_data_format() == "channels_first"
    with pytest.raises(ValueError, match="data_format"):
        config.set_image_data_format("nchw")


def test_backend_is_ember_and_other_backends_are_refused():
    assert config.backend() == "ember"
    config.set_backend("ember")
    with pytest.raises(ValueError, match="'torch'"):
        config.set_backend("torch")


def test_max_epochs_and_max_steps_per_epoch_are_honoured_by_fit_evaluate_predict():
    model, x, y = _model(), np.ones((40, 3), "float32"), np.ones((40, 1), "float32")
    config.set_max_epochs(2)
    config.set_max_steps_per_epoch(3)
    seen = []
    counter = ember.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    history = model.fit(x, y, epochs=5, batch_size=4, verbose=0, callbacks=[counter])
    assert history.epoch == [0, 1] and seen == [0, 1, 2, 0, 1, 2]
    batches = []
    model.predict(x, batch_size=4, verbose=0, callbacks=[ember.callbacks.LambdaCallback(
        on_predict_batch_end=lambda b, logs: batches.append(b))])
    assert batches == [0, 1, 2]
    model.evaluate(x, y, batch_size=4, verbose=0, callbacks=[ember.callbacks.LambdaCallback(
        on_test_batch_end=lambda b, logs: batches.append(b))])
    assert batches == [0, 1, 2, 0, 1, 2]
    config.set_max_epochs(None)
    config.set_max_steps_per_epoch(None)
    assert len(model.fit(x, y, epochs=3, batch_size=4, verbose=0).epoch) == 3
    with pytest.raises(ValueError, match="set_max_epochs"):
        config.set_max_epochs(0)


def test_interactive_logging_switches_the_progress_bar_to_plain_lines():
    out = io.StringIO()
    bar = Progbar(3, stream=out, dynamic=True, interval=0.0)
    for step in (1, 2, 3):
        bar.update(step, [("loss", 1.0)])
    assert "\r" in out.getvalue() and "\x1b" in out.getvalue()
    config.disable_interactive_logging()
    assert not config.is_interactive_logging_enabled()
    assert not ember.utils.is_interactive_logging_enabled()
    out = io.StringIO()
    bar = Progbar(3, stream=out, dynamic=True, interval=0.0)
    for step in (1, 2, 3):
        bar.update(step, [("loss", 1.0)])
    text = out.getvalue()
    assert "\r" not in text and "\b" not in text and "\x1b" not in text
    assert text.count("\n") == 1 and text.startswith("3/3 ")


def test_traceback_filtering_removes_ember_frames_from_fit_errors():
    model = _model()
    bad = np.ones((4, 5), "float32")

    def ember_frames():
        try:
            model.fit(bad, np.ones((4, 1), "float32"), verbose=0)
        except ValueError as e:
            files = [f.f_code.co_filename for f, _ in traceback.walk_tb(e.__traceback__)]
        return [f for f in files if f.startswith(os.path.dirname(ember.__file__))]

    filtered = ember_frames()
    config.disable_traceback_filtering()
    full = ember_frames()
    assert len(filtered) <= 2 < len(full)


def test_unsafe_deserialization_switch_reaches_from_config(tmp_path):
    seen = []

    @ember.saving.register_keras_serializable(package="ConfigTest")
    class Probe(ember.layers.Layer):
        @classmethod
        def from_config(cls, cfg):
            seen.append(ember.saving.in_safe_mode())
            return cls(**cfg)

    model = ember.Sequential([ember.Input(shape=(2,)), Probe()])
    path = tmp_path / "probe.ember"
    model.save(path)
    ember.saving.load_model(path)
    ember.saving.load_model(path, safe_mode=False)
    config.enable_unsafe_deserialization()
    ember.saving.load_model(path, safe_mode=True)
    # each load may build the config more than once (the size check builds it shape-only
    # first): every build of a load sees that load's mode
    n = len(seen) // 3
    assert n >= 1 and seen == [True] * n + [False] * (2 * n)
    assert ember.saving.in_safe_mode() is False  # the global switch, outside a load
    config.disable_unsafe_deserialization()
    assert ember.saving.in_safe_mode() is None


def test_flash_attention_and_nnx_switches():
    assert config.is_flash_attention_enabled() is None
    config.disable_flash_attention()
    assert config.is_flash_attention_enabled() is False
    assert config.is_nnx_enabled() is False


def test_interactive_logging_decides_how_fit_prints(capsys, monkeypatch):
    import ember.callbacks.progbar as progbar

    monkeypatch.setattr(progbar, "is_dynamic", lambda stream=None: True)  # as on a terminal
    model, x, y = _model(), np.ones((16, 3), "float32"), np.ones((16, 1), "float32")
    model.fit(x, y, epochs=2, batch_size=4, verbose=1)
    assert "\r" in capsys.readouterr().out
    config.disable_interactive_logging()
    model.fit(x, y, epochs=2, batch_size=4, verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out and "\x1b" not in out and "\b" not in out
    assert out.splitlines()[0] == "Epoch 1/2" and out.splitlines()[1].startswith("4/4 ")


def test_fit_limits_are_read_from_keras_environment_variables():
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "KERAS_MAX_EPOCHS": "2", "KERAS_MAX_STEPS_PER_EPOCH": "5",
           "PYTHONPATH": root}
    out = subprocess.run([sys.executable, "-c", "from ember import config; "
                          "print(config.max_epochs(), config.max_steps_per_epoch())"],
                         env=env, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["2", "5"]
    env["KERAS_MAX_EPOCHS"] = "zero"
    bad = subprocess.run([sys.executable, "-c", "import ember"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "KERAS_MAX_EPOCHS" in bad.stderr
