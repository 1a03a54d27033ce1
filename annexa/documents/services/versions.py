"""Each document's versions and their workflow: a draft (Markdown written in Annexa, or an
uploaded file stored in the evidence locker) → in review (the document's reviewers record
their reviews) → approved by an approver who is not the version's author, superseding the
previous approved version and setting the next review date. Approving a Markdown version stores
its text as evidence, so the approved content is tamper-evident like an uploaded file. Every
step is appended to the ledger under the document's uid in the same transaction. The register
itself (documents, their fields, retiring, confirming a review) is ``register``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.documents.choices import ContentKind, DocumentStatus, VersionState
from annexa.documents.models import Document, DocumentVersion
from annexa.documents.services.register import (
    APPROVE,
    MANAGE,
    MAX_MARKDOWN,
    REVIEW,
    Upload,
    _locked,
    _reason,
    _record,
    _sha256,
    _text,
    _touch,
    add_months,
    open_version,
    version_snapshot,
)
from annexa.isms.services.common import clean_text

# --- versions ----------------------------------------------------------------------------------


def add_version(
    ctx: OrgContext,
    document: Document,
    *,
    markdown: str | None = None,
    upload: Upload | None = None,
    change_summary: str = "",
    major: bool = False,
) -> DocumentVersion:
    """Start the next version of ``document`` as a draft: the next minor version after the
    latest (1.0 → 1.1), or the next major one (1.1 → 2.0). One version at a time is drafted
    or reviewed."""
    ctx.require(MANAGE)
    with transaction.atomic():
        document = _locked(ctx, document)
        if document.status == DocumentStatus.RETIRED:
            raise ValidationError({"document": f"{document.reference} is retired."})
        pending = open_version(document)
        if pending is not None:
            raise ValidationError(
                {
                    "document": f"Version {pending.label} is still "
                    f"{pending.get_state_display().lower()}: finish or change it first."
                }
            )
        latest = document.versions.order_by("-major", "-minor").first()
        if latest is None:
            numbers = (1, 0)
        elif major:
            numbers = (latest.major + 1, 0)
        else:
            numbers = (latest.major, latest.minor + 1)
        return new_version(ctx, document, *numbers, markdown, upload, change_summary)


def new_version(
    ctx: OrgContext,
    document: Document,
    major: int,
    minor: int,
    markdown: str | None,
    upload: Upload | None,
    change_summary: str,
) -> DocumentVersion:
    errors: dict[str, str] = {}
    if (markdown is None) == (upload is None):
        raise ValidationError(
            {"content": "Give the version's content: Markdown text or a file, not both."}
        )
    summary = _text(change_summary, "change_summary", errors)
    if len(summary) > 2000:
        errors["change_summary"] = "The change summary is at most 2000 characters."
    text = ""
    if markdown is not None:
        text = _markdown(markdown, errors)
    if errors:
        raise ValidationError(errors)
    version = DocumentVersion(
        organization=ctx.org,
        document=document,
        major=major,
        minor=minor,
        content_kind=ContentKind.MARKDOWN if markdown is not None else ContentKind.FILE,
        markdown=text,
        change_summary=summary,
        author=ctx.user,
    )
    if upload is not None:
        version.evidence = _store_file(ctx, document, version, upload).evidence
    version.save()
    if document.status != DocumentStatus.APPROVED:
        document.status = DocumentStatus.DRAFT
    _touch(ctx, document)
    _record(
        ctx,
        document,
        "version_drafted",
        None,
        version_snapshot(version),
        version=document.version,
    )
    return version


def _markdown(value: Any, errors: dict[str, str]) -> str:
    text = _text(value, "markdown", errors)
    if "markdown" not in errors and not text:
        errors["markdown"] = "Write the document's text (Markdown)."
    elif len(text) > MAX_MARKDOWN:
        errors["markdown"] = f"The text is at most {MAX_MARKDOWN:,} characters."
    return text


def update_draft(
    ctx: OrgContext,
    version: DocumentVersion,
    *,
    markdown: str | None = None,
    change_summary: str | None = None,
) -> DocumentVersion:
    """Change a draft's Markdown text or its change summary."""
    ctx.require(MANAGE)
    with transaction.atomic():
        document = _locked(ctx, version.document)
        version = _locked_version(document, version)
        if version.state != VersionState.DRAFT:
            raise ValidationError(
                {
                    "version": f"Version {version.label} is {version.get_state_display().lower()}: "
                    "only a draft can be changed."
                }
            )
        errors: dict[str, str] = {}
        before = {"markdown": version.markdown, "change_summary": version.change_summary}
        if markdown is not None:
            if version.content_kind != ContentKind.MARKDOWN:
                errors["markdown"] = "This version is an uploaded file: start a new version."
            else:
                version.markdown = _markdown(markdown, errors)
        if change_summary is not None:
            version.change_summary = _text(change_summary, "change_summary", errors)
            if len(version.change_summary) > 2000:
                errors["change_summary"] = "The change summary is at most 2000 characters."
        if errors:
            raise ValidationError(errors)
        after = {"markdown": version.markdown, "change_summary": version.change_summary}
        changed = [k for k in after if before[k] != after[k]]
        if not changed:
            return version
        version.updated_at = timezone.now()
        version.save()
        _touch(ctx, document)
        _record(
            ctx,
            document,
            "draft_changed",
            None,
            {"version": version.label, "changed": changed},
            version=document.version,
        )
    return version


