"""``annexa import``: restore a bundle into this instance, all or nothing.

The bundle is first verified exactly as ``annexa-verify`` would (a bundle that does not verify
is refused). Blobs go into the store first, each hash-checked while it is written; a failure
later leaves only unreferenced blobs behind, which are harmless. Then one transaction creates
the organization (same uid), missing users (no usable password), memberships, every row with
its uid, and the ledger entries and checkpoints verbatim, so hashes and signatures still hold.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction

from annexa.ledger import format as fmt
from annexa.ledger import merkle, orgdata
from annexa.ledger import verifier as layout
from annexa.ledger.models import (
    Checkpoint,
    CheckpointTimestamp,
    LedgerEntry,
    LedgerHead,
    TrustedKey,
)
from annexa.ledger.restore import Restorer, dependency_order
from annexa.ledger.services import ROW_FIELDS
from annexa.ledger.verify import instance_public_key

CHUNK_SIZE = 1024 * 1024
BATCH = 2000


class ImportRefused(Exception):
    """The bundle cannot be imported here; the message says why."""


@dataclass
class ImportSummary:
    org: Any
    counts: dict[str, int]
    created_users: list[str] = field(default_factory=list)
    report: layout.Report | None = None


def _check_target(manifest: dict, slug: str) -> None:
    from django.core.exceptions import ValidationError

    from annexa.orgs.models import Organization, slug_validator

    try:
        slug_validator(slug)
    except ValidationError as exc:
        raise ImportRefused(f"invalid slug {slug!r}: {' '.join(exc.messages)}") from None

    uid = manifest["organization"]["uid"]
    if Organization.objects.filter(uid=uid).exists():
        raise ImportRefused(f"organization {uid} already exists on this instance")
    if Organization.objects.filter(slug=slug).exists():
        raise ImportRefused(f"the slug {slug!r} is taken here: choose another with --slug")


def _put_blobs(archive: zipfile.ZipFile, store) -> int:
    """Copy every blob the store lacks, checking its hash before it is stored."""
    written = 0
    for name in archive.namelist():
        if not name.startswith(layout.BLOBS_DIR) or name.endswith("/"):
            continue
        sha256 = name[len(layout.BLOBS_DIR) :]
        if store.exists(sha256):
            continue
        fd, temp_name = tempfile.mkstemp(suffix=".blob")
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as temp, archive.open(name) as source:
                while chunk := source.read(CHUNK_SIZE):
                    digest.update(chunk)
                    temp.write(chunk)
            if digest.hexdigest() != sha256:
                raise ImportRefused(f"blob {sha256} hashes to {digest.hexdigest()}")
            store.put_file(Path(temp_name), sha256)
        finally:
            os.unlink(temp_name)
        written += 1
    return written


def _create_org(archive: zipfile.ZipFile, slug: str):
    from annexa.orgs.models import Organization

    values = json.loads(archive.read("data/orgs.organization.json"))
    org = Organization()
    for f in Organization._meta.concrete_fields:
        if f.name in values and not f.primary_key:
            setattr(org, f.attname, f.to_python(values[f.name]))
    org.slug = slug
    models.Model.save_base(org, raw=True, force_insert=True)
    return org


def _people(archive: zipfile.ZipFile, org) -> tuple[dict[str, Any], list[str], int]:
    from annexa.orgs.models import Membership, User

    users, created = {}, []
    for person in json.loads(archive.read("data/orgs.user.json")):
        user = User.objects.filter(email=person["email"]).first()
        if user is None:
            user = User.objects.create_user(person["email"], None, full_name=person["full_name"])
            created.append(user.email)
        users[user.email] = user
    memberships = json.loads(archive.read("data/orgs.membership.json"))
    for row in memberships:
        Membership.objects.create(
            user=users[row["email"]],
            organization=org,
            role=row["role"],
            created_at=Membership._meta.get_field("created_at").to_python(row["created_at"]),
        )
    return users, created, len(memberships)


def _data_models(archive: zipfile.ZipFile) -> dict[type[models.Model], list[dict]]:
    """The rows of every data file, keyed by this instance's model; unknown models refused."""
    skip = {"data/orgs.organization.json", "data/orgs.user.json", "data/orgs.membership.json"}
    found = {}
    known = set(orgdata.org_models())
    for name in archive.namelist():
        if not name.startswith("data/") or name in skip:
            continue
        label = name[len("data/") : -len(".json")]
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            raise ImportRefused(f"{name}: this instance has no model {label}") from None
        if model not in known:
            raise ImportRefused(f"{name}: {label} is not organization-owned here")
        found[model] = json.loads(archive.read(name))
    return found


def _restore_rows(archive: zipfile.ZipFile, org, users: dict[str, Any]) -> dict[str, int]:
    rows_by_model = _data_models(archive)
    restorer = Restorer(org, users)
    counts = {}
    for model in dependency_order(list(rows_by_model)):
        counts[model._meta.label_lower] = restorer.restore(model, rows_by_model[model])
    restorer.finish(rows_by_model)
    return counts


