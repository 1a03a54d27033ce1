"""The document register (7.5): documents, their fields, review dates, retiring; each
document's versions and their workflow (draft → in review → approved, superseded by the next
approved version) are in ``versions``.

Managers (``documents.manage``) keep the register, write versions (Markdown in Annexa, or an
uploaded file stored in the evidence locker) and submit them for review; a document's reviewers
(``documents.review``) record their review; an approver (``documents.approve``, and the
document's named approver when it has one) approves — never the version's author. Approving a
Markdown version stores its text as evidence, so the approved content is tamper-evident like an
uploaded file; the approved version supersedes the previous one and sets the next review date
(approval date + the review interval). Every change is appended to the ledger under the
document's uid in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.documents.choices import (
    OPEN_VERSION_STATES,
    DocumentKind,
    DocumentStatus,
    VersionState,
)
from annexa.documents.models import Document, DocumentVersion
from annexa.isms.services.common import clean_text, email_of, is_member, record, reject_unknown
from annexa.orgs.models import Organization

MANAGE = "documents.manage"
APPROVE = "documents.approve"
REVIEW = "documents.review"
OBJECT_TYPE = "document"
EDITABLE = (
    "title",
    "kind",
    "description",
    "owner",
    "reviewers",
    "approver",
    "classification",
    "clauses",
    "controls",
    "review_months",
    "next_review",
)
MAX_MARKDOWN = 200_000
# Documents whose next review falls within this many days are "due for review".
DUE_DAYS = 30


class StaleDocumentError(Exception):
    """The document changed since the caller read it."""

    def __init__(self, document: Document, expected: int) -> None:
        self.document = document
        self.expected = expected
        super().__init__(
            f"{document.reference} {document.title} was changed by someone else since you read "
            f"it (now version {document.version}, you edited version {expected}). Your changes "
            "were not saved: reload the document and apply them again."
        )


@dataclass(frozen=True)
class Upload:
    """A file to store as a version's content: its name, and ``chunks`` or a ``path``."""

    filename: str
    chunks: Iterable[bytes] | None = None
    path: Path | str | None = None


# --- reading -----------------------------------------------------------------------------------


def register(org) -> QuerySet[Document]:
    return Document.objects.for_org(org).select_related(
        "owner", "approver", "classification", "approved_version"
    )


def review_state(document: Document, today: dt.date | None = None) -> str:
    """``overdue``, ``due`` (within ``DUE_DAYS``) or ``""`` for an approved document."""
    today = today or timezone.localdate()
    if document.status != DocumentStatus.APPROVED or document.next_review is None:
        return ""
    if document.next_review < today:
        return "overdue"
    if document.next_review <= today + dt.timedelta(days=DUE_DAYS):
        return "due"
    return ""


def due_for_review(org, today: dt.date | None = None) -> QuerySet[Document]:
    """Approved documents whose review is overdue or due within ``DUE_DAYS``, soonest first."""
    today = today or timezone.localdate()
    return (
        register(org)
        .filter(
            status=DocumentStatus.APPROVED,
            next_review__lte=today + dt.timedelta(days=DUE_DAYS),
        )
        .order_by("next_review", "number")
    )


def apply_filters(
    queryset: QuerySet[Document],
    *,
    status: str = "",
    kind: str = "",
    owner: str = "",
    review: str = "",
    control: str = "",
    q: str = "",
    today: dt.date | None = None,
) -> QuerySet[Document]:
    """Narrow the register: ``status`` (``current`` = not retired), ``kind``, ``owner``
    (e-mail or ``none``), ``review`` (``due``: overdue or due within ``DUE_DAYS``;
    ``overdue``), ``control`` (an Annex A id or a clause), ``q`` (title, description or a
    reference such as DOC-004)."""
    today = today or timezone.localdate()
    if status == "current":
        queryset = queryset.exclude(status=DocumentStatus.RETIRED)
    elif status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if owner == "none":
        queryset = queryset.filter(owner__isnull=True)
    elif owner:
        queryset = queryset.filter(owner__email__iexact=owner)
    if review in ("due", "overdue"):
        limit = today if review == "overdue" else today + dt.timedelta(days=DUE_DAYS + 1)
        queryset = queryset.filter(status=DocumentStatus.APPROVED, next_review__lt=limit)
    if control:
        queryset = queryset.filter(Q(controls__id=control) | Q(clauses__id=control)).distinct()
    if q:
        number = _reference_number(q)
        match = Q(title__icontains=q) | Q(description__icontains=q)
        if number is not None:
            match |= Q(number=number)
        queryset = queryset.filter(match)
    return queryset


