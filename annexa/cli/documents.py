"""``annexa documents …``: the document register (7.5) — list (the page's filters, ``--format
json``), import from XLSX or CSV (every row or none), the starter policies and copying one,
and sending the due reminders.

Exit codes: 0 done; 1 an environment problem (unknown organization or member, a file that
cannot be read, a role that may not import); 2 refused input (a bad filter, a sheet with bad
rows, an unknown template).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from annexa.cli.bootstrap import err, fail, get_org, out, setup
from annexa.cli.risks import ListFormat, OrgOption, UserOption, _ProgressBar, _show

documents_app = typer.Typer(
    help="The document register: list, import from XLSX/CSV, starter policies, reminders.",
    no_args_is_help=True,
)


@documents_app.command("list")
def list_documents(
    org: OrgOption,
    status: Annotated[
        str, typer.Option(help="current (not retired), draft, in_review, approved or retired")
    ] = "",
    kind: Annotated[str, typer.Option(help="policy, procedure, standard, guideline, …")] = "",
    owner: Annotated[str, typer.Option(help="The owner's e-mail address, or none")] = "",
    review: Annotated[str, typer.Option(help="due (within 30 days or overdue) or overdue")] = "",
    control: Annotated[str, typer.Option(help="An Annex A control or a clause, e.g. A.5.1")] = "",
    text: Annotated[str, typer.Option("--text", "-q", help="Text or a reference (DOC-004)")] = "",
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """List the organization's documents with their status, approved version and review."""
    setup()
    from annexa.documents.forms import filter_documents
    from annexa.documents.services import register

    organization = get_org(org)
    params = {
        "status": status,
        "kind": kind,
        "owner": owner,
        "review": review,
        "control": control,
        "q": text,
    }
    queryset = (
        register.register(organization)
        .prefetch_related("reviewers", "clauses", "controls")
        .order_by("number")
    )
    _show(
        filter_documents(queryset, params),
        _document_json,
        output,
        (
            "reference",
            "title",
            "kind",
            "status",
            "approved_version",
            "owner",
            "next_review",
            "review",
        ),
    )


def _document_json(document) -> dict[str, Any]:
    from annexa.documents.services import register

    approved = document.approved_version
    return {
        "reference": document.reference,
        "uid": str(document.uid),
        "title": document.title,
        "kind": document.kind,
        "status": document.status,
        "owner": document.owner.email if document.owner_id else None,
        "approver": document.approver.email if document.approver_id else None,
        "reviewers": sorted(u.email for u in document.reviewers.all()),
        "classification": document.classification.name if document.classification_id else None,
        "clauses": sorted(c.id for c in document.clauses.all()),
        "controls": sorted(c.id for c in document.controls.all()),
        "approved_version": approved.label if approved else None,
        "approved_on": approved.approved_on.isoformat()
        if approved and approved.approved_on
        else None,
        "review_months": document.review_months,
        "next_review": document.next_review.isoformat() if document.next_review else None,
        "review": register.review_state(document),
    }


@documents_app.command("import")
def import_documents(
    file: Annotated[Path, typer.Argument(help="The XLSX or CSV file.", show_default=False)],
    org: OrgOption,
    user: UserOption = None,
) -> None:
    """Import documents into the register: every row valid and saved, or nothing changes
    (exit 2 with every bad row). A blank reference adds a document; DOC-004 changes that one."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    setup()
    from django.core.exceptions import PermissionDenied

    from annexa.cli.isms import _context
    from annexa.documents import io

    ctx = _context(org, user)
    try:
        with _ProgressBar(file.name) as progress:
            report = io.import_register(ctx, data, file.name, progress=progress)
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


@documents_app.command("templates")
def list_templates(
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """The starter policies written by the Annexa authors, with their clauses and controls."""
    setup()
    from annexa.cli.findings import _table
    from annexa.documents.services import templates

    rows = [
        {
            "key": t.key,
            "title": t.title,
            "clauses": ", ".join(t.clauses),
            "controls": ", ".join(t.controls),
        }
        for t in templates.templates()
    ]
    if output == ListFormat.json:
        out(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    _table(rows, ("key", "title", "clauses", "controls"))


@documents_app.command("copy-template")
def copy_template(
    key: Annotated[str, typer.Argument(help="The template's key (annexa documents templates).")],
    org: OrgOption,
    user: UserOption = None,
) -> None:
    """Copy a starter policy into the register as a draft to adapt."""
    setup()
    from django.core.exceptions import PermissionDenied, ValidationError

    from annexa.cli.isms import _context
    from annexa.documents.services import templates

    ctx = _context(org, user)
    try:
        document = templates.copy(ctx, key)
    except ValidationError as exc:
        fail(" ".join(exc.messages), 2)
    except PermissionDenied as exc:
        fail(str(exc))
    err.print(f"{document.reference} {document.title}: copied as a draft")
    out(json.dumps({"reference": document.reference, "title": document.title}))


@documents_app.command("notify")
def notify(org: Annotated[str, typer.Option("--org", help="Organization slug.")] = "") -> None:
    """Send the review and acknowledgement reminders due now (each once per threshold)."""
    setup()
    from annexa.documents.services import reminders

    report = reminders.notify(get_org(org) if org else None)
    for failure in report.failures:
        err.print(f"failed: {failure}", markup=False)
    err.print(f"{report.emails} e-mail(s) sent")
    if report.failures:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(documents_app, name="documents")
