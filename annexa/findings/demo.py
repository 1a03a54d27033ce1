"""The findings part of ``annexa demo``: findings of every grade from a completed audit, with
corrective actions in various states (one overdue, one verified effective and closed).

Every step goes through the services as the person who would do it (the lead auditor raises,
someone independent opens and closes, the control owner works the actions, the auditor reviews
their effectiveness), so the demo's ledger reads like a real one. A second run on the same audit
changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import DEMO_ACTOR, OrgContext
from annexa.findings import services
from annexa.findings.choices import NONCONFORMITIES, FindingGrade, GapNature
from annexa.findings.models import Finding
from annexa.findings.services.raising import ITEM_AUDIT_STATUSES, RAISING_AUDIT_STATUSES

GRADES = (FindingGrade.MAJOR_NC, FindingGrade.MINOR_NC, FindingGrade.OBSERVATION, FindingGrade.OFI)
NATURES = {FindingGrade.MAJOR_NC: GapNature.MISSING, FindingGrade.MINOR_NC: GapNature.INEFFECTIVE}
WORDING = {
    FindingGrade.MAJOR_NC: (
        "The organization committed to apply this control to every system in scope and to keep "
        "records showing that it does.",
        "No record shows the control being applied to the production systems during the "
        "period examined, and the people interviewed could not describe how it is done.",
    ),
    FindingGrade.MINOR_NC: (
        "The organization committed to carry out this activity on a fixed schedule and to keep "
        "the records.",
        "One of the sampled periods has no record; the other records are complete and on time.",
    ),
    FindingGrade.OBSERVATION: (
        "The organization expects the activity to keep working when its usual owner is absent.",
        "Only one person knows how the activity is done and the procedure is not written down.",
    ),
    FindingGrade.OFI: (
        "The activity meets its requirement today.",
        "The same evidence is assembled by hand every month; an export from the tool would "
        "save time and leave less room for error.",
    ),
}


@dataclass
class FindingsDemo:
    findings: list[Finding] = field(default_factory=list)
    actions: list = field(default_factory=list)
    created: bool = False


def _ctx(org, user) -> OrgContext:
    return OrgContext.member(org, user, recorded_as=DEMO_ACTOR)


def _independent(finding: Finding, candidates: list) -> OrgContext:
    """The first candidate who may decide on ``finding``."""
    for user in candidates:
        if user is not None and not services.conflicts(finding, user):
            return _ctx(finding.organization, user)
    raise ValueError(f"nobody among the demo people is independent of {finding.reference}")


def _owner_of(finding: Finding, people: dict):
    """Who fixes it: the SoA owner of its control when they may work on actions, else IT."""
    from annexa.isms.models import SoAEntry
    from annexa.orgs.models import Membership

    entry = SoAEntry.objects.for_org(finding.organization).filter(control=finding.control).first()
    owner = entry.control_owner if entry is not None else None
    if owner is not None:
        role = Membership.objects.filter(organization=finding.organization, user=owner).first()
        if role is not None and role.role in ("owner", "isms_manager", "control_owner"):
            return owner
    return people["it"]


def build_findings_demo(ctx: OrgContext, people: dict, audit) -> FindingsDemo:
    """Raise the demo's findings from ``audit`` (a completed audit with checklist results)."""
    existing = list(Finding.objects.filter(raised_in=audit).order_by("number"))
    if existing:
        actions = [a for f in existing for a in f.corrective_actions.order_by("number")]
        return FindingsDemo(findings=existing, actions=actions)
    team = [m.user for m in audit.team_members.select_related("user").order_by("role")]
    raiser = _ctx(ctx.org, audit.lead_auditor or (team[0] if team else ctx.user))
    with transaction.atomic():
        demo = FindingsDemo(created=True)
        for grade in GRADES:
            demo.findings.append(_raise(ctx, raiser, audit, grade))
        demo.findings = [
            services.open_finding(_independent(finding, _deciders(people)), finding)
            for finding in demo.findings
        ]
        _act(ctx, people, demo)
    return demo


def _deciders(people: dict) -> list:
    return [people.get("isms_manager"), people.get("owner"), people.get("auditor")]


