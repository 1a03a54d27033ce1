"""``annexa backup`` and ``annexa restore``: the whole instance as one compressed tar archive.

The archive holds a consistent copy of the database (SQLite: the online backup API; PostgreSQL:
``pg_dump`` in custom format from the same snapshot the ledger heads are read from), every blob
of a local evidence store, the secret key, the ledger signing key and the other files of
``ANNEXA_HOME/keys`` (the connector secrets keyring), and ``manifest.json``: the Annexa version,
the time, the database engine, each member's size and SHA-256, and each organization's ledger
head. Members are named by what they are, not by where they lived, so a restore puts them where
the restoring instance's configuration says:

    database/annexa.sqlite3 or database/annexa.pgdump
    secret_key              ANNEXA_HOME/secret_key (absent when the key came from the environment)
    signing_key.pem         ANNEXA_SIGNING_KEY_PATH
    keys/<name>             ANNEXA_HOME/keys/<name>
    blobs/<sha256>          the evidence store
    manifest.json           written last

A restore writes only into an empty ANNEXA_HOME and an empty database, and only after every
member has been checked against the manifest (names, sizes, hashes; no links, no paths that
leave the destination). Blobs of an S3 store are not in the archive: the bucket is backed up by
its own versioning or replication.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import connection, transaction

FORMAT = "annexa-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/annexa.sqlite3"
PGDUMP_MEMBER = "database/annexa.pgdump"
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a member name, not a secret
SIGNING_KEY = "signing_key.pem"
KEYS_DIR = "keys/"
BLOBS_DIR = "blobs/"
CHUNK_SIZE = 1024 * 1024
# Measured on 64 MB of a database holding a 1,000,000-entry ledger: level 9 (tarfile's
# default) 1.31 s of CPU for 16 MB, level 6 0.94 s for 16 MB, level 1 0.33 s for 17 MB.
GZIP_LEVEL = 1
MANIFEST_MAX_BYTES = 256 * 1024 * 1024
_MEMBER = re.compile(
    r"^(database/annexa\.(sqlite3|pgdump)|secret_key|signing_key\.pem"
    r"|keys/[A-Za-z0-9][A-Za-z0-9._-]*|blobs/[0-9a-f]{64})$"
)


class BackupError(Exception):
    """The backup cannot be written; the message says why and what to do."""


class RestoreRefused(Exception):
    """The archive or the destination is refused; nothing was written."""


@dataclass
class BackupSummary:
    path: Path
    manifest: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


@dataclass
class RestoreSummary:
    manifest: dict[str, Any]
    reports: list[Any]
    problems: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.ok for r in self.reports)


def engine() -> str:
    """``sqlite`` or ``postgresql``: the configured database's engine."""
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def annexa_version() -> str:
    try:
        return metadata.version("annexa")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- writing ---------------------------------------------------------------------------------


class _Writer:
    """A tar.gz being written; every member's size and SHA-256 go to the manifest."""

    def __init__(self, archive: tarfile.TarFile) -> None:
        self.archive = archive
        self.files: dict[str, dict[str, Any]] = {}
        self.now = datetime.now(UTC).timestamp()

    def add_file(self, name: str, path: Path) -> None:
        with open(path, "rb") as source:
            self.add_stream(name, source, os.fstat(source.fileno()).st_size)

    def add_stream(self, name: str, source: BinaryIO, size: int) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, self.now
        digest = hashlib.sha256()

        class Hashing:
            def read(self, n: int = -1) -> bytes:
                data = source.read(n)
                digest.update(data)
                return data

        self.archive.addfile(info, Hashing())
        self.files[name] = {"size": size, "sha256": digest.hexdigest()}

    def add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o600, self.now
        self.archive.addfile(info, io.BytesIO(data))


def _heads_query() -> str:
    return (
        "SELECT o.slug, o.uid, h.seq, h.head_hash FROM orgs_organization o "
        "LEFT JOIN ledger_ledgerhead h ON h.organization_id = o.id ORDER BY o.slug"
    )


def _heads(rows: list[tuple]) -> dict[str, dict[str, Any]]:
    """Ledger heads by slug from (slug, uid, seq, head_hash) rows (no head: an empty ledger)."""
    heads = {}
    for slug, uid, seq, head_hash in rows:
        # SQLite stores a UUID as 32 hex digits, PostgreSQL returns a UUID.
        heads[slug] = {"uid": str(uuid.UUID(str(uid))), "seq": seq or 0, "head_hash": head_hash}
    return heads


