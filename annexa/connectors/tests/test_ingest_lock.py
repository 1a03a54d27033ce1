"""A large file import on SQLite does not hold the write lock while it reads the file.

SQLite has one write lock, and Annexa's transactions take it when they begin. Detecting the
kind, inspecting, hashing and copying a large file happen outside any transaction, so writes
by others go through while the import works instead of waiting out the 30 s busy timeout
and failing with "database is locked". The import and the writes run in a helper process
(``ingest_contention``) on a file copy of the test database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from annexa.connectors.tests.samples import PROWLER, sample
from annexa.ledger.tests.test_concurrency import _database

HELPER = "annexa.connectors.tests.ingest_contention"
FINDINGS = 20_000
BUSY_TIMEOUT = 30  # seconds SQLite waits for the write lock before "database is locked"


@pytest.mark.django_db(transaction=True)
def test_writes_go_through_while_a_large_file_is_imported(acme, catalog, tmp_path, home, settings):
    if connection.vendor != "sqlite":
        pytest.skip("the single write lock is SQLite's")
    findings = json.loads(sample(PROWLER[0]).read_text())
    big = tmp_path / "prowler.ocsf.json"
    big.write_text(json.dumps([findings[i % len(findings)] for i in range(FINDINGS)]))
    url, reader = _database(tmp_path)
    reader.close()
    env = {
        **os.environ,
        "ANNEXA_DATABASE_URL": url,
        "ANNEXA_HOME": str(home),
        "ANNEXA_STORAGE_URL": settings.STORAGE_URL,
        "ANNEXA_UPLOAD_MAX_BYTES": str(big.stat().st_size * 2),
    }
    done = subprocess.run(
        [sys.executable, "-m", HELPER, "--org", "acme", "--file", str(big)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["records"] == FINDINGS and result["judged"]
    assert result["locked"] == []
    # Writes finished while the file was being checked and copied: it held no lock meanwhile.
    assert result["during_store"] >= 2, result
    # No write waited anywhere near the busy timeout (a correctness bound, not a benchmark).
    assert result["max_wait"] < BUSY_TIMEOUT / 6, result
