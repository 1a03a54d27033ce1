"""Request bodies the API cannot parse are refused with 400, never a server error."""

from __future__ import annotations

import pytest

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/orgs/acme/findings/"),
        ("post", "/api/v1/orgs/acme/objectives/"),
        ("post", "/api/v1/orgs/acme/context-issues/"),
    ],
)
def test_a_json_body_nested_too_deeply_is_a_400(client_for, isla, method, path):
    response = getattr(client_for(isla), method)(
        path, DEEP, content_type="application/json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
