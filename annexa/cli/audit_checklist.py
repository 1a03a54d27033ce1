"""Checklists and samples on the command line.

``annexa audit checklist AUDIT --org SLUG --format xlsx|csv|json|pdf [-o FILE]`` exports a
checklist; ``annexa audit checklist-import FILE AUDIT --org SLUG --user EMAIL`` applies a
filled XLSX sheet (all rows or nothing); ``annexa audit checklist-generate AUDIT --org SLUG``
adds the items the scope calls for. ``annexa sample derive --population FILE --seed S --size N``
re-derives a sample anywhere, with no database or configuration; ``annexa sample size`` computes
a statistical sample size.

Exit codes: 0 done; 1 something to fix (unknown organization, audit or member, a refused
change, an unreadable file); 2 a bad option value, or an import refused (every problem is
printed on stderr and nothing changed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from annexa.cli.bootstrap import err, fail, get_org, out, setup

sample_app = typer.Typer(
    help="Samples: re-derive a selection from population and seed, compute sizes.",
    no_args_is_help=True,
)
EXPORT_FORMATS = ("xlsx", "csv", "json", "pdf")
BINARY_FORMATS = ("xlsx", "pdf")

OrgOption = Annotated[str, typer.Option("--org", help="Organization slug.")]
AuditArgument = Annotated[str, typer.Argument(help="The audit: a reference such as IA-2026-01.")]


def _audit(org_slug: str, reference: str):
    from annexa.audits.models import Audit
    from annexa.audits.services import audits

    organization = get_org(org_slug)
    try:
        return audits.find(organization, reference)
    except Audit.DoesNotExist:
        fail(f"no audit {reference!r} in {organization.slug} (see `annexa audit list`)")


def _context(org, email: str | None):
    """A member's context when ``email`` names one, else the system's."""
    from annexa.core.tenancy import OrgContext
    from annexa.orgs.models import Membership

    if not email:
        return OrgContext.system(org)
    membership = (
        Membership.objects.select_related("user")
        .filter(organization=org, user__email=email.strip().lower())
        .first()
    )
    if membership is None:
        fail(f"{email} is not a member of {org.slug} (see `annexa user list`)")
    return OrgContext(org=org, user=membership.user, membership=membership)


def export_checklist(
    audit: AuditArgument,
    org: OrgOption,
    output_format: Annotated[str, typer.Option("--format", help="xlsx, csv, json or pdf")] = "json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Export an audit's checklist (XLSX for offline fieldwork, CSV, JSON, PDF for printing)."""
    if output_format not in EXPORT_FORMATS:
        fail(f"--format must be one of {', '.join(EXPORT_FORMATS)}, not {output_format!r}", 2)
    if output is None and output_format in BINARY_FORMATS:
        fail(f"{output_format.upper()} is binary: write it to a file with -o FILE", 2)
    setup()
    from annexa.audits.services import checklist_io
    from annexa.core.pdf import PDFError

    found = _audit(org, audit)
    try:
        data = getattr(checklist_io, f"export_{output_format}")(found)
    except PDFError as exc:
        fail(f"{exc}.")
    if output is None:
        out(data.decode("utf-8-sig"))
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    err.print(f"Wrote the checklist of {found.reference} to {output} ({len(data):,} bytes).")


def import_checklist(
    file: Annotated[Path, typer.Argument(help="The filled XLSX sheet.")],
    audit: AuditArgument,
    org: OrgOption,
    user: Annotated[
        str, typer.Option("--user", help="The auditor recording the results (a team member).")
    ],
) -> None:
    """Apply a filled checklist sheet: every row valid, or nothing changes."""
    setup()
    from django.core.exceptions import PermissionDenied, ValidationError

    from annexa.audits.services import checklist_io

    found = _audit(org, audit)
    ctx = _context(found.organization, user)
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    try:
        report = checklist_io.import_checklist(ctx, found, data)
    except (PermissionDenied, ValidationError) as exc:
        fail(" ".join(getattr(exc, "messages", [str(exc)])))
    if not report.ok:
        for error in report.errors:
            where = f"row {error.row}" if error.row else "file"
            column = f", {error.column}" if error.column else ""
            err.print(f"{where}{column}: {error.message}")
        fail(report.summary(), 2)
    err.print(report.summary())
    out(json.dumps(report.as_dict(), indent=2))


