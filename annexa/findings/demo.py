"""The findings part of ``annexa demo``: the finding of every graded checklist item of a
completed audit, and a corrective action for every nonconformity, in various states (one
overdue, one verified effective and closed, the others under way). The words (the requirement
as we put it, the gap's nature, the action) are the audits demo's, per checklist subject.

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
from annexa.findings.choices import NONCONFORMITIES, FindingGrade, FindingStatus
from annexa.findings.models import Finding
from annexa.findings.services.raising import RAISING_AUDIT_STATUSES

GRADES = (FindingGrade.MAJOR_NC, FindingGrade.MINOR_NC, FindingGrade.OBSERVATION, FindingGrade.OFI)
# What a finding raised without a checklist item says (when the audit has no item of a grade).
WORDING = {
    FindingGrade.MAJOR_NC: "No record shows the control being applied to the production systems "
    "during the period examined, and the people interviewed could not describe how it is done.",
    FindingGrade.MINOR_NC: "One of the sampled periods has no record; the other records are "
    "complete and on time.",
    FindingGrade.OBSERVATION: "Only one person knows how the activity is done and the procedure "
    "is not written down.",
    FindingGrade.OFI: "The same evidence is assembled by hand every month; an export from the "
    "tool would save time and leave less room for error.",
}


def texts(subject_id: str, grade: str) -> dict:
    """The demo's words for the finding of ``subject_id`` with ``grade``: the requirement in
    our words, the gap's nature and the corrective action (``audits/data/demo.json``), else
    the fallback of the grade."""
    from annexa.audits.demo import demo_data

    data = demo_data()
    written = data["completed"]["items"].get(subject_id)
    if written is not None and written["result"] == grade:
        return written
    return data["fallback"][grade]


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
    """Raise and open the demo's findings from ``audit`` (``raise_findings``) and work their
    corrective actions; a second run changes nothing."""
    findings = raise_findings(ctx, people, audit)
    actions = [a for f in findings for a in f.corrective_actions.order_by("number")]
    if actions:
        return FindingsDemo(findings=findings, actions=actions)
    with transaction.atomic():
        demo = FindingsDemo(findings=findings, created=True)
        _act(ctx, people, demo)
    return demo


def raise_findings(ctx: OrgContext, people: dict, audit) -> list[Finding]:
    """The finding of every graded checklist item of ``audit`` (one of each grade raised
    directly where no item has it), raised by the lead auditor and opened by someone
    independent. Only what is missing is raised, so a second call changes nothing."""
    team = [m.user for m in audit.team_members.select_related("user").order_by("role")]
    raiser = _ctx(ctx.org, audit.lead_auditor or (team[0] if team else ctx.user))
    with transaction.atomic():
        if not Finding.objects.filter(raised_in=audit).exists():
            for grade in GRADES:
                if not audit.checklist_items.filter(result=grade, removed=False).exists():
                    _raise_directly(ctx, raiser, audit, grade)
        items = audit.checklist_items.filter(
            result__in=GRADES, removed=False, findings__isnull=True
        ).order_by("order", "id")
        for item in items:
            _raise(raiser, item)
        for finding in Finding.objects.filter(raised_in=audit, status=FindingStatus.DRAFT):
            services.open_finding(_independent(finding, _deciders(people)), finding)
    return list(Finding.objects.filter(raised_in=audit).order_by("number"))


def _deciders(people: dict) -> list:
    return [people.get("isms_manager"), people.get("owner"), people.get("auditor")]


def _raise(raiser: OrgContext, item) -> Finding:
    """The finding of ``item``: its analysis as the statement, our requirement and nature."""
    spec = texts(item.subject_id, item.result)
    return services.raise_from_checklist_item(
        raiser,
        item,
        requirement_statement=spec["requirement"],
        statement=item.analysis or WORDING[item.result],
        nature=spec.get("nature", ""),
    )


def _raise_directly(ctx: OrgContext, raiser: OrgContext, audit, grade: str) -> Finding:
    spec = texts("", grade)
    subject = audit.scope_controls.order_by("control__sort_key").first()
    evidence = [_demo_evidence(ctx, grade)] if grade in NONCONFORMITIES else []
    return services.raise_finding(
        raiser,
        audit=audit if audit.status in RAISING_AUDIT_STATUSES else None,
        grade=grade,
        control=subject.control if subject is not None else "A.5.1",
        requirement_statement=spec["requirement"],
        statement=WORDING[grade],
        nature=spec.get("nature", ""),
        evidence=evidence,
    )


def _demo_evidence(ctx: OrgContext, grade: str):
    from annexa.evidence import services as evidence

    text = f"Interview notes for the {FindingGrade(grade).label.lower()} (demo).\n"
    return evidence.store(
        ctx, chunks=[text.encode()], filename="interview-notes.txt", title="Interview notes"
    )


def _act(ctx: OrgContext, people: dict, demo: FindingsDemo) -> None:
    """A corrective action for every nonconformity: the first major one overdue, the first
    minor one verified effective and closed, the others under way; observations acknowledged;
    and one action from the management review."""
    from annexa.actions import services as actions

    today = timezone.localdate()
    by_grade = {g: [f for f in demo.findings if f.grade == g] for g in GRADES}
    for number, finding in enumerate(by_grade[FindingGrade.MAJOR_NC]):
        due = today - dt.timedelta(days=20) if number == 0 else today + dt.timedelta(days=30)
        demo.actions.append(_under_way(ctx, people, finding, due))
    for number, finding in enumerate(by_grade[FindingGrade.MINOR_NC]):
        if number == 0:
            demo.actions.append(_verified_and_closed(ctx, people, finding, today))
            closer = _independent(finding, _deciders(people))
            note = "The corrective action was verified effective."
            services.close_finding(closer, finding, note=note)
        else:
            demo.actions.append(_under_way(ctx, people, finding, today + dt.timedelta(days=30)))
    for observation in by_grade[FindingGrade.OBSERVATION]:
        services.acknowledge_finding(_ctx(ctx.org, people["it"]), observation, "We will act on it.")
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


def _under_way(ctx: OrgContext, people: dict, finding: Finding, due: dt.date):
    """The finding's corrective action, started, with its root cause."""
    from annexa.actions import services as actions

    spec = texts(finding.subject_id, finding.grade)["action"]
    owner = _owner_of(finding, people)
    action = actions.create_action(
        _ctx(ctx.org, owner),
        finding=finding,
        correction=spec["correction"],
        plan=spec["plan"],
        owner=owner,
        due_date=due,
    )
    owner_ctx = _ctx(ctx.org, owner)
    actions.start_action(owner_ctx, action)
    return actions.set_root_cause(owner_ctx, action, spec["root_cause"], spec.get("five_whys", ()))


def _verified_and_closed(ctx: OrgContext, people: dict, finding: Finding, today):
    from annexa.actions import services as actions

    spec = texts(finding.subject_id, finding.grade)["action"]
    owner = _owner_of(finding, people)
    owner_ctx = _ctx(ctx.org, owner)
    action = actions.create_action(
        owner_ctx,
        finding=finding,
        correction=spec["correction"],
        plan=spec["plan"],
        owner=owner,
        due_date=today + dt.timedelta(days=10),
    )
    actions.start_action(owner_ctx, action)
    actions.set_root_cause(owner_ctx, action, spec["root_cause"])
    actions.implement_action(owner_ctx, action, spec["implemented"])
    reviewer = next(u for u in (people["auditor"], people["isms_manager"]) if u != owner)
    actions.record_review(
        _ctx(ctx.org, reviewer),
        action,
        method="document_review",
        conclusion="effective",
        notes=spec["review"],
    )
    closer = next(u for u in (people["isms_manager"], people["owner"]) if u != owner)
    return actions.close_action(_ctx(ctx.org, closer), action, "Verified effective.")
