"""The evidence linked to the audits' checklist items (small CSV blobs, inserted in bulk as the
evidence service stores them), and ``write_blobs``, how the generator puts blobs in the store."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable

from bench.generate.state import AUDITS, CHUNK, Build


def build_evidence(b: Build) -> None:
    """100,000 small blobs: 8,000 on the page audit's items, 5,000 on the report audit's
    first 200 items, the rest spread over the closed audits."""
    from annexa.audits.models import ChecklistItem

    total = b.size["evidence"]
    page, report = b.size["page evidence"], b.size["report evidence"]
    rest = total - page - report
    closed = b.audits[: AUDITS - 3]
    plan = [(b.page_audit, page), (b.report_audit, report)]
    plan += [(a, rest // len(closed) + (i < rest % len(closed))) for i, a in enumerate(closed)]
    b.versions_of: dict[int, list] = {}
    number = 0
    for audit, count in plan:
        items = list(ChecklistItem.objects.filter(audit=audit).order_by("order"))
        if audit == b.report_audit:
            items = items[: min(b.size["report findings"], len(items))]
        made = []
        for start in range(0, count, CHUNK):
            batch = min(CHUNK, count - start)
            made += _batch(b, items, number, batch, audit.planned_start)
            number += batch
        b.versions_of[audit.pk] = made


def _batch(b: Build, items: list, first: int, count: int, day: dt.date) -> list:
    from annexa.audits.models import ChecklistItem
    from annexa.evidence.models import Evidence, EvidenceVersion
    from annexa.evidence.services import OBJECT_TYPE, _version_record
    from annexa.ledger.services import Record

    rng = b.rng
    contents = [_csv(b, first + k) for k in range(count)]
    hashes = [hashlib.sha256(c).hexdigest() for c in contents]
    write_blobs(zip(hashes, contents, strict=True))
    collected = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
    pieces = [
        Evidence(
            organization=b.org,
            uid=b.uid(),
            title=f"Records export {first + k:06d}",
            created_at=collected,
            created_by=b.manager,
        )
        for k in range(count)
    ]
    versions = [
        EvidenceVersion(
            organization=b.org,
            uid=b.uid(),
            evidence=piece,
            number=1,
            sha256=digest,
            size=len(content),
            media_type="text/csv",
            filename=f"records-{first + k:06d}.csv",
            source="upload",
            collected_at=collected,
            effective_date=day,
            valid_until=day + dt.timedelta(days=365) if rng.random() > 0.2 else None,
            created_by=b.manager,
        )
        for k, (piece, digest, content) in enumerate(zip(pieces, hashes, contents, strict=True))
    ]
    targets = [items[(first + k) % len(items)] for k in range(count)]
    records = [
        Record(
            OBJECT_TYPE,
            str(piece.uid),
            "create",
            {
                "title": piece.title,
                "controls": [item.control_id] if item.control_id else [],
                "requirements": [item.requirement_id] if item.requirement_id else [],
                "version": _version_record(version),
            },
            version.sha256,
        )
        for piece, version, item in zip(pieces, versions, targets, strict=True)
    ]
    from django.db import transaction

    with transaction.atomic():
        Evidence.objects.bulk_create(pieces, batch_size=2000)
        EvidenceVersion.objects.bulk_create(versions, batch_size=2000)
        for piece, version in zip(pieces, versions, strict=True):
            piece.current_version = version
        Evidence.objects.bulk_update(pieces, ["current_version"], batch_size=2000)
        through_c, through_r = Evidence.controls.through, Evidence.requirements.through
        through_c.objects.bulk_create(
            (
                through_c(evidence=p, control_id=i.control_id)
                for p, i in zip(pieces, targets, strict=True)
                if i.control_id
            ),
            batch_size=5000,
        )
        through_r.objects.bulk_create(
            (
                through_r(evidence=p, requirement_id=i.requirement_id)
                for p, i in zip(pieces, targets, strict=True)
                if i.requirement_id
            ),
            batch_size=5000,
        )
        linked = ChecklistItem.evidence.through
        linked.objects.bulk_create(
            (
                linked(checklistitem=i, evidenceversion=v)
                for v, i in zip(versions, targets, strict=True)
            ),
            batch_size=5000,
        )
        b.append(records)
    return versions


def _csv(b: Build, n: int) -> bytes:
    rng = b.rng
    lines = ["record,owner,approved,reviewed_on"]
    for row in range(rng.randint(3, 8)):
        lines.append(
            f"R{n:06d}-{row},p{rng.randrange(5000):05d},yes,2026-{rng.randint(1, 12):02d}-01"
        )
    return ("\n".join(lines) + "\n").encode()


def write_blobs(blobs: Iterable[tuple[str, bytes]]) -> None:
    """Put small blobs into the configured store: on a local-file store as the store writes
    them but with one file-system sync for the batch instead of fsyncs per file."""
    from annexa.evidence.storage import FileBlobStore, get_store

    store = get_store()
    if not isinstance(store, FileBlobStore):
        for _, content in blobs:
            store.put_stream([content])
        return
    store.temp_dir.mkdir(parents=True, exist_ok=True)
    for sha256, content in blobs:
        final = store.path_for(sha256)
        if final.exists():
            continue
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = store.temp_dir / f"{sha256}.part"
        temp.write_bytes(content)
        os.chmod(temp, 0o440)
        os.replace(temp, final)
    os.sync()