def _sqlite_copy(target: Path) -> dict[str, dict[str, Any]]:
    """A consistent copy of the SQLite database (online backup API: the server may run), as one
    self-contained file; returns the ledger heads read from the copy."""
    source_path = Path(settings.DATABASES["default"]["NAME"])
    if not source_path.is_file():
        raise BackupError(f"there is no database at {source_path}: run `annexa init` first")
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        heads = _heads(copy.execute(_heads_query()).fetchall())
    finally:
        copy.close()
        source.close()
    return heads


def pg_environment() -> dict[str, str]:
    """libpq variables for the configured PostgreSQL database (the password never in argv)."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for name, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if db.get(key):
            env[name] = str(db[key])
    return env


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools (Debian/Ubuntu: "
            f"postgresql-client) of the server's major version or newer, and retry"
        )
    return found


def _pg_run(tool: str, *args: str, failed: str = "") -> None:
    """Run a PostgreSQL client tool on the configured database; BackupError with its message."""
    done = subprocess.run(  # noqa: S603 - a fixed argument list, never a shell
        [tool, *args], env=pg_environment(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        name = Path(tool).name
        raise BackupError(
            " ".join(filter(None, (f"{name} failed", failed))) + f": {done.stderr.strip()}"
        )


def _pg_dump(target: Path) -> tuple[dict[str, dict[str, Any]], str]:
    """``pg_dump`` in custom format from one exported snapshot, the heads read in that same
    snapshot; returns the heads and the server version."""
    pg_dump = pg_tool("pg_dump")  # before the snapshot: a missing tool is said first
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, server_version = cursor.fetchone()
        cursor.execute(_heads_query())
        heads = _heads(cursor.fetchall())
        _pg_run(pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}")
    return heads, server_version


def _key_files(home: Path, signing_key: Path) -> Iterator[tuple[str, Path]]:
    keys_dir = home / "keys"
    if not keys_dir.is_dir():
        return
    for path in sorted(keys_dir.iterdir()):
        if path.is_file() and not path.is_symlink() and path.resolve() != signing_key.resolve():
            name = KEYS_DIR + path.name
            if not _MEMBER.match(name):
                raise BackupError(f"{path}: a key file name may hold only letters, digits, . _ -")
            yield name, path


def write_backup(destination: Path, store) -> BackupSummary:
    """Write the instance's archive to ``destination`` (beside it first, renamed when done)."""
    from annexa import config
    from annexa.evidence.storage import FileBlobStore

    home = Path(settings.HOME)
    signing_key = Path(settings.SIGNING_KEY_PATH)
    if not signing_key.is_file():
        raise BackupError(f"the ledger signing key {signing_key} is missing: nothing to back up")
    warnings = []
    partial = destination.with_name(destination.name + ".part")
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".annexa-backup-") as temp:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with (
                os.fdopen(fd, "wb") as raw,
                tarfile.open(fileobj=raw, mode="w:gz", compresslevel=GZIP_LEVEL) as archive,
            ):
                writer = _Writer(archive)
                database: dict[str, Any] = {"engine": engine()}
                dump = Path(temp) / "database"
                if database["engine"] == "sqlite":
                    heads = _sqlite_copy(dump)
                    database["member"] = SQLITE_MEMBER
                else:
                    heads, database["server_version"] = _pg_dump(dump)
                    database["member"] = PGDUMP_MEMBER
                    database["format"] = "pg_dump custom"
                writer.add_file(database["member"], dump)
                dump.unlink()
                # Blobs after the database copy: a blob is written before the row that names it,
                # so every blob the copy references is already in the store.
                if isinstance(store, FileBlobStore):
                    for sha256 in store.iter_hashes():
                        writer.add_file(BLOBS_DIR + sha256, store.path_for(sha256))
                    blob_store = {"kind": "file", "included": True}
                else:
                    blob_store = {"kind": store.scheme, "included": False}
                    warnings.append(
                        f"the evidence blobs are in {settings.STORAGE_URL}, not in this archive: "
                        "back the bucket up with its own versioning or replication"
                    )
                key_in_archive = False
                if (
                    not config.env_str("ANNEXA_SECRET_KEY")
                    and config.secret_key_path(home).is_file()
                ):
                    writer.add_file(SECRET_KEY_FILE, config.secret_key_path(home))
                    key_in_archive = True
                else:
                    warnings.append(
                        "the secret key comes from ANNEXA_SECRET_KEY(_FILE) and is not in this "
                        "archive: keep it with the archive"
                    )
                writer.add_file(SIGNING_KEY, signing_key)
                for name, path in _key_files(home, signing_key):
                    writer.add_file(name, path)
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "annexa_version": annexa_version(),
                    "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "database": database,
                    "blob_store": blob_store,
                    "secret_key_in_archive": key_in_archive,
                    "ledger_heads": heads,
                    "files": writer.files,
                }
                raw_manifest = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
                writer.add_bytes(MANIFEST, raw_manifest)
            os.replace(partial, destination)
        finally:
            partial.unlink(missing_ok=True)
    return BackupSummary(path=destination, manifest=manifest, warnings=warnings)


