"""``annexa evidence``: add, list and fetch evidence, and collect orphaned blobs.

Messages go to stderr, data to stdout. A file refused as unsafe or mislabelled exits with 2,
other errors with 1, so scripts can tell "fix the file" from "fix the command".
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import sys
import tempfile
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from annexa.cli.bootstrap import err, fail, out, setup, system_ctx

REJECTED_EXIT = 2
CHUNK_SIZE = 1024 * 1024

evidence_app = typer.Typer(
    help="The evidence locker: add, list and fetch evidence; collect orphaned blobs.",
    no_args_is_help=True,
)


class Format(StrEnum):
    json = "json"
    table = "table"


def _parse_date(value: str | None) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        fail(f"--effective-date must be a date like 2025-03-31, got {value!r}")
    return None


@evidence_app.command("add")
def add(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="The file(s) to store; several are stored together, all or none.",
            show_default=False,
        ),
    ],
    org: Annotated[str, typer.Option("--org", help="Organization slug.")],
    control: Annotated[
        list[str] | None, typer.Option("--control", help="Annex A control, e.g. A.5.15.")
    ] = None,
    requirement: Annotated[
        list[str] | None, typer.Option("--requirement", help="Clause, e.g. 9.2.2.")
    ] = None,
    title: Annotated[str, typer.Option("--title", help="Title (default: the file name).")] = "",
    description: Annotated[
        str, typer.Option("--description", help="What the evidence shows.")
    ] = "",
    effective_date: Annotated[
        str | None,
        typer.Option(
            "--effective-date", help="The date it speaks for, YYYY-MM-DD (default: today)."
        ),
    ] = None,
    valid_days: Annotated[
        int | None,
        typer.Option("--valid-days", min=1, help="Days until it is stale (default: no expiry)."),
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """Store each FILE as new evidence; prints its SHA-256 and evidence uid.

    Several files are stored as one batch (each blob written crash-safely, one commit): all of
    them, or — when any is refused — none, with every refusal listed.
    """
    setup()
    from annexa.evidence import services
    from annexa.evidence.errors import EvidenceError, Rejected

    for file in files:
        if not file.is_file():
            fail(f"{file}: no such file")
    ctx = system_ctx(org)
    if len(files) > 1:
        new = [
            services.NewFile(
                filename=file.name,
                path=file,
                title=title,
                description=description,
                controls=tuple(control or ()),
                requirements=tuple(requirement or ()),
                effective_date=_parse_date(effective_date),
                valid_days=valid_days,
            )
            for file in files
        ]
        _add_many(ctx, new, output)
        return
    [file] = files
    try:
        version = services.store(
            ctx,
            path=file,
            filename=file.name,
            title=title,
            description=description,
            controls=control or [],
            requirements=requirement or [],
            effective_date=_parse_date(effective_date),
            valid_days=valid_days,
        )
    except Rejected as exc:
        fail(f"{file.name}: refused: {exc}", code=REJECTED_EXIT)
    except EvidenceError as exc:
        fail(str(exc))
    evidence = version.evidence
    if output == Format.json:
        out(json.dumps(_version_json(version) | {"evidence_uid": str(evidence.uid)}, indent=2))
    else:
        out(f"{version.sha256}  {evidence.uid}")
    err.print(f"stored {version.filename} as evidence {evidence.uid} (version {version.number})")


def _add_many(ctx, files: list, output: Format) -> None:
    from annexa.evidence import services
    from annexa.evidence.errors import EvidenceError

    try:
        with err.status(f"checking and storing {len(files)} files…"):
            versions = services.store_many(ctx, files)
    except services.BatchRefused as exc:
        for name, reason in exc.problems:
            err.print(f"{name}: refused: {reason}", highlight=False)
        fail(f"{len(exc.problems)} of {len(files)} files refused; nothing stored", code=2)
    except EvidenceError as exc:
        fail(str(exc))
    if output == Format.json:
        rows = [_version_json(v) | {"evidence_uid": str(v.evidence.uid)} for v in versions]
        out(json.dumps(rows, indent=2))
    else:
        for version in versions:
            out(f"{version.sha256}  {version.evidence.uid}")
    err.print(f"stored {len(versions)} files as new evidence")


@evidence_app.command("list")
def list_(
    org: Annotated[str, typer.Option("--org", help="Organization slug.")],
    control: Annotated[
        str, typer.Option("--control", help="Only evidence linked to this control.")
    ] = "",
    stale: Annotated[
        bool, typer.Option("--stale", help="Only evidence that has gone stale.")
    ] = False,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """List an organization's evidence with its current version and freshness."""
    setup()
    from annexa.evidence.filters import apply_filters
    from annexa.evidence.models import Evidence

    ctx = system_ctx(org)
    queryset = (
        Evidence.objects.for_org(ctx.org)
        .select_related("current_version")
        .prefetch_related("controls", "requirements")
        .order_by("created_at", "id")
    )
    items = list(apply_filters(queryset, control=control, freshness="stale" if stale else ""))
    rows = [_evidence_json(item) for item in items]
    if output == Format.json:
        out(json.dumps(rows, indent=2))
        return
    _print_table(rows)


