"""``annexa catalog`` through typer's runner: data on stdout, messages on stderr."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from annexa.cli.main import app

pytestmark = pytest.mark.django_db


def run(*args: str):
    return CliRunner().invoke(app, ["catalog", *args])


def test_it_lists_annex_a_as_json(db):
    result = run("list", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 93
    assert rows[0] == {
        "id": "A.5.1",
        "title": "Policies for information security",
        "theme": "Organizational",
        "new_in_2022": False,
    }
    assert rows[-1]["id"] == "A.8.34"


def test_it_lists_new_controls_as_csv(catalog):
    result = run("list", "--format", "csv", "--new")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 11
    assert list(rows[0]) == ["id", "title", "theme", "new_in_2022"]
    assert {row["new_in_2022"] for row in rows} == {"true"}
    assert rows[-1] == {
        "id": "A.8.28",
        "title": "Secure coding",
        "theme": "Technological",
        "new_in_2022": "true",
    }


def test_it_lists_one_theme(catalog):
    result = run("list", "--format", "json", "--theme", "people")
    assert [row["id"] for row in json.loads(result.stdout)] == [f"A.6.{n}" for n in range(1, 9)]


def test_it_lists_clause_requirements(catalog):
    result = run("list", "--clauses", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["id", "title", "parent"]
    by_id = {row["id"]: row for row in rows}
    assert by_id["4"]["parent"] == ""
    assert by_id["4.2.a"]["parent"] == "4.2"
    assert by_id["10.2"]["title"] == "Nonconformity and corrective action"
    assert rows[-1]["id"] == "10.2.g"


def test_it_lists_clauses_as_json_with_null_parents(catalog):
    rows = json.loads(run("list", "--clauses", "--format", "json").stdout)
    assert rows[0] == {"id": "4", "title": "Context of the organization", "parent": None}


def test_it_prints_a_table_by_default(catalog):
    result = run("list")
    assert result.exit_code == 0
    assert "A.8.34" in result.stdout and "Organizational" in result.stdout


def test_it_refuses_theme_filters_on_clauses(catalog):
    result = run("list", "--clauses", "--new")
    assert result.exit_code == 2
    assert "--clauses" in result.stderr
    assert result.stdout == ""


def test_it_maps_2013_controls(catalog):
    result = run("map", "--from", "2013", "A.12.1.2", "A.18.2.3", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"A.12.1.2": ["A.8.32"], "A.18.2.3": ["A.5.36", "A.8.8"]}


def test_it_maps_as_a_table(catalog):
    result = run("map", "--from", "2013", "A.9.4.2", "--format", "table")
    assert result.exit_code == 0
    assert "A.9.4.2" in result.stdout and "A.8.5" in result.stdout


def test_it_exits_2_for_an_unknown_2013_id(catalog):
    result = run("map", "--from", "2013", "A.12.1.2", "A.99.1.1")
    assert result.exit_code == 2
    assert "A.99.1.1" in result.stderr
    assert result.stdout == ""


def test_it_exits_2_for_an_unsupported_edition(catalog):
    result = run("map", "--from", "2005", "A.12.1.2")
    assert result.exit_code == 2
    assert "maps from 2013 only" in " ".join(result.stderr.split())


def test_it_shows_a_control(catalog):
    result = run("show", "A.5.15", "--format", "json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["title"] == "Access control"
    assert shown["theme"] == "Organizational"
    assert set(shown["attributes"]) >= {"control_type", "security_domains"}
    assert len(shown["questions"]) >= 2
    assert "A.9.1.1 Access control policy" in shown["sources_2013"]


def test_it_shows_a_control_as_text(catalog):
    result = run("show", "A.5.15")
    assert result.exit_code == 0
    assert "A.5.15 Access control" in result.stdout
    assert "A.9.1.2" in result.stdout


def test_it_shows_a_requirement(catalog):
    shown = json.loads(run("show", "6.1.3", "--format", "json").stdout)
    assert shown["mandatory_document"] == "Information security risk treatment process"
    assert "6.1.3.d Statement of Applicability produced" in shown["items"]


def test_it_exits_2_for_an_unknown_control(catalog):
    result = run("show", "A.9.9")
    assert result.exit_code == 2
    assert "A.9.9" in result.stderr


def test_it_loads_and_reports_bad_data(db, tmp_path):
    (tmp_path / "clauses.json").write_text("[]", encoding="utf-8")
    result = run("load", "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "catalog data is invalid" in result.stderr


def test_it_loads_the_packaged_data(db):
    result = run("load")
    assert result.exit_code == 0, result.output
    assert "93 controls" in result.stderr