# --- checking an archive ---------------------------------------------------------------------


def _hash_stream(source: BinaryIO) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _safe_member(member: tarfile.TarInfo, destination: Path) -> None:
    """Refuse anything but a regular file with an expected name inside ``destination``."""
    if not member.isreg():
        raise RestoreRefused(f"{member.name!r} is not a regular file (links are refused)")
    if member.name != MANIFEST and not _MEMBER.match(member.name):
        raise RestoreRefused(f"{member.name!r} is not a member an Annexa backup holds")
    try:
        tarfile.data_filter(member, str(destination))
    except tarfile.FilterError as exc:
        raise RestoreRefused(f"{member.name!r}: {exc}") from None


def check_archive(path: Path, destination: Path) -> dict[str, Any]:
    """Read the whole archive once, writing nothing: every member must be safe, listed in the
    manifest with its size and SHA-256, and every listed file present. Returns the manifest."""
    found: dict[str, tuple[str, int]] = {}
    raw_manifest = None
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                _safe_member(member, destination)
                if member.name in found or (member.name == MANIFEST and raw_manifest is not None):
                    raise RestoreRefused(f"{member.name!r} appears twice")
                source = archive.extractfile(member)
                if member.name == MANIFEST:
                    if member.size > MANIFEST_MAX_BYTES:
                        raise RestoreRefused("the manifest is implausibly large")
                    raw_manifest = source.read()
                    continue
                found[member.name] = _hash_stream(source)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise RestoreRefused(f"{path} is not a readable backup archive ({exc})") from None
    if raw_manifest is None:
        raise RestoreRefused(f"{path} has no {MANIFEST}: it is not an Annexa backup")
    try:
        manifest = json.loads(raw_manifest)
        files = manifest["files"]
        if manifest.get("format") != FORMAT:
            raise ValueError("format")
    except (ValueError, KeyError, TypeError):
        raise RestoreRefused(f"{MANIFEST} is not an Annexa backup manifest") from None
    if manifest.get("version") != VERSION:
        raise RestoreRefused(
            f"backup format version {manifest.get('version')!r}; this Annexa reads {VERSION}"
        )
    for name in sorted(set(files) | set(found)):
        if name not in found:
            raise RestoreRefused(f"{name} is listed in the manifest but missing from the archive")
        if name not in files:
            raise RestoreRefused(f"{name} is in the archive but not in the manifest")
        sha256, size = found[name]
        expected = files[name]
        if (sha256, size) != (expected.get("sha256"), expected.get("size")):
            raise RestoreRefused(
                f"{name} does not match the manifest (SHA-256 {sha256}, {size} bytes; "
                f"expected {expected.get('sha256')}, {expected.get('size')} bytes)"
            )
        if name.startswith(BLOBS_DIR) and name[len(BLOBS_DIR) :] != sha256:
            raise RestoreRefused(f"{name} hashes to {sha256}")
    if manifest.get("database", {}).get("member") not in files:
        raise RestoreRefused("the archive holds no database")
    return manifest


# --- restoring -------------------------------------------------------------------------------


