"""The readiness dashboard's figures: where the organization stands before its next external
audit. Read-only; each panel is one function with a fixed number of queries (however much data
the organization holds), and ``readiness`` gathers them. ``today`` is a parameter so the
figures can be computed as of any day (the tests pin it).

The web page, the API (``as_data``) and ``annexa dashboard`` show the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from annexa.actions import services as action_services
from annexa.actions.choices import UNRESOLVED as ACTIONS_UNRESOLVED
from annexa.actions.choices import ActionStatus
from annexa.actions.models import CorrectiveAction
from annexa.audits.choices import AuditStatus
from annexa.audits.models import AuditProgramme, ExternalMilestone
from annexa.audits.services import coverage as audit_coverage
from annexa.findings.choices import UNRESOLVED as FINDINGS_UNRESOLVED
from annexa.findings.choices import FindingGrade, FindingStatus
from annexa.findings.models import Finding
from annexa.isms import stats
from annexa.isms.choices import ImplementationStatus
from annexa.monitoring import status as monitoring_status
from annexa.monitoring.choices import ControlStatus
from annexa.risks.choices import ACTION_NOT_DONE as RISK_ACTIONS_NOT_DONE
from annexa.risks.choices import OPEN_RISK
from annexa.risks.models import Methodology, Risk, Supplier, TreatmentAction
from annexa.risks.services import soa as risk_soa
from annexa.risks.services import suppliers as supplier_service

BURNDOWN_WEEKS = 26
# (key, label, first day, last day); the last bucket has no end.
AGE_BUCKETS: tuple[tuple[str, str, int, int | None], ...] = (
    ("0-30", "0–30 days", 0, 30),
    ("31-90", "31–90 days", 31, 90),
    ("91-180", "91–180 days", 91, 180),
    ("180+", "Over 180 days", 181, None),
)
# Findings that are open: raised, opened and not yet closed (drafts are counted apart).
OPEN_FINDINGS: frozenset[str] = FINDINGS_UNRESOLVED - {FindingStatus.DRAFT}
AUDITS_PLANNED = (AuditStatus.PLANNED, AuditStatus.PREPARING)
AUDITS_IN_PROGRESS = (AuditStatus.FIELDWORK, AuditStatus.REPORTING)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# --- SoA -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SoAPanel:
    """Per Annex A theme, the SoA entries in each status bucket (``isms.stats``)."""

    by_theme: dict[str, Counter]

    def total_of(self, bucket: str) -> int:
        return sum(counts[bucket] for counts in self.by_theme.values())

    @property
    def total(self) -> int:
        return sum(sum(counts.values()) for counts in self.by_theme.values())

    @property
    def applicable(self) -> int:
        return self.total - self.total_of(stats.NOT_APPLICABLE)

    @property
    def implemented(self) -> int:
        return self.total_of(ImplementationStatus.IMPLEMENTED)

    @property
    def percent_implemented(self) -> int:
        return round(100 * self.implemented / self.applicable) if self.applicable else 0


def soa_panel(org) -> SoAPanel:
    """One query."""
    return SoAPanel(by_theme=stats.status_by_theme(org))


# --- audit programme -------------------------------------------------------------------------


@dataclass
class ProgrammePanel:
    """The current programme's audits, its coverage of the cycle and the next external audit.

    ``covered`` counts the required items some audit of the programme has in scope;
    ``audited`` those a closed audit covered. Empty (``programme`` is ``None``) when the
    organization has no programme.
    """

    programme: AuditProgramme | None = None
    audits_by_status: dict[str, int] = field(default_factory=dict)
    requirements: int = 0
    requirements_covered: int = 0
    requirements_audited: int = 0
    controls: int = 0
    controls_covered: int = 0
    controls_audited: int = 0
    gaps: int = 0
    unexplained_gaps: int = 0
    next_external: ExternalMilestone | None = None
    days_to_next_external: int | None = None
    audits_before_next: int = 0
    audits_before_next_closed: int = 0

    @property
    def audits_total(self) -> int:
        return sum(self.audits_by_status.values())

    def audits_in(self, statuses) -> int:
        return sum(self.audits_by_status.get(s, 0) for s in statuses)

    @property
    def audits_planned(self) -> int:
        return self.audits_in(AUDITS_PLANNED)

    @property
    def audits_in_progress(self) -> int:
        return self.audits_in(AUDITS_IN_PROGRESS)

    @property
    def audits_closed(self) -> int:
        return self.audits_by_status.get(AuditStatus.CLOSED, 0)


def current_programme(programmes: list[AuditProgramme], today: dt.date) -> AuditProgramme | None:
    """The programme whose cycle includes ``today`` (an approved one first, then the latest
    start); else the next one to start; else the most recent."""
    running = [p for p in programmes if p.start_date <= today <= p.end_date]
    if running:
        return min(running, key=lambda p: (not p.is_approved, -p.start_date.toordinal(), -p.pk))
    upcoming = [p for p in programmes if p.start_date > today]
    if upcoming:
        return min(upcoming, key=lambda p: (p.start_date, not p.is_approved, p.pk))
    return max(programmes, key=lambda p: (p.end_date, p.pk), default=None)


def programme_panel(org, today: dt.date | None = None) -> ProgrammePanel:
    """At most nine queries (the programmes, the coverage matrix, the next milestone)."""
    today = _today(today)
    programme = current_programme(list(AuditProgramme.objects.for_org(org)), today)
    if programme is None:
        return ProgrammePanel()
    matrix = audit_coverage.compute(programme)
    closed = {a.pk for a in matrix.audits if a.status == AuditStatus.CLOSED}
    panel = ProgrammePanel(
        programme=programme,
        audits_by_status=dict(Counter(a.status for a in matrix.audits)),
        gaps=len(matrix.gaps),
        unexplained_gaps=len(matrix.unexplained_gaps),
    )
    tally: Counter = Counter()
    for item in matrix.items:
        audits = matrix.audits_of(item.id)
        kind = "requirements" if item.kind == audit_coverage.REQUIREMENT else "controls"
        tally[kind] += 1
        tally[f"{kind}_covered"] += bool(audits)
        tally[f"{kind}_audited"] += bool(audits & closed)
    for name, value in tally.items():
        setattr(panel, name, value)
    milestone = (
        ExternalMilestone.objects.for_org(org)
        .filter(programme=programme, date__gte=today)
        .order_by("date", "id")
        .first()
    )
    if milestone is not None:
        panel.next_external = milestone
        panel.days_to_next_external = (milestone.date - today).days
        ahead = [a for a in matrix.audits if a.milestone_id == milestone.pk]
        panel.audits_before_next = len(ahead)
        panel.audits_before_next_closed = sum(1 for a in ahead if a.pk in closed)
    return panel


# --- findings --------------------------------------------------------------------------------


@dataclass
class FindingsPanel:
    """Open findings by grade and by age (days since raised, as ``Finding.age_days``)."""

    by_grade: dict[str, int]
    by_age: dict[str, dict[str, int]]  # age bucket key -> grade -> count
    drafts: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_grade.values())

    @property
    def nonconformities(self) -> int:
        return self.by_grade[FindingGrade.MAJOR_NC] + self.by_grade[FindingGrade.MINOR_NC]


def age_bucket(days: int) -> str:
    for key, _label, first, last in AGE_BUCKETS:
        if days >= first and (last is None or days <= last):
            return key
    return AGE_BUCKETS[0][0]  # negative ages (raised "tomorrow") count as new


def findings_panel(org, today: dt.date | None = None) -> FindingsPanel:
    """One query."""
    today = _today(today)
    panel = FindingsPanel(
        by_grade={grade: 0 for grade in FindingGrade.values},
        by_age={key: {grade: 0 for grade in FindingGrade.values} for key, *_ in AGE_BUCKETS},
    )
    rows = (
        Finding.objects.for_org(org)
        .filter(status__in=FINDINGS_UNRESOLVED)
        .order_by()
        .values_list("grade", "status", "raised_at")
    )
    for grade, status, raised_at in rows:
        if status == FindingStatus.DRAFT:
            panel.drafts += 1
            continue
        panel.by_grade[grade] += 1
        days = (today - timezone.localdate(raised_at)).days
        panel.by_age[age_bucket(days)][grade] += 1
    return panel


# --- corrective actions ----------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueAction:
    action: CorrectiveAction
    days_overdue: int


@dataclass
class ActionsPanel:
    """Corrective actions by status, and the overdue ones (most overdue first)."""

    by_status: dict[str, int]
    overdue: list[OverdueAction]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def unresolved(self) -> int:
        return sum(n for s, n in self.by_status.items() if s in ACTIONS_UNRESOLVED)


def actions_panel(org, today: dt.date | None = None) -> ActionsPanel:
    """Two queries. Overdue is ``CorrectiveAction.is_overdue``: open or in progress after the
    due date."""
    today = _today(today)
    counts = dict(
        CorrectiveAction.objects.for_org(org)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    overdue = [OverdueAction(a, a.days_overdue(today)) for a in action_services.overdue(org, today)]
    return ActionsPanel(
        by_status={status: counts.get(status, 0) for status in ActionStatus.values},
        overdue=overdue,
    )


# --- burndown of open nonconformities --------------------------------------------------------


@dataclass(frozen=True)
class BurndownPoint:
    """Nonconformities open at the end of ``date``: opened on or before it, not closed by it."""

    date: dt.date
    major: int
    minor: int

    @property
    def total(self) -> int:
        return self.major + self.minor


def week_ends(today: dt.date, weeks: int = BURNDOWN_WEEKS) -> list[dt.date]:
    """``weeks`` days a week apart, the last one ``today``."""
    return [today - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def burndown(org, today: dt.date | None = None, weeks: int = BURNDOWN_WEEKS) -> list[BurndownPoint]:
    """One query: every nonconformity opened and not closed before the first week end."""
    days = week_ends(_today(today), weeks)
    start = timezone.make_aware(dt.datetime.combine(days[0], dt.time.min))
    rows = (
        Finding.objects.for_org(org)
        .filter(grade__in=(FindingGrade.MAJOR_NC, FindingGrade.MINOR_NC), opened_at__isnull=False)
        .exclude(closed_at__lt=start)
        .order_by()
        .values_list("grade", "opened_at", "closed_at")
    )
    spans = [
        (grade, timezone.localdate(opened), timezone.localdate(closed) if closed else None)
        for grade, opened, closed in rows
    ]
    points = []
    for day in days:
        open_now = Counter(
            grade
            for grade, opened, closed in spans
            if opened <= day and (closed is None or closed > day)
        )
        points.append(
            BurndownPoint(day, open_now[FindingGrade.MAJOR_NC], open_now[FindingGrade.MINOR_NC])
        )
    return points


# --- monitoring ------------------------------------------------------------------------------


def monitoring_counts(org, today: dt.date | None = None) -> dict[str, int]:
    """Annex A controls per monitoring status (``monitoring.status.derive``: three queries)."""
    found = Counter(v.status for v in monitoring_status.derive(org, _today(today)).values())
    return {status: found.get(status, 0) for status in ControlStatus.values}


# --- risks and suppliers --------------------------------------------------------------------


@dataclass(frozen=True)
class LevelCount:
    key: str
    label: str
    colour: str
    count: int


@dataclass
class RisksPanel:
    """The risk register at a glance: open risks by residual level (the methodology's bands,
    lowest first, then those whose residual risk is not assessed yet), the risks above the
    acceptance threshold (``risks.services.reporting.above_threshold``: residual, or inherent
    while untreated) and how many of them are accepted, overdue treatment actions and risk
    reviews, and the SoA's conflicts and proposals with the risk treatment
    (``risks.services.soa``). Empty (``methodology_version`` is ``None``) before the
    organization's first risk."""

    methodology_version: int | None = None
    threshold: int | None = None
    by_level: list[LevelCount] = field(default_factory=list)
    not_assessed: int = 0
    above_threshold: int = 0
    above_threshold_accepted: int = 0
    overdue_actions: int = 0
    overdue_reviews: int = 0
    soa_conflicts: list[str] = field(default_factory=list)
    soa_proposals: list[str] = field(default_factory=list)

    @property
    def open(self) -> int:
        return sum(level.count for level in self.by_level) + self.not_assessed


