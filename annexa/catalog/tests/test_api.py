"""``/api/v1/catalog/``: read-only, any authenticated caller, filters, a clean schema."""

import pytest
from django.urls import include, path, reverse
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

CONTROLS = reverse("catalog-api:control-list")
REQUIREMENTS = reverse("catalog-api:requirement-list")
LEGACY = reverse("catalog-api:legacy-control-list")


def test_it_refuses_anonymous_callers(client, catalog):
    for url in (CONTROLS, REQUIREMENTS, LEGACY):
        assert client.get(url).status_code in (401, 403)


def test_it_lists_controls_for_any_member_of_any_organization(client_for, oscar, catalog):
    body = client_for(oscar).get(CONTROLS).json()
    assert body["count"] == 93
    assert body["results"][0]["id"] == "A.5.1"


def test_it_filters_controls_by_theme_and_edition(client_for, vera, catalog):
    client = client_for(vera)
    assert client.get(CONTROLS, {"theme": "physical"}).json()["count"] == 14
    new = client.get(CONTROLS, {"new_in_2022": "true"}).json()
    assert new["count"] == 11
    assert all(row["sources_2013"] == [] for row in new["results"])
    assert client.get(CONTROLS, {"new_in_2022": "false"}).json()["count"] == 82


@pytest.mark.parametrize("query", [{"theme": "legal"}, {"new_in_2022": "yes"}])
def test_it_rejects_bad_filters(client_for, vera, catalog, query):
    response = client_for(vera).get(CONTROLS, query)
    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_it_shows_a_control(client_for, vera, catalog):
    url = reverse("catalog-api:control-detail", kwargs={"id": "A.5.15"})
    body = client_for(vera).get(url).json()
    assert body["title"] == "Access control"
    assert body["theme"] == "organizational"
    assert body["theme_label"] == "Organizational"
    assert body["attributes"]["operational_capabilities"] == ["Identity_and_access_management"]
    assert body["sources_2013"] == ["A.9.1.1", "A.9.1.2"]


def test_it_filters_requirements_by_auditability(client_for, vera, catalog):
    client = client_for(vera)
    everything = client.get(REQUIREMENTS, {"limit": 500}).json()
    auditable = client.get(REQUIREMENTS, {"auditable": "true", "limit": 500}).json()
    assert everything["count"] == 162
    assert 0 < auditable["count"] < everything["count"]
    assert all(row["auditable"] for row in auditable["results"])


def test_it_shows_a_nested_requirement(client_for, vera, catalog):
    url = reverse("catalog-api:requirement-detail", kwargs={"id": "6.1.2.a.1"})
    body = client_for(vera).get(url).json()
    assert body["parent"] == "6.1.2.a"
    assert body["kind"] == "item"
    assert body["clause"] == 6


def test_it_shows_the_2013_mapping(client_for, vera, catalog):
    url = reverse("catalog-api:legacy-control-detail", kwargs={"id": "A.18.2.3"})
    body = client_for(vera).get(url).json()
    assert body == {
        "id": "A.18.2.3",
        "title": "Technical compliance review",
        "maps_to": [
            "A.5.36",
            "A.8.8",
        ],
    }
    assert client_for(vera).get(LEGACY).json()["count"] == 114


def test_it_answers_404_for_an_unknown_id(client_for, vera, catalog):
    url = reverse("catalog-api:control-detail", kwargs={"id": "A.9.99"})
    assert client_for(vera).get(url).status_code == 404


def test_it_is_read_only(client_for, alice, catalog):
    client = client_for(alice)
    assert client.post(CONTROLS, {}).status_code == 405
    url = reverse("catalog-api:control-detail", kwargs={"id": "A.5.15"})
    assert client.delete(url).status_code == 405


def test_it_describes_itself_without_schema_warnings():
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(
        patterns=[path("api/v1/catalog/", include("annexa.catalog.api.urls"))]
    )
    schema = generator.get_schema(request=None, public=True)
    assert not GENERATOR_STATS, (
        dict(GENERATOR_STATS._warn_cache),
        dict(GENERATOR_STATS._error_cache),
    )
    assert "/api/v1/catalog/controls/{id}/" in schema["paths"]
    params = schema["paths"]["/api/v1/catalog/controls/"]["get"]["parameters"]
    assert {"theme", "new_in_2022"} <= {p["name"] for p in params}
