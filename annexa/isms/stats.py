"""Read-only figures for the dashboard: SoA status per theme and the key numbers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count

from annexa.catalog.choices import Theme
from annexa.isms.choices import ImplementationStatus
from annexa.isms.models import ContextIssue, InterestedParty, OrgUnit, ScopeStatement, SoAEntry

NOT_APPLICABLE = "not_applicable"
# Chart order: from done to not done, then excluded; colours match the badges in the SoA list.
STATUS_SERIES: tuple[tuple[str, str, str], ...] = (
    (ImplementationStatus.IMPLEMENTED, "Implemented", "#2e8540"),
    (ImplementationStatus.PARTIALLY_IMPLEMENTED, "Partially implemented", "#8cc084"),
    (ImplementationStatus.PLANNED, "Planned", "#f0b429"),
    (ImplementationStatus.NOT_STARTED, "Not started", "#d9534f"),
    (NOT_APPLICABLE, "Not applicable", "#b8c0cc"),
)


@dataclass(frozen=True)
class KeyNumbers:
    total: int
    applicable: int
    implemented: int
    without_owner: int
    undecided: int

    @property
    def percent_implemented(self) -> int:
        """Whole percent of applicable controls that are implemented (0 when none apply)."""
        if not self.applicable:
            return 0
        return round(100 * self.implemented / self.applicable)


def status_by_theme(org) -> dict[str, Counter]:
    """Per theme (in catalog order), how many entries are in each status bucket."""
    rows = (
        SoAEntry.objects.for_org(org)
        .values("control__theme", "applicable", "status")
        .annotate(n=Count("id"))
    )
    result: dict[str, Counter] = {theme: Counter() for theme in Theme.values}
    for row in rows:
        bucket = row["status"] if row["applicable"] else NOT_APPLICABLE
        result.setdefault(row["control__theme"], Counter())[bucket] += row["n"]
    return {theme: counts for theme, counts in result.items() if counts}


def key_numbers(org) -> KeyNumbers:
    entries = SoAEntry.objects.for_org(org)
    applicable = entries.filter(applicable=True)
    return KeyNumbers(
        total=entries.count(),
        applicable=applicable.count(),
        implemented=applicable.filter(status=ImplementationStatus.IMPLEMENTED).count(),
        without_owner=applicable.filter(control_owner__isnull=True).count(),
        undecided=entries.filter(justification="").count(),
    )


def context_counts(org) -> dict[str, int]:
    return {
        "issues": ContextIssue.objects.for_org(org).count(),
        "parties": InterestedParty.objects.for_org(org).filter(relevant=True).count(),
        "units": OrgUnit.objects.for_org(org).count(),
        "scope_versions": ScopeStatement.objects.for_org(org).count(),
    }
