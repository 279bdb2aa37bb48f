"""`TensorBoard`: scalar logs in TensorBoard's event-file format, written without TensorFlow.

The layout is Keras': `log_dir/train` and `log_dir/validation`, each holding an
`events.out.tfevents.*.v2` file with the scalars `epoch_loss`, `epoch_<metric>` and (train)
`epoch_learning_rate` at step = epoch, and `batch_<name>` at the global batch index when
`update_freq` is a number. `tensorboard --logdir logs` shows them.

The format is written directly: a file of TFRecords (`uint64 length`, `uint32
masked_crc32c(length)`, `data`, `uint32 masked_crc32c(data)`, little-endian; CRC-32C with
TensorFlow's mask `((crc >> 15 | crc << 17) + 0xa282ead8) mod 2**32`), each record one
`Event` protocol buffer, hand-encoded: the first says `file_version: "brain.Event:2"`, then
one per scalar with `wall_time`, `step` and `summary { value { tag, simple_value } }`. No
protobuf package is needed; `read_events` decodes the same subset (and checks every CRC).
"""

import os
import socket
import struct
import time
from pathlib import Path

from ember.callbacks.base import Callback

# ---------------------------------------------------------------- CRC-32C (Castagnoli)
_POLY = 0x82F63B78  # reflected 0x1EDC6F41


def _table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _table()


def crc32c(data):
    """CRC-32C of bytes.

    >>> hex(crc32c(b"123456789"))  # the standard check value
    '0xe3069283'
    """
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    """TFRecord's masked CRC: rotate right by 15, add 0xa282ead8.

    >>> hex(masked_crc32c(b""))
    '0xa282ead8'
    """
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data):
    """One TFRecord: length, its masked CRC, the data, its masked CRC."""
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", masked_crc32c(length)) + data
            + struct.pack("<I", masked_crc32c(data)))


# ---------------------------------------------------------------- protobuf, by hand
def _varint(n):
    out = bytearray()
    n &= 0xFFFFFFFFFFFFFFFF  # int64 two's complement, as protobuf
    while True:
        bits = n & 0x7F
        n >>= 7
        if n:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _key(field, wire_type):
    return _varint(field << 3 | wire_type)


def _bytes_field(field, payload):
    return _key(field, 2) + _varint(len(payload)) + payload


def encode_scalar_event(tag, value, step, wall_time):
    """Event{wall_time=1 (double), step=2 (int64), summary=5 {value=1 {tag=1 (string),
    simple_value=2 (float)}}} as bytes.

    >>> encode_scalar_event("epoch_loss", 0.5, 3, 0.0).hex()
    '09000000000000000010032a130a110a0a65706f63685f6c6f7373150000003f'
    """
    summary_value = _bytes_field(1, tag.encode("utf-8")) + _key(2, 5) + struct.pack(
        "<f", float(value))
    summary = _bytes_field(1, summary_value)
    return (_key(1, 1) + struct.pack("<d", float(wall_time)) + _key(2, 0) + _varint(int(step))
            + _bytes_field(5, summary))


def encode_version_event(wall_time):
    """The first event of a file: Event{wall_time, file_version: "brain.Event:2"}."""
    return _key(1, 1) + struct.pack("<d", float(wall_time)) + _bytes_field(3, b"brain.Event:2")


def _read_varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _fields(buf):
    """[(field number, wire type, value)] of one message (varint, fixed64, bytes, fixed32)."""
    out, i = [], 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _read_varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = _read_varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"read_events: unsupported protobuf wire type {wire}")
        out.append((field, wire, value))
    return out


def decode_event(data):
    """An Event's `wall_time`, `step`, `file_version` and scalar `values` {tag: value}."""
    event = {"wall_time": None, "step": 0, "file_version": None, "values": {}}
    for field, _, value in _fields(data):
        if field == 1:
            event["wall_time"] = struct.unpack("<d", value)[0]
        elif field == 2:
            event["step"] = value - (1 << 64) if value >= 1 << 63 else value
        elif field == 3:
            event["file_version"] = bytes(value).decode("utf-8")
        elif field == 5:
            for f, _, v in _fields(value):
                if f != 1:
                    continue
                tag, number = None, None
                for ff, _, vv in _fields(v):
                    if ff == 1:
                        tag = bytes(vv).decode("utf-8")
                    elif ff == 2:
                        number = struct.unpack("<f", vv)[0]
                if tag is not None:
                    event["values"][tag] = number
    return event


def read_events(path):
    """Every event of an event file, each record's CRCs checked.

    Raises:
        ValueError: a truncated record or a CRC mismatch (naming the file and offset).
    """
    data = Path(path).read_bytes()
    events, i = [], 0
    while i < len(data):
        if i + 12 > len(data):
            raise ValueError(f"read_events: {path}: truncated record header at byte {i}")
        header = data[i:i + 8]
        (length,) = struct.unpack("<Q", header)
        (crc,) = struct.unpack("<I", data[i + 8:i + 12])
        if crc != masked_crc32c(header):
            raise ValueError(f"read_events: {path}: length CRC mismatch at byte {i}")
        body = data[i + 12:i + 12 + length]
        if len(body) != length or i + 16 + length > len(data):
            raise ValueError(f"read_events: {path}: truncated record at byte {i}")
        (crc,) = struct.unpack("<I", data[i + 12 + length:i + 16 + length])
        if crc != masked_crc32c(body):
            raise ValueError(f"read_events: {path}: data CRC mismatch at byte {i}")
        events.append(decode_event(body))
        i += 16 + length
    return events


