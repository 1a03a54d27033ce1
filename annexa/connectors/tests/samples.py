"""Real tool outputs kept in the repository (``tool_outputs/``), for tests.

Each file was written by the real tool, never by hand; ``tool_outputs/README.md`` says how. A
parser that fails on one of them has a bug: never edit a file to make a test pass.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent / "tool_outputs"

OPENSCAP = "openscap/xccdf-results-standard-debian12.xml"
# One host ("vm", Debian 12) scanned three times with SSG 0.1.65, kept gzip-compressed (the
# results hold the whole benchmark): two profiles that apply, and one scan where nothing does.
OPENSCAP_STANDARD = "openscap/results-standard-debian12.xml.gz"
OPENSCAP_STANDARD_ARF = "openscap/arf-standard-debian12.xml.gz"
OPENSCAP_MINIMAL = "openscap/results-anssi-minimal-debian12.xml.gz"
OPENSCAP_NOTHING_APPLIES = "openscap/results-anssi-minimal-debian11-content.xml.gz"
OPENSCAP_NOTHING_APPLIES_ARF = "openscap/arf-anssi-minimal-debian11-content.xml.gz"
LYNIS = "lynis/lynis-report-debian12.dat"
PROWLER = tuple(
    f"prowler/example_output_{cloud}.ocsf.json" for cloud in ("aws", "azure", "gcp", "kubernetes")
)
# Real Prowler runs against a local AWS emulator, one file per Prowler version (README).
PROWLER_RUNS: tuple[str, ...] = tuple(
    f"prowler/moto-aws-prowler-{version}.ocsf.json" for version in ("4.6.2", "5.46.0")
)


def sample(relative: str) -> Path:
    """The path of one sample; the test fails (never skips) when it is missing."""
    path = SAMPLES / relative
    if not path.is_file():
        pytest.fail(f"the sample {relative} is missing from {SAMPLES} (part of the repository)")
    return path


def unpacked(relative: str, folder: Path) -> Path:
    """A gzip-compressed sample decompressed into ``folder`` (under its name without .gz),
    byte for byte the file the tool wrote."""
    source = sample(relative)
    target = folder / source.name.removesuffix(".gz")
    with gzip.open(source, "rb") as packed, open(target, "wb") as out:
        shutil.copyfileobj(packed, out)
    return target
