"""The audits part of ``annexa demo``: an approved programme, one closed audit, one in fieldwork.

The programme covers Kestrel's first certification cycle (it started about ten months ago; the
stage 2 audit took place a month later, the first surveillance audit is about two months
away). The internal audit ahead of stage 2 is closed with results of every grade, evidence for
its nonconformities and a statistical sample; the audit ahead of the first surveillance audit is
in fieldwork with a third of its checklist recorded and two evidence requests (one overdue).

Every step goes through the audits services as the person who would take it (the ISMS manager
plans, top management approves, the internal auditor audits), so the ledger reads like real
use. Each step first looks at what exists, so a second run changes nothing and appends nothing.
The texts are ours, in ``data/demo.json``; the files behind them are in ``demo_evidence``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from annexa.audits import demo_evidence
from annexa.audits.choices import AuditStatus, MilestoneKind, SamplingRule, TeamRole
from annexa.audits.models import Audit, AuditProgramme, ChecklistItem, EvidenceRequest
from annexa.audits.services import audits as audit_service
from annexa.audits.services import checklist, coverage, fieldwork, independence, requests, sampling
from annexa.audits.services import programme as programme_service
from annexa.audits.services.planner import add_months
from annexa.core.tenancy import DEMO_ACTOR, OrgContext

DATA_FILE = Path(__file__).resolve().parent / "data" / "demo.json"
# How many items of each grade the closed audit shows (the rest conform).
GRADES = {"major_nc": 1, "minor_nc": 2, "observation": 2, "ofi": 2, "not_audited": 2}
COLLECTED_AT = dt.time(10, 0)
GAP_REASON = "Accepted for this cycle by the ISMS manager: covered by the next programme."


class DemoError(Exception):
    """The demo cannot be built on this organization's data; the message says why."""


@cache
def demo_data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def build_audits_demo(ctx: OrgContext, people: dict[str, Any]) -> dict[str, Any]:
    """Bring ``ctx.org``'s audits to the demo state; ``people`` maps demo keys to users.

    ``ctx`` is the ISMS manager's; ``people`` needs "auditor" (who must own nothing she
    audits) and may hold "owner" (who approves the programme). Returns the programme, the
    closed and the fieldwork audit, and what the findings demo built.
    """
    from annexa.findings.demo import build_findings_demo
    from annexa.reviews.demo import build_reviews_demo

    data = demo_data()
    auditor = member_ctx(ctx.org, people["auditor"])
    with transaction.atomic():
        programme = _programme(ctx, people, data["programme"])
        closed = _audit_ahead_of(programme, MilestoneKind.STAGE_2)
        current = _audit_ahead_of(programme, MilestoneKind.SURVEILLANCE_1)
        _close_completed(ctx, auditor, closed, data, people)
        _start_fieldwork(ctx, auditor, current, data)
        findings = build_findings_demo(ctx, people, closed)
        build_reviews_demo(ctx, people)
    return {"programme": programme, "closed": closed, "fieldwork": current, "findings": findings}


def member_ctx(org, user) -> OrgContext:
    """The context of ``user`` acting in ``org`` as the member they are, recorded as the demo."""
    from annexa.orgs.models import Membership

    try:
        return OrgContext.member(org, user, recorded_as=DEMO_ACTOR)
    except Membership.DoesNotExist:
        raise DemoError(f"{user.email} is not a member of {org.name}") from None


# --- the programme ---------------------------------------------------------------------------


def _programme(ctx: OrgContext, people: dict[str, Any], spec: dict) -> AuditProgramme:
    existing = AuditProgramme.objects.for_org(ctx.org).filter(title=spec["title"]).first()
    if existing is not None:
        return existing
    start = add_months(timezone.localdate(), -10)
    texts = {k: spec[k] for k in ("objectives", "risks", "criteria", "methods", "resources")}
    programme = programme_service.create_programme(
        ctx,
        start_date=start,
        title=spec["title"],
        milestones={
            MilestoneKind.STAGE_2: add_months(start, 1),
            MilestoneKind.SURVEILLANCE_1: add_months(start, 12),
        },
        **texts,
    )
    # Stage 1 (the documentation review) took place before the cycle started.
    programme_service.set_milestone(ctx, programme, MilestoneKind.STAGE_1, None)
    programme_service.plan_programme(ctx, programme)
    gaps = [gap.id for gap in coverage.compute(programme).unexplained_gaps]
    if gaps:
        programme_service.record_gap_reasons(ctx, programme, gaps, GAP_REASON)
    approver = member_ctx(ctx.org, people["owner"]) if "owner" in people else ctx
    return programme_service.approve_programme(approver, programme)


