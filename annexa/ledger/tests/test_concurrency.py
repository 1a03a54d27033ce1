"""Fifty appends at once, from threads and from processes, make one unforked chain 1..50.

Every appender has its own database connection, so this needs a database that several
connections share: on SQLite the test database is copied to a file (WAL, IMMEDIATE
transactions, as in production); on PostgreSQL the helper processes use the test database.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from annexa.ledger import format as fmt
from annexa.ledger.verifier import ChainWalk, Report

ROOT = Path(__file__).resolve().parents[3]
ROWS = (
    "SELECT seq, time, actor, object_type, object_id, action, data, blob_sha256, prev_hash, "
    "entry_hash FROM ledger_ledgerentry WHERE organization_id = {org} ORDER BY seq"
)


def _database(tmp_path: Path) -> tuple[str, object]:
    """A URL the helpers can open, and a DB-API connection to read the result back."""
    if connection.vendor == "sqlite":
        path = tmp_path / "annexa.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        # As `annexa init` leaves a database: already in WAL mode. Five processes switching a
        # fresh file to WAL at the same moment can meet a lock SQLite refuses at once (no wait).
        target.execute("PRAGMA journal_mode=WAL")
        target.close()
        return f"sqlite:///{path}", sqlite3.connect(path)
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    url = f"postgres://{auth}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"
    return url, connection


def _run(url: str, tmp_path: Path, processes: int, threads: int) -> None:
    env = {"ANNEXA_DATABASE_URL": url, "ANNEXA_HOME": str(tmp_path)}
    command = [sys.executable, "-m", "annexa.ledger.tests.concurrent_appends", "--org", "acme"]
    command += ["--threads", str(threads), "--appends", "1"]
    children = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for child in children:
        line = child.stdout.readline().strip()
        assert line == "ready", child.communicate()[1]
    for child in children:  # release them all together
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        _out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("processes", "threads"), [(1, 50), (5, 10)], ids=["threads", "procs"])
def test_it_appends_concurrently_into_one_chain(acme, tmp_path, processes, threads):
    url, reader = _database(tmp_path)
    _run(url, tmp_path, processes, threads)
    cursor = reader.cursor()
    cursor.execute(ROWS.format(org=acme.pk))
    rows = cursor.fetchall()
    assert [row[0] for row in rows] == list(range(1, 51))
    assert rows[0][8] == fmt.GENESIS_HASH
    assert all(rows[i][8] == rows[i - 1][9] for i in range(1, 50)), "the chain forked"
    report = Report()
    walk = ChainWalk(report, ())
    for row in rows:
        data = fmt.stored_entry_bytes(
            seq=row[0],
            time=row[1],
            org=str(acme.uid),
            actor=row[2],
            object_type=row[3],
            object_id=row[4],
            action=row[5],
            data_json=row[6],
            blob_sha256=row[7],
            prev=row[8],
        )
        walk.add(row[0], data, row[9], row[8], row[7])
    assert report.first_bad_entry is None and report.entries == 50
    assert len({row[4] for row in rows}) == 50
