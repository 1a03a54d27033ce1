"""The checklist of an audit: generating it from scope and SoA, and shaping it by hand.

Generation gives one item per requirement and control in scope: a requirement that is not
itself auditable (a clause with lettered items) stands for its auditable descendants. Each item
copies our audit questions and the documented information expected from the catalog
(required documented information first); a control the SoA excludes gets a question about the
exclusion instead. Generating again only adds what is missing, at the end, so recorded results
and the auditor's order survive. Auditors add ad-hoc questions, remove items with a reason
(kept and shown as removed) and move items up or down.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from annexa.audits.choices import AuditStatus
from annexa.audits.models import Audit, ChecklistItem
from annexa.audits.services.common import MANAGE, clean_text, record
from annexa.audits.services.fieldwork import (
    OBJECT_TYPE,
    bump,
    check_version,
    lock_item,
    require_status,
    require_team,
)
from annexa.core.tenancy import OrgContext

CHECKLIST_TYPE = "checklist"
PREPARE_STATUSES = (AuditStatus.PLANNED, AuditStatus.PREPARING, AuditStatus.FIELDWORK)
REQUIRED_DOCUMENT = "Required documented information: {}"
EXCLUDED_QUESTIONS = [
    "The Statement of Applicability excludes this control. Does the recorded justification "
    "still hold for the organization's current risks, legal and contractual obligations and "
    "scope, and who last confirmed it?",
]
EXCLUDED_EVIDENCE = [
    "Statement of Applicability entry with the justification for the exclusion",
    "Risk assessment results or obligations register showing the control is not needed",
]
MAX_QUESTION = 2000


# --- generating ------------------------------------------------------------------------------


def generate(ctx: OrgContext, audit: Audit) -> list[ChecklistItem]:
    """Add an item for every requirement and control in scope that has none; returns them."""
    if not ctx.can(MANAGE):
        require_team(ctx, audit, "generate the checklist")
    require_status(audit, PREPARE_STATUSES, "generate the checklist")
    with transaction.atomic():
        # One generator at a time per audit: two would both find the same items missing.
        audit = Audit.objects.select_for_update().get(pk=audit.pk, organization=ctx.org)
        existing = ChecklistItem.objects.filter(audit=audit, adhoc=False)
        have = {r or c for r, c in existing.values_list("requirement_id", "control_id")}
        start = _next_order(audit)
        items = [
            item
            for item in (*_requirement_items(audit), *_control_items(audit))
            if item.subject_id not in have
        ]
        for offset, item in enumerate(items):
            item.order = start + offset
        ChecklistItem.objects.bulk_create(items)
        if items:
            record(
                ctx,
                object_type=CHECKLIST_TYPE,
                object_id=str(audit.uid),
                action="generate",
                data={
                    "audit": audit.reference,
                    "added": [{"uid": str(i.uid), "subject": i.subject_id} for i in items],
                },
            )
    return items


def scoped_requirement_ids(audit: Audit) -> list[str]:
    """The auditable requirements the scope stands for, in the standard's order."""
    from annexa.catalog.models import Requirement

    rows = list(Requirement.objects.values_list("id", "parent_id", "auditable", "sort_key"))
    children: dict[str | None, list[str]] = defaultdict(list)
    auditable: dict[str, bool] = {}
    sort_keys: dict[str, str] = {}
    for rid, parent, is_auditable, key in rows:
        children[parent].append(rid)
        auditable[rid], sort_keys[rid] = is_auditable, key
    wanted: set[str] = set()
    for rid in audit.scope_requirements.values_list("requirement_id", flat=True):
        wanted.update(_auditable_under(rid, children, auditable))
    return sorted(wanted, key=lambda rid: sort_keys[rid])


def _auditable_under(rid: str, children: dict, auditable: dict) -> list[str]:
    if auditable.get(rid):
        return [rid]
    found: list[str] = []
    for child in children.get(rid, []):
        found.extend(_auditable_under(child, children, auditable))
    return found


def scoped_control_ids(audit: Audit) -> list[str]:
    return list(
        audit.scope_controls.order_by("control__sort_key").values_list("control", flat=True)
    )


def _requirement_items(audit: Audit) -> list[ChecklistItem]:
    from annexa.catalog.models import Requirement

    found = Requirement.objects.in_bulk(scoped_requirement_ids(audit))
    required = required_documents()
    return [
        _new_item(
            audit,
            requirement=r,
            questions=list(r.questions),
            expected=[REQUIRED_DOCUMENT.format(d) for d in required.get(r.id, [])]
            + list(r.evidence),
        )
        for r in sorted(found.values(), key=lambda r: r.sort_key)
    ]


def required_documents() -> dict[str, list[str]]:
    """For each requirement, the documented information it and its parents call for.

    A lettered item inherits its sub-clause's: 5.2.a asks about the information security policy
    that 5.2 requires to be documented.
    """
    from annexa.catalog.models import Requirement

    rows = {
        rid: (parent, doc)
        for rid, parent, doc in Requirement.objects.values_list(
            "id", "parent_id", "mandatory_document"
        )
    }
    result: dict[str, list[str]] = {}
    for rid in rows:
        documents: list[str] = []
        current: str | None = rid
        while current is not None and current in rows:
            parent, document = rows[current]
            if document and document not in documents:
                documents.append(document)
            current = parent
        result[rid] = documents
    return result


