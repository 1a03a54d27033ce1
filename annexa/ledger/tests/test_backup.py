"""``annexa backup`` and ``annexa restore``: the demo instance backed up (while it is written to)
and restored into an empty home gives the same rows, ledger heads, checkpoints, blobs and keys,
and verifies; a damaged or unsafe archive and a non-empty home or database are refused with
nothing written. Every instance runs in subprocesses with its own ANNEXA_HOME, so each test runs
in one pass of ``make test``: the SQLite instances in the SQLite pass, the PostgreSQL ones in the
PostgreSQL pass.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from annexa.core.testing.passes import postgres_pass_only, sqlite_pass_only
from annexa.ledger.tests.conftest import words
from annexa.ledger.tests.instance import ANNEXA, ROOT, Instance

PG_SERVER = ("127.0.0.1", 5432)
KEY_FILES = ("secret_key", "keys/ledger.pem", "keys/secrets.key")


@dataclass
class Source:
    instance: Instance
    archive: Path
    census: dict
    messages: str  # what `annexa backup` said on stderr


def build_source(instance: Instance, archive: Path) -> Source:
    """The demo plus a second organization, a signed checkpoint each, and a backup taken while
    another process appends to the demo's ledger."""
    instance.ok("init")
    instance.ok("demo")
    instance.ok("org", "create", "--name", "Second Ltd", "--slug", "second")
    instance.ok("checkpoint", "--all")
    with _appending(instance, "kestrel", appends=100) as writer:
        done = instance.ok("backup", "-o", str(archive))
    assert writer.returncode == 0, writer.stderr.read()
    census = instance.census()
    return Source(instance=instance, archive=archive, census=census, messages=words(done.stderr))


@contextlib.contextmanager
def _appending(instance: Instance, slug: str, appends: int) -> Iterator[subprocess.Popen]:
    """Two threads appending ``appends`` entries each to ``slug``'s ledger meanwhile."""
    command = [sys.executable, "-m", "annexa.ledger.tests.concurrent_appends", "--org", slug]
    child = subprocess.Popen(
        [*command, "--threads", "2", "--appends", str(appends)],
        cwd=ROOT,
        env=instance.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        child.stdin.write("go\n")
        child.stdin.flush()
        yield child
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("manifest.json"))


