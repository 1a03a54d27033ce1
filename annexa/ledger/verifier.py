"""``annexa-verify``: check an exported Annexa bundle with nothing but Python and ``cryptography``.

An external auditor runs this on a bundle (``annexa export``) without installing Django or
having access to the instance. It imports only the standard library, ``cryptography`` and the
two stdlib-only modules ``annexa.ledger.format`` and ``annexa.ledger.merkle``; docs/
verification.md describes every rule it applies so it can be reimplemented from the text.

The chain checks (``ChainWalk``) and the report (``Report``) are shared with ``annexa verify``,
which walks the database instead of a bundle.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import gc
import hashlib
import itertools
import json
import sys
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from annexa.ledger import format as fmt
from annexa.ledger import merkle

BUNDLE_FORMAT = "annexa-bundle"
BUNDLE_VERSION = 1
MANIFEST = "manifest.json"
ENTRIES = "ledger/entries.jsonl"
CHECKPOINTS = "ledger/checkpoints.json"
PUBLIC_KEY = "ledger/public_key.pem"
KEYS_DIR = "ledger/keys/"
BLOBS_DIR = "blobs/"
CHUNK_SIZE = 1024 * 1024
CHAIN_BATCH = 10_000  # entries checked together by ChainWalk.add_many
SHA256_OID = "2.16.840.1.101.3.4.2.1"


class BundleError(Exception):
    """The bundle cannot be read at all (not a zip, no manifest, unknown format)."""


class KeptCheckpointError(Exception):
    """A kept checkpoint file cannot be read (not JSON, wrong format, a member missing)."""


@dataclass(frozen=True)
class Problem:
    """One thing that does not verify: what (entry, checkpoint, blob, file), which, and how."""

    kind: str
    ref: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} {self.ref}: {self.detail}"

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "ref": self.ref, "detail": self.detail}


@dataclass(frozen=True)
class CheckpointClaim:
    """A checkpoint as stored: what was signed, by which key."""

    tree_size: int
    root_hash: str
    time: str
    signature: str
    key_id: str
    timestamp: str | None = None  # base64 DER RFC 3161 TimeStampResp over the signed message


@dataclass
class Report:
    """The outcome of a verification; ``ok`` only when nothing at all failed."""

    org: dict[str, str] = field(default_factory=dict)
    entries: int = 0
    checkpoints: int = 0
    blobs: int = 0
    blob_bytes: int = 0
    files: int = 0
    seconds: float = 0.0
    bad_entries: int = 0
    first_bad_entry: Problem | None = None
    problems: list[Problem] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    latest_root: str | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase
    kept_checkpoint: int | None = None  # tree size of the auditor's kept checkpoint, if given
    timestamps: int = 0  # RFC 3161 time-stamps verified up to the TSA's certificate
    timestamps_unchecked: int = 0  # time-stamps whose signature was not checked (no TSA CA)

    @property
    def ok(self) -> bool:
        return self.first_bad_entry is None and not self.problems

    def of_kind(self, kind: str) -> list[Problem]:
        return [p for p in self.problems if p.kind == kind]

    def as_dict(self) -> dict:
        first = self.first_bad_entry
        return {
            "ok": self.ok,
            "organization": self.org,
            "entries": self.entries,
            "checkpoints": self.checkpoints,
            "latest_root": self.latest_root,
            "blobs": self.blobs,
            "blob_bytes": self.blob_bytes,
            "files": self.files,
            "seconds": round(self.seconds, 3),
            "timings": {phase: round(s, 3) for phase, s in self.timings.items()},
            "keys": self.keys,
            "kept_checkpoint": self.kept_checkpoint,
            "timestamps": self.timestamps,
            "timestamps_unchecked": self.timestamps_unchecked,
            "bad_entries": self.bad_entries,
            "first_bad_entry": first.as_dict() if first else None,
            "problems": [p.as_dict() for p in self.problems],
        }

    def summary(self) -> str:
        """Human-readable lines: the figures, then every problem (first bad entry first)."""
        megabytes = self.blob_bytes / 1_000_000
        lines = [
            f"organization: {self.org.get('slug', '?')} ({self.org.get('uid', '?')})",
            f"entries: {self.entries:,}   checkpoints: {self.checkpoints:,}   "
            f"blobs: {self.blobs:,} ({megabytes:,.1f} MB hashed)   time: {self.seconds:.2f} s",
        ]
        if self.files:
            lines.append(f"bundle files checked: {self.files:,}")
        if self.latest_root:
            lines.append(f"latest checkpoint root: {self.latest_root}")
        if self.timestamps:
            lines.append(f"RFC 3161 time-stamps verified: {self.timestamps:,}")
        if self.timestamps_unchecked:
            lines.append(
                f"RFC 3161 time-stamps not checked up to the TSA: {self.timestamps_unchecked:,} "
                "(give the TSA's CA certificate: ANNEXA_TSA_CA_FILE or --tsa-ca)"
            )
        if self.kept_checkpoint is not None:
            lines.append(f"checked against the kept checkpoint of {self.kept_checkpoint:,} entries")
        if self.ok:
            lines.append("OK: the ledger, its checkpoints and every blob verify.")
            return "\n".join(lines)
        count = len(self.problems) + (1 if self.first_bad_entry else 0)
        lines.append(f"FAILED: {count} problem(s)")
        if self.first_bad_entry:
            lines.append(f"  first bad {self.first_bad_entry}")
            if self.bad_entries > 1:
                lines.append(f"  ({self.bad_entries - 1} more entries do not verify)")
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(key: Ed25519PublicKey) -> str:
    """SHA-256 (hex) of the key's 32 raw bytes: how checkpoints name the key that signed."""
    return fmt.key_id(raw_public_key(key))


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


