"""The `ember` command: train on the bundled digits, then summary, evaluate and predict on the
saved file; bad files and Ctrl-C."""

import re
import subprocess
import sys

import numpy as np
import pytest

import ember
from ember import cli
from ember.datasets import digits


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """`ember train` with its defaults (the MLP, 20 epochs), saved to a temporary folder."""
    path = tmp_path_factory.mktemp("cli") / "digits.ember"
    return path


def _accuracy(text):
    match = re.search(r"test accuracy (\d\.\d+)", text)
    assert match, text
    return float(match.group(1))


def test_train_reaches_95_percent_on_the_digits_and_saves(trained, capsys):
    assert cli.main(["train", "--output", str(trained), "--verbose", "0"]) == 0
    out = capsys.readouterr().out
    assert _accuracy(out) >= 0.95
    assert trained.is_file() and f"model saved to {trained}" in out


def test_summary_evaluate_and_predict_on_the_saved_model(trained, capsys, tmp_path):
    if not trained.is_file():
        cli.main(["train", "--output", str(trained), "--verbose", "0"])
    capsys.readouterr()
    assert cli.main(["summary", str(trained)]) == 0
    out = capsys.readouterr().out
    assert "Total params" in out and "dense" in out

    assert cli.main(["evaluate", str(trained)]) == 0
    accuracy = float(re.search(r"accuracy: (\d\.\d+)", capsys.readouterr().out).group(1))
    assert accuracy >= 0.95

    _, (x_test, y_test) = digits.load_data()
    x = (x_test[:20] / 16).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    assert cli.main(["predict", str(trained), str(tmp_path / "x.npy")]) == 0
    printed = [int(v) for v in capsys.readouterr().out.split()]
    model = ember.models.load_model(trained)
    assert printed == model.predict(x, verbose=0).argmax(-1).tolist()
    assert np.mean(np.array(printed) == y_test[:20]) >= 0.8

    np.savetxt(tmp_path / "x.csv", x.reshape(20, 64), delimiter=",")
    out_csv = tmp_path / "pred.csv"
    assert cli.main(["predict", str(trained), str(tmp_path / "x.csv"),
                     "--output", str(out_csv)]) == 0
    rows = out_csv.read_text().splitlines()
    assert rows[0].startswith("class,p0") and len(rows) == 21
    assert [int(r.split(",")[0]) for r in rows[1:]] == printed


def test_missing_and_damaged_model_files_are_clear_errors(tmp_path, capsys):
    assert cli.main(["summary", str(tmp_path / "nope.ember")]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad.ember"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    assert cli.main(["evaluate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.ember" in err and "truncated or corrupt" in err


def test_bad_arguments_are_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", "--epochs", "0"])
    assert info.value.code == 2
    assert "expected an integer >= 1, received 0" in capsys.readouterr().err


def test_ctrl_c_exits_130_and_leaves_the_previous_file_intact(tmp_path, monkeypatch, capsys):
    path = tmp_path / "model.ember"
    path.write_bytes(b"the previous good file")

    def interrupted_fit(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ember.models.Model, "fit", interrupted_fit)
    assert cli.main(["train", "--output", str(path), "--verbose", "0"]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert path.read_bytes() == b"the previous good file"


@pytest.mark.slow
def test_the_installed_command_runs_as_a_program(tmp_path):
    out = subprocess.run([sys.executable, "-m", "ember.cli", "train", "--epochs", "2",
                          "--output", "", "--verbose", "0"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert _accuracy(out.stdout) > 0.5
