"""Checkpoints as signed: the claims a bundle or the database holds, an auditor's kept
checkpoint, the Ed25519 keys that sign them and their RFC 3161 time-stamps.

Part of the standalone verifier (``annexa-verify``) and shared with ``annexa verify``: it imports
only the standard library, ``cryptography`` and ``annexa.ledger.format`` (``rfc3161-client``
only when a time-stamp is checked). ``ChainWalk`` (``annexa.ledger.chain``) applies the checks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from annexa.ledger import format as fmt
from annexa.ledger.layout import CHECKPOINTS, BundleError

SHA256_OID = "2.16.840.1.101.3.4.2.1"


class KeptCheckpointError(Exception):
    """A kept checkpoint file cannot be read (not JSON, wrong format, a member missing)."""


@dataclass(frozen=True)
class CheckpointClaim:
    """A checkpoint as stored: what was signed, by which key."""

    tree_size: int
    root_hash: str
    time: str
    signature: str
    key_id: str
    timestamp: str | None = None  # base64 DER RFC 3161 TimeStampResp over the signed message


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
