"""``annexa soa …``: list, export and import the Statement of Applicability.

Exit codes: 0 done; 1 a usage or environment problem (unknown organization, unreadable file,
role without permission); 2 the sheet was refused (every problem printed on stderr, nothing
changed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from annexa.cli.bootstrap import err, fail, get_org, out, setup
from annexa.cli.common import export_sheet

soa_app = typer.Typer(
    help="Statement of Applicability: list, export to XLSX/CSV, import from XLSX.",
    no_args_is_help=True,
)


def _context(org_slug: str, user_email: str | None):
    """The system's context, or a member's when ``--user`` names one (the ledger shows it)."""
    from annexa.core.tenancy import OrgContext
    from annexa.orgs.models import Membership

    org = get_org(org_slug)
    if not user_email:
        return OrgContext.system(org)
    membership = (
        Membership.objects.select_related("user")
        .filter(organization=org, user__email=user_email.strip().lower())
        .first()
    )
    if membership is None:
        fail(f"{user_email} is not a member of {org.slug} (see `annexa user list`)")
    return OrgContext(org=org, user=membership.user, membership=membership)


@soa_app.command("list")
def list_entries(
    org: Annotated[str, typer.Option("--org", help="Organization slug.")],
    output_format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    theme: Annotated[
        str, typer.Option(help="organizational, people, physical or technological")
    ] = "",
    applicable: Annotated[str, typer.Option(help="yes or no")] = "",
    status: Annotated[
        str, typer.Option(help="not_started, planned, partially_implemented or implemented")
    ] = "",
    owner: Annotated[str, typer.Option(help="an owner's e-mail address, or 'none'")] = "",
    search: Annotated[
        str, typer.Option("--search", "-q", help="text in id, title, justification or notes")
    ] = "",
) -> None:
    """List the SoA entries (filters as on the web page)."""
    if output_format not in ("table", "json"):
        fail("--format must be table or json", 2)
    setup()
    from annexa.isms.filters import SoAFilter
    from annexa.isms.models import SoAEntry
    from annexa.isms.services import ensure_soa

    organization = get_org(org)
    ensure_soa(organization)
    params = {"theme": theme, "applicable": applicable, "status": status, "owner": owner}
    filters = SoAFilter({**params, "q": search}, org=organization)
    if not filters.is_valid():
        problems = "; ".join(f"--{k}: {' '.join(v)}" for k, v in filters.errors.items())
        fail(problems.replace("--q:", "--search:"), 2)
    queryset = SoAEntry.objects.for_org(organization).select_related("control", "control_owner")
    entries = [_as_dict(e) for e in filters.apply(queryset)]
    if output_format == "json":
        out(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    _print_table(entries)


def _as_dict(entry) -> dict:
    return {
        "control_id": entry.control_id,
        "control_title": entry.control.title,
        "theme": entry.control.theme,
        "applicable": entry.applicable,
        "justification": entry.justification,
        "implementation_status": entry.status,
        "control_owner": entry.control_owner.email if entry.control_owner else None,
        "notes": entry.notes,
        "version": entry.version,
    }


def _print_table(entries: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Statement of Applicability ({len(entries)} controls)")
    for column in ("control", "title", "applicable", "status", "owner"):
        table.add_column(column)
    for e in entries:
        table.add_row(
            e["control_id"],
            e["control_title"],
            "yes" if e["applicable"] else "no",
            e["implementation_status"] if e["applicable"] else "n/a",
            e["control_owner"] or "—",
        )
    Console(width=160).print(table)


@soa_app.command("export")
def export(
    org: Annotated[str, typer.Option("--org", help="Organization slug.")],
    output: Annotated[str, typer.Option("--output", "-o", help="File to write, or - for stdout.")],
    output_format: Annotated[
        str | None,
        typer.Option("--format", help="xlsx or csv (default: from the file name, else xlsx)"),
    ] = None,
) -> None:
    """Write the whole SoA to an XLSX or CSV file (cells are formula-safe)."""
    export_sheet(
        org,
        output,
        output_format,
        "annexa.cli.isms._export_soa",
        done="wrote the SoA of {org} to {output} ({fmt}, {size} bytes)",
    )


def _export_soa(organization, fmt: str) -> bytes:
    from annexa.isms import services

    return (
        services.export_xlsx(organization) if fmt == "xlsx" else services.export_csv(organization)
    )


@soa_app.command("import")
def import_sheet(
    file: Annotated[Path, typer.Argument(help="The XLSX sheet to import.", show_default=False)],
    org: Annotated[str, typer.Option("--org", help="Organization slug.")],
    user: Annotated[
        str | None,
        typer.Option("--user", help="Act as this member (named in the ledger); default: system."),
    ] = None,
) -> None:
    """Import an XLSX sheet: every row valid and applied, or nothing changes (exit 2)."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    setup()
    from django.core.exceptions import PermissionDenied

    from annexa.isms import services

    ctx = _context(org, user)
    try:
        report = services.import_soa(ctx, data)
    except PermissionDenied as exc:
        fail(str(exc))
    if not report.ok:
        for error in report.errors:
            where = f"row {error.row}, {error.column}" if error.row else "file"
            err.print(f"{file.name}: {where}: {error.message}", markup=False, highlight=False)
        fail(f"{report.summary()} Fix the sheet and import it again.", 2)
    err.print(f"imported {file.name} into {ctx.org.slug}: {report.summary()}")
    if report.changed:
        out("\n".join(report.changed))


@soa_app.command("approve")
def approve(
    org: Annotated[str, typer.Option("--org", help="Organization slug.")],
    user: Annotated[str, typer.Option("--user", help="The approving owner or ISMS manager.")],
    note: Annotated[str, typer.Option("--note", help="What this version changes, or why.")] = "",
) -> None:
    """Approve the SoA as it stands as its next version (exit 2 when nothing changed)."""
    setup()
    from django.core.exceptions import PermissionDenied, ValidationError

    from annexa.isms.services import soa_document

    ctx = _context(org, user)
    try:
        approval = soa_document.approve_soa(ctx, note)
    except PermissionDenied as exc:
        fail(str(exc))
    except ValidationError as exc:
        fail(" ".join(exc.messages), 2)
    err.print(f"{ctx.org.slug}: SoA version {approval.number} approved by {ctx.user.email}")


@soa_app.command("document")
def document(
    org: Annotated[str, typer.Option("--org", help="Organization slug.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    output_format: Annotated[str, typer.Option("--format", help="pdf or docx")] = "pdf",
) -> None:
    """Write the SoA as a controlled document: front page, controls, change history."""
    if output_format not in ("pdf", "docx"):
        fail(f"--format must be pdf or docx, not {output_format!r}", 2)
    if not output.parent.is_dir():
        fail(f"{output.parent}: no such directory", 2)
    setup()
    from annexa.isms.services import soa_document

    organization = get_org(org)
    try:
        data, name = soa_document.render(organization, output_format)
    except soa_document.SoADocumentError as exc:
        fail(str(exc))
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    err.print(f"wrote the SoA of {organization.slug} as {name} to {output} ({len(data):,} bytes)")


def register(app: typer.Typer) -> None:
    app.add_typer(soa_app, name="soa")
