"""Raising findings (from a checklist item, directly, or as a draft from monitoring) and
editing them while they are still drafts or open."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.findings.choices import (
    NONCONFORMITIES,
    FindingGrade,
    FindingOrigin,
    FindingStatus,
    GapNature,
)
from annexa.findings.models import Finding
from annexa.findings.services import common
from annexa.findings.services.common import RAISE, clean_text

OBJECT_TYPE = "finding"
EDITABLE = (
    "title",
    "grade",
    "requirement",
    "control",
    "requirement_statement",
    "statement",
    "nature",
    "evidence",
    "auditees",
)
EDITABLE_STATUSES = (FindingStatus.DRAFT, FindingStatus.OPEN)
# An audit raises findings while its fieldwork runs and while the report is written; the
# finding of a checklist item may also be recorded after the audit closed, because the result
# it formalises was recorded during fieldwork.
RAISING_AUDIT_STATUSES = ("fieldwork", "reporting")
ITEM_AUDIT_STATUSES = (*RAISING_AUDIT_STATUSES, "closed")


# --- reading ---------------------------------------------------------------------------------


def snapshot(finding: Finding) -> dict[str, Any]:
    """The finding as JSON-safe data (ledger entries, API, exports)."""
    return {
        "reference": finding.reference,
        "title": finding.title,
        "grade": finding.grade,
        "status": finding.status,
        "origin": finding.origin,
        "requirement": finding.requirement_id,
        "control": finding.control_id,
        "requirement_statement": finding.requirement_statement,
        "statement": finding.statement,
        "nature": finding.nature,
        "evidence": sorted(str(v.uid) for v in finding.evidence.all()),
        "auditees": sorted(u.email for u in finding.auditees.all()),
        "raised_in": finding.raised_in.reference if finding.raised_in_id else None,
        "closed_in": finding.closed_in.reference if finding.closed_in_id else None,
        "checklist_item": str(finding.checklist_item.uid) if finding.checklist_item_id else None,
    }


def record(ctx: OrgContext, finding: Finding, action: str, data: Mapping[str, Any]) -> None:
    common.record(
        ctx,
        object_type=OBJECT_TYPE,
        object_id=str(finding.uid),
        action=action,
        data={"reference": finding.reference, **data},
    )


def prefill_from_item(item) -> dict[str, Any]:
    """What a finding raised from ``item`` starts with (the web form shows it first)."""
    subject = item.control or item.requirement
    return {
        "grade": item.result,
        "title": f"{item.subject_id} {subject.title}" if subject else item.subject_id,
        "requirement": item.requirement,
        "control": item.control,
        "statement": item.analysis or item.examined or item.notes,
        "evidence": list(item.evidence.all()),
        "auditees": list(item.auditees.all()),
    }


# --- cleaning --------------------------------------------------------------------------------


def resolve_requirement(value: object):
    from annexa.catalog.models import Requirement

    if value in (None, ""):
        return None
    if isinstance(value, Requirement):
        return value
    found = Requirement.objects.filter(id=str(value).strip()).first()
    if found is None:
        raise ValidationError(
            {"requirement": f"Unknown requirement {value!r}; use an id like 9.2."}
        )
    return found


def resolve_control(value: object):
    from annexa.catalog.models import Control

    if value in (None, ""):
        return None
    if isinstance(value, Control):
        return value
    found = Control.objects.filter(id__iexact=str(value).strip()).first()
    if found is None:
        raise ValidationError({"control": f"Unknown Annex A control {value!r}; e.g. A.8.5."})
    return found


def _choice(value: object, choices, field: str) -> str:
    text = clean_text(value, field)
    if text not in choices.values:
        allowed = ", ".join(v for v in choices.values if v)
        raise ValidationError({field: f"Unknown value {text!r}; use one of {allowed}."})
    return text


CLEANERS = {
    "title": lambda ctx, v: clean_text(v, "title", limit=200),
    "grade": lambda ctx, v: _choice(v, FindingGrade, "grade"),
    "nature": lambda ctx, v: _choice(v, GapNature, "nature"),
    "requirement": lambda ctx, v: resolve_requirement(v),
    "control": lambda ctx, v: resolve_control(v),
    "requirement_statement": lambda ctx, v: clean_text(v, "requirement_statement"),
    "statement": lambda ctx, v: clean_text(v, "statement"),
    "evidence": lambda ctx, v: common.evidence_versions(ctx, v),
    "auditees": lambda ctx, v: common.require_members(ctx.org, v, "auditees"),
}


def _clean(ctx: OrgContext, changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(EDITABLE))
    errors: dict[str, list[str]] = {name: ["This cannot be set here."] for name in unknown}
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name in unknown:
            continue
        try:
            values[name] = CLEANERS[name](ctx, value)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.message_dict.get(name, exc.messages))
    common.combine(errors)
    return values


def validate(state: Mapping[str, Any]) -> None:
    """Rules every saved finding keeps (``state`` holds the model values)."""
    errors: dict[str, list[str]] = {}
    if not state.get("requirement") and not state.get("control"):
        message = "Name the requirement or the Annex A control the finding is against."
        errors["control"] = [message]
    if not state.get("statement"):
        errors["statement"] = ["Write the finding statement: what was found, where, and how."]
    if state.get("nature") and state.get("grade") not in NONCONFORMITIES:
        errors["nature"] = ["Only a nonconformity has a gap nature; leave it empty here."]
    if not state.get("title"):
        errors["title"] = ["Give the finding a short title."]
    common.combine(errors)


def _default_title(values: Mapping[str, Any]) -> str:
    subject = values.get("control") or values.get("requirement")
    return f"{subject.id} {subject.title}"[:200] if subject is not None else ""


# --- raising ---------------------------------------------------------------------------------


def _create(
    ctx: OrgContext,
    fields: Mapping[str, Any],
    *,
    origin: str,
    audit=None,
    item=None,
    source_detail: str = "",
) -> Finding:
    values = _clean(ctx, fields)
    values.setdefault("grade", "")
    if values["grade"] == "":
        raise ValidationError({"grade": "Choose a grade."})
    values["title"] = values.get("title") or _default_title(values)
    validate(values)
    evidence = values.pop("evidence", [])
    auditees = values.pop("auditees", [])
    with transaction.atomic():
        common.lock_org(ctx.org)
        finding = Finding.objects.create(
            organization=ctx.org,
            number=common.next_number(Finding, ctx.org),
            origin=origin,
            raised_in=audit,
            checklist_item=item,
            source_detail=source_detail,
            raised_by=ctx.user,
            **values,
        )
        finding.evidence.set(evidence)
        finding.auditees.set(auditees)
        record(ctx, finding, "raise", snapshot(finding))
    return finding


def _require_raising_audit(audit, allowed: tuple[str, ...] = RAISING_AUDIT_STATUSES) -> None:
    if audit.status not in allowed:
        raise ValidationError(
            {
                "audit": f"{audit.reference} is {audit.get_status_display().lower()}: this "
                f"finding can be raised in it only while it is {' or '.join(allowed)}."
            }
        )


def raise_finding(ctx: OrgContext, *, audit=None, **fields: Any) -> Finding:
    """Raise a finding directly (not from a checklist item), as a draft.

    ``fields`` are those of ``EDITABLE``; ``requirement`` and ``control`` may be ids.
    ``audit``, when given, is the audit that raises it.
    """
    ctx.require(RAISE)
    if audit is not None:
        common.same_org(ctx, audit, "audit")
        _require_raising_audit(audit)
    return _create(ctx, fields, origin=FindingOrigin.DIRECT, audit=audit)


def raise_from_checklist_item(ctx: OrgContext, item, **overrides: Any) -> Finding:
    """The finding of a checklist item, raised as a draft pre-filled from the item.

    Grade from the item's result, its requirement or control, linked evidence and auditees;
    ``overrides`` (title, statement, requirement_statement, nature…) replace what the item
    suggests. Idempotent: an item that already has its finding returns that finding.
    """
    from annexa.audits.models import ChecklistItem

    ctx.require(RAISE)
    common.same_org(ctx, item, "item")
    with transaction.atomic():
        locked = ChecklistItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
        existing = Finding.objects.filter(checklist_item=locked).first()
        if existing is not None:
            return existing
        _check_item(ctx, locked)
        fields = {**prefill_from_item(locked), **overrides}
        return _create(ctx, fields, origin=FindingOrigin.CHECKLIST, audit=locked.audit, item=locked)


def _check_item(ctx: OrgContext, item) -> None:
    from annexa.audits.services import fieldwork

    if item.removed:
        raise ValidationError({"item": "This checklist item was removed; restore it first."})
    if item.result not in FindingGrade.values:
        shown = item.get_result_display().lower()
        raise ValidationError(
            {
                "item": f"The item's result is {shown!r}: only nonconformities, observations "
                "and opportunities for improvement become findings (conformities stay on the "
                "checklist)."
            }
        )
    if not (fieldwork.on_team(ctx, item.audit) or ctx.can("audit.manage")):
        raise PermissionDenied(
            f"only the audit team of {item.audit.reference} or an ISMS manager may raise its "
            "findings"
        )
    _require_raising_audit(item.audit, ITEM_AUDIT_STATUSES)


def raise_draft_from_monitoring(ctx: OrgContext, control, reason: str, evidence=()) -> Finding:
    """A draft nonconformity "no longer functioning" for a control monitoring saw fail.

    Raised by the system (monitoring saw it, whoever's action made the tests run), so any
    auditor or manager may open it. While a monitoring finding about the control is still
    unresolved, a new failure adds its evidence and reason to that one instead of stacking up
    duplicates. ``evidence`` is an ``EvidenceVersion`` or an iterable of them.
    """
    system = OrgContext.system(ctx.org)
    control = resolve_control(control)
    if control is None:
        raise ValidationError({"control": "Name the control monitoring saw fail."})
    reason = clean_text(reason, "reason", required=True)
    versions = [evidence] if hasattr(evidence, "sha256") else list(evidence or [])
    versions = common.evidence_versions(system, versions)
    with transaction.atomic():
        common.lock_org(ctx.org)
        existing = (
            Finding.objects.for_org(ctx.org)
            .filter(origin=FindingOrigin.MONITORING, control=control)
            .filter(status__in=(FindingStatus.DRAFT, FindingStatus.OPEN, FindingStatus.IN_PROGRESS))
            .first()
        )
        if existing is not None:
            return _add_monitoring_failure(system, existing, reason, versions)
        fields = {
            "grade": FindingGrade.MINOR_NC,
            "nature": GapNature.NO_LONGER_FUNCTIONING,
            "control": control,
            "title": f"{control.id} {control.title}: no longer functioning"[:200],
            "requirement_statement": (
                f"The organization applies control {control.id} ({control.title}) and expects "
                "it to keep working as recorded in its Statement of Applicability."
            ),
            "statement": reason,
            "evidence": versions,
        }
        return _create(system, fields, origin=FindingOrigin.MONITORING, source_detail=reason)


def _add_monitoring_failure(
    ctx: OrgContext, finding: Finding, reason: str, versions: list
) -> Finding:
    stamp = timezone.now().strftime("%Y-%m-%d %H:%M")
    finding.source_detail = f"{finding.source_detail}\n{stamp}: {reason}".strip()
    finding.updated_at = timezone.now()
    finding.save(update_fields=["source_detail", "updated_at"])
    new = [v for v in versions if not finding.evidence.filter(pk=v.pk).exists()]
    finding.evidence.add(*new)
    record(
        ctx,
        finding,
        "monitoring_failure",
        {"reason": reason, "evidence": sorted(str(v.uid) for v in new)},
    )
    return finding


# --- editing ---------------------------------------------------------------------------------


def update_finding(
    ctx: OrgContext, finding: Finding, changes: Mapping[str, Any], *, reason: str = ""
) -> Finding:
    """Change what a draft or open finding says; only the keys in ``changes`` are touched.

    Nobody the finding is about may change it, before or after the change (a control owner can
    neither soften a finding on their control nor move it off). Regrading an open finding needs
    someone independent of its raiser too, and a ``reason``, which the ledger keeps.
    """
    from annexa.findings.services.lifecycle import (
        require_independent,
        require_independent_of_subject,
    )

    ctx.require(RAISE)
    values = _clean(ctx, changes)
    reason = clean_text(reason, "reason")
    with transaction.atomic():
        locked = lock(ctx, finding)
        if locked.status not in EDITABLE_STATUSES:
            raise ValidationError(
                {
                    "status": f"{locked.reference} is {locked.get_status_display().lower()}: "
                    "only draft and open findings can be edited."
                }
            )
        require_independent_of_subject(ctx, locked, "change")
        before = snapshot(locked)
        _apply(locked, values)
        state = {name: getattr(locked, name) for name in EDITABLE if name not in _M2M}
        validate(state)
        locked.save()
        for name in _M2M:
            if name in values:
                getattr(locked, name).set(values[name])
        after = snapshot(locked)
        changed = sorted(k for k in after if after[k] != before[k])
        regrade = "grade" in changed and locked.status != FindingStatus.DRAFT
        if regrade:
            require_independent(ctx, locked, "regrade")
            if not reason:
                raise ValidationError({"reason": "Say why the grade changes (kept in the ledger)."})
        require_independent_of_subject(ctx, locked, "change")
        if changed:
            locked.updated_at = timezone.now()
            locked.save(update_fields=["updated_at"])
            data = {
                "before": {k: before[k] for k in changed},
                "after": {k: after[k] for k in changed},
            }
            if reason:
                data["reason"] = reason
            record(ctx, locked, "regrade" if regrade else "update", data)
    return locked


_M2M = ("evidence", "auditees")


def _apply(finding: Finding, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        if name not in _M2M:
            setattr(finding, name, value)


def lock(ctx: OrgContext, finding: Finding) -> Finding:
    """The finding re-read under a row lock (call inside a transaction)."""
    return (
        Finding.objects.select_for_update(of=("self",))
        .select_related("raised_in", "closed_in", "checklist_item", "raised_by")
        .get(pk=finding.pk, organization=ctx.org)
    )
