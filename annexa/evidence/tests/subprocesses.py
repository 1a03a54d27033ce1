"""A real Annexa instance in child processes, for the fault tests (``kill -9`` and friends)."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def python(code: str) -> list[str]:
    """The command line that runs ``code`` in a fresh interpreter."""
    return [sys.executable, "-c", textwrap.dedent(code)]


def instance_env(home: Path) -> dict[str, str]:
    """This process's environment without its ANNEXA_* settings, for an instance whose
    ANNEXA_HOME (SQLite database, file blob store, keys) is ``home``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ANNEXA_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        ANNEXA_HOME=str(home),
        ANNEXA_SECRET_KEY="fault-test-secret-key-0123456789abcdef",
        ANNEXA_STORAGE_URL=f"file://{home / 'blobs'}",
    )
    return env
