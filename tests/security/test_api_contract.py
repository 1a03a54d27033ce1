"""The API holes the schemathesis run (``test_api_fuzz.py``) found, one test each."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, isla):
    from annexa.orgs.models import APIKey

    _key, plaintext = APIKey.issue(user=isla.user, organization=isla.ctx.org, name="contract")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plaintext}"
    return client


@pytest.mark.parametrize("query", ["offset=abc", "offset=-1", "limit=null", "offset=1&offset=2"])
def test_bad_paging_is_refused_not_ignored(api, query):
    response = api.get(f"/api/v1/orgs/acme/context-issues/?{query}")
    assert response.status_code == 400, response.content
    assert set(response.json()) & {"offset", "limit"}


def test_options_on_a_write_without_a_body_answers(api, acme):
    from annexa.audits.models import Audit
    from annexa.audits.tests.factories import FACTORIES

    audit = FACTORIES[Audit](acme)
    response = api.options(f"/api/v1/orgs/acme/audits/{audit.pk}/checklist/close/")
    assert response.status_code == 200


def test_an_api_url_no_route_matches_answers_json(api):
    response = api.get("/api/v1/orgs/not,a,slug/soa/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    "url", ["/api/v1/orgs/acme/audits/requests/mine/", "/api/v1/orgs/acme/monitoring/controls/"]
)
def test_an_unknown_status_filter_is_refused(api, url):
    response = api.get(f"{url}?status=AAA")
    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/orgs/acme/context-issues/", {"kind": "internal", "description": 0}),
        ("/api/v1/orgs/acme/interested-parties/", {"name": 0}),
        ("/api/v1/orgs/acme/scope/", {"text": 0}),
    ],
)
def test_a_number_is_not_taken_for_text(api, url, body):
    response = api.post(url, body, content_type="application/json")
    assert response.status_code == 400, response.content


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_operation_documents_its_errors(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"400", "401", "429"} <= codes, f"{method} {path}: {sorted(codes)}"
            if "{" in path:
                assert "404" in codes, f"{method} {path}"


def _body(schema, path: str) -> dict:
    body = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    schema_ref = body["schema"]
    if "$ref" in schema_ref:
        schema_ref = schema["components"]["schemas"][schema_ref["$ref"].rsplit("/", 1)[1]]
    return schema_ref


def test_lists_answered_whole_are_not_described_as_pages(schema):
    # Bounded by definition (the installed control tests): one array.
    assert _body(schema, "/api/v1/orgs/{org}/monitoring/tests/").get("type") == "array"


def test_an_objects_sub_collections_are_described_as_the_pages_they_are(schema):
    for path in (
        "/api/v1/orgs/{org}/actions/{id}/history/",
        "/api/v1/orgs/{org}/reviews/{id}/decisions/",
    ):
        body = _body(schema, path)
        assert {"count", "next", "previous", "results"} <= set(body["properties"]), path


def test_nullable_people_are_described_as_nullable(schema):
    components = schema["components"]["schemas"]
    for component, name in (("SoAEntry", "updated_by"), ("Programme", "approved_by")):
        assert components[component]["properties"][name].get("nullable"), (component, name)


@pytest.mark.parametrize("value", [0, 1, "off", "yes"])
def test_monitoring_settings_take_json_booleans_only(api, value):
    url = "/api/v1/orgs/acme/monitoring/settings/"
    refused = api.patch(url, {"open_draft_nonconformity": value}, content_type="application/json")
    assert refused.status_code == 400 and "open_draft_nonconformity" in refused.json()
    accepted = api.patch(url, {"open_draft_nonconformity": True}, content_type="application/json")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["open_draft_nonconformity"] is True