def risks_panel(org, today: dt.date | None = None) -> RisksPanel:
    """At most five queries. Reads only: an organization without risks gets an empty panel
    (its default methodology is not created by looking at the dashboard)."""
    today = _today(today)
    methodology = Methodology.objects.for_org(org).order_by("-version").first()
    if methodology is None:
        return RisksPanel()
    threshold = methodology.acceptance_threshold
    above = Q(residual_score__gt=threshold) | Q(
        residual_score__isnull=True, inherent_score__gt=threshold
    )
    rows = (
        Risk.objects.for_org(org)
        .filter(status__in=OPEN_RISK)
        .order_by()
        .values("residual_level")
        .annotate(
            n=Count("id"),
            above=Count("id", filter=above),
            accepted=Count("id", filter=above & Q(accepted_at__isnull=False)),
            review_overdue=Count("id", filter=Q(review_date__lt=today)),
        )
    )
    panel = RisksPanel(methodology_version=methodology.version, threshold=threshold)
    counts: Counter = Counter()
    for row in rows:
        counts[row["residual_level"]] += row["n"]
        panel.above_threshold += row["above"]
        panel.above_threshold_accepted += row["accepted"]
        panel.overdue_reviews += row["review_overdue"]
    panel.by_level = [
        LevelCount(band["key"], band["label"], band.get("colour", ""), counts.pop(band["key"], 0))
        for band in methodology.bands
    ]
    panel.not_assessed = sum(counts.values())  # blank (or, in theory, an unknown) level
    panel.overdue_actions = (
        TreatmentAction.objects.for_org(org)
        .filter(status__in=RISK_ACTIONS_NOT_DONE, due_date__lt=today)
        .count()
    )
    panel.soa_proposals, panel.soa_conflicts = risk_soa.flagged_controls(org)
    return panel


