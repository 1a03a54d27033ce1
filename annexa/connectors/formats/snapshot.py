"""Snapshots: what an API connector read from a system, as one JSON document.

Connectors that query a system (a Linux host, a PostgreSQL server, an AWS account, a GitHub
organization, an identity provider) store what they read as a snapshot — facts, not judgements:

    {"annexa_snapshot": 1, "kind": "postgres", "target": "db1:5432", "data": {...}}

The bytes are deterministic (sorted keys, no collection time inside: the evidence version
records when it was stored), so collecting an unchanged system again yields the same blob
and no new evidence version. ``data`` is free-form per kind; the control tests of that kind
read it through ``Snapshot.get``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, BinaryIO

from annexa.connectors.formats import FormatError, too_deep

FORMAT_VERSION = 1
MAX_BYTES = 256 * 1024 * 1024
_HEAD = re.compile(rb'^\s*\{\s*"annexa_snapshot"\s*:')

# The snapshot kinds, by the connector that produces them. A new API connector adds its
# kind here so the evidence locker knows how to read its files.
KINDS: dict[str, str] = {
    "linux": "Linux host snapshot",
    "postgres": "PostgreSQL server snapshot",
    "aws": "AWS account snapshot",
    "github": "GitHub organization snapshot",
    "identity": "Identity provider snapshot",
}

_MISSING = object()


@dataclass(frozen=True)
class Snapshot:
    """One snapshot: its kind, the system it describes and what was read from it."""

    kind: str
    target: str
    data: dict[str, Any]

    def get(self, path: str, default: Any = None) -> Any:
        """The value at a dotted ``path`` of ``data`` (``"sshd.permitrootlogin"``), or
        ``default`` when any part of the path is absent."""
        value: Any = self.data
        for part in path.split("."):
            if not isinstance(value, dict):
                return default
            value = value.get(part, _MISSING)
            if value is _MISSING:
                return default
        return value

    def has(self, path: str) -> bool:
        return self.get(path, _MISSING) is not _MISSING


def dumps(kind: str, target: str, data: dict[str, Any]) -> bytes:
    """The deterministic bytes of a snapshot."""
    if kind not in KINDS:
        raise ValueError(f"unknown snapshot kind {kind!r}")
    head = json.dumps({"kind": kind, "target": target}, ensure_ascii=False, separators=(",", ":"))
    body = json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default
    )
    # "annexa_snapshot", "kind" and "target" come first, so detection reads only the head.
    text = f'{{"annexa_snapshot":{FORMAT_VERSION},{head[1:-1]},"data":{body}}}\n'
    return text.encode("utf-8")


def _default(value: Any) -> Any:
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be stored in a snapshot")


def looks_like(head: bytes, kind: str | None = None) -> bool:
    """Does ``head`` start a snapshot (of ``kind``, when given)?"""
    if not _HEAD.match(head):
        return False
    if kind is None:
        return True
    return re.search(rb'"kind"\s*:\s*"' + re.escape(kind.encode()) + rb'"', head) is not None


def load(stream: BinaryIO, kind: str | None = None) -> Snapshot:
    """Read and validate one snapshot; ``FormatError`` saying what is wrong."""
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise FormatError(f"the snapshot is larger than {MAX_BYTES} bytes")
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"the snapshot is not valid JSON: {exc}") from None
    except RecursionError:
        raise too_deep("the snapshot") from None
    if not isinstance(document, dict) or document.get("annexa_snapshot") != FORMAT_VERSION:
        raise FormatError(f"not an Annexa snapshot of format version {FORMAT_VERSION}")
    found = document.get("kind")
    if found not in KINDS:
        raise FormatError(f"unknown snapshot kind {found!r}")
    if kind is not None and found != kind:
        raise FormatError(f"a {found} snapshot, not a {kind} snapshot")
    target, data = document.get("target"), document.get("data")
    if not isinstance(target, str) or not target.strip():
        raise FormatError("the snapshot names no target system")
    if not isinstance(data, dict):
        raise FormatError("the snapshot's data is not an object")
    return Snapshot(kind=found, target=target, data=data)
