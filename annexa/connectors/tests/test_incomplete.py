"""Files cut short and hostile nesting are refused whole: nothing stored, a message that says why.

A report cut in half (a copy interrupted, a scanner killed, a full disk) is still well-formed up
to the cut; judging it would count only the tests it happens to hold. Each importer reads its
file to the end and refuses one that stops early; JSON nested far deeper than any tool writes is
refused with a clear message instead of a ``RecursionError`` traceback.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.connectors import kinds, services
from annexa.connectors.formats import FormatError
from annexa.connectors.models import CollectionRun
from annexa.connectors.tests.samples import LYNIS, OPENSCAP, PROWLER, sample
from annexa.core.spreadsheets import write_xlsx
from annexa.evidence.models import Evidence
from annexa.ledger.models import LedgerEntry

# Each real sample, its kind, the records a complete file yields, and what a cut one says.
SAMPLES = [
    pytest.param(LYNIS, "lynis", 235, "Lynis report is incomplete", id="lynis"),
    pytest.param(OPENSCAP, "openscap", 355, "XCCDF file is incomplete", id="openscap"),
    *(
        pytest.param(name, "ocsf", records, "incomplete", id=name.split("_")[-1].split(".")[0])
        for name, records in zip(PROWLER, (5, 5, 5, 6), strict=True)
    ),
]
CUTS = (0.25, 0.5, 0.99)
DEPTH = 100_000


def cut(tmp_path, name: str, fraction: float):
    """A copy of the sample keeping only the first ``fraction`` of its bytes."""
    data = sample(name).read_bytes()
    path = tmp_path / f"cut-{fraction}-{sample(name).name}"
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def deep_json(tmp_path, prefix: str, suffix: str):
    """A JSON document with ``DEPTH`` nested arrays between ``prefix`` and ``suffix``."""
    path = tmp_path / "deep.json"
    path.write_text(prefix + "[" * DEPTH + "]" * DEPTH + suffix)
    return path


def nothing_stored() -> bool:
    return not (
        Evidence.objects.exists() or LedgerEntry.objects.exists() or CollectionRun.objects.exists()
    )


@pytest.mark.parametrize(("name", "kind", "records", "message"), SAMPLES)
def test_the_complete_samples_are_still_read_whole(name, kind, records, message):
    assert kinds.get(kind).inspect(sample(name), sample(name).name).records == records


@pytest.mark.parametrize("fraction", CUTS)
@pytest.mark.parametrize(("name", "kind", "records", "message"), SAMPLES)
def test_a_cut_sample_is_refused_by_its_parser(tmp_path, name, kind, records, message, fraction):
    with pytest.raises(FormatError, match=message):
        kinds.get(kind).inspect(cut(tmp_path, name, fraction), sample(name).name)


@pytest.mark.parametrize("fraction", CUTS)
@pytest.mark.parametrize(("name", "kind", "records", "message"), SAMPLES)
def test_a_cut_sample_is_refused_on_import_and_nothing_is_stored(
    isla, tmp_path, name, kind, records, message, fraction
):
    with pytest.raises(services.ImportRejected, match=message):
        services.ingest_file(isla.ctx, cut(tmp_path, name, fraction), kind=kind)
    assert nothing_stored()


def test_a_lynis_report_cut_after_its_last_line_but_one_is_refused(tmp_path):
    # Everything but "finish=true": every test result is there, yet the file is not whole.
    lines = sample(LYNIS).read_bytes().splitlines(keepends=True)
    assert lines[-1] == b"finish=true\n"
    path = tmp_path / "report.dat"
    path.write_bytes(b"".join(lines[:-1]))
    with pytest.raises(FormatError, match="does not end with the line finish=true"):
        kinds.get("lynis").inspect(path, "report.dat")


def test_a_json_lines_file_cut_inside_a_line_is_refused(tmp_path):
    path = tmp_path / "findings.jsonl"
    finding = '{"class_uid": 2004, "status_code": "PASS", "metadata": {"event_code": "a"}}'
    path.write_text(f"{finding}\n{finding[:30]}")
    with pytest.raises(FormatError, match="the JSON ends early"):
        kinds.get("ocsf").inspect(path, path.name)


def test_a_csv_cut_inside_a_quoted_cell_is_refused(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text('account,system,account_status\nann,crm,enabled\nbob,"crm')
    with pytest.raises(FormatError, match="malformed at line 3"):
        kinds.get("accounts").inspect(path, path.name)


@pytest.mark.parametrize("fraction", CUTS)
def test_a_cut_xlsx_is_refused(tmp_path, fraction):
    rows = [[f"L-{n}", "Laptop", "laptop", "Ann", "TRUE"] for n in range(500)]
    data = write_xlsx(["asset_id", "name", "type", "owner", "encrypted"], rows)
    path = tmp_path / "assets.xlsx"
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(FormatError, match="the zip is damaged"):
        kinds.get("assets").inspect(path, path.name)


NESTED = "nested too deeply"


@pytest.mark.parametrize(
    ("kind", "prefix", "suffix", "message"),
    [
        pytest.param("ocsf", '[{"class_uid": 2004, "x": ', "}]", NESTED, id="ocsf-array"),
        pytest.param("ocsf", '{"class_uid": 2004, "x": ', "}\n", NESTED, id="ocsf-lines"),
        pytest.param(
            "linux",
            '{"annexa_snapshot": 1, "kind": "linux", "target": "web1", "data": {"x": ',
            "}}",
            NESTED,
            id="snapshot",
        ),
        # The CSV reader does not nest: the document is one cell past the reader's size limit.
        pytest.param("accounts", '{"account": ', "}", "CSV file is malformed", id="csv"),
    ],
)
def test_json_nested_100k_deep_is_refused_cleanly(isla, tmp_path, kind, prefix, suffix, message):
    path = deep_json(tmp_path, prefix, suffix)
    with pytest.raises(FormatError, match=message):
        kinds.get(kind).inspect(path, path.name)
    with pytest.raises(services.ImportRejected, match=message):
        services.ingest_file(isla.ctx, path, kind=kind)
    assert nothing_stored()


def test_the_cli_exits_2_with_the_message_for_a_cut_file(acme, catalog, tmp_path):
    path = cut(tmp_path, LYNIS, 0.5)
    result = CliRunner().invoke(app, ["ingest", str(path), "--org", "acme", "--kind", "lynis"])
    assert result.exit_code == 2, result.output
    assert "refused" in result.output and "Lynis report is incomplete" in result.output
    assert nothing_stored()


def test_the_cli_exits_2_for_json_nested_too_deeply(acme, catalog, tmp_path):
    path = deep_json(tmp_path, '[{"class_uid": 2004, "x": ', "}]")
    result = CliRunner().invoke(app, ["ingest", str(path), "--org", "acme", "--kind", "ocsf"])
    assert result.exit_code == 2, result.output
    assert "nested too deeply" in result.output
    assert nothing_stored()
