import pytest

from annexa.catalog import queries

pytestmark = pytest.mark.django_db


def test_it_filters_controls_by_theme_and_edition(catalog):
    assert len(queries.controls(theme="people")) == 8
    new = queries.controls(new_in_2022=True)
    assert [c.id for c in new][:3] == ["A.5.7", "A.5.23", "A.5.30"]
    assert len(new) == 11
    assert len(queries.controls(theme="technological", new_in_2022=True)) == 7


def test_it_filters_controls_by_attribute_value(catalog):
    found = queries.controls(attribute=("control_type", "Corrective"))
    assert found
    assert all("Corrective" in c.control_type for c in found)
    assert len(found) < 93


def test_it_searches_ids_and_titles(catalog):
    assert [c.id for c in queries.controls(text="secure CODING")] == ["A.8.28"]
    assert "A.5.15" in [c.id for c in queries.controls(text="a.5.15")]


def test_it_refuses_unknown_filters(catalog):
    with pytest.raises(ValueError, match="unknown theme 'legal'"):
        queries.controls(theme="legal")
    with pytest.raises(ValueError, match="unknown attribute 'colour'"):
        queries.controls(attribute=("colour", "red"))
    with pytest.raises(ValueError, match="unknown control_type value 'Reactive'"):
        queries.controls(attribute=("control_type", "Reactive"))


def test_it_maps_2013_ids_in_the_order_asked(catalog):
    assert queries.map_2013(["A.18.2.3", "A.12.1.2", "A.9.4.2"]) == {
        "A.18.2.3": ["A.5.36", "A.8.8"],
        "A.12.1.2": ["A.8.32"],
        "A.9.4.2": ["A.8.5"],
    }


def test_it_names_every_unknown_2013_id(catalog):
    with pytest.raises(queries.UnknownIdError) as caught:
        queries.map_2013(["A.12.1.2", "A.19.1.1", "A.5.1"])
    assert caught.value.unknown == ["A.19.1.1", "A.5.1"]
    assert "A.19.1.1, A.5.1" in str(caught.value)


def test_it_lists_auditable_requirements_only_when_asked(catalog):
    auditable = list(queries.requirements(auditable_only=True).values_list("id", flat=True))
    assert "6.1.2" not in auditable
    assert {"6.1.2.a", "6.3", "4.1", "4.1.climate"} <= set(auditable)
    assert queries.requirements().count() > len(auditable)


def test_it_finds_the_ancestors_of_a_nested_item(catalog):
    item = queries.requirement("6.1.2.c.1")
    assert [r.id for r in queries.ancestors(item)] == ["6", "6.1", "6.1.2", "6.1.2.c"]
    assert queries.requirement_depth(item) == 4


def test_it_raises_a_clear_error_for_unknown_ids(catalog):
    with pytest.raises(queries.UnknownIdError, match="unknown Annex A control id"):
        queries.control("A.9.9")
    with pytest.raises(queries.UnknownIdError, match="unknown requirement id"):
        queries.requirement("11.1")


def test_it_returns_attributes_in_the_standard_order(catalog):
    attributes = queries.attributes_of(queries.control("A.5.7"))
    assert list(attributes) == [
        "control_type",
        "security_properties",
        "cybersecurity_concepts",
        "operational_capabilities",
        "security_domains",
    ]