@dataclass
class SuppliersPanel:
    """Suppliers in use whose certificate or report has expired or expires within
    ``EXPIRY_WARNING_DAYS``, and whose review date has passed, as the supplier register
    says (``risks.services.suppliers``: a supplier's certificate is its latest assessment of a
    certificate kind; retired suppliers are left out)."""

    in_use: int = 0
    certificates_expired: list[str] = field(default_factory=list)  # supplier names
    certificates_expiring: list[str] = field(default_factory=list)
    reviews_overdue: list[str] = field(default_factory=list)


EXPIRY_WARNING_DAYS = supplier_service.EXPIRY_WARNING_DAYS


def suppliers_panel(org, today: dt.date | None = None) -> SuppliersPanel:
    """Five queries, whatever the number of suppliers."""
    today = _today(today)
    panel = SuppliersPanel(in_use=Supplier.objects.for_org(org).filter(retired=False).count())
    for supplier, status in supplier_service.certificates_due(org, today=today):
        if status.state == "expired":
            panel.certificates_expired.append(supplier.name)
        else:
            panel.certificates_expiring.append(supplier.name)
    panel.reviews_overdue = [s.name for s in supplier_service.overdue_reviews(org, today)]
    return panel


@dataclass
class DocumentsPanel:
    """Documented information (7.5): approved documents whose review is overdue or due within
    ``documents.services.register.DUE_DAYS`` (by reference), documents not approved yet, and
    the people of open acknowledgement campaigns who confirmed reading (and those past the
    date). ``total`` is 0 before the first document."""

    total: int = 0
    not_approved: int = 0
    reviews_overdue: list[str] = field(default_factory=list)
    reviews_due: list[str] = field(default_factory=list)
    open_campaigns: int = 0
    acknowledged: int = 0
    asked: int = 0
    acknowledgements_overdue: int = 0

    @property
    def percent_acknowledged(self) -> int:
        return round(100 * self.acknowledged / self.asked) if self.asked else 0


