"""Helpers for crafting valid and malicious ember files by hand."""

import hashlib
import json
import os
import stat
import zipfile

import pytest

import ember

#: A protocol-0 pickle that would run `os.system("touch <sentinel>")` if anything unpickled it.
PICKLE_TEMPLATE = b"cposix\nsystem\n(S'touch %s'\ntR."


def metadata(kind="ember.weights", version="1.0"):
    return json.dumps({"format": kind, "format_version": version,
                       "ember_version": ember.__version__,
                       "date_saved": "2026-01-01@00:00:00"}).encode()


def manifest_for(members):
    return json.dumps({"format": "ember.manifest", "algorithm": "sha256",
                       "files": {n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                                 for n, d in members}}).encode()


def make_zip(path, members, manifest=True, compression=zipfile.ZIP_STORED, attrs=None):
    """Write `members` ([(name, bytes)]) as a zip, with a matching manifest appended last."""
    members = list(members)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compression
            info.external_attr = (attrs or {}).get(name, (stat.S_IFREG | 0o644) << 16)
            zf.writestr(info, data)
        if manifest:
            zf.writestr("manifest.json", manifest_for(members))
    return path


def tree(root):
    """Every path under `root` (to prove nothing was written)."""
    out = set()
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            out.add(os.path.relpath(os.path.join(folder, name), root))
    return out


class Craft:
    """The helpers above, handed to tests by the `craft` fixture."""

    PICKLE_TEMPLATE = PICKLE_TEMPLATE
    metadata = staticmethod(metadata)
    manifest_for = staticmethod(manifest_for)
    make_zip = staticmethod(make_zip)
    tree = staticmethod(tree)


@pytest.fixture
def craft():
    return Craft


@pytest.fixture
def sentinel(tmp_path):
    """A path that must never come into existence; checked after the test."""
    path = tmp_path / "SENTINEL_CODE_RAN"
    yield path
    assert not path.exists(), "a malicious file ran code"
