"""``annexa dashboard --org SLUG``: the readiness dashboard's numbers, as text or JSON.

Exit codes: 0 done; 1 unknown organization; 2 a bad option (typer refuses an unknown format).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from annexa.cli.bootstrap import get_org, out, setup


class Format(StrEnum):
    text = "text"
    json = "json"


def dashboard(
    org: Annotated[str, typer.Option("--org", help="Organization slug.")],
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
) -> None:
    """Readiness for the next external audit: SoA, audit programme, findings, corrective
    actions (overdue ones listed), the nonconformity burndown, monitoring, the risk register
    and the suppliers' certificates and reviews."""
    setup()
    from annexa.dashboard import services

    data = services.as_data(services.readiness(get_org(org)))
    if output == Format.json:
        out(json.dumps(data, indent=2, ensure_ascii=False))
        return
    out("\n".join(text_lines(data)))


def text_lines(data: dict) -> list[str]:
    """The JSON figures as a short plain-text report."""
    soa, findings, actions = data["soa"], data["findings"], data["actions"]
    lines = [f"Readiness as of {data['today']}"]
    programme = data["programme"]
    if programme is None:
        lines.append("Audit programme: none yet")
    else:
        audits, cover = programme["audits"], programme["coverage"]
        lines.append(f"Audit programme: {programme['title']} ({programme['status']})")
        lines.append(
            f"  audits: {audits['total']} ({audits['planned']} planned, "
            f"{audits['in_progress']} in progress, {audits['closed']} closed)"
        )
        lines.append(
            f"  coverage: {cover['requirements_covered']}/{cover['requirements']} requirements, "
            f"{cover['controls_covered']}/{cover['controls']} controls in an audit; "
            f"{cover['gaps']} gap(s)"
        )
        upcoming = programme["next_external_audit"]
        if upcoming:
            lines.append(
                f"  next external audit: {upcoming['label']} on {upcoming['date']} "
                f"(in {upcoming['days_away']} days)"
            )
    lines.append(
        f"SoA: {soa['implemented']} of {soa['applicable']} applicable controls implemented "
        f"({soa['percent_implemented']}%)"
    )
    grades = ", ".join(f"{grade} {n}" for grade, n in findings["by_grade"].items())
    lines.append(f"Open findings: {findings['open']} ({grades}); drafts {findings['drafts']}")
    ages = ", ".join(
        f"{bucket} days {sum(by_grade.values())}" for bucket, by_grade in findings["by_age"].items()
    )
    lines.append(f"  by age: {ages}")
    statuses = ", ".join(f"{status} {n}" for status, n in actions["by_status"].items())
    lines.append(f"Corrective actions: {actions['total']} ({statuses})")
    lines.append(f"  overdue: {len(actions['overdue'])}")
    lines.extend(
        f"  {a['reference']} {a['title']} — {a['owner']}, due {a['due_date']}, "
        f"{a['days_overdue']} day(s) overdue"
        for a in actions["overdue"]
    )
    first, last = data["burndown"][0], data["burndown"][-1]
    lines.append(
        f"Open nonconformities: {first['total']} on {first['date']}, {last['total']} on "
        f"{last['date']}"
    )
    lines.append(
        "Monitoring: " + ", ".join(f"{status} {n}" for status, n in data["monitoring"].items())
    )
    lines.extend(risk_lines(data["risks"]))
    lines.append(supplier_line(data["suppliers"]))
    lines.append(document_line(data["documents"]))
    return lines


def risk_lines(risks: dict | None) -> list[str]:
    if risks is None:
        return ["Risks: none registered yet"]
    levels = ", ".join(f"{row['label']} {row['count']}" for row in risks["by_residual_level"])
    unassessed = risks["residual_not_assessed"]
    lines = [
        f"Risks: {risks['open']} open by residual level ({levels}"
        + (f", not assessed {unassessed}" if unassessed else "")
        + ")",
        f"  above the acceptance threshold ({risks['acceptance_threshold']}): "
        f"{risks['above_threshold']} ({risks['above_threshold_accepted']} accepted)",
        f"  overdue treatment actions: {risks['overdue_treatment_actions']}; "
        f"risks past their review date: {risks['overdue_reviews']}",
    ]
    conflicts, proposals = risks["soa_conflicts"], risks["soa_proposals"]
    lines.append(
        f"  SoA conflicts with the risk treatment: {len(conflicts)}"
        + (f" ({', '.join(conflicts)})" if conflicts else "")
        + f"; proposed for the SoA: {len(proposals)}"
        + (f" ({', '.join(proposals)})" if proposals else "")
    )
    return lines


def supplier_line(suppliers: dict) -> str:
    def named(key: str) -> str:
        names = suppliers[key]
        return f"{len(names)}" + (f" ({', '.join(names)})" if names else "")

    return (
        f"Suppliers: {suppliers['in_use']} in use; "
        f"certificates expired {named('certificates_expired')}, "
        f"expiring within {suppliers['expiry_warning_days']} days "
        f"{named('certificates_expiring')}; reviews overdue {named('reviews_overdue')}"
    )


def document_line(documents: dict) -> str:
    if not documents["total"]:
        return "Documents: none registered yet"
    overdue, due = documents["reviews_overdue"], documents["reviews_due"]
    line = (
        f"Documents: {documents['total']} ({documents['not_approved']} not approved yet); "
        f"reviews overdue {len(overdue)}"
        + (f" ({', '.join(overdue)})" if overdue else "")
        + f", due within 30 days {len(due)}"
        + (f" ({', '.join(due)})" if due else "")
    )
    if documents["open_campaigns"]:
        line += (
            f"; acknowledgements {documents['acknowledged']} of {documents['asked']} "
            f"({documents['percent_acknowledged']}%), {documents['acknowledgements_overdue']} "
            "past the date"
        )
    return line


def register(app: typer.Typer) -> None:
    app.command("dashboard")(dashboard)
