"""The ownership part of ``annexa demo``: who is responsible for each clause, so that the
auditor-independence rules have something to bite on.

Kestrel's ISMS manager runs most of the ISMS processes, internal audit (9.2) among them; top
management owns leadership, resources and the management review; the People Lead owns
competence and awareness; the Head of IT operational control. With that recorded, the demo
shows the rules at work once each way:

- refused: the ISMS manager tried to join the audit that covers clause 9.2, his own process;
  the attempt is in the ledger (``team_refused``) with the conflicts that stopped it;
- justified: the Head of IT joined the audit in fieldwork as technical expert although she owns
  two of its controls; the justification is kept as an override per conflict.

Runs after the audits demo, through the same services as the owners page and the audit team
form, as the ISMS manager; each step looks at what exists first. (Every ``annexa.cli`` module is
imported when the command starts, before Django is set up: the models are imported inside.)
"""

from __future__ import annotations

from typing import Any

# Clause (or sub-clause) → the demo person responsible; an owner extends to the items below.
REQUIREMENT_OWNERS = {
    "4": "isms_manager",
    "5": "owner",
    "6": "isms_manager",
    "7.1": "owner",
    "7.2": "hr",
    "7.3": "hr",
    "7.4": "isms_manager",
    "7.5": "isms_manager",
    "8.1": "it",
    "8.2": "isms_manager",
    "8.3": "isms_manager",
    "9.1": "isms_manager",
    "9.2": "isms_manager",
    "9.3": "owner",
    "10": "isms_manager",
}
EXPERT_JUSTIFICATION = (
    "Technical expert for the cloud and identity-provider records, which nobody else at "
    "Kestrel can read. She does not judge the controls she owns: the lead auditor records "
    "their results and checks the records of them herself."
)


def build_independence_demo(ctx, people: dict[str, Any]) -> dict[str, Any]:
    """Set the requirement owners, then record the refused and the justified assignment.
    ``ctx`` is the ISMS manager's; returns the two audits concerned."""
    from annexa.audits.choices import AuditStatus
    from annexa.audits.models import RequirementOwner
    from annexa.audits.services import independence

    for requirement_id, key in REQUIREMENT_OWNERS.items():
        current = RequirementOwner.objects.for_org(ctx.org).filter(requirement_id=requirement_id)
        if not current.exists():
            independence.set_requirement_owner(ctx, requirement_id, people[key])
    own_process = _open_audit(ctx.org, requirement_prefix="9.2.")
    _refused(ctx, own_process, people["isms_manager"])
    fieldwork = _open_audit(ctx.org, status=AuditStatus.FIELDWORK)
    _justified(ctx, fieldwork, people["it"])
    return {"refused": own_process, "justified": fieldwork}


def _open_audit(org, *, requirement_prefix: str = "", status: str = ""):
    from annexa.audits.choices import AuditStatus
    from annexa.audits.demo import DemoError
    from annexa.audits.models import Audit

    audits = Audit.objects.for_org(org).exclude(status=AuditStatus.CLOSED).order_by("planned_start")
    if requirement_prefix:
        audits = audits.filter(scope_requirements__requirement__id__startswith=requirement_prefix)
    if status:
        audits = audits.filter(status=status)
    audit = audits.distinct().first()
    if audit is None:
        wanted = f"covering {requirement_prefix}…" if requirement_prefix else f"in {status}"
        raise DemoError(f"the demo programme has no open audit {wanted} any more")
    return audit


def _refused(ctx, audit, manager) -> None:
    """The ISMS manager asks to join the audit of his own process and is refused."""
    from annexa.audits.choices import TeamRole
    from annexa.audits.demo import DemoError
    from annexa.audits.services import independence
    from annexa.ledger.models import LedgerEntry

    tried = LedgerEntry.objects.filter(
        organization=ctx.org, object_id=str(audit.uid), action="team_refused"
    )
    if tried.exists() or audit.team_members.filter(user=manager).exists():
        return
    try:
        independence.add_team_member(ctx, audit, manager, TeamRole.MEMBER)
    except independence.IndependenceError:
        return
    raise DemoError(f"{manager.email} joined {audit.reference} without a conflict")


def _justified(ctx, audit, expert) -> None:
    """The Head of IT joins the audit in fieldwork with a recorded justification."""
    from annexa.audits.choices import TeamRole
    from annexa.audits.demo import DemoError
    from annexa.audits.services import independence

    if audit.team_members.filter(user=expert).exists():
        return
    if not independence.conflicts_of(audit, expert):
        raise DemoError(f"{expert.email} owns nothing in {audit.reference}: nothing to justify")
    independence.add_team_member(
        ctx, audit, expert, TeamRole.MEMBER, justification=EXPERT_JUSTIFICATION
    )
