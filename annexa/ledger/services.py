"""Appending to the ledger and signing checkpoints. Apps hand it a change record; it chains it.

Every state change of the ledger lives here; the web, API, CLI and the scheduled job call these.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.ledger import format as fmt
from annexa.ledger import keys, merkle
from annexa.ledger.models import Checkpoint, CheckpointTimestamp, LedgerEntry, LedgerHead
from annexa.ledger.verifier import KeptCheckpoint, collector_paused

ROW_FIELDS = fmt.STORED_COLUMNS  # LedgerEntry's fields as the verifiers read them


class LedgerError(Exception):
    """The ledger cannot do what was asked; the message says why and what to do."""


def _now() -> str:
    return timezone.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _check_fields(object_type: Any, action: Any, blob_sha256: Any) -> None:
    for name, value, limit in (("object_type", object_type, 64), ("action", action, 64)):
        if not isinstance(value, str) or not 0 < len(value) <= limit:
            raise fmt.FormatError(f"{name} must be a string of 1 to {limit} characters")
    if blob_sha256 is not None and not (
        isinstance(blob_sha256, str) and len(blob_sha256) == 64 and _is_hex(blob_sha256)
    ):
        raise fmt.FormatError("blob_sha256 must be 64 lowercase hex digits or None")


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


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
    record = Record(object_type, object_id, action, data, blob_sha256)
    return append_many(ctx, [record])[0]


@dataclass(frozen=True)
class Record:
    """One change to append with ``append_many`` (the arguments of ``append``)."""

    object_type: str
    object_id: str
    action: str
    data: Any
    blob_sha256: str | None = None


def append_many(
    ctx: OrgContext, records: Sequence[Record], *, batch_size: int = 1000
) -> list[LedgerEntry]:
    """Append ``records`` to ``ctx.org``'s chain in this order, as ``append`` would one by
    one, with the chain head locked and saved once and the entries inserted in batches: for
    imports of thousands of objects (one round trip per batch, not several per entry). The
    entries are the same bytes ``append`` writes; the verifiers cannot tell them apart."""
    for record in records:
        _check_fields(record.object_type, record.action, record.blob_sha256)
    if not records:
        return []
    org = ctx.org
    org_uid, actor = str(org.uid), ctx.actor
    with transaction.atomic():
        LedgerHead.objects.bulk_create([LedgerHead(organization=org)], ignore_conflicts=True)
        head = LedgerHead.objects.select_for_update().get(organization=org)
        seq, prev, time = head.seq, head.head_hash, _now()
        entries = []
        for record in records:
            seq += 1
            canonical_data = fmt.canonical(record.data).decode("utf-8")
            digest = fmt.sha256_hex(
                fmt.stored_entry_bytes(
                    seq=seq,
                    time=time,
                    org=org_uid,
                    actor=actor,
                    object_type=record.object_type,
                    object_id=str(record.object_id),
                    action=record.action,
                    data_json=canonical_data,
                    blob_sha256=record.blob_sha256,
                    prev=prev,
                )
            )
            entries.append(
                LedgerEntry(
                    organization=org,
                    seq=seq,
                    time=time,
                    actor=actor,
                    object_type=record.object_type,
                    object_id=str(record.object_id),
                    action=record.action,
                    data=canonical_data,
                    blob_sha256=record.blob_sha256,
                    prev_hash=prev,
                    entry_hash=digest,
                )
            )
            prev = digest
        LedgerEntry.objects.bulk_create(entries, batch_size=batch_size)
        head.seq, head.head_hash = seq, prev
        head.save(update_fields=["seq", "head_hash"])
    return entries


def entry_count(org) -> int:
    """How many entries ``org``'s ledger holds, without counting them: its entries are numbered
    1, 2, 3 … with no gap (the verifier refuses a gap), so the head's number is their count — a
    COUNT over a ledger of a million entries reads all of them (0.3 s on PostgreSQL)."""
    return LedgerHead.objects.filter(organization=org).values_list("seq", flat=True).first() or 0


def history(org, object_type: str, object_id: str):
    """The entries about one object, oldest first (for "who changed what, when")."""
    return LedgerEntry.objects.filter(
        organization=org, object_type=object_type, object_id=str(object_id)
    ).order_by("seq")


def stored_rows(
    org, *, after: int = 0, upto: int | None = None, batch: int = 10_000, ahead: bool = False
) -> Iterator[list[tuple]]:
    """``org``'s ledger rows after ``after`` (up to ``upto``) as ``ROW_FIELDS`` tuples, in order
    of seq, a list of ``batch`` at a time.

    Plain tuples from a raw cursor (no model or per-row iterator step); on PostgreSQL a
    server-side cursor, so a ledger of millions of entries is never held in memory at once.
    ``ahead``: a helper thread fetches the next lists while the caller checks the current one
    (the database drivers release the GIL while they wait for rows); at most ``AHEAD`` lists
    wait in memory.
    """
    quote = connection.ops.quote_name
    columns = ", ".join(quote(LedgerEntry._meta.get_field(f).column) for f in ROW_FIELDS)
    # Only the model's own table and column names are formatted in; values are parameters.
    sql = (
        f"SELECT {columns} FROM {quote(LedgerEntry._meta.db_table)} "  # noqa: S608  # nosec B608 - quoted identifiers of our own model; values are parameters
        f"WHERE {quote('organization_id')} = %s AND {quote('seq')} > %s"
        + ("" if upto is None else f" AND {quote('seq')} <= %s")
        + f" ORDER BY {quote('seq')}"
    )
    params = [org.pk, after] + ([] if upto is None else [upto])
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        if ahead:
            yield from _fetched_ahead(cursor, batch)
            return
        while rows := cursor.fetchmany(batch):
            yield rows


AHEAD = 2  # lists of rows fetched ahead of the caller


def _fetched_ahead(cursor, batch: int) -> Iterator[list[tuple]]:
    """The cursor's rows, ``batch`` at a time, fetched by a helper thread.

    Only the helper touches the cursor until it has finished (the cursor was opened, and is
    closed, by the caller's thread, on the same connection); a caller that stops early makes
    the helper stop after its current fetch, and waits for it.
    """
    lists: queue.Queue = queue.Queue(AHEAD)
    stop = threading.Event()
    end = object()

    def fetch() -> None:
        try:
            while not stop.is_set():
                rows = cursor.fetchmany(batch)
                if not rows:
                    break
                lists.put(rows)
        except BaseException as exc:  # handed to the caller's thread, raised there
            lists.put(exc)
            return
        lists.put(end)

    helper = threading.Thread(target=fetch, name="ledger-rows", daemon=True)
    helper.start()
    try:
        while (item := lists.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while helper.is_alive():
            with contextlib.suppress(queue.Empty):
                lists.get(timeout=0.05)  # frees a helper blocked on a full queue
        helper.join()


row_bytes = fmt.row_bytes  # canonical bytes of one ROW_FIELDS row


def latest_checkpoint(org) -> Checkpoint | None:
    return Checkpoint.objects.for_org(org).order_by("-tree_size").first()


def kept_checkpoint(org, checkpoint: Checkpoint) -> KeptCheckpoint:
    """``checkpoint`` as the file an auditor keeps (``annexa checkpoint --org SLUG -o FILE``)."""
    return KeptCheckpoint(org=str(org.uid), claim=checkpoint.claim())


def _resume(last: Checkpoint | None) -> merkle.Frontier:
    if last is None:
        return merkle.Frontier()
    try:
        return merkle.Frontier(last.tree_size, last.frontier_nodes)
    except ValueError:
        # A frontier of the wrong shape cannot be trusted: rebuild from the first entry.
        return merkle.Frontier()


def _extend(org, frontier: merkle.Frontier, size: int) -> None:
    """Hash entries frontier.size+1..size into the frontier, refusing a broken chain."""
    org_uid = str(org.uid)
    previous = (
        LedgerEntry.objects.for_org(org)
        .filter(seq=frontier.size)
        .values_list("entry_hash", flat=True)
        .first()
    ) or fmt.GENESIS_HASH
    sha256 = hashlib.sha256
    with collector_paused():
        for rows in stored_rows(org, after=frontier.size, upto=size):
            datas = fmt.stored_entries_bytes(org_uid, rows)
            digests = [sha256(data).hexdigest() for data in datas]
            expected = frontier.size + 1
            for (seq, *_, prev, stored), digest in zip(rows, digests, strict=True):
                if seq != expected or prev != previous or digest != stored:
                    raise LedgerError(
                        f"entry #{seq} does not verify; refusing to sign a checkpoint over it "
                        "(run `annexa verify` for details)"
                    )
                previous, expected = stored, expected + 1
            frontier.extend([sha256(b"\x00" + data).digest() for data in datas])
    if frontier.size != size:
        raise LedgerError(f"the ledger head says {size} entries but {frontier.size} were found")


def _sign(org, tree_size: int, root_hash: str) -> tuple[str, str, str]:
    try:
        key = keys.load_signing_key(Path(settings.SIGNING_KEY_PATH))
    except keys.SigningKeyMissing as exc:
        raise LedgerError(str(exc)) from None
    time = _now()
    message = fmt.checkpoint_message(
        org=str(org.uid), tree_size=tree_size, root_hash=root_hash, time=time
    )
    signature = base64.b64encode(key.sign(message)).decode("ascii")
    return time, signature, fmt.key_id(keys.public_key_raw(key))


def create_checkpoint(ctx: OrgContext) -> Checkpoint | None:
    """Sign the Merkle root of ``ctx.org``'s ledger as it stands; None if it is still empty.

    When nothing was appended since the last checkpoint, that one is returned unchanged. Only
    the entries added since the last checkpoint are read and re-verified before signing. With
    ANNEXA_TSA_URL, the checkpoint (new, or the last one if it has none yet) is then
    time-stamped; a TSA failure raises ``LedgerError`` after the checkpoint is committed.
    """
    checkpoint = _sign_checkpoint(ctx)
    if checkpoint is not None and settings.TSA_URL:
        _stamp(checkpoint)
    return checkpoint


def _stamp(checkpoint: Checkpoint) -> None:
    from annexa.ledger import timestamps

    if CheckpointTimestamp.objects.filter(checkpoint=checkpoint).exists():
        return
    try:
        timestamps.stamp(checkpoint)
    except timestamps.TimestampError as exc:
        raise LedgerError(
            f"the checkpoint of {checkpoint.tree_size} entries is signed but not time-stamped "
            f"({exc}); the next checkpoint run tries again"
        ) from None


def _sign_checkpoint(ctx: OrgContext) -> Checkpoint | None:
    ctx.require("ledger.checkpoint")
    org = ctx.org
    with transaction.atomic():
        # Holding the head's lock keeps appends out until the checkpoint row is written.
        head = LedgerHead.objects.select_for_update().filter(organization=org).first()
        size = head.seq if head else 0
        last = latest_checkpoint(org)
        if size == 0 or (last is not None and last.tree_size == size):
            return last
        frontier = _resume(last)
        _extend(org, frontier, size)
        root_hash = frontier.root().hex()
        time, signature, key_id = _sign(org, size, root_hash)
        return Checkpoint.objects.create(
            organization=org,
            tree_size=size,
            root_hash=root_hash,
            time=time,
            signature=signature,
            key_id=key_id,
            frontier=json.dumps([node.hex() for node in frontier.nodes]),
        )


def checkpoint_all() -> tuple[list[Checkpoint], list[str]]:
    """Checkpoint every organization whose ledger grew since its last checkpoint (system job).

    Returns the new checkpoints and one message per organization that could not be signed; one
    broken ledger does not keep the others from being checkpointed.
    """
    from annexa.orgs.models import Organization

    created, errors = [], []
    for org in Organization.objects.filter(ledger_head__seq__gt=0).order_by("slug"):
        last = latest_checkpoint(org)
        try:
            checkpoint = _sign_checkpoint(OrgContext.system(org))
        except LedgerError as exc:
            errors.append(f"{org.slug}: {exc}")
            continue
        if checkpoint is not None and checkpoint != last:
            created.append(checkpoint)
        if checkpoint is not None and settings.TSA_URL:
            try:
                _stamp(checkpoint)
            except LedgerError as exc:
                errors.append(f"{org.slug}: {exc}")
    return created, errors
