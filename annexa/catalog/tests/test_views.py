"""Catalog pages: login required, read-only, filters, htmx partial, details."""

import pytest
from django.urls import reverse
from django.utils.html import escape

pytestmark = pytest.mark.django_db

CONTROLS = reverse("catalog:controls")
CLAUSES = reverse("catalog:requirements")


def control_url(control_id: str) -> str:
    return reverse("catalog:control", kwargs={"control_id": control_id})


def requirement_url(requirement_id: str) -> str:
    return reverse("catalog:requirement", kwargs={"requirement_id": requirement_id})


def test_it_asks_anonymous_visitors_to_log_in(client, catalog):
    for url in (CONTROLS, control_url("A.5.15"), CLAUSES, requirement_url("4.1")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_it_lists_every_control(client_for, vera, catalog):
    response = client_for(vera).get(CONTROLS)
    assert response.status_code == 200
    assert len(response.context["controls"]) == 93
    assert b"Threat intelligence" in response.content
    assert b"<html" in response.content


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({"theme": "people"}, 8),
        ({"new": "true"}, 11),
        ({"new": "false"}, 82),
        ({"theme": "technological", "new": "true"}, 7),
        ({"q": "cloud"}, 1),
    ],
)
def test_it_filters_the_list(client_for, colin, catalog, query, count):
    response = client_for(colin).get(CONTROLS, query)
    assert len(response.context["controls"]) == count


def test_it_filters_by_attribute_value(client_for, colin, catalog):
    response = client_for(colin).get(CONTROLS, {"attribute": "security_domains:Resilience"})
    found = response.context["controls"]
    assert found and all("Resilience" in c.security_domains for c in found)


def test_it_answers_htmx_with_the_rows_only(client_for, colin, catalog):
    response = client_for(colin).get(CONTROLS, {"theme": "physical"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"A.7.14" in response.content and b"A.5.1<" not in response.content


def test_it_rejects_an_invalid_filter(client_for, colin, catalog):
    response = client_for(colin).get(CONTROLS, {"theme": "legal"})
    assert response.status_code == 400
    assert b"legal is not one of the available choices" in response.content


def test_it_shows_a_control_with_attributes_questions_and_sources(client_for, vera, catalog):
    response = client_for(vera).get(control_url("A.5.15"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "A.5.15 Access control" in content
    assert "Identity and access management" in content
    assert "A.9.1.1 Access control policy" in content
    for question in response.context["control"].questions:
        assert escape(question) in content


def test_it_says_a_new_control_has_no_2013_source(client_for, vera, catalog):
    response = client_for(vera).get(control_url("A.8.28"))
    assert b"new in the 2022 edition" in response.content


def test_it_answers_404_for_an_unknown_control(client_for, vera, catalog):
    assert client_for(vera).get(control_url("A.9.99")).status_code == 404


def test_it_shows_the_clause_tree_with_mandatory_documents(client_for, vera, catalog):
    response = client_for(vera).get(CLAUSES)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Statement of Applicability" in content
    assert "Amd 1:2024" in content
    assert content.count("badge warn") == 15
    ids = [item.id for item, _depth in response.context["rows"]]
    assert ids[0] == "4" and ids[-1] == "10.2.g"


def test_it_shows_a_requirement_with_its_parents_and_items(client_for, vera, catalog):
    response = client_for(vera).get(requirement_url("6.1.2.c"))
    content = response.content.decode()
    assert [r.id for r in response.context["ancestors"]] == ["6", "6.1", "6.1.2"]
    assert "6.1.2.c.2" in content
    assert "Risk owners identified" in content


def test_it_answers_404_for_an_unknown_requirement(client_for, vera, catalog):
    assert client_for(vera).get(requirement_url("11.1")).status_code == 404


def test_it_is_read_only(client_for, alice, catalog):
    client = client_for(alice)
    assert client.post(CONTROLS).status_code == 405
    assert client.post(requirement_url("4.1")).status_code == 405
