"""``annexa access-review …``: access reviews (A.5.15, A.5.18, A.8.2) — open a campaign over a
system's accounts, import a system's account list, close a campaign, list them.

``import-accounts`` saves every row or none: with any bad row it prints each problem (row,
column, what to do), imports nothing and exits 2. A large file shows a progress bar on a
terminal. ``close`` refuses (exit 2) while accounts are undecided, saying how many.

Exit codes: 0 done; 1 an environment problem (unknown organization or member, a file that
cannot be read, a role that may not do this); 2 refused input (a bad option, a sheet with bad
rows, a campaign that cannot close yet).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from annexa.cli.bootstrap import err, fail, out, setup
from annexa.cli.risks import ListFormat, _ProgressBar

app = typer.Typer(
    help="Access reviews: open a campaign, import account lists, close, list.",
    no_args_is_help=True,
)

OrgOption = Annotated[str, typer.Option("--org", help="Organization slug.")]
UserOption = Annotated[
    str | None,
    typer.Option("--user", help="Act as this member (named in the ledger); default: system."),
]
FormatOption = Annotated[ListFormat, typer.Option("--format", help="Output format.")]


def _review_json(review) -> dict[str, Any]:
    from annexa.access import services

    return {
        "reference": review.reference,
        "uid": str(review.uid),
        "system": review.system,
        "reviewer_mode": review.reviewer_mode,
        "system_owner": review.system_owner.email,
        "due_date": review.due_date.isoformat(),
        "status": review.status,
        "opened_at": review.opened_at.isoformat(),
        "closed_at": review.closed_at.isoformat() if review.closed_at else None,
        "evidence": str(review.evidence.uid) if review.evidence else None,
        "record_sha256": services.record_sha256(review),
        "progress": services.progress(review),
    }


def _print(rows: list[dict[str, Any]], output: ListFormat) -> None:
    from annexa.cli.findings import _table

    if output == ListFormat.json:
        out(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    flat = [
        {
            **row,
            "decided": f"{row['progress']['decided']} of {row['progress']['accounts']}",
            "orphans": row["progress"]["orphans"],
        }
        for row in rows
    ]
    _table(
        flat, ("reference", "system", "status", "due_date", "system_owner", "decided", "orphans")
    )


def _find(ctx, reference: str):
    from annexa.access import services

    match = re.fullmatch(r"(?:AR-?)?0*(\d{1,9})", reference.strip(), flags=re.IGNORECASE)
    review = services.reviews(ctx.org).filter(number=int(match.group(1))).first() if match else None
    if review is None:
        fail(f"no access review {reference!r} in {ctx.org.slug} (see `annexa access-review list`)")
    return review


def _refused(exc) -> None:
    for message in exc.messages:
        err.print(f"refused: {message}", markup=False, highlight=False)
    raise typer.Exit(2)


@app.command("list")
def list_reviews(
    org: OrgOption,
    status: Annotated[str, typer.Option(help="open or closed")] = "",
    system: Annotated[str, typer.Option(help="Part of the system's name")] = "",
    output: FormatOption = ListFormat.table,
) -> None:
    """List the organization's access reviews, newest first, with their progress."""
    setup()
    from annexa.access import services
    from annexa.access.filters import filter_reviews
    from annexa.cli.bootstrap import get_org

    organization = get_org(org)
    found, form = filter_reviews(
        services.reviews(organization).order_by("-number"), {"status": status, "system": system}
    )
    if not form.is_valid():
        fail("; ".join(f"--{k}: {' '.join(v)}" for k, v in form.errors.items()), 2)
    _print([_review_json(r) for r in found], output)


