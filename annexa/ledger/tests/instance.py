"""Another Annexa instance for a test: its own ANNEXA_HOME, driven through the ``annexa``
command in subprocesses, as an administrator would on another machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
ANNEXA = str(Path(sys.executable).with_name("annexa"))


class Instance:
    """An instance in ``home`` on the embedded defaults (SQLite, local blobs), plus ``extra``
    environment variables (e.g. ``ANNEXA_DATABASE_URL``); nothing of the test's own ANNEXA_*
    configuration leaks in."""

    def __init__(self, home: Path, **extra: str) -> None:
        self.home = home
        base = {k: v for k, v in os.environ.items() if not k.startswith("ANNEXA_")}
        self.env = {**base, "ANNEXA_HOME": str(home), **extra}

    def run(self, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
        return self._run([ANNEXA, *args], timeout)

    def ok(self, *args: str) -> subprocess.CompletedProcess:
        """``annexa *args``, which must succeed."""
        done = self.run(*args)
        assert done.returncode == 0, f"annexa {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done

    def census(self) -> dict[str, dict]:
        """``annexa.ledger.tests.census`` of every organization of this instance."""
        done = self._run([sys.executable, "-m", "annexa.ledger.tests.census"], 300)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def _run(self, command: list[str], timeout: int) -> subprocess.CompletedProcess:
        return subprocess.run(
            command, env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )
