"""Inclusion proofs: show that one entry is in the tree a signed checkpoint commits to."""

from __future__ import annotations

from dataclasses import dataclass

from annexa.ledger import merkle
from annexa.ledger.models import Checkpoint, LedgerEntry
from annexa.ledger.services import ROW_FIELDS, LedgerError, latest_checkpoint, row_bytes


@dataclass(frozen=True)
class InclusionProof:
    """Everything a third party needs to check the proof with ``merkle.verify_inclusion``."""

    seq: int
    leaf_index: int
    leaf_hash: str
    entry_hash: str
    checkpoint: Checkpoint
    path: list[str]


def inclusion_proof(org, seq: int) -> InclusionProof:
    """The audit path of entry ``seq`` under ``org``'s latest checkpoint.

    Reads the first ``tree_size`` entries (a proof needs every leaf's hash); raises LedgerError
    when no checkpoint covers the entry yet.
    """
    checkpoint = latest_checkpoint(org)
    if checkpoint is None or seq > checkpoint.tree_size:
        raise LedgerError(f"entry #{seq} is not covered by a checkpoint yet; create one first")
    if seq < 1:
        raise LedgerError("entries are numbered from 1")
    org_uid = str(org.uid)
    rows = (
        LedgerEntry.objects.for_org(org)
        .filter(seq__lte=checkpoint.tree_size)
        .order_by("seq")
        .values_list(*ROW_FIELDS)
    )
    leaves = [merkle.leaf_hash(row_bytes(org_uid, row)) for row in rows.iterator(chunk_size=10_000)]
    if len(leaves) != checkpoint.tree_size:
        raise LedgerError("the ledger no longer holds the entries this checkpoint covers")
    entry_hash = LedgerEntry.objects.for_org(org).get(seq=seq).entry_hash
    path = merkle.inclusion_proof(leaves, seq - 1)
    return InclusionProof(
        seq=seq,
        leaf_index=seq - 1,
        leaf_hash=leaves[seq - 1].hex(),
        entry_hash=entry_hash,
        checkpoint=checkpoint,
        path=[node.hex() for node in path],
    )
