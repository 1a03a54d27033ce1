"""``annexa review …``: management reviews — list, show, assemble the inputs, write the minutes.

Exit codes: 0 done; 1 an environment problem (unknown organization, unwritable file); 2 refused
input (unknown review, a review whose inputs are frozen, a bad format).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from annexa.cli.bootstrap import err, fail, get_org, out, setup
from annexa.cli.findings import ListFormat, _table, _write_atomically

review_app = typer.Typer(help="Management reviews (clause 9.3).", no_args_is_help=True)

OrgOption = Annotated[str, typer.Option("--org", help="Organization slug.")]
Reference = Annotated[str, typer.Argument(help="The review's reference, e.g. MR-2026-01.")]


class MinutesFormat(StrEnum):
    pdf = "pdf"
    docx = "docx"


def _review(org: str, reference: str):
    from annexa.reviews.models import ManagementReview

    organization = get_org(org)
    review = ManagementReview.objects.for_org(organization).filter(reference=reference).first()
    if review is None:
        fail(
            f"no management review {reference!r} in {organization.slug} (see `annexa review list`)",
            2,
        )
    return review


def _row(review) -> dict[str, Any]:
    return {
        "reference": review.reference,
        "uid": str(review.uid),
        "title": review.title,
        "planned_date": review.planned_date.isoformat(),
        "held_on": review.held_on.isoformat() if review.held_on else None,
        "status": review.status,
        "signed_off_by": review.signed_off_by.email if review.signed_off_by_id else None,
    }


@review_app.command("list")
def list_reviews(
    org: OrgOption,
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """List the organization's management reviews, newest first."""
    setup()
    from annexa.reviews.models import ManagementReview

    organization = get_org(org)
    reviews = ManagementReview.objects.for_org(organization).select_related("signed_off_by")
    rows = [_row(r) for r in reviews.order_by("-planned_date", "-reference")]
    if output == ListFormat.json:
        out(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    _table(rows, ("reference", "status", "planned_date", "held_on", "signed_off_by", "title"))


@review_app.command("show")
def show_review(
    reference: Reference,
    org: OrgOption,
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """Show one review: header, each input's summary, the decisions."""
    setup()
    from annexa.reviews.services import snapshot

    record = snapshot(_review(org, reference))
    if output == ListFormat.json:
        out(json.dumps(record, indent=2, ensure_ascii=False))
        return
    out(f"{record['reference']} {record['title']} ({record['status']})")
    out(f"planned {record['planned_date']}, held {record['held_on'] or '-'}")
    for item in record["inputs"]:
        out(f"\n{item['requirement']} {item['title']}\n  {item['summary'] or '-'}")
    out("\nDecisions:")
    for d in record["decisions"]:
        owner = f" — {d['owner']} by {d['due_date']}" if d["owner"] else ""
        out(f"  {d['number']}. [{d['kind']}] {d['text']}{owner}")


@review_app.command("assemble")
def assemble_review(
    reference: Reference,
    org: OrgOption,
    replace_edited: Annotated[
        bool, typer.Option("--replace-edited", help="Also replace summaries people edited.")
    ] = False,
) -> None:
    """Fill or refresh the review's inputs from live data (while it is a draft)."""
    setup()
    from django.core.exceptions import ValidationError

    from annexa.core.tenancy import OrgContext
    from annexa.reviews import services

    review = _review(org, reference)
    try:
        report = services.assemble(
            OrgContext.system(review.organization), review, replace_edited=replace_edited
        )
    except ValidationError as exc:
        fail(" ".join(exc.messages), 2)
    out(
        json.dumps(
            {"refreshed": report.refreshed, "kept": report.kept, "replaced": report.replaced}
        )
    )
    if report.kept:
        err.print(
            f"kept edited summaries of {', '.join(report.kept)} (--replace-edited replaces them)"
        )


@review_app.command("minutes")
def write_minutes(
    reference: Reference,
    org: OrgOption,
    output_format: Annotated[MinutesFormat, typer.Option("--format", help="pdf or docx.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The file to write.")],
) -> None:
    """Write the minutes (the signed-off bytes once the review is signed off)."""
    setup()
    from annexa.reviews import minutes

    body, _media_type, _name = minutes.download(_review(org, reference), output_format.value)
    _write_atomically(output, body)
    err.print(f"wrote {len(body)} bytes to {output}")


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
