"""Fieldwork on checklist items: results, methods, what was examined and how, evidence.

Only members of the audit team record results (permission ``audit.conduct``), and only while
the audit is in fieldwork. Every save may name the version it was based on: when another
auditor saved the item in the meantime, the save is refused (``StaleVersionError``) instead of
overwriting their work. A nonconformity needs what was examined, how it was verified and at
least one piece of evidence. Closing fieldwork needs every item assessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.audits.choices import (
    NONCONFORMITY_RESULTS,
    AuditMethod,
    AuditStatus,
    ChecklistResult,
    RequestStatus,
    SamplingRule,
)
from annexa.audits.models import Audit, AuditTeamMember, ChecklistItem
from annexa.audits.services.common import CONDUCT, clean_text, record, reject_unknown
from annexa.core.tenancy import OrgContext

OBJECT_TYPE = "checklist_item"
WITHDRAWN = "withdrawn"  # the findings app's status of a finding that no longer stands
TEXT_FIELDS = ("examined", "analysis", "verification", "auditees_other", "notes")
EDITABLE = ("result", "methods", "auditees", "evidence", *TEXT_FIELDS)
MAX_TEXT = 20_000


class StaleVersionError(Exception):
    """The item changed since the caller read it; saving would overwrite someone's work."""

    def __init__(self, item: ChecklistItem, expected: int) -> None:
        self.item = item
        self.expected = expected
        self.who = _name(item.updated_by)
        self.when = timezone.localtime(item.updated_at).strftime("%H:%M")
        super().__init__(
            f"{self.who} saved this item at {self.when} (now version {item.version}, you "
            f"edited version {expected}); reload to see their changes."
        )


@dataclass(frozen=True)
class NewEvidence:
    """A file uploaded on the spot: stored in the locker, then linked to the item."""

    filename: str
    chunks: Iterable[bytes] | None = None
    path: Path | None = None
    title: str = ""
    valid_days: int | None = None
    effective_date: dt.date | None = None


# --- guards ----------------------------------------------------------------------------------


def on_team(ctx: OrgContext, audit: Audit) -> bool:
    """Whether the caller is on the audit's team (the system context always is)."""
    if ctx.membership is None:
        return True
    return AuditTeamMember.objects.filter(audit=audit, user=ctx.user).exists()


def require_team(ctx: OrgContext, audit: Audit, doing: str = "record results") -> None:
    """``audit.conduct`` and a place on the audit's team, or ``PermissionDenied``."""
    ctx.require(CONDUCT)
    if not on_team(ctx, audit):
        raise PermissionDenied(
            f"only members of the audit team of {audit.reference} may {doing}; ask the lead "
            "auditor or an ISMS manager to add you to the team"
        )


def require_status(audit: Audit, allowed: Iterable[str], doing: str) -> None:
    """A clear error when ``audit`` is not in one of the ``allowed`` statuses."""
    allowed = tuple(allowed)
    if audit.status not in allowed:
        names = " or ".join(AuditStatus(s).label.lower() for s in allowed)
        raise ValidationError(
            {
                "status": f"{audit.reference} is {audit.get_status_display().lower()}: you can "
                f"{doing} only while it is {names}."
            }
        )


# --- reading ---------------------------------------------------------------------------------


def snapshot(item: ChecklistItem) -> dict[str, Any]:
    """What fieldwork recorded on the item, as JSON-safe data (ledger, API, exports)."""
    return {
        "result": item.result,
        "methods": list(item.methods),
        "examined": item.examined,
        "analysis": item.analysis,
        "verification": item.verification,
        "auditees": sorted(u.email for u in item.auditees.all()),
        "auditees_other": item.auditees_other,
        "notes": item.notes,
        "evidence": sorted(str(v.uid) for v in item.evidence.all()),
    }


def lock_item(ctx: OrgContext, item: ChecklistItem) -> ChecklistItem:
    """The item re-read under a row lock (call inside a transaction)."""
    return (
        # Lock the item's row only: the joined rows (some on the nullable side) stay free.
        ChecklistItem.objects.select_for_update(of=("self",))
        .select_related("audit", "updated_by", "requirement", "control")
        .get(pk=item.pk, organization=ctx.org)
    )


def check_version(item: ChecklistItem, expected: int | None) -> None:
    if expected is not None and item.version != expected:
        raise StaleVersionError(item, expected)


# --- recording -------------------------------------------------------------------------------