def _audit_ahead_of(programme: AuditProgramme, kind: str) -> Audit:
    audit = programme.audits.filter(milestone__kind=kind).first()
    if audit is None:
        label = MilestoneKind(kind).label.lower()
        raise DemoError(f"the demo programme has no audit ahead of the {label} any more")
    return audit


def _prepare(manager: OrgContext, auditor: OrgContext, audit: Audit) -> None:
    """Name the auditor lead (she must be independent), generate the checklist, start."""
    if not audit.team_members.filter(user=auditor.user).exists():
        conflicts = independence.conflicts_of(audit, auditor.user)
        if conflicts:
            listed = "; ".join(c.description for c in conflicts)
            raise DemoError(f"the demo auditor is not independent of {audit.reference}: {listed}")
        independence.add_team_member(manager, audit, auditor.user, TeamRole.LEAD)
    checklist.generate(auditor, audit)
    audit_service.transition(auditor, audit, AuditStatus.FIELDWORK)


def _auditees(people: list) -> list:
    return [user for user in people if user is not None]


# --- the closed audit ------------------------------------------------------------------------


def _close_completed(
    manager: OrgContext, auditor: OrgContext, audit: Audit, data: dict, people: dict
) -> None:
    """Record every result, raise the findings, close fieldwork, issue the report, close.

    The closing rules hold: every nonconformity on the checklist has its finding before
    fieldwork closes, and the report is issued before the audit closes.
    """
    from annexa.findings.demo import raise_findings

    spec = data["completed"]
    if audit.status == AuditStatus.PLANNED:
        changes = {
            "actual_start": audit.planned_start,
            "actual_end": audit.planned_end,
            "limitations": spec["limitations"],
            "auditees": _auditees([manager.user, *_owners(audit)]),
        }
        audit_service.update_audit(manager, audit, changes)
        audit_service.transition(manager, audit, AuditStatus.PREPARING)
    if audit.status == AuditStatus.PREPARING:
        _prepare(manager, auditor, audit)
    if audit.status == AuditStatus.FIELDWORK:
        items = _active_items(audit)
        plan = _grade_plan(items, spec["items"], data)
        for item in items:
            if not item.result:
                _record(auditor, item, plan[item.pk], audit.actual_start, data)
        raise_findings(manager, people, audit)
        fieldwork.close_fieldwork(auditor, audit)
    if audit.status == AuditStatus.REPORTING:
        _issue_report(auditor, audit)
        audit_service.transition(auditor, audit, AuditStatus.CLOSED)


def _issue_report(auditor: OrgContext, audit: Audit) -> None:
    """The report goes through review before it is issued (once): the lead auditor submits
    and reviews it, the audit programme's approver approves it, the lead auditor issues it."""
    from annexa.reports import services as reports

    if reports.latest_issued(audit) is not None:
        return
    review = reports.open_review(audit) or reports.submit_for_review(auditor, audit)
    if review.reviewed_at is None:
        review = reports.mark_reviewed(auditor, audit)
    if review.approved_at is None:
        approver = member_ctx(audit.organization, audit.programme.approved_by)
        reports.approve(approver, audit)
    reports.issue(auditor, audit)


def _owners(audit: Audit) -> list:
    """The control owners of the audit's controls (whom the auditor interviews)."""
    from annexa.isms.models import SoAEntry

    controls = audit.scope_controls.values("control_id")
    entries = SoAEntry.objects.for_org(audit.organization).filter(control_id__in=controls)
    users = {e.control_owner for e in entries.select_related("control_owner")}
    return sorted(_auditees(list(users)), key=lambda u: u.email)


def _active_items(audit: Audit) -> list[ChecklistItem]:
    items = audit.checklist_items.filter(removed=False).select_related("control", "requirement")
    return list(items.order_by("order", "id"))