def _control_items(audit: Audit) -> list[ChecklistItem]:
    from annexa.catalog.models import Control
    from annexa.isms.models import SoAEntry

    ids = scoped_control_ids(audit)
    excluded = set(
        SoAEntry.objects.for_org(audit.organization)
        .filter(control_id__in=ids, applicable=False)
        .exclude(justification="")
        .values_list("control_id", flat=True)
    )
    controls = Control.objects.in_bulk(ids)
    return [
        _new_item(
            audit,
            control=controls[cid],
            questions=EXCLUDED_QUESTIONS if cid in excluded else list(controls[cid].questions),
            expected=EXCLUDED_EVIDENCE if cid in excluded else list(controls[cid].evidence),
        )
        for cid in ids
    ]


def _new_item(audit: Audit, *, questions: list, expected: list, **subject) -> ChecklistItem:
    return ChecklistItem(
        organization=audit.organization,
        audit=audit,
        order=0,
        questions=questions,
        expected_documents=expected,
        **subject,
    )


def _next_order(audit: Audit) -> int:
    current = ChecklistItem.objects.filter(audit=audit).aggregate(top=Max("order"))["top"]
    return (current or 0) + 1


# --- shaping by hand -------------------------------------------------------------------------


def add_item(
    ctx: OrgContext, audit: Audit, subject_id: str, question: str, expected: str = ""
) -> ChecklistItem:
    """Add an ad-hoc question about a requirement or control, at the end of the checklist."""
    require_team(ctx, audit, "add checklist items")
    require_status(audit, PREPARE_STATUSES, "add checklist items")
    subject = _subject(subject_id)
    question = clean_text(question, "question")
    if not question:
        raise ValidationError({"question": "Write the question you want to ask."})
    if len(question) > MAX_QUESTION:
        raise ValidationError({"question": f"Keep the question under {MAX_QUESTION} characters."})
    documents = [line.strip() for line in clean_text(expected, "expected").splitlines()]
    with transaction.atomic():
        audit = Audit.objects.select_for_update().get(pk=audit.pk, organization=ctx.org)
        item = ChecklistItem.objects.create(
            organization=ctx.org,
            audit=audit,
            order=_next_order(audit),
            adhoc=True,
            questions=[question],
            expected_documents=[d for d in documents if d],
            updated_by=ctx.user,
            **subject,
        )
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(item.uid),
            action="add",
            data={
                "audit": audit.reference,
                "subject": item.subject_id,
                "questions": item.questions,
                "expected_documents": item.expected_documents,
            },
        )
    return item


def _subject(subject_id: str) -> dict:
    from annexa.catalog.models import Control, Requirement

    text = clean_text(subject_id, "subject").strip()
    model = Control if text.upper().startswith("A.") else Requirement
    found = model.objects.filter(pk=text if model is Requirement else text.upper()).first()
    if found is None:
        raise ValidationError(
            {"subject": f"Unknown requirement or control {text!r} (e.g. 9.2.2 or A.5.15)."}
        )
    return {"control": found} if model is Control else {"requirement": found}


def remove_item(
    ctx: OrgContext, item: ChecklistItem, reason: str, *, expected_version: int | None = None
) -> ChecklistItem:
    """Mark an item removed, with the reason; it stays on the checklist, shown as removed."""
    reason = clean_text(reason, "reason")
    if not reason:
        raise ValidationError({"reason": "Say why the item is removed (the report shows it)."})
    return _set_removed(ctx, item, True, reason, expected_version)


def restore_item(
    ctx: OrgContext, item: ChecklistItem, *, expected_version: int | None = None
) -> ChecklistItem:
    """Bring a removed item back onto the checklist."""
    return _set_removed(ctx, item, False, "", expected_version)


def _set_removed(
    ctx: OrgContext, item: ChecklistItem, removed: bool, reason: str, expected: int | None
) -> ChecklistItem:
    with transaction.atomic():
        locked = lock_item(ctx, item)
        require_team(ctx, locked.audit, "change the checklist")
        require_status(locked.audit, PREPARE_STATUSES, "change the checklist")
        check_version(locked, expected)
        if locked.removed == removed:
            state = "removed" if removed else "on the checklist"
            raise ValidationError({"removed": f"This item is already {state}."})
        locked.removed, locked.removal_reason = removed, reason
        bump(ctx, locked)
        record(
            ctx,
            object_type=OBJECT_TYPE,
            object_id=str(locked.uid),
            action="remove" if removed else "restore",
            data={
                "audit": locked.audit.reference,
                "subject": locked.subject_id,
                "version": locked.version,
                "reason": reason,
            },
        )
    return locked


def move_item(ctx: OrgContext, item: ChecklistItem, direction: str) -> bool:
    """Swap the item with its neighbour above or below; ``False`` when already at that end.

    The order is the checklist's layout, not the item's content: it does not change the item's
    version, so moving never makes another auditor's open form stale.
    """
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Move an item 'up' or 'down'."})
    require_team(ctx, item.audit, "reorder the checklist")
    with transaction.atomic():
        audit = Audit.objects.select_for_update().get(pk=item.audit_id, organization=ctx.org)
        items = list(ChecklistItem.objects.filter(audit=audit).order_by("order", "id"))
        active = [i for i in items if not i.removed]
        position = next((n for n, i in enumerate(active) if i.pk == item.pk), None)
        if position is None:
            raise ValidationError({"removed": "Restore the item before moving it."})
        other = position - 1 if direction == "up" else position + 1
        if not 0 <= other < len(active):
            return False
        mine, theirs = active[position], active[other]
        for number, row in enumerate(items, start=1):
            row.order = number
        mine.order, theirs.order = theirs.order, mine.order
        ChecklistItem.objects.bulk_update(items, ["order"])
        record(
            ctx,
            object_type=CHECKLIST_TYPE,
            object_id=str(audit.uid),
            action="move",
            data={
                "audit": audit.reference,
                "item": str(mine.uid),
                "subject": mine.subject_id,
                "direction": direction,
                "past": theirs.subject_id,
            },
        )
    return True
