"""`ember train|evaluate|predict --device`: the run happens on the device (the stand-in here),
and without a GPU module the command stops at once with what to install."""

import os

import numpy as np
import pytest

from ember import backend, cli
from ember.device import current_device, device
from ember.models import load_model


@pytest.mark.skipif(os.environ.get("EMBER_TEST_GPU") == "1", reason="uses gpu:1 of the stand-in")
def test_train_evaluate_predict_on_the_device(tmp_path, capsys):
    path = tmp_path / "m.ember"
    assert cli.main(["train", "--model", "linear", "--epochs", "2", "--output", str(path),
                     "--verbose", "0", "--device", "gpu"]) == 0
    assert "test accuracy" in capsys.readouterr().out and path.is_file()
    assert str(current_device()) == "gpu:0"  # --device set the default for the run
    loaded = load_model(path)
    assert backend.is_device_array(loaded.weights[0].data)
    with device("cpu"):  # a host file: it loads on the CPU too
        assert type(load_model(path).weights[0].data) is np.ndarray
    assert cli.main(["evaluate", str(path), "--device", "gpu"]) == 0
    assert "accuracy" in capsys.readouterr().out
    x = np.zeros((3, 64), np.float32)
    np.save(tmp_path / "x.npy", x)
    assert cli.main(["predict", str(path), str(tmp_path / "x.npy"), "--device", "gpu:1"]) == 0
    assert len(capsys.readouterr().out.split()) == 3


def test_device_flag_without_a_gpu_module_fails_with_the_install_hint(capsys, monkeypatch):
    backend.unregister_device_module("gpu")
    monkeypatch.setattr(backend, "_register_cupy", lambda: None)  # as if CuPy were absent
    assert cli.main(["train", "--epochs", "1", "--device", "gpu", "--output", ""]) == 2
    err = capsys.readouterr().err
    assert "CuPy is not installed" in err and "pip install ember[gpu]" in err
    assert str(current_device()) == "cpu"