def rewrite(archive: Path, target: Path, change, extra: tuple = ()) -> Path:
    """A copy of the archive that starts with the ``extra`` members (TarInfo, bytes), then holds
    each member passed through ``change(info, data)``: the (info, data) to write, or None to
    leave the member out."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for info, data in extra:
            copy.addfile(info, io.BytesIO(data) if info.isreg() else None)
        for info in source:
            changed = change(info, source.extractfile(info).read())
            if changed is not None:
                info, data = changed
                info.size = len(data)
                copy.addfile(info, io.BytesIO(data))
    return target


def assert_restored(source: Source, restored: Instance, done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 0, done.stdout + done.stderr
    census = restored.census()
    manifest = manifest_of(source.archive)
    heads = {slug: [h["seq"], h["head_hash"]] for slug, h in manifest["ledger_heads"].items()}
    assert set(census) == {"kestrel", "second"}
    assert {slug: c["head"] for slug, c in census.items()} == heads
    for slug, after in census.items():
        before = source.census[slug]
        # The backup is one consistent state: the copy holds exactly the entries up to its head
        # (the demo's ledger went on growing after it, by the other process's appends).
        seq = after["head"][0]
        assert after["entry_hashes"] == before["entry_hashes"][:seq]
        assert after["entry_hashes"][-1] == after["head"][1]
        same = {
            k: v for k, v in after.items() if k not in ("entry_hashes", "entries_by_type", "head")
        }
        assert same == {k: before[k] for k in same}
        assert all(name == content for name, content in after["blobs"].items())
    assert manifest["database"]["engine"] in done.stderr
    assert done.stdout.count("OK: the ledger, its checkpoints and every blob verify.") == 2
    for name in KEY_FILES:
        assert (restored.home / name).read_bytes() == (source.instance.home / name).read_bytes()
    verified = restored.run("verify", "--format", "json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert all(report["ok"] for report in json.loads(verified.stdout))


# --- SQLite ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Source:
    base = tmp_path_factory.mktemp("backup")
    return build_source(Instance(base / "home"), base / "annexa-backup.tar.gz")


@sqlite_pass_only
def test_it_restores_the_demo_into_an_empty_home(source, tmp_path):
    manifest = manifest_of(source.archive)
    assert manifest["database"] == {"engine": "sqlite", "member": "database/annexa.sqlite3"}
    assert manifest["blob_store"] == {"kind": "file", "included": True}
    assert manifest["secret_key_in_archive"] is True
    assert "keep it encrypted and access-controlled" in source.messages
    blobs = {n for n in manifest["files"] if n.startswith("blobs/")}
    assert blobs == {f"blobs/{name}" for name in source.census["kestrel"]["blobs"]}
    assert {"secret_key", "signing_key.pem", "keys/secrets.key"} <= set(manifest["files"])
    restored = Instance(tmp_path / "restored")
    done = restored.run("restore", str(source.archive))
    assert_restored(source, restored, done)
    # The restored instance works on after `annexa init`: it signs with the same key.
    restored.ok("init")
    restored.ok("checkpoint", "--org", "kestrel")
    restored.ok("verify", "--org", "kestrel")


@sqlite_pass_only
def test_it_refuses_a_home_that_is_not_empty(source, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("keep me")
    done = Instance(home).run("restore", str(source.archive))
    assert done.returncode == 2
    assert f"ANNEXA_HOME {home} is not empty" in words(done.stderr)
    assert sorted(p.name for p in home.iterdir()) == ["notes.txt"]


@sqlite_pass_only
@pytest.mark.parametrize(
    ("what", "expected"),
    [
        ("database", "database/annexa.sqlite3 does not match the manifest"),
        ("signing key", "signing_key.pem does not match the manifest"),
        ("blob", "does not match the manifest"),
        ("missing member", "is listed in the manifest but missing from the archive"),
        ("extra member", "keys/extra.key is in the archive but not in the manifest"),
        ("path traversal", "'../outside' is not a member an Annexa backup holds"),
        ("absolute path", "'/tmp/annexa-absolute' is not a member an Annexa backup holds"),
        ("link", "'keys/secrets.key' is not a regular file (links are refused)"),
        ("not an archive", "is not a readable backup archive"),
    ],
)
def test_it_refuses_a_damaged_or_unsafe_archive(source, tmp_path, what, expected):
    blob = next(n for n in manifest_of(source.archive)["files"] if n.startswith("blobs/"))
    target = tmp_path / "changed.tar.gz"
    if what == "not an archive":
        target.write_bytes(source.archive.read_bytes()[:4096])
    else:
        rewrite(source.archive, target, *_change(what, blob))
    home = tmp_path / "home"
    done = Instance(home).run("restore", str(target))
    assert done.returncode == 2, done.stdout + done.stderr
    message = words(done.stderr)
    assert "restore refused, nothing was written" in message
    assert expected in message
    assert not home.exists()
    assert not (tmp_path / "outside").exists()


def _change(what: str, blob: str) -> tuple:
    """``rewrite``'s arguments for one kind of damage."""
    members = {"database": "database/annexa.sqlite3", "signing key": "signing_key.pem"}
    if what in members or what == "blob":
        name = members.get(what, blob)

        def flip(info: tarfile.TarInfo, data: bytes):
            return info, data[:-1] + bytes([data[-1] ^ 1]) if info.name == name else data

        return (flip,)
    if what == "missing member":
        return (lambda info, data: None if info.name == blob else (info, data),)
    keep = lambda info, data: (info, data)  # noqa: E731
    if what == "link":
        link = tarfile.TarInfo("keys/secrets.key")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        drop = lambda info, data: None if info.name == link.name else (info, data)  # noqa: E731
        return drop, ((link, b""),)
    name = {
        "extra member": "keys/extra.key",
        "path traversal": "../outside",
        "absolute path": "/tmp/annexa-absolute",
    }[what]
    member = tarfile.TarInfo(name)
    member.size = 5
    return keep, ((member, b"hello"),)


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_answers() -> bool:
    try:
        socket.create_connection(PG_SERVER, timeout=2).close()
    except OSError:
        return False
    return True


