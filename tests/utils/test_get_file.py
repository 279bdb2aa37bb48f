"""get_file against a local HTTP server: hashes, retries, mirrors, truncation, locking."""

import hashlib
import multiprocessing
import os

import pytest

from ember.datasets.errors import DatasetCorruptError
from ember.utils.file_utils import DownloadError, get_file, hash_file

BODY = bytes(range(256)) * 400  # 102,400 bytes
SHA = hashlib.sha256(BODY).hexdigest()


def listing(root):
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, files in os.walk(root) for f in files)


def fetch(url, tmp_path, **kw):
    kw.setdefault("file_hash", SHA)
    return get_file("blob.bin", origin=url, cache_dir=str(tmp_path), retries=kw.pop("retries", 2),
                    backoff=0.01, timeout=5, progress=False, **kw)


def test_download_verifies_and_caches(http_server, tmp_path):
    base, routes = http_server
    routes.add("/blob.bin", BODY)
    path = fetch(base + "/blob.bin", tmp_path)
    assert path == str(tmp_path / "datasets" / "blob.bin")
    assert open(path, "rb").read() == BODY
    fetch(base + "/blob.bin", tmp_path)  # cached: no second request
    assert routes.count("/blob.bin") == 1
    assert listing(tmp_path) == ["datasets/blob.bin", "datasets/blob.bin.lock"]


def test_ember_home_and_default_fname(http_server, tmp_path, monkeypatch):
    base, routes = http_server
    routes.add("/dir/blob.bin", BODY)
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "home"))
    path = get_file(origin=base + "/dir/blob.bin", file_hash=SHA, progress=False)
    assert path == str(tmp_path / "home" / "datasets" / "blob.bin")


def test_md5_hash_accepted(http_server, tmp_path):
    base, routes = http_server
    routes.add("/blob.bin", BODY)
    fetch(base + "/blob.bin", tmp_path, file_hash=hashlib.md5(BODY).hexdigest())


def test_hash_mismatch_leaves_nothing_and_does_not_poison(http_server, tmp_path):
    base, routes = http_server
    routes.add("/bad.bin", BODY[:-1] + b"X")
    routes.add("/blob.bin", BODY)
    with pytest.raises(DatasetCorruptError) as err:
        fetch(base + "/bad.bin", tmp_path)
    msg = str(err.value)
    assert "blob.bin" in msg and SHA in msg and hashlib.sha256(BODY[:-1] + b"X").hexdigest() \
        in msg
    assert listing(tmp_path) == ["datasets/blob.bin.lock"]  # no partial, no bad copy
    assert routes.count("/bad.bin") == 1  # wrong bytes are not fetched again and again
    fetch(base + "/blob.bin", tmp_path)  # the cache still works
    assert hash_file(tmp_path / "datasets" / "blob.bin") == SHA


def test_corrupt_cached_copy_fetched_again_once(http_server, tmp_path):
    base, routes = http_server
    routes.add("/blob.bin", BODY)
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "blob.bin").write_bytes(b"stale")
    fetch(base + "/blob.bin", tmp_path)
    assert routes.count("/blob.bin") == 1
    assert (tmp_path / "datasets" / "blob.bin").read_bytes() == BODY


def test_corrupt_cache_and_corrupt_server_gives_clear_error(http_server, tmp_path):
    base, routes = http_server
    routes.add("/blob.bin", b"also wrong")
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "blob.bin").write_bytes(b"stale")
    with pytest.raises(DatasetCorruptError, match="expected " + SHA):
        fetch(base + "/blob.bin", tmp_path)
    assert routes.count("/blob.bin") == 1
    assert not (tmp_path / "datasets" / "blob.bin").exists()


def test_server_dies_mid_transfer_then_retry_succeeds(http_server, tmp_path):
    base, routes = http_server
    routes.add("/cut.bin", BODY, cut=5000)
    with pytest.raises(DownloadError, match="5000 of 102400|IncompleteRead|incomplete"):
        fetch(base + "/cut.bin", tmp_path)
    assert listing(tmp_path) == ["datasets/blob.bin.lock"]  # no partial file
    assert routes.count("/cut.bin") == 2  # retried
    routes.add("/cut.bin", BODY)  # the server recovers
    fetch(base + "/cut.bin", tmp_path)
    assert hash_file(tmp_path / "datasets" / "blob.bin") == SHA


def test_transfer_cut_once_then_the_retry_completes(http_server, tmp_path):
    base, routes = http_server
    routes.add("/blob.bin", BODY, cut=70000, cut_times=1)
    fetch(base + "/blob.bin", tmp_path)
    assert routes.count("/blob.bin") == 2
    assert listing(tmp_path) == ["datasets/blob.bin", "datasets/blob.bin.lock"]


def test_plain_progress_bar_without_tqdm(http_server, tmp_path, capsys):
    base, routes = http_server
    routes.add("/blob.bin", BODY)
    get_file("blob.bin", origin=base + "/blob.bin", file_hash=SHA, cache_dir=str(tmp_path),
             progress=True)
    err = capsys.readouterr().err
    assert "Downloading blob.bin" in err and "100.0%" in err


def test_retries_with_backoff_after_errors(http_server, tmp_path):
    base, routes = http_server
    routes.add("/flaky.bin", BODY, fail=2)
    fetch(base + "/flaky.bin", tmp_path, retries=3)
    assert routes.count("/flaky.bin") == 3


def test_mirrors_tried_in_turn(http_server, tmp_path):
    base, routes = http_server
    routes.add("/mirror2/blob.bin", BODY)
    fetch([base + "/missing/blob.bin", base + "/mirror2/blob.bin"], tmp_path)
    assert routes.count("/missing/blob.bin") == 1 and routes.count("/mirror2/blob.bin") == 1


def test_offline_error_says_what_and_where(tmp_path):
    with pytest.raises(DownloadError) as err:
        fetch("http://127.0.0.1:9/blob.bin", tmp_path, retries=1)
    msg = str(err.value)
    assert "blob.bin" in msg and "http://127.0.0.1:9/blob.bin" in msg
    assert str(tmp_path / "datasets" / "blob.bin") in msg and SHA in msg and "--data-dir" in msg


@pytest.mark.parametrize("fname", ["../evil", "a/b", "", ".."])
def test_fname_must_be_plain(fname, tmp_path):
    with pytest.raises(ValueError, match="plain file name"):
        get_file(fname, origin="http://127.0.0.1:9/x", cache_dir=str(tmp_path))


def test_origin_scheme_checked(tmp_path):
    with pytest.raises(ValueError, match="http"):
        get_file("x", origin="ftp://example.org/x", cache_dir=str(tmp_path))


def _worker(url, cache, queue):
    try:
        path = get_file("blob.bin", origin=url, file_hash=SHA, cache_dir=cache, progress=False,
                        timeout=10)
        queue.put(hash_file(path))
    except Exception as e:  # reported to the parent
        queue.put(repr(e))


def test_two_concurrent_downloads_leave_one_good_copy(http_server, tmp_path):
    base, routes = http_server
    routes.add("/slow.bin", BODY, delay=0.3)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(base + "/slow.bin", str(tmp_path), queue))
             for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=20) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    assert results == [SHA, SHA]
    assert routes.count("/slow.bin") == 1  # the second waited on the lock and used the copy
    assert listing(tmp_path) == ["datasets/blob.bin", "datasets/blob.bin.lock"]