def save_fieldwork(
    ctx: OrgContext,
    item: ChecklistItem,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    upload: NewEvidence | None = None,
) -> ChecklistItem:
    """Record fieldwork on one item; only the keys in ``changes`` are touched.

    ``changes`` may hold ``result``, ``methods`` (list of ``AuditMethod`` values), the text
    fields, ``auditees`` (members) and ``evidence`` (the full list of linked
    ``EvidenceVersion``\\ s). ``upload`` stores a new file in the locker (linked to the item's
    control or requirement) and links it. A save that changes nothing is a no-op.
    """
    ctx.require(CONDUCT)
    reject_unknown(changes, EDITABLE)
    with transaction.atomic():
        locked = lock_item(ctx, item)
        require_team(ctx, locked.audit)
        require_status(locked.audit, [AuditStatus.FIELDWORK], "record results")
        if locked.removed:
            raise ValidationError({"removed": "This item was removed: restore it to record."})
        check_version(locked, expected_version)
        before = snapshot(locked)
        values = _clean(ctx, changes)
        if upload is not None:
            linked = values.get("evidence", list(locked.evidence.all()))
            values["evidence"] = [*linked, store_for_item(ctx, locked, upload)]
        after = {**before, **_as_data(values)}
        changed = [k for k in after if after[k] != before[k]]
        if not changed:
            return locked
        validate(after)
        _write(locked, values)
        bump(ctx, locked)
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(locked.uid),
            action="record",
            data={
                "audit": locked.audit.reference,
                "subject": locked.subject_id,
                "version": locked.version,
                "before": {k: before[k] for k in changed},
                "after": {k: after[k] for k in changed},
            },
        )
    return locked


def store_for_item(ctx: OrgContext, item: ChecklistItem, upload: NewEvidence):
    """Store ``upload`` in the locker, linked to the item's control or requirement."""
    from annexa.evidence import services as evidence
    from annexa.evidence.errors import EvidenceError

    subject = {"controls": [item.control_id]} if item.control_id else {}
    if item.requirement_id:
        subject = {"requirements": [item.requirement_id]}
    try:
        return evidence.store(
            ctx,
            filename=upload.filename,
            chunks=upload.chunks,
            path=upload.path,
            title=upload.title or f"{item.subject_id}: {upload.filename}",
            valid_days=upload.valid_days,
            effective_date=upload.effective_date,
            **subject,
        )
    except EvidenceError as exc:
        raise ValidationError({"upload": str(exc)}) from exc


def link_evidence(ctx: OrgContext, item: ChecklistItem, versions: Iterable) -> ChecklistItem:
    """Add evidence to an item without a version check: linking only adds, it loses nothing.

    Used when a control owner answers an evidence request; the version still grows, so an
    auditor's open form learns that the item changed.
    """
    with transaction.atomic():
        locked = lock_item(ctx, item)
        present = set(locked.evidence.values_list("pk", flat=True))
        new = [v for v in versions if v.pk not in present]
        if not new:
            return locked
        locked.evidence.add(*new)
        bump(ctx, locked)
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(locked.uid),
            action="link_evidence",
            data={
                "audit": locked.audit.reference,
                "subject": locked.subject_id,
                "version": locked.version,
                "evidence": sorted(str(v.uid) for v in new),
            },
        )
    return locked


def bump(ctx: OrgContext, item: ChecklistItem) -> None:
    """A new version of the item, saved as the caller's."""
    item.version += 1
    item.updated_by = ctx.user
    item.updated_at = timezone.now()
    item.save()


def validate(state: Mapping[str, Any]) -> None:
    """The rules a result must satisfy (``state`` is a ``snapshot``)."""
    errors: dict[str, str] = {}
    result = state["result"]
    if result in NONCONFORMITY_RESULTS:
        label = ChecklistResult(result).label.lower()
        if not state["examined"]:
            errors["examined"] = f"A {label} needs what was examined."
        if not state["verification"]:
            errors["verification"] = f"A {label} needs how it was verified."
        if not state["evidence"]:
            errors["evidence"] = (
                f"A {label} needs at least one piece of evidence: link it from the locker or "
                "upload it on the item's page."
            )
    if result not in (ChecklistResult.BLANK, ChecklistResult.NOT_AUDITED) and not state["methods"]:
        errors["methods"] = "Say how the item was assessed: choose at least one method."
    if result == ChecklistResult.NOT_AUDITED and not state["notes"]:
        errors["notes"] = "Say in the notes why the item was not audited (a limitation)."
    if errors:
        raise ValidationError(errors)


