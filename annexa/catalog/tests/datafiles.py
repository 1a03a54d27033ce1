"""Helpers for tests that edit copies of the catalog data files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def rewrite(path: Path, change: Callable[[Any], Any]) -> None:
    """Rewrites a JSON file after ``change(data)`` edited its decoded content in place."""
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def record(records: list[dict], record_id: str) -> dict:
    """The record with ``record_id`` in a list of catalog records."""
    return next(item for item in records if item["id"] == record_id)
