"""How the risk register reaches the apps that cannot import it: the Statement of Applicability
(``isms.services.soa_links``: the risks whose treatment chose each control, the proposals and
the conflicts) and the audit programme planner (``audits.services.planner``: controls and areas
with risks above the acceptance criteria are audited every cycle year).

``register()`` runs once from ``RisksConfig.ready``; nothing else of the risks app imports the
audits app. Both hooks read the register live, so they never go stale.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import prefetch_related_objects
from django.urls import NoReverseMatch, reverse

from annexa.core.tenancy import OrgContext
from annexa.risks.models import Risk

# The page of one risk, once the register's pages exist (until then a citation is plain text).
RISK_ROUTE = "risks:detail"


def risk_url(risk: Risk) -> str:
    try:
        return reverse(RISK_ROUTE, kwargs={"org": risk.organization.slug, "pk": risk.pk})
    except NoReverseMatch:
        return ""


# --- the Statement of Applicability ----------------------------------------------------------


class SoAProvider:
    """The risks whose treatment plan chose each control, and what that means for the SoA
    (``risks.services.soa``: a proposal while the entry is undecided, a conflict when the SoA
    excludes the control)."""

    heading = "Risks treated"

    def links(self, org) -> dict:
        from annexa.isms.services.soa_links import Citation, ControlLinks
        from annexa.risks.services import soa

        chosen = soa.treating(org)
        proposals, conflicts = soa.proposals_and_conflicts(org)
        proposed = {p.control_id: p.justification for p in proposals}
        conflicting = {c.control_id for c in conflicts}
        found = {}
        for control_id, entry in chosen.items():
            found[control_id] = ControlLinks(
                control_id,
                citations=[
                    Citation(r.reference, r.title, risk_url(_with_org(r, org))) for r in entry.risks
                ],
                proposed=proposed.get(control_id, ""),
                conflict=control_id in conflicting,
            )
        return found

    def accept(self, ctx: OrgContext, control_id: str):
        from annexa.risks.services import soa

        return soa.accept_proposal(ctx, control_id)


def _with_org(risk: Risk, org) -> Risk:
    risk.organization = org  # already known: no query per citation for the URL's slug
    return risk


# --- the audit programme planner (9.2.2) -----------------------------------------------------


def high_risks(org) -> list[Risk]:
    """Open risks above the acceptance criteria (residual, or inherent while untreated), with
    their controls and assets."""
    from annexa.risks.services import reporting

    found = reporting.above_threshold(org)
    prefetch_related_objects(found, "controls", "assets", "methodology")
    return found


def describe(risk: Risk) -> str:
    """``R-0004 (residual High, 12)``: the risk and the level that makes it high."""
    which = "residual" if risk.residual_score is not None else "inherent"
    score = getattr(risk, f"{which}_score")
    level = risk.methodology.label_of(getattr(risk, f"{which}_level"))
    return f"{risk.reference} ({which} {level}, {score})"


def audit_emphasis(org):
    """The planner's emphasis from the register: every control chosen in the treatment of a
    high risk, and every scope unit that is an asset of one, with the risks named."""
    from annexa.audits.services.planner import Emphasis
    from annexa.isms.models import OrgUnit

    risks = high_risks(org)
    if not risks:
        return Emphasis()
    by_control: dict[str, list[str]] = defaultdict(list)
    by_asset_name: dict[str, list[str]] = defaultdict(list)
    for risk in risks:
        for control in risk.controls.all():
            by_control[control.id].append(describe(risk))
        for asset in risk.assets.all():
            by_asset_name[asset.name.lower()].append(describe(risk))
    threshold = risks[0].methodology.acceptance_threshold
    emphasis = Emphasis()
    for control_id, named in by_control.items():
        emphasis.items[control_id] = [
            f"treats {_risks(named)} above the risk acceptance threshold ({threshold})"
        ]
    for unit in OrgUnit.objects.for_org(org).only("uid", "name"):
        named = by_asset_name.get(unit.name.lower())
        if named:
            emphasis.units[str(unit.uid)] = [
                f"Area of {_risks(named)} above the risk acceptance threshold ({threshold})"
            ]
    return emphasis


def _risks(named: list[str]) -> str:
    return ("risk " if len(named) == 1 else "risks ") + ", ".join(named)


# --- wiring ----------------------------------------------------------------------------------

SOA_PROVIDER = SoAProvider()


def register() -> None:
    """Hook the register into the SoA and the audit planner (idempotent)."""
    from annexa.audits.services import planner
    from annexa.isms.services import soa_links

    soa_links.register_provider(SOA_PROVIDER)
    planner.register_emphasis_source(audit_emphasis)
