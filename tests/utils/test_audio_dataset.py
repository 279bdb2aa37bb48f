"""`audio_dataset_from_directory`: PCM WAV folders read into padded float batches."""

import wave

import numpy as np
import pytest

import ember
from ember.utils.audio_dataset_utils import AudioFileError, read_wav


def write_wav(path, samples, rate=8000, width=2, channels=1):
    """Integer PCM samples (time, channels) written as a WAV file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    dtype = {1: "u1", 2: "<i2", 4: "<i4"}[width]
    with wave.open(str(path), "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(np.asarray(samples, dtype).tobytes())


@pytest.fixture
def audio_dir(tmp_path):
    rng = np.random.default_rng(0)
    for label, n in (("no", 3), ("yes", 4)):
        for i in range(n):
            length = 50 + 10 * i
            write_wav(tmp_path / label / f"{i}.wav", rng.integers(-2000, 2000, length))
    return tmp_path


def test_pcm_widths_scale_to_minus_one_one(tmp_path):
    write_wav(tmp_path / "a.wav", [0, 16384, -32768], width=2)
    write_wav(tmp_path / "b.wav", [128, 192, 0], width=1)
    write_wav(tmp_path / "c.wav", [0, 2 ** 30, -(2 ** 31)], width=4)
    write_wav(tmp_path / "s.wav", [[1000, -1000], [0, 32767]], channels=2)
    assert read_wav(tmp_path / "a.wav")[:, 0].tolist() == [0.0, 0.5, -1.0]
    assert read_wav(tmp_path / "b.wav")[:, 0].tolist() == [0.0, 0.5, -1.0]
    assert read_wav(tmp_path / "c.wav")[:, 0].tolist() == [0.0, 0.5, -1.0]
    stereo = read_wav(tmp_path / "s.wav")
    assert stereo.shape == (2, 2) and stereo.dtype == np.float32
    np.testing.assert_allclose(stereo[1], [0.0, 32767 / 32768])


def test_batches_are_padded_and_labelled_by_folder(audio_dir, capsys):
    ds = ember.utils.audio_dataset_from_directory(audio_dir, batch_size=4, seed=1)
    assert "Found 7 files belonging to 2 classes" in capsys.readouterr().out
    assert ds.class_names == ["no", "yes"]
    batches = list(ds)
    assert [x.shape[0] for x, _ in batches] == [4, 3]
    for x, y in batches:
        assert x.dtype == np.float32 and x.ndim == 3 and x.shape[2] == 1
        assert y.dtype == np.int32 and set(y.tolist()) <= {0, 1}
        # padded to the longest clip of the batch: each clip's tail beyond its length is zero
        lengths = (np.abs(x[..., 0]) > 0).sum(axis=1)
        assert lengths.max() <= x.shape[1]
    assert sorted(int(v) for _, y in batches for v in y) == [0, 0, 0, 1, 1, 1, 1]


def test_fixed_length_validation_split_and_a_model(audio_dir):
    train, val = ember.utils.audio_dataset_from_directory(
        audio_dir, output_sequence_length=64, validation_split=0.3, subset="both", seed=3,
        label_mode="binary", verbose=False)
    xs = [x for x, _ in train] + [x for x, _ in val]
    assert all(x.shape[1:] == (64, 1) for x in xs)
    assert sum(x.shape[0] for x in xs) == 7
    model = ember.Sequential([ember.layers.Input((64, 1)), ember.layers.Flatten(),
                              ember.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert len(history.history["val_loss"]) == 2


def test_bad_arguments_and_files_are_refused(audio_dir, tmp_path):
    with pytest.raises(ValueError, match="ragged"):
        ember.utils.audio_dataset_from_directory(audio_dir, ragged=True)
    with pytest.raises(ValueError, match="output_sequence_length"):
        ember.utils.audio_dataset_from_directory(audio_dir, output_sequence_length=0)
    ds = ember.utils.audio_dataset_from_directory(audio_dir, sampling_rate=16000,
                                                  verbose=False)
    with pytest.raises(AudioFileError, match="8000 Hz.*sampling_rate=16000"):
        next(iter(ds))
    bad = tmp_path / "bad" / "x"
    bad.mkdir(parents=True)
    (bad / "a.wav").write_bytes(b"RIFF\x00\x00")
    ds = ember.utils.audio_dataset_from_directory(tmp_path / "bad", verbose=False)
    with pytest.raises(AudioFileError, match="a.wav"):
        next(iter(ds))
