"""Where each management review input (clause 9.3.2) comes from: one reader per catalog
requirement id, registered in ``SOURCES``. A reader only reads; ``services.inputs.assemble``
stores what it returns.

Every reader returns a *section*: JSON with ``source`` (where the data comes from),
``summary`` (a first summary in our words), ``figures`` (label/value pairs), ``tables``
(title, columns, rows), ``manual`` (the category is entered by hand) and ``note`` (what
a person should add). Categories Annexa holds no data for say so instead of staying blank.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

REVIEW_INPUTS_PARENT = "9.3.2"
LEDGER_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"  # how ledger entries store their time (UTC)


@dataclass(frozen=True)
class Window:
    """What "since the previous review" means for one review."""

    since: dt.datetime | None  # when the previous review's inputs were frozen; None: first
    previous: str | None  # the previous review's reference
    own_prefix: str  # "MR-2026-02 ": this review's own decisions are not "previous" actions
    today: dt.date
    # The latest earlier review not held yet (it does not start the period), if any.
    not_held: str | None = None

    @property
    def period(self) -> str:
        if self.since is None and self.not_held:
            return f"since records began ({self.not_held} has not been held yet)"
        if self.since is None:
            return "since records began (this is the first review)"
        return f"since {self.previous} ({timezone.localtime(self.since):%Y-%m-%d})"

    def ledger_since(self) -> str:
        assert self.since is not None
        return self.since.astimezone(dt.UTC).strftime(LEDGER_TIME)


def section(
    *,
    source: str,
    summary: str = "",
    figures: Iterable[tuple[str, Any]] = (),
    tables: Iterable[dict[str, Any]] = (),
    manual: bool = False,
    note: str = "",
) -> dict[str, Any]:
    return {
        "source": source,
        "summary": summary,
        "figures": [[label, value] for label, value in figures],
        "tables": [t for t in tables if t["rows"]],
        "manual": manual,
        "note": note,
    }


def table(title: str, columns: list[str], rows: Iterable[Iterable[Any]]) -> dict[str, Any]:
    return {
        "title": title,
        "columns": columns,
        "rows": [["" if v is None else v for v in r] for r in rows],
    }


def has_data(assembled: dict[str, Any]) -> bool:
    """Whether a section carries anything from live data."""
    figures = [value for _label, value in assembled.get("figures", [])]
    return bool(assembled.get("tables")) or any(v not in (0, "", None) for v in figures)


def quarter(moment: dt.datetime | dt.date) -> str:
    day = timezone.localtime(moment).date() if isinstance(moment, dt.datetime) else moment
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _day(moment: dt.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d}" if moment else ""


def plural(count: int, word: str, many: str = "") -> str:
    """``1 audit``, ``2 audits``; ``many`` for words that do not just take an s."""
    return f"{count} {word if count == 1 else many or word + 's'}"


# --- a) actions from previous reviews --------------------------------------------------------


def previous_actions(org, window: Window) -> dict[str, Any]:
    from annexa.actions.choices import ActionSource, ActionStatus
    from annexa.actions.models import CorrectiveAction

    actions = list(
        CorrectiveAction.objects.for_org(org)
        .filter(source=ActionSource.MANAGEMENT_REVIEW)
        .exclude(source_reference__startswith=window.own_prefix)
        .select_related("owner")
        .order_by("due_date", "number")
    )
    overdue = [a for a in actions if a.is_overdue(window.today)]
    done = [
        a for a in actions if a.status in (ActionStatus.VERIFIED_EFFECTIVE, ActionStatus.CLOSED)
    ]
    implemented = [a for a in actions if a.status == ActionStatus.IMPLEMENTED]
    still_open = len(actions) - len(overdue) - len(done) - len(implemented)
    summary = (
        f"{plural(len(actions), 'action')} from earlier management reviews: "
        f"{still_open} open and on time, {len(overdue)} overdue, "
        f"{len(implemented)} implemented and awaiting an effectiveness review, {len(done)} done."
        if actions
        else "No action from an earlier management review is on record."
    )
    rows = [
        [
            a.reference,
            a.title,
            a.source_reference,
            a.owner.email,
            a.due_date.isoformat(),
            a.get_status_display()
            + (f" ({a.days_overdue(window.today)} days overdue)" if a in overdue else ""),
        ]
        for a in actions
    ]
    return section(
        source="Corrective actions whose source is a management review",
        summary=summary,
        figures=[
            ("Actions", len(actions)),
            ("Open, on time", still_open),
            ("Overdue", len(overdue)),
            ("Implemented, awaiting review", len(implemented)),
            ("Done", len(done)),
        ],
        tables=[table("Actions", ["Ref.", "Title", "From", "Owner", "Due", "Status"], rows)],
    )


# --- b), c) changes in context and interested parties ----------------------------------------


def _ledger_changes(org, window: Window, object_type: str):
    from annexa.ledger.models import LedgerEntry

    entries = LedgerEntry.objects.filter(organization=org, object_type=object_type)
    if window.since is not None:
        entries = entries.filter(time__gt=window.ledger_since())
    return entries.order_by("seq")


def _changes(org, window: Window, object_type: str, describe: Callable[[dict], str]):
    """(counts by action, rows) of the ledger's changes to ``object_type`` in the window."""
    counts: Counter[str] = Counter()
    rows = []
    for entry in _ledger_changes(org, window, object_type):
        data = json.loads(entry.data)
        state = data.get("after") or data.get("before") or {}
        changed = ""
        if data.get("before") and data.get("after"):
            changed = ", ".join(
                k.replace("_", " ")
                for k in data["after"]
                if data["after"][k] != data["before"].get(k)
            )
        counts[entry.action] += 1
        rows.append([entry.time[:10], entry.action, describe(state), changed, entry.actor])
    return counts, rows