def documents_panel(org, today: dt.date | None = None) -> DocumentsPanel:
    """Two queries, whatever the number of documents and people."""
    from annexa.documents.choices import DocumentStatus
    from annexa.documents.models import Acknowledgement, Document
    from annexa.documents.services.register import DUE_DAYS

    today = _today(today)
    panel = DocumentsPanel()
    due_by = today + dt.timedelta(days=DUE_DAYS)
    rows = (
        Document.objects.for_org(org)
        .exclude(status=DocumentStatus.RETIRED)
        .order_by("next_review", "number")
        .values_list("number", "status", "next_review")
    )
    for number, status, next_review in rows:
        panel.total += 1
        if status != DocumentStatus.APPROVED:
            panel.not_approved += 1
        elif next_review is not None and next_review <= due_by:
            target = panel.reviews_overdue if next_review < today else panel.reviews_due
            target.append(f"DOC-{number:03d}")
    pending = Q(acknowledged_on__isnull=True)
    numbers = (
        Acknowledgement.objects.for_org(org)
        .filter(campaign__closed_at__isnull=True)
        .aggregate(
            asked=Count("id"),
            done=Count("id", filter=~pending),
            overdue=Count("id", filter=pending & Q(campaign__due_date__lt=today)),
            campaigns=Count("campaign", distinct=True),
        )
    )
    panel.asked, panel.acknowledged = numbers["asked"], numbers["done"]
    panel.acknowledgements_overdue = numbers["overdue"]
    panel.open_campaigns = numbers["campaigns"]
    return panel


