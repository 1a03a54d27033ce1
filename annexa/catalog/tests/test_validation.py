"""Bad data files fail loudly, name the file, record and problem, and write nothing."""

import copy

import pytest

from annexa.catalog.loader import CatalogError, load_catalog
from annexa.catalog.models import CatalogVersion, Control, LegacyControl, Requirement
from annexa.catalog.tests.datafiles import record

pytestmark = pytest.mark.django_db

CLAUSES = "clauses.json"
ORG = "annex_a/organizational.json"
TECH = "annex_a/technological.json"
LEGACY = "iso27001_2013.json"


def _duplicate_item(data):
    items = data["requirements"]
    items.append(copy.deepcopy(record(items, "4.2.a")))


def _unknown_parent(data):
    data["requirements"].append(
        {
            "id": "4.5.a",
            "title": "Something",
            "parent": "4.5",
            "kind": "item",
            "questions": ["One?", "Two?"],
            "evidence": ["A record"],
        }
    )


def _set(record_id: str, key: str, value, list_key: str = "controls"):
    def change(data):
        record(data[list_key], record_id)[key] = value

    return change


def _drop(record_id: str, key: str, list_key: str = "controls"):
    def change(data):
        del record(data[list_key], record_id)[key]

    return change


def _unknown_attribute(data):
    record(data["controls"], "A.5.1")["attributes"]["control_type"] = ["Preventative"]


def _duplicate_control(data):
    data["controls"].append(copy.deepcopy(record(data["controls"], "A.5.3")))


def _remove_control(data):
    data["controls"] = [c for c in data["controls"] if c["id"] != "A.8.34"]


def _remove_legacy(data):
    data["controls"] = [c for c in data["controls"] if c["id"] != "A.5.1.2"]


def _orphan(data):
    record(data["controls"], "A.9.4.2")["maps_to"] = ["A.8.3"]


BAD_FILES = {
    "duplicate requirement": (CLAUSES, _duplicate_item, "record 4.2.a: duplicate id 4.2.a"),
    "unknown parent": (CLAUSES, _unknown_parent, "record 4.5.a: unknown parent 4.5"),
    "parent not matching the id": (
        CLAUSES,
        _set("6.1.2.c.1", "parent", "6.1.2", "requirements"),
        "record 6.1.2.c.1: parent '6.1.2' does not match the id",
    ),
    "kind not matching the id": (
        CLAUSES,
        _set("4.4", "kind", "item", "requirements"),
        "record 4.4: kind 'item' does not match the id",
    ),
    "unknown kind": (
        CLAUSES,
        _set("4.4", "kind", "paragraph", "requirements"),
        "record 4.4: kind 'paragraph' is not one of clause, subclause, item",
    ),
    "malformed requirement id": (
        CLAUSES,
        _set("4.4", "id", "4.4)", "requirements"),
        "id '4.4)' is not a valid id",
    ),
    "too few questions on a requirement": (
        CLAUSES,
        _set("6.3", "questions", ["Only one?"], "requirements"),
        "record 6.3: needs at least 2 questions, has 1",
    ),
    "missing questions on a control": (
        TECH,
        _drop("A.8.28", "questions"),
        "annex_a/technological.json, record A.8.28: missing field(s) questions",
    ),
    "no evidence on a control": (TECH, _set("A.8.1", "evidence", []), "needs at least 1 evidence"),
    "unknown attribute value": (
        ORG,
        _unknown_attribute,
        "record A.5.1: unknown control_type value 'Preventative'",
    ),
    "empty attribute list": (
        ORG,
        lambda d: record(d["controls"], "A.5.2")["attributes"].update(security_domains=[]),
        "record A.5.2: needs at least 1 security_domains",
    ),
    "duplicate control": (ORG, _duplicate_control, "record A.5.3: duplicate id A.5.3"),
    "missing control": (TECH, _remove_control, "has exactly 34 controls A.8.1 … A.8.34"),
    "control in the wrong theme file": (
        ORG,
        _set("A.5.37", "id", "A.8.35"),
        "unexpected: A.8.35; missing: A.5.37",
    ),
    "wrong theme name": (ORG, lambda d: d.update(theme="people"), "expected 'organizational'"),
    "twelve new controls": (
        ORG,
        _set("A.5.1", "new_in_2022", True),
        "exactly 11 controls are new in 2022, the data flags 12",
    ),
    "new flag not a boolean": (ORG, _set("A.5.1", "new_in_2022", "no"), "must be true or false"),
    "113 legacy controls": (LEGACY, _remove_legacy, "expected 114 controls of the 2013 edition"),
    "mapping to an unknown control": (
        LEGACY,
        _set("A.12.1.2", "maps_to", ["A.8.99"]),
        "record A.12.1.2: maps_to unknown control(s) A.8.99",
    ),
    "mapping to a new control": (
        LEGACY,
        _set("A.12.1.2", "maps_to", ["A.8.32", "A.8.28"]),
        "maps_to A.8.28, which is new in 2022",
    ),
    "carried-over control left unmapped": (LEGACY, _orphan, "A.8.5 are not new in 2022"),
    "unknown field": (ORG, _set("A.5.4", "guidance", "text"), "unknown field(s) guidance"),
    "missing version": (LEGACY, lambda d: d.pop("version"), '"version" must be a non-empty'),
}


def _assert_nothing_written() -> None:
    assert Control.objects.count() == 0
    assert Requirement.objects.count() == 0
    assert LegacyControl.objects.count() == 0
    assert CatalogVersion.objects.count() == 0


@pytest.mark.parametrize(("filename", "change", "message"), BAD_FILES.values(), ids=BAD_FILES)
def test_it_refuses_bad_data_and_writes_nothing(data_dir, edit, filename, change, message):
    edit(filename, change)
    with pytest.raises(CatalogError) as caught:
        load_catalog(data_dir)
    assert message in str(caught.value)
    # Every message starts with the file (or, for rules across Annex A, its directory).
    assert str(caught.value).startswith(filename.split("/")[0])
    _assert_nothing_written()


def test_it_reports_invalid_json_with_the_line(data_dir):
    (data_dir / LEGACY).write_text('{\n  "version": "1",\n  "controls": [\n}', encoding="utf-8")
    with pytest.raises(CatalogError, match=r"iso27001_2013.json: invalid JSON at line 4"):
        load_catalog(data_dir)
    _assert_nothing_written()


def test_it_reports_a_missing_file(data_dir):
    (data_dir / "annex_a" / "people.json").unlink()
    with pytest.raises(CatalogError, match=r"annex_a/people\.json: missing catalog data file"):
        load_catalog(data_dir)


def test_it_refuses_an_unexpected_annex_file(data_dir):
    (data_dir / "annex_a" / "peoples.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CatalogError, match="unexpected file"):
        load_catalog(data_dir)


def test_it_refuses_a_missing_directory(tmp_path):
    with pytest.raises(CatalogError, match="does not exist"):
        load_catalog(tmp_path / "nowhere")


def test_it_leaves_a_loaded_catalog_untouched_when_new_data_is_bad(catalog, data_dir, edit):
    edit(CLAUSES, _set("4.4", "title", "Changed title", "requirements"))
    edit(ORG, _unknown_attribute)
    versions = list(CatalogVersion.objects.values_list("name", "sha256"))
    with pytest.raises(CatalogError, match="Preventative"):
        load_catalog(data_dir)
    assert Requirement.objects.get(id="4.4").title == "Information security management system"
    assert list(CatalogVersion.objects.values_list("name", "sha256")) == versions