def _locked_version(document: Document, version: DocumentVersion) -> DocumentVersion:
    return (
        DocumentVersion.objects.select_for_update(of=("self",))
        .select_related("document", "author", "evidence__current_version")
        .get(pk=version.pk, document=document)
    )


def _require_named(ctx: OrgContext, doing: str) -> None:
    if ctx.user is None:
        raise PermissionDenied(f"only a named member may {doing}; act as that person")


def submit(ctx: OrgContext, version: DocumentVersion) -> DocumentVersion:
    """Send a draft to its reviewers and approver."""
    ctx.require(MANAGE)
    with transaction.atomic():
        document = _locked(ctx, version.document)
        version = _locked_version(document, version)
        if version.state != VersionState.DRAFT:
            raise ValidationError(
                {
                    "version": f"Version {version.label} is {version.get_state_display().lower()}: "
                    "only a draft is submitted for review."
                }
            )
        version.state = VersionState.IN_REVIEW
        version.submitted_by = ctx.user
        version.submitted_at = timezone.now()
        version.updated_at = version.submitted_at
        version.save()
        if document.status == DocumentStatus.DRAFT:
            document.status = DocumentStatus.IN_REVIEW
        _touch(ctx, document)
        _step(ctx, document, version, "submitted", VersionState.DRAFT)
    return version


def record_review(ctx: OrgContext, version: DocumentVersion, comment: str = "") -> DocumentVersion:
    """A reviewer says they reviewed the version in review (with an optional comment). The
    document's named reviewers review it; with none named, a manager may."""
    ctx.require(REVIEW)
    _require_named(ctx, "review a document")
    comment = clean_text(comment)
    if len(comment) > 5000:
        raise ValidationError({"comment": "The comment is at most 5000 characters."})
    with transaction.atomic():
        document = _locked(ctx, version.document)
        version = _locked_version(document, version)
        if version.state != VersionState.IN_REVIEW:
            raise ValidationError({"version": f"Version {version.label} is not in review."})
        reviewers = set(document.reviewers.values_list("pk", flat=True))
        if reviewers and ctx.user.pk not in reviewers:
            raise PermissionDenied(f"only the reviewers named on {document.reference} review it")
        if not reviewers and not ctx.can(MANAGE):
            raise PermissionDenied(f"{document.reference} names no reviewer: a manager reviews it")
        if version.author_id == ctx.user.pk:
            raise ValidationError({"version": "You wrote this version: someone else reviews it."})
        version.reviewed_by = ctx.user
        version.reviewed_at = timezone.now()
        version.review_comment = comment
        version.save()
        _touch(ctx, document)
        _record(
            ctx,
            document,
            "reviewed",
            None,
            {"version": version.label, "reviewed_by": ctx.user.email},
            version=document.version,
            comment=comment or None,
        )
    return version


def return_to_draft(ctx: OrgContext, version: DocumentVersion, reason: str) -> DocumentVersion:
    """Send a version in review back to its author, saying what to change."""
    ctx.require(MANAGE)
    reason = _reason(reason, "reason", "Say what the author should change.")
    with transaction.atomic():
        document = _locked(ctx, version.document)
        version = _locked_version(document, version)
        if version.state != VersionState.IN_REVIEW:
            raise ValidationError({"version": f"Version {version.label} is not in review."})
        version.state = VersionState.DRAFT
        version.submitted_at = None
        version.submitted_by = None
        version.reviewed_by = None
        version.reviewed_at = None
        version.updated_at = timezone.now()
        version.save()
        if document.status == DocumentStatus.IN_REVIEW:
            document.status = DocumentStatus.DRAFT
        _touch(ctx, document)
        _step(ctx, document, version, "returned", VersionState.IN_REVIEW, reason=reason)
    return version


