"""``annexa risks …`` and ``annexa assets …``: the risk register and the asset inventory —
list (the pages' filters, ``--format json``), export to XLSX or CSV, import from XLSX or CSV.

An import saves every row or none: with any bad row it prints each problem (row, column, what
to do), imports nothing and exits 2. A large file shows a progress bar on a terminal.

Exit codes: 0 done; 1 an environment problem (unknown organization or member, a file that
cannot be read or written, a role that may not import); 2 refused input (a bad filter or
format, a sheet with bad rows).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from annexa.cli.bootstrap import err, fail, get_org, out, setup
from annexa.cli.common import export_sheet

risks_app = typer.Typer(
    help="The risk register: list, export to XLSX/CSV, import from XLSX/CSV.",
    no_args_is_help=True,
)
assets_app = typer.Typer(
    help="The asset inventory: list, export to XLSX/CSV, import from XLSX/CSV.",
    no_args_is_help=True,
)

OrgOption = Annotated[str, typer.Option("--org", help="Organization slug.")]
UserOption = Annotated[
    str | None,
    typer.Option("--user", help="Act as this member (named in the ledger); default: system."),
]


class ListFormat(StrEnum):
    json = "json"
    table = "table"


def _problems(form) -> str:
    return "; ".join(f"--{name}: {' '.join(errors)}" for name, errors in form.errors.items())


def _show(filtered, as_json, output: ListFormat, columns: tuple[str, ...]) -> None:
    """A filter's result as JSON or a table; a bad filter exits 2 naming its options."""
    from annexa.cli.findings import _table

    found, form = filtered
    if not form.is_valid():
        fail(_problems(form), 2)
    rows = [as_json(item) for item in found]
    if output == ListFormat.json:
        out(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    _table(rows, columns)


def _flag(value: bool) -> str:
    return "true" if value else ""


# --- risks ---------------------------------------------------------------------------------


@risks_app.command("list")
def list_risks(
    org: OrgOption,
    status: Annotated[
        str,
        typer.Option(
            help="open (not closed), identified, assessed, treatment_planned, treated or closed"
        ),
    ] = "",
    basis: Annotated[
        str, typer.Option(help="inherent (default) or residual: what --level and the cell read")
    ] = "",
    level: Annotated[str, typer.Option(help="A level band's key, e.g. high")] = "",
    likelihood: Annotated[str, typer.Option(help="A heat-map row, e.g. 4")] = "",
    impact: Annotated[str, typer.Option(help="A heat-map column, e.g. 5")] = "",
    owner: Annotated[str, typer.Option(help="The risk owner's e-mail address")] = "",
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue reviews.")] = False,
    above: Annotated[
        bool, typer.Option("--above", help="Only risks above the acceptance threshold.")
    ] = False,
    asset: Annotated[str, typer.Option(help="Risks of an asset, e.g. AS-0001")] = "",
    control: Annotated[str, typer.Option(help="Risks treated by a control, e.g. A.8.5")] = "",
    text: Annotated[str, typer.Option("--text", "-q", help="Text or a reference (R-0012)")] = "",
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """List the organization's risks (by reference) with their levels and treatment."""
    setup()
    from annexa.risks.filters import filter_risks
    from annexa.risks.models import Risk

    organization = get_org(org)
    params = {
        "status": status,
        "basis": basis,
        "level": level,
        "likelihood": likelihood,
        "impact": impact,
        "owner": owner,
        "overdue": _flag(overdue),
        "above": _flag(above),
        "asset": asset,
        "control": control,
        "q": text,
    }
    queryset = (
        Risk.objects.for_org(organization)
        .select_related("owner", "methodology", "accepted_by")
        .prefetch_related("assets", "controls")
        .order_by("number")
    )
    _show(
        filter_risks(queryset, params, organization),
        _risk_json,
        output,
        ("reference", "title", "owner", "inherent", "treatment", "residual", "status", "review"),
    )


def _risk_json(risk) -> dict[str, Any]:
    method = risk.methodology
    return {
        "reference": risk.reference,
        "uid": str(risk.uid),
        "title": risk.title,
        "owner": risk.owner.email,
        "assets": [a.reference for a in risk.assets.all()],
        "controls": sorted(c.id for c in risk.controls.all()),
        "inherent_score": risk.inherent_score,
        "inherent_level": risk.inherent_level or None,
        "inherent": method.label_of(risk.inherent_level) if risk.inherent_level else "",
        "treatment": risk.treatment or None,
        "residual_score": risk.residual_score,
        "residual_level": risk.residual_level or None,
        "residual": method.label_of(risk.residual_level) if risk.residual_level else "",
        "status": risk.status,
        "accepted_by": risk.accepted_by.email if risk.accepted_by_id else None,
        "review": risk.review_date.isoformat() if risk.review_date else None,
        "review_overdue": risk.is_review_overdue(),
        "methodology": method.version,
    }


@risks_app.command("export")
def export_risks(
    org: OrgOption,
    output: Annotated[str, typer.Option("--output", "-o", help="File to write, or - for stdout.")],
    output_format: Annotated[
        str | None,
        typer.Option("--format", help="xlsx or csv (default: from the file name, else xlsx)"),
    ] = None,
) -> None:
    """Write the whole register (assets, controls, levels, treatment, acceptance, actions) to
    an XLSX or CSV file; cells are formula-safe."""
    _export(org, output, output_format, "risk register")


@risks_app.command("import")
def import_risks(
    file: Annotated[Path, typer.Argument(help="The XLSX or CSV file.", show_default=False)],
    org: OrgOption,
    user: UserOption = None,
) -> None:
    """Import a risk register: every row valid and saved, or nothing changes (exit 2 with
    every bad row). A blank reference adds a risk; R-0012 changes that one."""
    _import(file, org, user, "risks")


@risks_app.command("report")
def report(
    org: OrgOption,
    kind: Annotated[
        str, typer.Argument(help="assessment (the risk assessment report) or treatment (the plan)")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    output_format: Annotated[
        str | None,
        typer.Option("--format", help="pdf or docx (default: from the file name, else pdf)"),
    ] = None,
) -> None:
    """Write the risk assessment report or the risk treatment plan as PDF or DOCX."""
    setup()
    from annexa.risks import documents

    organization = get_org(org)
    fmt = output_format or (output.suffix.lstrip(".").lower() or "pdf")
    try:
        content, _name = documents.render(organization, kind, fmt)
    except documents.DocumentError as exc:
        fail(str(exc), 2)
    try:
        output.write_bytes(content)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    err.print(f"wrote {output} ({len(content):,} bytes)", highlight=False)


@risks_app.command("notify")
def notify(
    org: Annotated[
        str, typer.Option("--org", help="Only this organization (default: all of them).")
    ] = "",
) -> None:
    """E-mail today's reminders about overdue treatment actions to their owners and the risk
    owners (each action and person at most once a day)."""
    setup()
    from annexa.risks.services.treatment_reminders import notify_treatment

    report = notify_treatment(get_org(org) if org else None)
    summary = {"emails": report.emails, "notices": report.notices, "failures": report.failures}
    out(json.dumps(summary))
    err.print(
        f"sent {report.emails} e-mail(s) about {report.notices} overdue treatment action notice(s)",
        highlight=False,
    )
    if report.failures:
        fail(f"{len(report.failures)} e-mail(s) could not be sent; see the log, then run again")


# --- assets --------------------------------------------------------------------------------


@assets_app.command("propose")
def propose_assets(org: OrgOption) -> None:
    """Propose assets from what the connectors collected (AWS, GitHub, Linux hosts,
    PostgreSQL servers): unconfirmed, for their owners to confirm. Names already in the
    inventory are left alone."""
    setup()
    from annexa.connectors.services import asset_proposals
    from annexa.core.tenancy import OrgContext

    made = asset_proposals.propose(OrgContext.system(get_org(org)))
    for asset in made:
        out(f"{asset.reference}\t{asset.get_kind_display()}\t{asset.name}")
    err.print(f"{len(made)} asset(s) proposed, awaiting confirmation", highlight=False)


@assets_app.command("list")
def list_assets(
    org: OrgOption,
    kind: Annotated[
        str, typer.Option(help="information, system, service, people, location or supplier")
    ] = "",
    owner: Annotated[str, typer.Option(help="The owner's e-mail address, or none")] = "",
    classification: Annotated[str, typer.Option(help="A classification label's name")] = "",
    confirmed: Annotated[
        str, typer.Option(help="true (confirmed) or false (awaiting confirmation)")
    ] = "",
    retired: Annotated[str, typer.Option(help="true (retired) or false (in use)")] = "",
    text: Annotated[str, typer.Option("--text", "-q", help="Text or a reference (AS-0003)")] = "",
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """List the organization's assets (by reference)."""
    setup()
    from annexa.risks.filters import filter_assets
    from annexa.risks.models import Asset

    organization = get_org(org)
    params = {
        "kind": kind,
        "owner": owner,
        "classification": classification,
        "confirmed": confirmed,
        "retired": retired,
        "q": text,
    }
    queryset = (
        Asset.objects.for_org(organization)
        .select_related("owner", "classification")
        .prefetch_related("risks")
        .order_by("number")
    )
    _show(
        filter_assets(queryset, params, organization),
        _asset_json,
        output,
        ("reference", "name", "kind", "owner", "classification", "value", "state"),
    )


def _asset_json(asset) -> dict[str, Any]:
    state = "retired" if asset.retired else "in use"
    if not asset.confirmed:
        state = "awaiting confirmation"
    return {
        "reference": asset.reference,
        "uid": str(asset.uid),
        "name": asset.name,
        "kind": asset.kind,
        "owner": asset.owner.email if asset.owner_id else None,
        "classification": asset.classification.name if asset.classification_id else None,
        "value_c": asset.value_c,
        "value_i": asset.value_i,
        "value_a": asset.value_a,
        "value": asset.value,
        "location": asset.location,
        "source": asset.source,
        "confirmed": asset.confirmed,
        "retired": asset.retired,
        "state": state,
        "risks": [r.reference for r in asset.risks.all()],
    }


@assets_app.command("export")
def export_assets(
    org: OrgOption,
    output: Annotated[str, typer.Option("--output", "-o", help="File to write, or - for stdout.")],
    output_format: Annotated[
        str | None,
        typer.Option("--format", help="xlsx or csv (default: from the file name, else xlsx)"),
    ] = None,
) -> None:
    """Write the asset inventory to an XLSX or CSV file; cells are formula-safe."""
    _export(org, output, output_format, "asset inventory")


@assets_app.command("import")
def import_assets(
    file: Annotated[Path, typer.Argument(help="The XLSX or CSV file.", show_default=False)],
    org: OrgOption,
    user: UserOption = None,
) -> None:
    """Import the asset inventory: every row valid and saved, or nothing changes (exit 2 with
    every bad row). A row whose name is in the inventory changes that asset."""
    _import(file, org, user, "assets")


# --- shared --------------------------------------------------------------------------------


def _export(org: str, output: str, output_format: str | None, what: str) -> None:
    function = "export_risks" if what == "risk register" else "export_assets"
    export_sheet(
        org,
        output,
        output_format,
        f"annexa.risks.io.{function}",
        done=f"wrote the {what} of {{org}} to {{output}} ({{fmt}}, {{size}} bytes)",
        logged_as=f"the {what}",
    )


def _import(file: Path, org: str, user: str | None, what: str) -> None:
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    setup()
    from django.core.exceptions import PermissionDenied

    from annexa.cli.isms import _context
    from annexa.risks import io

    ctx = _context(org, user)
    run = io.import_risks if what == "risks" else io.import_assets
    try:
        with _ProgressBar(file.name) as progress:
            report = run(ctx, data, file.name, progress=progress)
    except PermissionDenied as exc:
        fail(str(exc))
    if not report.ok:
        for error in report.errors:
            err.print(f"{file.name}: {io.describe(error)}", markup=False, highlight=False)
        fail(f"{report.summary()} Fix the sheet and import it again.", 2)
    err.print(f"imported {file.name} into {ctx.org.slug}: {report.summary()}")
    out(
        json.dumps(
            {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
        )
    )


class _ProgressBar:
    """A progress bar on stderr while a file is checked and saved (on a terminal; elsewhere
    nothing is drawn). Used as ``progress(stage, done, total)``."""

    def __init__(self, name: str) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.name = name
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        )
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> _ProgressBar:
        self.bar.start()
        self.tasks["reading"] = self.bar.add_task(f"reading {self.name}", total=None)
        return self

    def __exit__(self, *exc_info) -> None:
        self.bar.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            for task in self.tasks.values():
                self.bar.update(task, total=1, completed=1)
            self.tasks[stage] = self.bar.add_task(f"{stage} rows", total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)


def register(app: typer.Typer) -> None:
    app.add_typer(risks_app, name="risks")
    app.add_typer(assets_app, name="assets")
