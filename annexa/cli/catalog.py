"""``annexa catalog``: list, show and map the catalog (clauses 4–10, Annex A, 2013 controls).

Data goes to stdout (table, CSV or JSON); messages go to stderr. Every command sets Django up
and makes sure the catalog is loaded (a no-op when the data files are unchanged) before it
reads anything.
"""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from annexa.cli.bootstrap import err, fail, out, setup

catalog_app = typer.Typer(
    help="The ISO/IEC 27001:2022 catalog: clauses, Annex A controls and the 2013 mapping.",
    no_args_is_help=True,
)


class ListFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class ViewFormat(StrEnum):
    json = "json"
    table = "table"


class ThemeOption(StrEnum):
    organizational = "organizational"
    people = "people"
    physical = "physical"
    technological = "technological"


def register(app: typer.Typer) -> None:
    app.add_typer(catalog_app, name="catalog")


def _ready() -> None:
    """Django set up and the catalog loaded; exits with a message saying what to fix."""
    setup()
    from django.db import DatabaseError

    from annexa.catalog.loader import CatalogError, load_catalog

    try:
        load_catalog()
    except CatalogError as exc:
        fail(f"catalog data is invalid: {exc}")
    except DatabaseError as exc:
        fail(f"the database is not ready ({exc}); run `annexa init` first")


@catalog_app.command("list")
def list_catalog(
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
    clauses: Annotated[
        bool, typer.Option("--clauses", help="List clause requirements 4 … 10.2 instead.")
    ] = False,
    theme: Annotated[
        ThemeOption | None,
        typer.Option("--theme", case_sensitive=False, help="Only controls of this theme."),
    ] = None,
    new: Annotated[bool, typer.Option("--new", help="Only controls new in 2022.")] = False,
) -> None:
    """List Annex A controls (id, title, theme, new_in_2022) or, with --clauses, requirements."""
    if clauses and (theme is not None or new):
        fail("--theme and --new filter Annex A controls; they cannot be used with --clauses", 2)
    _ready()
    if clauses:
        _emit(_requirement_rows(), ["id", "title", "parent"], output)
    else:
        rows = _control_rows(theme.value if theme else None, True if new else None)
        _emit(rows, ["id", "title", "theme", "new_in_2022"], output)


def _requirement_rows() -> list[dict[str, Any]]:
    from annexa.catalog import queries

    return [{"id": r.id, "title": r.title, "parent": r.parent_id} for r in queries.requirements()]


def _control_rows(theme: str | None, new_in_2022: bool | None) -> list[dict[str, Any]]:
    from annexa.catalog import queries

    return [
        {
            "id": c.id,
            "title": c.title,
            "theme": c.get_theme_display(),
            "new_in_2022": c.new_in_2022,
        }
        for c in queries.controls(theme=theme, new_in_2022=new_in_2022)
    ]


def _emit(rows: list[dict[str, Any]], columns: list[str], output: ListFormat) -> None:
    if output is ListFormat.json:
        out(json.dumps(rows, indent=2, ensure_ascii=False))
    elif output is ListFormat.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: _cell(row[key]) for key in columns} for row in rows)
        out(buffer.getvalue())
    else:
        table = Table(*columns)
        for row in rows:
            table.add_row(*(_cell(row[key]) for key in columns))
        Console().print(table)


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@catalog_app.command("map")
def map_controls(
    legacy_ids: Annotated[
        list[str], typer.Argument(help="ISO/IEC 27001:2013 ids, e.g. A.12.1.2.", show_default=False)
    ],
    source: Annotated[str, typer.Option("--from", help="Edition to map from (only 2013).")],
    output: Annotated[ViewFormat, typer.Option("--format", help="Output format.")] = (
        ViewFormat.json
    ),
) -> None:
    """Map ISO/IEC 27001:2013 Annex A controls to their ISO/IEC 27001:2022 counterparts."""
    if source != "2013":
        fail(f"--from {source!r} is not supported; the catalog maps from 2013 only", 2)
    _ready()
    from annexa.catalog import queries

    try:
        mapping = queries.map_2013([_normalise(raw) for raw in legacy_ids])
    except queries.UnknownIdError as exc:
        fail(f"{exc} (2013 Annex A ids run from A.5.1.1 to A.18.2.3)", 2)
    if output is ViewFormat.json:
        out(json.dumps(mapping, indent=2))
        return
    table = Table("2013", "2022")
    for legacy_id, targets in mapping.items():
        table.add_row(legacy_id, ", ".join(targets))
    Console().print(table)


