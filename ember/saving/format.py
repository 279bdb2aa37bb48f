"""ember's file container: one zip archive, checked member by member before anything is parsed.

Every ember file (`model.save`, `model.save_weights`, a `BackupAndRestore` checkpoint) is a zip
archive holding an exact set of members:

=====================  ==========================================================  ===========
member                 content                                                     in kinds
=====================  ==========================================================  ===========
metadata.json          format, format_version, ember_version, date_saved           all
config.json            the model's class name and config; its compile config       model
model.weights.         the weights, safetensors layout (see `tensor_codec`),        all
safetensors            keyed by layer path and variable index (see `api`)
optimizer.safetensors  the optimizer state (`optimizer.get_state()`)               model, ckpt
training_state.json    epoch, step, RNG states, callback state, config hashes     checkpoint
manifest.json          SHA-256 and size of every other member; written last        all
=====================  ==========================================================  ===========

Reading refuses, before parsing any member: anything that is not a zip; member names outside
the allow-list for the file's kind (so no `../`, absolute paths, folders or extra files);
duplicate names; encrypted members, links and compression methods other than stored/deflate;
members over the size caps or with a suspicious compression ratio (zip bombs); a manifest
that is missing, not last, or whose hashes or sizes do not match. A wrong `format` or a newer
major `format_version` is refused with the versions named.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "demo.ember")
>>> write_container(path, "ember.weights", {"model.weights.safetensors": b"\\x00" * 8})
>>> c = read_container(path)
>>> c.kind, sorted(c.members)
('ember.weights', ['model.weights.safetensors'])
"""

import dataclasses
import hashlib
import json
import os
import stat
import struct
import time
import zipfile
import zlib

import ember
from ember.saving.atomic import atomic_writer
from ember.saving.errors import FileFormatError
from ember.saving.tensor_codec import parse_json

FORMAT_VERSION = "1.0"
MANIFEST = "manifest.json"
METADATA = "metadata.json"
KINDS = {
    "ember.model": ({"config.json", "model.weights.safetensors"}, {"optimizer.safetensors"}),
    "ember.weights": ({"model.weights.safetensors"}, set()),
    "ember.checkpoint": ({"training_state.json", "model.weights.safetensors"},
                         {"optimizer.safetensors"}),
}
_ALL_MEMBERS = {METADATA, MANIFEST}.union(*(r | o for r, o in KINDS.values()))
_DESCRIBE = {"ember.model": "a model file (model.save)",
             "ember.weights": "a weights file (model.save_weights)",
             "ember.checkpoint": "a BackupAndRestore checkpoint"}

#: Caps on what a member may declare (bytes); tests and users may lower them.
MAX_JSON_BYTES = 64 * 2**20
MAX_TENSOR_BYTES = 64 * 2**30
MAX_TOTAL_BYTES = 128 * 2**30
#: A member over `BOMB_MIN_BYTES` that inflates more than `MAX_RATIO` times is refused.
MAX_RATIO = 100
BOMB_MIN_BYTES = 2**20
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
               ValueError, NotImplementedError, RuntimeError, struct.error, KeyError)


@dataclasses.dataclass
class Container:
    """A verified ember file: its kind, its metadata and the bytes of its members."""

    path: str
    kind: str
    metadata: dict
    members: dict


class _HashingWriter:
    def __init__(self, stream):
        self.stream, self.sha, self.size = stream, hashlib.sha256(), 0

    def write(self, data):
        view = memoryview(data)
        self.sha.update(view)
        self.size += view.nbytes
        return self.stream.write(view)


def _zip_info(name, compressed):
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    return info


