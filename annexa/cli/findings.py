"""``annexa findings …`` and ``annexa actions …``: the findings register, the corrective
actions, their exports (OSCAL POA&M, XLSX) and the overdue reminders.

Exit codes: 0 done; 1 an environment problem (unknown organization, unwritable file, nothing
to export); 2 a bad option (unknown grade, status or format).
"""

from __future__ import annotations

import json
import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from annexa.cli.bootstrap import err, fail, get_org, out, setup

findings_app = typer.Typer(help="The findings register.", no_args_is_help=True)
actions_app = typer.Typer(
    help="Corrective actions: list, export, overdue reminders.", no_args_is_help=True
)

OrgOption = Annotated[str, typer.Option("--org", help="Organization slug.")]


class ListFormat(StrEnum):
    json = "json"
    table = "table"


class ExportFormat(StrEnum):
    poam = "poam"
    xlsx = "xlsx"


def _filter_problems(form) -> str:
    return "; ".join(f"--{name}: {' '.join(errors)}" for name, errors in form.errors.items())


@findings_app.command("list")
def list_findings(
    org: OrgOption,
    grade: Annotated[str, typer.Option(help="major_nc, minor_nc, observation or ofi")] = "",
    status: Annotated[
        str,
        typer.Option(
            help="draft, open, in_progress, acknowledged, closed, withdrawn or unresolved"
        ),
    ] = "",
    control: Annotated[str, typer.Option(help="a control or requirement id")] = "",
    audit: Annotated[str, typer.Option(help="an audit reference (raised or closed in it)")] = "",
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """List the organization's findings across audits."""
    setup()
    from annexa.findings.filters import filter_findings
    from annexa.findings.models import Finding

    organization = get_org(org)
    params = {"grade": grade, "status": status, "control": control, "audit": audit}
    queryset = (
        Finding.objects.for_org(organization)
        .select_related("raised_in", "closed_in", "raised_by")
        .order_by("number")
    )
    findings, form = filter_findings(queryset, params, organization)
    if not form.is_valid():
        fail(_filter_problems(form), 2)
    rows = [_finding_json(f) for f in findings]
    if output == ListFormat.json:
        out(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    _table(
        rows,
        ("reference", "grade", "status", "subject", "title", "raised_in", "closed_in", "age_days"),
    )


def _finding_json(finding) -> dict[str, Any]:
    return {
        "reference": finding.reference,
        "uid": str(finding.uid),
        "title": finding.title,
        "grade": finding.grade,
        "status": finding.status,
        "nature": finding.nature,
        "subject": finding.subject_id,
        "raised_in": finding.raised_in.reference if finding.raised_in_id else None,
        "closed_in": finding.closed_in.reference if finding.closed_in_id else None,
        "raised_by": finding.raised_by.email if finding.raised_by_id else None,
        "raised_at": finding.raised_at.isoformat(),
        "age_days": finding.age_days(),
    }


@actions_app.command("list")
def list_actions(
    org: OrgOption,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue actions.")] = False,
    status: Annotated[
        str, typer.Option(help="open, in_progress, implemented, verified_effective, closed")
    ] = "",
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """List the organization's corrective actions (soonest due first)."""
    setup()
    from annexa.actions.filters import filter_actions
    from annexa.actions.models import CorrectiveAction

    organization = get_org(org)
    queryset = CorrectiveAction.objects.for_org(organization).select_related("owner", "finding")
    params = {"status": status, "overdue": "true" if overdue else ""}
    actions, form = filter_actions(queryset.order_by("due_date", "number"), params)
    if not form.is_valid():
        fail(_filter_problems(form), 2)
    rows = [_action_json(a) for a in actions]
    if output == ListFormat.json:
        out(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    _table(rows, ("reference", "status", "owner", "due_date", "days_overdue", "finding", "title"))


def _action_json(action) -> dict[str, Any]:
    return {
        "reference": action.reference,
        "uid": str(action.uid),
        "title": action.title,
        "source": action.source,
        "finding": action.finding.reference if action.finding_id else None,
        "owner": action.owner.email,
        "due_date": action.due_date.isoformat(),
        "status": action.status,
        "overdue": action.is_overdue(),
        "days_overdue": action.days_overdue(),
        "plan_revision": action.plan_revision,
    }


@actions_app.command("export")
def export_actions(
    org: OrgOption,
    output_format: Annotated[
        ExportFormat, typer.Option("--format", help="poam (OSCAL JSON) or xlsx.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The file to write.")],
) -> None:
    """Write the corrective actions as an OSCAL POA&M JSON document or an XLSX workbook."""
    setup()
    from annexa.actions.exports import ExportError, export

    organization = get_org(org)
    try:
        body, _media_type, _name = export(organization, output_format.value)
    except ExportError as exc:
        fail(str(exc))
    _write_atomically(output, body)
    err.print(f"wrote {len(body)} bytes to {output}")


def _write_atomically(target: Path, body: bytes) -> None:
    """Write to a temporary file beside ``target`` and rename it: never half a file."""
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        fail(f"{directory}: no such directory")
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        fail(f"{target}: {exc.strerror}")


@actions_app.command("notify-overdue")
def notify_overdue(
    org: Annotated[
        str, typer.Option("--org", help="Only this organization (default: all of them).")
    ] = "",
) -> None:
    """E-mail today's overdue reminders (each action and person at most once a day)."""
    setup()
    from annexa.actions.services import notify_overdue as notify

    organization = get_org(org) if org else None
    report = notify(organization)
    out(
        json.dumps(
            {"emails": report.emails, "notices": report.notices, "failures": report.failures}
        )
    )
    err.print(f"sent {report.emails} e-mail(s) about {report.notices} overdue action notice(s)")
    if report.failures:
        fail(f"{len(report.failures)} e-mail(s) could not be sent; see the log, then run again")


def _table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns)
    for row in rows:
        table.add_row(*["" if row[c] is None else str(row[c]) for c in columns])
    Console(soft_wrap=True).print(table)
    err.print(f"{len(rows)} row(s)")


def register(app: typer.Typer) -> None:
    app.add_typer(findings_app, name="findings")
    app.add_typer(actions_app, name="actions")