def _raise(ctx: OrgContext, raiser: OrgContext, audit, grade: str) -> Finding:
    requirement_statement, statement = WORDING[grade]
    item = (
        audit.checklist_items.filter(result=grade, removed=False, findings__isnull=True)
        .order_by("order", "id")
        .first()
    )
    nature = NATURES.get(grade, "")
    if item is not None and audit.status in ITEM_AUDIT_STATUSES:
        return services.raise_from_checklist_item(
            raiser,
            item,
            requirement_statement=requirement_statement,
            statement=item.analysis or statement,
            nature=nature,
        )
    subject = audit.scope_controls.order_by("control__sort_key").first()
    evidence = [_demo_evidence(ctx, grade)] if grade in NONCONFORMITIES else []
    return services.raise_finding(
        raiser,
        audit=audit if audit.status in RAISING_AUDIT_STATUSES else None,
        grade=grade,
        control=subject.control if subject is not None else "A.5.1",
        requirement_statement=requirement_statement,
        statement=statement,
        nature=nature,
        evidence=evidence,
    )


def _demo_evidence(ctx: OrgContext, grade: str):
    from annexa.evidence import services as evidence

    text = f"Interview notes for the {FindingGrade(grade).label.lower()} (demo).\n"
    return evidence.store(
        ctx, chunks=[text.encode()], filename="interview-notes.txt", title="Interview notes"
    )


def _act(ctx: OrgContext, people: dict, demo: FindingsDemo) -> None:
    from annexa.actions import services as actions

    major, minor, observation, _ofi = demo.findings
    today = timezone.localdate()
    overdue = actions.create_action(
        _ctx(ctx.org, _owner_of(major, people)),
        finding=major,
        correction="Applied the control by hand to the two systems found without it.",
        plan="Add the control to the build template of every production system and check it "
        "in the monthly configuration review.",
        owner=_owner_of(major, people),
        due_date=today - dt.timedelta(days=20),
    )
    owner_ctx = _ctx(ctx.org, overdue.owner)
    actions.start_action(owner_ctx, overdue)
    actions.set_root_cause(
        owner_ctx,
        overdue,
        "New systems are built from a template that predates the control.",
        [
            {"why": "Why were two systems without the control?", "because": "They were new."},
            {"why": "Why did new systems lack it?", "because": "The build template lacks it."},
        ],
    )
    demo.actions.append(overdue)
    demo.actions.append(_verified_and_closed(ctx, people, minor, today))
    closer = _independent(minor, _deciders(people))
    services.close_finding(closer, minor, note="The corrective action was verified effective.")
    services.acknowledge_finding(_ctx(ctx.org, people["it"]), observation, "We will document it.")
    demo.actions.append(
        actions.create_action(
            ctx,
            source="management_review",
            source_reference="Management review: decision on backup testing",
            title="Test restoring backups every quarter",
            plan="Schedule a quarterly restore test and record its result.",
            owner=people["it"],
            due_date=today + dt.timedelta(days=45),
        )
    )


def _verified_and_closed(ctx: OrgContext, people: dict, finding: Finding, today):
    from annexa.actions import services as actions

    owner = _owner_of(finding, people)
    owner_ctx = _ctx(ctx.org, owner)
    action = actions.create_action(
        owner_ctx,
        finding=finding,
        correction="Produced the missing record from the system's own log.",
        plan="Add a calendar reminder and a second person who checks the record monthly.",
        owner=owner,
        due_date=today + dt.timedelta(days=10),
    )
    actions.start_action(owner_ctx, action)
    actions.set_root_cause(owner_ctx, action, "The task relied on memory; nobody checked it.")
    actions.implement_action(owner_ctx, action, "Reminder and second check in place.")
    reviewer = next(u for u in (people["auditor"], people["isms_manager"]) if u != owner)
    actions.record_review(
        _ctx(ctx.org, reviewer),
        action,
        method="document_review",
        conclusion="effective",
        notes="The records of the months since the fix are complete and checked.",
    )
    closer = next(u for u in (people["isms_manager"], people["owner"]) if u != owner)
    return actions.close_action(_ctx(ctx.org, closer), action, "Verified effective.")