def _grade_plan(items: list[ChecklistItem], written: dict, data: dict) -> dict[int, dict]:
    """What to record on each item: our texts where written, every grade present regardless.

    The texts are written for the scope the planner gives the demo; should the catalog or the
    SoA change it, spare items take the fallback texts so that every grade still appears.
    """
    plan: dict[int, dict] = {}
    for item in items:
        if item.subject_id in written:
            plan[item.pk] = written[item.subject_id]
    for result, wanted in GRADES.items():
        have = sum(1 for entry in plan.values() if entry["result"] == result)
        spare = [item for item in items if item.pk not in plan]
        for item in spare[: max(0, wanted - have)]:
            plan[item.pk] = {**data["fallback"][result], "evidence": "notes"}
    for number, item in enumerate(items):
        plan.setdefault(item.pk, _conforming(item, number, data["conforming"]))
    return plan


def _conforming(item: ChecklistItem, number: int, phrases: dict) -> dict:
    analysis, verification = phrases["analysis"], phrases["verification"]
    return {
        "result": "conforming",
        "methods": ["document_review", "interview"],
        "examined": _examined(item),
        "analysis": analysis[number % len(analysis)],
        "verification": verification[number % len(verification)],
    }


def _examined(item: ChecklistItem) -> str:
    subject = item.control or item.requirement
    if item.control_id:
        return (
            f"The documented procedure for {item.control_id} ({subject.title}), its entry in "
            "the Statement of Applicability and the records of the last three months."
        )
    return (
        f"The ISMS documentation that addresses {item.requirement_id} ({subject.title}) and "
        "the records showing it in use."
    )


def _record(
    auditor: OrgContext, item: ChecklistItem, entry: dict, day: dt.date, data: dict
) -> ChecklistItem:
    """Record ``entry`` on ``item``, storing its evidence (and drawing its sample) first."""
    changes: dict[str, Any] = {
        key: entry[key]
        for key in ("result", "methods", "analysis", "verification", "notes")
        if key in entry
    }
    if entry["result"] != "not_audited":
        changes["examined"] = entry.get("examined") or _examined(item)
        changes["auditees"] = _auditees([requests.default_assignee(item)])
    key = entry.get("evidence")
    if key:
        version = _store(auditor, item, key, day, changes)
        changes["evidence"] = [version]
        if item.subject_id == data["sample"]["subject"] and key == "joiners":
            _sample(auditor, item, version, data["sample"])
    return fieldwork.save_fieldwork(auditor, item, changes)


def _store(auditor: OrgContext, item: ChecklistItem, key: str, day: dt.date, changes: dict):
    from annexa.evidence import services as evidence

    if key == "notes":
        filename, title = "interview-notes.txt", f"{item.subject_id}: interview notes"
        content = f"Interview notes, {item.subject_id}\n\n{changes['analysis']}\n".encode()
    else:
        filename, title, build = demo_evidence.FILES[key]
        content = build(day)
    subject = {"controls": [item.control_id]} if item.control_id else {}
    if item.requirement_id:
        subject = {"requirements": [item.requirement_id]}
    return evidence.store(
        auditor,
        filename=filename,
        chunks=[content],
        title=title,
        effective_date=day,
        collected_at=collected_on(day),
        **subject,
    )


def collected_on(day: dt.date) -> dt.datetime:
    """When the demo's auditor collected evidence on ``day``: that morning, never in the future.

    The demo is built in one go, but its evidence was taken on the audit's days: dated today,
    it would postdate the report of an audit that ended months ago.
    """
    morning = dt.datetime.combine(day, COLLECTED_AT, tzinfo=timezone.get_current_timezone())
    return min(morning, timezone.now())


