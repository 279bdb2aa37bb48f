"""TensorBoard: Keras' layout and tags, in event files read back record by record (our own
reader; tensorboard's own reader as well when it happens to be installed)."""

import struct

import numpy as np
import pytest

import ember
from ember.callbacks import TensorBoard
from ember.callbacks.tensorboard import (
    crc32c,
    decode_event,
    masked_crc32c,
    read_events,
    read_scalars,
    tfrecord,
)


def test_crc32c_known_values():
    # RFC 3720 (iSCSI) B.4 test vectors
    assert crc32c(b"\x00" * 32) == 0x8A9136AA
    assert crc32c(b"\xff" * 32) == 0x62A8AB43
    assert crc32c(bytes(range(32))) == 0x46DD794E
    assert crc32c(b"123456789") == 0xE3069283
    crc = crc32c(b"abc")
    assert masked_crc32c(b"abc") == (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def test_tfrecord_framing():
    record = tfrecord(b"hello")
    assert struct.unpack("<Q", record[:8])[0] == 5
    assert struct.unpack("<I", record[8:12])[0] == masked_crc32c(record[:8])
    assert record[12:17] == b"hello"
    assert struct.unpack("<I", record[17:])[0] == masked_crc32c(b"hello")


def _fit(tmp_path, epochs=3, **kwargs):
    (x, y), _ = ember.datasets.digits.load_data()
    x = (x[:160] / 16).astype("float32")
    model = ember.Sequential([ember.Input(shape=(8, 8)), ember.layers.Flatten(),
                              ember.layers.Dense(10, activation="softmax")])
    model.compile(ember.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    logs = tmp_path / "logs"
    history = model.fit(x, y[:160], epochs=epochs, batch_size=32, validation_split=0.2,
                        verbose=0, callbacks=[TensorBoard(logs, **kwargs)])
    return logs, history


def test_keras_layout_and_the_values_of_the_history(tmp_path):
    logs, history = _fit(tmp_path)
    assert sorted(p.name for p in logs.iterdir()) == ["train", "validation"]
    for run in ("train", "validation"):
        files = list((logs / run).glob("events.out.tfevents.*.v2"))
        assert len(files) == 1
        events = read_events(files[0])
        assert events[0]["file_version"] == "brain.Event:2"
        assert all(e["wall_time"] > 1e9 for e in events)
    train, val = read_scalars(logs / "train"), read_scalars(logs / "validation")
    assert sorted(train) == ["epoch_accuracy", "epoch_learning_rate", "epoch_loss"]
    assert sorted(val) == ["epoch_accuracy", "epoch_loss"]
    h = history.history
    assert "learning_rate" not in h  # constant: not in the logs (Keras 3); TensorBoard reads it
    for tag, key in (("epoch_loss", "loss"), ("epoch_accuracy", "accuracy")):
        assert [s for s, _ in train[tag]] == [0, 1, 2]
        np.testing.assert_allclose([v for _, v in train[tag]], h[key], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in val["epoch_loss"]], h["val_loss"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in train["epoch_learning_rate"]], 0.01, rtol=1e-6)


def test_batch_scalars_and_steps_per_second(tmp_path):
    logs, _ = _fit(tmp_path, epochs=2, update_freq=2, write_steps_per_second=True)
    train = read_scalars(logs / "train")
    # 128 training rows in batches of 32: 4 batches per epoch, 8 in all, one write every 2
    assert [s for s, _ in train["batch_loss"]] == [2, 4, 6, 8]
    assert all(v > 0 for _, v in train["epoch_steps_per_second"])


def test_corruption_is_detected(tmp_path):
    logs, _ = _fit(tmp_path, epochs=1)
    file = next((logs / "train").glob("events.*"))
    data = bytearray(file.read_bytes())
    data[-6] ^= 0xFF  # inside the last record's payload
    file.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="data CRC mismatch"):
        read_events(file)
    file.write_bytes(bytes(data[:-3]))
    with pytest.raises(ValueError, match="truncated"):
        read_events(file)


def test_decode_negative_step_and_unicode_tag():
    from ember.callbacks.tensorboard import encode_scalar_event

    event = decode_event(encode_scalar_event("épreuve/loss", -1.5, -2, 12.5))
    assert event == {"wall_time": 12.5, "step": -2, "file_version": None,
                     "values": {"épreuve/loss": -1.5}}


def test_unsupported_options_are_refused():
    with pytest.raises(ValueError, match="`histogram_freq` is not supported.*received 1"):
        TensorBoard(histogram_freq=1)
    with pytest.raises(ValueError, match="`update_freq` must be 'epoch' or an integer"):
        TensorBoard(update_freq="batchy")
    with pytest.raises(ValueError, match="`update_freq`"):
        TensorBoard(update_freq=0)


def test_tensorboards_own_reader_if_installed(tmp_path):
    loader = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator",
                                 reason="tensorboard is optional; our reader is tested above")
    logs, history = _fit(tmp_path)
    acc = loader.EventAccumulator(str(logs / "train"))
    acc.Reload()
    scalars = acc.Tags().get("scalars", []) + acc.Tags().get("tensors", [])
    assert "epoch_loss" in scalars
    if "epoch_loss" in acc.Tags().get("scalars", []):
        values = [e.value for e in acc.Scalars("epoch_loss")]
        np.testing.assert_allclose(values, history.history["loss"], rtol=1e-6)
