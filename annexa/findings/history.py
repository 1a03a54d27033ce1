"""A finding's or an action's ledger entries, readable by people (the detail pages' history)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from annexa.ledger.services import history

HIDDEN = frozenset({"reference"})


@dataclass(frozen=True)
class HistoryRow:
    when: str
    actor: str
    action: str
    details: list[tuple[str, str]]


def display(value: Any) -> str:
    """A ledger value as text: lists joined, nothing as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(display(v) if not isinstance(v, dict) else _pairs(v) for v in value)
    if isinstance(value, dict):
        return _pairs(value)
    return str(value)


def _pairs(value: dict) -> str:
    if set(value) == {"why", "because"}:  # a row of a 5-whys chain
        return f"why? {value['why']} because {value['because'] or '…'}"
    return "; ".join(f"{k}: {display(v)}" for k, v in value.items())


def _details(data: dict[str, Any]) -> list[tuple[str, str]]:
    if isinstance(data.get("before"), dict) and isinstance(data.get("after"), dict):
        before, after = data["before"], data["after"]
        rows = [
            (key.replace("_", " "), f"{display(before.get(key))} → {display(after.get(key))}")
            for key in sorted(set(before) | set(after))
        ]
        if data.get("reason"):
            rows.append(("reason", display(data["reason"])))
        return rows
    return [(k.replace("_", " "), display(v)) for k, v in data.items() if k not in HIDDEN]


def rows(org, object_type: str, uid) -> list[HistoryRow]:
    """Every ledger entry about the object, oldest first."""
    result = []
    for entry in history(org, object_type, str(uid)):
        data = json.loads(entry.data)
        details = _details(data) if isinstance(data, dict) else [("data", display(data))]
        when = entry.time[:19].replace("T", " ")
        result.append(HistoryRow(when, entry.actor, entry.action.replace("_", " "), details))
    return result
