"""Reloading changed data: rows are updated in place, dropped rows go only if unreferenced."""

import pytest

from annexa.catalog.loader import CatalogError, load_catalog
from annexa.catalog.models import CatalogVersion, Control, LegacyControl, Requirement
from annexa.catalog.tests.datafiles import record

pytestmark = pytest.mark.django_db


def _retitle(record_id: str, title: str, list_key: str):
    def change(data):
        record(data[list_key], record_id)["title"] = title

    return change


def _without(*removed: str):
    def change(data):
        data["requirements"] = [r for r in data["requirements"] if r["id"] not in removed]

    return change


def test_it_updates_changed_rows_in_place(catalog, data_dir, edit):
    edit("annex_a/organizational.json", _retitle("A.5.1", "Renamed policy control", "controls"))
    edit("clauses.json", _retitle("6.3", "Renamed planning", "requirements"))
    old_sha = CatalogVersion.objects.get(name="clauses.json").sha256

    assert load_catalog(data_dir).endswith("(loaded)")

    assert Control.objects.get(id="A.5.1").title == "Renamed policy control"
    assert Requirement.objects.get(id="6.3").title == "Renamed planning"
    assert Control.objects.count() == 93
    assert CatalogVersion.objects.get(name="clauses.json").sha256 != old_sha
    assert load_catalog(data_dir).endswith("(unchanged)")


def test_it_rewrites_the_2013_mapping(catalog, data_dir, edit):
    def remap(data):
        record(data["controls"], "A.18.2.3")["maps_to"] = ["A.5.36"]

    edit("iso27001_2013.json", remap)
    load_catalog(data_dir)
    targets = LegacyControl.objects.get(id="A.18.2.3").controls.values_list("id", flat=True)
    assert list(targets) == ["A.5.36"]


def test_it_removes_rows_the_data_no_longer_contains(catalog, data_dir, edit):
    edit("clauses.json", _without("4.1.climate"))
    load_catalog(data_dir)
    assert not Requirement.objects.filter(id="4.1.climate").exists()
    assert Requirement.objects.count() == 161


def test_it_refuses_to_remove_a_row_that_something_refers_to(catalog, data_dir, edit, acme):
    from annexa.evidence.tests.factories import make_evidence

    evidence = make_evidence(acme)
    evidence.requirements.add("4.1.climate")
    edit("clauses.json", _without("4.1.climate"))
    edit("clauses.json", _retitle("6.3", "Renamed planning", "requirements"))

    with pytest.raises(CatalogError, match=r"requirement 4.1.climate, but evidence\.Evidence"):
        load_catalog(data_dir)

    assert Requirement.objects.filter(id="4.1.climate").exists()
    assert Requirement.objects.get(id="6.3").title == "Planning of changes"
