"""``annexa audit …`` and ``annexa programme …``: list and show audits, plan and export programmes.

Exit codes: 0 done; 1 something to fix (unknown organization, audit or programme, a refused
change, an unwritable file); 2 a bad option value. Other modules may add commands to the
``audit`` group through ``audit_app`` (e.g. checklists).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from annexa.cli.bootstrap import err, fail, get_org, out, setup, system_ctx

audit_app = typer.Typer(help="Audits: list them, show one.", no_args_is_help=True)
programme_app = typer.Typer(
    help="Audit programmes: list, plan a new cycle, export to iCalendar or XLSX.",
    no_args_is_help=True,
)

OrgOption = Annotated[str, typer.Option("--org", help="Organization slug.")]


def _check_format(value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        fail(f"--format must be {' or '.join(allowed)}, not {value!r}", 2)


# --- audits ----------------------------------------------------------------------------------


@audit_app.command("list")
def list_audits(
    org: OrgOption,
    output_format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """List the organization's audits, in date order."""
    _check_format(output_format, ("table", "json"))
    setup()
    from annexa.audits.models import Audit

    organization = get_org(org)
    audits = (
        Audit.objects.for_org(organization)
        .select_related("programme")
        .prefetch_related("team_members__user", "scope_requirements", "scope_controls")
        .order_by("planned_start", "reference")
    )
    rows = [_summary(a) for a in audits]
    if output_format == "json":
        out(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    _table(
        f"Audits of {organization.slug} ({len(rows)})",
        ("reference", "title", "status", "planned", "lead", "scope"),
        [
            (
                r["reference"],
                r["title"],
                r["status"],
                f"{r['planned_start']} – {r['planned_end']}",
                r["lead_auditor"] or "—",
                f"{r['requirements']} req., {r['controls']} ctrl.",
            )
            for r in rows
        ],
    )


def _summary(audit) -> dict:
    lead = audit.lead_auditor
    return {
        "uid": str(audit.uid),
        "reference": audit.reference,
        "title": audit.title,
        "kind": audit.kind,
        "status": audit.status,
        "programme": audit.programme.title,
        "planned_start": audit.planned_start.isoformat(),
        "planned_end": audit.planned_end.isoformat(),
        "lead_auditor": lead.email if lead else None,
        "requirements": len(audit.scope_requirements.all()),
        "controls": len(audit.scope_controls.all()),
        "unjustified_conflicts": len(audit.independence_conflicts),
    }


@audit_app.command("show")
def show_audit(
    audit: Annotated[str, typer.Argument(help="Reference (IA-2026-01) or uid.")],
    org: OrgOption,
    output_format: Annotated[str, typer.Option("--format", help="json or table")] = "json",
) -> None:
    """Everything about one audit: fields, scope with reasons, team, conflicts, overrides."""
    _check_format(output_format, ("json", "table"))
    setup()
    from annexa.audits.models import Audit
    from annexa.audits.services import audits as audit_service

    organization = get_org(org)
    try:
        found = audit_service.find(organization, audit)
    except Audit.DoesNotExist:
        fail(f"no audit {audit!r} in {organization.slug} (see `annexa audit list`)")
    data = _details(found)
    if output_format == "json":
        out(json.dumps(data, indent=2, ensure_ascii=False))
        return
    rows = [(k, ", ".join(map(str, v)) if isinstance(v, list) else str(v)) for k, v in data.items()]
    _table(f"{found.reference} {found.title}", ("field", "value"), rows)


def _details(audit) -> dict:
    from annexa.audits.services import audits as audit_service
    from annexa.audits.services import independence

    data = audit_service.snapshot(audit)
    data["programme_title"] = audit.programme.title
    data["scope_reasons"] = {
        **{r.requirement_id: r.reason for r in audit.scope_requirements.all()},
        **{c.control_id: c.reason for c in audit.scope_controls.all()},
    }
    data["conflicts"] = [
        {
            "auditor": c.user.email,
            "conflict": c.conflict.description,
            "justification": c.override.justification if c.override else None,
        }
        for c in independence.team_conflicts(audit)
    ]
    return data


# --- programmes ------------------------------------------------------------------------------


@programme_app.command("list")
def list_programmes(
    org: OrgOption,
    output_format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """List the organization's programmes."""
    _check_format(output_format, ("table", "json"))
    setup()
    from annexa.audits.models import AuditProgramme

    organization = get_org(org)
    rows = [
        {
            "uid": str(p.uid),
            "title": p.title,
            "start_date": p.start_date.isoformat(),
            "end_date": p.end_date.isoformat(),
            "status": p.status,
            "audits": p.audits.count(),
        }
        for p in AuditProgramme.objects.for_org(organization).order_by("start_date")
    ]
    if output_format == "json":
        out(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    columns = ("uid", "title", "start_date", "end_date", "status", "audits")
    _table("Audit programmes", columns, [tuple(str(r[c]) for c in columns) for r in rows])


@programme_app.command("plan")
def plan(
    org: OrgOption,
    start: Annotated[str, typer.Option("--start", help="First day of the cycle, YYYY-MM-DD.")],
    years: Annotated[int, typer.Option(help="Length of the cycle in years.")] = 3,
    title: Annotated[str, typer.Option(help="Default: 'Audit programme <years>'.")] = "",
    output_format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Create a draft programme, let the planner propose its audits, print them and coverage."""
    _check_format(output_format, ("table", "json"))
    try:
        start_date = dt.date.fromisoformat(start)
    except ValueError:
        fail(f"--start must be a date like 2026-01-05, not {start!r}", 2)
    setup()
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from annexa.audits.services import coverage
    from annexa.audits.services import programme as programme_service

    ctx = system_ctx(org)
    try:
        with transaction.atomic():
            programme = programme_service.create_programme(
                ctx, start_date=start_date, years=years, title=title
            )
            programme_service.plan_programme(ctx, programme)
    except ValidationError as exc:
        fail("the programme was not created: " + " ".join(exc.messages))
    matrix = coverage.compute(programme)
    audits = [_summary(a) for a in matrix.audits]
    if output_format == "json":
        report = {"programme": str(programme.uid), "title": programme.title, "audits": audits}
        report["coverage"] = coverage.as_data(matrix)
        out(json.dumps(report, indent=2, ensure_ascii=False))
        return
    _table(
        f"{programme.title} ({programme.uid})",
        ("reference", "title", "planned", "requirements", "controls"),
        [
            (
                a["reference"],
                a["title"],
                f"{a['planned_start']} – {a['planned_end']}",
                str(a["requirements"]),
                str(a["controls"]),
            )
            for a in audits
        ],
    )
    summary = matrix.summary()
    err.print(
        f"Coverage: {summary['requirements']} requirements and {summary['controls']} controls, "
        f"{summary['gaps']} gap(s). The programme is a draft: review and approve it on the web."
    )


@programme_app.command("export")
def export(
    programme: Annotated[str, typer.Argument(help="The programme's uid (see `programme list`).")],
    org: OrgOption,
    output_format: Annotated[str, typer.Option("--format", help="ics or xlsx")],
    output: Annotated[str, typer.Option("--output", "-o", help="File to write, or - for stdout.")],
) -> None:
    """Write the programme as an iCalendar file or an XLSX workbook."""
    _check_format(output_format, ("ics", "xlsx"))
    setup()
    from django.core.exceptions import ValidationError

    from annexa.audits.models import AuditProgramme
    from annexa.audits.services import export as export_service

    organization = get_org(org)
    try:
        found = AuditProgramme.objects.for_org(organization).get(uid=programme)
    except (AuditProgramme.DoesNotExist, ValidationError, ValueError):
        fail(f"no programme {programme!r} in {organization.slug} (see `annexa programme list`)")
    if output_format == "ics":
        content = export_service.programme_ics(found)
    else:
        content = export_service.programme_xlsx(found)
    if output == "-":
        sys.stdout.buffer.write(content)
        return
    try:
        Path(output).write_bytes(content)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    err.print(f"Wrote {found.title} to {output} ({len(content)} bytes).")


def _table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console(width=160).print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
    app.add_typer(programme_app, name="programme")
