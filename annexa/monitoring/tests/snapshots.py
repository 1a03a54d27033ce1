"""Building snapshot cases: a known-good snapshot with some values replaced."""

from __future__ import annotations

import copy
from typing import Any

from annexa.connectors.formats.snapshot import Snapshot


def changed(
    kind: str, target: str, base: dict[str, Any], changes: dict[str, Any], sep: str = "."
) -> list[Snapshot]:
    """``base`` (left untouched) with each ``path: value`` of ``changes`` set, as the single
    record of a snapshot file; ``sep`` separates the parts of a path."""
    data = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, last = path.split(sep)
        node = data
        for part in parents:
            node = node[part]
        node[last] = value
    return [Snapshot(kind, target, data)]