def _reference_number(text: str) -> int | None:
    text = text.strip().upper()
    if text.startswith("DOC-") and text[4:].isdigit():
        return int(text[4:])
    return None


def find(org, reference: str) -> Document | None:
    number = _reference_number(reference)
    return None if number is None else register(org).filter(number=number).first()


def open_version(document: Document) -> DocumentVersion | None:
    """The version being drafted or reviewed, if any."""
    return document.versions.filter(state__in=OPEN_VERSION_STATES).first()


# --- snapshots ---------------------------------------------------------------------------------


def snapshot(document: Document) -> dict[str, Any]:
    saved = document.pk is not None
    return {
        "reference": document.reference,
        "title": document.title,
        "kind": document.kind,
        "description": document.description,
        "owner": email_of(document.owner) if document.owner_id else None,
        "reviewers": sorted(u.email for u in document.reviewers.all()) if saved else [],
        "approver": email_of(document.approver) if document.approver_id else None,
        "classification": document.classification.name if document.classification_id else None,
        "clauses": sorted(c.id for c in document.clauses.all()) if saved else [],
        "controls": sorted(c.id for c in document.controls.all()) if saved else [],
        "review_months": document.review_months,
        "next_review": document.next_review.isoformat() if document.next_review else None,
        "status": document.status,
    }


def version_snapshot(version: DocumentVersion) -> dict[str, Any]:
    return {
        "version": version.label,
        "state": version.state,
        "content_kind": version.content_kind,
        "evidence": str(version.evidence.uid) if version.evidence_id else None,
        "sha256": _sha256(version),
        "change_summary": version.change_summary,
        "author": email_of(version.author) if version.author_id else None,
    }


def _sha256(version: DocumentVersion) -> str | None:
    if not version.evidence_id or version.evidence.current_version_id is None:
        return None
    return version.evidence.current_version.sha256


def _record(ctx: OrgContext, document: Document, action: str, before, after, **extra) -> None:
    """Append the change under the document's uid (extras without a value are left out)."""
    extra = {key: value for key, value in extra.items() if value is not None}
    record(
        ctx,
        object_type=OBJECT_TYPE,
        object_id=str(document.uid),
        action=action,
        before=before,
        after=after,
        reference=document.reference,
        **extra,
    )


def _lock_org(org) -> None:
    Organization.objects.select_for_update().get(pk=org.pk)


def _locked(ctx: OrgContext, document: Document) -> Document:
    return (
        Document.objects.for_org(ctx.org)
        .select_for_update(of=("self",))
        .select_related("owner", "approver", "classification")
        .get(pk=document.pk)
    )


def _touch(ctx: OrgContext, document: Document) -> None:
    document.version += 1
    document.updated_at = timezone.now()
    document.updated_by = ctx.user
    document.save()


# --- the register ------------------------------------------------------------------------------