def is_empty_dir(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def check_destination(manifest: dict[str, Any], store) -> None:
    """Refuse a destination that holds anything the restore would write: another engine, a
    database with tables, an existing database file, key file or blob."""
    backed_up, here = manifest["database"]["engine"], engine()
    if backed_up != here:
        raise RestoreRefused(
            f"the archive holds a {backed_up} database but this instance is configured for "
            f"{here}: " + ("set" if backed_up == "postgresql" else "unset") + " ANNEXA_DATABASE_URL"
        )
    if here == "sqlite":
        name = Path(settings.DATABASES["default"]["NAME"])
        for path in (name, Path(f"{name}-wal"), Path(f"{name}-journal")):
            if path.exists():
                raise RestoreRefused(f"the database file {path} already exists")
    else:
        pg_tool("pg_restore")
        tables = connection.introspection.table_names()
        if tables:
            name = settings.DATABASES["default"]["NAME"]
            raise RestoreRefused(
                f"the database {name!r} already has {len(tables)} table(s): restore into an "
                "empty database (createdb a new one and point ANNEXA_DATABASE_URL at it)"
            )
    signing_key = Path(settings.SIGNING_KEY_PATH)
    if signing_key.exists():
        raise RestoreRefused(f"the signing key {signing_key} already exists")
    blobs = [n for n in manifest["files"] if n.startswith(BLOBS_DIR)]
    if blobs and any(True for _ in store.iter_hashes()):
        raise RestoreRefused("the evidence store already holds blobs: restore into an empty one")


def _extract(archive_path: Path, manifest: dict[str, Any], staging: Path) -> None:
    """Extract every member into ``staging`` (data filter) and check it again once written: the
    archive may have changed since it was checked."""
    with tarfile.open(archive_path, "r:gz") as archive:
        for member in archive:
            if member.name == MANIFEST:
                continue
            _safe_member(member, staging)
            expected = manifest["files"].get(member.name)
            if expected is None:
                raise RestoreRefused(f"{member.name} is not in the manifest")
            archive.extract(member, staging, filter="data")
            with open(staging / member.name, "rb") as written:
                sha256, size = _hash_stream(written)
            if (sha256, size) != (expected["sha256"], expected["size"]):
                raise RestoreRefused(f"{member.name} changed while it was restored")


def _write_private(path: Path, source: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as target, open(source, "rb") as data:
        shutil.copyfileobj(data, target, CHUNK_SIZE)


def _restore_database(manifest: dict[str, Any], staging: Path) -> None:
    member = staging / manifest["database"]["member"]
    if engine() == "sqlite":
        target = Path(settings.DATABASES["default"]["NAME"])
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(member, target)
        return
    pg_restore = pg_tool("pg_restore")
    connection.close()
    _pg_run(
        pg_restore,
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={settings.DATABASES['default']['NAME']}",
        str(member),
        failed="(the database was left empty)",
    )


def _restore_files(manifest: dict[str, Any], staging: Path, store) -> int:
    from annexa import config

    home = Path(settings.HOME)
    blobs = 0
    for name in sorted(manifest["files"]):
        source = staging / name
        if name == SECRET_KEY_FILE:
            _write_private(config.secret_key_path(home), source)
        elif name == SIGNING_KEY:
            _write_private(Path(settings.SIGNING_KEY_PATH), source)
        elif name.startswith(KEYS_DIR):
            _write_private(home / "keys" / name[len(KEYS_DIR) :], source)
        elif name.startswith(BLOBS_DIR):
            store.put_file(source, name[len(BLOBS_DIR) :])
            blobs += 1
    return blobs


@contextlib.contextmanager
def _staging(home: Path) -> Iterator[Path]:
    home.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=home, prefix=".restore-"))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def restore_backup(
    archive_path: Path, store, verify: Callable[[Any], Any], progress: Callable[[str], None]
) -> RestoreSummary:
    """Restore the archive into this (empty) instance, then verify every organization with
    ``verify(org)``. Raises RestoreRefused before anything is written."""
    home = Path(settings.HOME)
    manifest = check_archive(archive_path, home)
    progress(f"checked {len(manifest['files'])} file(s) against the manifest")
    check_destination(manifest, store)
    warnings = []
    if manifest.get("annexa_version") != annexa_version():
        warnings.append(
            f"the archive was written by Annexa {manifest.get('annexa_version')}, this is "
            f"{annexa_version()}: restore with the same version, then upgrade"
        )
    with _staging(home) as staging:
        _extract(archive_path, manifest, staging)
        _restore_database(manifest, staging)
        progress(f"restored the {manifest['database']['engine']} database")
        blobs = _restore_files(manifest, staging, store)
        progress(f"restored the keys and {blobs} blob(s)")
    if not manifest["secret_key_in_archive"]:
        warnings.append("the archive holds no secret key: set ANNEXA_SECRET_KEY as before")
    if not manifest["blob_store"]["included"]:
        warnings.append(
            "the archive holds no evidence blobs (they were in an S3 bucket): configure "
            "ANNEXA_STORAGE_URL for the bucket; verification reads the blobs from there"
        )
    return _verify_restored(manifest, verify, warnings)


def _verify_restored(
    manifest: dict[str, Any], verify: Callable[[Any], Any], warnings: list[str]
) -> RestoreSummary:
    from annexa.ledger.models import LedgerHead
    from annexa.orgs.models import Organization

    connection.close()  # the restored database, read afresh
    orgs = list(Organization.objects.order_by("slug"))
    heads = {h.organization_id: h for h in LedgerHead.objects.all()}
    problems = []
    expected = manifest["ledger_heads"]
    for org in orgs:
        head = heads.get(org.pk)
        now = {
            "uid": str(org.uid),
            "seq": head.seq if head else 0,
            "head_hash": head.head_hash if head else None,
        }
        if expected.get(org.slug) != now:
            problems.append(f"{org.slug}: ledger head {now} differs from the manifest's")
    missing = set(expected) - {o.slug for o in orgs}
    problems.extend(f"{slug}: in the manifest but not in the database" for slug in sorted(missing))
    reports = [verify(org) for org in orgs]
    return RestoreSummary(manifest=manifest, reports=reports, problems=problems, warnings=warnings)