@contextlib.contextmanager
def throwaway_databases(count: int) -> Iterator[list[str]]:
    """``count`` new, empty databases on the shared server, dropped afterwards."""
    import psycopg

    names = [f"annexa_backup_{uuid.uuid4().hex[:12]}" for _ in range(count)]
    admin = psycopg.connect(f"postgresql://postgres@{PG_SERVER[0]}:{PG_SERVER[1]}/postgres")
    admin.autocommit = True
    try:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
        yield [f"postgres://postgres@{PG_SERVER[0]}:{PG_SERVER[1]}/{name}" for name in names]
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@postgres_pass_only
@pytest.mark.skipif(not _pg_answers(), reason="no PostgreSQL answers on 127.0.0.1:5432")
def test_it_restores_a_postgresql_instance_into_an_empty_database(tmp_path):
    with throwaway_databases(2) as (source_url, target_url):
        source = build_source(
            Instance(tmp_path / "source", ANNEXA_DATABASE_URL=source_url),
            tmp_path / "annexa-backup.tar.gz",
        )
        manifest = manifest_of(source.archive)
        assert manifest["database"]["engine"] == "postgresql"
        assert manifest["database"]["member"] == "database/annexa.pgdump"
        restored = Instance(tmp_path / "restored", ANNEXA_DATABASE_URL=target_url)
        done = restored.run("restore", str(source.archive))
        assert_restored(source, restored, done)
        # A database that already has tables is refused, even with an empty home.
        again = Instance(tmp_path / "again", ANNEXA_DATABASE_URL=target_url)
        refused = again.run("restore", str(source.archive))
        assert refused.returncode == 2
        assert "already has" in words(refused.stderr) and "table(s)" in refused.stderr
        assert not again.home.exists()
        # Without pg_dump on the PATH, the backup says what to install.
        bare = Instance(
            source.instance.home, ANNEXA_DATABASE_URL=source_url, PATH=str(Path(ANNEXA).parent)
        )
        missing = bare.run("backup", "-o", str(tmp_path / "never.tar.gz"))
        assert missing.returncode == 1
        assert "pg_dump is not installed: install the PostgreSQL client tools" in (
            words(missing.stderr)
        )
        assert not (tmp_path / "never.tar.gz").exists()
        # A SQLite instance does not take a PostgreSQL archive.
        sqlite = Instance(tmp_path / "sqlite").run("restore", str(source.archive))
        assert sqlite.returncode == 2
        assert "holds a postgresql database but this instance is configured for sqlite" in (
            words(sqlite.stderr)
        )


# --- S3 evidence store -----------------------------------------------------------------------


@sqlite_pass_only
def test_an_s3_store_is_left_to_the_bucket(tmp_path):
    """The archive holds the database and keys but no blobs; an instance restored with the same
    bucket configured verifies every blob from the bucket."""
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        aws = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        aws["AWS_DEFAULT_REGION"] = "us-east-1"
        boto3.client("s3", endpoint_url=endpoint, **_boto(aws)).create_bucket(Bucket="evidence")
        s3 = {"ANNEXA_STORAGE_URL": "s3://evidence/blobs", "ANNEXA_S3_ENDPOINT_URL": endpoint}
        source = build_source(Instance(tmp_path / "source", **s3, **aws), tmp_path / "b.tar.gz")
        manifest = manifest_of(source.archive)
        assert manifest["blob_store"] == {"kind": "s3", "included": False}
        assert (
            "the evidence blobs are in s3://evidence/blobs, not in this archive: back the bucket "
            "up with its own versioning or replication" in source.messages
        )
        assert not [n for n in manifest["files"] if n.startswith("blobs/")]
        # Blobs in the bucket: at least the files behind the closed audit's nonconformities (3)
        # and its issued report (5); the approved policies, the saved sampling populations and
        # the closed access review's record add more (restored and checked one by one below).
        assert len(source.census["kestrel"]["blobs"]) > 8
        restored = Instance(tmp_path / "restored", **s3, **aws)
        done = restored.run("restore", str(source.archive))
        assert "the archive holds no evidence blobs (they were in an S3 bucket)" in words(
            done.stderr
        )
        assert_restored(source, restored, done)
    finally:
        server.stop()


def _boto(aws: dict[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": aws["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": aws["AWS_SECRET_ACCESS_KEY"],
        "region_name": aws["AWS_DEFAULT_REGION"],
    }
