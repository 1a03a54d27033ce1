"""OpenSCAP scans as the real oscap wrote them: a scan that evaluated nothing is refused, and
each host keeps one stream per benchmark and profile (``tool_outputs/README.md``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annexa.connectors import kinds, services
from annexa.connectors.choices import RunStatus
from annexa.connectors.formats import FormatError
from annexa.connectors.services import ImportRejected
from annexa.connectors.tests.samples import (
    OPENSCAP_MINIMAL,
    OPENSCAP_NOTHING_APPLIES,
    OPENSCAP_NOTHING_APPLIES_ARF,
    OPENSCAP_STANDARD,
    OPENSCAP_STANDARD_ARF,
    unpacked,
)
from annexa.connectors.tests.test_builtins import DATASTREAM, run_connector
from annexa.evidence.models import Evidence

NOT_DEBIAN_11 = not Path("/etc/debian_version").read_text().startswith("11.")


@pytest.mark.parametrize("name", [OPENSCAP_NOTHING_APPLIES, OPENSCAP_NOTHING_APPLIES_ARF])
def test_a_scan_where_nothing_applies_is_refused_with_the_reason(tmp_path, name):
    path = unpacked(name, tmp_path)
    with pytest.raises(FormatError) as refused:
        kinds.get("openscap").inspect(path, path.name)
    message = str(refused.value)
    assert "evaluated no rule" in message
    assert "24 not applicable" in message and "331 not selected" in message
    assert "does not apply to this OS" in message
    assert "cpe:/o:debian:debian_linux:11" in message


def test_annexa_ingest_refuses_it_and_stores_nothing(isla, tmp_path):
    with pytest.raises(ImportRejected, match="does not apply to this OS"):
        services.ingest_file(isla.ctx, unpacked(OPENSCAP_NOTHING_APPLIES, tmp_path))
    assert not Evidence.objects.for_org(isla.ctx.org).exists()


def test_results_and_arf_of_one_scan_share_the_stream_of_their_profile(isla, tmp_path):
    results = services.ingest_file(isla.ctx, unpacked(OPENSCAP_STANDARD, tmp_path))
    arf = services.ingest_file(isla.ctx, unpacked(OPENSCAP_STANDARD_ARF, tmp_path))
    assert results.stream == arf.stream == "openscap:vm/DEBIAN-11/standard"
    assert results.records == arf.records == 355


def test_a_second_profile_of_the_same_host_gets_its_own_stream(isla, tmp_path):
    standard = services.ingest_file(isla.ctx, unpacked(OPENSCAP_STANDARD, tmp_path))
    minimal = services.ingest_file(isla.ctx, unpacked(OPENSCAP_MINIMAL, tmp_path))
    assert minimal.stream == "openscap:vm/DEBIAN-11/anssi_np_nt28_minimal"
    assert minimal.stream != standard.stream
    # Two evidence items, not one item whose latest version hides the first profile.
    assert minimal.version.evidence != standard.version.evidence


def widened_datastream(folder: Path) -> Path:
    """The installed Debian 11 data stream with its platform check widened to Debian 12, as
    the fixtures were made (``tool_outputs/README.md``)."""
    text = DATASTREAM.read_text(encoding="utf-8")
    widened = text.replace("^11.[0-9]+$", "^1[12].[0-9]+$")
    assert widened != text
    path = folder / "ssg-debian11-ds-widened.xml"
    path.write_text(widened, encoding="utf-8")
    return path


needs_oscap = pytest.mark.skipif(
    shutil.which("oscap") is None or not DATASTREAM.is_file(),
    reason=f"oscap or {DATASTREAM} is missing (apt-get install openscap-scanner ssg-debian)",
)


@pytest.mark.skipif(not NOT_DEBIAN_11, reason="on Debian 11 the Debian 11 content applies")
@needs_oscap
def test_run_mode_refuses_a_scan_where_the_content_does_not_apply(isla, server_allowed):
    connector = services.create(
        isla.ctx,
        name="This server (SCAP)",
        kind="openscap",
        values={"mode": "run", "datastream": str(DATASTREAM)},
    )
    run, items = run_connector(isla.ctx, connector)
    assert run.status == RunStatus.FAILED and items == []
    assert "evaluated no rule" in run.message and "does not apply to this OS" in run.message
    assert not Evidence.objects.for_org(isla.ctx.org).exists()


@needs_oscap
def test_run_mode_stores_a_scan_that_evaluated_rules(isla, server_allowed, import_dir):
    widened_datastream(import_dir)
    connector = services.create(
        isla.ctx,
        name="This server (SCAP, widened)",
        kind="openscap",
        values={"mode": "run", "datastream": "ssg-debian11-ds-widened.xml"},
    )
    run, items = run_connector(isla.ctx, connector)
    assert run.status == RunStatus.SUCCEEDED, run.message
    (item,) = items
    assert item.stream.endswith("/DEBIAN-11/standard") and item.records > 100
    assert item.version.filename == "xccdf-results.xml"
