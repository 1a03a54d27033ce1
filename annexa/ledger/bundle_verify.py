"""``verify_bundle``: an export bundle's files and blobs against its manifest, its keys, and its
entries walked through ``ChainWalk`` with its checkpoints.

Part of the standalone verifier (``annexa-verify``): it imports only the standard library,
``cryptography`` and ledger modules bound by the same rule. ``annexa import`` reads bundles
with it.
"""

from __future__ import annotations

import hashlib
import json
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from annexa.ledger import format as fmt
from annexa.ledger.chain import ChainWalk, collector_paused
from annexa.ledger.claims import KeptCheckpoint, key_id_of, load_public_key, read_claims
from annexa.ledger.layout import (
    BLOBS_DIR,
    BUNDLE_FORMAT,
    BUNDLE_VERSION,
    CHECKPOINTS,
    ENTRIES,
    KEYS_DIR,
    MANIFEST,
    PUBLIC_KEY,
    BundleError,
)
from annexa.ledger.report import Problem, Report

CHUNK_SIZE = 1024 * 1024
CHAIN_BATCH = 10_000  # entries checked together by ChainWalk.add_many


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
