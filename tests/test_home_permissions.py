"""``annexa init`` keeps ANNEXA_HOME (0700) and the SQLite database file (0600) private to
the user who runs Annexa, creating them so and tightening ones that others could read.

Runs the real console script in a fresh process on a new home (its settings come from that
home), so it is on the SQLite pass only.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from annexa.core.testing.passes import sqlite_pass_only

ANNEXA = str(Path(sys.executable).with_name("annexa"))
pytestmark = sqlite_pass_only  # its own instances on the embedded defaults


def init(home: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ANNEXA_")}
    return subprocess.run(
        [ANNEXA, "init"],
        env={**clean, "ANNEXA_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_a_private_home_and_database_and_tightens_them(tmp_path):
    home = tmp_path / "home"
    old_umask = os.umask(0o022)  # a usual umask: without care, files would be world-readable
    try:
        first = init(home)
    finally:
        os.umask(old_umask)
    assert first.returncode == 0, first.stderr
    database = home / "annexa.sqlite3"
    assert mode(home) == 0o700
    assert mode(database) == 0o600
    assert mode(home / "secret_key") == 0o600
    for sidecar in (home / "annexa.sqlite3-wal", home / "annexa.sqlite3-shm"):
        if sidecar.exists():
            assert mode(sidecar) & 0o077 == 0

    # A home and database someone made readable to others are tightened by the next init.
    home.chmod(0o755)
    database.chmod(0o644)
    again = init(home)
    assert again.returncode == 0, again.stderr
    assert (mode(home), mode(database)) == (0o700, 0o600)
    assert "readable by this user only" in again.stderr
