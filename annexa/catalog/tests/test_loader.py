"""The packaged catalog, loaded for real: counts, ids, titles, structure and idempotency."""

from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annexa.catalog.loader import load_catalog
from annexa.catalog.models import CatalogVersion, Control, LegacyControl, Requirement

pytestmark = pytest.mark.django_db

NEW_IN_2022 = {
    "A.5.7",
    "A.5.23",
    "A.5.30",
    "A.7.4",
    "A.8.9",
    "A.8.10",
    "A.8.11",
    "A.8.12",
    "A.8.16",
    "A.8.23",
    "A.8.28",
}

# Official short titles of every clause and sub-clause of ISO/IEC 27001:2022.
TITLES = {
    "4": "Context of the organization",
    "4.1": "Understanding the organization and its context",
    "4.2": "Understanding the needs and expectations of interested parties",
    "4.3": "Determining the scope of the information security management system",
    "4.4": "Information security management system",
    "5": "Leadership",
    "5.1": "Leadership and commitment",
    "5.2": "Policy",
    "5.3": "Organizational roles, responsibilities and authorities",
    "6": "Planning",
    "6.1": "Actions to address risks and opportunities",
    "6.1.1": "General",
    "6.1.2": "Information security risk assessment",
    "6.1.3": "Information security risk treatment",
    "6.2": "Information security objectives and planning to achieve them",
    "6.3": "Planning of changes",
    "7": "Support",
    "7.1": "Resources",
    "7.2": "Competence",
    "7.3": "Awareness",
    "7.4": "Communication",
    "7.5": "Documented information",
    "7.5.1": "General",
    "7.5.2": "Creating and updating",
    "7.5.3": "Control of documented information",
    "8": "Operation",
    "8.1": "Operational planning and control",
    "8.2": "Information security risk assessment",
    "8.3": "Information security risk treatment",
    "9": "Performance evaluation",
    "9.1": "Monitoring, measurement, analysis and evaluation",
    "9.2": "Internal audit",
    "9.2.1": "General",
    "9.2.2": "Internal audit programme",
    "9.3": "Management review",
    "9.3.1": "General",
    "9.3.2": "Management review inputs",
    "9.3.3": "Management review results",
    "10": "Improvement",
    "10.1": "Continual improvement",
    "10.2": "Nonconformity and corrective action",
}

# The lettered items of the 2022 edition, and the numbered items nested under some of them.
LETTERS = {
    "4.2": "abc",
    "4.3": "abc",
    "5.1": "abcdefgh",
    "5.2": "abcdefg",
    "5.3": "ab",
    "6.1.1": "abcde",
    "6.1.2": "abcde",
    "6.1.3": "abcdef",
    "6.2": "abcdefghijkl",
    "7.2": "abcd",
    "7.3": "abc",
    "7.4": "abcd",
    "7.5.1": "ab",
    "7.5.2": "abc",
    "7.5.3": "abcdef",
    "9.1": "abcdef",
    "9.2.1": "ab",
    "9.2.2": "abc",
    "9.3.2": "abcdefg",
    "10.2": "abcdefg",
}
NUMBERED = {
    "6.1.1.e": 2,
    "6.1.2.a": 2,
    "6.1.2.c": 2,
    "6.1.2.d": 3,
    "6.1.2.e": 2,
    "9.2.1.a": 2,
    "9.3.2.d": 4,
    "10.2.a": 2,
    "10.2.b": 3,
}
MANDATORY = {
    "4.3",
    "5.2",
    "6.1.2",
    "6.1.3",
    "6.1.3.d",
    "6.2",
    "7.2",
    "7.5.1.b",
    "8.1",
    "8.2",
    "8.3",
    "9.1",
    "9.2.2",
    "9.3.3",
    "10.2",
}


def _expected_items() -> set[str]:
    items = {f"{parent}.{letter}" for parent, letters in LETTERS.items() for letter in letters}
    items |= {f"{parent}.{n}" for parent, count in NUMBERED.items() for n in range(1, count + 1)}
    return items | {"4.1.climate"}


def test_it_loads_93_controls_in_four_themes(catalog):
    assert Control.objects.count() == 93
    counts = Counter(Control.objects.values_list("theme", flat=True))
    assert counts == {"organizational": 37, "people": 8, "physical": 14, "technological": 34}


def test_it_numbers_every_theme_without_gaps(catalog):
    expected = (
        [f"A.5.{n}" for n in range(1, 38)]
        + [f"A.6.{n}" for n in range(1, 9)]
        + [f"A.7.{n}" for n in range(1, 15)]
        + [f"A.8.{n}" for n in range(1, 35)]
    )
    # Model ordering is by sort_key, so this also proves A.5.10 sorts after A.5.9.
    assert list(Control.objects.values_list("id", flat=True)) == expected


@pytest.mark.parametrize(
    ("control_id", "title"),
    [
        ("A.5.7", "Threat intelligence"),
        ("A.5.23", "Information security for use of cloud services"),
        ("A.8.28", "Secure coding"),
        ("A.5.15", "Access control"),
        ("A.8.34", "Protection of information systems during audit testing"),
        ("A.5.1", "Policies for information security"),
        ("A.6.1", "Screening"),
        ("A.7.4", "Physical security monitoring"),
    ],
)
def test_it_keeps_the_official_control_titles(catalog, control_id, title):
    assert Control.objects.get(id=control_id).title == title