def write_container(path, kind, members, metadata=None):
    """Write an ember file atomically: `metadata.json`, the members, then `manifest.json`.

    Args:
        path: the destination file (its folder must exist).
        kind: "ember.model", "ember.weights" or "ember.checkpoint".
        members: dict of member name -> bytes, or -> a callable writing to a binary stream.
        metadata: extra JSON-ready entries for `metadata.json`.
    """
    required, optional = KINDS[kind]
    names = set(members)
    if not required <= names <= required | optional:
        raise ValueError(f"write_container: {kind} needs members {sorted(required)} (optional "
                         f"{sorted(optional)}); received {sorted(names)}")
    meta = {"format": kind, "format_version": FORMAT_VERSION,
            "ember_version": ember.__version__,
            "date_saved": time.strftime("%Y-%m-%d@%H:%M:%S"), **(metadata or {})}
    items = [(METADATA, json.dumps(meta, indent=2).encode())] + sorted(members.items())
    digests = {}
    with atomic_writer(path) as f, zipfile.ZipFile(f, "w") as zf:
        for name, content in items:
            info = _zip_info(name, compressed=name.endswith(".json"))
            with zf.open(info, "w", force_zip64=True) as raw:
                out = _HashingWriter(raw)
                if callable(content):
                    content(out)
                else:
                    out.write(content)
            digests[name] = {"sha256": out.sha.hexdigest(), "size": out.size}
        manifest = {"format": "ember.manifest", "algorithm": "sha256", "files": digests}
        zf.writestr(_zip_info(MANIFEST, True), json.dumps(manifest, indent=2).encode())


