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
import re
from collections.abc import Sequence
from json.encoder import encode_basestring
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
    """A value cannot be put in the ledger; ``path`` says where (``$.a[2]``)."""

    def __init__(self, reason: str, path: str | None = None) -> None:
        self.reason, self.path = reason, path
        super().__init__(reason if path is None else f"${path}: {reason}")

    def within(self, segment: str) -> FormatError:
        return FormatError(self.reason, segment + (self.path or ""))


def _sort_key(key: str) -> bytes:
    # JCS orders member names by their UTF-16 code units, not by code points. Big-endian
    # UTF-16 bytes compare byte by byte exactly as the code-unit sequences do.
    return key.encode("utf-16-be")


def _normalise(value: Any) -> Any:
    """``value`` with every object's members in JCS order; refuses what the ledger disallows.

    The JSON path of a refused value is assembled only on the way out of an error, so valid
    input pays nothing for it.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:
            raise FormatError("integer outside the interoperable range", "")
        return value
    if isinstance(value, float):
        raise FormatError("floats are not allowed in the ledger; use a string", "")
    if isinstance(value, list | tuple):
        result = []
        for i, item in enumerate(value):
            try:
                result.append(_normalise(item))
            except FormatError as exc:
                raise exc.within(f"[{i}]") from None
        return result
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise FormatError("object keys must be strings", "")
        # For ASCII names code-unit order is plain string order: skip the re-encoding.
        ascii_only = all(key.isascii() for key in value)
        normalised = {}
        for key in sorted(value) if ascii_only else sorted(value, key=_sort_key):
            try:
                normalised[key] = _normalise(value[key])
            except FormatError as exc:
                raise exc.within(f".{key}") from None
        return normalised
    raise FormatError(f"{type(value).__name__} is not a JSON value", "")


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON bytes of ``value``."""
    text = json.dumps(_normalise(value), ensure_ascii=False, separators=(",", ":"))
    return _utf8(text)


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise FormatError("strings must be valid Unicode (no lone surrogates)") from None


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


# The very function ``json.dumps(..., ensure_ascii=False)`` escapes strings with, so both
# paths write a string identically; called directly it skips building an encoder per call.
_json_string = encode_basestring


def stored_entry_bytes(
    *,
    seq: int,
    time: str,
    org: str,
    actor: str,
    object_type: str,
    object_id: str,
    action: str,
    data_json: str,
    blob_sha256: str | None,
    prev: str,
) -> bytes:
    """The entry's canonical bytes, from a stored row whose ``data`` is already canonical JSON.

    Equal to ``entry_bytes(entry_document(...))`` when ``data_json`` is the canonical form of
    the data; any other ``data_json`` (a re-indented or edited column) gives different bytes,
    so a verifier that hashes these bytes detects it. Keys appear in JCS order.
    """
    blob = "null" if blob_sha256 is None else _json_string(blob_sha256)
    text = (
        f'{{"action":{_json_string(action)},"actor":{_json_string(actor)},'
        f'"blob_sha256":{blob},"data":{data_json},'
        f'"object_id":{_json_string(object_id)},"object_type":{_json_string(object_type)},'
        f'"org":{_json_string(org)},"prev":{_json_string(prev)},"seq":{int(seq)},'
        f'"time":{_json_string(time)},"v":{FORMAT_VERSION}}}'
    )
    return _utf8(text)


# One stored row in the order ``stored_entries_bytes`` reads it (the ledger table's columns).
STORED_COLUMNS = (
    "seq",
    "time",
    "actor",
    "object_type",
    "object_id",
    "action",
    "data",
    "blob_sha256",
    "prev_hash",
    "entry_hash",
)
# The characters ``encode_basestring`` escapes; a string without any is written as "text".
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\]')
_STORED_TEMPLATE = (
    '{"action":"%s","actor":"%s","blob_sha256":%s,"data":%s,"object_id":"%s",'
    '"object_type":"%s","org":"%s","prev":"%s","seq":%d,"time":"%s","v":'
) + f"{FORMAT_VERSION}}}"


