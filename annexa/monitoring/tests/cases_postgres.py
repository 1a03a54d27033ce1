"""PASS, FAIL and empty-input cases of the postgres snapshot tests (see ``cases``).

Each record list holds one ``Snapshot``; the empty case is a snapshot with no data.
"""

from __future__ import annotations

CASES: list[tuple] = []