@dataclass(frozen=True)
class KeptCheckpoint:
    """A signed checkpoint saved by an auditor (``annexa checkpoint --org SLUG -o FILE``)."""

    org: str
    claim: CheckpointClaim

    def as_dict(self) -> dict:
        claim = self.claim
        return {
            "format": fmt.CHECKPOINT_FORMAT,
            "org": self.org,
            "tree_size": claim.tree_size,
            "root_hash": claim.root_hash,
            "time": claim.time,
            "signature": claim.signature,
            "key_id": claim.key_id,
        } | ({"timestamp": claim.timestamp} if claim.timestamp else {})


# RFC 3161 time-stamps ----------------------------------------------------------------------
# Checked with the rfc3161-client package, imported only when a time-stamp is checked: the
# verifier itself keeps needing nothing but the standard library and ``cryptography``.


def load_tsa_roots(path: Path) -> list:
    """The TSA's CA certificate(s) from a PEM file; ``ValueError`` when there is none."""
    from cryptography import x509

    certificates = x509.load_pem_x509_certificates(Path(path).read_bytes())
    if not certificates:
        raise ValueError(f"{path} holds no PEM certificate")
    return certificates


def timestamp_problem(stamp: str, message: bytes, roots: Sequence | None) -> str | None:
    """Why the base64 TimeStampResp ``stamp`` does not vouch for ``message``, or None.

    Without ``roots`` only the message imprint is compared (the token is about this
    checkpoint); with them the TSA's signature and certificate chain are verified too.
    """
    try:
        import rfc3161_client
    except ImportError:
        return "its RFC 3161 time-stamp cannot be checked: install the rfc3161-client package"
    try:
        response = rfc3161_client.decode_timestamp_response(base64.b64decode(stamp, validate=True))
        imprint = response.tst_info.message_imprint
    except (binascii.Error, ValueError) as exc:
        return f"its RFC 3161 time-stamp is unreadable ({exc})"
    if (
        imprint.hash_algorithm.dotted_string != SHA256_OID
        or imprint.message != hashlib.sha256(message).digest()
    ):
        return "its RFC 3161 time-stamp is of other data, not of this checkpoint's signed message"
    if roots is None:
        return None
    builder = rfc3161_client.VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    try:
        builder.build().verify_message(response, message)
    except (rfc3161_client.VerificationError, ValueError) as exc:
        return f"its RFC 3161 time-stamp does not verify with the TSA certificates given ({exc})"
    return None