@app.command("create")
def create(
    org: OrgOption,
    system: Annotated[
        str, typer.Option("--system", help="The system whose accounts are reviewed.")
    ],
    due: Annotated[str, typer.Option("--due", help="Due date, YYYY-MM-DD.")],
    reviewer: Annotated[
        str | None,
        typer.Option(
            "--reviewer",
            help="The system owner's e-mail: reviews every account (with --by-manager, those "
            "whose holder has no manager here).",
        ),
    ] = None,
    by_manager: Annotated[
        bool, typer.Option("--by-manager", help="Each account is reviewed by its holder's manager.")
    ] = False,
    description: Annotated[str, typer.Option(help="Scope and description.")] = "",
    user: UserOption = None,
    output: FormatOption = ListFormat.table,
) -> None:
    """Open an access review over a system's accounts (run its connector or import its list
    first)."""
    try:
        due_date = dt.date.fromisoformat(due)
    except ValueError:
        fail(f"--due: {due!r} is not a date (YYYY-MM-DD)", 2)
    setup()
    from django.core.exceptions import PermissionDenied, ValidationError

    from annexa.access import services
    from annexa.access.choices import ReviewerMode
    from annexa.cli.isms import _context
    from annexa.isms.services.common import member_by_email

    ctx = _context(org, user)
    owner_email = reviewer or (ctx.user.email if by_manager and ctx.user else None)
    if not owner_email:
        fail(
            "name the system owner with --reviewer EMAIL (with --by-manager, it reviews the "
            "accounts of people without a manager here)",
            2,
        )
    try:
        owner = member_by_email(ctx.org, owner_email, "reviewer")
        review = services.create_review(
            ctx,
            system=system,
            reviewer_mode=ReviewerMode.MANAGER if by_manager else ReviewerMode.SYSTEM_OWNER,
            system_owner=owner,
            due_date=due_date,
            description=description,
        )
    except PermissionDenied as exc:
        fail(str(exc))
    except ValidationError as exc:
        _refused(exc)
    err.print(f"opened {review.reference}: {review.items.count()} accounts of {review.system}")
    _print([_review_json(review)], output)


@app.command("import-accounts")
def import_accounts(
    org: OrgOption,
    system: Annotated[str, typer.Option("--system", help="The system the list belongs to.")],
    file: Annotated[Path, typer.Argument(help="The system's complete account list, XLSX or CSV.")],
    review: Annotated[
        str | None,
        typer.Option("--review", help="The open campaign to refresh (default: the system's)."),
    ] = None,
    user: UserOption = None,
    output: FormatOption = ListFormat.table,
) -> None:
    """Import a system's complete account list: every row or none."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    setup()
    from django.core.exceptions import PermissionDenied

    from annexa.access import io
    from annexa.cli.isms import _context

    ctx = _context(org, user)
    target = _find(ctx, review) if review else None
    try:
        with _ProgressBar(file.name) as progress:
            report = io.import_accounts(
                ctx, data, file.name, system=system, review=target, progress=progress
            )
    except PermissionDenied as exc:
        fail(str(exc))
    if not report.ok:
        for error in report.errors:
            err.print(f"{file.name}: {io.describe(error)}", markup=False, highlight=False)
        fail(f"{report.summary()} Fix the list and import it again.", 2)
    err.print(f"imported {file.name} into {ctx.org.slug}: {report.summary()}", markup=False)
    if output == ListFormat.json:
        out(json.dumps(report.as_dict(), indent=2))


@app.command("close")
def close(
    org: OrgOption,
    reference: Annotated[str, typer.Argument(help="The campaign, e.g. AR-001.")],
    user: UserOption = None,
    output: FormatOption = ListFormat.table,
) -> None:
    """Close a campaign once every account is decided; its decision record is stored as
    evidence and in the ledger."""
    setup()
    from django.core.exceptions import PermissionDenied, ValidationError

    from annexa.access import services
    from annexa.cli.isms import _context

    ctx = _context(org, user)
    review = _find(ctx, reference)
    try:
        review = services.close(ctx, review)
    except PermissionDenied as exc:
        fail(str(exc))
    except ValidationError as exc:
        _refused(exc)
    err.print(
        f"closed {review.reference}; decision record stored as evidence "
        f"(SHA-256 {services.record_sha256(review)})"
    )
    _print([_review_json(review)], output)


@app.command("notify")
def notify(
    org: Annotated[str | None, typer.Option("--org", help="Only this organization.")] = None,
):
    """E-mail today's reminders to reviewers of open access reviews nearly due or overdue (at
    most once a day for each review and reviewer; the worker does it hourly)."""
    setup()
    from annexa.access import reminders
    from annexa.cli.bootstrap import get_org

    report = reminders.notify_reviewers(get_org(org) if org else None)
    for failure in report.failures:
        err.print(f"failed: {failure}", markup=False, highlight=False)
    err.print(f"{report.emails} e-mail(s) sent, about {report.notices} review(s)")
    if report.failures:
        raise typer.Exit(1)


def register(main: typer.Typer) -> None:
    main.add_typer(app, name="access-review")
