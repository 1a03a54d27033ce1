"""OpenAPI at /api/schema/ and browsable docs at /api/docs/ that work without the internet."""

from __future__ import annotations

import re

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

# The foundation's APIs: catalog, organizations and memberships, scope, context and SoA.
FOUNDATION = [
    path("api/v1/catalog/", include("annexa.catalog.api.urls")),
    path("api/v1/orgs/", include("annexa.orgs.api.urls")),
    path("api/v1/orgs/<slug:org>/", include("annexa.isms.api.urls")),
]


def test_it_serves_the_swagger_ui_from_this_server(client):
    html = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
    external = [a for a in assets if not a.startswith("/")]
    assert not external, f"the docs page must work offline, but it loads {external}"
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body, asset


def test_it_serves_a_valid_schema_of_every_api(client_for, vera):
    response = client_for(vera).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert {"/api/v1/orgs/{org}/soa/", "/api/v1/orgs/{org}/memberships/"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    # the docs' sections follow the apps, not the API version
    assert schema["paths"]["/api/v1/orgs/{org}/soa/"]["get"]["tags"] == ["soa"]
    assert schema["paths"]["/api/v1/orgs/{org}/"]["get"]["tags"] == ["orgs"]
    assert schema["paths"]["/api/v1/catalog/controls/"]["get"]["tags"] == ["catalog"]


def test_it_describes_the_foundation_apis_without_a_warning():
    """What `manage.py spectacular --validate --fail-on-warn` checks, for these apps."""
    GENERATOR_STATS.reset()  # process-wide caches: start clean
    schema = SchemaGenerator(patterns=FOUNDATION).get_schema(request=None, public=True)
    validate_schema(schema)
    problems = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    assert not problems, problems
    for operation in ("get", "patch"):
        assert operation in schema["paths"]["/api/v1/orgs/{org}/soa/{control_id}/"]


def test_it_describes_the_whole_api_without_a_warning():
    """`manage.py spectacular --validate --fail-on-warn` over every app's routes."""
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    problems = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    assert not problems, problems
