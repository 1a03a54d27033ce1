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
    from annexa.isms.models import SoAEntry

    chosen = treating(org)
    if not chosen:
        return [], []
    entries = SoAEntry.objects.for_org(org).filter(control_id__in=chosen)
    decided = {e.control_id: e for e in entries}
    proposals, conflicts = [], []
    for control_id, entry in chosen.items():
        soa = decided.get(control_id)
        if soa is None or (not soa.applicable and not soa.justification.strip()):
            proposals.append(entry)
        elif not soa.applicable:
            conflicts.append(entry)
    return proposals, conflicts


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
