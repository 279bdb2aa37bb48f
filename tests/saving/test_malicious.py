"""Crafted model files that try to run code or read other files: all refused, nothing runs.

Each crafted file carries a consistent manifest (an attacker can recompute hashes), so these
tests reach the config and weights checks themselves. The `sentinel` fixture asserts that the
command in every payload (`touch <sentinel>`) never ran; `tree` proves nothing was written.
"""

import json
import zipfile

import numpy as np
import pytest

import ember
import ember.models
from ember import layers
from ember.saving import FileFormatError, UnknownObjectError, register_serializable
from ember.saving.tensor_codec import encode_tensors


@pytest.fixture
def model_file(tmp_path):
    model = ember.models.Sequential([layers.Input(shape=(3,)), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    path = tmp_path / "good.ember"
    model.save(path)
    return path


def members_of(path):
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist() if i.filename != "manifest.json"}


def rewrite(craft, src, dst, **replace):
    """`src` with some members replaced (dicts are JSON-encoded) and a fresh manifest."""
    members = members_of(src)
    for name, value in replace.items():
        name = name.replace("__", ".")
        members[name] = json.dumps(value).encode() if isinstance(value, dict) else value
    return craft.make_zip(dst, list(members.items()))


def config_of(path):
    return json.loads(members_of(path)["config.json"])


def load_refused(path, error, *words):
    with pytest.raises(error) as info:
        ember.models.load_model(path)
    for word in (str(path), *words):
        assert word in str(info.value), str(info.value)


@pytest.mark.parametrize("class_name", [
    "os.system", "subprocess.Popen", "builtins.exec", "ember.saving.load_model",
    "posix>system", "keras.layers.Lambda", "__import__",
])
def test_model_class_names_that_are_code(craft, model_file, tmp_path, sentinel, class_name):
    config = config_of(model_file)
    config.update(class_name=class_name, module="os",
                  config={"command": f"touch {sentinel}", "args": [f"touch {sentinel}"]})
    before = craft.tree(tmp_path)
    path = rewrite(craft, model_file, tmp_path / "evil.ember", config__json=config)
    load_refused(path, UnknownObjectError)
    assert craft.tree(tmp_path) == before | {"evil.ember"}


@pytest.mark.parametrize("class_name", ["os.system", "Lambda", "TFSMLayer", "load_model",
                                        "eval", "Model.__subclasses__"])
def test_layer_class_names_that_are_code_or_unknown(craft, model_file, tmp_path, sentinel,
                                                    class_name):
    config = config_of(model_file)
    config["config"]["layers"][1].update(class_name=class_name, module="builtins", config={
        "filepath": "/etc/passwd", "function": f"__import__('os').system('touch {sentinel}')"})
    load_refused(rewrite(craft, model_file, tmp_path / "evil.ember", config__json=config),
                 UnknownObjectError, class_name.split(".")[0])


def test_a_layer_config_with_a_file_path_is_refused(craft, model_file, tmp_path, sentinel):
    config = config_of(model_file)
    config["config"]["layers"][1]["config"]["filepath"] = str(sentinel)
    load_refused(rewrite(craft, model_file, tmp_path / "evil.ember", config__json=config),
                 ValueError, "could not rebuild 'Dense'", "filepath")


def test_a_class_whose_from_config_loads_a_file_is_stopped(craft, model_file, tmp_path,
                                                           sentinel):
    """CVE-2026-1462's pattern: a config naming a file for a class to load while rebuilding."""
    @register_serializable(package="gadget")
    class Loader(layers.Layer):
        @classmethod
        def from_config(cls, config):
            ember.models.load_model(config["path"])  # a gadget: loads what the file names
            sentinel.write_text("loaded")
            return cls()

    other = tmp_path / "other.ember"
    other.write_bytes(model_file.read_bytes())
    config = config_of(model_file)
    config["config"]["layers"][1] = {"class_name": "Loader", "registered_name": "gadget>Loader",
                                     "config": {"path": str(other)}}
    load_refused(rewrite(craft, model_file, tmp_path / "evil.ember", config__json=config),
                 ValueError, "may not reference or load another file")


@pytest.mark.parametrize("key, value, error, word", [
    ("loss", {"class_name": "function", "config": "system", "module": "os"},
     UnknownObjectError, "'system'"),
    ("loss", {"class_name": "os.system", "config": {}}, UnknownObjectError, "not a plain"),
    ("metrics", [{"class_name": "Dense", "config": {"units": 1}}], UnknownObjectError,
     "not a metric"),
    ("optimizer", {"class_name": "Dense", "config": {"units": 1}}, UnknownObjectError,
     "not an optimizer"),
    ("optimizer", {"class_name": "Adam", "config": {"learning_rate": 0.1, "path": "/x"}},
     ValueError, "could not rebuild 'Adam'"),
    ("safe_mode", False, ValueError, "unknown compile arguments"),
])
def test_compile_configs_that_name_code(craft, model_file, tmp_path, sentinel, key, value,
                                        error, word):
    config = config_of(model_file)
    config["compile_config"][key] = value
    path = rewrite(craft, model_file, tmp_path / "evil.ember", config__json=config)
    load_refused(path, error, word)
    loaded = ember.models.load_model(path, compile=False)  # the architecture itself is fine
    assert loaded.optimizer is None


@pytest.mark.parametrize("weights, word", [
    ({"layers/dense/vars/0": np.zeros((3, 2), "float32")}, "missing from the file"),
    ({"layers/dense/vars/0": np.zeros((3, 2), "float32"),
      "layers/dense/vars/1": np.zeros(2, "float32"),
      "layers/evil/vars/0": np.zeros(1, "float32")}, "no such layer"),
    ({"layers/dense/vars/0": np.zeros((2, 3), "float32"),
      "layers/dense/vars/1": np.zeros(2, "float32")}, "(3, 2) in the model but (2, 3)"),
    ({"layers/dense/vars/0": np.zeros((3, 2), "int32"),
      "layers/dense/vars/1": np.zeros(2, "float32")}, "dtype float32 in the model but int32"),
])
def test_weights_that_do_not_fit_are_refused(craft, model_file, tmp_path, weights, word):
    path = rewrite(craft, model_file, tmp_path / "w.ember",
                   model__weights__safetensors=encode_tensors(weights))
    load_refused(path, ValueError, word)


def test_malformed_weights_and_optimizer_members(craft, model_file, tmp_path, sentinel):
    payload = craft.PICKLE_TEMPLATE % str(sentinel).encode()
    path = rewrite(craft, model_file, tmp_path / "p.ember", model__weights__safetensors=payload)
    load_refused(path, FileFormatError, "model.weights.safetensors", "header length")
    bad_state = encode_tensors({"iterations": np.zeros(3, "int64")})
    path = rewrite(craft, model_file, tmp_path / "o.ember", optimizer__safetensors=bad_state)
    load_refused(path, ValueError, "optimizer state does not fit")


def nested_sequentials(depth):
    head = b'{"class_name": "Sequential", "config": {"layers": ['
    return head * depth + b'{"class_name": "Dense", "config": {"units": 1}}' + b"]}}" * depth


@pytest.mark.parametrize("text", [b"[]", b"{", b"\xff", b'{"class_name": 1}', b"{}",
                                  b'{"class_name": "Sequential", "config": []}',
                                  b"[" * 100_000 + b"]" * 100_000, nested_sequentials(400)])
def test_malformed_config_json(craft, model_file, tmp_path, text):
    path = rewrite(craft, model_file, tmp_path / "c.ember", config__json=text)
    with pytest.raises(ValueError) as info:
        ember.models.load_model(path)
    assert str(path) in str(info.value)


def test_nothing_is_executed_or_written_for_the_whole_corpus(craft, model_file, tmp_path,
                                                            sentinel):
    """A last sweep: every member of a good file replaced by the pickle payload."""
    payload = craft.PICKLE_TEMPLATE % str(sentinel).encode()
    before = craft.tree(tmp_path)
    for i, name in enumerate(members_of(model_file)):
        path = rewrite(craft, model_file, tmp_path / f"{i}.ember",
                       **{name.replace(".", "__"): payload})
        with pytest.raises(ValueError):
            ember.models.load_model(path)
        path.unlink()
    assert craft.tree(tmp_path) == before