def stored_entries_bytes(
    org: str, rows: Sequence[Sequence], columns: Sequence[Sequence] | None = None
) -> list[bytes]:
    """``stored_entry_bytes`` of many stored rows (``STORED_COLUMNS`` order) at once.

    The bytes are identical to ``stored_entry_bytes`` row by row. When no string of the batch
    holds a character JSON escapes (a quote, a backslash or a control character: the usual
    case), each row is one template substitution instead of seven escaping calls; otherwise
    the batch takes the row-by-row path. ``columns``: the rows already transposed, if the
    caller has them (``list(zip(*rows))``).
    """
    if not rows:
        return []
    if columns is None:
        columns = list(zip(*rows, strict=True))
    strings = [org, *columns[1], *columns[2], *columns[3], *columns[4], *columns[5]]
    strings += columns[8]
    strings += [blob for blob in columns[7] if blob is not None]
    try:
        plain = not needs_escape(" ".join(strings))
    except TypeError:  # a column that is not text: the row-by-row path says so
        plain = False
    if plain:
        try:
            return _plain_rows(org, rows)
        except (TypeError, ValueError):  # e.g. a seq that is not a number
            pass
    return [row_bytes(org, row) for row in rows]


def needs_escape(text: str) -> bool:
    """Whether ``text`` may hold a character JSON escapes (``_NEEDS_ESCAPE``).

    Two scans in C (``isprintable``, then ``in``) instead of a regular expression, about twice
    as fast; a text that is not printable for another reason (a non-ASCII separator, say) is
    only sent the exact way, so the answer errs on the safe side.
    """
    return not text.isprintable() or '"' in text or "\\" in text


def _plain_rows(org: str, rows: Sequence[Sequence]) -> list[bytes]:
    template = _STORED_TEMPLATE
    try:
        return [
            (
                template
                % (
                    action,
                    actor,
                    "null" if blob is None else '"' + blob + '"',
                    data,
                    object_id,
                    object_type,
                    org,
                    prev,
                    seq,
                    time,
                )
            ).encode("utf-8")
            for seq, time, actor, object_type, object_id, action, data, blob, prev, _ in rows
        ]
    except UnicodeEncodeError:
        raise FormatError("strings must be valid Unicode (no lone surrogates)") from None


def row_bytes(org: str, row: Sequence) -> bytes:
    """``stored_entry_bytes`` of one stored row (``STORED_COLUMNS`` order)."""
    seq, time, actor, object_type, object_id, action, data, blob, prev = row[:9]
    return stored_entry_bytes(
        seq=seq,
        time=time,
        org=org,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        action=action,
        data_json=data,
        blob_sha256=blob,
        prev=prev,
    )


def _refuse_number(text: str) -> Any:
    raise FormatError(f"floats are not allowed in the ledger: {text}")


# JSON text to values with the ledger's refusals made while parsing: a float, NaN or Infinity
# raises FormatError, so a value it returns holds only what ``canonical`` accepts but big ints.
_INTEGRAL = json.JSONDecoder(parse_float=_refuse_number, parse_constant=_refuse_number)
_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
_LONG_DIGITS = re.compile(r"[0-9]{16}")
_ENTRY_KEYS = frozenset(ENTRY_FIELDS)


def loads_integral(text: str) -> Any:
    """``json.loads`` of ``text`` that raises FormatError for floats, NaN and Infinity."""
    return _INTEGRAL.decode(text)


def fast_canonical(value: Any) -> bytes | None:
    """``canonical(value)`` by the C encoder, for a value from ``loads_integral``; None when
    only ``canonical`` can tell (non-ASCII text, whose member order may differ from code point
    order, or a run of 16 digits, which may be an integer outside the interoperable range).

    Without floats, ASCII member names sort the same by code point as by UTF-16 code unit, so
    the C encoder's sorted, compact, non-escaping output is then exactly RFC 8785's.
    """
    text = _SORTED.encode(value)
    if not text.isascii() or _LONG_DIGITS.search(text):
        return None
    return text.encode("ascii")


def fast_entry_bytes(document: Any) -> bytes | None:
    """``entry_bytes(document)`` for a document from ``loads_integral``, or None (see
    ``fast_canonical``; also for a document without exactly the entry fields)."""
    if not isinstance(document, dict) or document.keys() != _ENTRY_KEYS:
        return None
    return fast_canonical(document)


CHECKPOINT_FORMAT = "annexa-ledger-checkpoint/1"


def checkpoint_message(*, org: str, tree_size: int, root_hash: str, time: str) -> bytes:
    """The exact bytes a checkpoint signature covers (canonical JSON, see verification.md)."""
    return canonical(
        {
            "format": CHECKPOINT_FORMAT,
            "org": org,
            "tree_size": tree_size,
            "root_hash": root_hash,
            "time": time,
        }
    )


def key_id(public_key_raw: bytes) -> str:
    """How a signing key is named: SHA-256 (hex) of its 32 raw Ed25519 public key bytes."""
    return sha256_hex(public_key_raw)
