"""``annexa suppliers …``: the supplier register (list, with the page's filters) and its
reminders (expiring or expired certificates, overdue reviews).

Exit codes: 0 done; 1 an environment problem (unknown organization, an e-mail not sent);
2 a bad option (unknown criticality or certificate state, bad e-mail).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import typer

from annexa.cli.bootstrap import err, fail, get_org, out, setup

suppliers_app = typer.Typer(
    help="The supplier register: list suppliers, send the reminders.", no_args_is_help=True
)


class ListFormat(StrEnum):
    json = "json"
    table = "table"


@suppliers_app.command("list")
def list_suppliers(
    org: Annotated[str, typer.Option("--org", help="Organization slug.")],
    criticality: Annotated[str, typer.Option(help="low, medium, high or critical")] = "",
    certificate: Annotated[
        str,
        typer.Option(
            help="attention (expired or expiring within 30 days), expired, expiring, valid or none"
        ),
    ] = "",
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue reviews.")] = False,
    owner: Annotated[str, typer.Option(help="The owner's e-mail address, or none")] = "",
    retired: Annotated[bool, typer.Option("--retired", help="Retired suppliers too.")] = False,
    text: Annotated[str, typer.Option("--text", "-q", help="Text or a reference (SUP-004)")] = "",
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """List the organization's suppliers (by name) with their certificate and review."""
    setup()
    from annexa.risks.services import suppliers
    from annexa.risks.supplier_forms import filter_suppliers

    organization = get_org(org)
    params = {
        "criticality": criticality,
        "certificate": certificate,
        "overdue": "true" if overdue else "",
        "owner": owner,
        "retired": "true" if retired else "",
        "q": text,
    }
    found, form = filter_suppliers(suppliers.register(organization).order_by("name"), params)
    if not form.is_valid():
        problems = "; ".join(f"--{name}: {' '.join(e)}" for name, e in form.errors.items())
        fail(problems, 2)
    rows = [_supplier_json(s) for s in found]
    if output == ListFormat.json:
        out(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("reference", "name", "criticality", "owner", "certificate", "review")
    for row in rows:
        review = row["review_date"] or ""
        if row["review_overdue"]:
            review += " (overdue)"
        table.add_row(
            row["reference"],
            row["name"] + (" (retired)" if row["retired"] else ""),
            row["criticality"],
            row["owner"] or "",
            row["certificate"]["text"],
            review,
        )
    Console(soft_wrap=True).print(table)
    err.print(f"{len(rows)} supplier(s)")


def _supplier_json(supplier) -> dict[str, Any]:
    from annexa.risks.services import suppliers

    status = suppliers.status_of(supplier)
    latest = status.assessment
    return {
        "reference": supplier.reference,
        "uid": str(supplier.uid),
        "name": supplier.name,
        "service": supplier.service,
        "criticality": supplier.criticality,
        "owner": supplier.owner.email if supplier.owner_id else None,
        "review_date": supplier.review_date.isoformat() if supplier.review_date else None,
        "review_overdue": suppliers.is_review_overdue(supplier),
        "certificate": {
            "state": status.state,
            "text": status.text,
            "kind": latest.kind if latest else None,
            "expires_on": latest.expires_on.isoformat() if latest and latest.expires_on else None,
        },
        "risks": sorted(r.reference for r in supplier.risks.all()),
        "asset": supplier.asset.reference if supplier.asset_id else None,
        "retired": supplier.retired,
    }


@suppliers_app.command("notify")
def notify(
    org: Annotated[
        str, typer.Option("--org", help="Only this organization (default: all of them).")
    ] = "",
) -> None:
    """E-mail the supplier reminders due now (each supplier, matter and person at most once
    a week)."""
    setup()
    from annexa.risks.services.supplier_reminders import notify_suppliers

    organization = get_org(org) if org else None
    report = notify_suppliers(organization)
    out(
        json.dumps(
            {"emails": report.emails, "reminders": report.reminders, "failures": report.failures}
        )
    )
    err.print(f"sent {report.emails} e-mail(s) carrying {report.reminders} supplier reminder(s)")
    if report.failures:
        fail(f"{len(report.failures)} e-mail(s) could not be sent; see the log, then run again")


def register(app: typer.Typer) -> None:
    app.add_typer(suppliers_app, name="suppliers")