def create_document(
    ctx: OrgContext,
    data: Mapping[str, Any],
    *,
    markdown: str | None = None,
    upload: Upload | None = None,
    change_summary: str = "",
    template: str = "",
) -> Document:
    """A new document from ``data`` (``EDITABLE``; ``title`` and ``kind`` required), with its
    first draft (1.0) when ``markdown`` or ``upload`` is given."""
    from annexa.documents.services.versions import new_version  # versions builds on this

    ctx.require(MANAGE)
    reject_unknown(data, EDITABLE)
    with transaction.atomic():
        _lock_org(ctx.org)
        last = Document.objects.for_org(ctx.org).order_by("-number").first()
        document = Document(
            organization=ctx.org,
            number=(last.number + 1) if last else 1,
            owner=ctx.user,
            template=template,
            updated_by=ctx.user,
        )
        relations = _apply(ctx, document, data, creating=True)
        document.save()
        _set_relations(document, relations)
        extra = {"template": template} if template else {}
        _record(ctx, document, "create", None, snapshot(document), **extra)
        if markdown is not None or upload is not None:
            new_version(ctx, document, 1, 0, markdown, upload, change_summary)
    return document


def update_document(
    ctx: OrgContext,
    document: Document,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
) -> Document:
    """Change the register's fields of a document; a no-op when nothing differs."""
    ctx.require(MANAGE)
    reject_unknown(changes, EDITABLE)
    with transaction.atomic():
        document = _locked(ctx, document)
        if expected_version is not None and document.version != expected_version:
            raise StaleDocumentError(document, expected_version)
        if document.status == DocumentStatus.RETIRED:
            raise ValidationError({"status": f"{document.reference} is retired."})
        before = snapshot(document)
        relations = _apply(ctx, document, changes, creating=False)
        _set_relations(document, relations)
        after = snapshot(document)
        changed = [k for k in after if before[k] != after[k]]
        if not changed:
            return document
        _touch(ctx, document)
        _record(
            ctx,
            document,
            "update",
            {k: before[k] for k in changed},
            {k: after[k] for k in changed},
            version=document.version,
        )
    return document


def _set_relations(document: Document, relations: dict[str, list]) -> None:
    for name, values in relations.items():
        getattr(document, name).set(values)


def _apply(
    ctx: OrgContext, document: Document, data: Mapping[str, Any], *, creating: bool
) -> dict[str, list]:
    """Set the fields ``data`` names; returns the many-to-many values to set after saving.
    Every problem is reported at once, by field."""
    from annexa.catalog.models import Control, Requirement
    from annexa.risks.models import Classification

    errors: dict[str, str] = {}
    relations: dict[str, list] = {}
    if creating or "title" in data:
        title = _text(data.get("title"), "title", errors)
        if not title and "title" not in errors:
            errors["title"] = "Give the document a title."
        elif len(title) > 200:
            errors["title"] = "The title is at most 200 characters."
        elif title and (
            Document.objects.for_org(ctx.org)
            .filter(title__iexact=title)
            .exclude(pk=document.pk)
            .exists()
        ):
            errors["title"] = f"A document titled {title!r} is already in the register."
        document.title = title
    if creating or "kind" in data:
        kind = data.get("kind")
        if kind not in DocumentKind.values:
            labels = ", ".join(str(label).lower() for label in DocumentKind.labels)
            errors["kind"] = f"Choose what kind of document it is: {labels}."
        else:
            document.kind = kind
    if "description" in data:
        description = _text(data.get("description"), "description", errors)
        if len(description) > 5000:
            errors["description"] = "The description is at most 5000 characters."
        document.description = description
    for name, label in (("owner", "owner"), ("approver", "approver")):
        if name in data:
            user = data[name]
            if user is not None and (
                getattr(user, "pk", None) is None or not is_member(ctx.org, user)
            ):
                errors[name] = f"The document's {label} must be a member of the organization."
            else:
                setattr(document, name, user)
    if "reviewers" in data:
        reviewers = list(data["reviewers"] or [])
        if any(getattr(u, "pk", None) is None or not is_member(ctx.org, u) for u in reviewers):
            errors["reviewers"] = "Every reviewer must be a member of the organization."
        relations["reviewers"] = reviewers
    if "classification" in data:
        label = data["classification"]
        if label in (None, ""):
            document.classification = None
        else:
            labels = Classification.objects.for_org(ctx.org)
            found = (
                labels.filter(pk=label.pk).first()
                if isinstance(label, Classification)
                else labels.filter(name__iexact=str(label).strip()).first()
            )
            if found is None:
                names = ", ".join(c.name for c in labels) or "none defined"
                errors["classification"] = (
                    f"{label} is not one of the organization's classification labels ({names})."
                )
            document.classification = found
    for name, model, what in (
        ("clauses", Requirement, "clauses of ISO/IEC 27001:2022 (such as 5.2 or 7.5.3)"),
        ("controls", Control, "Annex A controls (such as A.5.1)"),
    ):
        if name in data:
            ids = _ids(data[name])
            found = list(model.objects.filter(pk__in=ids))
            unknown = sorted(set(ids) - {item.pk for item in found})
            if unknown:
                errors[name] = f"Not {what}: {', '.join(unknown)}."
            relations[name] = found
    if "review_months" in data:
        months = data["review_months"]
        try:
            months = int(str(months).strip())
        except (TypeError, ValueError):
            errors["review_months"] = "The review interval is a whole number of months."
        else:
            if not 1 <= months <= 60:
                errors["review_months"] = "The review interval is from 1 to 60 months."
            else:
                document.review_months = months
    if "next_review" in data:
        document.next_review = _date(data["next_review"], "next_review", errors)
    if errors:
        raise ValidationError(errors)
    return relations


