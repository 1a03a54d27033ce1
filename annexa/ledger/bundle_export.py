"""``annexa export``: one organization as a self-verifying zip bundle (layout in verification.md).

Everything is streamed: rows are written as they are read, blobs are copied from the store into
the zip chunk by chunk, and each file's SHA-256 is computed while it is written. The bundle is
written beside the destination and renamed into place only when complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from annexa.core.tenancy import OrgContext
from annexa.ledger import keys as signing_keys
from annexa.ledger import orgdata
from annexa.ledger import verifier as layout
from annexa.ledger.models import Checkpoint, LedgerEntry, LedgerHead, TrustedKey
from annexa.ledger.services import ROW_FIELDS, LedgerError, row_bytes
from annexa.ledger.verify import BlobOpener, instance_public_key

CHUNK_SIZE = 1024 * 1024


@dataclass
class ExportSummary:
    path: Path
    counts: dict[str, Any]
    manifest_sha256: str
    missing_blobs: list[str] = field(default_factory=list)


class _Bundle:
    """A zip being written; remembers the SHA-256 of every member for the manifest."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.files: dict[str, str] = {}

    @contextlib.contextmanager
    def member(self, name: str, *, compress: bool = True) -> Iterator[Any]:
        info = zipfile.ZipInfo(name, date_time=datetime.now(UTC).timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        digest = hashlib.sha256()
        with self.archive.open(info, "w", force_zip64=True) as stream:

            def write(data: bytes) -> None:
                digest.update(data)
                stream.write(data)

            yield write
        self.files[name] = digest.hexdigest()

    def json(self, name: str, value: Any) -> None:
        with self.member(name) as write:
            write(json.dumps(value, indent=1, ensure_ascii=False).encode("utf-8"))

    def json_array(self, name: str, rows: Iterable[Any]) -> int:
        count = 0
        with self.member(name) as write:
            write(b"[")
            for row in rows:
                write((",\n" if count else "\n").encode())
                write(json.dumps(row, ensure_ascii=False).encode("utf-8"))
                count += 1
            write(b"\n]\n")
        return count


@contextlib.contextmanager
def _snapshot() -> Iterator[None]:
    """On PostgreSQL, read everything from one snapshot; SQLite readers already see one
    state per statement, and the ledger part is bounded by the head read first."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _organization(org) -> dict[str, Any]:
    values = {}
    for f in type(org)._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.is_relation:
            raise orgdata.DataError(f"Organization.{f.name}: links cannot be exported")
        values[f.name] = orgdata.field_value(org, f)
    return values


def _people(bundle: _Bundle, org, extra_emails: set[str]) -> dict[str, int]:
    from annexa.orgs.models import Membership, User

    memberships = Membership.objects.filter(organization=org).select_related("user")
    rows = [
        {
            "email": m.user.email,
            "name": m.user.full_name,
            "role": m.role,
            "created_at": m.created_at.isoformat(),
        }
        for m in memberships.order_by("user__email")
    ]
    emails = {row["email"] for row in rows} | extra_emails
    users = User.objects.filter(email__in=emails).order_by("email")
    bundle.json_array("data/orgs.membership.json", rows)
    people = [{"email": u.email, "full_name": u.full_name} for u in users]
    bundle.json_array("data/orgs.user.json", people)
    return {"memberships": len(rows), "users": len(people)}


def _ledger(bundle: _Bundle, org, size: int) -> tuple[int, list[str], int]:
    """entries.jsonl and checkpoints.json; returns entry count, blob hashes and checkpoints."""
    org_uid, blobs, count = str(org.uid), {}, 0
    rows = (
        LedgerEntry.objects.for_org(org)
        .filter(seq__lte=size)
        .order_by("seq")
        .values_list(*ROW_FIELDS)
    )
    with bundle.member(layout.ENTRIES) as write:
        for row in rows.iterator(chunk_size=10_000):
            document = row_bytes(org_uid, row)
            write(b'{"document":' + document + b',"hash":"' + row[9].encode() + b'"}\n')
            if row[7]:
                blobs.setdefault(row[7], None)
            count += 1
    checkpoints = Checkpoint.objects.for_org(org).filter(tree_size__lte=size)
    claims = [
        {f: getattr(c, f) for f in ("tree_size", "root_hash", "time", "signature", "key_id")}
        | ({"timestamp": c.timestamp.response} if hasattr(c, "timestamp") else {})
        for c in checkpoints.select_related("timestamp").order_by("tree_size")
    ]
    bundle.json(layout.CHECKPOINTS, claims)
    return count, list(blobs), len(claims)


def _keys(bundle: _Bundle, org) -> None:
    own = instance_public_key()
    if own is None:
        raise LedgerError("this instance has no signing key: run `annexa init`")
    own_id = layout.key_id_of(own)
    with bundle.member(layout.PUBLIC_KEY) as write:
        write(signing_keys.public_key_pem(own))
    used = set(Checkpoint.objects.for_org(org).values_list("key_id", flat=True)) - {own_id}
    for trusted in TrustedKey.objects.for_org(org).filter(key_id__in=used):
        key = signing_keys.Ed25519PublicKey.from_public_bytes(bytes.fromhex(trusted.public_key))
        with bundle.member(f"{layout.KEYS_DIR}{trusted.key_id}.pem") as write:
            write(signing_keys.public_key_pem(key))


def _blobs(bundle: _Bundle, hashes: list[str], opener: BlobOpener) -> tuple[list[str], int]:
    """Copy each blob into the zip as stored (a changed blob is exported for the verifier to
    name); a missing one is reported and left out."""
    missing, written = [], 0
    for sha256 in hashes:
        try:
            source = opener(sha256)
        except FileNotFoundError:
            missing.append(sha256)
            continue
        with source, bundle.member(f"{layout.BLOBS_DIR}{sha256}", compress=False) as write:
            while chunk := source.read(CHUNK_SIZE):
                write(chunk)
        written += 1
    return missing, written


def export_bundle(ctx: OrgContext, destination: Path, opener: BlobOpener) -> ExportSummary:
    """Write ``ctx.org``'s bundle to ``destination`` (needs ``ledger.export``)."""
    ctx.require("ledger.export")
    partial = destination.with_name(destination.name + ".part")
    try:
        with _snapshot(), zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
            bundle = _Bundle(archive)
            manifest = _write_all(bundle, ctx, opener)
            missing = manifest.pop("_missing")
            raw = json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8")
            archive.writestr(layout.MANIFEST, raw, compress_type=zipfile.ZIP_DEFLATED)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return ExportSummary(
        path=destination,
        counts=manifest["counts"],
        manifest_sha256=hashlib.sha256(raw).hexdigest(),
        missing_blobs=missing,
    )


def _write_all(bundle: _Bundle, ctx: OrgContext, opener: BlobOpener) -> dict[str, Any]:
    org = ctx.org
    uncarried = orgdata.uncarried_models()
    if uncarried:
        raise orgdata.DataError(
            "these links to organization-owned rows would be lost by an export: "
            + ", ".join(uncarried)
            + " (their models must inherit OrgOwned)"
        )
    head = LedgerHead.objects.filter(organization=org).first()
    size = head.seq if head else 0
    writer = orgdata.Writer(org)
    rows = {}
    for model in orgdata.org_models():
        rows[model._meta.label_lower] = bundle.json_array(
            orgdata.data_name(model), writer.rows(model)
        )
    organization = _organization(org)
    bundle.json("data/orgs.organization.json", organization)
    people = _people(bundle, org, writer.user_emails)
    entries, blob_hashes, checkpoints = _ledger(bundle, org, size)
    _keys(bundle, org)
    missing, blobs = _blobs(bundle, blob_hashes, opener)
    return {
        "format": layout.BUNDLE_FORMAT,
        "version": layout.BUNDLE_VERSION,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "created_by": ctx.actor,
        "organization": {
            "uid": str(org.uid),
            "slug": org.slug,
            "name": org.name,
            "created": org.created_at.isoformat(),
        },
        "counts": {
            "entries": entries,
            "checkpoints": checkpoints,
            "blobs": blobs,
            **people,
            "rows": rows,
        },
        "files": bundle.files,
        "_missing": missing,
    }
