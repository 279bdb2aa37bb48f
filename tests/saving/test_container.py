"""The zip container: member allow-list, caps, bombs, manifest hashes, truncation, bit flips."""

import io
import os
import stat
import warnings
import zipfile

import numpy as np
import pytest

from ember.saving import FileFormatError
from ember.saving import format as fmt
from ember.saving.tensor_codec import decode_tensors, encode_tensors

WEIGHTS = "model.weights.safetensors"


@pytest.fixture
def good(tmp_path):
    path = str(tmp_path / "good.weights.ember")
    fmt.write_container(path, "ember.weights",
                        {WEIGHTS: encode_tensors({"w": np.arange(64, dtype=np.float32)})})
    return path


def refused(path, *words, accept=None):
    with pytest.raises(FileFormatError) as info:
        fmt.read_container(path, accept=accept)
    message = str(info.value)
    assert message.startswith(str(path)), message
    for word in words:
        assert word in message, message
    return message


def test_round_trip_and_layout(good):
    c = fmt.read_container(good)
    assert c.kind == "ember.weights" and c.metadata["format_version"] == fmt.FORMAT_VERSION
    assert set(c.metadata) >= {"ember_version", "date_saved"}
    with zipfile.ZipFile(good) as zf:
        assert [i.filename for i in zf.infolist()] == ["metadata.json", WEIGHTS, "manifest.json"]
    assert list(c.members) == [WEIGHTS]


def test_callable_members_stream_and_are_hashed(tmp_path):
    path = tmp_path / "m.ember"
    fmt.write_container(path, "ember.weights", {WEIGHTS: lambda s: s.write(b"12345678")})
    assert fmt.read_container(path).members[WEIGHTS] == b"12345678"


def test_writer_checks_member_set(tmp_path):
    with pytest.raises(ValueError, match="needs members"):
        fmt.write_container(tmp_path / "x", "ember.model", {WEIGHTS: b""})


@pytest.mark.parametrize("content, words", [
    (b"", ("expected a zip archive",)),
    (b"hello world", ("expected a zip archive", "b'hell'")),
    (b"\x89HDF\r\n\x1a\n" + b"\0" * 100, ("expected a zip archive", "no HDF5 support")),
    (b"PK\x03\x04" + b"\0" * 10, ("not a readable zip",)),
])
def test_not_a_zip(tmp_path, content, words):
    path = tmp_path / "foreign.ember"
    path.write_bytes(content)
    refused(path, *words)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        fmt.read_container(tmp_path / "nope.ember")


def test_truncated_at_many_offsets(good, tmp_path):
    data = open(good, "rb").read()
    for cut in sorted({4, 10, 30, 100, len(data) // 3, len(data) // 2, len(data) - 30,
                       len(data) - 1}):
        path = tmp_path / f"cut{cut}.ember"
        path.write_bytes(data[:cut])
        refused(path)


def test_every_bit_flip_is_refused_or_harmless(good, tmp_path):
    """A flipped bit anywhere: refused with FileFormatError, or (in zip bookkeeping fields
    such as timestamps) read back with byte-identical members. Never other errors, never
    different data."""
    data = bytearray(open(good, "rb").read())
    original = fmt.read_container(good).members
    path = tmp_path / "flip.ember"
    refused_count = 0
    for pos in range(len(data)):
        flipped = bytearray(data)
        flipped[pos] ^= 1 << (pos % 8)
        path.write_bytes(flipped)
        try:
            c = fmt.read_container(path)
        except FileFormatError:
            refused_count += 1
            continue
        assert c.members == original, f"bit flip at byte {pos} changed the data silently"
    assert refused_count > len(data) // 2


def test_payload_bit_flips_are_all_caught(good, tmp_path):
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo(WEIGHTS)
    data = bytearray(open(good, "rb").read())
    at = info.header_offset
    start = at + 30 + int.from_bytes(data[at + 26:at + 28], "little") + int.from_bytes(
        data[at + 28:at + 30], "little")  # past the local header, its name and extra field
    for pos in range(start, start + info.compress_size, 7):
        flipped = bytearray(data)
        flipped[pos] ^= 0x10
        (tmp_path / "f.ember").write_bytes(flipped)
        refused(tmp_path / "f.ember")


