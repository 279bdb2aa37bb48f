"""The CIFAR *binary* format (never the pickled "python version"), with every invariant checked.

CIFAR-10: each batch file is exactly 10,000 records of 3,073 bytes: one label byte (0..9) and
3,072 pixel bytes (1,024 red, 1,024 green, 1,024 blue, row-major 32x32). CIFAR-100: records of
3,074 bytes: a coarse label (0..19), a fine label (0..99), then the 3,072 pixels. Images are
returned channels-last (N, 32, 32, 3) as Keras does.

>>> import numpy as np
>>> rec = bytes([3]) + bytes(3072)
>>> x, (y,) = parse_records(rec, "one.bin", label_bytes=1, count=1, label_max=(9,))
>>> x.shape, y.tolist()
((1, 32, 32, 3), [3])
"""

import tarfile

import numpy as np

from ember.datasets.errors import DatasetCorruptError

PIXELS = 3 * 32 * 32


def parse_records(raw, name, label_bytes, count, label_max):
    """`(x, labels)` from the raw bytes of a CIFAR binary file of exactly `count` records.

    Args:
        raw: the file's bytes.
        name: the file, for messages.
        label_bytes: 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine).
        count: the number of records the file must hold.
        label_max: the largest allowed value of each label byte.

    Returns:
        uint8 images (count, 32, 32, 3) and a tuple of uint8 label arrays (count,).

    Raises:
        DatasetCorruptError: wrong size or a label out of range, naming the file.
    """
    record = label_bytes + PIXELS
    if len(raw) != count * record:
        raise DatasetCorruptError(name, f"wrong size: expected exactly {count} records of "
                                        f"{record} bytes = {count * record} bytes, received "
                                        f"{len(raw)} bytes")
    table = np.frombuffer(raw, dtype=np.uint8).reshape(count, record)
    labels = []
    for i, top in enumerate(label_max):
        column = table[:, i].copy()
        bad = np.flatnonzero(column > top)
        if bad.size:
            raise DatasetCorruptError(name, f"label {int(column[bad[0]])} of record "
                                            f"{int(bad[0])} is outside 0..{top} ({bad.size} "
                                            "such records)")
        labels.append(column)
    x = table[:, label_bytes:].reshape(count, 3, 32, 32).transpose(0, 2, 3, 1).copy()
    return x, tuple(labels)


def read_members(archive, names, max_bytes=2**28):
    """`{name: bytes}` for the given regular-file members of a tar archive, read in memory
    (nothing extracted to disk). Links, special files and missing members are errors."""
    out = {}
    try:
        with tarfile.open(archive, "r:*") as tar:
            for info in tar:
                if info.name not in names:
                    continue
                if not info.isreg():
                    raise DatasetCorruptError(archive, f"member {info.name} is not a regular "
                                                       "file")
                if info.size > max_bytes:
                    raise DatasetCorruptError(archive, f"member {info.name} declares "
                                                       f"{info.size} bytes")
                out[info.name] = tar.extractfile(info).read()
    except (tarfile.TarError, EOFError, OSError) as e:
        raise DatasetCorruptError(archive, f"cannot be read as a tar.gz archive ({e})") from None
    missing = sorted(set(names) - set(out))
    if missing:
        raise DatasetCorruptError(archive, f"expected member {missing[0]} is missing")
    return out