def _restore_ledger(archive: zipfile.ZipFile, org) -> tuple[int, int]:
    """Entries and checkpoints verbatim; each checkpoint gets the frontier at its size.

    The entries are inserted in batches with plain SQL (no model instance per entry); the
    bundle has been verified, and the stored data column is the canonical JSON of the data,
    exactly as ``append`` stores it.
    """
    claims = layout.read_claims(json.loads(archive.read(layout.CHECKPOINTS)))
    sizes = sorted({c.tree_size for c in claims})
    frontiers: dict[int, str] = {}
    frontier, rows, leaves, last = merkle.Frontier(), [], [], None

    def keep_nodes(at: merkle.Frontier) -> None:
        frontiers[at.size] = json.dumps([n.hex() for n in at.nodes])

    def flush() -> None:
        _insert_entries(rows)
        merkle.extend_marking(frontier, leaves, sizes, keep_nodes)
        rows.clear()
        leaves.clear()

    sha256 = hashlib.sha256
    with archive.open(layout.ENTRIES) as stream, layout.collector_paused():
        for line in stream:
            document, entry_hash, data = layout.read_entry_line(line)
            rows.append(_entry_row(org, document, entry_hash))
            leaves.append(sha256(b"\x00" + data).digest())
            if len(rows) >= BATCH:
                flush()
            last = (document["seq"], entry_hash)
        flush()
    if last is not None:
        LedgerHead.objects.create(organization=org, seq=last[0], head_hash=last[1])
    created = Checkpoint.objects.bulk_create(
        Checkpoint(
            organization=org,
            tree_size=c.tree_size,
            root_hash=c.root_hash,
            time=c.time,
            signature=c.signature,
            key_id=c.key_id,
            frontier=frontiers[c.tree_size],
        )
        for c in claims
    )
    CheckpointTimestamp.objects.bulk_create(
        CheckpointTimestamp(
            organization=org,
            checkpoint=checkpoint,
            response=c.timestamp,
            tsa_url="(imported)",
            gen_time=_gen_time(c.timestamp),
        )
        for checkpoint, c in zip(created, claims, strict=True)
        if c.timestamp
    )
    return frontier.size, len(claims)


def _gen_time(stamp: str) -> str:
    """The TSA's time in an imported time-stamp (the bundle verified, so it decodes)."""
    import rfc3161_client

    response = rfc3161_client.decode_timestamp_response(base64.b64decode(stamp))
    return response.tst_info.gen_time.strftime("%Y-%m-%dT%H:%M:%SZ")


ENTRY_COLUMNS = ("organization", *ROW_FIELDS)


def _entry_row(org, document: dict, entry_hash: str) -> tuple:
    """The stored columns (``ENTRY_COLUMNS``) of one verified bundle entry."""
    data = fmt.fast_canonical(document["data"]) or fmt.canonical(document["data"])
    return (
        org.pk,
        document["seq"],
        document["time"],
        document["actor"],
        document["object_type"],
        document["object_id"],
        document["action"],
        data.decode("utf-8"),
        document["blob_sha256"],
        document["prev"],
        entry_hash,
    )


def _insert_entries(rows: list[tuple]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = [LedgerEntry._meta.get_field(name).column for name in ENTRY_COLUMNS]
    # Only the model's own table and column names are formatted in; values are parameters.
    sql = (
        f"INSERT INTO {quote(LedgerEntry._meta.db_table)} "  # noqa: S608  # nosec B608 - quoted identifiers of our own model; values are parameters
        f"({', '.join(quote(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _trust_keys(archive: zipfile.ZipFile, org, manifest: dict) -> None:
    own = instance_public_key()
    own_id = layout.key_id_of(own) if own is not None else None
    names = [layout.PUBLIC_KEY] + [n for n in archive.namelist() if n.startswith(layout.KEYS_DIR)]
    source = f"bundle of {manifest['organization']['slug']} created {manifest['created']}"
    for name in names:
        key = layout.load_public_key(archive.read(name))
        key_id = layout.key_id_of(key)
        if key_id == own_id:
            continue
        TrustedKey.objects.create(
            organization=org,
            key_id=key_id,
            public_key=layout.raw_public_key(key).hex(),
            source=source[:200],
        )


def import_bundle(path: Path, store, *, slug: str | None = None) -> ImportSummary:
    """Restore the bundle at ``path``; raises ImportRefused (nothing written to the database)."""
    from annexa.ledger.timestamps import TimestampError, configured_roots

    try:
        report = layout.verify_bundle(path, check_timestamps=True, tsa_roots=configured_roots())
    except (layout.BundleError, TimestampError) as exc:
        raise ImportRefused(str(exc)) from None
    if not report.ok:
        raise ImportRefused("the bundle does not verify:\n" + report.summary())
    with zipfile.ZipFile(path) as archive:
        manifest = layout.read_manifest(archive)
        slug = slug or manifest["organization"]["slug"]
        _check_target(manifest, slug)
        blobs = _put_blobs(archive, store)
        try:
            with transaction.atomic():
                org = _create_org(archive, slug)
                users, created, memberships = _people(archive, org)
                rows = _restore_rows(archive, org, users)
                entries, checkpoints = _restore_ledger(archive, org)
                _trust_keys(archive, org, manifest)
        except orgdata.DataError as exc:
            raise ImportRefused(str(exc)) from None
    counts = {
        "entries": entries,
        "checkpoints": checkpoints,
        "blobs_written": blobs,
        "memberships": memberships,
        **rows,
    }
    return ImportSummary(org=org, counts=counts, created_users=created, report=report)
