"""The local file store: content addressing, crash-safe layout, and the storage interface."""

from __future__ import annotations

import datetime
import hashlib
import os

import pytest

from annexa.evidence.storage import (
    BlobMissing,
    FileBlobStore,
    StorageError,
    get_store,
    store_for_url,
)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def store(tmp_path) -> FileBlobStore:
    return FileBlobStore(tmp_path / "store")


def test_it_is_configured_from_settings(blob_root):
    store = get_store()
    assert isinstance(store, FileBlobStore)
    assert store.root == blob_root


def test_it_refuses_unknown_schemes_and_relative_paths():
    with pytest.raises(StorageError, match="unknown scheme"):
        store_for_url("ftp://example.test/blobs")
    with pytest.raises(StorageError, match="absolute"):
        store_for_url("file:relative/path")


def test_it_stores_a_stream_under_its_hash_sharded_by_prefix(store):
    digest, size = store.put_stream([b"hello ", b"world"])
    assert (digest, size) == (sha(b"hello world"), 11)
    assert store.path_for(digest) == store.root / digest[:2] / digest[2:4] / digest
    assert store.path_for(digest).read_bytes() == b"hello world"
    with store.open(digest) as reader:
        assert reader.read() == b"hello world"


def test_it_stores_identical_content_once(store):
    first, _ = store.put_stream([b"same"])
    second, _ = store.put_stream([b"sa", b"me"])
    assert first == second
    assert list(store.iter_hashes()) == [first]
    assert not any(store.temp_dir.iterdir()), "no temporary file is left behind"