def _clean(ctx: OrgContext, changes: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, value in changes.items():
        try:
            values[name] = CLEANERS[name](ctx, value)
        except ValidationError as exc:
            errors[name] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    return values


def _clean_result(ctx: OrgContext, value: object) -> str:
    text = clean_text(value, "result")
    if text not in ChecklistResult.values:
        allowed = ", ".join(v for v in ChecklistResult.values if v)
        raise ValidationError(f"Unknown result {text!r}; use one of {allowed} (or leave empty).")
    return text


def _clean_methods(ctx: OrgContext, value: object) -> list[str]:
    if not isinstance(value, list | tuple):
        raise ValidationError("Give the methods as a list.")
    methods = [clean_text(m, "methods") for m in value]
    unknown = [m for m in methods if m not in AuditMethod.values]
    if unknown:
        raise ValidationError(
            f"Unknown method(s) {', '.join(unknown)}; use {', '.join(AuditMethod.values)}."
        )
    # Stored in the choices' order, so equal sets compare equal.
    return [m for m in AuditMethod.values if m in methods]


def _clean_long_text(ctx: OrgContext, value: object) -> str:
    text = clean_text(value)
    if len(text) > MAX_TEXT:
        raise ValidationError(f"Keep this under {MAX_TEXT:,} characters.")
    return text


def _clean_auditees(ctx: OrgContext, value: object) -> list:
    from annexa.orgs.models import Membership

    users = list(value or [])
    members = set(
        Membership.objects.filter(organization=ctx.org, user__in=users).values_list(
            "user_id", flat=True
        )
    )
    strangers = [u.email for u in users if u.pk not in members]
    if strangers:
        raise ValidationError(f"Not members of {ctx.org.name}: {', '.join(strangers)}.")
    return users


def _clean_evidence(ctx: OrgContext, value: object) -> list:
    versions = list(value or [])
    foreign = [v for v in versions if v.organization_id != ctx.org.pk]
    if foreign:
        raise ValidationError("Link evidence of this organization only.")
    return versions


CLEANERS = {
    "result": _clean_result,
    "methods": _clean_methods,
    "auditees": _clean_auditees,
    "evidence": _clean_evidence,
    **{name: _clean_long_text for name in TEXT_FIELDS},
}


def _as_data(values: Mapping[str, Any]) -> dict[str, Any]:
    data = dict(values)
    if "auditees" in data:
        data["auditees"] = sorted(u.email for u in data["auditees"])
    if "evidence" in data:
        data["evidence"] = sorted({str(v.uid) for v in data["evidence"]})
    return data


def _write(item: ChecklistItem, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        if name not in ("auditees", "evidence"):
            setattr(item, name, value)
    if "auditees" in values:
        item.auditees.set(values["auditees"])
    if "evidence" in values:
        item.evidence.set(values["evidence"])


def _name(user) -> str:
    if user is None:
        return "Someone"
    return user.full_name or user.email


# --- closing fieldwork -----------------------------------------------------------------------


def fieldwork_blockers(audit: Audit) -> list[str]:
    """Why fieldwork cannot close yet: unassessed items and open evidence requests."""
    from annexa.audits.models import EvidenceRequest

    problems = []
    active = ChecklistItem.objects.filter(audit=audit, removed=False)
    if not active.exists():
        problems.append("The checklist is empty: generate it and record the results first.")
    pending = list(
        active.filter(result=ChecklistResult.BLANK).values_list("requirement_id", "control_id")
    )
    if pending:
        shown = ", ".join(r or c for r, c in pending[:10])
        more = f" and {len(pending) - 10} more" if len(pending) > 10 else ""
        problems.append(
            f"{len(pending)} item(s) have no result yet ({shown}{more}): record a result, "
            "'not audited' with a reason, or remove the item with a reason."
        )
    open_requests = EvidenceRequest.objects.filter(item__audit=audit, status=RequestStatus.OPEN)
    if open_requests.exists():
        problems.append(
            f"{open_requests.count()} evidence request(s) are still open: wait for the evidence "
            "or cancel them with a reason."
        )
    problems += [
        f"{item.subject_id} (item {item.order}): {why} but no nonconformity was raised from it: "
        "raise its finding (or change the result) before fieldwork closes."
        for item, why in unraised_nonconformities(audit)
    ]
    return problems


def unraised_nonconformities(audit: Audit) -> list[tuple[ChecklistItem, str]]:
    """The items that show a nonconformity without having their finding, with why.

    An item needs a (not withdrawn) finding graded as a nonconformity when its result is a
    nonconformity, or when one of its statistical samples has more deviations than its rule
    allows: otherwise the report would count a nonconformity that no corrective action treats.
    Two queries, whatever the checklist's size (three when it has statistical samples).
    """
    from annexa.audits.models import Sample
    from annexa.audits.services import sampling

    raised = ChecklistItem.objects.filter(
        audit=audit, findings__grade__in=NONCONFORMITY_RESULTS
    ).exclude(findings__status=WITHDRAWN)
    live = ChecklistItem.objects.filter(audit=audit, removed=False).exclude(pk__in=raised)
    found = {
        item.pk: (item, f"the result is a {item.get_result_display().lower()}")
        for item in live.filter(result__in=NONCONFORMITY_RESULTS)
    }
    samples = (
        Sample.objects.filter(item__in=live.exclude(result__in=NONCONFORMITY_RESULTS))
        .filter(rule=SamplingRule.STATISTICAL)
        .select_related("item")
        .prefetch_related("records")
        .order_by("created_at", "id")
    )
    for sample in samples:
        counted = sampling.summary(sample, list(sample.records.all()))
        if counted.allowed is not None and counted.deviations > counted.allowed:
            why = (
                f"its sample has {counted.deviations} deviation(s) where {counted.allowed} "
                "are allowed"
            )
            found.setdefault(sample.item_id, (sample.item, why))
    return sorted(found.values(), key=lambda entry: (entry[0].order, entry[0].pk))


def close_fieldwork(ctx: OrgContext, audit: Audit) -> Audit:
    """Move the audit from fieldwork to reporting once every item is assessed."""
    from annexa.audits.services import audits as audit_service

    require_team(ctx, audit, "close fieldwork")
    require_status(audit, [AuditStatus.FIELDWORK], "close fieldwork")
    problems = fieldwork_blockers(audit)
    if problems:
        raise ValidationError({"status": problems})
    return audit_service.transition(ctx, audit, AuditStatus.REPORTING)
