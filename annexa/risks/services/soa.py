"""Risk treatment ↔ Statement of Applicability (6.1.3 b–d).

Computed from the live data every time, so they never go stale:

* a **proposal**: an Annex A control chosen in the treatment of an open risk whose SoA entry is
  still undecided (no justification yet) — proposed as applicable, the risks as justification;
* a **conflict**: such a control that the SoA excludes (decided not applicable) — flagged where
  the SoA is edited, on the risk and on the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from annexa.core.tenancy import OrgContext
from annexa.risks.choices import OPEN_RISK
from annexa.risks.models import Risk


@dataclass
class ControlRisks:
    control_id: str
    title: str
    risks: list[Risk] = field(default_factory=list)

    @property
    def references(self) -> str:
        return ", ".join(r.reference for r in self.risks)

    @property
    def justification(self) -> str:
        named = "; ".join(f"{r.reference} {r.title}" for r in self.risks)
        return f"Chosen in the risk treatment plan of {named}."


def treating(org) -> dict[str, ControlRisks]:
    """By control id, the open risks whose treatment plan chose it (one query)."""
    through = Risk.controls.through
    rows = (
        through.objects.filter(risk__organization=org, risk__status__in=OPEN_RISK)
        .select_related("risk", "control")
        .order_by("control__sort_key", "risk__number")
    )
    found: dict[str, ControlRisks] = {}
    for row in rows:
        entry = found.setdefault(row.control_id, ControlRisks(row.control_id, row.control.title))
        entry.risks.append(row.risk)
    return found


def proposals_and_conflicts(org) -> tuple[list[ControlRisks], list[ControlRisks]]:
    """(proposals, conflicts) for ``org``, in control order."""
    chosen = treating(org)
    proposed, conflicting = _flags(org, chosen)
    return [chosen[c] for c in proposed], [chosen[c] for c in conflicting]


def flagged_controls(org) -> tuple[list[str], list[str]]:
    """The control ids of ``proposals_and_conflicts`` (the dashboard's counts): two queries
    of ids, without reading the risks."""
    through = Risk.controls.through
    chosen = (
        through.objects.filter(risk__organization=org, risk__status__in=OPEN_RISK)
        .order_by("control__sort_key")
        .values_list("control_id", flat=True)
        .distinct()
    )
    return _flags(org, list(chosen))


def _flags(org, chosen) -> tuple[list[str], list[str]]:
    """Of the ``chosen`` control ids (in order): those proposed (the SoA entry is missing or
    undecided) and those in conflict (the SoA excludes them)."""
    from annexa.isms.models import SoAEntry

    if not chosen:
        return [], []
    entries = SoAEntry.objects.for_org(org).filter(control_id__in=list(chosen))
    decided = {
        control_id: (applicable, justification)
        for control_id, applicable, justification in entries.values_list(
            "control_id", "applicable", "justification"
        )
    }
    proposed, conflicting = [], []
    for control_id in chosen:
        soa = decided.get(control_id)
        if soa is None or (not soa[0] and not soa[1].strip()):
            proposed.append(control_id)
        elif not soa[0]:
            conflicting.append(control_id)
    return proposed, conflicting


def accept_proposal(ctx: OrgContext, control_id: str):
    """Mark the control applicable in the SoA, justified by the risks that chose it."""
    from django.core.exceptions import ValidationError

    from annexa.isms.services.soa import ensure_soa, update_soa_entry

    proposals, _ = proposals_and_conflicts(ctx.org)
    proposal = next((p for p in proposals if p.control_id == control_id), None)
    if proposal is None:
        raise ValidationError(
            {"control": f"No risk treatment proposes {control_id} (or the SoA decided it)."}
        )
    ensure_soa(ctx.org)
    return update_soa_entry(
        ctx, control_id, {"applicable": True, "justification": proposal.justification}
    )