def _change_figures(counts: Counter[str]) -> list[tuple[str, int]]:
    return [
        ("Added", counts["create"]),
        ("Changed", counts["update"]),
        ("Removed", counts["delete"]),
    ]


def _change_sentence(counts: Counter[str], things: str, window: Window) -> str:
    total = sum(counts.values())
    if not total:
        return f"No {things} changed {window.period}."
    return (
        f"{plural(total, 'change')} to the {things} {window.period}: {counts['create']} added, "
        f"{counts['update']} changed, {counts['delete']} removed."
    )


def context_issues(org, window: Window) -> dict[str, Any]:
    from annexa.isms.models import ContextIssue

    counts, rows = _changes(
        org,
        window,
        "context_issue",
        lambda s: f"{str(s.get('kind', '')).capitalize()}: {s.get('description', '')}",
    )
    current = ContextIssue.objects.for_org(org)
    kinds = Counter(current.values_list("kind", flat=True))
    climate = current.filter(climate_related=True).count()
    summary = _change_sentence(counts, "internal and external issues", window)
    summary += (
        f" The register now holds {kinds['internal']} internal and {kinds['external']} external "
        f"issues ({climate} climate-related)."
    )
    return section(
        source="Context issues (clause 4.1) and their history in the ledger",
        summary=summary,
        figures=[
            *_change_figures(counts),
            ("Internal issues now", kinds["internal"]),
            ("External issues now", kinds["external"]),
            ("Climate-related", climate),
        ],
        tables=[table("Changes", ["Date", "Change", "Issue", "Fields changed", "By"], rows)],
    )


def interested_parties(org, window: Window) -> dict[str, Any]:
    from annexa.isms.models import InterestedParty

    counts, rows = _changes(org, window, "interested_party", lambda s: s.get("name", ""))
    current = InterestedParty.objects.for_org(org)
    relevant = current.filter(relevant=True).count()
    summary = _change_sentence(counts, "interested parties and their requirements", window)
    verb = "is" if relevant == 1 else "are"
    parties = plural(relevant, "interested party", "interested parties")
    summary += f" {parties} {verb} relevant to the ISMS now."
    return section(
        source="Interested parties (clause 4.2) and their history in the ledger",
        summary=summary,
        figures=[*_change_figures(counts), ("Relevant parties now", relevant)],
        tables=[table("Changes", ["Date", "Change", "Party", "Fields changed", "By"], rows)],
    )


