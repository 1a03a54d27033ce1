"""The real tool outputs shared beside the repository (``../shared/samples``), for tests."""

from __future__ import annotations

from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[3]
SAMPLES = (REPOSITORY / ".." / "shared" / "samples").resolve()

OPENSCAP = "openscap/xccdf-results-standard-debian12.xml"
LYNIS = "lynis/lynis-report-debian12.dat"
PROWLER = tuple(
    f"prowler/example_output_{cloud}.ocsf.json" for cloud in ("aws", "azure", "gcp", "kubernetes")
)


def sample(relative: str) -> Path:
    """The path of one sample; the test fails (never skips) when the samples are missing."""
    path = SAMPLES / relative
    if not path.is_file():
        pytest.fail(
            f"the sample {relative} is missing: the tests need the shared samples in {SAMPLES} "
            "(the directory 'shared/samples' beside the repository)"
        )
    return path
