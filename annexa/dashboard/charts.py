"""The dashboard's pictures, drawn with ``core.charts`` from a ``services.Readiness``."""

from __future__ import annotations

from django.utils.safestring import SafeString

from annexa.actions.choices import ActionStatus
from annexa.audits.choices import AuditStatus
from annexa.core.charts import Line, Segment, Series, donut_chart, line_chart, stacked_bar_chart
from annexa.dashboard import services
from annexa.findings.choices import GRADE_COLORS, FindingGrade
from annexa.isms.views.dashboard import theme_chart
from annexa.monitoring.choices import STATUS_COLORS, ControlStatus

ACTION_COLORS = {
    ActionStatus.OPEN: "#d9534f",
    ActionStatus.IN_PROGRESS: "#f0b429",
    ActionStatus.IMPLEMENTED: "#4a7fc1",
    ActionStatus.VERIFIED_EFFECTIVE: "#8cc084",
    ActionStatus.CLOSED: "#2e8540",
}
AUDIT_COLORS = {
    AuditStatus.PLANNED: "#b8c0cc",
    AuditStatus.PREPARING: "#8fa3bf",
    AuditStatus.FIELDWORK: "#f0b429",
    AuditStatus.REPORTING: "#4a7fc1",
    AuditStatus.CLOSED: "#2e8540",
}


def soa_chart(panel: services.SoAPanel) -> SafeString:
    """The SoA page's own chart (one bar per Annex A theme)."""
    return theme_chart(panel.by_theme)


def audits_chart(panel: services.ProgrammePanel) -> SafeString:
    return donut_chart(
        [
            Segment(label, panel.audits_by_status.get(s, 0), AUDIT_COLORS[s])
            for s, label in AuditStatus.choices
        ],
        title="Audits of the programme by status",
        center_label=f"{panel.audits_closed}/{panel.audits_total}",
        description=f"{panel.audits_closed} of {panel.audits_total} audits of the programme are "
        f"closed, {panel.audits_in_progress} in progress, {panel.audits_planned} planned.",
        chart_id="dash-audits",
    )


def coverage_chart(panel: services.ProgrammePanel) -> SafeString:
    """Per kind of item: audited by a closed audit, in scope of an audit not yet closed, gap."""
    kinds = [
        (
            "Clause 4–10 requirements",
            panel.requirements,
            panel.requirements_covered,
            panel.requirements_audited,
        ),
        ("Annex A controls", panel.controls, panel.controls_covered, panel.controls_audited),
    ]
    return stacked_bar_chart(
        [label for label, *_ in kinds],
        [
            Series("Audited", "#2e8540", [audited for *_, audited in kinds]),
            Series("Planned", "#f0b429", [covered - audited for _l, _t, covered, audited in kinds]),
            Series(
                "Not in any audit", "#d9534f", [total - covered for _l, total, covered, _a in kinds]
            ),
        ],
        title="Coverage of the certification cycle",
        description="Auditable requirements and applicable controls: audited in a closed audit, "
        "in the scope of an audit still to finish, or in no audit of the programme.",
        unit="items",
        label_width=170,
        width=520,  # half a card wide: drawn at full size, its text stays 11px or more
        chart_id="dash-coverage",
    )


def findings_age_chart(panel: services.FindingsPanel) -> SafeString:
    return stacked_bar_chart(
        [label for _key, label, *_ in services.AGE_BUCKETS],
        [
            Series(
                label,
                GRADE_COLORS[grade],
                [panel.by_age[key][grade] for key, *_ in services.AGE_BUCKETS],
            )
            for grade, label in FindingGrade.choices
        ],
        title="Open findings by age and grade",
        description=f"{panel.total} open findings, by days since they were raised.",
        unit="findings",
        width=520,  # half the page wide: drawn at full size, its text stays 11px or more
        chart_id="dash-findings-age",
    )


def actions_chart(panel: services.ActionsPanel) -> SafeString:
    return donut_chart(
        [Segment(label, panel.by_status[s], ACTION_COLORS[s]) for s, label in ActionStatus.choices],
        title="Corrective actions by status",
        center_label=str(panel.unresolved),
        description=f"{panel.unresolved} of {panel.total} corrective actions are not closed; "
        f"{len(panel.overdue)} are overdue.",
        chart_id="dash-actions",
    )


def burndown_chart(points: list[services.BurndownPoint]) -> SafeString:
    labels = [p.date.strftime("%d %b") for p in points]
    first, last = points[0], points[-1]
    return line_chart(
        labels,
        [
            Line("All open nonconformities", "#c0392b", [p.total for p in points], area=True),
            Line("Major", "#7b241c", [p.major for p in points]),
        ],
        title="Open nonconformities, week by week",
        description=f"Open major and minor nonconformities at the end of each of the last "
        f"{len(points)} weeks: {first.total} on {first.date:%Y-%m-%d}, {last.total} on "
        f"{last.date:%Y-%m-%d}.",
        unit="open",
        chart_id="dash-burndown",
    )


def monitoring_chart(counts: dict[str, int]) -> SafeString:
    return donut_chart(
        [Segment(label, counts[s], STATUS_COLORS[s]) for s, label in ControlStatus.choices],
        title="Annex A controls by monitoring status",
        center_label=str(counts[ControlStatus.PASSING]),
        description=f"{counts[ControlStatus.PASSING]} controls pass their automated tests, "
        f"{counts[ControlStatus.FAILING]} fail.",
        chart_id="dash-monitoring",
    )


def all_charts(r: services.Readiness) -> dict[str, SafeString]:
    return {
        "soa": soa_chart(r.soa),
        "audits": audits_chart(r.programme),
        "coverage": coverage_chart(r.programme),
        "findings_age": findings_age_chart(r.findings),
        "actions": actions_chart(r.actions),
        "burndown": burndown_chart(r.burndown),
        "monitoring": monitoring_chart(r.monitoring),
    }