def read_scalars(log_dir):
    """{tag: [(step, value), ...]} from every event file under a folder (one run, e.g.
    `logs/train`)."""
    out = {}
    for file in sorted(Path(log_dir).glob("events.out.tfevents.*")):
        for event in read_events(file):
            for tag, value in event["values"].items():
                out.setdefault(tag, []).append((event["step"], value))
    return out


class EventFileWriter:
    """Appends scalar events to a new `events.out.tfevents.<time>.<host>.<pid>.<n>.v2` file
    in `log_dir` (created), flushing after every write so a crash loses nothing written."""

    _counter = 0

    def __init__(self, log_dir):
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        EventFileWriter._counter += 1
        host = "".join(c if c.isalnum() or c in "-_" else "_" for c in socket.gethostname())
        name = (f"events.out.tfevents.{int(time.time())}.{host or 'localhost'}.{os.getpid()}."
                f"{EventFileWriter._counter}.v2")
        self.path = self.log_dir / name
        self._file = open(self.path, "ab")  # noqa: SIM115  (kept open; closed in close())
        self._write(encode_version_event(time.time()))

    def _write(self, event):
        self._file.write(tfrecord(event))
        self._file.flush()

    def scalar(self, tag, value, step):
        self._write(encode_scalar_event(tag, value, step, time.time()))

    def close(self):
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()


class TensorBoard(Callback):
    """Writes the losses and metrics for TensorBoard, in Keras' layout, without TensorFlow.

    Args:
        log_dir: the run's folder; `train/` and `validation/` go under it. Defaults to
            "logs".
        histogram_freq: must be 0 (weight histograms are not written). Defaults to 0.
        write_graph: accepted for Keras compatibility; ember has no TensorFlow graph to
            write, so nothing is written for it. Defaults to True.
        write_images: must be False. Defaults to False.
        write_steps_per_second: also log `epoch_steps_per_second` (train). Defaults to False.
        update_freq: "epoch", or an integer N: also write `batch_<name>` every N batches (at
            the global batch index). Defaults to "epoch".
        profile_batch: must be 0 (no profiler). Defaults to 0.
        embeddings_freq: must be 0. Defaults to 0.
        embeddings_metadata: must be None. Defaults to None.

    >>> import tempfile, numpy as np, ember
    >>> model = ember.Sequential([ember.Input(shape=(2,)), ember.layers.Dense(1)])
    >>> model.compile("sgd", "mse")
    >>> logs = tempfile.mkdtemp()
    >>> _ = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0,
    ...               validation_split=0.25, callbacks=[TensorBoard(logs)])
    >>> sorted(read_scalars(f"{logs}/train")), [s for s, _ in
    ...                                          read_scalars(f"{logs}/validation")["epoch_loss"]]
    (['epoch_learning_rate', 'epoch_loss'], [0, 1])
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        for name, value, default in (("histogram_freq", histogram_freq, 0),
                                     ("write_images", write_images, False),
                                     ("profile_batch", profile_batch, 0),
                                     ("embeddings_freq", embeddings_freq, 0),
                                     ("embeddings_metadata", embeddings_metadata, None)):
            if value != default:
                raise ValueError(f"TensorBoard: `{name}` is not supported by ember's writer "
                                 f"(scalars only); expected {default!r}, received {value!r}")
        if update_freq != "epoch" and (isinstance(update_freq, bool)
                                       or not isinstance(update_freq, int) or update_freq < 1):
            raise ValueError(f"TensorBoard: `update_freq` must be 'epoch' or an integer >= 1; "
                             f"received {update_freq!r}")
        self.log_dir = str(log_dir)
        self.write_graph = write_graph
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self._writers = {}
        self._global_batch = 0

    def _writer(self, name):
        if name not in self._writers:
            self._writers[name] = EventFileWriter(Path(self.log_dir) / name)
        return self._writers[name]

    def on_train_begin(self, logs=None):
        self._global_batch = 0
        self._epoch_start, self._epoch_batches = time.perf_counter(), 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start, self._epoch_batches = time.perf_counter(), 0

    def on_train_batch_end(self, batch, logs=None):
        self._global_batch += 1
        self._epoch_batches += 1
        if self.update_freq != "epoch" and self._global_batch % self.update_freq == 0:
            writer = self._writer("train")
            for name, value in (logs or {}).items():
                if isinstance(value, int | float):
                    writer.scalar("batch_" + name, value, self._global_batch)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        if "learning_rate" not in train:
            lr = getattr(getattr(self.model, "optimizer", None), "learning_rate", None)
            try:
                train["learning_rate"] = float(lr)
            except (TypeError, ValueError):
                pass
        if self.write_steps_per_second:
            seconds = time.perf_counter() - self._epoch_start
            train["steps_per_second"] = self._epoch_batches / seconds if seconds > 0 else 0.0
        for run, values in (("train", train), ("validation", val)):
            for name, value in values.items():
                if isinstance(value, int | float):
                    self._writer(run).scalar("epoch_" + name, value, epoch)

    def get_state(self):
        """The global batch counter (the step axis of batch-level scalars), for
        `BackupAndRestore`: a resumed run continues the axis instead of restarting it."""
        return {"global_batch": self._global_batch}

    def set_state(self, state):
        self._global_batch = int(state["global_batch"])

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
