"""API keys expire by default (ANNEXA_API_KEY_DAYS, 90 days), and their owners are warned 14
days before: a banner on the keys page and a warning line in ``annexa apikey list``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.orgs import key_expiry, services
from annexa.orgs.models import APIKey

runner = CliRunner()


def days_left(key: APIKey) -> float:
    return (key.expires_at - timezone.now()) / timedelta(days=1)


def test_a_key_issued_without_an_expiry_expires_after_90_days(colin):
    key, _plaintext = services.issue_api_key(colin.ctx, name="ci")
    assert key.expires_at is not None
    assert 89.9 < days_left(key) <= 90


def test_the_default_lifetime_is_configurable(colin, settings):
    settings.API_KEY_DAYS = 7
    key, _plaintext = services.issue_api_key(colin.ctx)
    assert 6.9 < days_left(key) <= 7


def test_a_key_past_its_default_lifetime_no_longer_authenticates(colin, client):
    key, plaintext = services.issue_api_key(colin.ctx)
    url = reverse("orgs-api:membership-list", kwargs={"org": colin.ctx.org.slug})
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 200
    APIKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 401


def _expiring_in(key: APIKey, days: float) -> APIKey:
    APIKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() + timedelta(days=days))
    key.refresh_from_db()
    return key


@pytest.mark.parametrize(
    ("days", "warned"), [(20, False), (14.5, False), (13.9, True), (0.5, True), (-1, False)]
)
def test_it_warns_14_days_before_expiry_and_not_after(colin, days, warned):
    key = _expiring_in(services.issue_api_key(colin.ctx, name="ci")[0], days)
    assert key_expiry.expires_soon(key) is warned


def test_a_revoked_key_gets_no_warning(colin):
    key = _expiring_in(services.issue_api_key(colin.ctx)[0], 3)
    services.revoke_api_key(colin.ctx, key)
    key.refresh_from_db()
    assert not key_expiry.expires_soon(key)


def test_the_keys_page_shows_a_banner_for_a_key_expiring_soon(client_for, colin):
    soon = _expiring_in(services.issue_api_key(colin.ctx, name="nightly")[0], 10)
    services.issue_api_key(colin.ctx, name="fresh")
    page = client_for(colin).get(reverse("orgs:apikeys", kwargs={"org": "acme"}))
    html = page.content.decode()
    assert 'id="apikeys-expiring"' in html
    assert f"API key {soon.prefix} (nightly)" in html and "in 9 days" in html
    assert "(fresh)" not in html.split('id="apikeys-expiring"')[1].split("</div>")[0]


def test_the_keys_page_has_no_banner_when_no_key_expires_soon(client_for, colin):
    services.issue_api_key(colin.ctx, name="fresh")
    page = client_for(colin).get(reverse("orgs:apikeys", kwargs={"org": "acme"}))
    assert 'id="apikeys-expiring"' not in page.content.decode()


def test_apikey_list_prints_a_warning_line_for_a_key_expiring_soon(colin):
    soon = _expiring_in(services.issue_api_key(colin.ctx, name="nightly")[0], 5)
    services.issue_api_key(colin.ctx, name="fresh")
    result = runner.invoke(app, ["apikey", "list", "--org", "acme", "--format", "json"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert soon.prefix in warnings[0] and "(nightly)" in warnings[0] and "in 4 days" in warnings[0]
    assert "warning" not in result.stdout  # the JSON on stdout stays parseable