def test_it_flags_the_11_new_controls(catalog):
    assert set(Control.objects.filter(new_in_2022=True).values_list("id", flat=True)) == (
        NEW_IN_2022
    )


def test_it_stores_attributes_questions_and_evidence(catalog):
    control = Control.objects.get(id="A.5.15")
    assert control.control_type and control.security_domains
    assert len(control.questions) >= 2
    assert len(control.evidence) >= 1


def test_it_loads_every_clause_and_sub_clause_with_its_official_title(catalog):
    found = dict(Requirement.objects.exclude(kind="item").values_list("id", "title"))
    assert found == TITLES


def test_it_loads_exactly_the_lettered_items_of_the_standard(catalog):
    items = set(Requirement.objects.filter(kind="item").values_list("id", flat=True))
    assert items == _expected_items()


def test_it_adds_the_climate_change_requirement_of_amendment_1(catalog):
    climate = Requirement.objects.get(id="4.1.climate")
    assert climate.amendment == "Amd 1:2024"
    assert climate.parent_id == "4.1"
    assert climate.auditable
    # 4.1 keeps its own requirement: the amendment adds to it rather than splitting it.
    assert Requirement.objects.get(id="4.1").auditable
    assert not Requirement.objects.filter(id="4.2.climate").exists()


def test_it_flags_mandatory_documents_on_exactly_the_listed_clauses(catalog):
    flagged = set(Requirement.objects.exclude(mandatory_document="").values_list("id", flat=True))
    assert flagged == MANDATORY
    assert "Statement of Applicability" in Requirement.objects.get(id="6.1.3.d").mandatory_document


def test_it_audits_items_and_leaf_clauses_but_not_containers(catalog):
    auditable = dict(Requirement.objects.values_list("id", "auditable"))
    assert not any(auditable[c] for c in ("4", "5", "6", "6.1", "7.5", "9.2", "9.3", "10"))
    assert not any(auditable[parent] for parent in LETTERS)
    assert all(auditable[leaf] for leaf in ("4.4", "6.3", "7.1", "8.1", "9.3.1", "9.3.3", "10.1"))
    assert all(auditable[item] for item in _expected_items())


def test_it_gives_every_auditable_requirement_questions_and_evidence(catalog):
    for requirement in Requirement.objects.filter(auditable=True):
        assert len(requirement.questions) >= 2, requirement.id
        assert len(requirement.evidence) >= 1, requirement.id


def test_it_records_the_clause_number_and_order(catalog):
    assert Requirement.objects.get(id="10.2.b.3").clause == 10
    ordered = list(Requirement.objects.values_list("id", flat=True))
    assert ordered[0] == "4"
    assert ordered.index("9.3.3") < ordered.index("10") < ordered.index("10.1")


def test_it_loads_114_legacy_controls_with_their_mapping(catalog):
    assert LegacyControl.objects.count() == 114

    def targets(legacy_id: str) -> set[str]:
        found = LegacyControl.objects.get(id=legacy_id).controls.values_list("id", flat=True)
        return set(found)

    assert targets("A.18.2.3") == {"A.5.36", "A.8.8"}
    assert targets("A.12.4.1") == {"A.8.15"}
    assert targets("A.9.4.2") == {"A.8.5"}
    assert targets("A.6.1.5") == {"A.5.8"}
    assert targets("A.11.2.6") == {"A.7.9"}
    assert targets("A.12.1.2") == {"A.8.32"}
    assert targets("A.13.2.3") == {"A.5.14"}
    assert targets("A.5.1.1") == targets("A.5.1.2") == {"A.5.1"}
    assert targets("A.9.4.1") == {"A.8.3"}
    assert targets("A.14.2.8") == targets("A.14.2.9") == {"A.8.29"}
    assert LegacyControl.objects.get(id="A.12.4.4").title == "Clock synchronisation"


def test_it_maps_every_carried_over_control_and_no_new_one(catalog):
    mapped = set(LegacyControl.controls.through.objects.values_list("control_id", flat=True))
    assert mapped == set(Control.objects.values_list("id", flat=True)) - NEW_IN_2022


def test_it_records_the_version_and_hash_of_every_file(catalog):
    names = set(CatalogVersion.objects.values_list("name", flat=True))
    assert names == {
        "clauses.json",
        "iso27001_2013.json",
        "annex_a/organizational.json",
        "annex_a/people.json",
        "annex_a/physical.json",
        "annex_a/technological.json",
    }
    assert all(len(row.sha256) == 64 and row.version for row in CatalogVersion.objects.all())


def test_it_summarises_what_it_loaded(db):
    assert load_catalog() == "93 controls, 162 requirements, 114 legacy controls (loaded)"


def test_it_does_nothing_when_loaded_twice(catalog):
    before = list(CatalogVersion.objects.values_list("name", "sha256", "loaded_at"))
    with CaptureQueriesContext(connection) as queries:
        summary = load_catalog()
    assert summary.endswith("(unchanged)")
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert list(CatalogVersion.objects.values_list("name", "sha256", "loaded_at")) == before
