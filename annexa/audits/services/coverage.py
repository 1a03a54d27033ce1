"""The coverage matrix: which auditable requirement and applicable control each audit covers.

The items a cycle must cover are every auditable clause 4–10 requirement of the catalog and
every Annex A control the organization's SoA marks applicable. An item no audit of the
programme covers is a gap; a gap blocks approval until a ``CoverageGapReason`` explains it.
Requirement ids (``6.1.2.c``) and control ids (``A.8.5``) never collide, so an id names an item.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from annexa.audits.models import (
    Audit,
    AuditControl,
    AuditProgramme,
    AuditRequirement,
    CoverageGapReason,
)
from annexa.catalog.models import Control, Requirement
from annexa.catalog.queries import requirements as catalog_requirements

REQUIREMENT = "requirement"
CONTROL = "control"


@dataclass(frozen=True)
class CoverageItem:
    """One row of the matrix: a requirement or a control, with the group it is shown under."""

    kind: str
    id: str
    title: str
    group: str


@dataclass
class Coverage:
    """The matrix of one programme, its gaps and the reasons recorded for them."""

    programme: AuditProgramme
    items: list[CoverageItem]
    audits: list[Audit]
    cells: dict[str, set[int]] = field(default_factory=dict)
    reasons: dict[str, CoverageGapReason] = field(default_factory=dict)

    def audits_of(self, item_id: str) -> set[int]:
        """The pks of the audits that cover ``item_id``."""
        return self.cells.get(item_id, set())

    def count(self, item_id: str) -> int:
        return len(self.audits_of(item_id))

    @property
    def gaps(self) -> list[CoverageItem]:
        """Items no audit of the programme covers."""
        return [item for item in self.items if not self.audits_of(item.id)]

    @property
    def unexplained_gaps(self) -> list[CoverageItem]:
        """Gaps without a recorded reason: these block approval."""
        return [item for item in self.gaps if item.id not in self.reasons]

    @property
    def is_complete(self) -> bool:
        return not self.gaps

    def summary(self) -> dict[str, int]:
        """Counts for the ledger, the CLI and the API (whole numbers only)."""
        gaps = self.gaps
        return {
            "requirements": sum(1 for i in self.items if i.kind == REQUIREMENT),
            "controls": sum(1 for i in self.items if i.kind == CONTROL),
            "audits": len(self.audits),
            "gaps": len(gaps),
            "unexplained_gaps": len([g for g in gaps if g.id not in self.reasons]),
        }


def required_items(org) -> list[CoverageItem]:
    """What a cycle must cover: auditable requirements, then applicable controls, in order."""
    items = [
        CoverageItem(REQUIREMENT, r.id, r.title, f"Clause {r.clause}")
        for r in catalog_requirements(auditable_only=True)
    ]
    items.extend(
        CoverageItem(CONTROL, c.id, c.title, c.get_theme_display())
        for c in applicable_controls(org)
    )
    return items


def applicable_controls(org) -> list[Control]:
    """The Annex A controls the organization's SoA marks applicable, in catalog order."""
    from annexa.isms.models import SoAEntry

    applicable = SoAEntry.objects.for_org(org).filter(applicable=True).values("control_id")
    return list(Control.objects.filter(id__in=applicable).order_by("sort_key"))


def item_kind(item_id: str) -> str:
    return CONTROL if item_id.startswith("A.") else REQUIREMENT


def compute(programme: AuditProgramme) -> Coverage:
    """The coverage of ``programme`` as its audits stand now."""
    org = programme.organization
    audits = list(Audit.objects.for_org(org).filter(programme=programme).order_by(*ORDER))
    coverage = Coverage(programme=programme, items=required_items(org), audits=audits)
    cells: dict[str, set[int]] = defaultdict(set)
    pairs = AuditRequirement.objects.filter(audit__programme=programme).values_list(
        "requirement_id", "audit_id"
    )
    for item_id, audit_id in pairs:
        cells[item_id].add(audit_id)
    pairs = AuditControl.objects.filter(audit__programme=programme).values_list(
        "control_id", "audit_id"
    )
    for item_id, audit_id in pairs:
        cells[item_id].add(audit_id)
    coverage.cells = dict(cells)
    coverage.reasons = {
        reason.item_id: reason
        for reason in CoverageGapReason.objects.filter(programme=programme).select_related(
            "recorded_by"
        )
    }
    return coverage


ORDER = ("planned_start", "reference")


def item_title(item_id: str) -> str:
    """The catalog title of a requirement or control id ('' when unknown)."""
    model = Control if item_kind(item_id) == CONTROL else Requirement
    found = model.objects.filter(id=item_id).values_list("title", flat=True).first()
    return found or ""


def as_data(coverage: Coverage) -> dict:
    """The matrix as JSON-safe data: for the API, the CLI and the ledger."""
    references = {a.pk: a.reference for a in coverage.audits}
    return {
        "summary": coverage.summary(),
        "audits": [a.reference for a in coverage.audits],
        "items": [
            {
                "kind": item.kind,
                "id": item.id,
                "title": item.title,
                "audits": sorted(references[pk] for pk in coverage.audits_of(item.id)),
                "gap": not coverage.audits_of(item.id),
                "gap_reason": _reason_text(coverage, item.id),
            }
            for item in coverage.items
        ],
    }


def _reason_text(coverage: Coverage, item_id: str) -> str | None:
    reason = coverage.reasons.get(item_id)
    if reason is None or coverage.audits_of(item_id):
        return None
    return reason.reason
