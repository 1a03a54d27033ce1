"""``annexa report AUDIT``: write an audit's internal audit report to a file.

A draft is generated from the audit's current data; ``--issued`` writes the exact bytes of the
latest issued version instead. Exit codes: 0 written; 1 something to fix (unknown organization
or audit, nothing issued yet, rendering failed, unwritable file); 2 a bad option value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from annexa.cli.bootstrap import err, fail, get_org, setup

FORMATS = ("pdf", "docx", "html", "md", "oscal")


def report(
    audit: Annotated[str, typer.Argument(help="The audit's reference (IA-2026-01) or uid.")],
    org: Annotated[str, typer.Option("--org", help="Organization slug.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The file to write.")],
    report_format: Annotated[str, typer.Option("--format", help=" | ".join(FORMATS))] = "pdf",
    issued: Annotated[
        bool, typer.Option("--issued", help="The latest issued version, not a draft.")
    ] = False,
) -> None:
    """Write the internal audit report of AUDIT (a draft, or the latest issued version)."""
    if report_format not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {report_format!r}", 2)
    if not output.parent.is_dir():
        fail(f"{output.parent}: no such directory", 2)
    setup()
    from annexa.audits.models import Audit
    from annexa.audits.services import audits as audit_service
    from annexa.core.tenancy import OrgContext
    from annexa.reports import services

    organization = get_org(org)
    try:
        found = audit_service.find(organization, audit)
    except Audit.DoesNotExist:
        fail(f"no audit {audit!r} in {organization.slug} (see `annexa audit list`)")
    try:
        if issued:
            latest = services.latest_issued(found)
            if latest is None:
                fail(f"{found.reference} has no issued report yet; leave out --issued for a draft")
            body, _file = services.issued_bytes(latest, report_format)
            what = f"issued version {latest.number}"
        else:
            body, _name = services.draft(OrgContext.system(organization), found, report_format)
            what = "draft"
    except services.ReportError as exc:
        fail(str(exc))
    try:
        output.write_bytes(body)
    except OSError as exc:
        fail(f"{output}: {exc.strerror}")
    err.print(f"{found.reference}: {what} written to {output} ({len(body):,} bytes)")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