def open_regular_file(path):
    """Open `path` for reading in binary, refusing anything but a regular file (a FIFO, a
    device, a socket) without blocking: `open()` on a FIFO would wait for a writer forever.

    >>> import os, tempfile
    >>> fifo = os.path.join(tempfile.mkdtemp(), "pipe")
    >>> os.mkfifo(fifo)
    >>> try:
    ...     open_regular_file(fifo)
    ... except FileFormatError as e:
    ...     print(e.reason)
    not a regular file (a FIFO); refused
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise FileFormatError(path, "is a folder, not a file") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode)
                    or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else
                    "a folder" if stat.S_ISDIR(mode) else "not a file")
            raise FileFormatError(path, f"not a regular file ({kind}); refused")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_container(path, accept=None):
    """Open and verify an ember file; returns a `Container` with every member's bytes.

    Args:
        path: the file to read.
        accept: the kinds the caller can use (defaults to all); another kind is refused with
            a message saying what the file is and how to load it.

    Raises:
        FileNotFoundError: the file does not exist.
        FileFormatError: anything wrong with the file (named, with expected and received).
    """
    path = str(path)
    with open_regular_file(path) as f:
        head = f.read(4)
        if head != b"PK\x03\x04":
            hint = " (an HDF5 file: ember has no HDF5 support)" if head == b"\x89HDF" else ""
            raise FileFormatError(path, "not an ember file: expected a zip archive (starting "
                                        f"with b'PK\\x03\\x04'), received {head!r}{hint}")
        f.seek(0)
        try:
            zf = zipfile.ZipFile(f)
        except _ZIP_ERRORS as e:
            raise FileFormatError(path, f"not a readable zip archive ({e}): the file is "
                                        "truncated or corrupt") from None
        with zf:
            infos = zf.infolist()
            _check_infos(path, infos)
            by_name = {i.filename: i for i in infos}
            meta = _check_metadata(path, _read(zf, path, by_name.get(METADATA)), accept)
            required, optional = KINDS[meta["format"]]
            present = set(by_name) - {METADATA, MANIFEST}
            if not required <= present <= required | optional or MANIFEST not in by_name:
                raise FileFormatError(path, f"{_DESCRIBE[meta['format']]} must hold "
                                            f"{sorted(required | {METADATA, MANIFEST})} "
                                            f"(optionally {sorted(optional)}); it holds "
                                            f"{sorted(by_name)}")
            if infos[-1].filename != MANIFEST:
                raise FileFormatError(path, "manifest.json must be the last member (it marks a "
                                            "complete write); the file is incomplete or altered")
            manifest = _read(zf, path, by_name[MANIFEST])
            members = {n: _read(zf, path, by_name[n]) for n in sorted(present | {METADATA})}
    _check_manifest(path, manifest, members)
    members.pop(METADATA)
    return Container(path, meta["format"], meta, members)


def _check_infos(path, infos):
    seen, total = set(), 0
    for info in infos:
        name = info.filename
        if name not in _ALL_MEMBERS:
            keras = " (a Keras .keras file: ember reads only its own files)" if name.endswith(
                ".h5") else ""
            raise FileFormatError(path, f"unexpected member {name[:200]!r}{keras}: an ember file "
                                        f"holds only {sorted(_ALL_MEMBERS)}")
        if name in seen:
            raise FileFormatError(path, f"member {name!r} appears twice")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise FileFormatError(path, f"member {name!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileFormatError(path, f"member {name!r} uses compression method "
                                        f"{info.compress_type}; expected stored (0) or deflate (8)")
        mode = info.external_attr >> 16
        if info.is_dir() or stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # 0: type not recorded
            raise FileFormatError(path, f"member {name!r} is not a regular file "
                                        f"(mode {oct(mode)})")
        cap = MAX_JSON_BYTES if name.endswith(".json") else MAX_TENSOR_BYTES
        if info.file_size > cap:
            raise FileFormatError(path, f"member {name!r} declares {info.file_size} bytes; at "
                                        f"most {cap} are accepted")
        if (info.file_size > BOMB_MIN_BYTES
                and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise FileFormatError(path, f"member {name!r} inflates {info.compress_size} bytes "
                                        f"to {info.file_size} (over {MAX_RATIO}x): refused as a "
                                        "possible zip bomb")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise FileFormatError(path, f"the members declare {total} bytes in all; at most "
                                    f"{MAX_TOTAL_BYTES} are accepted")


def _read(zf, path, info):
    if info is None:
        raise FileFormatError(path, f"missing {METADATA}: not an ember file")
    try:
        with zf.open(info) as member:
            data = member.read(info.file_size + 1)
    except _ZIP_ERRORS as e:
        raise FileFormatError(path, f"member {info.filename!r} cannot be read ({e}): the file "
                                    "is truncated or corrupt") from None
    if len(data) != info.file_size:
        raise FileFormatError(path, f"member {info.filename!r} holds {len(data)} bytes; its "
                                    f"header declares {info.file_size}")
    return data


def _check_metadata(path, raw, accept):
    meta = parse_json(raw, path, METADATA, MAX_JSON_BYTES)
    kind = meta.get("format") if isinstance(meta, dict) else None
    if kind not in KINDS:
        raise FileFormatError(path, f"{METADATA}: expected format one of {sorted(KINDS)}; "
                                    f"received {str(kind)[:100]!r}")
    version = meta.get("format_version")
    major = version.split(".")[0] if isinstance(version, str) else None
    if major != FORMAT_VERSION.split(".")[0]:
        raise FileFormatError(path, f"{METADATA}: format_version {str(version)[:50]!r} cannot be "
                                    f"read by ember {ember.__version__}, which reads "
                                    f"{FORMAT_VERSION.split('.')[0]}.x")
    if accept is not None and kind not in accept:
        wanted = " or ".join(_DESCRIBE[k] for k in accept)
        raise FileFormatError(path, f"this is {_DESCRIBE[kind]}; expected {wanted}")
    return meta


def _check_manifest(path, raw, members):
    manifest = parse_json(raw, path, MANIFEST, MAX_JSON_BYTES)
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if (not isinstance(manifest, dict) or manifest.get("algorithm") != "sha256"
            or not isinstance(files, dict)):
        raise FileFormatError(path, f"{MANIFEST}: expected {{'algorithm': 'sha256', 'files': "
                                    "{name: {sha256, size}}}")
    if set(files) != set(members):
        raise FileFormatError(path, f"{MANIFEST} lists {sorted(files)[:20]} but the archive "
                                    f"holds {sorted(members)}")
    for name, data in members.items():
        entry = files[name]
        digest = hashlib.sha256(data).hexdigest()
        if not isinstance(entry, dict) or entry.get("sha256") != digest:
            expected = entry.get("sha256") if isinstance(entry, dict) else entry
            raise FileFormatError(path, f"member {name!r} fails its integrity check: "
                                        f"{MANIFEST} expects sha256 {str(expected)[:80]}, the "
                                        f"content hashes to {digest} (corrupt or tampered)")
        if entry.get("size") != len(data):
            raise FileFormatError(path, f"member {name!r}: {MANIFEST} expects "
                                        f"{str(entry.get('size'))[:30]} bytes, it holds "
                                        f"{len(data)}")
