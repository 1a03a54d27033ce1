"""Real tool outputs kept in the repository (``tool_outputs/``), for tests.

Each file was written by the real tool, never by hand; ``tool_outputs/README.md`` says how. A
parser that fails on one of them has a bug: never edit a file to make a test pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent / "tool_outputs"

OPENSCAP = "openscap/xccdf-results-standard-debian12.xml"
LYNIS = "lynis/lynis-report-debian12.dat"
PROWLER = tuple(
    f"prowler/example_output_{cloud}.ocsf.json" for cloud in ("aws", "azure", "gcp", "kubernetes")
)


def sample(relative: str) -> Path:
    """The path of one sample; the test fails (never skips) when it is missing."""
    path = SAMPLES / relative
    if not path.is_file():
        pytest.fail(f"the sample {relative} is missing from {SAMPLES} (part of the repository)")
    return path
