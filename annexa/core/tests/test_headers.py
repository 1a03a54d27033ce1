"""Security headers and HTTPS: CSP without inline script, HSTS, nosniff, Referrer-Policy,
__Host- cookies, links that follow the TLS proxy's scheme, and no unthrottled admin login."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
# The values docs/deploy.md ("Production settings") gives for HTTPS behind a TLS proxy.
PRODUCTION = {
    "ANNEXA_SECRET_KEY": "Zq3v8Jw1-production-like-secret-key-4kT9xR7mN2pL6sH0dF5gB",
    "ANNEXA_ALLOWED_HOSTS": "annexa.example.com",
    "ANNEXA_BASE_URL": "https://annexa.example.com",
    "ANNEXA_CSRF_TRUSTED_ORIGINS": "https://annexa.example.com",
    "ANNEXA_SECURE_COOKIES": "true",
    "ANNEXA_SSL_REDIRECT": "true",
    "ANNEXA_TRUST_PROXY_HTTPS": "true",
    "ANNEXA_HSTS_SECONDS": "31536000",
    "ANNEXA_HSTS_INCLUDE_SUBDOMAINS": "true",
}


def check_deploy(tmp_path, extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNEXA_")}
    (tmp_path / "tmp" / "uploads").mkdir(parents=True)
    env.update(ANNEXA_HOME=str(tmp_path), **extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_the_documented_production_settings(tmp_path):
    result = check_deploy(tmp_path, PRODUCTION)
    assert result.returncode == 0, result.stderr
    documented = (ROOT / "docs" / "deploy.md").read_text()
    for name, value in PRODUCTION.items():
        if name != "ANNEXA_SECRET_KEY":
            assert f"{name}={value}" in documented, name


def test_check_deploy_warns_without_them(tmp_path):
    result = check_deploy(tmp_path, {"ANNEXA_SECRET_KEY": PRODUCTION["ANNEXA_SECRET_KEY"]})
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.strip() for d in header.split(";") if d.strip()}


def test_every_page_has_a_strict_csp_without_inline_script(client):
    response = client.get("/accounts/login/")
    policy = csp(response)
    assert policy["default-src"] == "default-src 'self'"
    assert policy["script-src"] == "script-src 'self'"
    assert policy["object-src"] == "object-src 'none'"
    assert policy["base-uri"] == "base-uri 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["form-action"] == "form-action 'self'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|\shx-on[:-]", re.IGNORECASE)


def test_no_template_has_inline_script_or_event_handlers():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "annexa").rglob("templates/**/*.html")
        if INLINE.search(path.read_text())
    ]
    assert not offenders


def test_the_api_docs_start_swagger_ui_from_a_script_file(client):
    page = client.get("/api/docs/")
    assert "<script>" not in page.text
    script = re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', page.text).group(1)
    started = client.get(script.replace("&amp;", "&"))
    assert started.status_code == 200 and "SwaggerUIBundle" in started.text
    assert "img-src 'self' data:" in page["Content-Security-Policy"]


def test_the_admin_login_form_is_allauths_throttled_one(client, alice):
    page = client.get("/admin/login/?next=/admin/")
    assert page.status_code == 302 and page["Location"] == "/accounts/login/?next=/admin/"
    # Credentials posted to the old form sign nobody in.
    posted = client.post("/admin/login/", {"username": alice.user.email, "password": "x"})
    assert posted.status_code == 302 and "_auth_user_id" not in client.session


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_the_calendar_feed_link_is_https_behind_the_tls_proxy(client_for, isla):
    client = client_for(isla)
    proxied = {"x-forwarded-proto": "https"}
    client.post("/o/acme/audits/feed/", {"action": "rotate"}, headers=proxied)
    page = client.get("/o/acme/audits/feed/", headers=proxied)
    # The test client's host is testserver:80; behind a real proxy it is the public name.
    assert 'value="https://testserver:80/feeds/' in page.text