@evidence_app.command("get")
def get(
    uid: Annotated[str, typer.Argument(help="The evidence uid.", show_default=False)],
    output: Annotated[str, typer.Option("-o", "--output", help="File to write, or - for stdout.")],
    version: Annotated[
        int | None, typer.Option("--version", min=1, help="Version number (default: current).")
    ] = None,
) -> None:
    """Write the content of one evidence version to a file, checking its SHA-256."""
    setup()
    from annexa.evidence.models import EvidenceVersion

    try:
        evidence_uid = uuid.UUID(uid)
    except ValueError:
        fail(f"{uid!r} is not an evidence uid (a UUID, as printed by `annexa evidence add`)")
    versions = EvidenceVersion.objects.filter(evidence__uid=evidence_uid)
    chosen = (versions.filter(number=version) if version else versions.order_by("-number")).first()
    if chosen is None:
        fail(f"no evidence {uid}" + (f" with version {version}" if version else ""))
    _write_checked(chosen, output)


@evidence_app.command("gc")
def gc(
    grace_minutes: Annotated[
        int,
        typer.Option(
            "--grace-minutes",
            min=0,
            help="Keep orphans and temporary files written more recently than this (uploads "
            "and connector runs in flight); 0 only while nothing else runs.",
        ),
    ] = 60,
) -> None:
    """Delete blobs no evidence or ledger entry references, and stale temporary files.

    Temporary files are those of killed processes under ANNEXA_HOME/tmp (upload bodies,
    evidence being checked, connector scratch folders) and partial blobs. The worker runs the
    same collection every hour with the default grace period.
    """
    setup()
    from annexa.evidence.services import collect_orphans

    result = collect_orphans(grace=datetime.timedelta(minutes=grace_minutes))
    out(
        json.dumps(
            {
                "blobs_deleted": result.blobs_deleted,
                "orphans_kept": result.orphans_kept,
                "temporary_deleted": result.temporary_deleted,
            }
        )
    )


def _write_checked(version, output: str) -> None:
    """Stream the blob out, hashing as it goes; a file is only left in place if it matches."""
    from annexa.evidence.services import open_version
    from annexa.evidence.storage import BlobMissing

    try:
        reader = open_version(version)
    except BlobMissing:
        fail(f"the content of version {version.number} ({version.sha256}) is missing")
    if output == "-":
        digest = _copy(reader, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        target = Path(output)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                digest = _copy(reader, handle)
            if digest == version.sha256:
                os.replace(temp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
    if digest != version.sha256:
        fail(f"the stored content hashes to {digest}, not {version.sha256}: the store is damaged")
    err.print(f"wrote {version.size} bytes of {version.filename} (sha256 {version.sha256})")


def _copy(reader, handle) -> str:
    digest = hashlib.sha256()
    with reader:
        while chunk := reader.read(CHUNK_SIZE):
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


def _version_json(version) -> dict[str, Any]:
    return {
        "number": version.number,
        "sha256": version.sha256,
        "size": version.size,
        "media_type": version.media_type,
        "filename": version.filename,
        "source": version.source,
        "effective_date": version.effective_date.isoformat(),
        "valid_until": version.valid_until.isoformat() if version.valid_until else None,
        "freshness": str(version.freshness()),
    }


def _evidence_json(evidence) -> dict[str, Any]:
    return {
        "uid": str(evidence.uid),
        "title": evidence.title,
        "controls": [c.id for c in evidence.controls.all()],
        "requirements": [r.id for r in evidence.requirements.all()],
        "current_version": _version_json(evidence.current_version),
    }


def _print_table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("uid", "title", "controls", "version", "sha256", "effective", "freshness")
    for row in rows:
        version = row["current_version"]
        table.add_row(
            row["uid"],
            row["title"],
            ", ".join(row["controls"]),
            str(version["number"]),
            version["sha256"][:16],
            version["effective_date"],
            version["freshness"],
        )
    Console(soft_wrap=True).print(table)
    err.print(f"{len(rows)} item(s)")


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")