def read_kept_checkpoint(path: Path) -> KeptCheckpoint:
    """Parse a kept checkpoint file; ``KeptCheckpointError`` says what is wrong with it."""
    try:
        raw = json.loads(Path(path).read_bytes())
    except OSError as exc:
        raise KeptCheckpointError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise KeptCheckpointError(f"{path} is not JSON: {exc}") from None
    if not isinstance(raw, dict) or raw.get("format") != fmt.CHECKPOINT_FORMAT:
        raise KeptCheckpointError(
            f"{path} is not an Annexa checkpoint (its format must be {fmt.CHECKPOINT_FORMAT!r}); "
            "write one with `annexa checkpoint --org SLUG -o FILE`"
        )
    try:
        size = raw["tree_size"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError("tree_size must be a whole number of at least 1")
        org = str(uuid.UUID(str(raw["org"])))
        return KeptCheckpoint(org=org, claim=read_claims([raw])[0])
    except KeyError as exc:
        raise KeptCheckpointError(f"{path} lacks the member {exc}") from None
    except (BundleError, ValueError) as exc:
        raise KeptCheckpointError(f"{path} is malformed: {exc}") from None


def read_claims(raw: list) -> list[CheckpointClaim]:
    try:
        return [
            CheckpointClaim(
                tree_size=int(item["tree_size"]),
                root_hash=str(item["root_hash"]),
                time=str(item["time"]),
                signature=str(item["signature"]),
                key_id=str(item["key_id"]),
                timestamp=None if item.get("timestamp") is None else str(item["timestamp"]),
            )
            for item in raw
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise BundleError(f"{CHECKPOINTS} is malformed: {exc}") from None


# The bundle itself ---------------------------------------------------------------------------


def _hash_member(bundle: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with bundle.open(name) as stream:
        while chunk := stream.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def read_manifest(bundle: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(bundle.read(MANIFEST))
    except KeyError:
        raise BundleError(f"no {MANIFEST}: this is not an Annexa bundle") from None
    except ValueError as exc:
        raise BundleError(f"{MANIFEST} is not valid JSON: {exc}") from None
    if manifest.get("format") != BUNDLE_FORMAT or manifest.get("version") != BUNDLE_VERSION:
        raise BundleError(
            f"unsupported bundle format {manifest.get('format')!r} "
            f"version {manifest.get('version')!r}"
        )
    if not isinstance(manifest.get("files"), dict) or "uid" not in manifest.get("organization", {}):
        raise BundleError(f"{MANIFEST} lacks the file list or the organization")
    return manifest


def _check_files(bundle: zipfile.ZipFile, manifest: dict, report: Report) -> None:
    """Every file's SHA-256 against the manifest, and every blob's against its name."""
    listed: dict[str, str] = manifest["files"]
    present = [n for n in bundle.namelist() if n != MANIFEST and not n.endswith("/")]
    for name in present:
        digest, size = _hash_member(bundle, name)
        report.files += 1
        if name not in listed:
            report.problems.append(Problem("file", name, "not listed in the manifest (added)"))
        elif listed[name] != digest:
            report.problems.append(Problem("file", name, "its SHA-256 differs from the manifest"))
        if name.startswith(BLOBS_DIR):
            report.blobs += 1
            report.blob_bytes += size
            if name[len(BLOBS_DIR) :] != digest:
                detail = f"content changed: it now hashes to {digest}"
                report.problems.append(Problem("blob", name[len(BLOBS_DIR) :], detail))
    for name in sorted(set(listed) - set(present)):
        report.problems.append(Problem("file", name, "listed in the manifest but missing"))


def _bundle_keys(bundle: zipfile.ZipFile) -> dict[str, Ed25519PublicKey]:
    keys = {}
    names = [PUBLIC_KEY] + [n for n in bundle.namelist() if n.startswith(KEYS_DIR)]
    for name in names:
        try:
            key = load_public_key(bundle.read(name))
        except (KeyError, ValueError) as exc:
            raise BundleError(f"{name}: not a readable Ed25519 public key ({exc})") from None
        keys[key_id_of(key)] = key
    return keys


def read_entry_line(line: bytes) -> tuple[dict, str, bytes]:
    """One line of entries.jsonl: its document, recorded hash and canonical bytes.

    Raises ValueError, KeyError or TypeError for a line that cannot be read. The usual line
    takes the fast route (``format.fast_entry_bytes``); any other gets ``entry_bytes``, so the
    outcome is the same either way.
    """
    try:
        item = fmt.loads_integral(line.decode("utf-8"))
        document, stored_hash = item["document"], item["hash"]
        data = fmt.fast_entry_bytes(document)
    except (ValueError, KeyError, TypeError, AttributeError):
        data = None
    if data is None:
        item = json.loads(line)
        document, stored_hash = item["document"], item["hash"]
        data = fmt.entry_bytes(document)
    return document, stored_hash, data


# What ``verify_bundle`` hands an entry sink: each read entry's document, recorded hash and
# canonical bytes, a batch at a time, in the bundle's order.
EntrySink = Callable[[list[tuple[dict, str, bytes]]], None]


def _walk_entries(
    bundle: zipfile.ZipFile, walk: ChainWalk, org_uid: str, sink: EntrySink | None = None
) -> None:
    batch: list[tuple] = []
    read: list[tuple[dict, str, bytes]] = []

    def flush() -> None:
        if batch:
            walk.add_many(*zip(*batch, strict=True))
            batch.clear()
        if sink is not None and read:
            sink(read)
            read.clear()

    with bundle.open(ENTRIES) as stream, collector_paused():
        for number, line in enumerate(stream, start=1):
            try:
                document, stored_hash, data = read_entry_line(line)
                seq = int(document["seq"])
            except (ValueError, KeyError, TypeError) as exc:
                flush()
                walk.bad(f"? (line {number})", f"unreadable entry: {exc}")
                continue
            entry = (seq, data, stored_hash, document["prev"], document["blob_sha256"])
            if sink is not None:
                read.append((document, stored_hash, data))
            if document["org"] != org_uid:
                flush()
                walk.bad(str(seq), f"it belongs to organization {document['org']}")
                walk.add(*entry)
                continue
            batch.append(entry)
            if len(batch) >= CHAIN_BATCH:
                flush()
        flush()


def verify_bundle(
    path: Path,
    *,
    pinned: Sequence[Ed25519PublicKey] = (),
    consistency: bool = False,
    expected_roots: dict[int, str] | None = None,
    kept: KeptCheckpoint | None = None,
    tsa_roots: Sequence | None = None,
    check_timestamps: bool = False,
    entry_sink: EntrySink | None = None,
) -> Report:
    """Verify an export bundle; raises ``BundleError`` when it cannot be read at all.

    Time-stamps are checked with ``tsa_roots`` (the TSA's CA certificates) up to the TSA, or
    with ``check_timestamps`` alone only for being about their checkpoints.

    ``entry_sink`` receives every readable entry as it is checked (``annexa import`` writes
    them inside a transaction during this one read of the entries); what it did must be
    discarded unless the returned report is ``ok``."""
    started = time.monotonic()
    try:
        bundle = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BundleError(f"cannot open {path}: {exc}") from None
    with bundle:
        manifest = read_manifest(bundle)
        org = manifest["organization"]
        report = Report(org={k: str(org.get(k, "")) for k in ("uid", "slug", "name")})
        _check_files(bundle, manifest, report)
        keys = _bundle_keys(bundle)
        if pinned:
            keys = _pin(keys, pinned, report)
        claims = read_claims(json.loads(bundle.read(CHECKPOINTS)))
        expected_roots = expected_roots or {}
        sizes = {c.tree_size for c in claims} | set(expected_roots)
        if kept is not None:
            sizes.add(kept.claim.tree_size)
        walk = ChainWalk(report, sizes, keep_leaves=consistency)
        _walk_entries(bundle, walk, report.org["uid"], entry_sink)
        for sha256, seq in sorted(walk.blob_refs.items(), key=lambda item: item[1]):
            if f"{BLOBS_DIR}{sha256}" not in manifest["files"]:
                detail = f"referenced by entry #{seq} but not in the bundle"
                report.problems.append(Problem("blob", sha256, detail))
        walk.check_checkpoints(claims, keys, report.org["uid"])
        walk.check_expected_roots(expected_roots)
        if kept is not None:
            walk.check_kept(kept, keys, report.org["uid"])
        if tsa_roots or check_timestamps:
            stamped = claims + ([kept.claim] if kept is not None else [])
            walk.check_timestamps(stamped, report.org["uid"], tsa_roots or None)
        else:
            report.timestamps_unchecked = sum(1 for c in claims if c.timestamp)
        _check_counts(manifest, report)
    report.seconds = time.monotonic() - started
    return report


def _pin(
    keys: dict[str, Ed25519PublicKey], pinned: Sequence[Ed25519PublicKey], report: Report
) -> dict[str, Ed25519PublicKey]:
    trusted = {key_id_of(key): key for key in pinned}
    for key_id in sorted(set(keys) - set(trusted)):
        detail = "the bundle ships a key you did not pin; checkpoints it signed are refused"
        report.problems.append(Problem("key", key_id, detail))
    return trusted


def _check_counts(manifest: dict, report: Report) -> None:
    counts = manifest.get("counts", {})
    for name, actual in (("entries", report.entries), ("checkpoints", report.checkpoints)):
        if counts.get(name) != actual:
            detail = f"the manifest counts {counts.get(name)} but the bundle holds {actual}"
            report.problems.append(Problem("file", MANIFEST, f"{name}: {detail}"))


def _parse_root(text: str) -> tuple[int, str]:
    size, _, root_hash = text.partition(":")
    if not size.isdigit() or len(root_hash) != 64:
        raise argparse.ArgumentTypeError("use SIZE:ROOT, e.g. 120:3fa4… (64 hex digits)")
    return int(size), root_hash


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="annexa-verify",
        description="Verify an Annexa export bundle: files, blobs, ledger chain, checkpoints.",
    )
    parser.add_argument("bundle", type=Path, help="the .zip written by `annexa export`")
    parser.add_argument(
        "--key",
        action="append",
        type=Path,
        default=[],
        help="PEM public key received separately; only checkpoints it signed are accepted",
    )
    parser.add_argument(
        "--consistency",
        action="store_true",
        help="also prove each checkpoint extends the previous one (RFC 9162 consistency)",
    )
    parser.add_argument(
        "--expect-root",
        action="append",
        type=_parse_root,
        default=[],
        metavar="SIZE:ROOT",
        help="a root recorded earlier (e.g. last year's checkpoint) that must still hold",
    )
    parser.add_argument(
        "--against",
        type=Path,
        metavar="CHECKPOINT.json",
        help="a signed checkpoint you kept earlier: the bundle's ledger must extend it",
    )
    parser.add_argument(
        "--tsa-ca",
        type=Path,
        metavar="CA.pem",
        help="the time-stamping authority's CA certificate(s): check the checkpoints' RFC 3161 "
        "time-stamps (needs the rfc3161-client package)",
    )
    parser.add_argument(
        "--save-checkpoint",
        type=Path,
        metavar="CHECKPOINT.json",
        help="when the bundle verifies, write its latest checkpoint here to keep for --against",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    try:
        pinned = [load_public_key(path.read_bytes()) for path in args.key]
    except (OSError, ValueError) as exc:
        print(f"annexa-verify: cannot read --key: {exc}", file=sys.stderr)
        return 2
    try:
        kept = read_kept_checkpoint(args.against) if args.against else None
    except KeptCheckpointError as exc:
        print(f"annexa-verify: --against: {exc}", file=sys.stderr)
        return 2
    try:
        tsa_roots = load_tsa_roots(args.tsa_ca) if args.tsa_ca else None
    except (OSError, ValueError) as exc:
        print(f"annexa-verify: cannot read --tsa-ca: {exc}", file=sys.stderr)
        return 2
    try:
        report = verify_bundle(
            args.bundle,
            pinned=pinned,
            consistency=args.consistency,
            expected_roots=dict(args.expect_root),
            kept=kept,
            tsa_roots=tsa_roots,
        )
    except BundleError as exc:
        print(f"annexa-verify: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(report.summary())
    if report.ok and args.save_checkpoint:
        return _save_checkpoint(args.bundle, report.org["uid"], args.save_checkpoint)
    return 0 if report.ok else 1


def _save_checkpoint(bundle: Path, org_uid: str, target: Path) -> int:
    """The verified bundle's latest checkpoint, as a file to keep (docs: Kept checkpoints)."""
    with zipfile.ZipFile(bundle) as archive:
        claims = read_claims(json.loads(archive.read(CHECKPOINTS)))
    if not claims:
        print("annexa-verify: the bundle has no checkpoint to save", file=sys.stderr)
        return 2
    latest = max(claims, key=lambda c: c.tree_size)
    document = KeptCheckpoint(org=org_uid, claim=latest).as_dict()
    try:
        with open(target, "x", encoding="utf-8") as handle:
            handle.write(json.dumps(document, indent=2) + "\n")
    except OSError as exc:
        print(f"annexa-verify: cannot write --save-checkpoint: {exc}", file=sys.stderr)
        return 2
    print(f"saved the checkpoint of {latest.tree_size:,} entries to {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
