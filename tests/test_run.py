"""`make run` end to end: init, demo and the production server on a fresh ANNEXA_HOME.

This is what a new user does on a fresh machine; the test proves the login page is served and
the printed demo credentials log in. It runs on the embedded defaults (SQLite, local files), so
it is skipped on the PostgreSQL pass of `make test`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from annexa.core.testing.passes import sqlite_pass_only

pytestmark = sqlite_pass_only  # its own instances on the embedded defaults
ANNEXA = str(Path(sys.executable).with_name("annexa"))


def _fresh_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNEXA_")}
    env["ANNEXA_HOME"] = str(home)
    return env


def _post_login(opener, base: str, email: str, password: str):
    """Fill in the login form (with its CSRF token) and follow where it leads."""
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {"csrfmiddlewaretoken": token, "login": email, "password": password}
    request = urllib.request.Request(
        f"{base}/accounts/login/",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Referer": f"{base}/accounts/login/"},
    )
    return opener.open(request)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout}s")


@pytest.fixture
def fresh_home(tmp_path):
    home = tmp_path / "home"
    yield home
    shutil.rmtree(home, ignore_errors=True)


def test_it_serves_the_login_page_and_logs_in_with_the_demo_credentials(fresh_home):
    env = _fresh_env(fresh_home)
    subprocess.run([ANNEXA, "init"], env=env, check=True, capture_output=True, timeout=300)
    assert (fresh_home / "secret_key").exists()
    assert (fresh_home / "annexa.sqlite3").exists()
    assert (fresh_home / "tmp" / "uploads").is_dir()  # uploads stage inside ANNEXA_HOME
    demo = subprocess.run(
        [ANNEXA, "demo", "--format", "json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    logins = json.loads(demo.stdout)["logins"]
    again = subprocess.run(
        [ANNEXA, "demo", "--format", "json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert json.loads(again.stdout)["logins"] == logins  # idempotent, same credentials
    manager = next(login for login in logins if login["role"] == "isms_manager")

    port = _free_port()
    server = subprocess.Popen(
        [ANNEXA, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/healthz", server)
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        assert "Log in to Annexa" in opener.open(f"{base}/accounts/login/").read().decode()
        landing = _post_login(opener, base, manager["email"], manager["password"])
        # The ISMS manager's role requires two-factor authentication: the first sign-in
        # lands on its set-up, before anything else.
        assert landing.geturl().endswith("/accounts/2fa/")
        assert "requires two-factor authentication" in landing.read().decode()
        # A control owner's role does not: the same login form leads to the dashboard.
        owner = next(login for login in logins if login["role"] == "control_owner")
        jar.clear()
        dashboard = _post_login(opener, base, owner["email"], owner["password"])
        assert dashboard.geturl().rstrip("/").endswith("/o/kestrel")
        assert "Kestrel Analytics" in dashboard.read().decode()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
