"""Appending to the ledger. Apps hand it a change record; it chains and stores it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.ledger import format as fmt
from annexa.ledger.models import LedgerEntry, LedgerHead


def _now() -> str:
    return timezone.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append(
    ctx: OrgContext,
    *,
    object_type: str,
    object_id: str,
    action: str,
    data: Any,
    blob_sha256: str | None = None,
) -> LedgerEntry:
    """Append one entry to ``ctx.org``'s chain and return it.

    Serialised per organization: on PostgreSQL by a row lock on the chain head, on SQLite by the
    database write lock that every IMMEDIATE transaction takes. Call it inside the same
    transaction as the change it records, so both commit or neither does.
    """
    canonical_data = fmt.canonical(data).decode("utf-8")
    org = ctx.org
    with transaction.atomic():
        LedgerHead.objects.bulk_create([LedgerHead(organization=org)], ignore_conflicts=True)
        head = LedgerHead.objects.select_for_update().get(organization=org)
        seq = head.seq + 1
        document = fmt.entry_document(
            seq=seq,
            time=_now(),
            org=str(org.uid),
            actor=ctx.actor,
            object_type=object_type,
            object_id=str(object_id),
            action=action,
            data=data,
            blob_sha256=blob_sha256,
            prev=head.head_hash,
        )
        digest = fmt.entry_hash(document)
        entry = LedgerEntry.objects.create(
            organization=org,
            seq=seq,
            time=document["time"],
            actor=ctx.actor,
            object_type=object_type,
            object_id=str(object_id),
            action=action,
            data=canonical_data,
            blob_sha256=blob_sha256,
            prev_hash=head.head_hash,
            entry_hash=digest,
        )
        head.seq = seq
        head.head_hash = digest
        head.save(update_fields=["seq", "head_hash"])
    return entry


def history(org, object_type: str, object_id: str):
    """The entries about one object, oldest first (for "who changed what, when")."""
    return LedgerEntry.objects.filter(
        organization=org, object_type=object_type, object_id=str(object_id)
    ).order_by("seq")
