"""``annexa checkpoint``, ``verify``, ``export``, ``import`` and ``worker``: the ledger's CLI.

These run as the system (the server administrator). Data (summaries, JSON reports) goes to
stdout, messages to stderr. ``annexa verify`` exits 1 when anything was tampered with.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape

from annexa.cli.bootstrap import err, fail, out, setup, system_ctx


class ReportFormat(StrEnum):
    text = "text"
    json = "json"


FORMAT_OPTION = typer.Option(ReportFormat.text, "--format", help="text or json.")
OUTPUT_OPTION = typer.Option(..., "-o", "--output", help="Where to write the .zip bundle.")
BUNDLE_ARGUMENT = typer.Argument(..., help="A .zip written by `annexa export`.")
CHECKPOINT_OUTPUT_OPTION = typer.Option(
    None,
    "-o",
    "--output",
    help="Also write the signed checkpoint to this file, for an auditor to keep "
    "(`annexa verify --against FILE`, `annexa-verify --against FILE`).",
)
AGAINST_OPTION = typer.Option(
    None,
    "--against",
    help="A checkpoint file kept earlier (`annexa checkpoint -o`): its organization's ledger "
    "must still extend it.",
)


def checkpoint(
    org: str = typer.Option(None, "--org", help="The organization's slug."),
    all_orgs: bool = typer.Option(False, "--all", help="Every organization whose ledger grew."),
    output: Path = CHECKPOINT_OUTPUT_OPTION,
) -> None:
    """Sign a checkpoint (Merkle root) of an organization's ledger now."""
    if bool(org) == all_orgs:
        fail("give either --org SLUG or --all", code=2)
    if output is not None and all_orgs:
        fail("-o writes one organization's checkpoint: give --org SLUG instead of --all", code=2)
    if output is not None and (output.exists() or not output.parent.is_dir()):
        fail(f"{output} already exists or its directory does not; choose another path", code=2)
    setup()
    from annexa.ledger import services

    if all_orgs:
        created, errors = services.checkpoint_all()
        for item in created:
            out(f"{item.organization.slug}\t{item.tree_size}\t{item.root_hash}")
        for error in errors:
            err.print(f"[red]error:[/] {error}")
        err.print(f"{len(created)} checkpoint(s) created")
        if errors:
            raise typer.Exit(1)
        return
    try:
        item = services.create_checkpoint(system_ctx(org))
    except services.LedgerError as exc:
        fail(str(exc))
    if item is None:
        fail(f"the ledger of {org!r} is empty: nothing to checkpoint")
    if output is not None:
        document = services.kept_checkpoint(item.organization, item).as_dict()
        output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        err.print(f"wrote the signed checkpoint of {item.tree_size} entries to {output}")
    out(f"{org}\t{item.tree_size}\t{item.root_hash}")


def verify(
    org: str = typer.Option(None, "--org", help="Only this organization (default: all)."),
    fmt: ReportFormat = FORMAT_OPTION,
    consistency: bool = typer.Option(
        False, "--consistency", help="Also prove each checkpoint extends the previous one."
    ),
    against: Path = AGAINST_OPTION,
) -> None:
    """Recompute every entry hash, the chain, checkpoint roots and signatures, and blobs."""
    setup()
    from annexa.ledger.blobs import default_opener
    from annexa.ledger.verifier import KeptCheckpointError, read_kept_checkpoint
    from annexa.ledger.verify import verify_org
    from annexa.orgs.models import Organization

    kept = None
    if against is not None:
        try:
            kept = read_kept_checkpoint(against)
        except KeptCheckpointError as exc:
            fail(f"--against: {exc}", code=2)
        if not org:
            found = Organization.objects.filter(uid=kept.org).first()
            if found is None:
                fail(f"--against: no organization with uid {kept.org} on this instance", code=2)
            org = found.slug
    orgs = [system_ctx(org).org] if org else list(Organization.objects.order_by("slug"))
    if not orgs:
        fail("there is no organization to verify")
    opener = default_opener()
    reports = [verify_org(o, opener, consistency=consistency, kept=kept) for o in orgs]
    if fmt is ReportFormat.json:
        out(json.dumps([r.as_dict() for r in reports], indent=2))
    else:
        out("\n\n".join(r.summary() for r in reports))
    bad = [r for r in reports if not r.ok]
    unguarded = _report_guards()
    if bad:
        slugs = ", ".join(r.org["slug"] for r in bad)
        first = bad[0].first_bad_entry or bad[0].problems[0]
        fail(f"tampering detected in {slugs}; first: {first}")
    if unguarded:
        fail("the ledger verifies, but the database does not enforce append-only (see above)")


