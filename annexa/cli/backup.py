"""``annexa backup`` and ``annexa restore``: the whole instance (database, evidence blobs, keys)
as one archive, and back into an empty ANNEXA_HOME. See ``annexa.ledger.backup`` and the
"Backup and restore" section of docs/deploy.md.
"""

from __future__ import annotations

from pathlib import Path

import typer

from annexa.cli.bootstrap import err, fail, out, setup

OUTPUT_OPTION = typer.Option(..., "-o", "--output", help="Where to write the .tar.gz archive.")
ARCHIVE_ARGUMENT = typer.Argument(..., help="A .tar.gz written by `annexa backup`.")


def backup(output: Path = OUTPUT_OPTION) -> None:
    """Write the database, evidence blobs and keys into one archive (safe while serving)."""
    if output.exists():
        fail(f"{output} already exists; choose another path", code=2)
    if not output.parent.is_dir():
        fail(f"the directory {output.parent} does not exist", code=2)
    setup()
    from annexa.ledger.backup import BackupError, write_backup
    from annexa.ledger.blobs import default_store

    try:
        summary = write_backup(output, default_store())
    except BackupError as exc:
        fail(str(exc))
    for warning in summary.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    manifest = summary.manifest
    blobs = sum(1 for name in manifest["files"] if name.startswith("blobs/"))
    err.print(
        f"backed up the {manifest['database']['engine']} database, {blobs} blob(s), the keys "
        f"and {len(manifest['ledger_heads'])} organization(s)' ledger heads"
    )
    err.print("the archive holds the instance's keys: keep it encrypted and access-controlled")
    from annexa.ledger.export_events import backup_written

    backup_written(output, len(manifest["ledger_heads"]))
    out(str(output))


def restore(archive: Path = ARCHIVE_ARGUMENT) -> None:
    """Restore an archive into an empty ANNEXA_HOME (and empty database), then verify."""
    from annexa import config
    from annexa.ledger.backup import is_empty_dir

    if not archive.is_file():
        fail(f"{archive} is not a file", code=2)
    try:
        home = config.annexa_home()
    except config.ConfigError as exc:
        fail(f"configuration error: {exc}")
    if not is_empty_dir(home):
        fail(
            f"ANNEXA_HOME {home} is not empty: restore only into an empty directory "
            "(set ANNEXA_HOME to a new one)",
            code=2,
        )
    setup()
    from annexa.ledger.backup import BackupError, RestoreRefused, restore_backup
    from annexa.ledger.blobs import default_opener, default_store
    from annexa.ledger.verify import verify_org

    def progress(message: str) -> None:
        err.print(message, highlight=False)

    try:
        summary = restore_backup(
            archive, default_store(), lambda org: verify_org(org, default_opener()), progress
        )
    except RestoreRefused as exc:
        fail(f"restore refused, nothing was written: {exc}", code=2)
    except BackupError as exc:
        fail(str(exc))
    for warning in summary.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    out("\n\n".join(r.summary() for r in summary.reports))
    for problem in summary.problems:
        err.print(f"[red]problem:[/] {problem}", highlight=False)
    if not summary.ok:
        fail("restored, but verification failed (see above)")
    manifest = summary.manifest
    err.print(
        f"restored the backup of {manifest['created_at']} (Annexa {manifest['annexa_version']}): "
        f"{len(summary.reports)} organization(s) verified; run `annexa init` before serving"
    )


def register(app: typer.Typer) -> None:
    app.command()(backup)
    app.command()(restore)
