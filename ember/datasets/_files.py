"""Where a dataset file comes from: a local folder (`path=`/`--data-dir`) or ember's cache.

Either way the file is checked against its pinned hash before anything parses it.

>>> import hashlib, os, tempfile
>>> d = tempfile.mkdtemp()
>>> _ = open(os.path.join(d, "f.bin"), "wb").write(b"abc")
>>> spec = {"fname": "f.bin", "sha256": hashlib.sha256(b"abc").hexdigest(), "origins": []}
>>> locate(spec, d, "demo") == os.path.join(d, "f.bin")
True
"""

import os

from ember.datasets.errors import DatasetCorruptError


def locate(spec, path, dataset, cache_subdir=None):
    """The verified local path of the file described by `spec` (fname, sha256, origins).

    Args:
        spec: `{"fname": ..., "sha256": ..., "origins": [url, ...]}`.
        path: a folder holding the file (nothing is downloaded), or None for the cache.
        dataset: the dataset's name, for messages.
        cache_subdir: the cache folder under `$EMBER_HOME`; defaults to `datasets/<dataset>`.

    Raises:
        FileNotFoundError: `path` is given and the file is not in it.
        DatasetCorruptError: the file's SHA-256 is not the pinned one.
        ember.utils.file_utils.DownloadError: offline, with what to place where.
    """
    from ember.utils import file_utils  # noqa: PLC0415  (ember.utils imports this package)

    if path is not None:
        local = os.path.join(os.fspath(path), spec["fname"])
        if not os.path.isfile(local):
            raise FileNotFoundError(
                f"{dataset}: {spec['fname']} is not in {path}; download it from "
                f"{' or '.join(spec['origins'])} (SHA-256 {spec['sha256']}) into that folder")
        got = file_utils.hash_file(local)
        if got != spec["sha256"]:
            raise DatasetCorruptError(local, f"SHA-256 mismatch: expected {spec['sha256']}, "
                                             f"received {got}")
        return local
    subdir = cache_subdir or os.path.join("datasets", dataset)
    return file_utils.get_file(spec["fname"], origin=spec["origins"], file_hash=spec["sha256"],
                               cache_subdir=subdir)