# --- everything ------------------------------------------------------------------------------


@dataclass
class Readiness:
    today: dt.date
    soa: SoAPanel
    programme: ProgrammePanel
    findings: FindingsPanel
    actions: ActionsPanel
    burndown: list[BurndownPoint]
    monitoring: dict[str, int]
    risks: RisksPanel = field(default_factory=RisksPanel)
    suppliers: SuppliersPanel = field(default_factory=SuppliersPanel)
    documents: DocumentsPanel = field(default_factory=DocumentsPanel)


def readiness(org, today: dt.date | None = None) -> Readiness:
    """Every panel of the dashboard as of ``today`` (default: the local date)."""
    today = _today(today)
    return Readiness(
        today=today,
        soa=soa_panel(org),
        programme=programme_panel(org, today),
        findings=findings_panel(org, today),
        actions=actions_panel(org, today),
        burndown=burndown(org, today),
        monitoring=monitoring_counts(org, today),
        risks=risks_panel(org, today),
        suppliers=suppliers_panel(org, today),
        documents=documents_panel(org, today),
    )


def as_data(r: Readiness) -> dict:
    """The dashboard as JSON-safe data (the API and ``annexa dashboard --format json``)."""
    p = r.programme
    return {
        "today": r.today.isoformat(),
        "soa": {
            "total": r.soa.total,
            "applicable": r.soa.applicable,
            "implemented": r.soa.implemented,
            "percent_implemented": r.soa.percent_implemented,
            "by_theme": {
                theme: {key: counts[key] for key, _label, _color in stats.STATUS_SERIES}
                for theme, counts in r.soa.by_theme.items()
            },
        },
        "programme": _programme_data(p),
        "findings": {
            "open": r.findings.total,
            "open_nonconformities": r.findings.nonconformities,
            "drafts": r.findings.drafts,
            "by_grade": r.findings.by_grade,
            "by_age": r.findings.by_age,
        },
        "actions": {
            "total": r.actions.total,
            "unresolved": r.actions.unresolved,
            "by_status": r.actions.by_status,
            "overdue": [
                {
                    "reference": o.action.reference,
                    "uid": str(o.action.uid),
                    "title": o.action.title,
                    "status": o.action.status,
                    "owner": o.action.owner.email,
                    "due_date": o.action.due_date.isoformat(),
                    "days_overdue": o.days_overdue,
                    "finding": o.action.finding.reference if o.action.finding_id else None,
                }
                for o in r.actions.overdue
            ],
        },
        "burndown": [
            {"date": b.date.isoformat(), "major_nc": b.major, "minor_nc": b.minor, "total": b.total}
            for b in r.burndown
        ],
        "monitoring": r.monitoring,
        "risks": _risks_data(r.risks),
        "suppliers": {
            "in_use": r.suppliers.in_use,
            "certificates_expired": r.suppliers.certificates_expired,
            "certificates_expiring": r.suppliers.certificates_expiring,
            "expiry_warning_days": EXPIRY_WARNING_DAYS,
            "reviews_overdue": r.suppliers.reviews_overdue,
        },
        "documents": {
            "total": r.documents.total,
            "not_approved": r.documents.not_approved,
            "reviews_overdue": r.documents.reviews_overdue,
            "reviews_due": r.documents.reviews_due,
            "open_campaigns": r.documents.open_campaigns,
            "acknowledged": r.documents.acknowledged,
            "asked": r.documents.asked,
            "percent_acknowledged": r.documents.percent_acknowledged,
            "acknowledgements_overdue": r.documents.acknowledgements_overdue,
        },
    }


