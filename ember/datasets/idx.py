"""The IDX format of MNIST and Fashion-MNIST, parsed with every invariant checked.

IDX: two zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions, then one
big-endian uint32 per dimension, then exactly prod(dims) bytes. Images are `00 00 08 03`
(N, 28, 28), labels `00 00 08 01` (N,). Files may be gzipped (as distributed).

>>> import numpy as np
>>> raw = bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 1, 9])
>>> parse_idx(raw, "labels", (None,))
array([7, 1, 9], dtype=uint8)
"""

import gzip
import math
import struct
import zlib

import numpy as np

from ember.datasets.errors import DatasetCorruptError

MAX_BYTES = 64 * 2**20  # no IDX file of these datasets is larger (train images: 47 MB)


def read_maybe_gzip(path, max_bytes=MAX_BYTES):
    """The file's bytes, gunzipped when it starts with the gzip magic; at most `max_bytes`."""
    with open(path, "rb") as f:
        head = f.read(2)
    try:
        if head == b"\x1f\x8b":
            with gzip.open(path, "rb") as f:
                raw = f.read(max_bytes + 1)
        else:
            with open(path, "rb") as f:
                raw = f.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as e:
        raise DatasetCorruptError(path, f"cannot be decompressed ({e})") from None
    if len(raw) > max_bytes:
        raise DatasetCorruptError(path, f"larger than {max_bytes} bytes once decompressed")
    return raw


def parse_idx(raw, name, shape, max_label=None):
    """An uint8 array from IDX bytes, after checking magic, dims and exact length.

    Args:
        raw: the (decompressed) bytes.
        name: the file, for messages.
        shape: the expected shape; None entries accept any size (e.g. `(None, 28, 28)`).
        max_label: when given, every value must be in `0..max_label`.

    Raises:
        DatasetCorruptError: naming the file and the broken invariant.
    """
    if len(raw) < 4:
        raise DatasetCorruptError(name, f"{len(raw)} bytes: too short for an IDX header")
    zero0, zero1, dtype, ndim = raw[0], raw[1], raw[2], raw[3]
    magic = int.from_bytes(raw[:4], "big")
    expected_magic = 0x0800 | len(shape)
    if zero0 or zero1 or dtype != 0x08 or ndim != len(shape):
        raise DatasetCorruptError(name, f"wrong IDX magic number: expected "
                                        f"0x{expected_magic:08x} (unsigned bytes, {len(shape)} "
                                        f"dimensions), received 0x{magic:08x}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetCorruptError(name, f"truncated header: {len(raw)} bytes, the {ndim} "
                                        f"dimensions need {header}")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    for got, want in zip(dims, shape):
        if want is not None and got != want:
            raise DatasetCorruptError(name, f"wrong dimensions: expected {shape}, received "
                                            f"{dims}")
    expected = header + math.prod(dims)  # Python ints: a product of huge dims cannot wrap
    if len(raw) != expected:
        raise DatasetCorruptError(name, f"wrong size: dimensions {dims} need exactly "
                                        f"{expected} bytes, the file has {len(raw)}")
    array = np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims).copy()
    if max_label is not None and array.size and int(array.max()) > max_label:
        bad = np.flatnonzero(array > max_label)
        raise DatasetCorruptError(name, f"label {int(array.flat[bad[0]])} at index "
                                        f"{int(bad[0])} outside 0..{max_label} "
                                        f"({bad.size} such labels)")
    return array


def load_idx_pair(images_path, labels_path, count, num_classes=10):
    """`(x, y)` from an image and a label IDX file holding `count` examples each."""
    x = parse_idx(read_maybe_gzip(images_path), images_path, (count, 28, 28))
    y = parse_idx(read_maybe_gzip(labels_path), labels_path, (count,),
                  max_label=num_classes - 1)
    return x, y


def load_idx_dataset(files, path, dataset):
    """Keras' `((x_train, y_train), (x_test, y_test))` from the four IDX files in `files`
    (a dict of specs with keys train_images, train_labels, test_images, test_labels and a
    count per split)."""
    from ember.datasets._files import locate  # noqa: PLC0415

    local = {key: locate(spec, path, dataset) for key, spec in files.items()
             if key != "counts"}
    train = load_idx_pair(local["train_images"], local["train_labels"], files["counts"][0])
    test = load_idx_pair(local["test_images"], local["test_labels"], files["counts"][1])
    return train, test