def generate_checklist(
    audit: AuditArgument,
    org: OrgOption,
    user: Annotated[str, typer.Option("--user", help="Act as this member.")] = "",
) -> None:
    """Add a checklist item for every requirement and control in scope that has none."""
    setup()
    from django.core.exceptions import PermissionDenied, ValidationError

    from annexa.audits.services import checklist

    found = _audit(org, audit)
    try:
        added = checklist.generate(_context(found.organization, user or None), found)
    except (PermissionDenied, ValidationError) as exc:
        fail(" ".join(getattr(exc, "messages", [str(exc)])))
    err.print(f"{len(added)} item(s) added to the checklist of {found.reference}.")
    out(json.dumps([i.subject_id for i in added]))


@sample_app.command("derive")
def derive(
    population: Annotated[
        Path, typer.Option("--population", help="The population: .txt, .csv, .xlsx or .json.")
    ],
    seed: Annotated[str, typer.Option("--seed", help="The sample's seed.")],
    size: Annotated[int, typer.Option("--size", help="How many records were drawn.")],
    column: Annotated[str, typer.Option(help="CSV/XLSX/JSON: the column of the ids.")] = "",
    output_format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Re-derive a sample from its population and seed (no database needed)."""
    from annexa.audits import sampling

    if output_format not in ("table", "json"):
        fail("--format must be table or json", 2)
    try:
        records = sampling.parse_population(population.read_bytes(), population.name, column)
        chosen = sampling.select(seed, len(records), size)
    except OSError as exc:
        fail(f"cannot read {population}: {exc.strerror}")
    except sampling.SamplingError as exc:
        fail(str(exc), 2)
    result = {
        "algorithm": sampling.ALGORITHM,
        "population_size": len(records),
        "population_sha256": sampling.population_sha256(records),
        "seed": seed,
        "size": size,
        "selected": [{"index": i, "record": records[i]} for i in chosen],
    }
    if output_format == "json":
        out(json.dumps(result, indent=2, ensure_ascii=False))
        return
    err.print(
        f"{size} of {len(records)} records, seed {seed!r}, population SHA-256 "
        f"{result['population_sha256']}"
    )
    for entry in result["selected"]:
        out(f"{entry['index']}\t{entry['record']}")


@sample_app.command("size")
def size(
    confidence: Annotated[str, typer.Option(help="Confidence level in percent, e.g. 95.")],
    tolerable: Annotated[str, typer.Option(help="Tolerable deviation rate in percent.")],
    population: Annotated[int, typer.Option(help="Number of records in the population.")],
    expected: Annotated[str, typer.Option(help="Expected deviation rate in percent.")] = "0",
) -> None:
    """The attribute-sampling size (ISO 19011 Annex A.6) for the given rates and population."""
    from annexa.audits import sampling

    try:
        result = sampling.statistical_size(
            sampling.percent(confidence, "--confidence"),
            sampling.percent(tolerable, "--tolerable"),
            sampling.percent(expected, "--expected"),
            population,
        )
    except sampling.SamplingError as exc:
        fail(str(exc), 2)
    out(
        json.dumps(
            {
                "infinite": result.infinite,
                "allowed_deviations": result.allowed_deviations,
                "size": result.size,
            }
        )
    )


def register(app: typer.Typer) -> None:
    """``sample`` at the top level; the checklist commands join the ``audit`` group."""
    from annexa.cli.audits import audit_app

    audit_app.command("checklist")(export_checklist)
    audit_app.command("checklist-import")(import_checklist)
    audit_app.command("checklist-generate")(generate_checklist)
    app.add_typer(sample_app, name="sample")