def test_it_refuses_a_file_that_does_not_match_its_name(store, tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(b"actual")
    with pytest.raises(StorageError, match="hashes to"):
        store.put_file(path, sha(b"claimed"))
    assert not store.exists(sha(b"claimed"))
    assert not store.exists(sha(b"actual"))


def test_it_puts_a_file(store, tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(b"file content")
    store.put_file(path, sha(b"file content"))
    assert store.exists(sha(b"file content"))
    assert store.info(sha(b"file content")).size == len(b"file content")


def test_it_reports_missing_blobs(store):
    missing = sha(b"never stored")
    assert not store.exists(missing)
    with pytest.raises(BlobMissing):
        store.open(missing)
    with pytest.raises(BlobMissing):
        store.info(missing)
    store.delete(missing)  # deleting nothing is not an error


def test_it_never_uses_an_unchecked_name_as_a_path(store):
    for name in ("../../etc/passwd", "A" * 64, "ab" * 31, ""):
        with pytest.raises(StorageError, match="not a SHA-256"):
            store.open(name)


def test_it_lists_only_well_formed_blob_paths(store):
    digest, _ = store.put_stream([b"listed"])
    stray = store.root / "ab" / "cd"
    stray.mkdir(parents=True)
    (stray / "notes.txt").write_text("not a blob")
    (stray / sha(b"misfiled")).write_text("in the wrong shard")
    assert list(store.iter_hashes()) == [digest]


def test_it_deletes_blobs(store):
    digest, _ = store.put_stream([b"to delete"])
    store.delete(digest)
    assert not store.exists(digest)
    assert list(store.iter_hashes()) == []


def test_it_deletes_only_blobs_older_than_the_cutoff(store):
    digest, _ = store.put_stream([b"aging"])
    now = datetime.datetime.now(datetime.UTC)
    assert not store.delete_if_older(digest, now - datetime.timedelta(hours=1))
    assert store.exists(digest)
    assert store.delete_if_older(digest, now + datetime.timedelta(seconds=5))
    assert not store.exists(digest)
    assert not store.delete_if_older(digest, now), "a missing blob is not deleted twice"


def test_it_renews_an_existing_blob_when_it_is_stored_again(store, tmp_path):
    digest, _ = store.put_stream([b"renewed"])
    old = 1_000_000_000
    os.utime(store.path_for(digest), (old, old))
    store.put_stream([b"renewed"])
    assert store.info(digest).modified.timestamp() > old


def test_it_removes_a_failed_write_and_keeps_nothing_partial(store):
    def failing():
        yield b"first part"
        raise OSError("disk went away")

    with pytest.raises(OSError, match="disk went away"):
        store.put_stream(failing())
    assert list(store.iter_hashes()) == []
    assert list(store.temp_dir.iterdir()) == []


def test_it_collects_old_temporary_files(store):
    store.temp_dir.mkdir(parents=True)
    leftover = store.temp_dir / "interrupted.part"
    leftover.write_bytes(b"half")
    now = datetime.datetime.now(datetime.UTC)
    assert store.collect_temporary(now - datetime.timedelta(hours=1)) == 0
    assert store.collect_temporary(now + datetime.timedelta(seconds=5)) == 1
    assert not leftover.exists()


def test_it_makes_blobs_read_only(store):
    digest, _ = store.put_stream([b"immutable"])
    assert store.path_for(digest).stat().st_mode & 0o222 == 0


def _record_syncs_and_renames(monkeypatch) -> list[tuple[str, ...]]:
    """Every fsync (with the path synced) and rename from now on, in order."""
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(source, target):
        events.append(("rename", str(source), str(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


def test_it_puts_many_files_durably_before_it_returns(store, tmp_path, monkeypatch):
    """Every blob's file is fsynced before its rename, and every directory that changed
    (including that of a blob already present) after the last rename, before put_files returns:
    the order the batch upload's crash safety rests on."""
    present = store.put_stream([b"already here\n"])[0]
    files = []
    for number in range(5):
        path = tmp_path / f"f{number}.txt"
        path.write_bytes(f"file {number}\n".encode())
        files.append((path, hashlib.sha256(path.read_bytes()).hexdigest()))
    files += [files[0], (tmp_path / "again.txt", present)]
    (tmp_path / "again.txt").write_bytes(b"already here\n")
    events = _record_syncs_and_renames(monkeypatch)
    store.put_files(files)
    renames = [i for i, event in enumerate(events) if event[0] == "rename"]
    assert len(renames) == 5  # the duplicate and the present blob are not written again
    for i in renames:
        assert ("fsync", events[i][1]) in events[:i]  # the temp file, before its rename
    synced_after = {event[1] for event in events[renames[-1] :] if event[0] == "fsync"}
    for path, sha256 in files:
        final = store.path_for(sha256)
        assert final.read_bytes() == path.read_bytes()
        assert str(final.parent) in synced_after
    assert not list(store.temp_dir.iterdir())


def test_it_moves_adopted_files_into_place_durably_without_copying(store, monkeypatch):
    """``adopt_files`` renames each staged file itself (fsynced first), fsyncs every directory
    that changed before it returns, and writes no copy of its own."""
    staging = store.root.parent / "staging"
    staging.mkdir()
    files = []
    for number in range(4):
        path = staging / f"f{number}.upload"
        path.write_bytes(f"file {number}\n".encode())
        files.append((path, hashlib.sha256(path.read_bytes()).hexdigest()))
    contents = {sha256: path.read_bytes() for path, sha256 in files}

    def no_copy(*args, **kwargs):
        raise AssertionError("an adopted file on the same file system is not copied")

    monkeypatch.setattr(store, "_copy_to_temp", no_copy)
    events = _record_syncs_and_renames(monkeypatch)
    store.adopt_files(files)
    renames = [i for i, event in enumerate(events) if event[0] == "rename"]
    assert [events[i][1] for i in renames] == [str(path) for path, _ in files]
    for i in renames:
        assert ("fsync", events[i][1]) in events[:i]
    synced_after = {event[1] for event in events[renames[-1] :] if event[0] == "fsync"}
    for path, sha256 in files:
        final = store.path_for(sha256)
        assert final.read_bytes() == contents[sha256]
        assert final.stat().st_mode & 0o222 == 0
        assert str(final.parent) in synced_after
        assert not path.exists()


def test_it_copies_and_checks_adopted_files_from_another_file_system(store, tmp_path):
    """A file the store cannot rename in (another device) is copied and its hash checked."""
    store._device = lambda: -1
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_bytes(b"good\n")
    bad.write_bytes(b"bad\n")
    good_sha = hashlib.sha256(b"good\n").hexdigest()
    with pytest.raises(StorageError, match="content hashes to"):
        store.adopt_files([(bad, good_sha)])
    assert not store.exists(good_sha)
    store.adopt_files([(good, good_sha)])
    assert store.path_for(good_sha).read_bytes() == b"good\n"


def test_it_refuses_a_batch_with_a_mismatched_file_and_places_nothing(store, tmp_path):
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_bytes(b"good\n")
    bad.write_bytes(b"bad\n")
    good_sha = hashlib.sha256(b"good\n").hexdigest()
    with pytest.raises(StorageError, match="content hashes to"):
        store.put_files([(good, good_sha), (bad, "0" * 64)])
    assert not store.exists(good_sha)
    assert not list(store.temp_dir.iterdir())