# --- d.1) nonconformities and corrective actions ---------------------------------------------


def nonconformity_trends(org, window: Window) -> dict[str, Any]:
    from annexa.actions.models import CorrectiveAction
    from annexa.findings.choices import NONCONFORMITIES, UNRESOLVED, FindingGrade, FindingStatus
    from annexa.findings.models import Finding

    findings = list(
        Finding.objects.for_org(org)
        .exclude(status=FindingStatus.WITHDRAWN)
        .only("grade", "status", "raised_at")
    )
    actions = list(
        CorrectiveAction.objects.for_org(org).only("status", "due_date", "created_at", "closed_at")
    )
    grades = list(FindingGrade)
    by_quarter: dict[str, Counter[str]] = defaultdict(Counter)
    for f in findings:
        by_quarter[quarter(f.raised_at)][f.grade] += 1
    for a in actions:
        by_quarter[quarter(a.created_at)]["actions_opened"] += 1
        if a.closed_at:
            by_quarter[quarter(a.closed_at)]["actions_closed"] += 1
    rows = [
        [
            q,
            *[by_quarter[q][g] for g in grades],
            by_quarter[q]["actions_opened"],
            by_quarter[q]["actions_closed"],
        ]
        for q in sorted(by_quarter)
    ]
    open_ncs = sum(1 for f in findings if f.grade in NONCONFORMITIES and f.status in UNRESOLVED)
    in_window = [f for f in findings if window.since is None or f.raised_at >= window.since]
    new_ncs = sum(1 for f in in_window if f.grade in NONCONFORMITIES)
    overdue = sum(1 for a in actions if a.is_overdue(window.today))
    unresolved_actions = sum(1 for a in actions if a.status != "closed")
    summary = (
        f"{plural(new_ncs, 'nonconformity', 'nonconformities')} raised {window.period}; "
        f"{open_ncs} still open. "
        f"{plural(unresolved_actions, 'corrective action')} not yet closed, {overdue} of them "
        "overdue."
    )
    if len(rows) > 1:
        last, before = rows[-1], rows[-2]
        last_ncs, before_ncs = last[1] + last[2], before[1] + before[2]
        if last_ncs == before_ncs:
            trend = "as many nonconformities as"
        else:
            trend = f"{'more' if last_ncs > before_ncs else 'fewer'} nonconformities than"
        summary += f" {last[0]} saw {trend} {before[0]} ({last_ncs} against {before_ncs})."
    return section(
        source="Findings register and corrective actions",
        summary=summary,
        figures=[
            ("Nonconformities raised in the period", new_ncs),
            ("Open nonconformities", open_ncs),
            ("Corrective actions not closed", unresolved_actions),
            ("Overdue corrective actions", overdue),
        ],
        tables=[
            table(
                "Per quarter",
                ["Quarter", *[g.label for g in grades], "Actions opened", "Actions closed"],
                rows,
            )
        ],
    )


# --- d.2) monitoring and measurement ---------------------------------------------------------


