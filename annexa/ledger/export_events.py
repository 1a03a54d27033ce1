"""Exports out of the instance as security events: the organization's ledger records each
bundle export (who, when, the bundle's manifest hash), and ``annexa.security`` logs it; a
backup, which holds every organization, is logged."""

from __future__ import annotations

import getpass
from pathlib import Path

from django.db import transaction

from annexa.core import security_log
from annexa.core.tenancy import OrgContext
from annexa.ledger.services import append


def bundle_exported(ctx: OrgContext, output: Path, manifest_sha256: str, counts: dict) -> None:
    """Record, after it was written, that ``ctx.org`` was exported as a bundle."""
    with transaction.atomic():
        append(
            ctx,
            object_type="organization",
            object_id=str(ctx.org.uid),
            action="export",
            data={
                "bundle": output.name,
                "manifest_sha256": manifest_sha256,
                "entries": counts.get("entries"),
                "blobs": counts.get("blobs"),
            },
        )
    security_log.export_by(
        ctx, "the organization bundle", file=output.name, manifest=manifest_sha256
    )


def backup_written(output: Path, organizations: int) -> None:
    """Log a backup of the instance (database, blobs and keys of every organization), made
    by the server's administrator: the operating-system account is named."""
    security_log.export(
        "system",
        None,
        "a backup",
        file=output.name,
        organizations=organizations,
        os_user=getpass.getuser(),
    )
