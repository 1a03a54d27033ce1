"""The chain walk: ``ChainWalk`` recomputes every entry's hash, checks links and numbering,
builds the Merkle tree and checks the checkpoints (roots, signatures, consistency, kept
checkpoint, expected roots, time-stamps) against it.

Part of the standalone verifier (``annexa-verify``) and shared with ``annexa verify``, which
feeds it the database's rows: it imports only the standard library, ``cryptography`` and ledger
modules bound by the same rule (``format``, ``merkle``, ``claims``, ``report``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gc
import hashlib
import itertools
from collections.abc import Iterable, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from annexa.ledger import format as fmt
from annexa.ledger import merkle
from annexa.ledger.claims import CheckpointClaim, KeptCheckpoint, timestamp_problem
from annexa.ledger.report import Problem, Report


@contextlib.contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector while a ledger is walked.

    A walk allocates millions of short-lived tuples and strings that form no cycles; with the
    collector on, each batch that survives a young collection pushes the old generation towards
    a full collection of every object of the process (a Django process holds some hundreds of
    thousands), which cost about 40 % of ``annexa verify``'s CPU time. Reference counting still
    frees every batch; the collector's state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class ChainWalk:
    """Walks entries in order: recomputes hashes, checks links and numbering, roots checkpoints.

    Feed it every entry with ``add``; then ``check_checkpoints``. It keeps O(log n) memory
    unless ``keep_leaves`` (needed for consistency proofs between checkpoints).
    """

    def __init__(self, report: Report, sizes: Iterable[int], *, keep_leaves: bool = False):
        self.report = report
        self.last_seq = 0
        self.prev_hash = fmt.GENESIS_HASH
        self.frontier = merkle.Frontier()
        self.wanted = set(sizes)
        self.roots: dict[int, bytes] = {}
        self.blob_refs: dict[str, int] = {}
        self.leaves: list[bytes] | None = [] if keep_leaves else None
        self._cuts = sorted(self.wanted)  # the wanted sizes, for ``add_many``

    def add(self, seq: int, data: bytes, stored_hash: str, prev: str, blob: str | None) -> None:
        problems = []
        if seq <= self.last_seq:
            problems.append(f"it comes after #{self.last_seq} (entries were reordered)")
        elif seq != self.last_seq + 1:
            gap = (
                f"#{self.last_seq + 1}"
                if seq == self.last_seq + 2
                else (f"#{self.last_seq + 1}..#{seq - 1}")
            )
            problems.append(f"entry {gap} is missing (deleted)")
        elif prev != self.prev_hash:
            problems.append(f"its prev link does not match the hash of entry #{self.last_seq}")
        if fmt.sha256_hex(data) != stored_hash:
            problems.append("its fields no longer hash to its recorded entry hash (edited)")
        if problems:
            self.bad(str(seq), "; ".join(problems))
        self.last_seq, self.prev_hash = seq, stored_hash
        leaf = merkle.leaf_hash(data)
        self.frontier.append(leaf)
        if self.leaves is not None:
            self.leaves.append(leaf)
        if self.frontier.size in self.wanted:
            self.roots[self.frontier.size] = self.frontier.root()
        if blob is not None:
            self.blob_refs.setdefault(blob, seq)
        self.report.entries += 1

    def add_many(
        self,
        seqs: Sequence[int],
        datas: Sequence[bytes],
        stored_hashes: Sequence[str],
        prevs: Sequence[str],
        blobs: Sequence[str | None],
    ) -> None:
        """``add`` for a run of consecutive entries, with the same checks and outcome.

        The checks are made on whole lists (numbering, links, recomputed hashes); only a run in
        which any of them fails goes through ``add`` entry by entry, which names each problem.
        """
        count = len(seqs)
        if not count:
            return
        sha256 = hashlib.sha256
        first = self.last_seq + 1
        digests = [sha256(data).hexdigest() for data in datas]
        if (
            list(seqs) != list(range(first, first + count))
            or prevs[0] != self.prev_hash
            or list(prevs[1:]) != list(stored_hashes[:-1])
            or digests != list(stored_hashes)
        ):
            for entry in zip(seqs, datas, stored_hashes, prevs, blobs, strict=True):
                self.add(*entry)
            return
        leaves = [sha256(b"\x00" + data).digest() for data in datas]
        self._extend(leaves)
        self.last_seq, self.prev_hash = seqs[-1], stored_hashes[-1]
        refs = self.blob_refs
        for blob, seq in [(b, s) for b, s in zip(blobs, seqs, strict=True) if b is not None]:
            refs.setdefault(blob, seq)
        self.report.entries += count

    def _extend(self, leaves: list[bytes]) -> None:
        """Add leaf hashes to the tree, keeping the root at every wanted size on the way."""
        if self.leaves is not None:
            self.leaves.extend(leaves)

        def keep_root(frontier: merkle.Frontier) -> None:
            self.roots[frontier.size] = frontier.root()

        merkle.extend_marking(self.frontier, leaves, self._cuts, keep_root)

    def bad(self, ref: str, detail: str) -> None:
        self.report.bad_entries += 1
        if self.report.first_bad_entry is None:
            self.report.first_bad_entry = Problem("entry", f"#{ref}", detail)

    def check_checkpoints(
        self, claims: Sequence[CheckpointClaim], keys: dict[str, Ed25519PublicKey], org_uid: str
    ) -> None:
        """Root and signature of every checkpoint; consistency when leaves were kept."""
        report = self.report
        report.checkpoints = len(claims)
        for claim in claims:
            for detail in self._claim_problems(claim, keys, org_uid):
                report.problems.append(Problem("checkpoint", f"at {claim.tree_size}", detail))
        if claims:
            report.latest_root = max(claims, key=lambda c: c.tree_size).root_hash
        report.keys = sorted({c.key_id for c in claims})
        if self.leaves is not None:
            self._check_consistency(sorted(claims, key=lambda c: c.tree_size))

    def _claim_problems(
        self, claim: CheckpointClaim, keys: dict[str, Ed25519PublicKey], org_uid: str
    ) -> list[str]:
        problems = []
        size, entries = claim.tree_size, self.report.entries
        if size < 1 or size > entries:
            problems.append(
                f"it covers {size:,} entries but the ledger holds {entries:,} "
                "(entries were removed after it was signed)"
            )
        elif self.roots[size].hex() != claim.root_hash:
            problems.append(f"its root no longer matches the first {size:,} entries")
        key = keys.get(claim.key_id)
        if key is None:
            problems.append(f"signed by key {claim.key_id}, which is not trusted")
            return problems
        message = fmt.checkpoint_message(
            org=org_uid, tree_size=size, root_hash=claim.root_hash, time=claim.time
        )
        try:
            key.verify(base64.b64decode(claim.signature, validate=True), message)
        except (InvalidSignature, binascii.Error, ValueError):
            problems.append(f"its signature does not verify with key {claim.key_id}")
        return problems

    def _check_consistency(self, claims: list[CheckpointClaim]) -> None:
        assert self.leaves is not None
        for older, newer in itertools.pairwise(claims):
            if newer.tree_size > len(self.leaves) or older.tree_size < 1:
                continue
            proof = merkle.consistency_proof(self.leaves[: newer.tree_size], older.tree_size)
            if not merkle.verify_consistency(
                older.tree_size,
                newer.tree_size,
                bytes.fromhex(older.root_hash),
                bytes.fromhex(newer.root_hash),
                proof,
            ):
                detail = f"not an append-only extension of the checkpoint at {older.tree_size}"
                self.report.problems.append(Problem("checkpoint", f"at {newer.tree_size}", detail))

    def check_timestamps(
        self, claims: Sequence[CheckpointClaim], org_uid: str, roots: Sequence | None
    ) -> None:
        """Each time-stamp must be over its checkpoint's signed message and, with ``roots``
        (the TSA's CA certificates), carry a valid TSA signature chaining to one of them."""
        for claim in claims:
            if claim.timestamp is None:
                continue
            message = fmt.checkpoint_message(
                org=org_uid, tree_size=claim.tree_size, root_hash=claim.root_hash, time=claim.time
            )
            detail = timestamp_problem(claim.timestamp, message, roots)
            if detail:
                self.report.problems.append(Problem("timestamp", f"at {claim.tree_size}", detail))
            elif roots is None:
                self.report.timestamps_unchecked += 1
            else:
                self.report.timestamps += 1

    def check_kept(self, kept: KeptCheckpoint, keys: dict[str, Ed25519PublicKey], org_uid: str):
        """A checkpoint the auditor kept: signed by a trusted key, and the first ``tree_size``
        entries of this ledger must still have its root (so the log was only appended to).

        Unlike the stored checkpoints, it cannot have been deleted with the entries it covers.
        """
        ref = f"kept at {kept.claim.tree_size}"
        if kept.org != org_uid:
            detail = f"it is a checkpoint of organization {kept.org}, not of {org_uid}"
            self.report.problems.append(Problem("checkpoint", ref, detail))
            return
        for detail in self._claim_problems(kept.claim, keys, org_uid):
            self.report.problems.append(Problem("checkpoint", ref, detail))
        self.report.kept_checkpoint = kept.claim.tree_size

    def check_expected_roots(self, expected: dict[int, str]) -> None:
        """Roots an auditor recorded earlier must match the same prefix of this ledger."""
        for size, root_hash in sorted(expected.items()):
            actual = self.roots.get(size)
            if actual is None or actual.hex() != root_hash.lower():
                found = actual.hex() if actual else "no such tree size"
                detail = f"expected root {root_hash}, the bundle gives {found}"
                self.report.problems.append(Problem("checkpoint", f"pinned at {size}", detail))
