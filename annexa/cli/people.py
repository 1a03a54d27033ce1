"""``annexa people …``: the people register — list (the page's filters, ``--format json``),
export to XLSX or CSV, import an HR export from XLSX or CSV, the joiner and leaver checks, and
saving either list as a sampling population in the evidence locker.

An import saves every row or none: with any bad row it prints each problem (row, column, what
to do) on stderr, imports nothing and exits 2. A large file shows a progress bar on a terminal.

Exit codes: 0 done; 1 an environment problem (unknown organization or member, a file that
cannot be read or written, a role that may not import); 2 refused input (a bad filter or
format, a sheet with bad rows, an empty population).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from annexa.cli.bootstrap import err, fail, get_org, out, setup
from annexa.cli.common import export_sheet
from annexa.cli.risks import ListFormat, OrgOption, UserOption, _ProgressBar, _show

people_app = typer.Typer(
    help="The people register: list, import an HR export, export, joiner and leaver checks.",
    no_args_is_help=True,
)
COLUMNS = ("name", "employee_id", "email", "department", "manager", "start_date", "end_date")


@people_app.command("list")
def list_people(
    org: OrgOption,
    department: Annotated[str, typer.Option(help="A department (any case)")] = "",
    status: Annotated[str, typer.Option(help="current, left or future (not started yet)")] = "",
    gaps: Annotated[
        str,
        typer.Option(help="joiners, screening, terms, training (a missed joiner check) or leavers"),
    ] = "",
    text: Annotated[
        str, typer.Option("--text", "-q", help="Name, e-mail, employee id or job title")
    ] = "",
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """List the organization's people with their employment dates and manager."""
    setup()
    from annexa.people.filters import filter_people
    from annexa.people.models import Person

    organization = get_org(org)
    params = {"department": department, "status": status, "gaps": gaps, "q": text}
    queryset = (
        Person.objects.for_org(organization)
        .select_related("manager")
        .prefetch_related("trainings")
        .order_by("name", "pk")
    )
    _show(filter_people(queryset, params, organization), _person_json, output, COLUMNS)


def _person_json(person) -> dict[str, Any]:
    from annexa.people.services.people import label_of

    def iso(value):
        return value.isoformat() if value else None

    return {
        "id": person.pk,
        "uid": str(person.uid),
        "name": person.name,
        "employee_id": person.employee_id,
        "email": person.email,
        "department": person.department,
        "job_title": person.job_title,
        "manager": label_of(person.manager) if person.manager_id else None,
        "start_date": iso(person.start_date),
        "end_date": iso(person.end_date),
        "screened_on": iso(person.screened_on),
        "terms_signed_on": iso(person.terms_signed_on),
        "trainings": [
            {"course": t.course, "completed_on": t.completed_on.isoformat()}
            for t in person.trainings.all()
        ],
        "source": person.source,
    }


@people_app.command("import")
def import_people(
    file: Annotated[Path, typer.Argument(help="The XLSX or CSV file.", show_default=False)],
    org: OrgOption,
    user: UserOption = None,
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """Import an HR export: every row valid and saved, or nothing changes (exit 2 with every
    bad row on stderr). People are found by employee id, else e-mail address; dates are
    YYYY-MM-DD; the columns are those of `annexa people export`."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    setup()
    from django.core.exceptions import PermissionDenied

    from annexa.cli.isms import _context
    from annexa.people import io

    ctx = _context(org, user)
    try:
        with _ProgressBar(file.name) as progress:
            report = io.import_people(ctx, data, file.name, progress=progress)
    except PermissionDenied as exc:
        fail(str(exc))
    if not report.ok:
        if output == ListFormat.json:
            out(json.dumps({"errors": [e.as_dict() for e in report.errors]}, indent=2))
        for error in report.errors:
            err.print(f"{file.name}: {io.describe(error)}", markup=False, highlight=False)
        fail(f"{report.summary()} Fix the file and import it again.", 2)
    if report.ignored:
        err.print(f"columns not read: {', '.join(report.ignored)}", highlight=False)
    err.print(f"imported {file.name} into {ctx.org.slug}: {report.summary()}", highlight=False)
    result = report.as_dict()
    result.pop("errors")
    if output == ListFormat.json:
        out(json.dumps(result, indent=2))
    else:
        out(" ".join(f"{key}={value}" for key, value in result.items() if key != "ignored_columns"))


@people_app.command("export")
def export_people(
    org: OrgOption,
    output: Annotated[str, typer.Option("--output", "-o", help="File to write, or - for stdout.")],
    output_format: Annotated[
        str | None,
        typer.Option("--format", help="xlsx or csv (default: from the file name, else xlsx)"),
    ] = None,
) -> None:
    """Write the register (in the import's columns) to an XLSX or CSV file; cells are
    formula-safe."""
    export_sheet(
        org,
        output,
        output_format,
        "annexa.people.io.export_people",
        done="wrote the people register of {org} to {output} ({fmt})",
        logged_as="the people register",
    )


@people_app.command("checks")
def people_checks(
    org: OrgOption,
    everyone: Annotated[
        bool, typer.Option("--all", help="Everyone in the window, not only those with a gap.")
    ] = False,
    save: Annotated[
        str,
        typer.Option(
            help="joiners or leavers: store that list as a CSV sampling population (evidence)"
        ),
    ] = "",
    user: UserOption = None,
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """Joiners with a missed screening, terms or training check and leavers with an account
    still enabled; --save stores either list as evidence to draw an audit sample from."""
    setup()
    from annexa.people.services import checks

    organization = get_org(org)
    if save:
        _save_population(org, user, save)
        return
    data = checks.as_data(organization, gaps_only=not everyone)
    if output == ListFormat.json:
        out(json.dumps(data, indent=2, ensure_ascii=False))
        return
    from annexa.cli.findings import _table

    joiners = [
        {
            "joiner": j["person"],
            "started": j["start_date"],
            **{name: _state(j[name]) for name in ("screening", "terms", "training")},
        }
        for j in data["joiners"]
    ]
    err.print(f"{len(joiners)} joiner(s)", highlight=False)
    _table(joiners, ("joiner", "started", "screening", "terms", "training"))
    leavers = [
        {"leaver": x["person"], "left": x["end_date"], "still enabled": ", ".join(x["accounts"])}
        for x in data["leavers"]
    ]
    err.print(f"{len(leavers)} leaver(s)", highlight=False)
    _table(leavers, ("leaver", "left", "still enabled"))


def _state(check: dict) -> str:
    if check["state"] == "done":
        return f"done {check['done']}"
    if check["state"] == "pending":
        return f"pending (due {check['due']})"
    return f"GAP: late {check['done']}" if check["done"] else f"GAP: missing (due {check['due']})"


def _save_population(org: str, user: str | None, kind: str) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    from annexa.cli.isms import _context
    from annexa.people.services import checks

    if kind not in checks.KINDS:
        fail(f"--save must be joiners or leavers, not {kind!r}", 2)
    ctx = _context(org, user)
    try:
        version = checks.save_population(ctx, kind)
    except PermissionDenied as exc:
        fail(str(exc))
    except ValidationError as exc:
        fail(" ".join(exc.messages), 2)
    out(
        json.dumps(
            {
                "evidence_uid": str(version.evidence.uid),
                "version": version.number,
                "filename": version.filename,
                "sha256": version.sha256,
            }
        )
    )
    err.print(f"saved {version.filename} as evidence: {version.evidence.title}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(people_app, name="people")