def approve(
    ctx: OrgContext, version: DocumentVersion, *, on: dt.date | None = None
) -> DocumentVersion:
    """Approve a version in review: never by its author, and by the document's approver when
    it names one. The approved content is stored as evidence (Markdown as a ``.md`` file);
    the previous approved version is superseded; the next review is due one interval after
    the approval date."""
    ctx.require(APPROVE)
    _require_named(ctx, "approve a document")
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ValidationError({"approved_on": "The approval date cannot be in the future."})
    with transaction.atomic():
        document = _locked(ctx, version.document)
        version = _locked_version(document, version)
        if version.state != VersionState.IN_REVIEW:
            raise ValidationError(
                {
                    "version": f"Version {version.label} is {version.get_state_display().lower()}: "
                    "submit it for review before it is approved."
                }
            )
        if version.author_id is not None and version.author_id == ctx.user.pk:
            raise ValidationError(
                {
                    "version": f"You wrote version {version.label} of {document.reference}: "
                    "a document is approved by someone other than its author."
                }
            )
        if document.approver_id is not None and document.approver_id != ctx.user.pk:
            raise PermissionDenied(
                f"{document.reference} is approved by {document.approver.email}, its named approver"
            )
        if version.content_kind == ContentKind.MARKDOWN and version.evidence_id is None:
            version.evidence = _store_markdown(ctx, document, version, on).evidence
        previous = document.approved_version
        if previous is not None:
            previous.state = VersionState.SUPERSEDED
            previous.updated_at = timezone.now()
            previous.save()
        version.state = VersionState.APPROVED
        version.approved_by = ctx.user
        version.approved_at = timezone.now()
        version.approved_on = on
        version.updated_at = version.approved_at
        version.save()
        document.approved_version = version
        document.status = DocumentStatus.APPROVED
        document.next_review = add_months(on, document.review_months)
        _touch(ctx, document)
        _step(
            ctx,
            document,
            version,
            "approved",
            VersionState.IN_REVIEW,
            approved_on=on.isoformat(),
            next_review=document.next_review.isoformat(),
            superseded=previous.label if previous is not None else None,
            sha256=_sha256(version),
        )
    return version


def _step(ctx, document, version, action: str, before_state: str, **extra) -> None:
    _record(
        ctx,
        document,
        action,
        {"version": version.label, "state": before_state},
        {"version": version.label, "state": version.state, "status": document.status},
        version=document.version,
        **extra,
    )


# --- evidence ----------------------------------------------------------------------------------


def _evidence_links(document: Document) -> dict[str, list[str]]:
    return {
        "controls": sorted(c.id for c in document.controls.all()),
        "requirements": sorted(r.id for r in document.clauses.all()),
    }


def _store_file(ctx: OrgContext, document: Document, version: DocumentVersion, upload: Upload):
    from annexa.evidence import services as evidence
    from annexa.evidence.errors import EvidenceError

    try:
        return evidence.store(
            ctx,
            filename=upload.filename,
            chunks=upload.chunks,
            path=Path(upload.path) if upload.path is not None else None,
            title=f"{document.reference} {document.title} v{version.label}",
            description=f"Version {version.label} of the document {document.reference}.",
            **_evidence_links(document),
        )
    except EvidenceError as exc:
        raise ValidationError({"file": f"The file was not stored: {exc}."}) from exc


def _store_markdown(ctx: OrgContext, document: Document, version: DocumentVersion, on: dt.date):
    from annexa.evidence import services as evidence
    from annexa.evidence.errors import EvidenceError

    try:
        return evidence.store(
            ctx,
            filename=f"{document.reference}-v{version.label}.md",
            chunks=[version.markdown.encode("utf-8")],
            title=f"{document.reference} {document.title} v{version.label} (approved)",
            description=f"The approved text of {document.reference}, version {version.label}.",
            effective_date=on,
            **_evidence_links(document),
        )
    except EvidenceError as exc:  # pragma: no cover - Annexa's own text is always accepted
        raise ValidationError({"markdown": f"The text was not stored: {exc}."}) from exc
