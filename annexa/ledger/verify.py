"""``annexa verify``: re-check an organization's ledger, checkpoints and blobs in place.

Everything is recomputed from stored columns; nothing stored is trusted: each entry's hash from
its fields, the chain links and numbering, every checkpoint's Merkle root over its first
``tree_size`` entries and its signature, and every referenced blob's bytes. The chain rules are
the standalone verifier's (``ChainWalk``), so both tools judge the same way.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import connection

from annexa.ledger import format as fmt
from annexa.ledger import keys as signing_keys
from annexa.ledger.models import Checkpoint, TrustedKey
from annexa.ledger.services import stored_rows
from annexa.ledger.verifier import (
    ChainWalk,
    CheckpointClaim,
    KeptCheckpoint,
    Problem,
    Report,
    collector_paused,
)

# Opens a blob by SHA-256 for streaming; raises FileNotFoundError (or KeyError) when missing.
BlobOpener = Callable[[str], BinaryIO]
CHUNK_SIZE = 1024 * 1024
BATCH = 10_000  # ledger rows read and checked at a time


def instance_public_key() -> Ed25519PublicKey | None:
    """This instance's checkpoint key (public half), or None when the key file is absent."""
    path = Path(settings.SIGNING_KEY_PATH)
    if not path.exists():
        return None
    return signing_keys.load_private_key(path).public_key()


def trusted_keys(org) -> dict[str, Ed25519PublicKey]:
    """Keys whose checkpoints count for ``org``: this instance's and any imported with it."""
    keys = {}
    own = instance_public_key()
    if own is not None:
        keys[fmt.key_id(signing_keys.public_key_raw(own))] = own
    for trusted in TrustedKey.objects.for_org(org):
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(trusted.public_key))
        if fmt.key_id(signing_keys.public_key_raw(key)) == trusted.key_id:
            keys[trusted.key_id] = key
    return keys


def _claims(org) -> list[CheckpointClaim]:
    rows = Checkpoint.objects.for_org(org).select_related("timestamp").order_by("tree_size")
    return [c.claim() for c in rows]


def _walk_entries(org, walk: ChainWalk) -> None:
    org_uid = str(org.uid)
    # Fetching ahead pays where rows come from another process (PostgreSQL: about 5 % of the
    # wall time in bench runs); with SQLite the fetch holds the GIL and it only adds work.
    ahead = connection.vendor == "postgresql"
    for rows in stored_rows(org, batch=BATCH, ahead=ahead):
        columns = list(zip(*rows, strict=True))
        seqs, blobs, prevs, hashes = columns[0], columns[7], columns[8], columns[9]
        datas = fmt.stored_entries_bytes(org_uid, rows, columns)
        walk.add_many(seqs, datas, hashes, prevs, blobs)


def _check_blob(
    sha256: str, seq: int, opener: BlobOpener, report: Report, buffer: bytearray
) -> None:
    digest, size = hashlib.sha256(), 0
    try:
        with opener(sha256) as stream:
            size = _hash_stream(stream, digest, buffer)
    except (FileNotFoundError, KeyError):
        report.problems.append(Problem("blob", sha256, f"missing (referenced by entry #{seq})"))
        return
    except Exception as exc:  # any store error (disk, S3, network) leaves the blob unverified
        report.problems.append(Problem("blob", sha256, f"unreadable: {exc}"))
        return
    report.blobs += 1
    report.blob_bytes += size
    if digest.hexdigest() != sha256:
        detail = f"content changed: it now hashes to {digest.hexdigest()} (entry #{seq})"
        report.problems.append(Problem("blob", sha256, detail))


def _hash_stream(stream: BinaryIO, digest, buffer: bytearray) -> int:
    """Feed ``stream`` to ``digest``; returns the byte count. A file is read into ``buffer``,
    one for every blob of a verification (no new 1 MiB object, zero-filled, per read or per
    blob: for thousands of small blobs that was most of the work); other streams chunk by
    chunk."""
    size = 0
    if hasattr(stream, "readinto"):
        view = memoryview(buffer)
        while count := stream.readinto(buffer):
            digest.update(view[:count])
            size += count
        return size
    while chunk := stream.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
    return size


def _check_timestamps(walk: ChainWalk, claims: list, org_uid: str, report: Report) -> None:
    """RFC 3161 time-stamps: always their imprint; with ANNEXA_TSA_CA_FILE, the TSA's chain."""
    from annexa.ledger.timestamps import TimestampError, configured_roots

    if not any(c.timestamp for c in claims):
        return
    try:
        roots = configured_roots()
    except TimestampError as exc:
        report.problems.append(Problem("timestamp", "all", str(exc)))
        return
    walk.check_timestamps(claims, org_uid, roots)


def verify_org(
    org,
    blob_opener: BlobOpener,
    *,
    keys: dict[str, Ed25519PublicKey] | None = None,
    consistency: bool = False,
    kept: KeptCheckpoint | None = None,
) -> Report:
    """Verify ``org``'s ledger, checkpoints and blobs; see the module docstring.

    ``kept``: a checkpoint the auditor saved earlier; the ledger must still extend it, which
    catches entries removed together with the checkpoint rows that covered them.
    """
    started = time.monotonic()
    report = Report(org={"uid": str(org.uid), "slug": org.slug, "name": org.name})
    claims = _claims(org)
    sizes = {c.tree_size for c in claims} | ({kept.claim.tree_size} if kept else set())
    walk = ChainWalk(report, sizes, keep_leaves=consistency)
    with collector_paused():
        _walk_entries(org, walk)
    keys = trusted_keys(org) if keys is None else keys
    walk.check_checkpoints(claims, keys, str(org.uid))
    if kept is not None:
        walk.check_kept(kept, keys, str(org.uid))
    _check_timestamps(walk, claims + ([kept.claim] if kept else []), str(org.uid), report)
    report.timings["entries"] = time.monotonic() - started
    buffer = bytearray(CHUNK_SIZE)
    for sha256, seq in sorted(walk.blob_refs.items(), key=lambda item: item[1]):
        _check_blob(sha256, seq, blob_opener, report, buffer)
    report.seconds = time.monotonic() - started
    report.timings["blobs"] = report.seconds - report.timings["entries"]
    return report
