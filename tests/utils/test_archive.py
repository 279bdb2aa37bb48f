"""Safe extraction: traversal, absolute paths, links, unexpected members, bombs."""

import hashlib
import io
import os
import tarfile
import zipfile

import pytest

from ember.utils.archive import ArchiveError, extract_archive
from ember.utils.file_utils import get_file


def tree(root):
    return sorted(os.path.relpath(os.path.join(d, n), root)
                  for d, dirs, files in os.walk(root) for n in dirs + files)


def make_tar(path, entries):
    """entries: (name, kind, payload) with kind file/symlink/hardlink/dir/fifo."""
    with tarfile.open(path, "w:gz") as tar:
        for name, kind, payload in entries:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
                continue
            info.type = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
                         "dir": tarfile.DIRTYPE, "fifo": tarfile.FIFOTYPE}[kind]
            info.linkname = payload or ""
            tar.addfile(info)
    return path


@pytest.fixture
def box(tmp_path):
    """(archive folder, target, sandbox root): the test checks nothing lands in the root
    outside the target."""
    (tmp_path / "in").mkdir()
    return tmp_path / "in", tmp_path / "out" / "target", tmp_path


def test_valid_tar_extracts(box):
    src, target, _ = box
    path = make_tar(src / "ok.tar.gz", [("d", "dir", None), ("d/a.txt", "file", b"a"),
                                         ("b.txt", "file", b"bb")])
    extract_archive(path, target)
    assert tree(target) == ["b.txt", "d", "d/a.txt"]
    assert (target / "b.txt").read_bytes() == b"bb"


@pytest.mark.parametrize("entries, reason", [
    ([("ok.txt", "file", b"x"), ("../evil.txt", "file", b"x")], "'..'"),
    ([("d/../../evil.txt", "file", b"x")], "'..'"),
    ([("/tmp/evil_abs.txt", "file", b"x")], "absolute"),
    ([("link", "symlink", "/etc/passwd")], "symlink"),
    ([("link", "symlink", "../../outside")], "symlink"),
    ([("hard", "hardlink", "../../outside.txt")], "hard link"),
    ([("hard", "hardlink", "/etc/passwd")], "hard link"),
    ([("fifo", "fifo", None)], "special"),
])
def test_malicious_tar_refused_nothing_written(box, entries, reason):
    src, target, root = box
    path = make_tar(src / "bad.tar.gz", entries)
    before = tree(root)
    with pytest.raises(ArchiveError, match=reason):
        extract_archive(path, target)
    assert tree(root) == before  # no target, no staging folder, nothing outside
    assert not os.path.exists("/tmp/evil_abs.txt")


def test_symlink_then_write_through_it_refused(box):
    src, target, root = box
    path = make_tar(src / "bad.tar.gz", [("d", "symlink", str(root)),
                                          ("d/escape.txt", "file", b"x")])
    with pytest.raises(ArchiveError):
        extract_archive(path, target)
    assert not (root / "escape.txt").exists() and not target.exists()


def test_only_expected_members(box):
    src, target, root = box
    path = make_tar(src / "a.tar.gz", [("a.txt", "file", b"a"), ("extra.sh", "file", b"x")])
    with pytest.raises(ArchiveError, match="extra.sh.*expected"):
        extract_archive(path, target, members={"a.txt"})
    with pytest.raises(ArchiveError, match="missing"):
        extract_archive(path, target, members={"a.txt", "extra.sh", "b.txt"})
    assert not target.exists()
    extract_archive(path, target, members={"a.txt", "extra.sh"})
    assert tree(target) == ["a.txt", "extra.sh"]


def test_size_cap(box):
    src, target, _ = box
    path = make_tar(src / "big.tar.gz", [("a", "file", b"0" * 5000)])
    with pytest.raises(ArchiveError, match="expands past"):
        extract_archive(path, target, max_bytes=4000)


def make_zip(path, entries):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, payload, mode in entries:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, payload)
    return path


@pytest.mark.parametrize("name, mode, reason", [
    ("../zipslip.txt", 0o100644, "'..'"), ("/abs.txt", 0o100644, "absolute"),
    ("a/../../x.txt", 0o100644, "'..'"), ("lnk", 0o120777, "symlink"),
])
def test_malicious_zip_refused(box, name, mode, reason):
    src, target, root = box
    path = make_zip(src / "bad.zip", [("fine.txt", b"ok", 0o100644), (name, b"../../x", mode)])
    before = tree(root)
    with pytest.raises(ArchiveError, match=reason):
        extract_archive(path, target)
    assert tree(root) == before


