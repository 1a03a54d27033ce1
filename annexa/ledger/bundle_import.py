"""``annexa import``: restore a bundle into this instance, all or nothing.

One transaction creates the organization (same uid) and, while the bundle is verified exactly
as ``annexa-verify`` would verify it, the ledger entries verbatim (one read of the entries for
both); a bundle that does not verify is refused and the transaction rolled back. Then, in the
same transaction, the checkpoints (so hashes and signatures still hold), the blobs (each
hash-checked while it is written, and durable before the commit; a failure later leaves only
unreferenced blobs behind, which are harmless), missing users (no usable password),
memberships and every row with its uid.
"""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import DatabaseError, models, transaction

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
from annexa.ledger.restore import Restorer, dependency_order, insert_rows
from annexa.ledger.services import ROW_FIELDS
from annexa.ledger.verify import instance_public_key

CHUNK_SIZE = 1024 * 1024


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
    """Copy every blob the store lacks, checking its hash before it is stored.

    Each blob is written to a private temporary file while it is hashed; the files are handed
    to the store by batches (``adopt_files``), which makes a whole batch durable at once (one
    round of fsyncs per batch, not three per blob) with the same crash safety.
    """
    names = [
        n for n in archive.namelist() if n.startswith(layout.BLOBS_DIR) and not n.endswith("/")
    ]
    written = 0
    with tempfile.TemporaryDirectory(prefix="annexa-import-") as scratch:
        batch: list[tuple[Path, str]] = []
        size = 0
        for name in names:
            sha256 = name[len(layout.BLOBS_DIR) :]
            if store.exists(sha256):
                continue
            temp = Path(scratch) / sha256
            size += _extract_checked(archive, name, sha256, temp)
            batch.append((temp, sha256))
            written += 1
            if len(batch) >= BLOB_BATCH or size >= BLOB_BATCH_BYTES:
                _adopt(store, batch)
                batch, size = [], 0
        _adopt(store, batch)
    return written


BLOB_BATCH = 500  # blobs made durable together
BLOB_BATCH_BYTES = 256 * 1024 * 1024  # at most this much waiting in temporary files


def _extract_checked(archive: zipfile.ZipFile, name: str, sha256: str, target: Path) -> int:
    """Write member ``name`` to ``target``, refusing it unless it hashes to ``sha256``."""
    digest, size = hashlib.sha256(), 0
    with open(target, "wb") as temp, archive.open(name) as source:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
            temp.write(chunk)
            size += len(chunk)
    if digest.hexdigest() != sha256:
        raise ImportRefused(f"blob {sha256} hashes to {digest.hexdigest()}")
    return size


def _adopt(store, batch: list[tuple[Path, str]]) -> None:
    if not batch:
        return
    store.adopt_files(batch)
    for temp, _sha256 in batch:
        temp.unlink(missing_ok=True)


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