def monitoring_results(org, window: Window) -> dict[str, Any]:
    from annexa.catalog.choices import Theme
    from annexa.monitoring.choices import ControlStatus, ResultStatus
    from annexa.monitoring.models import TestResult
    from annexa.monitoring.status import derive

    views = derive(org, window.today)
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    theme_of = {}
    for view in views.values():
        statuses[view.theme][view.status] += 1
        theme_of[view.control_id] = view.theme
    results = TestResult.objects.for_org(org).filter(
        status__in=[ResultStatus.PASS, ResultStatus.FAIL]
    )
    if window.since is not None:
        results = results.filter(observed_at__gte=window.since)
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    for status, control_ids in results.values_list("status", "control_ids"):
        for theme in {theme_of.get(c) for c in control_ids} - {None}:
            outcomes[theme][status] += 1
    rows = []
    for theme in Theme:
        counts, runs = statuses[theme.value], outcomes[theme.value]
        decided = runs[ResultStatus.PASS] + runs[ResultStatus.FAIL]
        rate = f"{100 * runs[ResultStatus.PASS] / decided:.0f}%" if decided else "—"
        rows.append(
            [theme.label, sum(counts.values()), *[counts[s] for s in ControlStatus], decided, rate]
        )
    total = Counter()
    for counts in statuses.values():
        total.update(counts)
    passed = sum(o[ResultStatus.PASS] for o in outcomes.values())
    decided = passed + sum(o[ResultStatus.FAIL] for o in outcomes.values())
    rate = f"{100 * passed / decided:.0f}%" if decided else "no automated test result"
    summary = (
        f"Of {plural(sum(total.values()), 'Annex A control')}, {total[ControlStatus.PASSING]} pass "
        f"their automated tests, {total[ControlStatus.FAILING]} fail, "
        f"{total[ControlStatus.MANUAL_ONLY]} rest on manual evidence only, "
        f"{total[ControlStatus.STALE]} have stale evidence and {total[ControlStatus.NOT_COVERED]} "
        f"have none. Test pass rate {window.period}: {rate}."
    )
    return section(
        source="Continuous monitoring: control statuses and automated test results",
        summary=summary,
        figures=[
            *[(s.label, total[s]) for s in ControlStatus if s != ControlStatus.NOT_COVERED],
            ("Automated test results in the period", decided),
        ],
        tables=[
            table(
                "By Annex A theme",
                [
                    "Theme",
                    "Controls",
                    *[s.label for s in ControlStatus],
                    "Test results",
                    "Pass rate",
                ],
                rows,
            )
        ],
    )


# --- d.3) audit results ----------------------------------------------------------------------


def audit_results(org, window: Window) -> dict[str, Any]:
    from annexa.audits.choices import AuditStatus
    from annexa.audits.models import Audit
    from annexa.findings.choices import FindingGrade, FindingStatus

    audits = Audit.objects.for_org(org).filter(status=AuditStatus.CLOSED)
    if window.since is not None:
        since = timezone.localtime(window.since).date()
        audits = audits.filter(
            Q(actual_end__gte=since) | Q(actual_end__isnull=True, updated_at__gte=window.since)
        )
    grades = list(FindingGrade)
    rows, totals = [], Counter()
    for audit in audits.order_by("actual_end", "reference"):
        found = Counter(
            audit.findings_raised.exclude(status=FindingStatus.WITHDRAWN).values_list(
                "grade", flat=True
            )
        )
        totals.update(found)
        end = audit.actual_end.isoformat() if audit.actual_end else ""
        rows.append(
            [
                audit.reference,
                audit.title,
                audit.get_kind_display(),
                end,
                *[found[g] for g in grades],
            ]
        )
    ongoing = (
        Audit.objects.for_org(org)
        .exclude(status__in=[AuditStatus.CLOSED, AuditStatus.PLANNED])
        .count()
    )
    summary = (
        f"{plural(len(rows), 'audit')} closed {window.period}, with "
        + ", ".join(f"{totals[g]} {g.label.lower()}" for g in grades)
        + f". {plural(ongoing, 'audit')} under way."
        if rows
        else f"No audit was closed {window.period}; {plural(ongoing, 'audit')} under way."
    )
    return section(
        source="Audits closed and the findings they raised",
        summary=summary,
        figures=[
            ("Audits closed", len(rows)),
            *[(g.label, totals[g]) for g in grades],
            ("Audits under way", ongoing),
        ],
        tables=[
            table(
                "Audits closed",
                ["Ref.", "Title", "Type", "Ended", *[g.label for g in grades]],
                rows,
            )
        ],
    )


# --- d.4) fulfilment of information security objectives --------------------------------------