def _sample(auditor: OrgContext, item: ChecklistItem, version, spec: dict) -> None:
    """Draw the statistical sample of joiners and record what testing each one showed."""
    if item.samples.exists():
        return
    rule = sampling.Rule(
        kind=SamplingRule.STATISTICAL,
        rationale=spec["rationale"],
        confidence=Decimal(spec["confidence"]),
        tolerable=Decimal(spec["tolerable"]),
    )
    population = sampling.Population(version=version, column="record")
    sample = sampling.create_sample(auditor, item, population, rule, seed=spec["seed"])
    # The deviations are spread through the draw, as they were found.
    records = list(sample.records.order_by("population_index"))
    step = max(1, len(records) // (spec["deviations"] + 1))
    deviating = {records[step * (n + 1) - 1].pk for n in range(spec["deviations"])}
    for record in records:
        if record.pk in deviating:
            sampling.record_result(auditor, record, "deviation", spec["deviation"])
        else:
            sampling.record_result(auditor, record, "conforming", "")


# --- the audit in fieldwork ------------------------------------------------------------------


def _start_fieldwork(manager: OrgContext, auditor: OrgContext, audit: Audit, data: dict) -> None:
    spec = data["fieldwork"]
    if audit.status == AuditStatus.PLANNED:
        today = timezone.localdate()
        changes = {
            # Brought forward so that fieldwork ends well before the surveillance audit.
            "planned_start": today - dt.timedelta(days=3),
            "planned_end": today + dt.timedelta(days=9),
            "auditees": _auditees([manager.user, *_owners(audit)]),
        }
        audit_service.update_audit(manager, audit, changes)
        audit_service.transition(manager, audit, AuditStatus.PREPARING)
    if audit.status == AuditStatus.PREPARING:
        _prepare(manager, auditor, audit)
    if audit.status != AuditStatus.FIELDWORK:
        return
    items = _active_items(audit)
    asked = {request["subject"] for request in spec["requests"]}
    for number, item in enumerate(i for i in items if i.subject_id not in asked):
        if number % 3 == 0 and not item.result:
            entry = spec["items"].get(item.subject_id) or _conforming(
                item, number, data["conforming"]
            )
            _record(auditor, item, entry, audit.actual_start, data)
    for request in spec["requests"]:
        _request(auditor, items, request)
    _joiner_sample(auditor, items)


JOINER_SUBJECTS = ("A.6.1", "A.6.2", "A.6.3")
SCREENING_GAP = (
    "No background verification recorded before the start date (HR record and the joiner "
    "check of the people register)."
)


def _joiner_sample(auditor: OrgContext, items: list[ChecklistItem]) -> None:
    """On the screening item (A.6.1, else A.6.2 or A.6.3), test every joiner of the last 90
    days from the people register's joiner population: a joiner never screened is a deviation.
    Left out when the register has no joiners (an organization without the people demo)."""
    from django.core.exceptions import ValidationError

    from annexa.people.services import checks

    item = next((i for s in JOINER_SUBJECTS for i in items if i.subject_id == s), None)
    if item is None or item.samples.exists():
        return
    try:
        version = checks.save_population(auditor, "joiners")
    except ValidationError:
        return
    joiners = {checks.record_label(j.person): j for j in checks.joiners(auditor.org)}
    rule = sampling.Rule(
        kind=SamplingRule.JUDGEMENT,
        size=len(joiners),
        rationale="Every joiner of the last 90 days: few enough to test them all.",
    )
    population = sampling.Population(version=version, column="person")
    sample = sampling.create_sample(auditor, item, population, rule, seed="kestrel-joiners-a61")
    for record in sample.records.order_by("population_index"):
        joiner = joiners.get(record.label)
        if joiner is not None and "screening" in joiner.gaps:
            sampling.record_result(auditor, record, "deviation", SCREENING_GAP)
        else:
            sampling.record_result(auditor, record, "conforming", "")


def _request(auditor: OrgContext, items: list[ChecklistItem], spec: dict) -> None:
    """Ask the item's control owner for evidence (once); an overdue one was asked earlier."""
    item = next((i for i in items if i.subject_id == spec["subject"]), None)
    if item is None or EvidenceRequest.objects.filter(item=item).exists():
        return
    assignee = requests.default_assignee(item)
    if assignee is None:
        return
    today = timezone.localdate()
    due = today + dt.timedelta(days=spec.get("due_in_days", 0))
    request = requests.create_request(
        auditor, item, assignee=assignee, description=spec["description"], due_date=due
    )
    if "overdue_days" in spec:
        _backdate(auditor, request, today - dt.timedelta(days=spec["overdue_days"]))


def _backdate(ctx: OrgContext, request: EvidenceRequest, due: dt.date) -> None:
    """Give the request the due date it had when it was made, before the demo's "today".

    The services refuse a due date in the past (rightly, for a new request), and none moves
    one; the demo's request was made a fortnight earlier, so the change is recorded here.
    """
    from annexa.ledger import services as ledger

    before = request.due_date
    request.due_date = due
    EvidenceRequest.objects.filter(pk=request.pk).update(due_date=due)
    ledger.append(
        ctx,
        object_type=requests.OBJECT_TYPE,
        object_id=str(request.uid),
        action="due_date",
        data={
            "before": before.isoformat(),
            "after": due.isoformat(),
            "reason": "Demo data: the request was made before the day the demo was built.",
        },
    )
