"""Which pass of ``make test`` is running: SQLite (the embedded defaults) or PostgreSQL (the
Makefile's ``pytest-postgres`` sets ``ANNEXA_DATABASE_URL``).

A test that starts Annexa instances of its own in subprocesses, each with its own ANNEXA_HOME
and none of this process's ANNEXA_* settings, does the same work in both passes: it runs in one.
"""

from __future__ import annotations

import os

import pytest

POSTGRES_PASS = bool(os.environ.get("ANNEXA_DATABASE_URL"))

sqlite_pass_only = pytest.mark.skipif(
    POSTGRES_PASS,
    reason="its own instances on the embedded defaults, whatever this pass's database: "
    "the SQLite pass runs it",
)
postgres_pass_only = pytest.mark.skipif(
    not POSTGRES_PASS,
    reason="its own instances on PostgreSQL databases it creates: the PostgreSQL pass runs it",
)