def _normalise(raw: str) -> str:
    """Accepts ``a.12.1.2`` and ``12.1.2`` as well as ``A.12.1.2``."""
    value = raw.strip()
    if value[:2].lower() == "a.":
        return "A." + value[2:]
    return f"A.{value}" if value[:1].isdigit() else value


@catalog_app.command("show")
def show(
    identifier: Annotated[
        str, typer.Argument(help="An Annex A control (A.5.15) or a clause requirement (6.1.2).")
    ],
    output: Annotated[ViewFormat, typer.Option("--format", help="Output format.")] = (
        ViewFormat.table
    ),
) -> None:
    """Show one Annex A control (attributes, questions, evidence, 2013 sources) or requirement."""
    _ready()
    from annexa.catalog import queries

    identifier = _normalise(identifier) if identifier[:2].lower() == "a." else identifier
    try:
        data = (
            _control_data(queries.control(identifier))
            if identifier.startswith("A.")
            else _requirement_data(queries.requirement(identifier))
        )
    except queries.UnknownIdError as exc:
        fail(f"{exc} (see `annexa catalog list` or `annexa catalog list --clauses`)", 2)
    if output is ViewFormat.json:
        out(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        _print_details(data)


def _control_data(control: Any) -> dict[str, Any]:
    from annexa.catalog import queries

    return {
        "id": control.id,
        "title": control.title,
        "theme": control.get_theme_display(),
        "new_in_2022": control.new_in_2022,
        "attributes": queries.attributes_of(control),
        "questions": control.questions,
        "evidence": control.evidence,
        "sources_2013": [f"{lc.id} {lc.title}" for lc in control.legacy_controls.all()],
    }


def _requirement_data(requirement: Any) -> dict[str, Any]:
    return {
        "id": requirement.id,
        "title": requirement.title,
        "parent": requirement.parent_id,
        "kind": requirement.get_kind_display(),
        "auditable": requirement.auditable,
        "amendment": requirement.amendment or None,
        "mandatory_document": requirement.mandatory_document or None,
        "questions": requirement.questions,
        "evidence": requirement.evidence,
        "items": [f"{child.id} {child.title}" for child in requirement.children.all()],
    }


def _print_details(data: dict[str, Any]) -> None:
    # Text objects rather than markup strings: catalog text may contain square brackets.
    console = Console(highlight=False)
    console.print(Text.assemble((data["id"], "bold"), " ", data["title"]))
    for key, value in data.items():
        if key in {"id", "title"} or value in (None, [], {}):
            continue
        label = key.replace("_", " ")
        if isinstance(value, dict | list):
            console.print(Text(f"\n{label}", style="bold"))
            lines = (
                [f"{name.replace('_', ' ')}: {', '.join(vs)}" for name, vs in value.items()]
                if isinstance(value, dict)
                else [f"- {item}" for item in value]
            )
            for line in lines:
                console.print(Text(f"  {line}"))
        else:
            console.print(Text(f"{label}: {_cell(value)}"))


@catalog_app.command("load")
def load(
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Load from this directory instead of the packaged data."),
    ] = None,
) -> None:
    """Validate and load the catalog data files (does nothing when they are unchanged)."""
    setup()
    from django.db import DatabaseError

    from annexa.catalog.loader import CatalogError, load_catalog

    try:
        summary = load_catalog(data_dir)
    except CatalogError as exc:
        fail(f"catalog data is invalid: {exc}")
    except DatabaseError as exc:
        fail(f"the database is not ready ({exc}); run `annexa init` first")
    err.print(f"catalog: {summary}")
