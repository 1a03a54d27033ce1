"""Every change to evidence: store new content, add a version, link and unlink, collect orphans.

The web views, the API, the CLI and connectors all call these functions; each checks the
caller's permission and records the change in the ledger in the same transaction as the rows.
Content is always written to the blob store *before* the transaction that references it, so a
row never names a missing blob; a failure in between leaves an orphan blob for ``gc``.
"""

from __future__ import annotations

import contextlib
import datetime
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from annexa.catalog.models import Control, Requirement
from annexa.core.tenancy import OrgContext
from annexa.evidence import content
from annexa.evidence.choices import Source
from annexa.evidence.collector import Collected, collect_orphans
from annexa.evidence.errors import EvidenceError, Rejected
from annexa.evidence.models import Evidence, EvidenceVersion
from annexa.evidence.staging import Prepared, Staged, staged
from annexa.evidence.storage import get_store
from annexa.ledger import services as ledger

PERMISSION = "evidence.add"
OBJECT_TYPE = "evidence"
MAX_VALID_DAYS = 20 * 366
MAX_FILENAME = 255

__all__ = [
    "Collected",
    "Prepared",
    "clean_filename",
    "collect_orphans",
    "link",
    "new_version",
    "open_version",
    "resolve_controls",
    "resolve_requirements",
    "store",
    "store_many",
    "unlink",
]


@dataclass(frozen=True)
class Provenance:
    """Where new content comes from and which period it speaks for (checked on creation)."""

    filename: str
    source: str = Source.UPLOAD
    source_detail: str = ""
    effective_date: datetime.date | None = None
    valid_days: int | None = None
    collected_at: datetime.datetime | None = None
    note: str = ""


def store(
    ctx: OrgContext,
    *,
    filename: str,
    chunks: Iterable[bytes] | None = None,
    path: Path | None = None,
    json_document: Any = None,
    prepared: Prepared | None = None,
    title: str = "",
    description: str = "",
    controls: Iterable[str | Control] = (),
    requirements: Iterable[str | Requirement] = (),
    source: str = Source.UPLOAD,
    source_detail: str = "",
    effective_date: datetime.date | None = None,
    valid_days: int | None = None,
    collected_at: datetime.datetime | None = None,
    generated: bool = False,
) -> EvidenceVersion:
    """Store new evidence (exactly one of ``chunks``, ``path``, ``json_document``,
    ``prepared``: content Annexa has already read and kept itself, see ``staging.Prepared``).

    Returns its first version. Raises ``Rejected`` for unsafe or mislabelled content and
    ``EvidenceError`` for other bad input. ``generated`` is for content Annexa produced itself
    (an issued report), which may also be HTML and is recorded with the source ``issued``; no
    upload face sets it.
    """
    ctx.require(PERMISSION)
    origin = _check_provenance(
        Provenance(
            filename=filename,
            source=Source.ISSUED if generated else source,
            source_detail=source_detail,
            effective_date=effective_date,
            valid_days=valid_days,
            collected_at=collected_at,
        ),
        generated=generated,
    )
    title = _clean_title(title or filename)
    linked_controls = resolve_controls(controls)
    linked_requirements = resolve_requirements(requirements)
    new = _New(title, description, linked_controls, linked_requirements, origin)
    with staged(chunks=chunks, path=path, json_document=json_document, prepared=prepared) as item:
        media_type = _check_and_put(item, origin.filename, generated=generated)
        with transaction.atomic():
            version, record = _create(ctx, new, item, media_type)
            ledger.append_many(ctx, [record])
    return version


@dataclass(frozen=True)
class NewFile:
    """One file for ``store_many``: its content (``path`` or ``chunks``) and what ``store``
    takes beside it."""

    filename: str
    path: Path | None = None
    chunks: Iterable[bytes] | None = None
    title: str = ""
    description: str = ""
    controls: tuple[str | Control, ...] = ()
    requirements: tuple[str | Requirement, ...] = ()
    effective_date: datetime.date | None = None
    valid_days: int | None = None