def _risks_data(p: RisksPanel) -> dict | None:
    if p.methodology_version is None:
        return None
    return {
        "methodology_version": p.methodology_version,
        "acceptance_threshold": p.threshold,
        "open": p.open,
        "by_residual_level": [
            {"level": level.key, "label": level.label, "count": level.count} for level in p.by_level
        ],
        "residual_not_assessed": p.not_assessed,
        "above_threshold": p.above_threshold,
        "above_threshold_accepted": p.above_threshold_accepted,
        "overdue_treatment_actions": p.overdue_actions,
        "overdue_reviews": p.overdue_reviews,
        "soa_conflicts": p.soa_conflicts,
        "soa_proposals": p.soa_proposals,
    }


def _programme_data(p: ProgrammePanel) -> dict | None:
    if p.programme is None:
        return None
    milestone = p.next_external
    return {
        "uid": str(p.programme.uid),
        "title": p.programme.title,
        "status": p.programme.status,
        "start_date": p.programme.start_date.isoformat(),
        "end_date": p.programme.end_date.isoformat(),
        "audits": {
            "total": p.audits_total,
            "planned": p.audits_planned,
            "in_progress": p.audits_in_progress,
            "closed": p.audits_closed,
            "by_status": {s: p.audits_by_status.get(s, 0) for s in AuditStatus.values},
        },
        "coverage": {
            "requirements": p.requirements,
            "requirements_covered": p.requirements_covered,
            "requirements_audited": p.requirements_audited,
            "controls": p.controls,
            "controls_covered": p.controls_covered,
            "controls_audited": p.controls_audited,
            "gaps": p.gaps,
            "unexplained_gaps": p.unexplained_gaps,
        },
        "next_external_audit": None
        if milestone is None
        else {
            "kind": milestone.kind,
            "label": milestone.get_kind_display(),
            "date": milestone.date.isoformat(),
            "days_away": p.days_to_next_external,
            "internal_audits_ahead": p.audits_before_next,
            "internal_audits_ahead_closed": p.audits_before_next_closed,
        },
    }
