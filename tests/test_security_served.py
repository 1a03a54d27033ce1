"""A production-like instance: `annexa serve` with two worker processes behind a (simulated) TLS
proxy, configured with the documented production settings (docs/deploy.md).

- Failed sign-ins are counted in the cache both workers share: past the per-account limit every
  attempt is refused, the right password too, whichever worker answers (each request comes on a
  fresh connection, so both workers answer some). With Django's per-process default cache,
  each worker counted on its own.
- Every answer carries the CSP (with frame-ancestors), HSTS, nosniff and Referrer-Policy; the
  cookies are __Host- cookies; a plain-HTTP request is redirected to https://, and a request
  that the proxy marks with X-Forwarded-Proto: https is served, with https:// links.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import time
import urllib.parse

import pytest

from annexa.core.testing.passes import sqlite_pass_only
from tests.test_run import ANNEXA, _free_port, _fresh_env

pytestmark = sqlite_pass_only  # its own instances on the embedded defaults

HOST = "annexa.example.com"
ORIGIN = f"https://{HOST}"
EMAIL = "isla@example.com"
PASSWORD = "a long and correct passphrase 42"
PER_ACCOUNT = 3
PRODUCTION = {
    "ANNEXA_ALLOWED_HOSTS": HOST,
    "ANNEXA_BASE_URL": ORIGIN,
    "ANNEXA_CSRF_TRUSTED_ORIGINS": ORIGIN,
    "ANNEXA_SECURE_COOKIES": "true",
    "ANNEXA_SSL_REDIRECT": "true",
    "ANNEXA_TRUST_PROXY_HTTPS": "true",
    "ANNEXA_HSTS_SECONDS": "31536000",
    "ANNEXA_HSTS_INCLUDE_SUBDOMAINS": "true",
    "ANNEXA_LOGIN_FAILURES_PER_ACCOUNT": str(PER_ACCOUNT),
}


class Browser:
    """One fresh connection per request (so the two workers share the traffic), cookies kept
    by hand: __Host- cookies are Secure, and this client speaks plain HTTP to the "proxy"."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, *, https: bool = True):
        headers = {"Host": HOST}
        if https:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = ORIGIN
            headers["Referer"] = f"{ORIGIN}{path}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response, text

    def log_in(self, password: str):
        _response, page = self.request("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"csrfmiddlewaretoken": token, "login": EMAIL, "password": password}
        return self.request("POST", "/accounts/login/", form)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("served") / "home"
    env = _fresh_env(home)
    env.update(PRODUCTION)

    def annexa(*args: str, stdin: str | None = None) -> None:
        subprocess.run(
            [ANNEXA, *args],
            env=env,
            input=stdin,
            text=True,
            check=True,
            capture_output=True,
            timeout=300,
        )

    annexa("init")
    annexa("org", "create", "--name", "Acme Ltd", "--slug", "acme")
    annexa(
        "user",
        "create",
        "--email",
        EMAIL,
        "--org",
        "acme",
        "--role",
        "isms_manager",
        "--password-stdin",
        stdin=PASSWORD,
    )
    port = _free_port()
    log_path = home / "serve.log"  # the console e-mail backend writes here
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [ANNEXA, "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        browser = Browser(port)
        for _ in range(200):  # up to ~60 s for gunicorn to answer
            if server.poll() is not None:
                raise AssertionError(f"annexa serve exited with {server.returncode}")
            try:
                if browser.request("GET", "/healthz")[0].status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        yield port, log_path
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_failed_sign_ins_are_counted_across_both_workers(served):
    port, _log = served
    browser = Browser(port)
    for _ in range(PER_ACCOUNT):
        response, page = browser.log_in("wrong password")
        assert response.status == 200 and "Too many failed login attempts" not in page
    # Every further attempt, on fresh connections spread over both workers, is refused …
    for _ in range(6):
        response, page = browser.log_in("still wrong")
        assert "Too many failed login attempts" in page
    # … the right password too, until the window has passed.
    response, page = browser.log_in(PASSWORD)
    assert response.status == 200 and "Too many failed login attempts" in page
    assert "__Host-sessionid" not in browser.cookies


def test_answers_carry_the_security_headers_and_host_cookies(served):
    port, _log = served
    browser = Browser(port)
    response, _page = browser.request("GET", "/accounts/login/")
    assert response.status == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in policy + ";"
    assert response.headers["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    cookie = next(c for c in response.headers.get_all("Set-Cookie") if "csrftoken" in c)
    assert cookie.startswith("__Host-csrftoken=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie


def test_plain_http_is_redirected_and_proxied_https_builds_https_links(served):
    port, log = served
    browser = Browser(port)
    response, _ = browser.request("GET", "/accounts/login/", https=False)
    assert response.status == 301
    assert response.headers["Location"] == f"{ORIGIN}/accounts/login/"
    _response, page = browser.request("GET", "/accounts/password/reset/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response, _ = browser.request(
        "POST", "/accounts/password/reset/", {"csrfmiddlewaretoken": token, "email": EMAIL}
    )
    assert response.status == 302
    sent = log.read_text()
    assert f"{ORIGIN}/accounts/password/reset/key/" in sent
    assert "http://annexa.example.com" not in sent
