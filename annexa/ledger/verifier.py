"""``annexa-verify``: check an exported Annexa bundle with nothing but Python and ``cryptography``.

An external auditor runs this on a bundle (``annexa export``) without installing Django or
having access to the instance. It imports only the standard library, ``cryptography`` and
stdlib-only modules of ``annexa.ledger``: ``format`` and ``merkle`` (the wire format and the
Merkle tree), ``layout`` (the bundle's file names), ``report`` (``Problem``, ``Report``),
``claims`` (checkpoints, kept checkpoints, keys, RFC 3161 time-stamps), ``chain``
(``ChainWalk``) and ``bundle_verify`` (``verify_bundle``). docs/verification.md describes every
rule it applies so it can be reimplemented from the text.

This module is the command line; it also re-exports the names of those modules, which other
code imports from here. The chain checks (``ChainWalk``) and the report (``Report``) are shared
with ``annexa verify``, which walks the database instead of a bundle.
"""

from __future__ import annotations

import argparse
import base64 as base64  # re-exported: tests sign with ``verifier.base64``
import json
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

from annexa.ledger import format as fmt
from annexa.ledger import merkle
from annexa.ledger.bundle_verify import (
    CHAIN_BATCH,
    CHUNK_SIZE,
    EntrySink,
    read_entry_line,
    read_manifest,
    verify_bundle,
)
from annexa.ledger.chain import ChainWalk, collector_paused
from annexa.ledger.claims import (
    SHA256_OID,
    CheckpointClaim,
    KeptCheckpoint,
    KeptCheckpointError,
    key_id_of,
    load_public_key,
    load_tsa_roots,
    raw_public_key,
    read_claims,
    read_kept_checkpoint,
    timestamp_problem,
)
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

__all__ = [
    "BLOBS_DIR",
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "CHAIN_BATCH",
    "CHECKPOINTS",
    "CHUNK_SIZE",
    "ENTRIES",
    "KEYS_DIR",
    "MANIFEST",
    "PUBLIC_KEY",
    "SHA256_OID",
    "BundleError",
    "ChainWalk",
    "CheckpointClaim",
    "EntrySink",
    "KeptCheckpoint",
    "KeptCheckpointError",
    "Problem",
    "Report",
    "collector_paused",
    "fmt",
    "key_id_of",
    "load_public_key",
    "load_tsa_roots",
    "main",
    "merkle",
    "raw_public_key",
    "read_claims",
    "read_entry_line",
    "read_kept_checkpoint",
    "read_manifest",
    "timestamp_problem",
    "verify_bundle",
]


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