def test_tampered_member_with_fixed_crc_fails_the_manifest(good, tmp_path, craft):
    with zipfile.ZipFile(good) as zf:
        members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    weights = bytearray(members[1][1])
    weights[-1] ^= 0xFF
    path = craft.make_zip(tmp_path / "t.ember", [members[0], (WEIGHTS, bytes(weights)),
                                           members[2]], manifest=False)
    refused(path, "fails its integrity check", "sha256")


def test_manifest_rules(tmp_path, craft):
    meta, w = ("metadata.json", craft.metadata()), (WEIGHTS, encode_tensors({}))
    refused(craft.make_zip(tmp_path / "a", [meta, w], manifest=False), "must hold", "manifest.json")
    with zipfile.ZipFile(tmp_path / "b", "w") as zf:  # manifest not last
        zf.writestr("manifest.json", craft.manifest_for([meta, w]))
        zf.writestr(*meta)
        zf.writestr(*w)
    refused(tmp_path / "b", "must be the last member")
    with zipfile.ZipFile(tmp_path / "c", "w") as zf:  # manifest missing one member
        zf.writestr(*meta)
        zf.writestr(*w)
        zf.writestr("manifest.json", craft.manifest_for([meta]))
    refused(tmp_path / "c", "manifest.json lists")
    with zipfile.ZipFile(tmp_path / "d", "w") as zf:
        zf.writestr(*meta)
        zf.writestr(*w)
        zf.writestr("manifest.json", b'{"algorithm": "md5", "files": {}}')
    refused(tmp_path / "d", "sha256")


@pytest.mark.parametrize("name", ["../evil.py", "/etc/cron.d/evil", "dir/", "a/../../x",
                                  "extra.json", "model.weights.h5", "assets/x.txt",
                                  "..\\evil.py"])
def test_unexpected_member_names_are_refused(tmp_path, name, sentinel, craft):
    before = craft.tree(tmp_path)
    members = [("metadata.json", craft.metadata()), (WEIGHTS, encode_tensors({})), (name, b"x")]
    try:
        path = craft.make_zip(tmp_path / "evil.ember", members)
    except ValueError:  # zipfile itself may refuse to write NUL names
        pytest.skip("zipfile cannot write this name")
    refused(path, "unexpected member")
    assert craft.tree(tmp_path) == before | {"evil.ember"}


