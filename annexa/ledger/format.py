"""The ledger's wire format: canonical JSON and entry hashing.

This module is shared by the platform and the standalone verifier (``annexa-verify``), so it
imports nothing but the standard library. docs/verification.md describes the same rules in
prose so they can be reimplemented independently.

Canonical JSON follows RFC 8785 (JCS) for the value types the ledger allows: objects, arrays,
strings, integers, booleans and null. Floats are refused (their JCS form needs ECMAScript number
formatting, and audit data has no use for binary fractions: decimals travel as strings).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

FORMAT_VERSION = 1
GENESIS_HASH = "0" * 64
ENTRY_FIELDS = (
    "v",
    "seq",
    "time",
    "org",
    "actor",
    "object_type",
    "object_id",
    "action",
    "data",
    "blob_sha256",
    "prev",
)


class FormatError(ValueError):
    """A value cannot be put in the ledger."""


def _check(value: Any, path: str = "$") -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:
            raise FormatError(f"{path}: integer outside the interoperable range")
        return
    if isinstance(value, float):
        raise FormatError(f"{path}: floats are not allowed in the ledger; use a string")
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise FormatError(f"{path}: object keys must be strings")
            _check(item, f"{path}.{key}")
        return
    raise FormatError(f"{path}: {type(value).__name__} is not a JSON value")


def _sort_key(key: str) -> list[int]:
    # JCS orders member names by their UTF-16 code units, not by code points.
    encoded = key.encode("utf-16-be")
    return [int.from_bytes(encoded[i : i + 2], "big") for i in range(0, len(encoded), 2)]


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalise(value[k]) for k in sorted(value, key=_sort_key)}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return value


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON bytes of ``value``."""
    _check(value)
    return json.dumps(
        _normalise(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_document(
    *,
    seq: int,
    time: str,
    org: str,
    actor: str,
    object_type: str,
    object_id: str,
    action: str,
    data: Any,
    blob_sha256: str | None,
    prev: str,
) -> dict[str, Any]:
    """The JSON object that is hashed for one ledger entry."""
    return {
        "v": FORMAT_VERSION,
        "seq": seq,
        "time": time,
        "org": org,
        "actor": actor,
        "object_type": object_type,
        "object_id": object_id,
        "action": action,
        "data": data,
        "blob_sha256": blob_sha256,
        "prev": prev,
    }


def entry_bytes(document: dict[str, Any]) -> bytes:
    if tuple(sorted(document)) != tuple(sorted(ENTRY_FIELDS)):
        raise FormatError("an entry document has exactly the fields " + ", ".join(ENTRY_FIELDS))
    return canonical(document)


def entry_hash(document: dict[str, Any]) -> str:
    """SHA-256 (hex) of the entry's canonical bytes: the chain link and the Merkle leaf input."""
    return sha256_hex(entry_bytes(document))