def _ids(values: Any) -> list[str]:
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = values.replace(";", ",").split(",")
    ids = []
    for value in values:
        text = str(getattr(value, "pk", value)).strip()
        if text:
            ids.append(text)
    return ids


def _text(value: Any, name: str, errors: dict[str, str]) -> str:
    try:
        return clean_text(value)
    except ValidationError:
        errors[name] = "Expected text."
        return ""


def _date(value: Any, name: str, errors: dict[str, str]) -> dt.date | None:
    from annexa.risks.services.suppliers import _date as parse_date

    return parse_date(value, name, "The date", errors)


def _reason(value: Any, name: str, missing: str) -> str:
    """A required reason of at most 2000 characters."""
    text = clean_text(value)
    if not text:
        raise ValidationError({name: missing})
    if len(text) > 2000:
        raise ValidationError({name: "At most 2000 characters."})
    return text


def retire(ctx: OrgContext, document: Document, reason: str) -> Document:
    """The document is withdrawn from use; its versions and history stay. Say why."""
    ctx.require(MANAGE)
    reason = _reason(reason, "reason", "Say why the document is retired.")
    with transaction.atomic():
        document = _locked(ctx, document)
        if document.status == DocumentStatus.RETIRED:
            raise ValidationError({"status": f"{document.reference} is already retired."})
        before = document.status
        for version in document.versions.filter(state__in=OPEN_VERSION_STATES):
            version.state = VersionState.WITHDRAWN
            version.updated_at = timezone.now()
            version.save()
        document.status = DocumentStatus.RETIRED
        document.retired_reason = reason
        _touch(ctx, document)
        _record(
            ctx,
            document,
            "retire",
            {"status": before},
            {"status": document.status},
            version=document.version,
            reason=reason,
        )
    return document


def confirm_review(ctx: OrgContext, document: Document, note: str = "") -> Document:
    """The owner reviewed the approved document and it stays as it is: the next review is
    due one interval from today."""
    ctx.require(MANAGE)
    note = clean_text(note)
    if len(note) > 2000:
        raise ValidationError({"note": "The note is at most 2000 characters."})
    with transaction.atomic():
        document = _locked(ctx, document)
        if document.status != DocumentStatus.APPROVED:
            raise ValidationError(
                {"status": f"{document.reference} has no approved version to review yet."}
            )
        before = document.next_review
        document.next_review = add_months(timezone.localdate(), document.review_months)
        _touch(ctx, document)
        _record(
            ctx,
            document,
            "review_confirmed",
            {"next_review": before.isoformat() if before else None},
            {"next_review": document.next_review.isoformat()},
            version=document.version,
            note=note or None,
        )
    return document


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")