def test_zip_bomb_ratio_refused(box):
    src, target, _ = box
    path = make_zip(src / "bomb.zip", [("zeros", b"\0" * (4 << 20), 0o100644)])
    with pytest.raises(ArchiveError, match="bomb"):
        extract_archive(path, target)


def test_valid_zip(box):
    src, target, _ = box
    path = make_zip(src / "ok.zip", [("x/y.txt", b"yy", 0o100644)])
    extract_archive(path, target)
    assert (target / "x" / "y.txt").read_bytes() == b"yy"


def test_archive_format_restricts_what_is_opened(box):
    src, target, root = box
    zip_path = make_zip(src / "ok.zip", [("y.txt", b"yy", 0o100644)])
    tar_path = make_tar(src / "ok.tar.gz", [("t.txt", "file", b"t")])
    before = tree(root)
    with pytest.raises(ValueError, match=r"\['tar'\]"):
        extract_archive(zip_path, target, archive_format="tar")
    with pytest.raises(ValueError, match=r"\['zip'\]"):
        extract_archive(tar_path, target, archive_format=["zip"])
    with pytest.raises(ValueError, match="archive_format"):
        extract_archive(tar_path, target, archive_format="rar")
    assert tree(root) == before
    extract_archive(tar_path, target, archive_format="tar")
    assert tree(target) == ["t.txt"]


def test_get_file_extract_uses_cache_and_safe_path(box):
    src, _, root = box
    path = make_tar(src / "pack.tar.gz", [("pack/a.txt", "file", b"a")])
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    cache = root / "cache"
    (cache / "datasets").mkdir(parents=True)
    (cache / "datasets" / "pack.tar.gz").write_bytes(path.read_bytes())
    out = get_file("pack.tar.gz", origin="http://127.0.0.1:9/x", file_hash=digest,
                   cache_dir=str(cache), extract=True, members={"pack/a.txt"})
    assert out == str(cache / "datasets" / "pack")
    assert (cache / "datasets" / "pack" / "pack" / "a.txt").read_bytes() == b"a"
    assert get_file("pack.tar.gz", origin="http://127.0.0.1:9/x", file_hash=digest,
                    cache_dir=str(cache), extract=True) == out  # marker: not extracted again
    evil = make_tar(src / "evil.tar.gz", [("../../escape.txt", "file", b"x")])
    (cache / "datasets" / "evil.tar.gz").write_bytes(evil.read_bytes())
    with pytest.raises(ArchiveError):
        get_file("evil.tar.gz", origin="http://127.0.0.1:9/x", cache_dir=str(cache),
                 file_hash=hashlib.sha256(evil.read_bytes()).hexdigest(), extract=True)
    assert not (root / "escape.txt").exists() and not (cache / "escape.txt").exists()


def test_tampered_cached_archive_is_never_extracted(box):
    src, _, root = box
    good = make_tar(src / "pack.tar.gz", [("pack/a.txt", "file", b"a")])
    digest = hashlib.sha256(good.read_bytes()).hexdigest()
    evil = make_tar(src / "evil.tar.gz", [("../../escape.txt", "file", b"x")])
    cache = root / "cache"
    (cache / "datasets").mkdir(parents=True)
    (cache / "datasets" / "pack.tar.gz").write_bytes(evil.read_bytes())  # swapped in the cache
    with pytest.raises(FileNotFoundError, match="Could not download pack.tar.gz"):
        get_file("pack.tar.gz", origin="http://127.0.0.1:9/pack.tar.gz", file_hash=digest,
                 cache_dir=str(cache), extract=True, retries=1)
    assert not (root / "escape.txt").exists() and not (cache / "datasets" / "pack").exists()
    assert not (cache / "datasets" / "pack.tar.gz").exists()  # the bad copy was dropped
    out = get_file("pack.tar.gz", origin=good.as_uri(), file_hash=digest, cache_dir=str(cache),
                   untar=True)
    assert (cache / "datasets" / "pack" / "pack" / "a.txt").read_bytes() == b"a"
    assert out == str(cache / "datasets" / "pack")