def _objective_changes(org, window: Window) -> dict[str, list[str]]:
    """What happened to each objective (by uid) in the window, in words, from the ledger."""
    happened: dict[str, Counter[str]] = defaultdict(Counter)
    fields: dict[str, list[str]] = defaultdict(list)
    for entry in _ledger_changes(org, window, "objective"):
        happened[entry.object_id][entry.action] += 1
        if entry.action == "update":
            after = json.loads(entry.data).get("after") or {}
            fields[entry.object_id] += [k for k in after if k not in fields[entry.object_id]]
    words: dict[str, list[str]] = {}
    for uid, actions in happened.items():
        said = []
        if actions["create"]:
            said.append("set")
        if fields[uid]:
            said.append("changed " + ", ".join(f.replace("_", " ") for f in fields[uid]))
        if actions["measure"]:
            said.append(plural(actions["measure"], "measurement"))
        if actions["withdraw"]:
            said.append("withdrawn")
        words[uid] = said
    return words


def objectives(org, window: Window) -> dict[str, Any]:
    from annexa.isms.choices import ObjectiveStatus
    from annexa.isms.models import Objective
    from annexa.isms.progress import progress_of

    source = "Information security objectives (clause 6.2) and their measurements"
    changes = _objective_changes(org, window)
    found = Objective.objects.for_org(org).select_related("owner").order_by("number")
    # An objective withdrawn before the period is history, not an input to this review.
    shown = [o for o in found if o.status != ObjectiveStatus.WITHDRAWN or str(o.uid) in changes]
    if not shown:
        return section(
            source=source,
            manual=True,
            note="No information security objective is recorded in Annexa: record them on the "
            "Objectives page and assemble again, or summarise each objective, its measure and "
            "how far it has been met by hand.",
        )
    progress = progress_of(shown)
    statuses = Counter(o.status for o in shown)
    overdue = [o for o in shown if o.is_overdue(window.today)]
    measured = [p for p in progress.values() if p.target_met is not None]
    met = [p for p in measured if p.target_met]
    rows = []
    for o in shown:
        p = progress[o.pk]
        late = (window.today - o.due_date).days
        rows.append(
            [
                o.reference,
                o.title,
                o.owner.email if o.owner else "",
                o.get_status_display(),
                p.target_text or o.target,
                p.latest_text or "not measured",
                {True: "met", False: "not met", None: "—"}[p.target_met],
                p.trend or "—",
                o.due_date.isoformat()
                + (f" ({plural(late, 'day')} overdue)" if o in overdue else ""),
                "; ".join(changes.get(str(o.uid), [])) or "no change",
            ]
        )
    active = len(shown) - statuses[ObjectiveStatus.WITHDRAWN]
    summary = f"{plural(active, 'objective')}: " + ", ".join(
        f"{statuses[value]} {label.lower()}"
        for value, label in ObjectiveStatus.choices
        if statuses[value] and value != ObjectiveStatus.WITHDRAWN
    )
    summary += f"; {len(overdue)} overdue." if overdue else "; none overdue."
    if measured:
        summary += (
            f" {len(met)} of the {plural(len(measured), 'objective')} measured against a "
            f"numeric target {'meets' if len(met) == 1 else 'meet'} it at the latest "
            "measurement."
        )
    watch = [
        p
        for p in progress.values()
        if p.objective.status in (ObjectiveStatus.AT_RISK, ObjectiveStatus.NOT_ACHIEVED)
        or p.objective in overdue
    ]
    for p in watch:
        o = p.objective
        state = "overdue" if o in overdue else o.get_status_display().lower()
        latest = f", latest {p.latest_text}" if p.latest_text else ""
        target = f", target {p.target_text}" if p.target_text and p.latest_text else ""
        summary += f" {o.reference} {o.title} is {state}{latest}{target}."
    summary += f" {plural(len(changes), 'objective')} set, changed or measured {window.period}."
    return section(
        source=source,
        summary=summary,
        figures=[
            ("Objectives", active),
            *[
                (label, statuses[value])
                for value, label in ObjectiveStatus.choices
                if value != ObjectiveStatus.WITHDRAWN
            ],
            ("Overdue", len(overdue)),
            ("Latest value meets the target", len(met)),
            ("Set, changed or measured in the period", len(changes)),
        ],
        tables=[
            table(
                "Objectives",
                [
                    "Ref.",
                    "Objective",
                    "Owner",
                    "Status",
                    "Target",
                    "Latest measurement",
                    "Against target",
                    "Trend",
                    "Due",
                    "In the period",
                ],
                rows,
            )
        ],
    )


