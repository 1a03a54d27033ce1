"""What the register says as a whole: counts for heat maps and the dashboard, overdue work,
and management review input 9.3.2 f) (results of risk assessment, status of risk treatment).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from annexa.risks.choices import ACTION_NOT_DONE, OPEN_RISK, RiskStatus
from annexa.risks.models import Methodology, Risk, TreatmentAction
from annexa.risks.services import methodology as methodologies


@dataclass
class HeatMap:
    """Counts of open risks per (likelihood, impact) cell, for ``which`` (inherent or
    residual); ``cells[l - 1][i - 1]`` with the score and level colour of the cell."""

    which: str
    methodology: Methodology
    cells: list[list[dict[str, Any]]] = field(default_factory=list)
    unassessed: int = 0

    @property
    def total(self) -> int:
        return sum(cell["count"] for row in self.cells for cell in row)


def heat_map(org, which: str = "inherent") -> HeatMap:
    current = methodologies.current(org)
    lik, imp = f"{which}_likelihood", f"{which}_impact"
    counts = {
        (row[lik], row[imp]): row["n"]
        for row in Risk.objects.for_org(org)
        .filter(status__in=OPEN_RISK, **{f"{lik}__isnull": False, f"{imp}__isnull": False})
        .values(lik, imp)
        .annotate(n=Count("id"))
    }
    result = HeatMap(which, current)
    for likelihood in range(1, len(current.likelihood) + 1):
        row = []
        for impact in range(1, len(current.impact) + 1):
            score = current.score(likelihood, impact)
            band = current.band(score) or {}
            row.append(
                {
                    "likelihood": likelihood,
                    "impact": impact,
                    "score": score,
                    "level": band.get("key", ""),
                    "level_label": band.get("label", ""),
                    "colour": band.get("colour", "#9aa3b2"),
                    "count": counts.get((likelihood, impact), 0),
                }
            )
        result.cells.append(row)
    result.unassessed = (
        Risk.objects.for_org(org)
        .filter(status__in=OPEN_RISK)
        .filter(Q(**{f"{lik}__isnull": True}) | Q(**{f"{imp}__isnull": True}))
        .count()
    )
    return result


def above_threshold(org) -> list[Risk]:
    """Open risks whose residual (or, not yet treated, inherent) score is above the acceptance
    threshold."""
    current = methodologies.current(org)
    threshold = current.acceptance_threshold
    return list(
        Risk.objects.for_org(org)
        .filter(status__in=OPEN_RISK)
        .filter(
            Q(residual_score__gt=threshold)
            | Q(residual_score__isnull=True, inherent_score__gt=threshold)
        )
        .select_related("owner")
        .order_by("-residual_score", "-inherent_score", "number")
    )


def overdue_actions(org, today: dt.date | None = None) -> list[TreatmentAction]:
    today = today or timezone.localdate()
    return list(
        TreatmentAction.objects.for_org(org)
        .filter(status__in=ACTION_NOT_DONE, due_date__lt=today, risk__status__in=OPEN_RISK)
        .select_related("risk", "owner")
        .order_by("due_date", "number")
    )


def overdue_reviews(org, today: dt.date | None = None) -> list[Risk]:
    today = today or timezone.localdate()
    return list(
        Risk.objects.for_org(org)
        .filter(status__in=OPEN_RISK, review_date__lt=today)
        .select_related("owner")
        .order_by("review_date", "number")
    )


def by_status(org) -> dict[str, int]:
    counts = dict(
        Risk.objects.for_org(org).values_list("status").annotate(n=Count("id")).order_by()
    )
    return {status: counts.get(status, 0) for status in RiskStatus.values}


def review_input(org, since: dt.datetime | None) -> dict[str, Any]:
    """Management review input 9.3.2 f): the register's state now, what changed since the
    previous review (``since``; everything when there was none), the risks above the
    acceptance threshold and the overdue treatment."""
    current = methodologies.current(org)
    risks = Risk.objects.for_org(org)
    changed = risks.filter(updated_at__gte=since) if since else risks
    created = risks.filter(created_at__gte=since) if since else risks
    above = above_threshold(org)
    overdue = overdue_actions(org)
    residual_levels = dict(
        risks.filter(status__in=OPEN_RISK)
        .exclude(residual_level="")
        .values_list("residual_level")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "methodology_version": current.version,
        "acceptance_threshold": current.acceptance_threshold,
        "by_status": by_status(org),
        "open": risks.filter(status__in=OPEN_RISK).count(),
        "residual_by_level": [
            {"level": b["label"], "count": residual_levels.get(b["key"], 0)} for b in current.bands
        ],
        "new_since": created.count(),
        "changed_since": [
            {"reference": r.reference, "title": r.title, "status": r.get_status_display()}
            for r in changed.order_by("number")
        ],
        "above_threshold": [
            {
                "reference": r.reference,
                "title": r.title,
                "score": r.residual_score if r.residual_score is not None else r.inherent_score,
                "accepted": r.is_accepted,
                "owner": r.owner.email,
            }
            for r in above
        ],
        "overdue_actions": [
            {
                "reference": a.reference,
                "risk": a.risk.reference,
                "title": a.title,
                "owner": a.owner.email,
                "due_date": a.due_date.isoformat(),
            }
            for a in overdue
        ],
        "overdue_reviews": [r.reference for r in overdue_reviews(org)],
        "accepted": risks.filter(accepted_at__isnull=False).count(),
    }