class _LedgerWriter:
    """Writes a bundle's entries as ``verify_bundle`` reads them (its entry sink), then the
    head and the checkpoints, each with the Merkle frontier at its size.

    The entries are inserted in batches with plain SQL (no model instance per entry; COPY on
    PostgreSQL); the stored data column is the canonical JSON of the data, exactly as
    ``append`` stores it. Whatever it wrote is rolled back unless the bundle verified.
    """

    def __init__(self, org, claims: list[layout.CheckpointClaim]) -> None:
        self.org, self.claims = org, claims
        self.sizes = sorted({c.tree_size for c in claims})
        self.frontier = merkle.Frontier()
        self.frontiers: dict[int, str] = {}
        self.last: tuple[int, str] | None = None
        self.failed: Exception | None = None  # why entries could not be stored, if they could not
        self.fields = [LedgerEntry._meta.get_field(name) for name in ENTRY_COLUMNS]

    def __call__(self, batch: list[tuple[dict, str, bytes]]) -> None:
        if self.failed is not None:
            return
        org_pk, sha256 = self.org.pk, hashlib.sha256
        try:
            # A savepoint: entries the database refuses (a number twice, say, in a bundle the
            # walk will find broken) leave the transaction usable, and the report says why.
            with transaction.atomic():
                rows = [_entry_row(org_pk, d, h) for d, h, _ in batch]
                insert_rows(LedgerEntry, self.fields, rows)
        except (DatabaseError, KeyError, TypeError, ValueError) as exc:
            self.failed = exc
            return
        leaves = [sha256(b"\x00" + data).digest() for _, _, data in batch]
        merkle.extend_marking(self.frontier, leaves, self.sizes, self._keep_nodes)
        self.last = (batch[-1][0]["seq"], batch[-1][1])

    def _keep_nodes(self, at: merkle.Frontier) -> None:
        self.frontiers[at.size] = json.dumps([n.hex() for n in at.nodes])

    def finish(self) -> tuple[int, int]:
        """The chain head and the checkpoints; returns (entries, checkpoints)."""
        org, claims = self.org, self.claims
        if self.last is not None:
            LedgerHead.objects.create(organization=org, seq=self.last[0], head_hash=self.last[1])
        created = Checkpoint.objects.bulk_create(
            Checkpoint(
                organization=org,
                tree_size=c.tree_size,
                root_hash=c.root_hash,
                time=c.time,
                signature=c.signature,
                key_id=c.key_id,
                frontier=self.frontiers[c.tree_size],
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
        return self.frontier.size, len(claims)


def _gen_time(stamp: str) -> str:
    """The TSA's time in an imported time-stamp (the bundle verified, so it decodes)."""
    import rfc3161_client

    response = rfc3161_client.decode_timestamp_response(base64.b64decode(stamp))
    return response.tst_info.gen_time.strftime("%Y-%m-%dT%H:%M:%SZ")


ENTRY_COLUMNS = ("organization", *ROW_FIELDS)


def _entry_row(org_pk: int, document: dict, entry_hash: str) -> tuple:
    """The stored columns (``ENTRY_COLUMNS``) of one bundle entry."""
    data = fmt.fast_canonical(document["data"]) or fmt.canonical(document["data"])
    return (
        org_pk,
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
    """Restore the bundle at ``path``; raises ImportRefused (nothing written to the database).

    The entries are read once: ``verify_bundle`` checks the whole bundle exactly as
    ``annexa-verify`` does and hands each entry to the ledger writer as it goes, inside the
    import's transaction; a bundle that does not verify is refused and that transaction rolled
    back before any blob is stored or any other row is read.
    """
    from annexa.ledger.timestamps import TimestampError, configured_roots

    try:
        with zipfile.ZipFile(path) as archive:
            manifest = layout.read_manifest(archive)
            claims = layout.read_claims(json.loads(archive.read(layout.CHECKPOINTS)))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, layout.BundleError) as exc:
        raise ImportRefused(f"cannot read {path}: {exc}") from None
    slug = slug or manifest["organization"]["slug"]
    _check_target(manifest, slug)
    try:
        with transaction.atomic(), zipfile.ZipFile(path) as archive:
            org = _create_org(archive, slug)
            ledger = _LedgerWriter(org, claims)
            try:
                report = layout.verify_bundle(
                    path, check_timestamps=True, tsa_roots=configured_roots(), entry_sink=ledger
                )
            except (layout.BundleError, TimestampError) as exc:
                raise ImportRefused(str(exc)) from None
            if not report.ok:
                raise ImportRefused("the bundle does not verify:\n" + report.summary())
            if ledger.failed is not None:
                raise ImportRefused(f"the ledger entries cannot be stored: {ledger.failed}")
            entries, checkpoints = ledger.finish()
            blobs = _put_blobs(archive, store)
            users, created, memberships = _people(archive, org)
            rows = _restore_rows(archive, org, users)
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