def test_duplicate_members_refused(tmp_path, craft):
    members = [("metadata.json", craft.metadata()), (WEIGHTS, encode_tensors({})),
               (WEIGHTS, encode_tensors({}))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        path = craft.make_zip(tmp_path / "dup.ember", members)
    refused(path, "appears twice")


def test_links_encryption_and_odd_compression(tmp_path, craft):
    meta, w = ("metadata.json", craft.metadata()), (WEIGHTS, encode_tensors({}))
    link = craft.make_zip(tmp_path / "l", [meta, w], attrs={WEIGHTS: (stat.S_IFLNK | 0o777) << 16})
    refused(link, "not a regular file")
    bz = craft.make_zip(tmp_path / "bz", [meta, w], compression=zipfile.ZIP_BZIP2)
    refused(bz, "compression method")
    enc = bytearray(open(craft.make_zip(tmp_path / "e", [meta, w]), "rb").read())
    enc[6] |= 1  # general-purpose flag bit 0 (encrypted) of the first local header ...
    enc[enc.find(b"PK\x01\x02") + 8] |= 1  # ... and of its central-directory entry
    (tmp_path / "e").write_bytes(enc)
    refused(tmp_path / "e", "encrypted")


def test_zip_bomb_ratio_and_size_caps(tmp_path, monkeypatch, craft):
    zeros = b"\0" * (8 * 2**20)
    bomb = craft.make_zip(tmp_path / "bomb",
                          [("metadata.json", craft.metadata()), (WEIGHTS, zeros)],
                          compression=zipfile.ZIP_DEFLATED)
    assert os.path.getsize(bomb) < 100_000
    refused(bomb, "zip bomb")
    monkeypatch.setattr(fmt, "MAX_JSON_BYTES", 100)
    big = craft.make_zip(tmp_path / "big", [("metadata.json", craft.metadata() + b" " * 200),
                                      (WEIGHTS, encode_tensors({}))])
    refused(big, "declares", "at most 100")
    monkeypatch.setattr(fmt, "MAX_JSON_BYTES", 10_000)
    monkeypatch.setattr(fmt, "MAX_TOTAL_BYTES", 400)
    total = craft.make_zip(tmp_path / "t", [("metadata.json", b"{}"), (WEIGHTS, b"0" * 200)])
    refused(total, "in all", "at most 400")


def test_declared_size_lies_are_caught(good, tmp_path):
    """A central directory declaring fewer bytes than stored: read stops, hash mismatch."""
    data = bytearray(open(good, "rb").read())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo(WEIGHTS)
    first = data.find(b"PK\x01\x02")  # central entries: metadata.json, then the weights
    pos = data.find(b"PK\x01\x02", first + 1)
    size_at = pos + 24
    old = int.from_bytes(data[size_at:size_at + 4], "little")
    assert old == info.file_size
    data[size_at:size_at + 4] = (old - 4).to_bytes(4, "little")
    (tmp_path / "lie").write_bytes(data)
    refused(tmp_path / "lie")


def test_metadata_kind_and_version(tmp_path, craft):
    w = (WEIGHTS, encode_tensors({}))
    refused(craft.make_zip(tmp_path / "a", [("metadata.json", craft.metadata("keras")), w]),
            "expected format one of")
    refused(craft.make_zip(tmp_path / "b", [("metadata.json", craft.metadata(version="2.0")), w]),
            "format_version '2.0'", "1.x")
    refused(craft.make_zip(tmp_path / "c", [("metadata.json", b"[]"), w]), "expected format")
    refused(craft.make_zip(tmp_path / "d", [("metadata.json", b"{oops"), w]), "not valid JSON")
    ok = craft.make_zip(tmp_path / "e", [("metadata.json", craft.metadata(version="1.7")), w])
    assert fmt.read_container(ok).kind == "ember.weights"
    refused(ok, "this is a weights file", "expected a model file", accept=("ember.model",))


def test_a_keras_file_is_refused_with_its_members_named(tmp_path, craft):
    path = craft.make_zip(tmp_path / "model.keras", [("metadata.json", b'{"keras_version": "3"}'),
                                               ("config.json", b"{}"),
                                               ("model.weights.h5", b"\x89HDF")],
                    manifest=False)
    refused(path, "unexpected member 'model.weights.h5' (a Keras .keras file")


def test_pickle_payload_as_weights_runs_nothing(tmp_path, sentinel, craft):
    payload = craft.PICKLE_TEMPLATE % str(sentinel).encode()
    path = craft.make_zip(tmp_path / "p.ember",
                          [("metadata.json", craft.metadata()), (WEIGHTS, payload)])
    c = fmt.read_container(path)  # the container is intact ...
    with pytest.raises(FileFormatError, match="header length"):  # ... its content is not
        decode_tensors(c.members[WEIGHTS], "p.ember")


def test_write_is_deterministic_apart_from_the_date(tmp_path):
    members = {WEIGHTS: encode_tensors({"a": np.ones(3, np.float32)})}
    fmt.write_container(tmp_path / "1", "ember.weights", members, metadata={"date_saved": "x"})
    fmt.write_container(tmp_path / "2", "ember.weights", members, metadata={"date_saved": "x"})
    assert (tmp_path / "1").read_bytes() == (tmp_path / "2").read_bytes()
    assert zipfile.is_zipfile(io.BytesIO((tmp_path / "1").read_bytes()))