class BatchRefused(Rejected):
    """Some files of a batch cannot be stored; ``problems`` names each (nothing was stored)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        listed = "; ".join(f"{name}: {reason}" for name, reason in problems)
        super().__init__(f"{len(problems)} file(s) refused, nothing stored: {listed}")


def store_many(
    ctx: OrgContext,
    files: Sequence[NewFile],
    *,
    source: str = Source.UPLOAD,
    source_detail: str = "",
) -> list[EvidenceVersion]:
    """Store each file as new evidence, all or nothing; returns their first versions in order.

    Every file is checked first, and ``BatchRefused`` lists every one refused (nothing is
    stored then). The blobs are written with ``BlobStore.put_files`` — each crash-safely, made
    durable together — and only after it returns does the one transaction create every row and
    append the ledger entries (``append_many``) and commit. So, as with ``store``, a committed
    row never names a missing or partial blob: a crash before the commit leaves orphan blobs
    that ``collect_orphans`` removes, a crash after it finds every blob complete on disk.
    """
    ctx.require(PERMISSION)
    problems: list[tuple[str, str]] = []
    wanted: list[tuple[NewFile, _New]] = []
    for file in files:
        try:
            origin = _check_provenance(
                Provenance(
                    filename=file.filename,
                    source=source,
                    source_detail=source_detail,
                    effective_date=file.effective_date,
                    valid_days=file.valid_days,
                )
            )
            new = _New(
                _clean_title(file.title or file.filename),
                file.description,
                resolve_controls(file.controls),
                resolve_requirements(file.requirements),
                origin,
            )
        except EvidenceError as exc:
            problems.append((file.filename, str(exc)))
            continue
        wanted.append((file, new))
    with contextlib.ExitStack() as stack:
        ready = []
        for file, new in wanted:
            try:
                item = stack.enter_context(staged(chunks=file.chunks, path=file.path))
                ready.append((new, item, _identify(item, new.origin.filename)))
            except EvidenceError as exc:
                problems.append((file.filename, str(exc)))
        if problems:
            raise BatchRefused(problems)
        _put([item for _, item, _ in ready])
        with transaction.atomic():
            versions = _create_all(ctx, ready)
            pairs = zip(ready, versions, strict=True)
            ledger.append_many(ctx, [_record(new, version) for (new, _, _), version in pairs])
    return versions


@dataclass(frozen=True)
class _New:
    """New evidence, checked: what ``_create`` makes of a staged file."""

    title: str
    description: str
    controls: list[Control]
    requirements: list[Requirement]
    origin: Provenance


def _create(
    ctx: OrgContext, new: _New, item: Staged, media_type: str
) -> tuple[EvidenceVersion, ledger.Record]:
    """The evidence, its links and first version (in the caller's transaction), and the
    ledger record of its creation."""
    evidence = Evidence.objects.create(
        organization=ctx.org, title=new.title, description=new.description, created_by=ctx.user
    )
    if new.controls:
        evidence.controls.add(*new.controls)
    if new.requirements:
        evidence.requirements.add(*new.requirements)
    version = _save_version(evidence, _version(ctx, evidence, 1, item, media_type, new.origin))
    return version, _record(new, version)


def _create_all(ctx: OrgContext, ready: list[tuple[_New, Staged, str]]) -> list[EvidenceVersion]:
    """``_create`` for many at once: each kind of row inserted in bulk (a few queries in all)."""
    evidences = Evidence.objects.bulk_create(
        Evidence(
            organization=ctx.org, title=new.title, description=new.description, created_by=ctx.user
        )
        for new, _, _ in ready
    )
    controls, requirements = Evidence.controls.through, Evidence.requirements.through
    control_links, requirement_links = [], []
    for (new, _, _), evidence in zip(ready, evidences, strict=True):
        control_links += [controls(evidence=evidence, control=c) for c in new.controls]
        requirement_links += [
            requirements(evidence=evidence, requirement=r) for r in new.requirements
        ]
    controls.objects.bulk_create(control_links)
    requirements.objects.bulk_create(requirement_links)
    versions = EvidenceVersion.objects.bulk_create(
        _version(ctx, evidence, 1, item, media_type, new.origin)
        for (new, item, media_type), evidence in zip(ready, evidences, strict=True)
    )
    # Each new item's current version is its only one: set in one UPDATE per 500 items, not a
    # bulk_update (whose CASE of one WHEN per row costs more to build than to run).
    first = EvidenceVersion.objects.filter(evidence=OuterRef("pk"), number=1).values("pk")[:1]
    ids = [evidence.pk for evidence in evidences]
    for start in range(0, len(ids), 500):
        Evidence.objects.filter(pk__in=ids[start : start + 500]).update(
            current_version=Subquery(first)
        )
    for evidence, version in zip(evidences, versions, strict=True):
        evidence.current_version = version
    return versions


def _record(new: _New, version: EvidenceVersion) -> ledger.Record:
    """The ledger record of new evidence with its first version."""
    return ledger.Record(
        object_type=OBJECT_TYPE,
        object_id=str(version.evidence.uid),
        action="create",
        data={
            "title": new.title,
            "controls": sorted(c.id for c in new.controls),
            "requirements": sorted(r.id for r in new.requirements),
            "version": _version_record(version),
        },
        blob_sha256=version.sha256,
    )


def new_version(
    ctx: OrgContext,
    evidence: Evidence,
    *,
    filename: str,
    chunks: Iterable[bytes] | None = None,
    path: Path | None = None,
    json_document: Any = None,
    prepared: Prepared | None = None,
    source: str = Source.UPLOAD,
    source_detail: str = "",
    effective_date: datetime.date | None = None,
    valid_days: int | None = None,
    collected_at: datetime.datetime | None = None,
    note: str = "",
) -> EvidenceVersion:
    """Add content to existing evidence; earlier versions and their bytes stay as they were.

    Without ``valid_days`` the new version keeps the validity period of the current one.
    """
    ctx.require(PERMISSION)
    _check_owner(ctx, evidence)
    if valid_days is None:
        valid_days = _validity_of(evidence.current_version)
    origin = _check_provenance(
        Provenance(
            filename=filename,
            source=source,
            source_detail=source_detail,
            effective_date=effective_date,
            valid_days=valid_days,
            collected_at=collected_at,
            note=note.strip()[:500],
        )
    )
    with staged(chunks=chunks, path=path, json_document=json_document, prepared=prepared) as item:
        media_type = _check_and_put(item, origin.filename)
        with transaction.atomic():
            locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
            latest = locked.versions.aggregate(latest=Max("number"))["latest"] or 0
            version = _save_version(
                locked, _version(ctx, locked, latest + 1, item, media_type, origin)
            )
            ledger.append(
                ctx,
                object_type=OBJECT_TYPE,
                object_id=str(locked.uid),
                action="add_version",
                data={"version": _version_record(version)},
                blob_sha256=version.sha256,
            )
    evidence.refresh_from_db()
    return version


def link(
    ctx: OrgContext,
    evidence: Evidence,
    *,
    controls: Iterable[str | Control] = (),
    requirements: Iterable[str | Requirement] = (),
) -> Evidence:
    """Link evidence to more controls and requirements (already linked ones are ignored)."""
    return _change_links(ctx, evidence, controls, requirements, adding=True)


def unlink(
    ctx: OrgContext,
    evidence: Evidence,
    *,
    controls: Iterable[str | Control] = (),
    requirements: Iterable[str | Requirement] = (),
) -> Evidence:
    """Remove links to controls and requirements (ones not linked are ignored)."""
    return _change_links(ctx, evidence, controls, requirements, adding=False)


def open_version(version: EvidenceVersion) -> BinaryIO:
    """A streaming reader of a version's bytes; raises ``storage.BlobMissing``."""
    return get_store().open(version.sha256)


def resolve_controls(values: Iterable[str | Control]) -> list[Control]:
    """Annex A controls by id (``A.5.15``); an unknown id is an ``EvidenceError``."""
    return _resolve(Control, values, "Annex A control")


def resolve_requirements(values: Iterable[str | Requirement]) -> list[Requirement]:
    """Clause requirements by id (``9.2.2``); an unknown id is an ``EvidenceError``."""
    return _resolve(Requirement, values, "clause requirement")


def clean_filename(name: str) -> str:
    """The original filename, kept as data: refused if it could be mistaken for a path."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise Rejected("a filename is required")
    if "/" in name or "\\" in name:
        raise Rejected(f"the filename {name!r} contains a path separator; give a bare file name")
    if "\x00" in name:
        raise Rejected("the filename contains a NUL character")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise Rejected(f"the filename {name!r} contains control characters")
    if name in {".", ".."}:
        raise Rejected(f"{name!r} is not a file name")
    if len(name) > MAX_FILENAME:
        raise Rejected(f"the filename is longer than {MAX_FILENAME} characters")
    return name


def _check_and_put(item: Staged, filename: str, *, generated: bool = False) -> str:
    """Check the staged content, then write its blob (before any row names it)."""
    media_type = _identify(item, filename, generated=generated)
    _put([item])
    return media_type


def _identify(item: Staged, filename: str, *, generated: bool = False) -> str:
    """``content.identify`` of a staged file (skipping the text scan Annexa already did)."""
    return content.identify(
        item.path, filename, generated=generated, text_checked=item.text_checked
    )


def _put(items: Sequence[Staged]) -> None:
    """Write the blobs of staged files, durable on return: each staged file is a private
    temporary file hashed while it was written, which the store moves into place."""
    get_store().adopt_files([(item.path, item.sha256) for item in items])


def _save_version(evidence: Evidence, version: EvidenceVersion) -> EvidenceVersion:
    """Save the new ``version`` and make it ``evidence``'s current one."""
    version.save()
    evidence.current_version = version
    evidence.save(update_fields=["current_version"])
    return version


def _version(
    ctx: OrgContext,
    evidence: Evidence,
    number: int,
    item: Staged,
    media_type: str,
    origin: Provenance,
) -> EvidenceVersion:
    """A version row of ``item``, not yet saved."""
    effective = origin.effective_date or timezone.localdate()
    valid_until = (
        effective + datetime.timedelta(days=origin.valid_days)
        if origin.valid_days is not None
        else None
    )
    return EvidenceVersion(
        organization=ctx.org,
        evidence=evidence,
        number=number,
        sha256=item.sha256,
        size=item.size,
        media_type=media_type,
        filename=origin.filename,
        source=origin.source,
        source_detail=origin.source_detail,
        collected_at=origin.collected_at or timezone.now(),
        effective_date=effective,
        valid_until=valid_until,
        note=origin.note,
        created_by=ctx.user,
    )


def _version_record(version: EvidenceVersion) -> dict[str, Any]:
    """What the ledger keeps about a version (JSON without floats)."""
    return {
        "uid": str(version.uid),
        "number": version.number,
        "sha256": version.sha256,
        "size": version.size,
        "media_type": version.media_type,
        "filename": version.filename,
        "source": version.source,
        "source_detail": version.source_detail,
        "collected_at": version.collected_at.isoformat(),
        "effective_date": version.effective_date.isoformat(),
        "valid_until": version.valid_until.isoformat() if version.valid_until else None,
        "note": version.note,
    }


def _check_provenance(origin: Provenance, *, generated: bool = False) -> Provenance:
    filename = clean_filename(origin.filename)
    content.extension_of(
        filename, generated=generated
    )  # refuse a disallowed type before reading any content
    if origin.source not in Source.values:
        raise EvidenceError(f"unknown source {origin.source!r}; use one of {Source.values}")
    if (origin.source == Source.ISSUED) != generated:
        raise EvidenceError("only content Annexa issues itself (a report) has the source 'issued'")
    detail = (origin.source_detail or "").strip()
    if origin.source == Source.CONNECTOR and not detail:
        raise EvidenceError("connector evidence needs source_detail: the connector and version")
    if len(detail) > 200:
        raise EvidenceError("source_detail is longer than 200 characters")
    today = timezone.localdate()
    if origin.effective_date is not None and origin.effective_date > today:
        raise EvidenceError("the effective date cannot be in the future")
    if origin.valid_days is not None and not 1 <= origin.valid_days <= MAX_VALID_DAYS:
        raise EvidenceError(f"valid days must be between 1 and {MAX_VALID_DAYS}")
    return Provenance(
        filename=filename,
        source=origin.source,
        source_detail=detail,
        effective_date=origin.effective_date,
        valid_days=origin.valid_days,
        collected_at=origin.collected_at,
        note=origin.note,
    )


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise EvidenceError("a title is required")
    return title[:200]


def _validity_of(version: EvidenceVersion | None) -> int | None:
    if version is None or version.valid_until is None:
        return None
    return max(1, (version.valid_until - version.effective_date).days)


def _check_owner(ctx: OrgContext, evidence: Evidence) -> None:
    if evidence.organization_id != ctx.org.pk:
        raise EvidenceError("this evidence belongs to another organization")


def _resolve(model, values: Iterable, label: str) -> list:
    wanted: list = []
    ids: list[str] = []
    for value in values:
        if isinstance(value, model):
            wanted.append(value)
        else:
            ids.append(str(value).strip())
    found = {obj.pk: obj for obj in model.objects.filter(pk__in=ids)} if ids else {}
    missing = sorted(set(ids) - set(found))
    if missing:
        raise EvidenceError(f"unknown {label}: {', '.join(missing)}")
    by_id = {obj.pk: obj for obj in wanted} | found
    return [by_id[key] for key in sorted(by_id)]


def _change_links(
    ctx: OrgContext,
    evidence: Evidence,
    controls: Iterable[str | Control],
    requirements: Iterable[str | Requirement],
    *,
    adding: bool,
) -> Evidence:
    ctx.require(PERMISSION)
    _check_owner(ctx, evidence)
    wanted_controls = resolve_controls(controls)
    wanted_requirements = resolve_requirements(requirements)
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        changed_controls = _apply(locked.controls, wanted_controls, adding)
        changed_requirements = _apply(locked.requirements, wanted_requirements, adding)
        if changed_controls or changed_requirements:
            ledger.append(
                ctx,
                object_type=OBJECT_TYPE,
                object_id=str(locked.uid),
                action="link" if adding else "unlink",
                data={"controls": changed_controls, "requirements": changed_requirements},
            )
    return locked


def _apply(relation, objects: list, adding: bool) -> list[str]:
    """Add or remove ``objects`` on a many-to-many relation; returns the ids that changed."""
    present = set(relation.values_list("pk", flat=True))
    if adding:
        changed = [obj for obj in objects if obj.pk not in present]
        relation.add(*changed)
    else:
        changed = [obj for obj in objects if obj.pk in present]
        relation.remove(*changed)
    return sorted(obj.pk for obj in changed)
