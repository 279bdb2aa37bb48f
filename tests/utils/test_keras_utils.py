"""The smaller `ember.utils` names Keras has: Progbar's averaging, Config, standardize_dtype,
clear_session, get_source_inputs, is_keras_tensor, legacy; and the namespace itself."""

import io
import os
import re

import numpy as np
import pytest

import ember
from ember.utils import Config, Progbar


def _progbar_values(bar_cls, stream=None, **kwargs):
    bar = bar_cls(None, verbose=2, **kwargs) if stream is None else bar_cls(
        None, verbose=2, stream=stream, **kwargs)
    bar.update(1, [("loss", 4.0), ("acc", 0.5)])
    bar.update(4, [("loss", 1.0), ("acc", 0.8)])
    bar.add(2, [("loss", 2.0), ("acc", 0.9)])
    bar.target = 6
    bar.update(6, [("loss", 2.0), ("acc", 0.9)], finalize=False)
    return bar


def test_progbar_averages_like_keras_unless_stateful():
    bar = _progbar_values(Progbar, stream=io.StringIO(), stateful_metrics=["acc"])
    # loss: weighted by the steps each value covers (1, 3, 2, then 0 -> 1): (4 + 3 + 4 + 2) / 7
    assert bar.average("loss") == pytest.approx(13 / 7)
    assert bar.average("acc") == 0.9
    with pytest.raises(ValueError, match="only one"):
        Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


@pytest.mark.slow  # imports Keras (seconds)
def test_progbar_matches_keras_numbers(capsys):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    out = io.StringIO()
    ours = Progbar(6, verbose=2, stream=out, stateful_metrics=["acc"])
    theirs = keras.utils.Progbar(6, verbose=2, stateful_metrics=["acc"])
    for bar in (ours, theirs):
        bar.update(1, [("loss", 4.0), ("acc", 0.5)])
        bar.update(4, [("loss", 1.0), ("acc", 0.8)])
        bar.update(6, [("loss", 2.0), ("acc", 0.9)])
    keras_line = capsys.readouterr().out
    numbers = lambda text: re.findall(r"(loss|acc): ([\d.e+-]+)", text)  # noqa: E731
    assert numbers(out.getvalue()) == numbers(keras_line)


def test_config_container():
    cfg = Config(a=1)
    cfg.b = 2
    cfg["c"] = 3
    assert cfg.as_dict() == {"a": 1, "b": 2, "c": 3} and len(cfg) == 3 and "b" in cfg
    assert cfg.to_json() == '{"a": 1, "b": 2, "c": 3}'
    cfg.freeze()
    with pytest.raises(ValueError, match="frozen"):
        cfg.update(d=4)
    with pytest.raises(ValueError, match="frozen"):
        del cfg["a"]
    cfg.unfreeze()
    assert cfg.pop("a") == 1 and list(cfg) == ["b", "c"]


@pytest.mark.parametrize("dtype, name", [(None, "float32"), ("float16", "float16"),
                                         (np.int64, "int64"), (np.dtype("uint8"), "uint8"),
                                         (bool, "bool"), (float, "float32"), (int, "int32"),
                                         (str, "string")])
def test_standardize_dtype(dtype, name):
    assert ember.utils.standardize_dtype(dtype) == name


def test_standardize_dtype_of_torch_dtypes_and_errors():
    torch = pytest.importorskip("torch")
    assert ember.utils.standardize_dtype(torch.float64) == "float64"
    with pytest.raises(ValueError, match="Invalid dtype"):
        ember.utils.standardize_dtype("float128")


def test_clear_session_resets_what_keras_resets():
    [ember.layers.Dense(1) for _ in range(3)]
    ember.config.disable_interactive_logging()
    ember.config.enable_unsafe_deserialization()
    ember.config.set_epsilon(1e-4)
    try:
        ember.utils.custom_object_scope({"Thing": ember.layers.Dense}).__enter__()
        ember.utils.clear_session(free_memory=False)
        assert ember.layers.Dense(1).name == "dense"
        assert ember.layers.Dense(1).name == "dense_1"
        assert ember.config.is_interactive_logging_enabled()
        assert not ember.config.is_unsafe_deserialization_enabled()
        assert ember.utils.get_registered_object("Thing") is None
        assert ember.config.epsilon() == 1e-4  # not session state (as Keras)
    finally:
        ember.config.set_epsilon(1e-7)


def test_get_source_inputs_and_is_keras_tensor():
    a, b = ember.Input(shape=(2,), name="a"), ember.Input(shape=(2,), name="b")
    h = ember.layers.Dense(2)(a)
    out = ember.layers.Concatenate()([h, ember.layers.Add()([a, b])])
    assert ember.utils.get_source_inputs(out) == [a, b]
    assert ember.utils.get_source_inputs(a) == [a]
    assert ember.utils.is_keras_tensor(out) and not ember.utils.is_keras_tensor(np.ones(2))
    arr = np.ones(3)
    assert ember.utils.get_source_inputs(arr) is arr


def test_legacy_and_namespace():
    loss = ember.losses.Huber(delta=2.0)
    cfg = ember.utils.legacy.serialize_keras_object(loss)
    assert ember.utils.legacy.deserialize_keras_object(cfg).delta == 2.0
    names = dir(ember.utils)
    for name in ("plot_model", "FeatureSpace", "Progbar", "register_keras_serializable"):
        assert name in names and getattr(ember.utils, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ember.utils.nope  # noqa: B018


def test_clear_session_inside_a_custom_object_scope():
    with ember.utils.custom_object_scope({"Thing": ember.layers.Dense}):
        ember.utils.clear_session(free_memory=False)
    assert ember.utils.get_registered_object("Thing") is None