def _report_guards() -> bool:
    """Print what keeps the database from refusing ledger changes; True if it does not."""
    from annexa.ledger.guards import errors_and_warnings

    errors, warnings = errors_and_warnings()
    for message in warnings:
        err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False)
    for message in errors:
        err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return bool(errors)


def export(
    org: str = typer.Option(..., "--org", help="The organization's slug."),
    output: Path = OUTPUT_OPTION,
) -> None:
    """Write an organization's data, ledger, checkpoints, key and blobs as one bundle."""
    setup()
    from annexa.ledger.blobs import default_opener
    from annexa.ledger.bundle_export import export_bundle
    from annexa.ledger.orgdata import DataError
    from annexa.ledger.services import LedgerError

    if output.exists():
        fail(f"{output} already exists; choose another path", code=2)
    if not output.parent.is_dir():
        fail(f"the directory {output.parent} does not exist", code=2)
    try:
        summary = export_bundle(system_ctx(org), output, default_opener())
    except (DataError, LedgerError) as exc:
        fail(str(exc))
    for sha256 in summary.missing_blobs:
        err.print(f"[yellow]warning:[/] blob {sha256} is missing from the store; not exported")
    counts = summary.counts
    err.print(
        f"exported {counts['entries']} entries, {counts['checkpoints']} checkpoints, "
        f"{counts['blobs']} blobs, {sum(counts['rows'].values())} rows"
    )
    err.print(f"manifest SHA-256 (give it to the auditor): {summary.manifest_sha256}")
    from annexa.ledger.export_events import bundle_exported

    bundle_exported(system_ctx(org), output, summary.manifest_sha256, counts)
    out(str(output))


def import_(
    bundle: Path = BUNDLE_ARGUMENT,
    slug: str = typer.Option(None, "--slug", help="Restore under this slug instead."),
) -> None:
    """Restore a bundle into this instance (all or nothing; the bundle must verify)."""
    setup()
    from annexa.ledger.blobs import default_store
    from annexa.ledger.bundle_import import ImportRefused, import_bundle

    if not bundle.is_file():
        fail(f"{bundle} is not a file", code=2)
    try:
        summary = import_bundle(bundle, default_store(), slug=slug)
    except ImportRefused as exc:
        fail(f"import refused: {exc}")
    for email in summary.created_users:
        err.print(f"created user {email}: no password; they must reset it before logging in")
    counts = ", ".join(f"{name} {count}" for name, count in summary.counts.items())
    err.print(f"imported {summary.org.slug}: {counts}")
    out(summary.org.slug)


def worker(
    workers: int = typer.Option(2, "--workers", min=1, help="Worker threads."),
) -> None:
    """Run the background job consumer, with scheduled tasks (ledger checkpoints, …).

    SIGTERM (systemd, ``make run``) stops it gracefully: running jobs get
    ANNEXA_WORKER_GRACE_SECONDS to finish; a connector run still going then is handed back
    (interrupted and queued again), never left running. SIGINT stops at once, also handing
    back its runs.
    """
    setup()
    from django.conf import settings
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    from annexa.connectors.services import runs

    autodiscover_modules("tasks")
    grace = settings.WORKER_GRACE_SECONDS
    err.print(
        f"worker: {type(HUEY).__name__}, {workers} thread(s), "
        f"checkpoints every {settings.CHECKPOINT_MINUTES} min, "
        f"{grace} s for running jobs on SIGTERM"
    )
    runs.sweep()  # runs left behind by a worker that died: interrupted and retried
    consumer = HUEY.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=True,
        graceful_signal="TERM",
        shutdown_timeout=grace,
    )
    try:
        consumer.run()
    finally:
        for retry in runs.hand_back():
            err.print(f"worker: handed back an unfinished connector run, queued as run {retry.pk}")


def register(app: typer.Typer) -> None:
    app.command()(checkpoint)
    app.command()(verify)
    app.command()(export)
    app.command("import")(import_)
    app.command()(worker)
