"""`ember train --dataset NAME --data-dir DIR` on fixture files; offline errors; digits default."""

import numpy as np
import pytest

from ember import cli
from ember.datasets import cifar10, mnist
from ember.datasets.training import load_for_training


def test_train_mnist_from_data_dir(mnist_dir, monkeypatch, capsys, tmp_path):
    folder, files, _ = mnist_dir
    monkeypatch.setattr(mnist, "FILES", files)
    out = tmp_path / "m.ember"
    rc = cli.main(["train", "--dataset", "mnist", "--data-dir", str(folder), "--epochs", "1",
                   "--verbose", "0", "--output", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "test accuracy" in text and out.is_file()
    (x, y), (xt, _) = load_for_training("mnist", folder)
    assert x.dtype == np.float32 and 0.0 <= x.min() and x.max() <= 1.0 and y.dtype == np.int64
    assert x.shape == (5, 28, 28) and xt.shape == (3, 28, 28)


def test_missing_files_give_a_clear_cli_error(tmp_path, capsys, monkeypatch):
    rc = cli.main(["train", "--dataset", "cifar10", "--data-dir", str(tmp_path), "--epochs",
                   "1", "--verbose", "0", "--output", ""])
    assert rc == 2
    err = capsys.readouterr().err
    assert "cifar-10-binary.tar.gz is not in" in err and "cs.toronto.edu" in err
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(cifar10, "ARCHIVE", dict(cifar10.ARCHIVE,
                                                 origins=["http://127.0.0.1:9/c.tar.gz"]))
    monkeypatch.setattr("ember.utils.file_utils.time.sleep", lambda s: None)
    rc = cli.main(["train", "--dataset", "cifar10", "--epochs", "1", "--verbose", "0",
                   "--output", ""])
    assert rc == 2
    err = capsys.readouterr().err
    assert "Could not download cifar-10-binary.tar.gz" in err
    assert str(tmp_path / "home" / "datasets" / "cifar10" / "cifar-10-binary.tar.gz") in err


def test_digits_stays_the_default():
    args = cli.build_parser().parse_args(["train"])
    assert args.dataset == "digits" and args.data_dir is None
    with pytest.raises(ValueError, match="--dataset must be one of"):
        load_for_training("svhn")
