"""`ember zoo`, `ember zoo compare` and `ember train vae|gan`."""


import numpy as np
import pytest

from ember import cli


def test_zoo_lists_every_model_with_its_parameters(capsys):
    assert cli.main(["zoo"]) == 0
    out = capsys.readouterr().out
    assert "resnet50" in out and "25,557,032" in out and "143,667,240" in out


def test_zoo_compare_prints_the_table(capsys):
    assert cli.main(["zoo", "compare", "--models", "lenet5,resnet20", "--image-size", "32",
                     "--batch-sizes", "1,2", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "ms/img b=2" in out and "peak MB b=1" in out and "272,474" in out
    assert cli.main(["zoo", "compare", "--models", "resnet9"]) == 2
    assert "unknown model 'resnet9'" in capsys.readouterr().err


@pytest.mark.slow
def test_train_vae_and_gan_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "vae"
    assert cli.main(["train", "vae", "--epochs", "1", "--verbose", "0",
                     "--output", str(out)]) == 0
    assert np.load(out / "vae_samples.npy").shape == (80, 80)
    assert cli.main(["train", "--model", "gan", "--epochs", "1", "--verbose", "0",
                     "--output", str(tmp_path / "gan")]) == 0
    assert (tmp_path / "gan" / "samples_epoch001.npy").is_file()
    text = capsys.readouterr().out
    assert "vae: loss" in text and "gan: d_loss" in text


def test_plain_train_is_unchanged(tmp_path, capsys):
    assert cli.main(["train", "--epochs", "1", "--verbose", "0", "--output", ""]) == 0
    assert "test accuracy" in capsys.readouterr().out


def test_generative_train_on_a_missing_dataset_fails_clearly(tmp_path, capsys):
    assert cli.main(["train", "vae", "--dataset", "mnist", "--data-dir", str(tmp_path),
                     "--epochs", "1"]) == 2
    assert "ember train:" in capsys.readouterr().err
