"""Keras' `audio_dataset_from_directory`: a folder of `.wav` files (one subfolder per class) as
an ember `Dataset` of `(audio, labels)` batches.

Audio is read with Python's `wave` module (PCM WAV, 8/16/24/32-bit integers), scaled to
float32 in [-1, 1] and shaped (batch, time, channels); each batch is padded with zeros to its
longest clip, or cut/padded to `output_sequence_length`. Keras resamples with TensorFlow I/O
when `sampling_rate` is given; ember resamples nothing and refuses a file whose rate differs.
"""

import wave

import numpy as np

from ember.utils import dataset_utils


class AudioFileError(ValueError):
    """A `.wav` file ember cannot read (not PCM WAV, truncated, or of another rate)."""


def read_wav(path, sampling_rate=None):
    """The clip at `path` as float32 (time, channels) in [-1, 1].

    >>> import io, os, tempfile, wave, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "a.wav")
    >>> with wave.open(path, "wb") as w:
    ...     w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
    ...     w.writeframes(np.array([0, 16384, -32768], "<i2").tobytes())
    >>> read_wav(path)[:, 0].tolist()
    [0.0, 0.5, -1.0]
    """
    try:
        with wave.open(str(path), "rb") as f:
            channels, width, rate = f.getnchannels(), f.getsampwidth(), f.getframerate()
            frames = f.readframes(f.getnframes())
    except (wave.Error, EOFError) as e:
        raise AudioFileError(f"audio_dataset_from_directory: cannot read {path}: {e} (ember "
                             "reads PCM WAV files)") from None
    if sampling_rate is not None and rate != sampling_rate:
        raise AudioFileError(f"audio_dataset_from_directory: {path} is sampled at {rate} Hz, "
                             f"not sampling_rate={sampling_rate}; ember does not resample "
                             "(resample the files first)")
    raw = np.frombuffer(frames[:len(frames) - len(frames) % (width * channels)], np.uint8)
    if width == 1:  # 8-bit WAV is unsigned
        samples = (raw.astype(np.float32) - 128.0) / 128.0
    else:
        # little-endian signed integers of `width` bytes, sign-extended (int64: 32-bit
        # samples overflow int32 while their bytes are combined)
        b = raw.reshape(-1, width).astype(np.int64)
        value = sum(b[:, i] << (8 * i) for i in range(width))
        top = 1 << (8 * width - 1)
        value = np.where(value >= top, value - 2 * top, value)
        samples = value.astype(np.float32) / float(top)
    return samples.reshape(-1, channels)


def _batch(clips, length):
    """Clips (time, channels) zero-padded (or cut) to one length, stacked."""
    channels = max((c.shape[1] for c in clips), default=1)
    if length is None:
        length = max((c.shape[0] for c in clips), default=0)
    out = np.zeros((len(clips), length, channels), np.float32)
    for i, clip in enumerate(clips):
        if clip.shape[1] != channels:
            raise AudioFileError(f"audio_dataset_from_directory: clips with {clip.shape[1]} and "
                                 f"{channels} channels in one batch")
        n = min(length, clip.shape[0])
        out[i, :n] = clip[:n]
    return out


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, batch_size=32, sampling_rate=None,
                                 output_sequence_length=None, ragged=False, shuffle=True,
                                 seed=None, validation_split=None, subset=None,
                                 follow_links=False, verbose=True):
    """An ember `Dataset` of audio batches from a directory (Keras 3's arguments).

    Args:
        directory: a folder with one subfolder per class (for `labels="inferred"`) of `.wav`
            files.
        labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
            follow_links, verbose: as in `text_dataset_from_directory`.
        sampling_rate: the rate every file must have (ember does not resample); None: any.
        output_sequence_length: cut or zero-pad every clip to this many samples; None: pad
            each batch to its longest clip.
        ragged: must be False (ember has no ragged tensors).

    Returns:
        A `Dataset` (with `class_names` and `file_paths`) yielding `(audio, labels)` with
        audio of shape (batch, time, channels), or audio alone without labels; a list of two
        for `subset="both"`.
    """
    if ragged:
        raise ValueError("audio_dataset_from_directory: ragged=True needs ragged tensors, "
                         "which ember does not have; pass output_sequence_length, or leave it "
                         "None to pad each batch to its longest clip")
    for name, value in (("sampling_rate", sampling_rate),
                        ("output_sequence_length", output_sequence_length)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value <= 0):
            raise ValueError(f"audio_dataset_from_directory: `{name}` must be a positive "
                             f"integer or None; received {name}={value!r}")
    dataset_utils.check_labels_arguments(labels, label_mode, class_names, "audio")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    seed = dataset_utils.default_seed(seed)
    paths, labels, class_names = dataset_utils.index_directory(
        directory, labels, (".wav",), class_names, shuffle, seed, follow_links, verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    num_classes = len(class_names) if class_names else 0

    def load(batch_paths):
        clips = [read_wav(p, sampling_rate) for p in batch_paths]
        return _batch(clips, output_sequence_length)

    def build(subset_name, shuffled):
        part_paths, part_labels = dataset_utils.training_or_validation_split(
            paths, labels, validation_split, subset_name, verbose)
        if not part_paths:
            raise ValueError(f"No audio files found in directory {directory}. Allowed format: "
                             ".wav")
        ds = dataset_utils.labelled_dataset(part_paths, part_labels, load, label_mode,
                                            num_classes, batch_size, shuffled, seed)
        ds.class_names, ds.file_paths = class_names, list(part_paths)
        return ds

    if subset == "both":
        return [build("training", shuffle), build("validation", False)]
    return build(subset, shuffle)