# --- e) feedback (entered by hand), f) risk assessment and treatment -----------------------


def party_feedback(org, window: Window) -> dict[str, Any]:
    from annexa.isms.models import InterestedParty

    parties = InterestedParty.objects.for_org(org).filter(relevant=True).order_by("name")
    rows = [[p.name, p.requirements] for p in parties]
    summary = (
        f"Feedback to be gathered from "
        f"{plural(len(rows), 'relevant interested party', 'relevant interested parties')}: "
        + ", ".join(name for name, _ in rows)
        + "."
        if rows
        else ""
    )
    return section(
        source="Entered by hand; the relevant interested parties are listed as a prompt",
        summary=summary,
        manual=True,
        note="Feedback is entered by hand: complaints, customer questionnaires, regulator "
        "letters and other comments received from the parties below.",
        figures=[("Relevant interested parties", len(rows))],
        tables=[table("Interested parties to ask", ["Party", "Their requirements"], rows)],
    )


def risk_status(org, window: Window) -> dict[str, Any]:
    """9.3.2 f): the results of risk assessment and the status of the risk treatment plan,
    from the risk register (``risks.services.reporting.review_input``)."""
    from annexa.risks.choices import RiskStatus
    from annexa.risks.models import Risk
    from annexa.risks.services import reporting

    source = "Risk register (clauses 6.1.2, 8.2) and risk treatment plan (clauses 6.1.3, 8.3)"
    if not Risk.objects.for_org(org).exists():
        return section(
            source=source,
            manual=True,
            note="The risk register is empty: record the risk assessment on the Risks page and "
            "assemble again, or summarise the latest risk assessment (risks above the "
            "acceptance level) and the progress of the risk treatment plan by hand.",
        )
    data = reporting.review_input(org, since=window.since)
    statuses = dict(RiskStatus.choices)
    levels = data["residual_by_level"]
    above, overdue = data["above_threshold"], data["overdue_actions"]
    accepted_above = sum(1 for r in above if r["accepted"])
    by_status = data["by_status"]
    treated = by_status[RiskStatus.TREATED]
    summary = (
        f"{plural(data['open'], 'open risk')} under methodology v{data['methodology_version']} "
        f"(acceptance threshold {data['acceptance_threshold']}); residual risk "
        + ", ".join(f"{row['level'].lower()} {row['count']}" for row in levels)
        + f". {plural(data['new_since'], 'risk')} identified"
        + (
            f" and {len(data['changed_since']) - data['new_since']} more reassessed or changed"
            if window.since is not None
            else ""
        )
        + f" {window.period}. "
    )
    if above:
        summary += (
            f"{plural(len(above), 'risk')} above the acceptance threshold, "
            f"{accepted_above} of them accepted by the risk owner with a recorded reason: "
            + "; ".join(f"{r['reference']} {r['title']} ({r['score']})" for r in above)
            + ". "
        )
    else:
        summary += "No risk is above the acceptance threshold. "
    summary += (
        f"Treatment plan: {treated} of {plural(data['open'], 'open risk')} treated, "
        f"{by_status[RiskStatus.TREATMENT_PLANNED]} with treatment under way; "
        f"{plural(len(overdue), 'treatment action')} overdue, "
        f"{plural(len(data['overdue_reviews']), 'risk')} past the review date."
    )
    return section(
        source=source,
        summary=summary,
        figures=[
            ("Open risks", data["open"]),
            ("Identified in the period", data["new_since"]),
            ("New or changed in the period", len(data["changed_since"])),
            ("Above the acceptance threshold", len(above)),
            ("Residual risks accepted", data["accepted"]),
            ("Overdue treatment actions", len(overdue)),
            ("Risks past their review date", len(data["overdue_reviews"])),
        ],
        tables=[
            table(
                "Open risks by residual level",
                ["Residual level", "Risks"],
                [[row["level"], row["count"]] for row in levels],
            ),
            table(
                "Risks by status",
                ["Status", "Risks"],
                [[statuses[key], count] for key, count in by_status.items()],
            ),
            table(
                "Above the acceptance threshold",
                ["Ref.", "Risk", "Score", "Residual risk accepted", "Owner"],
                [
                    [r["reference"], r["title"], r["score"], _yes(r["accepted"]), r["owner"]]
                    for r in above
                ],
            ),
            table(
                "Overdue treatment actions",
                ["Ref.", "Risk", "Action", "Owner", "Due"],
                [
                    [a["reference"], a["risk"], a["title"], a["owner"], a["due_date"]]
                    for a in overdue
                ],
            ),
            table(
                "New or changed in the period",
                ["Ref.", "Risk", "Status"],
                [[r["reference"], r["title"], r["status"]] for r in data["changed_since"]],
            ),
        ],
    )


def _yes(value: bool) -> str:
    return "yes" if value else "no"


# --- g) opportunities for improvement --------------------------------------------------------


def improvement_opportunities(org, window: Window) -> dict[str, Any]:
    from annexa.findings.choices import UNRESOLVED, FindingGrade
    from annexa.findings.models import Finding

    findings = list(
        Finding.objects.for_org(org)
        .filter(grade__in=[FindingGrade.OFI, FindingGrade.OBSERVATION], status__in=UNRESOLVED)
        .select_related("raised_in")
        .order_by("number")
    )
    rows = [
        [
            f.reference,
            f.get_grade_display(),
            f.title,
            f.subject_id,
            f.get_status_display(),
            f.raised_in.reference if f.raised_in_id else "",
            _day(f.raised_at),
        ]
        for f in findings
    ]
    grades = Counter(f.grade for f in findings)
    summary = (
        f"{plural(len(findings), 'finding')} not yet closed point to improvements: "
        f"{grades[FindingGrade.OFI]} opportunities for improvement and "
        f"{grades[FindingGrade.OBSERVATION]} observations."
        if findings
        else "No open observation or opportunity for improvement is on record."
    )
    return section(
        source="Findings graded observation or opportunity for improvement, not yet closed",
        summary=summary,
        figures=[
            ("Opportunities for improvement", grades[FindingGrade.OFI]),
            ("Observations", grades[FindingGrade.OBSERVATION]),
        ],
        tables=[
            table(
                "Open findings",
                ["Ref.", "Grade", "Title", "Against", "Status", "Raised in", "Raised"],
                rows,
            )
        ],
    )


Reader = Callable[[Any, Window], dict[str, Any]]

# Keyed by the catalog's requirement ids of clause 9.3.2's items.
SOURCES: dict[str, Reader] = {
    "9.3.2.a": previous_actions,
    "9.3.2.b": context_issues,
    "9.3.2.c": interested_parties,
    "9.3.2.d.1": nonconformity_trends,
    "9.3.2.d.2": monitoring_results,
    "9.3.2.d.3": audit_results,
    "9.3.2.d.4": objectives,
    "9.3.2.e": party_feedback,
    "9.3.2.f": risk_status,
    "9.3.2.g": improvement_opportunities,
}


def manual_section(requirement) -> dict[str, Any]:
    """For a 9.3.2 item the catalog gained after this module was written."""
    return section(
        source="Entered by hand",
        manual=True,
        note=f"Summarise {requirement.title.lower()} by hand.",
    )


def read(requirement, org, window: Window) -> dict[str, Any]:
    reader = SOURCES.get(requirement.id)
    return reader(org, window) if reader is not None else manual_section(requirement)
